//===- RenderCase.cpp -----------------------------------------------------===//
#include "RenderCase.h"

#include <memory>

#include "frontend/Frontend.h"
#include "ir/Eval.h"
#include "llvm/Support/raw_ostream.h"
#include "passes/Pass.h"

namespace orch::testing {

using json = orch::ir::Json;

namespace {

const char *typeName(const json &V) {
  if (V.is_string()) return "string";
  if (V.is_boolean()) return "bool";
  if (V.is_number_float()) return "float";
  if (V.is_number()) return "int";
  if (V.is_array()) return "list";
  if (V.is_object()) return "map";
  return "any";
}

/// YAML single-quoted scalar.
std::string singleQuoted(const std::string &S) {
  std::string Out = "'";
  for (char C : S) Out += C == '\'' ? std::string("''") : std::string(1, C);
  return Out + "'";
}

/// YAML double-quoted scalar (JSON's escapes are YAML's), so line breaks
/// and Unicode white space in a whole template survive.
std::string doubleQuoted(const std::string &S) {
  return json(S).dump(-1, ' ', /*ensure_ascii=*/true, json::error_handler_t::replace);
}

constexpr const char *Open = "<";
constexpr const char *Close = ">";

}  // namespace

std::string caseYaml(const std::string &Name, const std::string &Expr, const json &Inputs,
                     bool IsTemplate) {
  std::string Yaml = "name: " + Name + "\ninputs:";
  if (Inputs.empty()) Yaml += " {}";
  Yaml += "\n";
  for (auto It = Inputs.begin(); It != Inputs.end(); ++It)
    Yaml += "  " + It.key() + ": {type: " + typeName(*It) + "}\n";
  // An expression with a line break (in a string literal) is double-quoted
  // too: single-quoted YAML folds a line break into a space.
  std::string Whole =
      IsTemplate ? Open + Expr + Close : std::string(Open) + "{{ " + Expr + " }}" + Close;
  bool Breaks = Expr.find_first_of("\r\n") != std::string::npos;
  return Yaml + "steps:\n  - id: s\n    action: echo\n    parameters:\n      message: " +
         (IsTemplate || Breaks ? doubleQuoted(Whole) : singleQuoted(Whole)) + "\n";
}

CaseResult renderCase(const std::string &Expr, const json &Inputs, bool IsTemplate) {
  std::string Yaml = caseYaml("differential", Expr, Inputs, IsTemplate);
  auto File = std::make_shared<SourceFile>("case.yaml", Yaml);
  DiagnosticEngine Diags(File.get());
  CaseResult R;
  std::string Errors;
  llvm::raw_string_ostream OS(Errors);
  auto Finish = [&]() {
    Diags.flush(OS, false);
    OS.flush();
    R.Ok = false;
    R.Text = Errors;
    return R;
  };
  if (!frontend::checkSourceBytes(*File, Diags)) return Finish();
  std::optional<ast::Document> Doc = frontend::parseDocument(File, Diags);
  if (!Doc) return Finish();
  std::unique_ptr<ir::Pipeline> P = frontend::lowerDocument(*Doc, Diags);
  if (!P) return Finish();
  passes::PassContext Ctx{Diags, {}, nullptr, nullptr, nullptr, {}, 0};
  for (auto It = Inputs.begin(); It != Inputs.end(); ++It) {
    ir::InputBinding B;
    B.Name = It.key();
    B.V = ir::jsonToValue(*It, P->arena(), SourceLoc(), 0);
    B.Origin = "--inputs case.json";
    Ctx.Bindings.push_back(std::move(B));
  }
  if (!passes::runPasses(*P, Ctx) || Diags.hasErrors()) return Finish();
  const ir::Value *V = P->Steps.at(0).Params->entries()[0].V;
  const auto *S = llvm::dyn_cast<ir::ScalarValue>(V);
  // A template of text only (`{% raw %}…{% endraw %}`) is its text.
  std::string Plain;
  const auto *T = llvm::dyn_cast<ir::TemplateValue>(V);
  bool TextOnly = T && llvm::all_of(T->segments(), [](const ir::Segment &Sg) {
                    return Sg.K == ir::Segment::Kind::Text;
                  });
  if (TextOnly)
    for (const ir::Segment &Sg : T->segments()) Plain += Sg.Text.str();
  if (!TextOnly && (!S || S->scalar().Ty != ir::Type::String)) {
    R.Text = "the template was not folded to a constant";
    return R;
  }
  llvm::StringRef Text = TextOnly ? llvm::StringRef(Plain) : S->scalar().S;
  if (!Text.consume_front(Open) || !Text.consume_back(Close)) {
    R.Text = "the folded text lost its markers";
    return R;
  }
  R.Ok = true;
  R.Text = Text.str();
  return R;
}

}  // namespace orch::testing
