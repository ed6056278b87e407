//===- LoopsTest.cpp - for_each loops in the IR and the passes ------------===//
#include <gtest/gtest.h>

#include "frontend/Frontend.h"
#include "ir/Verifier.h"
#include "passes/Pass.h"

using namespace orch;

namespace {

/// Compiles \p Text through every pass; the pipeline, or null on errors.
std::unique_ptr<ir::Pipeline> compile(const std::string &Text, unsigned &Errors) {
  auto F = std::make_shared<SourceFile>("t.yaml", Text);
  DiagnosticEngine D(F.get());
  std::unique_ptr<ir::Pipeline> Out;
  if (frontend::checkSourceBytes(*F, D))
    if (auto Doc = frontend::parseDocument(F, D))
      if (auto P = frontend::lowerDocument(*Doc, D)) {
        passes::PassContext Ctx{D, {}};
        if (passes::runPasses(*P, Ctx)) Out = std::move(P);
      }
  Errors = D.errorCount();
  return Out;
}

/// `Depth` loops, one inside the other; the innermost body echoes every
/// level's `item` through a step of the outermost body.
std::string nested(int Depth) {
  std::string S =
      "name: n\nsteps:\n  - {id: top, action: echo, parameters: {message: x}}\n";
  std::string Ind = "  ";
  for (int I = 0; I < Depth; ++I) {
    S += Ind + "- id: loop" + std::to_string(I) + "\n";
    S += Ind + "  for_each: [1, 2]\n";
    S += Ind + "  steps:\n";
    Ind += "    ";
  }
  S += Ind +
       "- {id: leaf, action: echo, parameters: {message: \"{{ item }} {{ top.output "
       "}}\"}}\n";
  return S;
}

size_t stepIndex(const ir::Pipeline &P, llvm::StringRef Id) { return *P.findStep(Id); }

TEST(Loops, NestedBodiesFollowTheirLoops) {
  unsigned Errors = 0;
  auto P = compile(nested(16), Errors);
  ASSERT_TRUE(P);
  EXPECT_EQ(Errors, 0u);
  uint32_t Leaf = stepIndex(*P, "leaf");
  EXPECT_EQ(ir::enclosingLoops(P->Steps, Leaf).size(), 16u);
  EXPECT_EQ(P->Steps[Leaf].Parent, static_cast<int32_t>(stepIndex(*P, "loop15")));
  // The edge to `top` is hoisted to the outermost loop, the one beside it.
  const ir::Step &Outer = P->Steps[stepIndex(*P, "loop0")];
  ASSERT_EQ(Outer.Deps.size(), 1u);
  EXPECT_EQ(Outer.Deps[0].Target, stepIndex(*P, "top"));
  EXPECT_TRUE(P->Steps[stepIndex(*P, "loop1")].Deps.empty());
}

TEST(Loops, NestingDeeperThanSixteenLevelsIsAnError) {
  unsigned Errors = 0;
  EXPECT_FALSE(compile(nested(17), Errors));
  EXPECT_EQ(Errors, 1u);
  EXPECT_FALSE(compile(nested(40), Errors));  // one error, at the 17th level
  EXPECT_EQ(Errors, 1u);
}

TEST(Loops, ReachAcrossBodies) {
  unsigned Errors = 0;
  auto P = compile(
      "name: r\nsteps:\n"
      "  - {id: top, action: echo, parameters: {message: x}}\n"
      "  - id: outer\n    for_each: [1]\n    steps:\n"
      "      - {id: a, action: echo, parameters: {message: x}}\n"
      "      - id: inner\n        for_each: [1]\n        steps:\n"
      "          - {id: b, action: echo, parameters: {message: x}}\n",
      Errors);
  ASSERT_TRUE(P);
  auto Id = [&](llvm::StringRef S) { return static_cast<uint32_t>(stepIndex(*P, S)); };
  auto From = [&](llvm::StringRef S) { return static_cast<int32_t>(stepIndex(*P, S)); };
  EXPECT_EQ(ir::reach(P->Steps, From("b"), Id("a")), ir::Reach::Visible);
  EXPECT_EQ(ir::reach(P->Steps, From("b"), Id("top")), ir::Reach::Visible);
  EXPECT_EQ(ir::reach(P->Steps, From("b"), Id("inner")), ir::Reach::OwnLoop);
  EXPECT_EQ(ir::reach(P->Steps, From("b"), Id("outer")), ir::Reach::OwnLoop);
  EXPECT_EQ(ir::reach(P->Steps, From("a"), Id("b")), ir::Reach::InsideLoop);
  EXPECT_EQ(ir::reach(P->Steps, From("top"), Id("a")), ir::Reach::InsideLoop);
  EXPECT_EQ(ir::reach(P->Steps, -1, Id("b")), ir::Reach::InsideLoop);
  EXPECT_EQ(ir::reach(P->Steps, -1, Id("outer")), ir::Reach::Visible);
}

TEST(Loops, VerifierChecksBodies) {
  unsigned Errors = 0;
  auto P = compile(nested(2), Errors);
  ASSERT_TRUE(P);
  EXPECT_FALSE(llvm::errorToBool(ir::verifyPipeline(*P, true)));
  ir::Step &Inner = P->Steps[stepIndex(*P, "loop1")];
  std::vector<uint32_t> Body = Inner.Body;
  Inner.Body.clear();  // the leaf names a loop that does not list it
  EXPECT_TRUE(llvm::errorToBool(ir::verifyPipeline(*P, true)));
  Inner.Body = Body;
  Inner.ForEach = nullptr;  // a body on a step that is no loop
  EXPECT_TRUE(llvm::errorToBool(ir::verifyPipeline(*P, true)));
}

TEST(Loops, VerifierChecksRoutingCycles) {
  unsigned Errors = 0;
  auto P = compile(
      "name: c\nsteps:\n  - id: a\n    action: echo\n    parameters: {message: a}\n"
      "  - id: b\n    action: echo\n    parameters: {message: b}\n    goto: a\n"
      "    max_iterations: 2\n",
      Errors);
  ASSERT_TRUE(P);
  EXPECT_FALSE(llvm::errorToBool(ir::verifyPipeline(*P, true)));
  ir::Step &Loop = P->Steps[stepIndex(*P, "cycle:b")];
  ir::Step &Tail = P->Steps[stepIndex(*P, "b")];
  ASSERT_EQ(Tail.Routes.size(), 1u);
  ASSERT_TRUE(Tail.Routes[0].Back);
  int32_t CycleTail = Loop.CycleTail;
  Loop.CycleTail = static_cast<int32_t>(stepIndex(*P, "a"));  // not its last step
  EXPECT_TRUE(llvm::errorToBool(ir::verifyPipeline(*P, true)));
  Loop.CycleTail = -1;  // a route back from a step that ends no cycle
  EXPECT_TRUE(llvm::errorToBool(ir::verifyPipeline(*P, true)));
  Loop.CycleTail = CycleTail;
  EXPECT_FALSE(llvm::errorToBool(ir::verifyPipeline(*P, true)));
}

}  // namespace
