//===- McpSteps.cpp - What the passes check of `mcp` steps ----------------===//
#include "passes/McpSteps.h"

#include <algorithm>
#include <vector>

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

namespace orch::passes {

using namespace ir;
using json = orch::ir::Json;

namespace {

/// Parameter \p Name of \p S, with where it is written, or null.
const MapEntry *param(const Step &S, llvm::StringRef Name) {
  if (!S.Params) return nullptr;
  for (const MapEntry &E : S.Params->entries())
    if (E.Key == Name) return &E;
  return nullptr;
}

/// The constant string parameter \p Name of \p S, or null.
const ScalarValue *constantParam(const Step &S, llvm::StringRef Name) {
  const MapEntry *E = param(S, Name);
  if (!E) return nullptr;
  auto *Sc = llvm::dyn_cast<ScalarValue>(E->V);
  return Sc && Sc->scalar().Ty == Type::String ? Sc : nullptr;
}

/// Does a constant of type \p T fit JSON schema type \p Want? Unknown
/// schema types fit everything: only what is sure is an error.
bool fits(Type T, llvm::StringRef Want) {
  if (Want == "string") return T == Type::String;
  if (Want == "integer") return T == Type::Int;
  if (Want == "number") return T == Type::Int || T == Type::Float;
  if (Want == "boolean") return T == Type::Bool;
  if (Want == "null") return T == Type::Null;
  if (Want == "array") return T == Type::List;
  if (Want == "object") return T == Type::Map;
  return true;
}

/// The static type of \p V when it is a constant or a constant collection.
std::optional<Type> constantType(const Value *V) {
  if (auto *Sc = llvm::dyn_cast<ScalarValue>(V)) return Sc->scalar().Ty;
  if (llvm::isa<ListValue>(V)) return Type::List;
  if (llvm::isa<MapValue>(V)) return Type::Map;
  return std::nullopt;  // a template: known at run time
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

/// Checks the step's `arguments` against \p Schema (a JSON schema object).
void checkArguments(const Step &S, llvm::StringRef Tool, const json &Schema,
                    DiagnosticEngine &D) {
  if (!Schema.is_object()) return;
  const MapEntry *Args = param(S, "arguments");
  auto *Map = Args ? llvm::dyn_cast<MapValue>(Args->V) : nullptr;
  if (Args && !Map) return;  // one template: its value is known at run time
  const json *Props = nullptr;
  if (auto P = Schema.find("properties"); P != Schema.end() && P->is_object())
    Props = &*P;
  // Unknown names are errors only when the schema lists its properties
  // and does not allow others.
  auto Extra = Schema.find("additionalProperties");
  bool Closed =
      Props && (Extra == Schema.end() || (Extra->is_boolean() && !Extra->get<bool>()));
  if (Map)
    for (const MapEntry &E : Map->entries()) {
      const json *Prop = nullptr;
      if (Props)
        if (auto It = Props->find(E.Key.str()); It != Props->end()) Prop = &*It;
      if (!Prop) {
        if (!Closed) continue;
        std::vector<std::string> Names;
        for (auto &[K, V] : Props->items()) Names.push_back(K);
        std::vector<llvm::StringRef> Refs(Names.begin(), Names.end());
        D.report(DiagKind::McpUnknownArgument, E.KeyLoc,
                 static_cast<uint32_t>(E.Key.size()), Tool.str(), E.Key.str(),
                 didYouMean(E.Key, Refs));
        continue;
      }
      auto Ty = Prop->is_object() ? Prop->find("type") : Prop->end();
      std::optional<Type> Have = constantType(E.V);
      if (Ty == Prop->end() || !Ty->is_string() || !Have) continue;
      if (!fits(*Have, Ty->get<std::string>()))
        D.report(DiagKind::McpArgumentType, E.V->loc(), E.V->length(), E.Key.str(),
                 Tool.str(), "of JSON type `" + Ty->get<std::string>() + "`",
                 describeType(*Have).str());
    }
  if (auto R = Schema.find("required"); R != Schema.end() && R->is_array())
    for (const json &Need : *R) {
      if (!Need.is_string()) continue;
      std::string N = Need.get<std::string>();
      bool Given = Map && llvm::any_of(Map->entries(),
                                       [&](const MapEntry &E) { return E.Key == N; });
      if (Given) continue;
      const MapEntry *At = Args ? Args : param(S, "tool");
      D.report(DiagKind::McpMissingArgument, At->KeyLoc,
               static_cast<uint32_t>(At->Key.size()), Tool.str(), N);
    }
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
  checkArguments(S, Tool->scalar().S, T->Input, D);
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
