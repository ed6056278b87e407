//===- ServerJson.cpp -----------------------------------------------------===//
#include "backends/mcp/ServerJson.h"

#include <fmt/format.h>

#include "ir/Eval.h"
#include "ir/Type.h"
#include "llvm/ADT/StringExtras.h"

namespace orch::backends {

// Manifests keep the order they are written in (readable server.json).
using json = orch::ir::Json;

namespace {

/// The registry's limit on `description`.
constexpr size_t MaxDescription = 100;

json typeSchema(ir::Type T) {
  llvm::StringRef Name = ir::jsonSchemaType(T);
  if (Name.empty()) return json::object();
  return {{"type", Name.str()}};
}

/// An output's schema: a template that is one whole expression yields that
/// expression's value, of any type; one with text around it is a string; a
/// constant has its own type.
json valueSchema(const ir::Value *V) {
  if (!V) return json::object();
  if (const auto *T = llvm::dyn_cast<ir::TemplateValue>(V))
    return T->segments().size() == 1 && T->segments()[0].K != ir::Segment::Kind::Text
               ? json::object()
               : typeSchema(ir::Type::String);
  return typeSchema(V->type());
}

/// Defaults are constants in practice; one that needs a run is left out.
class NoScope : public ir::EvalScope {
 public:
  const orch::ir::Json *input(llvm::StringRef) const override { return nullptr; }
  const orch::ir::Json *step(llvm::StringRef) const override { return nullptr; }
};

std::string toolNameOf(const ir::Pipeline &P) {
  std::string Name = P.Name.Str.empty() ? "pipeline" : P.Name.Str.str();
  for (char &C : Name)
    if (!llvm::isAlnum(C) && C != '_' && C != '-' && C != '.') C = '_';
  if (Name.size() > 128) Name.resize(128);
  return Name;
}

}  // namespace

json mcpToolDefinition(const ir::Pipeline &P) {
  json Props = json::object();
  json Required = json::array();
  NoScope Scope;
  for (const ir::Input &In : P.Inputs) {
    if (In.Bound) continue;
    json S = typeSchema(In.Ty);
    if (!In.Description.Str.empty()) S["description"] = In.Description.Str.str();
    if (In.Default) {
      if (llvm::Expected<orch::ir::Json> V = ir::evaluateValue(In.Default, Scope))
        S["default"] = std::move(*V);
      else
        llvm::consumeError(V.takeError());
    } else if (In.Required) {
      Required.push_back(In.Name.Str.str());
    }
    Props[In.Name.Str.str()] = std::move(S);
  }
  json Input = {{"type", "object"}, {"properties", std::move(Props)}};
  if (!Required.empty()) Input["required"] = std::move(Required);
  Input["additionalProperties"] = false;

  json OutProps = json::object();
  json OutRequired = json::array();
  if (P.Outputs.empty()) {
    // The final steps' outputs, none required (a final step may be skipped).
    std::vector<bool> HasDependent(P.Steps.size());
    for (const ir::Step &S : P.Steps)
      for (const ir::DepEdge &D : S.Deps)
        if (D.Target < HasDependent.size()) HasDependent[D.Target] = true;
    for (size_t I = 0; I < P.Steps.size(); ++I)
      if (!HasDependent[I]) OutProps[P.Steps[I].Id.Str.str()] = json::object();
  }
  for (const ir::Output &O : P.Outputs) {
    OutProps[O.Name.Str.str()] = valueSchema(O.V);
    OutRequired.push_back(O.Name.Str.str());
  }
  json Output = {{"type", "object"}, {"properties", std::move(OutProps)}};
  if (!OutRequired.empty()) Output["required"] = std::move(OutRequired);

  json Def = json::object();
  std::string Name = toolNameOf(P);
  Def["name"] = Name;
  Def["description"] = P.Description.Str.empty()
                           ? fmt::format("Runs the pipeline `{}`", Name)
                           : P.Description.Str.str();
  Def["inputSchema"] = std::move(Input);
  Def["outputSchema"] = std::move(Output);
  return Def;
}

json mcpServerJson(const ir::Pipeline &P, llvm::StringRef ToolVersion) {
  json Tool = mcpToolDefinition(P);
  std::string Description = Tool["description"];
  if (Description.size() > MaxDescription) {
    // Cut at a UTF-8 character boundary, with an ellipsis.
    size_t Cut = MaxDescription - 3;
    while (Cut && (static_cast<unsigned char>(Description[Cut]) & 0xC0) == 0x80) --Cut;
    Description = Description.substr(0, Cut) + "...";
  }
  json S = json::object();
  S["$schema"] = ServerJsonSchema;
  // A placeholder namespace: the publisher puts its own (a reverse-DNS
  // name it can prove) before publishing.
  S["name"] = "local.orchc/" + Tool["name"].get<std::string>();
  S["description"] = Description;
  S["version"] = P.Version.Str.empty() ? "0.0.0" : P.Version.Str.str();
  S["_meta"] = {{"io.modelcontextprotocol.registry/publisher-provided",
                 {{"orchc",
                   {{"version", ToolVersion.str()},
                    {"command", "orchrt"},
                    {"args", {"mcp", "plan.bin"}},
                    {"transport", "stdio"},
                    {"tools", json::array({std::move(Tool)})}}}}}};
  return S;
}

bool exportMcp(const ExportInput &In, DiagnosticEngine &Diags,
               std::vector<ExportFile> &Out) {
  if (!exportPlan(In, Diags, Out)) return false;
  json Tools = {{"tools", json::array({mcpToolDefinition(In.P)})}};
  Out.push_back({"server.json", mcpServerJson(In.P, In.ToolVersion).dump(2) + "\n"});
  Out.push_back({"tools.json", Tools.dump(2) + "\n"});
  return true;
}

}  // namespace orch::backends
