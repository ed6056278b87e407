//===- TemplateFuzzer.cpp - libFuzzer entry for the template evaluator ----===//
//
// The input is an expression, a newline, and a JSON object of input values.
// The expression is compiled with those inputs bound (the differential
// test's path: parse, resolve, fold with the runtime's evaluator) and also
// evaluated directly with them. A first line that starts with `%` is a
// whole template instead (raw text with `{{ }}`, `{% %}` statements, raw
// blocks and comments: the statement parser, the nester and statement
// evaluation). Any crash, sanitizer report, hang or escaping exception is
// a bug; errors are fine.
//
//===----------------------------------------------------------------------===//
#include <cstddef>
#include <cstdint>
#include <string>

#include "RenderCase.h"
#include "frontend/ExprParser.h"
#include "ir/Eval.h"
#include "llvm/ADT/StringExtras.h"

namespace {

class JsonScope : public orch::ir::EvalScope {
 public:
  explicit JsonScope(const orch::ir::Json &In) : In(In) {}
  const orch::ir::Json *input(llvm::StringRef N) const override {
    auto It = In.find(N.str());
    return It == In.end() ? nullptr : &*It;
  }
  const orch::ir::Json *step(llvm::StringRef) const override { return nullptr; }

 private:
  const orch::ir::Json &In;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  using namespace orch;
  std::string Text(reinterpret_cast<const char *>(Data), Size);
  size_t Nl = Text.find('\n');
  std::string Expr = Text.substr(0, Nl);
  orch::ir::Json Inputs = orch::ir::Json::object();
  if (Nl != std::string::npos) {
    orch::ir::Json J = orch::ir::Json::parse(Text.substr(Nl + 1), nullptr, false);
    if (!J.is_discarded() && J.is_object() && J.size() <= 16) Inputs = std::move(J);
  }
  // Input names must be identifiers to be declared in the pipeline.
  for (auto It = Inputs.begin(); It != Inputs.end(); ++It) {
    llvm::StringRef K = It.key();
    if (K.empty() || K == "steps" || K == "inputs" ||
        !llvm::all_of(K, [](char C) { return llvm::isAlnum(C) || C == '_'; }) ||
        llvm::isDigit(K[0]))
      return 0;
  }
  if (llvm::StringRef(Expr).starts_with("%")) {
    (void)testing::renderCase(Expr.substr(1), Inputs, /*IsTemplate=*/true);
    return 0;
  }
  (void)testing::renderCase(Expr, Inputs);
  // And the evaluator alone, on the parsed expression.
  ir::Arena A;
  SourceFile F("fuzz", "");
  DiagnosticEngine D(&F);
  if (ir::Expr *E = frontend::parseExpression(Expr, SourceLoc(), SourceLoc(), A, D)) {
    JsonScope S(Inputs);
    llvm::Expected<orch::ir::Json> V = ir::evaluate(E, S);
    if (!V) llvm::consumeError(V.takeError());
  }
  return 0;
}
