//===- SchedulerRoutes.cpp - Routes: where a step's end leads -----------===//
//
// A route `S -> T` (docs/language.md §6.4) is taken when S settles with
// the end the route follows: `on_success` and `next` when S completed,
// `on_failure` when it failed, `on_false` when its condition was false.
// Taking it skips every top-level step strictly between S and T (in plan
// order) that has not started ("jumped over"); each of those waits for S's
// decision through an order edge (`order_deps`), so none has started. The
// target T runs once it waits for nothing, even past a skipped dependency;
// a target no route reached behaves as any step (a skipped dependency
// skips it). Everything goes through settle(): every way a step ends.
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include "runtime/exec/Scheduler.h"

namespace orch::runtime {

namespace pf = orch::plan;
using json = orch::ir::Json;

void Scheduler::initRoutes() {
  OrderDependents.assign(NPlan, {});
  RouteTarget.assign(NPlan, 0);
  for (uint32_t I = 0; I < NPlan; ++I) {
    const pf::Step *S = P.steps()->Get(I);
    RouteTarget[I] = S->route_target();
    if (!S->order_deps()) continue;
    for (uint32_t D : *S->order_deps()) {
      OrderDependents[D].push_back(I);
      // A body step's instances count theirs as they start (startInstance).
      if (ParentOf[I] < 0) ++States[I].Waiting;
    }
  }
}

bool Scheduler::cycleTail(uint32_t I) const {
  int32_t L = ParentOf[PlanOf[I]];
  return L >= 0 && P.steps()->Get(static_cast<uint32_t>(L))->cycle_tail() ==
                       static_cast<int32_t>(PlanOf[I]);
}

void Scheduler::wake(uint32_t D) {
  StepState &T = States[D];
  if (--T.Waiting != 0 || T.Status != StepStatus::Pending) return;
  if (!Started) return;  // resume: start() decides once every route is replayed
  if (routeTarget(D) && !T.RoutedTo && !T.DepSkipped.empty()) {
    // No route led here, and a dependency was skipped: as any step.
    T.Error = std::move(T.DepSkipped);
    setStatus(D, StepStatus::Skipped);
    settle(D);
    skipDependents(D, fmt::format("dependency `{}` was skipped", stepId(D).str()));
    return;
  }
  pushReady(D);
}

void Scheduler::routeSettled(uint32_t I) {
  if (Stopping || Done) return;                                 // nothing starts any more
  if (ParentOf[PlanOf[I]] >= 0 && InstOf[I] == NoInst) return;  // a body's template
  takeRoute(I);
  if (Stopping) return;
  forOrderDependents(I, [&](uint32_t D) { wake(D); });
}

int32_t Scheduler::chooseRoute(uint32_t N, std::string &Error) {
  const pf::Step *S = planStep(N);
  if (!S->routes()) return -1;
  const StepState &St = States[N];
  for (uint32_t R = 0; R < S->routes()->size(); ++R) {
    switch (S->routes()->Get(R)->kind()) {
      case pf::RouteKind::Success:
      case pf::RouteKind::Default:
        if (St.Status == StepStatus::Completed) return static_cast<int32_t>(R);
        break;
      case pf::RouteKind::Failure:
        if (St.Status == StepStatus::Failed) return static_cast<int32_t>(R);
        break;
      case pf::RouteKind::False:
        if (St.Status == StepStatus::Skipped && St.CondFalse)
          return static_cast<int32_t>(R);
        break;
      case pf::RouteKind::When: {
        if (St.Status != StepStatus::Completed) break;
        uint32_t Saved = Ctx;
        Ctx = InstOf[N];  // a routing cycle's step reads its iteration
        llvm::Expected<json> C = ir::evaluateValue(Prog.routeWhen(PlanOf[N], R), *this);
        Ctx = Saved;
        std::string Why = renderingDone(C ? "" : llvm::toString(C.takeError()));
        if (!C) {
          Error = fmt::format("step `{}`: next: when: {}", nodePath(N), Why);
          return -1;
        }
        if (ir::truthy(*C)) return static_cast<int32_t>(R);
        break;
      }
    }
  }
  return -1;
}

void Scheduler::takeRoute(uint32_t I) {
  const pf::Step *S = planStep(I);
  int64_t To = -1;
  if (S->cycle_tail() >= 0) {
    // A routing cycle's loop takes the forward route its last step chose
    // in the last iteration (SchedulerWhile.cpp), kept in its `next`.
    const json &Next =
        States[I].Result.is_object() ? States[I].Result.value("next", json()) : json();
    if (States[I].Status != StepStatus::Completed || !Next.is_string()) return;
    auto It = Index.find(Next.get_ref<const std::string &>());
    if (It == Index.end() || It->second <= I) return;
    To = It->second;
  } else {
    if (!S->routes() || S->routes()->size() == 0 || cycleTail(I)) return;
    std::string Error;
    int32_t R = chooseRoute(I, Error);
    if (!Error.empty()) {
      stop(Error, false);
      return;
    }
    if (R < 0) return;
    To = S->routes()->Get(static_cast<uint32_t>(R))->target();
  }
  // The target and the steps jumped over are I's siblings: top-level
  // steps, or the steps of I's body instance (docs/language.md §6.4).
  const uint32_t K = InstOf[I], J = PlanOf[I];
  const int32_t Home = ParentOf[J];
  if (uint32_t N = nodeFor(static_cast<uint32_t>(To), K); N != NoInst)
    States[N].RoutedTo = true;
  std::string Why = fmt::format("jumped over by the route `{}` -> `{}`", stepId(I).str(),
                                stepId(static_cast<uint32_t>(To)).str());
  for (uint32_t X = J + 1; X < static_cast<uint32_t>(To); ++X) {
    if (ParentOf[X] != Home) continue;
    uint32_t N = nodeFor(X, K);
    if (N == NoInst || States[N].Status != StepStatus::Pending) continue;
    States[N].Error = Why;
    setStatus(N, StepStatus::Skipped);
    settle(N);
    skipDependents(N, fmt::format("dependency `{}` was skipped", stepId(N).str()));
  }
}

void Scheduler::replayRoutes() {
  for (uint32_t I = 0; I < NPlan; ++I)
    if (States[I].Resumed) takeRoute(I);
}

}  // namespace orch::runtime
