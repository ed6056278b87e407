//===- LoweringLoops.cpp - loops and their nested steps -------------------===//
//
// A `for_each` loop step holds its items template and `max_parallel`; a
// `while`/`until` loop step its condition and `max_iterations`. Body steps
// follow the loop in Pipeline::Steps, each with Parent set to the loop
// (docs/control-flow.md).
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include "frontend/Lowerer.h"
#include "ir/JsonLimits.h"

namespace orch::frontend::lowering {

bool isLoopConditionKey(llvm::StringRef K) {
  return K == "while" || K == "until" || K == "loop_condition";
}

bool Lowerer::lowerLoopKeys(const MapNode *M, ir::Step &S, const std::string &Prefix) {
  const KeyValue *Items = nullptr, *Cond = nullptr;
  for (const KeyValue &KV : M->entries()) {
    llvm::StringRef K = KV.Key->value();
    if ((K == "for_each" || K == "foreach") && firstOf(Items, KV)) {
      if (ir::AutoTag *T = soleAuto(KV.Value)) {
        // Which list to iterate, among those the loop's dependencies
        // answer: decided when the pipeline compiles (passes/AutoSpec.cpp).
        const char *Attr = T->DeclaredType       ? "`type`"
                           : !T->Choices.empty() ? "`choices`"
                           : T->Min              ? "`min`"
                           : T->Max              ? "`max`"
                                                 : nullptr;
        if (Attr)
          Diags.report(DiagKind::AutoBadAttr, T->Loc, T->Length, Attr,
                       "`for_each` takes a list one of its dependencies answers");
        else
          S.ForEach = value(KV.Value, Prefix + ".for_each");
      } else if (fixedTree(KV.Value, "`for_each`", true)) {
        S.ForEach = value(KV.Value, Prefix + ".for_each");
      }
    }
    // A constant that is not a list can never be the items (orchrt would
    // fail the loop with "the items are not a list").
    if (S.ForEach && Items == &KV &&
        (llvm::isa<ir::ScalarValue>(S.ForEach) || llvm::isa<ir::MapValue>(S.ForEach))) {
      Diags.report(DiagKind::TypeMismatch, S.ForEach->loc(), S.ForEach->length(),
                   "`" + K.str() + "`", "a list or a template that gives one",
                   describeType(S.ForEach->type()).str());
      S.ForEach = nullptr;
    }
    if (isLoopConditionKey(K) && firstOf(Cond, KV)) {
      S.LoopUntil = K == "until";
      S.LoopCond = lowerCondition(KV.Value, Prefix + "." + K.str());
    }
  }
  const bool BothKinds = Items && Cond;
  if (BothKinds) {  // one loop a step
    Diags.report(DiagKind::DuplicateAlias, Cond->Key->loc(), Cond->Key->length(),
                 Items->Key->value().str(), Cond->Key->value().str());
    S.LoopCond = nullptr;
    Cond = nullptr;
  }
  // ContextLab's `type: loop` marks a `loop_condition` loop; nothing else.
  if (const KeyValue *Type = M->find("type")) {
    auto *Sc = llvm::dyn_cast<ScalarNode>(Type->Value);
    if (!Cond || !Sc || Sc->value() != "loop")
      Diags.report(DiagKind::TypeMismatch, Type->Value->loc(), Type->Value->length(),
                   "`type`", "`loop` on a `while`, `until` or `loop_condition` loop",
                   Sc ? "`" + Sc->value().str() + "`" : Type->Value->describe().str());
  }
  const KeyValue *Body = M->find("steps");
  const KeyValue *Head = Items ? Items : Cond;
  if (!Head) {
    if (Body)
      Diags.report(DiagKind::MissingKey, Body->Key->loc(), Body->Key->length(),
                   "for_each", "a step with nested `steps`");
    if (const KeyValue *Width = M->find("max_parallel"))
      Diags.report(DiagKind::MissingKey, Width->Key->loc(), Width->Key->length(),
                   "for_each", "a step with `max_parallel`");
    const KeyValue *Max = M->find("max_iterations");
    // A routing cycle's bound (LoweringCycles.cpp).
    if (Max && M != CycleTail && !RefusedTails.count(M))
      Diags.report(DiagKind::MissingKey, Max->Key->loc(), Max->Key->length(), "while",
                   "a step with `max_iterations`");
    const KeyValue *Expected = M->find("expected_items");
    if (Expected && M != CycleTail)
      Diags.report(DiagKind::MissingKey, Expected->Key->loc(), Expected->Key->length(),
                   "for_each", "a step with `expected_items`");
    if (const KeyValue *Done = M->find("add_completion_task"))
      Diags.report(DiagKind::MissingKey, Done->Key->loc(), Done->Key->length(),
                   "for_each", "a step with `add_completion_task`");
    return false;
  }
  std::string Kind = Items ? "for_each" : Cond->Key->value().str();
  if (!Body)
    Diags.report(DiagKind::MissingKey, Head->Key->loc(), Head->Key->length(), "steps",
                 ir::aLoop(Kind));
  // The loop's items run its body steps, each under its own `timeout`,
  // retries and cache: on the loop itself these would have no meaning.
  for (llvm::StringRef K :
       {"action", "tool", "parameters", "model", "timeout", "max_retries", "cache"})
    if (const KeyValue *KV = M->find(K))
      Diags.report(DiagKind::LoopAndAction, KV->Key->loc(), KV->Key->length(),
                   ir::aLoop(Kind), K.str());
  if (const KeyValue *F = M->find("on_failure"))
    if (auto *Sc = llvm::dyn_cast<ScalarNode>(F->Value); Sc && Sc->value() == "retry")
      Diags.report(DiagKind::LoopAndAction, Sc->loc(), Sc->length(), ir::aLoop(Kind),
                   "on_failure: retry");
  S.Action = {Items ? "for_each" : "while", Head->Key->loc(), Head->Key->length()};
  lowerExpectedItems(M, S);
  // ContextLab adds a task named after a `for_each` loop that waits for
  // every iteration: here the loop step is that task. Without it,
  // ContextLab's later steps would not wait for the iterations.
  if (const KeyValue *Done = M->find("add_completion_task")) {
    std::optional<bool> B =
        Cond ? std::nullopt : getBool(Done->Value, "`add_completion_task`");
    if (Cond)
      Diags.report(DiagKind::LoopAndAction, Done->Key->loc(), Done->Key->length(),
                   ir::aLoop(Kind), "add_completion_task");
    else if (B && !*B)
      Diags.report(DiagKind::NotSupportedYet, Done->Value->loc(), Done->Value->length(),
                   "`add_completion_task: false`",
                   "a loop whose later steps do not wait for its iterations",
                   "a `for_each` loop step ends when every item is done");
  }
  if (Cond) {
    lowerIterationBound(M, S, Cond);
    if (const KeyValue *Width = M->find("max_parallel"))  // iterations run in order
      Diags.report(DiagKind::LoopAndAction, Width->Key->loc(), Width->Key->length(),
                   ir::aLoop(Kind), "max_parallel");
    return true;
  }
  // With a loop condition too (DuplicateAlias, reported), the bound is
  // that condition's.
  if (const KeyValue *Max = M->find("max_iterations"); Max && !BothKinds)
    Diags.report(DiagKind::LoopAndAction, Max->Key->loc(), Max->Key->length(),
                 ir::aLoop(Kind), "max_iterations");
  if (const KeyValue *Width = M->find("max_parallel")) {
    S.MaxParallel = getInt(Width->Value, "`max_parallel`");
    if (S.MaxParallel && S.MaxParallel->Val < 1) {
      Diags.report(DiagKind::OutOfRange, S.MaxParallel->Loc, S.MaxParallel->Length,
                   "`max_parallel`", "at least 1", std::to_string(S.MaxParallel->Val));
      S.MaxParallel.reset();
    }
  }
  return true;
}

void Lowerer::lowerExpectedItems(const MapNode *M, ir::Step &S) {
  const KeyValue *Expected = M->find("expected_items");
  if (!Expected) return;
  S.ExpectedItems = getInt(Expected->Value, "`expected_items`");
  if (S.ExpectedItems && S.ExpectedItems->Val < 0) {
    Diags.report(DiagKind::OutOfRange, S.ExpectedItems->Loc, S.ExpectedItems->Length,
                 "`expected_items`", "at least 0", std::to_string(S.ExpectedItems->Val));
    S.ExpectedItems.reset();
  }
}

void Lowerer::lowerIterationBound(const MapNode *M, ir::Step &S, const KeyValue *Cond) {
  const KeyValue *Max = M->find("max_iterations");
  if (!Max) {
    Diags.report(DiagKind::MissingKey, Cond->Key->loc(), Cond->Key->length(),
                 "max_iterations", ir::aLoop(Cond->Key->value()));
    return;
  }
  auto *Sc = llvm::dyn_cast<ScalarNode>(Max->Value);
  if (Sc && Sc->isTemplated() &&
      llvm::none_of(Sc->segments(), [](const ir::Segment &Seg) {
        return Seg.K == ir::Segment::Kind::Auto;  // AUTO: getInt's error
      })) {
    // Known when the loop starts: the run's inputs and the steps before
    // the loop (ResolveNames); orchrt checks the range then.
    S.MaxIterationsValue = value(Sc, "max_iterations");
    S.MaxIterations =
        ir::LocInt{static_cast<int64_t>(ir::MaxLoopIterations), Sc->loc(), Sc->length()};
    return;
  }
  S.MaxIterations = getInt(Max->Value, "`max_iterations`");
  if (S.MaxIterations &&
      (S.MaxIterations->Val < 1 || S.MaxIterations->Val > ir::MaxLoopIterations)) {
    Diags.report(DiagKind::OutOfRange, S.MaxIterations->Loc, S.MaxIterations->Length,
                 "`max_iterations`",
                 fmt::format("between 1 and {}", ir::MaxLoopIterations),
                 std::to_string(S.MaxIterations->Val));
    S.MaxIterations.reset();
  }
}

void Lowerer::lowerBody(const MapNode *M, uint32_t L) {
  const KeyValue *Body = M->find("steps");
  if (!Body) return;
  auto *Seq = llvm::dyn_cast<ast::SeqNode>(Body->Value);
  if (!Seq) {
    Diags.report(DiagKind::TypeMismatch, Body->Value->loc(), Body->Value->length(),
                 "`steps`", "a list of steps", Body->Value->describe().str());
    return;
  }
  unsigned Depth = 1;  // loops holding this body, L included
  for (int32_t O = P->Steps[L].Parent; O >= 0; O = P->Steps[O].Parent) ++Depth;
  if (Depth > ir::MaxLoopDepth) {
    Diags.report(DiagKind::OutOfRange, Body->Key->loc(), Body->Key->length(),
                 "the nesting of loops",
                 fmt::format("at most {} levels", ir::MaxLoopDepth),
                 std::to_string(Depth));
    return;
  }
  if (Seq->items().empty())
    Diags.report(DiagKind::OutOfRange, Body->Value->loc(), Body->Value->length(),
                 "the nested `steps` of a loop", "at least one step", "none");
  refuseBodyCycles(Seq);
  checkStrayBounds(Seq);
  for (size_t I = 0; I < Seq->items().size(); ++I) {
    // One step, or a sub-pipeline call: `<call>.inputs`, the callee's
    // top-level steps and `<call>` join the body (SubPipeline.cpp).
    size_t Before = P->Steps.size();
    lowerStep(Seq->items()[I], I, static_cast<int32_t>(L));
    for (size_t J = Before; J < P->Steps.size(); ++J)
      if (P->Steps[J].Parent == static_cast<int32_t>(L))
        P->Steps[L].Body.push_back(static_cast<uint32_t>(J));
  }
}

}  // namespace orch::frontend::lowering
