//===- PlanTest.cpp - IR -> plan.bin -> IR keeps every template's meaning ===//
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>
#include <optional>

#include "backends/plan/PlanWriter.h"
#include "frontend/Frontend.h"
#include "ir/Eval.h"
#include "ir/plan/PlanFile.h"
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

/// A compiled pipeline with what it may refer to, and its plan file.
struct Built {
  std::shared_ptr<SourceFile> F;
  std::unique_ptr<DiagnosticEngine> D;
  std::optional<ast::Document> Doc;
  std::unique_ptr<ir::Pipeline> P;
  std::string Bytes;
};

/// Compiles \p Text into \p B and writes its plan.
void build(const std::string &Text, Built &B) {
  B.F = std::make_shared<SourceFile>("p.yaml", Text);
  B.D = std::make_unique<DiagnosticEngine>(B.F.get());
  B.Doc = frontend::parseDocument(B.F, *B.D);
  ASSERT_TRUE(B.Doc);
  B.P = frontend::lowerDocument(*B.Doc, *B.D);
  ASSERT_TRUE(B.P);
  passes::PassContext Ctx{*B.D, {}};
  ASSERT_TRUE(passes::runPasses(*B.P, Ctx));
  llvm::Expected<std::string> Bytes = backends::writePlan(*B.P, "test");
  ASSERT_TRUE(bool(Bytes)) << llvm::toString(Bytes.takeError());
  B.Bytes = std::move(*Bytes);
}

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
  Built B;
  ASSERT_NO_FATAL_FAILURE(build(Text, B));
  std::unique_ptr<ir::Pipeline> &P = B.P;
  llvm::Expected<runtime::LoadedPlan> L = runtime::readPlan(B.Bytes);
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

/// The payload of the plan built from \p Text, to patch in place.
void payloadOf(const std::string &Text, std::string &Body) {
  Built B;
  ASSERT_NO_FATAL_FAILURE(build(Text, B));
  ASSERT_TRUE(bool(runtime::readPlan(B.Bytes)));
  llvm::Expected<llvm::StringRef> Payload = plan::unwrapPlan(B.Bytes);
  ASSERT_TRUE(bool(Payload)) << llvm::toString(Payload.takeError());
  Body = Payload->str();
}

/// That the reader rejects the patched payload \p Body, saying \p Why.
void expectRejected(const std::string &Body, const char *Why) {
  llvm::Expected<runtime::LoadedPlan> L = runtime::readPlan(plan::wrapPlan(Body));
  ASSERT_FALSE(bool(L));
  EXPECT_NE(llvm::toString(L.takeError()).find(Why), std::string::npos);
}

// A crafted plan whose `{% for %}` body is not a Block (here: the loop's
// own iterable, a list) is rejected by the reader, so the evaluator never
// meets a non-text body.
TEST(Plan, ReaderRejectsAForBodyThatIsNotABlock) {
  std::string Text =
      "name: p\ninputs:\n  xs: list\nsteps:\n  - id: s\n    action: echo\n"
      "    parameters:\n      message: \"{% for x in xs %}{{ x }}{% endfor %}\"\n";
  std::string Body;
  ASSERT_NO_FATAL_FAILURE(payloadOf(Text, Body));
  const plan::Plan *Root = plan::GetPlan(Body.data());
  bool Patched = false;
  for (const plan::ExprNode *E : *Root->exprs()) {
    if (E->kind() != plan::ExprKind::Compound ||
        static_cast<ir::CompoundOp>(E->op()) != ir::CompoundOp::For)
      continue;
    // Point part 1 (the body) at part 0 (the iterable) in place.
    const int32_t *Parts = E->args()->data();
    size_t At = reinterpret_cast<const char *>(Parts + 1) - Body.data();
    std::memcpy(&Body[At], Parts, sizeof(int32_t));
    Patched = true;
  }
  ASSERT_TRUE(Patched);
  expectRejected(Body, "missing parts");
}

// A crafted Filter node with form 4 (past method, 3) is rejected by the
// reader (review jinja4 #7: the bound moved from 2 to 3).
TEST(Plan, ReaderRejectsAFilterFormPastCall) {
  std::string Body;
  ASSERT_NO_FATAL_FAILURE(
      payloadOf("name: p\ninputs:\n  s: string\nsteps:\n  - id: s1\n    action: echo\n"
                "    parameters:\n      message: \"{{ s.upper() }}\"\n",
                Body));
  const plan::Plan *Root = plan::GetPlan(Body.data());
  bool Patched = false;
  for (const plan::ExprNode *E : *Root->exprs()) {
    if (E->kind() != plan::ExprKind::Filter || E->op() != 3) continue;
    // The method form (3) is stored, not defaulted: bump it to 5 (past the
    // last form, Call) in place.
    const uint8_t *Op = reinterpret_cast<const flatbuffers::Table *>(E)->GetAddressOf(
        plan::ExprNode::VT_OP);
    ASSERT_NE(Op, nullptr);
    Body[static_cast<size_t>(reinterpret_cast<const char *>(Op) - Body.data())] = 5;
    Patched = true;
  }
  ASSERT_TRUE(Patched);
  expectRejected(Body, "unknown operator");
}

