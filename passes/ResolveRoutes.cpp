//===- ResolveRoutes.cpp - Route targets, order edges, unreachable steps --===//
//
// Resolves each route's target (docs/language.md §6.4): a later step of
// the same list (the top level or one loop body), or for a routing
// cycle's last step, the cycle's steps (docs/control-flow.md §5). A plain `on_failure: X`
// naming a step (and no policy) becomes a failure route; naming both is `RouteAmbiguous`.
// Each step a route may jump over, and its target, gets an order edge from the route's
// source (DepEdge::Order): it waits for the source's decision, so levels, the critical
// path and cycle-check see routes as edges. Then a step that every way its route source
// ends jumps over is `UnreachableStep`.
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringSet.h"
#include "passes/Pass.h"

namespace orch::passes {

namespace {

using ir::Pipeline;
using ir::Route;
using ir::RouteKind;
using ir::Step;

/// Reports route \p R of step \p S as `NotSupportedYet`: "the route
/// `S` -> `T` <What>", \p Why and \p Hint.
void notSupported(DiagnosticEngine &D, const Step &S, const Route &R,
                  llvm::StringRef What, llvm::StringRef Why, llvm::StringRef Hint) {
  D.report(DiagKind::NotSupportedYet, R.Target.Loc, R.Target.Length,
           fmt::format("the route `{}` -> `{}` {}", S.Id.Str.str(), R.Target.Str.str(),
                       What.str()),
           Why.str(), Hint.str());
}

/// Is \p T the first step of routing cycle \p Loop as written (the steps
/// before it in the body, if any, are those its call inlined)?
bool cycleHead(const Pipeline &P, const Step &Loop, uint32_t T) {
  std::string Inlined = P.Steps[T].Id.Str.str() + ".";
  for (uint32_t B : Loop.Body) {
    if (B == T) return true;
    if (!P.Steps[B].Id.Str.starts_with(Inlined)) return false;
  }
  return false;
}

class ResolveRoutesPass : public Pass {
 public:
  llvm::StringRef name() const override { return "resolve-routes"; }
  bool run(Pipeline &P, PassContext &Ctx) override;

