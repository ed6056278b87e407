//===- JsCases.cpp - Template expressions compiled to JavaScript ----------===//
//
// For the LangGraph runtime's differential test (js_differential.py): reads
// the jinja differential's JSON lines `{"expr": "...", "inputs": {...}}` and
// writes one line a case: `{"ok": true, "js": "..."}`, the expression as
// the export compiles it (inputs declared with their types, not bound, so
// nothing is folded), or `{"ok": false, "error": "..."}` (with
// `"refused": true` when the export refuses it).
//
//===----------------------------------------------------------------------===//
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "RenderCase.h"
#include "backends/export/ExportTarget.h"
#include "backends/langgraph/LangGraph.h"
#include "frontend/Frontend.h"
#include "llvm/Support/raw_ostream.h"
#include "passes/Pass.h"

namespace {

using nlohmann::json;

json compileCase(const std::string &Expr, const json &Inputs) {
  std::string Yaml = orch::testing::caseYaml("js_case", Expr, orch::ir::Json(Inputs));
  auto File = std::make_shared<orch::SourceFile>("case.yaml", Yaml);
  orch::DiagnosticEngine Diags(File.get());
  std::string Errors;
  llvm::raw_string_ostream OS(Errors);
  auto Fail = [&] {
    Diags.flush(OS, false);
    return json{{"ok", false}, {"error", OS.str()}};
  };
  if (!orch::frontend::checkSourceBytes(*File, Diags)) return Fail();
  std::optional<orch::ast::Document> Doc = orch::frontend::parseDocument(File, Diags);
  if (!Doc) return Fail();
  std::unique_ptr<orch::ir::Pipeline> P = orch::frontend::lowerDocument(*Doc, Diags);
  if (!P) return Fail();
  orch::passes::PassContext Ctx{Diags, {}, nullptr, nullptr, nullptr, {}, 0};
  if (!orch::passes::runPasses(*P, Ctx) || Diags.hasErrors()) return Fail();
  // What the export refuses (ExportUnsupported: filters and tests without a
  // row in the runtime) is not the runtime's to answer.
  std::vector<orch::backends::ExportFile> Files;
  if (!orch::backends::exportLangGraph({*P, "test", false, ""}, Diags, Files)) {
    json J = Fail();
    J["refused"] = true;
    return J;
  }
  const orch::ir::Value *V = P->Steps.at(0).Params->entries()[0].V;
  return json{{"ok", true}, {"js", orch::backends::langgraph::compileValue(V)}};
}

}  // namespace

int main() {
  std::string Line;
  while (std::getline(std::cin, Line)) {
    json Case = json::parse(Line, nullptr, /*allow_exceptions=*/false);
    json Out = Case.is_object() && Case.contains("expr")
                   ? compileCase(Case["expr"].get<std::string>(),
                                 Case.value("inputs", json::object()))
                   : json{{"ok", false}, {"error", "bad case line"}};
    std::cout << Out.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
  }
  return 0;
}
