//===- PassesTest.cpp - Passes on pipelines built from text ---------------===//
#include <gtest/gtest.h>

#include <algorithm>

#include "frontend/Frontend.h"
#include "ir/StableSort.h"
#include "passes/Pass.h"

using namespace orch;

namespace {

/// Compiles \p Text through every pass; returns the diagnostic kinds.
std::vector<DiagKind> compile(const std::string &Text,
                              std::unique_ptr<ir::Pipeline> *Out = nullptr) {
  auto F = std::make_shared<SourceFile>("t.yaml", Text);
  DiagnosticEngine D(F.get());
  std::vector<DiagKind> Kinds;
  if (frontend::checkSourceBytes(*F, D))
    if (auto Doc = frontend::parseDocument(F, D))
      if (auto P = frontend::lowerDocument(*Doc, D)) {
        passes::PassContext Ctx{D, {}};
        passes::runPasses(*P, Ctx);
        if (Out) *Out = std::move(P);
      }
  // In the order they are printed: by source position.
  std::vector<Diagnostic> Sorted(D.pending().begin(), D.pending().end());
  orch::stableSort(
      Sorted.begin(), Sorted.end(),
      [](const Diagnostic &A, const Diagnostic &B) { return A.Loc < B.Loc; });
  for (const Diagnostic &Dg : Sorted) Kinds.push_back(Dg.Kind);
  return Kinds;
}

std::string chain(int N, bool CloseCycle) {
  std::string S = "name: c\nsteps:\n";
  for (int I = 0; I < N; ++I) {
    S += "  - id: s" + std::to_string(I) + "\n    action: note\n";
    if (I > 0)
      S += "    dependencies: [s" + std::to_string(I - 1) + "]\n";
    else if (CloseCycle)
      S += "    dependencies: [s" + std::to_string(N - 1) + "]\n";
  }
  return S;
}

TEST(CycleCheck, LongChainNeedsNoDeepStack) {
  std::unique_ptr<ir::Pipeline> P;
  EXPECT_TRUE(compile(chain(50000, false), &P).empty());
  ASSERT_TRUE(P);
  EXPECT_EQ(P->Steps.back().Deps.size(), 1u);
}

TEST(CycleCheck, LongCycleReportedOnce) {
  EXPECT_EQ(compile(chain(20000, true)),
            std::vector<DiagKind>{DiagKind::DependencyCycle});
}

TEST(ResolveDeps, UsesAddInferredEdges) {
  std::unique_ptr<ir::Pipeline> P;
  auto Kinds = compile(
      "name: p\nsteps:\n  - id: a\n    action: note\n"
      "  - id: b\n    action: note\n    parameters:\n      m: \"{{ a.output }} {{ "
      "steps.a.x }}\"\n",
      &P);
  EXPECT_EQ(Kinds, std::vector<DiagKind>{DiagKind::ImplicitDependency});
  ASSERT_TRUE(P);
  ASSERT_EQ(P->Steps[1].Deps.size(), 1u);
  EXPECT_TRUE(P->Steps[1].Deps[0].Inferred);
  EXPECT_EQ(P->Steps[1].Uses.size(), 2u);
}

TEST(ResolveNames, DeclaredInputsMakeUnknownNamesErrors) {
  auto Kinds = compile(
      "name: p\ninputs:\n  topic: string\nsteps:\n  - id: a\n    action: note\n"
      "    parameters:\n      m: \"{{ topc }}\"\n");
  EXPECT_EQ(Kinds, std::vector<DiagKind>{DiagKind::UnknownName});
}

TEST(ResolveNames, ImplicitInputsWarnOnce) {
  std::unique_ptr<ir::Pipeline> P;
  auto Kinds = compile(
      "name: p\nsteps:\n  - id: a\n    action: note\n"
      "    parameters:\n      m: \"{{ topic }} {{ topic | upper }}\"\n",
      &P);
  EXPECT_EQ(Kinds, std::vector<DiagKind>{DiagKind::ImplicitInput});
  ASSERT_TRUE(P);
  ASSERT_EQ(P->Inputs.size(), 1u);
  EXPECT_TRUE(P->Inputs[0].Implicit);
  EXPECT_EQ(P->Inputs[0].Uses.size(), 2u);
}

TEST(Validate, EveryErrorOfTheStage) {
  auto Kinds = compile(
      "name: 9p\nversion: '1.0'\nsteps:\n  - id: a\n    action: note\n    timeout: 0\n"
      "    on_failure: retyr\n  - id: a\n    action: note\n");
  EXPECT_EQ(Kinds,
            (std::vector<DiagKind>{DiagKind::InvalidIdentifier, DiagKind::InvalidVersion,
                                   DiagKind::OutOfRange, DiagKind::InvalidEnum,
                                   DiagKind::DuplicateStepId}));
}

}  // namespace
