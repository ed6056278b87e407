//===- PlanTest.cpp - IR -> plan.bin -> IR keeps every template's meaning ===//
#include <gtest/gtest.h>

#include "backends/plan/PlanWriter.h"
#include "frontend/Frontend.h"
#include "ir/Eval.h"
#include "passes/Pass.h"
#include "runtime/plan/PlanProgram.h"
#include "runtime/plan/PlanReader.h"

using json = orch::ir::Json;
using namespace orch;

namespace {

class Scope : public ir::EvalScope {
 public:
  json In = {{"topic", "quantum"}, {"n", 4}};
  json Steps = {
      {"search", {{"output", "three papers"}, {"results", {"p1", "p2", "p3"}}}}};
  const json *input(llvm::StringRef N) const override {
    auto It = In.find(N.str());
    return It == In.end() ? nullptr : &*It;
  }
  const json *step(llvm::StringRef N) const override {
    auto It = Steps.find(N.str());
    return It == Steps.end() ? nullptr : &*It;
  }
};

TEST(Plan, TemplatesMeanTheSameAfterTheRoundTrip) {
  std::string Text =
      "name: p\ninputs:\n  topic: string\n  n: integer\nsteps:\n"
      "  - id: search\n    action: search\n    parameters:\n      q: \"{{ topic | upper "
      "}}\"\n"
      "  - id: write\n    action: write_report\n    parameters:\n"
      "      a: \"About {{ topic }}: {{ steps.search.output }}\"\n"
      "      b: \"{{ search.results | join(', ') }}\"\n"
      "      c: \"{{ (n * 2 + 1) ~ '/' ~ (n / 8) }}\"\n"
      "      d: \"{{ steps.search.results[-1] if_missing | default('none') }}\"\n"
      "      e: \"{{ not (n > 3 and 'qu' in topic) or [1, 2][1] == 2 }}\"\n"
      "      f: [\"{{ n }}\", {k: \"{{ topic | title }}\"}, 3, true, null]\n"
      "    condition: \"{{ n >= 2 }}\"\n"
      "outputs:\n  report: \"{{ steps.write.output | default('') }}\"\n";
  // `if_missing` is a parse error; drop that line to keep the rest typed.
  std::string::size_type Cut = Text.find("      d:");
  Text.erase(Cut, Text.find('\n', Cut) - Cut + 1);
  auto F = std::make_shared<SourceFile>("p.yaml", Text);
  DiagnosticEngine D(F.get());
  auto Doc = frontend::parseDocument(F, D);
  ASSERT_TRUE(Doc);
  auto P = frontend::lowerDocument(*Doc, D);
  ASSERT_TRUE(P);
  passes::PassContext Ctx{D, {}};
  ASSERT_TRUE(passes::runPasses(*P, Ctx));

  llvm::Expected<std::string> Bytes = backends::writePlan(*P, "test");
  ASSERT_TRUE(bool(Bytes)) << llvm::toString(Bytes.takeError());
  llvm::Expected<runtime::LoadedPlan> L = runtime::readPlan(*Bytes);
  ASSERT_TRUE(bool(L)) << llvm::toString(L.takeError());
  runtime::PlanProgram Prog(*L);

  Scope S;
  for (size_t I = 0; I < P->Steps.size(); ++I) {
    ASSERT_EQ(Prog.params(I).size(), P->Steps[I].Params->entries().size());
    for (size_t K = 0; K < Prog.params(I).size(); ++K) {
      const ir::MapEntry &Orig = P->Steps[I].Params->entries()[K];
      const ir::MapEntry &Back = Prog.params(I)[K];
      EXPECT_EQ(Orig.Key, Back.Key);
      llvm::Expected<json> A = ir::evaluateValue(Orig.V, S);
      llvm::Expected<json> B = ir::evaluateValue(Back.V, S);
      ASSERT_TRUE(bool(A)) << llvm::toString(A.takeError());
      ASSERT_TRUE(bool(B)) << llvm::toString(B.takeError());
      EXPECT_EQ(*A, *B) << Orig.Key.str();
    }
  }
  llvm::Expected<json> C = ir::evaluateValue(Prog.condition(1), S);
  ASSERT_TRUE(bool(C));
  EXPECT_EQ(*C, json(true));
  llvm::Expected<json> W = ir::evaluateValue(Prog.params(1)[0].V, S);
  ASSERT_TRUE(bool(W));
  EXPECT_EQ(*W, json("About quantum: three papers"));
  ASSERT_EQ(Prog.outputs().size(), 1u);
}

}  // namespace
