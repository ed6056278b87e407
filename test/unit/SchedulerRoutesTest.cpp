//===- SchedulerRoutesTest.cpp - Routes on virtual time -------------------===//
//
// Random plans with routes (`on_success`, `on_failure`, `on_false`,
// `next`), compiled from generated YAML and run by the real scheduler on a
// FakeExecutor at -j 1, 2 and 4, against a sequential model of
// docs/language.md §6.4: steps in plan order; a taken route skips the steps
// between its step and its target; a route target runs when routed to,
// past skipped dependencies; any other step whose dependency was skipped is
// skipped. For every seed each step ends as the model says, starts at most
// once, and only after its dependencies and the route decisions it waits
// for settled. A failing seed prints its plan; ORCH_ROUTE_SEED=<n> replays
// one.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "CompilePlan.h"
#include "FakeExecutor.h"
#include "LoopRun.h"
#include "SplitMix.h"
#include "runtime/exec/Scheduler.h"

using json = orch::ir::Json;
using namespace orch;
using namespace orch::runtime;
using orch::testing::Compiled;
using orch::testing::FakeExecutor;
namespace pf = orch::plan;

namespace {

using Rng = orch::testing::SplitMix;

/// A generated step, as the model reads it.
struct Gen {
  std::vector<unsigned> Deps;
  bool Fails = false;  ///< Its action fails.
  bool Skip = false;   ///< `on_failure: skip` (else `continue`).
  int Cond = -1;       ///< -1: none; 0: false; 1: true.
  int OnSuccess = -1, OnFailure = -1, OnFalse = -1;
  std::vector<std::pair<int, int>>
      Next;  ///< (when: -1 default, 0/1 constant input) -> target
};

std::string yamlOf(const std::vector<Gen> &G) {
  std::string Y = "name: routes\ninputs:\n  t: boolean\n  f: boolean\nsteps:\n";
  auto Id = [](int I) { return "s" + std::to_string(I); };
  for (size_t I = 0; I < G.size(); ++I) {
    const Gen &S = G[I];
    Y += "  - id: " + Id(I) + "\n    action: work\n";
    Y += "    parameters: {ms: " + std::to_string(10 * (I % 7)) +
         (S.Fails ? ", fail: true" : "") + "}\n";
    if (!S.Deps.empty()) {
      Y += "    dependencies: [";
      for (size_t K = 0; K < S.Deps.size(); ++K) Y += (K ? ", " : "") + Id(S.Deps[K]);
      Y += "]\n";
    }
    if (S.OnFailure >= 0)
      Y += "    on_failure: " + Id(S.OnFailure) + "\n";
    else
      Y += S.Skip ? "    on_failure: skip\n" : "    on_failure: continue\n";
    if (S.Cond >= 0)
      Y += std::string("    condition: \"{{ ") + (S.Cond ? "t" : "f") + " }}\"\n";
    if (S.OnSuccess >= 0) Y += "    on_success: " + Id(S.OnSuccess) + "\n";
    if (S.OnFalse >= 0) Y += "    on_false: " + Id(S.OnFalse) + "\n";
    if (!S.Next.empty()) {
      Y += "    next:\n";
      for (auto [W, T] : S.Next)
        Y += W < 0 ? "      - goto: " + Id(T) + "\n"
                   : std::string("      - {when: \"{{ ") + (W ? "t" : "f") +
                         " }}\", goto: " + Id(T) + "}\n";
    }
  }
  return Y;
}

std::vector<Gen> generate(uint64_t Seed) {
  Rng R{Seed * 0x2545f4914f6cdd1dULL + 7};
  unsigned N = 2 + R.below(14);
  std::vector<Gen> G(N);
  for (unsigned I = 0; I < N; ++I) {
    Gen &S = G[I];
    for (unsigned J = 0; J < I && S.Deps.size() < 2; ++J)
      if (R.chance(25)) S.Deps.push_back(J);
    S.Fails = R.chance(20);
    S.Skip = R.chance(30);
    if (R.chance(25)) S.Cond = R.below(2);
    auto Later = [&]() { return static_cast<int>(I + 1 + R.below(N - I - 1)); };
    if (I + 1 >= N) continue;
    if (R.chance(30)) S.OnFailure = Later();
    if (S.Cond >= 0 && R.chance(60)) S.OnFalse = Later();
    if (R.chance(25)) {
      unsigned K = 1 + R.below(3);
      for (unsigned E = 0; E < K; ++E)
        S.Next.push_back({static_cast<int>(R.below(2)), Later()});
      if (R.chance(50)) S.Next.push_back({-1, Later()});
    } else if (R.chance(30)) {
      S.OnSuccess = Later();
    }
  }
  return G;
}

/// The sequential model: each step's final status.
std::vector<StepStatus> model(const std::vector<Gen> &G) {
  size_t N = G.size();
  std::vector<StepStatus> St(N, StepStatus::Pending);
  std::vector<char> Routed(N, 0), CondFalse(N, 0);
  for (size_t I = 0; I < N; ++I) {
    if (St[I] != StepStatus::Pending) continue;  // jumped over
    const Gen &S = G[I];
    bool DepSkipped = false;
    for (unsigned D : S.Deps) DepSkipped |= St[D] == StepStatus::Skipped;
    if (DepSkipped && !Routed[I]) {
      St[I] = StepStatus::Skipped;
      continue;
    }
    if (S.Cond == 0) {
      St[I] = StepStatus::Skipped;
      CondFalse[I] = 1;
    } else if (!S.Fails) {
      St[I] = StepStatus::Completed;
    } else {
      St[I] = S.Skip && S.OnFailure < 0 ? StepStatus::Skipped : StepStatus::Failed;
    }
    int To = -1;
    if (St[I] == StepStatus::Completed) {
      To = S.OnSuccess;
      for (auto [W, T] : S.Next)
        if (W != 0) {  // `t` holds, `f` does not, a default always
          To = T;
          break;
        }
    } else if (St[I] == StepStatus::Failed) {
      To = S.OnFailure;
    } else if (CondFalse[I]) {
      To = S.OnFalse;
    }
    if (To < 0) continue;
    Routed[To] = 1;
    for (int X = static_cast<int>(I) + 1; X < To; ++X)
      if (St[X] == StepStatus::Pending) St[X] = StepStatus::Skipped;
  }
  return St;
}

/// `work`: `ms` of virtual time, then success, or failure with `fail`.
class RouteRunner : public ActionRunner {
 public:
  RouteRunner(FakeExecutor &E, const pf::Plan &P, unsigned Jobs)
      : E(E), P(P), Jobs(Jobs) {
    for (uint32_t I = 0; I < P.steps()->size(); ++I)
      Index[P.steps()->Get(I)->id()->str()] = I;
    Starts.assign(P.steps()->size(), 0);
  }
  struct Task : ActionTask {
    FakeExecutor *E;
    Executor::TimerId Id;
    void cancel() override { E->cancelTimer(Id); }
  };
  std::unique_ptr<ActionTask> start(const ActionRequest &Req, ActionDone Done) override {
    uint32_t I = Index.at(Req.StepId);
    const pf::Step *S = P.steps()->Get(I);
    ++Starts[I];
    auto Waited = [&](uint32_t D) {
      StepStatus X = Sched->state(D).Status;
      if (X == StepStatus::Pending || X == StepStatus::Running)
        Problems.push_back(Req.StepId + " started before " + Sched->stepId(D).str() +
                           " settled");
    };
    if (S->deps())
      for (uint32_t D : *S->deps()) Waited(D);
    if (S->order_deps())
      for (uint32_t D : *S->order_deps()) Waited(D);
    if (++Running > static_cast<int>(Jobs)) Problems.push_back("more than -j at once");
    bool Fail = Req.Params.value("fail", false);
    auto T = std::make_unique<Task>();
    T->E = &E;
    T->Id = E.addTimer(E.now() + std::chrono::milliseconds(Req.Params.value("ms", 0)),
                       [this, Fail, Done] {
                         --Running;
                         Done(Fail ? ActionResult::failure("planned", false)
                                   : ActionResult::success(json{{"output", "ok"}}));
                       });
    return T;
  }
  FakeExecutor &E;
  const pf::Plan &P;
  unsigned Jobs;
  const Scheduler *Sched = nullptr;
  std::map<std::string, uint32_t> Index;
  std::vector<unsigned> Starts;
  std::vector<std::string> Problems;
  int Running = 0;
};

std::string runSeed(uint64_t Seed, unsigned Jobs) {
  std::vector<Gen> G = generate(Seed);
  std::string Yaml = yamlOf(G);
  Compiled C = orch::testing::compile(Yaml);
  if (!C.Plan) return "does not compile: " + C.Errors + "\n" + Yaml;
  const pf::Plan &P = C.Plan->plan();
  FakeExecutor E;
  RouteRunner Run(E, P, Jobs);
  RunOptions O;
  O.Jobs = Jobs;
  Scheduler S(*C.Plan, *C.Prog, json{{"t", true}, {"f", false}}, E, Run, O, nullptr);
  Run.Sched = &S;
  S.start();
  E.runUntil([&] { return S.finished(); });
  std::string Out;
  if (!S.finished()) Out += "the run never ended\n";
  std::vector<StepStatus> Want = model(G);
  for (uint32_t I = 0; I < G.size(); ++I) {
    if (S.state(I).Status != Want[I])
      Out += "s" + std::to_string(I) + ": " + stepStatusName(S.state(I).Status) +
             ", the model says " + stepStatusName(Want[I]) + " (" + S.state(I).Error +
             ")\n";
    if (Run.Starts[I] > 1) Out += "s" + std::to_string(I) + " started twice\n";
    StepStatus Got = S.state(I).Status;
    if ((Got == StepStatus::Completed || Got == StepStatus::Failed) && Run.Starts[I] != 1)
      Out += "s" + std::to_string(I) + " ended without running\n";
    if (Got == StepStatus::Skipped && S.state(I).Attempts == 0 && Run.Starts[I] != 0)
      Out += "s" + std::to_string(I) + " ran, then was skipped\n";
  }
  if (S.status() != RunStatus::Completed) Out += "the run did not complete\n";
  for (const std::string &Pr : Run.Problems) Out += Pr + "\n";
  if (!Out.empty()) Out += "-j " + std::to_string(Jobs) + ", plan:\n" + Yaml;
  return Out;
}

/// Seeds 0 to \p Count, or the one ORCH_ROUTE_SEED names.
std::pair<uint64_t, uint64_t> seeds(uint64_t Count) {
  if (const char *One = std::getenv("ORCH_ROUTE_SEED")) {
    uint64_t From = std::strtoull(One, nullptr, 10);
    return {From, From + 1};
  }
  return {0, Count};
}

TEST(SchedulerRoutes, RandomPlansFollowTheModel) {
  auto [From, To] = seeds(400);
  unsigned Routed = 0;
  for (uint64_t Seed = From; Seed < To; ++Seed) {
    for (unsigned Jobs : {1u, 2u, 4u}) {
      std::string Why = runSeed(Seed, Jobs);
      ASSERT_EQ(Why, "") << "seed " << Seed;
    }
    for (const Gen &G : generate(Seed))
      Routed += G.OnSuccess >= 0 || G.OnFailure >= 0 || G.OnFalse >= 0 || !G.Next.empty();
  }
  EXPECT_GT(Routed, To - From);  // the generator does route
}

/// Seed \p Seed's plan as the body of a `for_each` over 3 items (2 at
/// once): each item takes its own routes, as the model says of the plan.
std::string runSeedInBody(uint64_t Seed, unsigned Jobs) {
  std::vector<Gen> G = generate(Seed);
  std::string Flat = yamlOf(G);
  size_t At = Flat.find("steps:\n") + 7;
  std::string Yaml = Flat.substr(0, At) +
                     "  - id: each\n    for_each: [0, 1, 2]\n    max_parallel: 2\n"
                     "    steps:\n";
  // The generated steps, four columns deeper; FakeRunner fails `fail: 1`.
  for (size_t L = At; L < Flat.size();) {
    size_t E = Flat.find('\n', L);
    Yaml += "    " + Flat.substr(L, E - L + 1);
    L = E + 1;
  }
  for (size_t F; (F = Yaml.find("fail: true")) != std::string::npos;)
    Yaml.replace(F, 10, "fail: 1");
  orch::testing::LoopRun R(Yaml, Jobs, json{{"t", true}, {"f", false}});
  std::string Out;
  if (!R.C.Plan) return "does not compile: " + R.C.Errors + "\n" + Yaml;
  if (R.S->status() != RunStatus::Completed) Out += "the run did not complete\n";
  std::vector<StepStatus> Want = model(G);
  const json &Items = R.state("each").Result["results"];
  for (unsigned K = 0; K < 3 && Out.empty(); ++K)
    for (uint32_t I = 0; I < G.size(); ++I) {
      std::string Id = "s" + std::to_string(I);
      const json &Got = Items[K][Id];
      if (Got.value("status", "") != stepStatusName(Want[I]))
        Out += "item " + std::to_string(K) + " " + Id + ": " + Got.dump() +
               ", the model says " + stepStatusName(Want[I]) + "\n";
      std::string Name = "each[" + std::to_string(K) + "]." + Id;
      if (std::count(R.R.Starts.begin(), R.R.Starts.end(), Name) > 1)
        Out += Name + " started twice\n";
    }
  if (!Out.empty()) Out += "-j " + std::to_string(Jobs) + ", plan:\n" + Yaml;
  return Out;
}

TEST(SchedulerRoutes, RandomPlansInALoopBodyFollowTheModel) {
  auto [From, To] = seeds(200);
  for (uint64_t Seed = From; Seed < To; ++Seed)
    for (unsigned Jobs : {1u, 2u, 4u}) {
      std::string Why = runSeedInBody(Seed, Jobs);
      ASSERT_EQ(Why, "") << "seed " << Seed;
    }
}

/// ContextLab's 04_conditions shape: the condition decides which branch
/// runs; the join runs either way.
TEST(SchedulerRoutes, ExclusiveBranchesJoin) {
  for (bool Long : {true, false}) {
    std::string Yaml = std::string("name: c\nsteps:\n") +
                       "  - id: check\n    action: work\n    parameters: {ms: 5}\n" +
                       "    condition: \"" + (Long ? "{{ true }}" : "{{ false }}") +
                       "\"\n    on_false: short\n" +
                       "  - id: long\n    action: work\n    parameters: {ms: 5}\n"
                       "    dependencies: [check]\n    on_success: join\n"
                       "  - id: short\n    action: work\n    parameters: {ms: 5}\n"
                       "    dependencies: [long]\n"
                       "  - id: mark\n    action: work\n    parameters: {ms: 5}\n"
                       "    dependencies: [short]\n"
                       "  - id: join\n    action: work\n    parameters: {ms: 5}\n"
                       "    dependencies: [mark]\n";
    Compiled C = orch::testing::compile(Yaml);
    ASSERT_TRUE(C.Plan);
    FakeExecutor E;
    RouteRunner Run(E, C.Plan->plan(), 4);
    RunOptions O;
    O.Jobs = 4;
    Scheduler S(*C.Plan, *C.Prog, json::object(), E, Run, O, nullptr);
    Run.Sched = &S;
    S.start();
    E.runUntil([&] { return S.finished(); });
    ASSERT_EQ(S.status(), RunStatus::Completed);
    auto Status = [&](uint32_t I) {
      return std::string(stepStatusName(S.state(I).Status));
    };
    EXPECT_EQ(Status(1), Long ? "completed" : "skipped");
    EXPECT_EQ(Status(2), Long ? "skipped" : "completed");
    EXPECT_EQ(Status(3), Long ? "skipped" : "completed");
    EXPECT_EQ(Status(4), "completed");
    if (Long) {
      EXPECT_EQ(S.state(2).Error, "jumped over by the route `long` -> `join`");
    } else {
      EXPECT_EQ(S.state(1).Error, "jumped over by the route `check` -> `short`");
    }
  }
}

}  // namespace
