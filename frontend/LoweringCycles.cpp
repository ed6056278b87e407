//===- LoweringCycles.cpp - Routing cycles: backward routes as loops ------===//
//
// A route from a step S back to itself or to an earlier step T of the same
// `steps:` list (docs/control-flow.md §5) makes the steps T..S a routing
// cycle. It is lowered as a loop step of its own, `cycle:S`, an `until:
// false` loop whose body is T..S: an iteration runs them once, and the loop
// goes on while S takes its backward route, at most S's `max_iterations`
// times. Lowering sees the routes before resolve-routes does: it reads
// their targets from the step mappings as written.
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include "frontend/Lowerer.h"

namespace orch::frontend::lowering {

namespace {

/// The scalar a route key names (`on_success: T`, `{goto: T}`), or null.
const ScalarNode *targetNode(const Node *V) {
  if (const auto *M = llvm::dyn_cast<MapNode>(V)) {
    const KeyValue *G = M->find("goto");
    return G ? llvm::dyn_cast<ScalarNode>(G->Value) : nullptr;
  }
  return llvm::dyn_cast<ScalarNode>(V);
}

/// A route target as written, and the key that names it.
struct WrittenRoute {
  llvm::StringRef Key;
  const ScalarNode *Target;
};

/// The route targets step \p M names, as written, in source order.
std::vector<WrittenRoute> writtenRoutes(const MapNode *M) {
  std::vector<WrittenRoute> Out;
  for (const KeyValue &KV : M->entries()) {
    llvm::StringRef K = KV.Key->value();
    if (K == "next") {
      if (const auto *Seq = llvm::dyn_cast<ast::SeqNode>(KV.Value))
        for (const Node *E : Seq->items())
          if (const auto *EM = llvm::dyn_cast<MapNode>(E))
            if (const KeyValue *G = EM->find("goto"))
              if (const auto *Sc = llvm::dyn_cast<ScalarNode>(G->Value))
                Out.push_back({K, Sc});
      continue;
    }
    // A plain `on_failure: X` is a route when X is no policy word.
    bool Failure = K == "on_failure";
    if (!isRouteKey(K) && !Failure) continue;
    const ScalarNode *T = targetNode(KV.Value);
    if (!T) continue;
    if (Failure && llvm::isa<ScalarNode>(KV.Value) && ir::parseFailurePolicy(T->value()))
      continue;
    Out.push_back({K, T});
  }
  return Out;
}

/// The `id` step \p N writes, or "".
llvm::StringRef writtenId(const Node *N) {
  const auto *M = llvm::dyn_cast<MapNode>(N);
  const KeyValue *Id = M ? M->find("id") : nullptr;
  const auto *Sc = Id ? llvm::dyn_cast<ScalarNode>(Id->Value) : nullptr;
  return Sc && !Sc->isTemplated() ? Sc->value() : llvm::StringRef();
}

/// A route of step \p Step (its mapping \p M, its id \p Id) back to step
/// \p Head of the same list, written \p Target.
struct BackRoute {
  size_t Step, Head;
  const MapNode *M;
  llvm::StringRef Id;
  const ScalarNode *Target;
};

/// The routes back in the list \p Seq, in source order.
std::vector<BackRoute> backRoutes(const ast::SeqNode *Seq) {
  std::vector<BackRoute> Out;
  llvm::StringMap<size_t> Seen;  // id -> its first step
  const auto &Items = Seq->items();
  for (size_t I = 0; I < Items.size(); ++I) {
    llvm::StringRef Id = writtenId(Items[I]);
    if (!Id.empty()) Seen.try_emplace(Id, I);
    const auto *M = llvm::dyn_cast<MapNode>(Items[I]);
    if (!M || Id.empty()) continue;
    for (const WrittenRoute &W : writtenRoutes(M))
      if (auto It = Seen.find(W.Target->value());
          It != Seen.end())  // else forward or unknown
        Out.push_back({I, It->second, M, Id, W.Target});
  }
  return Out;
}

}  // namespace

void Lowerer::checkStrayBounds(const ast::SeqNode *Seq) {
  // A step with `max_iterations` that is no loop and no cycle's last step:
  // a route back whose target is misspelt is the likely cause, reported
  // here (resolve-routes would, but lowering stops first), not the
  // `while` the bound seems to lack.
  std::vector<llvm::StringRef> Ids;
  for (const Node *N : Seq->items())
    if (llvm::StringRef Id = writtenId(N); !Id.empty()) Ids.push_back(Id);
  for (const Node *N : Seq->items()) {
    const auto *M = llvm::dyn_cast<MapNode>(N);
    if (!M || !M->find("max_iterations") || RefusedTails.count(M) || CycleTails.count(M))
      continue;
    for (const WrittenRoute &W : writtenRoutes(M))
      if (!llvm::is_contained(Ids, W.Target->value())) {
        Diags.report(DiagKind::UnknownRouteTarget, W.Target->loc(), W.Target->length(),
                     W.Key.str(), writtenId(M).str(), W.Target->value().str(),
                     didYouMean(W.Target->value(), Ids));
        RefusedTails.insert(M);  // no second error for its bound
      }
  }
}

void Lowerer::refuseBodyCycles(const ast::SeqNode *Seq) {
  for (const BackRoute &B : backRoutes(Seq)) {
    if (!RefusedTails.insert(B.M).second) continue;  // once a step
    // Its `max_iterations` is the cycle's: no second error for it.
    Diags.report(DiagKind::NotSupportedYet, B.Target->loc(), B.Target->length(),
                 fmt::format("the routing cycle `{}` -> `{}` inside a loop body",
                             B.Id.str(), B.Target->value().str()),
                 "a routing cycle is a top-level loop",
                 "make it a `while`/`until` loop in the body");
  }
}

std::vector<Lowerer::CycleSpan> Lowerer::findCycles(const ast::SeqNode *Seq) {
  std::vector<CycleSpan> Out;
  const auto &Items = Seq->items();
  std::vector<BackRoute> Back = backRoutes(Seq);
  for (size_t R = 0; R < Back.size();) {
    // The routes back of one step: one cycle, to one head.
    const size_t I = Back[R].Step;
    const MapNode *M = Back[R].M;
    llvm::StringRef Id = Back[R].Id;
    std::optional<CycleSpan> C;
    for (; R < Back.size() && Back[R].Step == I; ++R) {
      const ScalarNode *T = Back[R].Target;
      if (C && Back[R].Head != C->Head) {
        Diags.report(
            DiagKind::NotSupportedYet, T->loc(), T->length(),
            fmt::format("a second backward route from `{}` to another step", Id.str()),
            "a step's backward routes all go to one step",
            fmt::format("route back to `{}`", writtenId(Items[C->Head]).str()));
        continue;
      }
      if (!C) C = CycleSpan{Back[R].Head, I, T};
    }
    if (!C) continue;
    const ScalarNode *T = C->Target;
    if (!Out.empty() && C->Head <= Out.back().Tail) {
      Diags.report(DiagKind::NotSupportedYet, T->loc(), T->length(),
                   fmt::format("the routing cycle `{}` -> `{}` overlapping the cycle "
                               "that ends at `{}`",
                               Id.str(), T->value().str(),
                               writtenId(Items[Out.back().Tail]).str()),
                   "routing cycles follow one another",
                   "make one cycle a `while`/`until` loop around the other");
      RefusedTails.insert(M);  // its `max_iterations` is the cycle's
      continue;
    }
    // A loop step's own `max_iterations` bounds its own iterations.
    for (llvm::StringRef K : {"for_each", "foreach", "while", "until", "loop_condition"})
      if (M->find(K)) {
        Diags.report(DiagKind::NotSupportedYet, T->loc(), T->length(),
                     fmt::format("a backward route from the loop step `{}`", Id.str()),
                     "a routing cycle ends at a step that is not a loop",
                     "add a step after the loop that routes back");
        C.reset();
        break;
      }
    if (!C) continue;
    if (!M->find("max_iterations")) {
      Diags.report(DiagKind::MissingKey, T->loc(), T->length(), "max_iterations",
                   fmt::format("step `{}`, whose backward route to `{}` makes a routing "
                               "cycle",
                               Id.str(), T->value().str()));
      continue;
    }
    Out.push_back(*C);
    CycleTails.insert(M);
  }
  checkStrayBounds(Seq);
  return Out;
}

void Lowerer::lowerSteps(const ast::SeqNode *Seq) {
  std::vector<CycleSpan> Cycles = findCycles(Seq);
  auto Next = Cycles.begin();
  const auto &Items = Seq->items();
  for (size_t I = 0; I < Items.size(); ++I) {
    if (Next == Cycles.end() || Next->Head != I) {
      lowerStep(Items[I], I);
      continue;
    }
    lowerCycle(Seq, *Next);
    I = Next->Tail;
    ++Next;
  }
}

void Lowerer::lowerCycle(const ast::SeqNode *Seq, const CycleSpan &C) {
  const auto &Items = Seq->items();
  const auto *Tail = llvm::cast<MapNode>(Items[C.Tail]);
  const ScalarNode *T = C.Target;
  ir::Step L;
  L.Loc = T->loc();
  L.Id = {A.save("cycle:" + writtenId(Tail).str()), T->loc(), T->length()};
  L.Action = {"while", T->loc(), T->length()};
  L.LoopUntil = true;  // `until: false`: the tail's route decides
  L.LoopCond =
      A.create<ir::ScalarValue>(T->loc(), T->length(), ir::Scalar::boolean(false));
  const KeyValue *Max = Tail->find("max_iterations");
  lowerIterationBound(Tail, L, Max);
  lowerExpectedItems(Tail, L);  // as a loop's
  P->Steps.push_back(std::move(L));
  const auto Loop = static_cast<uint32_t>(P->Steps.size() - 1);
  CycleTail = Tail;
  for (size_t I = C.Head; I <= C.Tail; ++I) {
    // As lowerBody: a sub-pipeline call brings its inlined steps along.
    size_t Before = P->Steps.size();
    lowerStep(Items[I], I, static_cast<int32_t>(Loop));
    for (size_t J = Before; J < P->Steps.size(); ++J)
      if (P->Steps[J].Parent == static_cast<int32_t>(Loop))
        P->Steps[Loop].Body.push_back(static_cast<uint32_t>(J));
  }
  CycleTail = nullptr;
  if (!P->Steps[Loop].Body.empty())  // the tail comes last (a call after its steps)
    P->Steps[Loop].CycleTail = static_cast<int32_t>(P->Steps[Loop].Body.back());
}

}  // namespace orch::frontend::lowering
