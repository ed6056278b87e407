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
#include "llvm/ADT/STLExtras.h"

namespace orch::frontend::lowering {

namespace {
const llvm::StringRef McpServerKeys[] = {"command", "args",    "env",
                                         "url",     "headers", "max_concurrent"};
bool sameText(const ir::LocString &A, const ir::LocString &B) { return A.Str == B.Str; }
/// Whether two maps (`env`, `headers`) hold the same entries, in any order.
bool samePairs(const std::vector<ir::LocPair> &A, const std::vector<ir::LocPair> &B) {
  auto Sorted = [](const std::vector<ir::LocPair> &V) {
    std::vector<std::pair<llvm::StringRef, llvm::StringRef>> Out;
    for (const ir::LocPair &X : V) Out.emplace_back(X.Key.Str, X.Val.Str);
    llvm::sort(Out);
    return Out;
  };
  return Sorted(A) == Sorted(B);
}
}  // namespace

/// Whether \p A and \p B start and reach the same server (locations aside).
bool sameServer(const ir::McpServer &A, const ir::McpServer &B) {
  auto Concurrent = [](const ir::McpServer &S) {
    return S.MaxConcurrent ? S.MaxConcurrent->Val : int64_t(0);
  };
  return sameText(A.Command, B.Command) && llvm::equal(A.Args, B.Args, sameText) &&
         samePairs(A.Env, B.Env) && sameText(A.Url, B.Url) &&
         samePairs(A.Headers, B.Headers) && Concurrent(A) == Concurrent(B);
}

void Lowerer::lowerMcpServers(const Node *N) {
  const MapNode *M = expectMap(N, "`mcp_servers`");
  if (!M) return;
  for (const KeyValue &KV : M->entries()) {
    ir::LocString Name{KV.Key->value(), KV.Key->loc(), KV.Key->length()};
    if (auto Srv = lowerMcpServer(Name, KV.Value, "MCP server " + quoted(Name.Str)))
      P->McpServers.push_back(std::move(*Srv));
  }
}

std::optional<ir::McpServer> Lowerer::lowerMcpServer(ir::LocString Name, const Node *N,
                                                     const std::string &Where) {
  ir::McpServer Srv;
  Srv.Name = Name;
  const MapNode *E = expectMap(N, Where);
  if (!E) return std::nullopt;
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
                     "an integer of at least 1", std::to_string(Srv.MaxConcurrent->Val));
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
  return Srv;
}

void Lowerer::lowerMcpConnect(const MapNode *Step, const MapNode *Params) {
  // ContextLab's `connect`: `server_name` and `server_config`, fixed text,
  // as an entry of `mcp_servers:`.
  const KeyValue *NameKV = Params ? Params->find("server_name") : nullptr;
  const KeyValue *Config = Params ? Params->find("server_config") : nullptr;
  if (!NameKV || !Config) {
    Diags.report(DiagKind::MissingKey, Params ? Params->loc() : Step->loc(), 1,
                 NameKV ? "server_config" : "server_name",
                 "the parameters of an `mcp-server` `connect` step");
    return;
  }
  std::optional<ir::LocString> Name = getString(NameKV->Value, "`server_name`");
  if (!Name) return;
  if (auto Srv = lowerMcpServer(*Name, Config->Value,
                                "`server_config` of MCP server " + quoted(Name->Str)))
    ConnectServers.push_back(std::move(*Srv));
}

void Lowerer::mergeConnectServers() {
  for (ir::McpServer &Srv : ConnectServers) {
    auto Same = llvm::find_if(P->McpServers, [&](const ir::McpServer &X) {
      return X.Name.Str == Srv.Name.Str;
    });
    if (Same == P->McpServers.end()) {
      P->McpServers.push_back(std::move(Srv));
    } else if (!sameServer(*Same, Srv)) {
      Diagnostic &D = Diags.report(DiagKind::McpConnectConflict, Srv.Name.Loc,
                                   Srv.Name.Length, Srv.Name.Str.str());
      DiagnosticEngine::note(D, DiagKind::NoteFirstDefined, Same->Name.Loc,
                             Same->Name.Length);
    }
  }
  ConnectServers.clear();
}

}  // namespace orch::frontend::lowering
