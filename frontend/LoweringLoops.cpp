//===- LoweringLoops.cpp - `for_each` loops and their nested steps --------===//
//
// A loop step holds its items template and `max_parallel`; its body steps
// follow it in Pipeline::Steps, each with Parent set to the loop
// (docs/control-flow.md).
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include "frontend/Lowerer.h"
#include "ir/JsonLimits.h"

namespace orch::frontend::lowering {

bool Lowerer::lowerLoopKeys(const MapNode *M, ir::Step &S, const std::string &Prefix) {
  const KeyValue *Items = nullptr;
  for (const KeyValue &KV : M->entries()) {
    llvm::StringRef K = KV.Key->value();
    if ((K == "for_each" || K == "foreach") && firstOf(Items, KV) &&
        fixedTree(KV.Value, "`for_each`", true))
      S.ForEach = value(KV.Value, Prefix + ".for_each");
  }
  const KeyValue *Body = M->find("steps");
  if (!Items) {
    if (Body)
      Diags.report(DiagKind::MissingKey, Body->Key->loc(), Body->Key->length(),
                   "for_each", "a step with nested `steps`");
    if (const KeyValue *Width = M->find("max_parallel"))
      Diags.report(DiagKind::MissingKey, Width->Key->loc(), Width->Key->length(),
                   "for_each", "a step with `max_parallel`");
    return false;
  }
  if (!Body)
    Diags.report(DiagKind::MissingKey, Items->Key->loc(), Items->Key->length(), "steps",
                 "a `for_each` loop");
  // The loop's items run its body steps, each under its own `timeout`,
  // retries and cache: on the loop itself these would have no meaning.
  for (llvm::StringRef K :
       {"action", "tool", "parameters", "model", "timeout", "max_retries", "cache"})
    if (const KeyValue *KV = M->find(K))
      Diags.report(DiagKind::LoopAndAction, KV->Key->loc(), KV->Key->length(), K.str());
  if (const KeyValue *F = M->find("on_failure"))
    if (auto *Sc = llvm::dyn_cast<ScalarNode>(F->Value); Sc && Sc->value() == "retry")
      Diags.report(DiagKind::LoopAndAction, Sc->loc(), Sc->length(), "on_failure: retry");
  S.Action = {"for_each", Items->Key->loc(), Items->Key->length()};
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
                 "the nesting of `for_each` loops",
                 fmt::format("at most {} levels", ir::MaxLoopDepth),
                 std::to_string(Depth));
    return;
  }
  if (Seq->items().empty())
    Diags.report(DiagKind::OutOfRange, Body->Value->loc(), Body->Value->length(),
                 "the nested `steps` of a `for_each` loop", "at least one step", "none");
  for (size_t I = 0; I < Seq->items().size(); ++I) {
    size_t Before = P->Steps.size();
    lowerStep(Seq->items()[I], I, static_cast<int32_t>(L));
    if (P->Steps.size() > Before)
      P->Steps[L].Body.push_back(static_cast<uint32_t>(Before));
  }
}

}  // namespace orch::frontend::lowering
