//===- McpSteps.cpp - What the passes check of `mcp` steps ----------------===//
#include "passes/McpSteps.h"

#include <algorithm>
#include <vector>

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "passes/McpSchemaCheck.h"

namespace orch::passes {

using namespace ir;

namespace {

/// Parameter \p Name of \p S, with where it is written, or null.
const MapEntry *paramEntry(const Step &S, llvm::StringRef Name) {
  if (!S.Params) return nullptr;
  for (const MapEntry &E : S.Params->entries())
    if (E.Key == Name) return &E;
  return nullptr;
}

/// The constant string parameter \p Name of \p S, or null.
const ScalarValue *constantParam(const Step &S, llvm::StringRef Name) {
  const MapEntry *E = paramEntry(S, Name);
  if (!E) return nullptr;
  auto *Sc = llvm::dyn_cast<ScalarValue>(E->V);
  return Sc && Sc->scalar().Ty == Type::String ? Sc : nullptr;
}

/// The lock's entry for server \p Name, made if missing.
McpLockServer &lockEntry(LockFile &L, const std::string &Name) {
  if (McpLockServer *S = L.mcpServer(Name)) return *S;
  L.McpServers.push_back({Name, {}, {}});
  llvm::sort(L.McpServers, [](const McpLockServer &A, const McpLockServer &B) {
    return A.Server < B.Server;
  });
  return *L.mcpServer(Name);
}

/// The schema of tool \p Tool of \p Srv, from this build's listing (asking
/// the server once when the lock lacks it or --refresh-mcp), else from the
/// lock; null after a diagnostic, or when nothing is known (`orchc check`).
const McpLockTool *schemaOf(const McpServer &Srv, const ScalarValue &Tool,
                            DiagnosticEngine &D, McpOptions &M) {
  std::string Name = Srv.Name.Str.str();
  llvm::StringRef ToolName = Tool.scalar().S;
  McpLockServer *Locked = M.Lock ? M.Lock->mcpServer(Name) : nullptr;
  bool Have = Locked && Locked->find(ToolName);
  if (M.Lister && !M.Offline && (M.Refresh || !Have) && !M.Asked.count(Name)) {
    llvm::Expected<std::vector<McpLockTool>> Listed = M.Lister->listTools(Srv);
    if (!Listed) {
      D.report(DiagKind::McpToolsUnreadable, Tool.loc(), Tool.length(), Name,
               llvm::toString(Listed.takeError()));
      M.Asked[Name] = std::nullopt;
    } else {
      M.Asked[Name] = std::move(*Listed);
    }
  }
  std::vector<std::string> Names;
  const McpLockTool *Found = nullptr;
  if (auto It = M.Asked.find(Name); It != M.Asked.end()) {
    if (!It->second) return nullptr;  // reported above
    for (const McpLockTool &T : *It->second) {
      Names.push_back(T.Name);
      if (T.Name == ToolName) Found = &T;
    }
    if (Found && M.Lock) {  // record what the build used
      McpLockServer &L = lockEntry(*M.Lock, Name);
      L.Names = Names;
      llvm::sort(L.Names);
      llvm::erase_if(L.Tools, [&](const McpLockTool &T) { return T.Name == ToolName; });
      L.Tools.push_back(*Found);
      llvm::sort(L.Tools, [](const McpLockTool &A, const McpLockTool &B) {
        return A.Name < B.Name;
      });
    }
  } else if (Locked) {
    Names = Locked->Names;
    Found = Locked->find(ToolName);
  }
  if (Found) return Found;
  if (!Names.empty() && !llvm::is_contained(Names, ToolName)) {
    std::vector<llvm::StringRef> Refs(Names.begin(), Names.end());
    std::string Hint = didYouMean(ToolName, Refs);
    if (Hint.empty()) Hint = "; it has " + llvm::join(Names, ", ");
    D.report(DiagKind::UnknownMcpTool, Tool.loc(), Tool.length(), Name, ToolName.str(),
             Hint);
    return nullptr;
  }
  if (M.Offline)
    D.report(DiagKind::McpSchemaMissing, Tool.loc(), Tool.length(), ToolName.str(), Name);
  return nullptr;
}

}  // namespace

const McpServer *mcpServerOf(const Pipeline &P, const Step &S) {
  const ScalarValue *V = constantParam(S, "server");
  if (!V) return nullptr;
  for (const McpServer &Srv : P.McpServers)
    if (Srv.Name.Str == V->scalar().S) return &Srv;
  return nullptr;
}

void checkMcpStep(const Pipeline &P, const Step &S, uint32_t Index, DiagnosticEngine &D,
                  McpOptions *M) {
  const ScalarValue *V = constantParam(S, "server");
  if (!V) return;
  const McpServer *Srv = mcpServerOf(P, S);
  if (!Srv) {
    std::vector<llvm::StringRef> Names;
    for (const McpServer &X : P.McpServers) Names.push_back(X.Name.Str);
    std::string Hint = didYouMean(V->scalar().S, Names);
    if (Hint.empty())
      Hint = Names.empty() ? "; the pipeline declares no `mcp_servers:`"
                           : "; declared: " + llvm::join(Names, ", ");
    D.report(DiagKind::UnknownMcpServer, V->loc(), V->length(), S.Id.Str.str(),
             V->scalar().S.str(), Hint);
    return;
  }
  const ScalarValue *Tool = constantParam(S, "tool");
  if (!M || !Tool) return;
  const McpLockTool *T = schemaOf(*Srv, *Tool, D, *M);
  if (!T) return;
  checkMcpArguments(S, Tool->scalar().S, T->Input, D);
  if (S.Action.Str != "mcp") return;  // `mcp.call` answers the result as sent
  M->Outputs[Index] = T->Output;
  // The result's fields: `output`, `structured`, and the properties of
  // the output schema when there is one.
  if (T->Output.is_object())
    if (auto Props = T->Output.find("properties");
        Props != T->Output.end() && Props->is_object()) {
      std::vector<std::string> &F = M->Fields[Index];
      for (auto &[K, V] : Props->items()) F.push_back(K);
    }
}

}  // namespace orch::passes