 private:
  void resolve(Pipeline &P, uint32_t I, Route &R, DiagnosticEngine &D);
  void addOrderEdges(Pipeline &P);
  void warnUnreachable(Pipeline &P, DiagnosticEngine &D);
  llvm::StringMap<uint32_t> Ids;
  /// The ids a route of step \p I may name, for guesses: those of its
  /// lists (listsOf()).
  std::vector<llvm::StringRef> targetsOf(const Pipeline &P, uint32_t I) const;
  /// The lists a route of step \p I joins (a Parent; -1: the top level):
  /// its own, and for a routing cycle's last step the list past the cycle.
  static llvm::SmallVector<int32_t, 2> listsOf(const Pipeline &P, uint32_t I);
  /// Per list, its steps' ids in source order (a routing cycle's steps in
  /// the cycle's and in the list that holds it; its loop step in none: it
  /// is not written).
  llvm::DenseMap<int32_t, std::vector<llvm::StringRef>> Lists;
  /// Per list, its ids that are also a policy word in any capitals
  /// (`Skip`), by the word in lower case.
  llvm::DenseMap<int32_t, llvm::StringMap<llvm::StringRef>> PolicyIds;
};

void ResolveRoutesPass::resolve(Pipeline &P, uint32_t I, Route &R, DiagnosticEngine &D) {
  Step &S = P.Steps[I];
  auto It = Ids.find(R.Target.Str);
  if (It == Ids.end()) {
    D.report(DiagKind::UnknownRouteTarget, R.Target.Loc, R.Target.Length,
             routeKeyName(R).str(), S.Id.Str.str(), R.Target.Str.str(),
             didYouMean(R.Target.Str, targetsOf(P, I)));
    return;
  }
  uint32_t T = It->second;
  // Routes join the steps of one list (docs/language.md §6.4): the top
  // level, or one loop body. A routing cycle (docs/control-flow.md §5) is
  // a loop whose last step routes back into it, and out of it past the
  // loop; a route from beside the cycle to its first step enters it.
  const int32_t From = S.Parent;
  const bool Tail = ir::routeSource(P.Steps, I) != I;
  if (int32_t L = P.Steps[T].Parent; L != From || Tail) {
    const Step *Loop = L >= 0 ? &P.Steps[L] : nullptr;
    if (Loop && Loop->isCycle() && Loop->Parent >= 0) {
      // A callee with a cycle, called from a loop body (or another cycle).
      bool InCycle = P.Steps[Loop->Parent].isCycle();
      D.report(DiagKind::NotSupportedYet, R.Target.Loc, R.Target.Length,
               InCycle ? "a routing cycle inside another routing cycle"
                       : "a routing cycle inside a loop body",
               "a routing cycle is a top-level loop",
               InCycle ? "call the sub-pipeline outside the cycle"
                       : "call the sub-pipeline outside the loop");
      return;
    }
    if (Tail && L == From) {
      R.Back = true;
      R.To = static_cast<int32_t>(T);
      return;
    }
    if (Tail && L == P.Steps[From].Parent) {
      // Out of the cycle, past its loop: checked below as a forward route.
    } else if (Loop && Loop->isCycle() && Loop->Parent == From &&
               cycleHead(P, *Loop, T)) {
      T = static_cast<uint32_t>(L);
    } else if (Loop && Loop->Parent == From) {
      D.report(
          DiagKind::NotSupportedYet, R.Target.Loc, R.Target.Length,
          Loop->isCycle() ? "a route into the middle of a routing cycle"
                          : "a route into a loop body",
          "routes join the steps of one list",
          Loop->isCycle() ? "route to the cycle's first step" : "route to the loop step");
      return;
    } else {
      bool InCycle = From >= 0 && P.Steps[From].isCycle();
      notSupported(D, S, R,
                   InCycle ? "out of a routing cycle from a step before its last"
                           : "out of its loop body",
                   "routes join the steps of one list",
                   InCycle ? "route from the cycle's last step"
                           : "route to a step of the same list");
      return;
    }
  }
  // A call step (action `pipeline`) or a step it inlined (`<call>.<id>`:
  // written ids have no dot). A route inside a callee joins the callee's
  // own steps: the target's call prefix is the source's.
  auto Prefix = [](llvm::StringRef Id) {
    return Id.contains('.') ? Id.rsplit('.').first : llvm::StringRef();
  };
  if (Prefix(R.Target.Str) != Prefix(S.Id.Str)) {
    // Into a call's steps (`c.work`): only the call decides where its
    // steps start.
    notSupported(D, S, R, "into a sub-pipeline call's steps", "issue #17",
                 "route to the call step itself");
    return;
  }
  if (P.Steps[T].Action.Str == "pipeline") {
    // Inlining puts the callee's steps before the call step (review 6
    // finding 2), after `<call>.inputs`, which holds the call's
    // dependencies and condition: a route to the call enters it there, so
    // it jumps over the steps written between and none of the callee's.
    auto In = Ids.find((R.Target.Str + ".inputs").str());
    if (In != Ids.end() && In->second < T) T = In->second;
  }
  if (T <= I) {
    // Lowering made every route back in one step list a routing cycle.
    notSupported(D, S, R, "back across step lists", "routes jump forward only",
                 "route to a later step");
    return;
  }
  R.To = static_cast<int32_t>(T);
}

std::vector<llvm::StringRef> ResolveRoutesPass::targetsOf(const Pipeline &P,
                                                          uint32_t I) const {
  std::vector<llvm::StringRef> Out;
  for (int32_t L : listsOf(P, I))
    if (auto It = Lists.find(L); It != Lists.end())
      Out.insert(Out.end(), It->second.begin(), It->second.end());
  return Out;
}

llvm::SmallVector<int32_t, 2> ResolveRoutesPass::listsOf(const Pipeline &P, uint32_t I) {
  const int32_t Home = P.Steps[I].Parent;
  if (uint32_t Src = ir::routeSource(P.Steps, I); Src != I)
    return {Home, P.Steps[Src].Parent};  // a cycle's last step leaves it too
  return {Home};
}

void ResolveRoutesPass::addOrderEdges(Pipeline &P) {
  for (uint32_t I = 0; I < P.Steps.size(); ++I) {
    int32_t Far = -1;  // the farthest target: every step up to it waits
    const Route *FarR = nullptr;
    for (const Route &R : P.Steps[I].Routes)
      if (!R.Back && R.To > Far) {
        Far = R.To;
        FarR = &R;
      }
    // A routing cycle's forward routes are taken as its loop ends: the
    // steps they jump over wait for the loop.
    const uint32_t Src = ir::routeSource(P.Steps, I);
    for (int32_t X = Src + 1; X <= Far; ++X) {
      Step &T = P.Steps[X];
      if (T.Parent != P.Steps[Src].Parent) continue;  // Src's siblings
      bool Has = false;
      for (const ir::DepEdge &E : T.Deps) Has |= E.Target == Src;
      if (Has) continue;
      // Explicit edges come before inferred ones (the IR verifier): an
      // order edge is not inferred from a template.
      auto At = llvm::find_if(T.Deps, [](const ir::DepEdge &E) { return E.Inferred; });
      T.Deps.insert(At, {Src, FarR->Target.Loc, FarR->Target.Length, false, true});
    }
  }
  // A route inside a callee (docs/language.md §6.4): the call step `<call>`,
  // and each call around it, waits for every step of its callee; once a
  // route may skip some of them, the call joins them as a route target
  // does: it waits for each without taking its skip (an order edge; its
  // outputs read a skipped step as undefined). Its edge to `<call>.inputs`
  // stays: a false condition of the call still skips it.
  llvm::StringSet<> Joined;
  for (uint32_t I = 0; I < P.Steps.size(); ++I) {
    if (P.Steps[I].Routes.empty()) continue;
    for (llvm::StringRef Id = P.Steps[I].Id.Str; Id.contains('.');) {
      Id = Id.rsplit('.').first;
      auto Call = Ids.find(Id);
      if (Call == Ids.end() || !Joined.insert(Id).second) continue;
      Step &C = P.Steps[Call->second];
      std::string Inputs = Id.str() + ".inputs";
      for (ir::DepEdge &E : C.Deps) {
        llvm::StringRef T = P.Steps[E.Target].Id.Str;
        if (T.starts_with(Id.str() + ".") && T != Inputs) E.Order = true;
      }
    }
  }
}

void ResolveRoutesPass::warnUnreachable(Pipeline &P, DiagnosticEngine &D) {
  const uint32_t N = P.Steps.size();
  // May a step end skipped (not by its own condition)? Then its routes
  // are not taken. Steps come after their data dependencies in edge order,
  // not always in source order: iterate to a fixed point.
  std::vector<char> MaySkip(N, 0);
  for (uint32_t I = 0; I < N; ++I) {
    const Step &S = P.Steps[I];
    MaySkip[I] |= S.Condition || S.OnFailure == ir::FailurePolicy::Skip;
    for (const Route &R : S.Routes)
      for (int32_t X = I + 1; X < R.To; ++X) MaySkip[X] = 1;
  }
  for (bool Changed = true; Changed;) {
    Changed = false;
    for (uint32_t I = 0; I < N; ++I)
      for (const ir::DepEdge &E : P.Steps[I].Deps)
        if (!E.Order && MaySkip[E.Target] && !MaySkip[I]) MaySkip[I] = Changed = true;
  }
  std::vector<char> Warned(N, 0);
  // Once a place: the calls of one sub-pipeline share its steps' places.
  llvm::DenseSet<uint32_t> WarnedAt;
  for (uint32_t I = 0; I < N; ++I) {
    const Step &S = P.Steps[I];
    if (S.Routes.empty() || MaySkip[I]) continue;
    // The nearest step each end of S reaches past; UINT32_MAX: that end
    // jumps nothing (or never happens).
    int64_t OnDone = -1, OnFail = -1;
    bool HasDefault = false;
    int64_t NextMin = INT64_MAX;
    for (const Route &R : S.Routes) {
      if (R.Kind == RouteKind::Success) OnDone = R.To;
      if (R.Kind == RouteKind::Failure) OnFail = R.To;
      if (R.Kind == RouteKind::When || R.Kind == RouteKind::Default)
        NextMin = std::min<int64_t>(NextMin, R.To);
      HasDefault |= R.Kind == RouteKind::Default;
    }
    if (HasDefault) OnDone = NextMin;
    // A failure under `fail`/`retry` ends the run: it reaches nothing.
    bool FailEnds =
        S.OnFailure == ir::FailurePolicy::Fail || S.OnFailure == ir::FailurePolicy::Retry;
    int64_t Reach = OnDone;
    if (!FailEnds) Reach = std::min(Reach, OnFail);
    for (int64_t X = I + 1; X < Reach; ++X) {
      const Step &T = P.Steps[X];
      if (T.Parent != S.Parent || Warned[X]) continue;  // S's siblings, in one item
      Warned[X] = 1;
      if (T.Id.Loc.isValid() && !WarnedAt.insert(T.Id.Loc.Offset).second) continue;
      D.report(
          DiagKind::UnreachableStep, T.Id.Loc, T.Id.Length, T.Id.Str.str(),
          fmt::format("every way `{}` ends that goes on routes past it", S.Id.Str.str()));
    }
  }
}

bool ResolveRoutesPass::run(Pipeline &P, PassContext &Ctx) {
  DiagnosticEngine &D = Ctx.Diags;
  unsigned Before = D.errorCount();
  for (uint32_t I = 0; I < P.Steps.size(); ++I) {
    const Step &S = P.Steps[I];
    Ids.try_emplace(S.Id.Str, I);
    if (S.isCycle()) continue;
    // A routing cycle's steps are also its list's: routes beside it enter
    // it at its first step.
    for (int32_t L = S.Parent;; L = P.Steps[L].Parent) {
      Lists[L].push_back(S.Id.Str);
      if (ir::parseFailurePolicy(S.Id.Str)) PolicyIds[L][S.Id.Str.lower()] = S.Id.Str;
      if (L < 0 || !P.Steps[L].isCycle()) break;
    }
  }
  bool Any = false;
  for (uint32_t I = 0; I < P.Steps.size(); ++I) {
    Step &S = P.Steps[I];
    const ir::LocString &F = S.OnFailureText;
    // A policy word (any capitals, as ContextLab reads it) that is also a
    // step id, in any capitals, is ambiguous (review 6 finding 4).
    llvm::StringRef Same;
    if (F.Loc.isValid() && !S.Id.Str.contains('.') && ir::parseFailurePolicy(F.Str))
      for (int32_t L : listsOf(P, I))
        if (auto It = PolicyIds.find(L); It != PolicyIds.end())
          if (auto W = It->second.find(F.Str.trim().lower()); W != It->second.end())
            Same = W->second;
    if (!Same.empty()) {
      D.report(DiagKind::RouteAmbiguous, F.Loc, F.Length, F.Str.str(), Same.str(),
               Same.str());
    } else if (F.Loc.isValid() && !ir::parseFailurePolicy(F.Str) && Ids.count(F.Str)) {
      S.Routes.push_back({RouteKind::Failure, F, nullptr, -1, false});
      S.OnFailure = ir::FailurePolicy::Continue;  // the route handles it
      S.OnFailureText = {};
    }
    for (Route &R : S.Routes) {
      Any = true;
      if (R.Kind == RouteKind::False && !S.Condition)
        D.report(DiagKind::MissingKey, R.Target.Loc, R.Target.Length, "condition",
                 fmt::format("step `{}` (`on_false` routes when its condition is false)",
                             S.Id.Str.str()));
      resolve(P, I, R, D);
    }
  }
  if (D.errorCount() != Before || !Any) return D.errorCount() == Before;
  addOrderEdges(P);
  warnUnreachable(P, D);
  return true;
}

}  // namespace

std::unique_ptr<Pass> createResolveRoutesPass() {
  return std::make_unique<ResolveRoutesPass>();
}

}  // namespace orch::passes
