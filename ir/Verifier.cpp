//===- Verifier.cpp -------------------------------------------------------===//
#include "ir/Verifier.h"

#include <fmt/format.h>

#include "llvm/ADT/DenseMapInfo.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"

namespace orch::ir {

namespace {
llvm::Error fail(std::string Msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "IR verifier: " + Msg);
}
}  // namespace

llvm::Error verifyPipeline(const Pipeline &P, bool DepsResolved) {
  for (size_t I = 0; I < P.AutoTags.size(); ++I)
    if (!P.AutoTags[I] || P.AutoTags[I]->Id != I)
      return fail(fmt::format("AUTO tag {} has id out of order", I));
  // It runs after every pass: one table of ids, no allocation per step.
  llvm::DenseSet<llvm::StringRef> Ids;
  if (DepsResolved) Ids.reserve(P.Steps.size());
  llvm::DenseSet<uint32_t> Targets;
  for (uint32_t SI = 0; SI < P.Steps.size(); ++SI) {
    const Step &S = P.Steps[SI];
    if (DepsResolved && !Ids.insert(S.Id.Str).second)
      return fail(fmt::format("duplicate step id `{}`", S.Id.Str.str()));
    // Most steps have a few edges: a linear search beats hashing them.
    constexpr size_t Few = 16;
    bool Hashed = S.Deps.size() > Few;
    if (Hashed) Targets.clear();
    auto Has = [&](uint32_t T, size_t Upto) {
      if (Hashed) return Targets.contains(T);
      for (size_t K = 0; K < Upto; ++K)
        if (S.Deps[K].Target == T) return true;
      return false;
    };
    bool SeenInferred = false;
    for (size_t DI = 0; DI < S.Deps.size(); ++DI) {
      const DepEdge &D = S.Deps[DI];
      if (D.Target >= P.Steps.size())
        return fail(
            fmt::format("step `{}` has an edge to #{}", S.Id.Str.str(), D.Target));
      if (D.Target == SI)
        return fail(fmt::format("step `{}` has an edge to itself", S.Id.Str.str()));
      if (Hashed ? !Targets.insert(D.Target).second : Has(D.Target, DI))
        return fail(fmt::format("step `{}` has a duplicate edge", S.Id.Str.str()));
      if (SeenInferred && !D.Inferred)
        return fail(
            fmt::format("step `{}`: explicit edge after inferred", S.Id.Str.str()));
      SeenInferred |= D.Inferred;
    }
    if (DepsResolved)
      for (const StepUse &U : S.Uses) {
        // A routing cycle's step: its previous iteration needs no edge;
        // from after the cycle, the edge is to the cycle's loop.
        int32_t L = P.Steps[U.Target].Parent;
        if (U.Previous || (L >= 0 && P.Steps[L].isCycle() &&
                           Has(static_cast<uint32_t>(L), S.Deps.size())))
          continue;
        if (U.Target != SI && !Has(U.Target, S.Deps.size()))
          return fail(fmt::format("step `{}` uses `{}` without an edge", S.Id.Str.str(),
                                  P.Steps[U.Target].Id.Str.str()));
      }
    // A body step follows its loop, which lists it; only loops have bodies.
    if (S.Parent >= 0 &&
        (static_cast<uint32_t>(S.Parent) >= SI || !P.Steps[S.Parent].isLoop() ||
         !llvm::is_contained(P.Steps[S.Parent].Body, SI)))
      return fail(fmt::format("step `{}` is not in its loop's body", S.Id.Str.str()));
    if (!S.isLoop() && !S.Body.empty())
      return fail(fmt::format("step `{}` has a body but is no loop", S.Id.Str.str()));
    for (uint32_t B : S.Body)
      if (B >= P.Steps.size() || P.Steps[B].Parent != static_cast<int32_t>(SI))
        return fail(
            fmt::format("loop `{}` lists a step of another body", S.Id.Str.str()));
    // A routing cycle (docs/control-flow.md §5) is an `until` loop whose
    // last body step routes back; only that step's routes go back.
    if (S.isCycle() && (!S.LoopCond || !S.LoopUntil || S.Body.empty() ||
                        S.Body.back() != static_cast<uint32_t>(S.CycleTail)))
      return fail(fmt::format("routing cycle `{}` does not end at its last step",
                              S.Id.Str.str()));
    for (const Route &R : S.Routes)
      if (R.Back && routeSource(P.Steps, SI) == SI)
        return fail(fmt::format("step `{}` routes back but ends no routing cycle",
                                S.Id.Str.str()));
    if (S.Params)
      for (const MapEntry &E : S.Params->entries())
        if (!E.V)
          return fail(fmt::format("step `{}` has a null parameter", S.Id.Str.str()));
  }
  for (const Input &In : P.Inputs)
    if (In.Name.Str.empty()) return fail("input without a name");
  return llvm::Error::success();
}

}  // namespace orch::ir