// A crafted `{% for %}` node without its loop name (ForFirstName parts:
// iterable, body, else, filter) is rejected by the reader (review jinja4 #7).
TEST(Plan, ReaderRejectsAForWithoutAName) {
  std::string Body;
  ASSERT_NO_FATAL_FAILURE(payloadOf(
      "name: p\ninputs:\n  xs: list\nsteps:\n  - id: s\n    action: echo\n"
      "    parameters:\n      message: \"{% for x in xs %}{{ x }}{% endfor %}\"\n",
      Body));
  const plan::Plan *Root = plan::GetPlan(Body.data());
  bool Patched = false;
  for (const plan::ExprNode *E : *Root->exprs()) {
    if (E->kind() != plan::ExprKind::Compound ||
        static_cast<ir::CompoundOp>(E->op()) != ir::CompoundOp::For)
      continue;
    ASSERT_EQ(E->args()->size(), static_cast<uint32_t>(ir::ForFirstName) + 1);
    // Shorten the parts vector (its length precedes its data) by the name.
    uint32_t Short = static_cast<uint32_t>(ir::ForFirstName);
    size_t At = reinterpret_cast<const char *>(E->args()->data()) - Body.data() -
                sizeof(uint32_t);
    std::memcpy(&Body[At], &Short, sizeof(uint32_t));
    Patched = true;
  }
  ASSERT_TRUE(Patched);
  expectRejected(Body, "missing parts");
}

/// A plan with fused request 0 (steps a and b), a loop `each` whose body
/// step `c` is a model step, and a step `d` on another provider's group;
/// \p Patch edits the payload in place, then the plan is read.
std::string readPatchedFusion(
    const std::function<void(std::string &, const plan::Plan *)> &Patch) {
  std::string Text =
      "name: p\ncontext:\n  fusion: models\nsteps:\n"
      "  - id: a\n    action: generate\n    model: gpt-4o-mini\n    max_tokens: 20\n"
      "    parameters:\n      prompt: one\n"
      "  - id: b\n    action: generate\n    model: gpt-4o-mini\n    max_tokens: 20\n"
      "    parameters:\n      prompt: two\n"
      "  - id: d\n    action: generate\n    model: claude-3-5-haiku-latest\n"
      "    max_tokens: 20\n    parameters:\n      prompt: three\n"
      "  - id: each\n    for_each: \"{{ [1, 2] }}\"\n    steps:\n"
      "      - id: c\n        action: generate\n        model: gpt-4o-mini\n"
      "        max_tokens: 20\n        parameters:\n          prompt: \"{{ item }}\"\n";
  Built B;
  build(Text, B);
  if (::testing::Test::HasFatalFailure()) return "no build";
  llvm::Expected<runtime::LoadedPlan> Good = runtime::readPlan(B.Bytes);
  if (!Good) return "good plan refused: " + llvm::toString(Good.takeError());
  llvm::Expected<llvm::StringRef> Payload = plan::unwrapPlan(B.Bytes);
  if (!Payload) return llvm::toString(Payload.takeError());
  std::string Body = Payload->str();
  const plan::Plan *Root = plan::GetPlan(Body.data());
  if (!Root->model_fusions() || Root->model_fusions()->size() != 1)
    return "expected one fused request";
  Patch(Body, Root);
  llvm::Expected<runtime::LoadedPlan> L = runtime::readPlan(plan::wrapPlan(Body));
  if (L) return "accepted";
  return llvm::toString(L.takeError());
}

uint32_t stepIndex(const plan::Plan *Root, llvm::StringRef Id) {
  for (uint32_t I = 0; I < Root->steps()->size(); ++I)
    if (Root->steps()->Get(I)->id()->str() == Id.str()) return I;
  return ~0u;
}

/// Sets member \p K of fused request 0 to step \p To, in place.
void setMember(std::string &Body, const plan::Plan *Root, size_t K, uint32_t To) {
  const uint32_t *Steps = Root->model_fusions()->Get(0)->steps()->data();
  size_t At = reinterpret_cast<const char *>(Steps + K) - Body.data();
  std::memcpy(&Body[At], &To, sizeof(To));
}

TEST(Plan, ReaderRejectsAFusedRequestNamingNoStep) {
  std::string Why = readPatchedFusion([](std::string &Body, const plan::Plan *Root) {
    setMember(Body, Root, 1, Root->steps()->size() + 5);
  });
  EXPECT_NE(Why.find("fused request 0 names step #"), std::string::npos) << Why;
}

TEST(Plan, ReaderRejectsAFusedRequestOfOneStep) {
  std::string Why = readPatchedFusion([](std::string &Body, const plan::Plan *Root) {
    // The vector's length, just before its first element.
    const uint32_t *Steps = Root->model_fusions()->Get(0)->steps()->data();
    size_t At = reinterpret_cast<const char *>(Steps) - Body.data() - sizeof(uint32_t);
    uint32_t One = 1;
    std::memcpy(&Body[At], &One, sizeof(One));
  });
  EXPECT_NE(Why.find("fused request 0 has fewer than two steps"), std::string::npos)
      << Why;
}

TEST(Plan, ReaderRejectsAFusedRequestWithALoopBodyStep) {
  std::string Why = readPatchedFusion([](std::string &Body, const plan::Plan *Root) {
    setMember(Body, Root, 1, stepIndex(Root, "c"));
  });
  EXPECT_NE(Why.find("which is in a loop body"), std::string::npos) << Why;
}

TEST(Plan, ReaderRejectsAFusedRequestAcrossResourceGroups) {
  std::string Why = readPatchedFusion([](std::string &Body, const plan::Plan *Root) {
    uint32_t D = stepIndex(Root, "d");
    ASSERT_NE(
        Root->steps()->Get(D)->group(),
        Root->steps()->Get(Root->model_fusions()->Get(0)->steps()->Get(0))->group());
    setMember(Body, Root, 1, D);
  });
  EXPECT_NE(Why.find("mixes resource groups"), std::string::npos) << Why;
}

}  // namespace
