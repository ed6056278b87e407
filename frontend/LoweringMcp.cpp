//===- LoweringMcp.cpp - `mcp_servers:` to the pipeline IR ----------------===//
//
// Each entry names one MCP server the `mcp` steps call: `{command, args,
// env}` over stdio or `{url, headers}` over Streamable HTTP, plus
// `max_concurrent`. Values are fixed text: no templates, no AUTO tags. An
// `env` or header value `${VAR}` is read from orchrt's environment at run
// time, so a secret stays out of the plan (docs/backends/mcp.md).
//
//===----------------------------------------------------------------------===//
#include "frontend/Lowerer.h"
#include "ir/Actions.h"

namespace orch::frontend::lowering {

namespace {
const llvm::StringRef McpServerKeys[] = {"command", "args",    "env",
                                         "url",     "headers", "max_concurrent"};
}  // namespace

void Lowerer::lowerMcpServers(const Node *N) {
  const MapNode *M = expectMap(N, "`mcp_servers`");
  if (!M) return;
  for (const KeyValue &KV : M->entries()) {
    ir::McpServer Srv;
    Srv.Name = {KV.Key->value(), KV.Key->loc(), KV.Key->length()};
    std::string Where = "MCP server " + quoted(Srv.Name.Str);
    const MapNode *E = expectMap(KV.Value, Where);
    if (!E) continue;
    checkKeys(E, McpServerKeys, Where);
    auto pairs = [&](const Node *V, llvm::StringRef Key, std::vector<ir::LocPair> &Out) {
      const MapNode *PM = expectMap(V, "`" + Key.str() + "` of " + Where);
      if (!PM) return;
      for (const KeyValue &P : PM->entries())
        if (auto Val = getString(P.Value, "a value of `" + Key.str() + "`"))
          Out.push_back({{P.Key->value(), P.Key->loc(), P.Key->length()}, *Val});
    };
    for (const KeyValue &F : E->entries()) {
      llvm::StringRef K = F.Key->value();
      if (K == "command") {
        if (auto S = getString(F.Value, "`command` of " + Where)) Srv.Command = *S;
      } else if (K == "url") {
        if (auto S = getString(F.Value, "`url` of " + Where)) Srv.Url = *S;
      } else if (K == "args") {
        auto *Seq = llvm::dyn_cast<ast::SeqNode>(F.Value);
        if (!Seq) {
          Diags.report(DiagKind::TypeMismatch, F.Value->loc(), F.Value->length(),
                       "`args` of " + Where, "a list of strings",
                       F.Value->describe().str());
          continue;
        }
        for (const Node *I : Seq->items())
          if (auto S = getString(I, "an argument of " + Where)) Srv.Args.push_back(*S);
      } else if (K == "env") {
        pairs(F.Value, "env", Srv.Env);
      } else if (K == "headers") {
        pairs(F.Value, "headers", Srv.Headers);
      } else if (K == "max_concurrent") {
        Srv.MaxConcurrent = getInt(F.Value, "`max_concurrent` of " + Where);
        if (Srv.MaxConcurrent && Srv.MaxConcurrent->Val < 1) {
          Diags.report(DiagKind::TypeMismatch, Srv.MaxConcurrent->Loc,
                       Srv.MaxConcurrent->Length, "`max_concurrent` of " + Where,
                       "an integer of at least 1",
                       std::to_string(Srv.MaxConcurrent->Val));
          Srv.MaxConcurrent.reset();
        }
      }
    }
    bool Stdio = !Srv.Command.Str.empty(), Http = !Srv.Url.Str.empty();
    if (Stdio == Http)
      Diags.report(DiagKind::McpServerTransport, Srv.Name.Loc, Srv.Name.Length,
                   Srv.Name.Str.str(),
                   Stdio ? "has both `command` (stdio) and `url` (HTTP); give one"
                         : "needs `command` (a program over stdio) or `url` "
                           "(Streamable HTTP)");
    else if (Http && !llvm::StringRef(Srv.Url.Str).starts_with("http://") &&
             !llvm::StringRef(Srv.Url.Str).starts_with("https://"))
      Diags.report(DiagKind::McpServerTransport, Srv.Url.Loc, Srv.Url.Length,
                   Srv.Name.Str.str(), "has a `url` that is not http:// or https://");
    else if (Http && (!Srv.Args.empty() || !Srv.Env.empty()))
      Diags.report(DiagKind::McpServerTransport, Srv.Name.Loc, Srv.Name.Length,
                   Srv.Name.Str.str(), "has `url`: `args` and `env` are for `command`");
    else if (Stdio && !Srv.Headers.empty())
      Diags.report(DiagKind::McpServerTransport, Srv.Name.Loc, Srv.Name.Length,
                   Srv.Name.Str.str(), "has `command`: `headers` are for `url`");
    for (const ir::LocPair &Env : Srv.Env)
      if (std::string Why = ir::envNameProblem(Env.Key.Str); !Why.empty())
        Diags.report(DiagKind::McpServerEnv, Env.Key.Loc, Env.Key.Length,
                     Srv.Name.Str.str(), Why);
    P->McpServers.push_back(std::move(Srv));
  }
}

}  // namespace orch::frontend::lowering
