//===- SchedulerRandomTest.cpp - Random plans on virtual time -------------===//
//
// Thousands of random plans, each compiled from generated YAML and run by
// the real scheduler on a FakeExecutor: random DAGs of model steps (in
// three resource groups with random concurrency and rate limits), `sleep`
// steps and local `echo` steps (fused chains), with random durations,
// failures, final failures, timeouts, retries, conditions, render errors,
// failure policies, -j, pipeline timeouts and stop() calls. For every seed:
//
//   - the run ends (virtual time never stalls) and every step settles
//     exactly once, with a final status;
//   - no more than -j steps and no more than a group's `max_concurrent`
//     ever run at once, and every group's starts fit its token bucket;
//   - a step starts only when each dependency completed (or failed under
//     `continue`), and a step whose dependency was skipped is skipped;
//   - at the end nothing is held: no -j or group slot, no parked step, no
//     timer, no running action.
//
// A failing seed is printed with its plan; replay it with
// ORCH_SCHED_SEED=<n>. ORCH_SCHED_SEEDS=<n> runs more seeds (default 5000).
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <optional>

#include "CompilePlan.h"
#include "FakeExecutor.h"
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

/// One random run: the plan and how it is run.
struct Case {
  std::string Yaml;
  passes::RunConfig Config;
  unsigned Jobs = 1;
  int RetryBaseMs = 100;
  std::optional<int64_t> StopAtMs;
  bool StopAsInterrupt = false;
  /// What a cancelled action does: nothing more, report at once from
  /// inside cancel(), or report later when its time is up. Such reports
  /// are stale: the scheduler must ignore them.
  enum class Late : uint8_t { Quiet, Sync, Later } Cancelled = Late::Quiet;
  bool StaleSucceeds = false;  ///< A stale report is a success (else a failure).
};

passes::ProviderLimits randomLimits(Rng &R) {
  passes::ProviderLimits L;
  if (R.chance(60)) L.MaxConcurrent = 1 + R.below(3);
  if (R.chance(40)) {
    L.RequestsPerMinute = R.pick({30u, 60u, 120u, 600u, 3000u});
    L.Burst = 1 + R.below(3);
  }
  return L;
}

Case generate(uint64_t Seed) {
  Rng R{Seed * 0x2545f4914f6cdd1dULL + 1};
  Case C;
  // Not from R, so that the plans stay those of earlier versions.
  C.Cancelled = static_cast<Case::Late>(Seed % 3);
  C.StaleSucceeds = Seed / 3 % 2;
  C.Jobs = R.chance(10) ? 64 : 1 + R.below(5);
  C.RetryBaseMs = 1 + static_cast<int>(R.below(300));
  C.Config.ModelRequests = randomLimits(R);  // provider:default
  C.Config.Providers["openai"] = randomLimits(R);
  C.Config.Providers["anthropic"] = randomLimits(R);
  if (R.chance(20)) {
    C.StopAtMs = R.below(6000);
    C.StopAsInterrupt = R.chance(50);
  }
  unsigned N = 1 + (R.chance(10) ? R.below(30) : R.below(12));
  unsigned DepPercent = R.below(45);
  std::string Y = "name: random\ninputs:\n  t: boolean\n  f: boolean\n";
  std::string Ctx;
  if (R.chance(15)) Ctx += " timeout: " + std::to_string(2 + R.below(9)) + ",";
  if (R.chance(20)) Ctx += " max_retries: " + std::to_string(R.below(3)) + ",";
  if (!Ctx.empty()) Y += "context: {" + Ctx.substr(0, Ctx.size() - 1) + " }\n";
  Y += "steps:\n";
  bool LastLocal = false;
  for (unsigned I = 0; I < N; ++I) {
    std::vector<unsigned> Deps;
    for (unsigned J = 0; J < I && Deps.size() < 3; ++J)
      if (R.chance(DepPercent)) Deps.push_back(J);
    auto Ref = [&](unsigned J) { return "steps.s" + std::to_string(J); };
    Y += "  - id: s" + std::to_string(I) + "\n";
    unsigned Kind = R.below(10);
    // Chains of local steps.
    if (LastLocal && R.chance(50)) {
      Kind = 0;
      Deps = {I - 1};
    }
    LastLocal = Kind < 2;
    if (Kind < 2) {  // a local step, at times the only dependent of its predecessor
      Y += "    action: echo\n";
      std::string Msg = R.chance(15) ? "boom" : "ok";
      if (!Deps.empty() && R.chance(40))
        Msg = "{{ " + Ref(Deps[0]) + ".output }}";  // fails after `continue`
      Y += "    parameters: {message: \"" + Msg + "\"}\n";
    } else {
      bool Sleep = Kind == 2;
      Y += Sleep ? "    action: sleep\n" : "    action: work\n";
      if (!Sleep) {
        unsigned M = R.below(3);
        if (M == 1) Y += "    model: gpt-random\n";
        if (M == 2) Y += "    model: claude-random\n";
      }
      unsigned Ms = R.chance(15) ? 0 : 10 * R.below(300);
      Y += "    parameters: {ms: " + std::to_string(Ms);
      if (!Sleep) {
        if (R.chance(40)) Y += ", fail: " + std::to_string(1 + R.below(3));
        if (R.chance(10)) Y += ", final: true";
        if (R.chance(10)) Y += ", sync: true";
        if (!Deps.empty() && R.chance(20))
          Y += ", message: \"{{ " + Ref(Deps.back()) + ".output }}\"";
      }
      Y += "}\n";
    }
    if (!Deps.empty()) {
      Y += "    dependencies: [";
      for (size_t K = 0; K < Deps.size(); ++K)
        Y += (K ? ", s" : "s") + std::to_string(Deps[K]);
      Y += "]\n";
    }
    unsigned Policy = R.below(20);
    if (Policy < 2)
      Y += "    on_failure: fail\n";
    else if (Policy < 9)
      Y += "    on_failure: continue\n";
    else if (Policy < 13)
      Y += "    on_failure: skip\n";
    else {
      Y += "    on_failure: retry\n";
      if (R.chance(60)) Y += "    max_retries: " + std::to_string(R.below(4)) + "\n";
    }
    if (R.chance(25)) Y += "    timeout: " + std::to_string(1 + R.below(3)) + "\n";
    if (R.chance(12)) {
      std::string Cond = R.chance(50) ? "t" : "f";
      if (!Deps.empty() && R.chance(50)) Cond = Ref(Deps[0]) + ".status == 'completed'";
      Y += "    condition: \"{{ " + Cond + " }}\"\n";
    }
  }
  C.Yaml = std::move(Y);
  return C;
}

/// Actions on virtual time that check the scheduler as they go.
/// `work` and `sleep`: `ms` of virtual time; `fail`: that many failed
/// attempts first; `final`: the failures are not retryable; `sync`: the
/// result comes inside start(). `echo`: at once; `boom` fails.
class CheckingRunner : public ActionRunner {
 public:
  CheckingRunner(FakeExecutor &E, const pf::Plan &P, unsigned Jobs, const Case &C)
      : E(E), P(P), Jobs(Jobs), C(C) {
    for (uint32_t I = 0; I < P.steps()->size(); ++I)
      Index[P.steps()->Get(I)->id()->str()] = I;
    size_t G = P.groups() ? P.groups()->size() : 0;
    GroupRunning.assign(G, 0);
    GroupStarts.resize(G);
    Starts.assign(P.steps()->size(), 0);
  }

  /// What a cancelled action reports, if anything: marked stale.
  ActionResult staleResult() const {
    return C.StaleSucceeds ? ActionResult::success(json{{"output", "stale"}})
                           : ActionResult::failure("stale report");
  }

  struct Task : ActionTask {
    CheckingRunner *R;
    uint32_t Step;
    unsigned Attempt = 0;
    Executor::TimePoint StartedAt{};
    Executor::TimerId Id = 0;
    std::shared_ptr<bool> Live = std::make_shared<bool>(true);
    std::shared_ptr<bool> Cancelled = std::make_shared<bool>(false);
    ActionDone Done;
    void cancel() override {
      if (!*Live) R->problem("a task was cancelled twice or after it finished");
      R->Cancels.push_back({Step, Attempt, R->E.now() - StartedAt, R->byStop()});
      R->finish(Step);
      *Live = false;
      *Cancelled = true;
      switch (R->C.Cancelled) {
        case Case::Late::Quiet:
          R->E.cancelTimer(Id);
          break;
        case Case::Late::Sync:
          R->E.cancelTimer(Id);
          Done(R->staleResult());  // from inside cancel()
          break;
        case Case::Late::Later:
          ++R->LatePending;  // the timer fires anyway, and reports
          break;
      }
    }
    ~Task() override {
      if (*Live) R->problem("a running task was dropped without cancel()");
    }
  };

  std::unique_ptr<ActionTask> start(const ActionRequest &Req, ActionDone Done) override {
    uint32_t I = Index.at(Req.StepId);
    const pf::Step *S = P.steps()->Get(I);
    ++Starts[I];
    Params[I] = Req.Params;
    if (S->deps())
      for (uint32_t D : *S->deps()) {
        const StepState &T = Sched->state(D);
        bool Ok = T.Status == StepStatus::Completed ||
                  (T.Status == StepStatus::Failed &&
                   P.steps()->Get(D)->on_failure() == pf::FailurePolicy::Continue);
        if (!Ok) problem(Req.StepId + " started before its dependency settled usably");
      }
    if (++Running > static_cast<int>(Jobs)) problem("more than -j steps ran at once");
    int32_t G = S->group();
    if (G >= 0) {
      const pf::Group *Limits = P.groups()->Get(G);
      if (Limits->max_concurrent() && ++GroupRunning[G] > Limits->max_concurrent())
        problem("group " + Limits->name()->str() + " ran more than its max_concurrent");
      else if (!Limits->max_concurrent())
        ++GroupRunning[G];
      GroupStarts[G].push_back(E.now());
    }
    if (Req.Action == "echo") {
      finish(I);
      if (Req.Params.value("message", "") == "boom")
        Done(ActionResult::failure("boom"));
      else
        Done(ActionResult::success(json{{"output", Req.Params.value("message", "")}}));
      return nullptr;
    }
    int64_t Ms = Req.Params.value("ms", 0);
    bool Fails = static_cast<int>(Req.Attempt) <= Req.Params.value("fail", 0);
    bool Final = Req.Params.value("final", false);
    ActionResult Res = Fails ? ActionResult::failure("flaky", !Final)
                             : ActionResult::success(json{{"output", "done"}});
    if (Req.Params.value("sync", false)) {
      finish(I);
      Done(std::move(Res));
      return nullptr;
    }
    auto T = std::make_unique<Task>();
    T->R = this;
    T->Step = I;
    T->Attempt = Req.Attempt;
    T->StartedAt = E.now();
    T->Done = Done;
    T->Id = E.addTimer(
        E.now() + std::chrono::milliseconds(Ms),
        [this, Live = T->Live, Cancelled = T->Cancelled, I, Done, Res]() mutable {
          if (*Cancelled) {  // Case::Late::Later
            --LatePending;
            Done(staleResult());
            return;
          }
          *Live = false;
          finish(I);
          Done(std::move(Res));
        });
    return T;
  }

  void finish(uint32_t I) {
    --Running;
    int32_t G = P.steps()->Get(I)->group();
    if (G >= 0) --GroupRunning[G];
  }
  void problem(std::string What) {
    if (Problems.size() < 5) Problems.push_back(std::move(What));
  }

  /// Is a cancel now stop()'s (the test's, or the pipeline's timeout)?
  bool byStop() const {
    return InStop ||
           (P.timeout_ms() > 0 &&
            E.now() - Sched->startTime() >= std::chrono::milliseconds(P.timeout_ms()));
  }

  /// An attempt that was cancelled: how long it had run, and whether
  /// stop() did it (else its timeout did).
  struct Cancel {
    uint32_t Step;
    unsigned Attempt;
    Executor::TimePoint::duration Ran;
    bool ByStop;
  };

  FakeExecutor &E;
  const pf::Plan &P;
  unsigned Jobs;
  const Case &C;
  const Scheduler *Sched = nullptr;
  std::vector<Cancel> Cancels;
  std::map<uint32_t, json> Params;  ///< Each started step's last parameters.
  int LatePending = 0;              ///< Cancelled tasks whose timer is still due.
  bool InStop = false;              ///< The test is calling stop().
  std::map<std::string, uint32_t> Index;
  int Running = 0;
  std::vector<unsigned> GroupRunning;
  std::vector<std::vector<Executor::TimePoint>> GroupStarts;
  std::vector<unsigned> Starts;
  std::vector<std::string> Problems;
};

class Counter : public RunObserver {
 public:
  explicit Counter(size_t N) : Settled(N, 0), Started(N, 0) {}
  void stepStarted(uint32_t Step, unsigned) override { ++Started[Step]; }
  void stepSettled(uint32_t Step) override { ++Settled[Step]; }
  std::vector<unsigned> Settled, Started;
};

/// Starts in any window fit the bucket: at most burst + window × rate.
bool fitsBucket(const std::vector<Executor::TimePoint> &Starts, unsigned PerMinute,
                unsigned Burst) {
  double PerMs = PerMinute / 60000.0;
  double Capacity = std::max(1u, Burst);
  for (size_t A = 0; A < Starts.size(); ++A)
    for (size_t B = A; B < Starts.size(); ++B) {
      double Ms =
          std::chrono::duration<double, std::milli>(Starts[B] - Starts[A]).count();
      if (static_cast<double>(B - A + 1) > Capacity + Ms * PerMs + 1e-6) return false;
    }
  return true;
}

/// How many seeds reached each path, so that a change to the generator
/// cannot quietly stop exercising one.
struct Coverage {
  unsigned TimedOutInLimitedGroup = 0, RetriedAfterTimeout = 0, Retried = 0, Stopped = 0,
           ConditionFalse = 0, RenderError = 0, RateLimited = 0;
};

/// Runs seed \p Seed; returns what went wrong, or "".
std::string runSeed(uint64_t Seed, bool Verbose, Coverage *Cov = nullptr) {
  Case C = generate(Seed);
  if (Verbose) std::cerr << "jobs " << C.Jobs << "\n" << C.Yaml;
  Compiled Plan = orch::testing::compile(C.Yaml, &C.Config);
  if (!Plan.Plan) return "does not compile: " + Plan.Errors;
  const pf::Plan &P = Plan.Plan->plan();
  size_t N = P.steps()->size();
  if (Verbose && P.groups())
    for (const pf::Group *G : *P.groups())
      std::cerr << "group " << G->name()->str() << ": max_concurrent "
                << G->max_concurrent() << ", requests_per_minute "
                << G->requests_per_minute() << ", burst " << G->burst() << "\n";
  if (Verbose && C.StopAtMs) std::cerr << "stop() at " << *C.StopAtMs << " ms\n";
  FakeExecutor E;
  CheckingRunner Runner(E, P, C.Jobs, C);
  Counter Obs(N);
  RunOptions O;
  O.Jobs = C.Jobs;
  O.RetryBase = std::chrono::milliseconds(C.RetryBaseMs);
  std::vector<std::string> Problems;
  auto Problem = [&](std::string What) {
    if (Problems.size() < 5) Problems.push_back(std::move(What));
  };
  {
    Scheduler S(*Plan.Plan, *Plan.Prog, json{{"t", true}, {"f", false}}, E, Runner, O,
                &Obs);
    Runner.Sched = &S;
    Executor::TimerId Stop = 0;
    bool StoppedWhileRunning = false;
    if (C.StopAtMs)
      Stop = E.addTimer(E.now() + std::chrono::milliseconds(*C.StopAtMs), [&] {
        Stop = 0;
        StoppedWhileRunning = !S.finished() && S.running() > 0;
        Runner.InStop = true;
        S.stop("stopped", C.StopAsInterrupt);
        Runner.InStop = false;
      });
    S.start();
    E.runUntil([&] { return S.finished(); });
    if (Stop) E.cancelTimer(Stop);
    if (E.Stalled || !S.finished()) Problem("the run never ended");
    // What the scheduler left behind; then the late reports of cancelled
    // actions come in (the scheduler is still there to ignore them).
    size_t TimersLeft = E.pendingTimers() - static_cast<size_t>(Runner.LatePending);
    E.runUntil([&] { return Runner.LatePending == 0; });
    if (Runner.LatePending != 0) Problem("a late report never came");
    std::map<uint32_t, unsigned> TimedOutAttempts;  // step -> attempts that timed out
    for (const CheckingRunner::Cancel &X : Runner.Cancels) {
      if (X.ByStop) continue;  // stop(): the attempt was cut short
      const StepState &St = S.state(X.Step);
      std::string Id = S.stepId(X.Step).str();
      if (X.Attempt == 0 || X.Attempt > St.AttemptTimeouts.size()) {
        Problem(Id + ": an attempt was cancelled without a timeout");
        continue;
      }
      int64_t Limit = St.AttemptTimeouts[X.Attempt - 1];
      if (X.Ran < std::chrono::milliseconds(Limit))
        Problem(Id + ": an attempt timed out before its " + std::to_string(Limit) +
                " ms");
      TimedOutAttempts[X.Step] |= 1u << std::min(X.Attempt - 1, 31u);
    }
    bool PipelineTimeout = P.timeout_ms() > 0;
    for (uint32_t I = 0; I < N; ++I) {
      const StepState &St = S.state(I);
      std::string Id = S.stepId(I).str();
      if (St.Result.is_object() && St.Result.value("output", json()) == "stale")
        Problem(Id + " took its result from a cancelled attempt");
      if (St.Error.find("stale") != std::string::npos)
        Problem(Id + " took its error from a cancelled attempt");
      // Each attempt's timeout: doubled after a timeout, else the same.
      for (size_t K = 0; K + 1 < St.AttemptTimeouts.size(); ++K) {
        int64_t Prev = St.AttemptTimeouts[K], Next = St.AttemptTimeouts[K + 1];
        bool TimedOut = TimedOutAttempts[I] >> std::min<size_t>(K, 31) & 1;
        int64_t Want = TimedOut ? doubledTimeout(Prev) : Prev;
        if (PipelineTimeout ? Next > Want : Next != Want)
          Problem(Id + ": attempt " + std::to_string(K + 2) + " got a timeout of " +
                  std::to_string(Next) + " ms, not " + std::to_string(Want));
      }
    }
    // Outcomes: without stop() or a pipeline timeout, a step that started,
    // cannot fail and is faster than its timeout completes.
    if (!C.StopAtMs && !PipelineTimeout)
      for (auto &[I, Pr] : Runner.Params) {
        const pf::Step *PS = P.steps()->Get(I);
        bool CannotFail = Pr.value("fail", 0) == 0 && Pr.value("message", "") != "boom";
        bool InTime = PS->timeout_ms() <= 0 || Pr.value("ms", 0) < PS->timeout_ms();
        if (CannotFail && InTime && S.state(I).Status != StepStatus::Completed)
          Problem(S.stepId(I).str() + " could not fail and ran in time, but ended " +
                  stepStatusName(S.state(I).Status) + ": " + S.state(I).Error);
      }
    if (S.groups().unheldReleases() != 0)
      Problem("a group slot was released that nobody held");
    for (uint32_t I = 0; I < N; ++I) {
      const StepState &St = S.state(I);
      std::string Id = S.stepId(I).str();
      if (Obs.Settled[I] != 1)
        Problem(Id + " settled " + std::to_string(Obs.Settled[I]) + " times");
      if (St.Status != StepStatus::Completed && St.Status != StepStatus::Failed &&
          St.Status != StepStatus::Skipped)
        Problem(Id + " ended " + stepStatusName(St.Status));
      if (Obs.Started[I] != Runner.Starts[I])
        Problem(Id + ": the observer saw a different number of starts");
      if (St.Attempts < Runner.Starts[I] || St.Attempts > Runner.Starts[I] + 1)
        Problem(Id + ": attempts do not match the starts");
      if (St.Task || St.Timer || St.HoldsJob || St.HeldGroup >= 0)
        Problem(Id + " still holds a task, timer or slot");
      if (P.steps()->Get(I)->timeout_ms() > 0 &&
          St.AttemptTimeouts.size() != Runner.Starts[I])
        Problem(Id + ": not every attempt recorded its timeout");
      if (const auto *Deps = P.steps()->Get(I)->deps())
        for (uint32_t D : *Deps)
          if (S.state(D).Status == StepStatus::Skipped &&
              St.Status != StepStatus::Skipped)
            Problem(Id + " ran though dependency " + S.stepId(D).str() + " was skipped");
    }
    if (S.status() == RunStatus::Completed)
      for (uint32_t I = 0; I < N; ++I)
        if (S.state(I).Error.rfind("not started", 0) == 0)
          Problem("a completed run left " + S.stepId(I).str() + " not started");
    if (S.running() != 0) Problem("-j slots still held at the end");
    if (S.groups().held() != 0) Problem("group slots still held at the end");
    for (size_t G = 0; G < S.groups().size(); ++G)
      if (S.groups().parked(G)) Problem("steps still parked at the end");
    if (TimersLeft != 0) Problem(std::to_string(TimersLeft) + " timers left at the end");
    if (Runner.Running != 0) Problem("actions still running at the end");
    if (Cov) {
      bool Limited = false, AfterTimeout = false, Retried = false, False = false,
           Render = false, Rate = false;
      for (uint32_t I = 0; I < N; ++I) {
        const StepState &St = S.state(I);
        const pf::Step *PS = P.steps()->Get(I);
        bool TimedOut = St.Error.find("timed out") != std::string::npos;
        int32_t G = PS->group();
        if (TimedOut && G >= 0 && P.groups()->Get(G)->max_concurrent()) Limited = true;
        AfterTimeout |= St.AttemptTimeouts.size() >= 2 &&
                        St.AttemptTimeouts[1] > St.AttemptTimeouts[0];
        Retried |= St.Attempts > 1;
        False |= St.Error == "condition is false";
        Render |= St.Error.rfind("parameter `", 0) == 0;
        Rate |= G >= 0 && P.groups()->Get(G)->requests_per_minute() &&
                Runner.GroupStarts[G].size() > P.groups()->Get(G)->burst();
      }
      Cov->TimedOutInLimitedGroup += Limited;
      Cov->RetriedAfterTimeout += AfterTimeout;
      Cov->Retried += Retried;
      Cov->Stopped += StoppedWhileRunning;
      Cov->ConditionFalse += False;
      Cov->RenderError += Render;
      Cov->RateLimited += Rate;
    }
  }
  if (P.groups())
    for (uint32_t G = 0; G < P.groups()->size(); ++G) {
      const pf::Group *L = P.groups()->Get(G);
      if (L->requests_per_minute() &&
          !fitsBucket(Runner.GroupStarts[G], L->requests_per_minute(), L->burst()))
        Problem("group " + L->name()->str() + " started faster than its rate");
    }
  for (std::string &P : Runner.Problems) Problem(std::move(P));
  std::string Out;
  for (const std::string &P : Problems) Out += (Out.empty() ? "" : "; ") + P;
  return Out;
}

uint64_t envNumber(const char *Name, uint64_t Default) {
  const char *V = std::getenv(Name);
  return V && *V ? std::strtoull(V, nullptr, 10) : Default;
}

TEST(SchedulerRandom, EveryRunEndsSettlesEachStepOnceKeepsLimitsAndHoldsNothing) {
  if (const char *One = std::getenv("ORCH_SCHED_SEED"); One && *One) {
    uint64_t Seed = std::strtoull(One, nullptr, 10);
    std::string Why = runSeed(Seed, true);
    EXPECT_EQ(Why, "") << "seed " << Seed;
    return;
  }
  uint64_t Seeds = envNumber("ORCH_SCHED_SEEDS", 5000);
  unsigned Failed = 0;
  Coverage Cov;
  for (uint64_t Seed = 0; Seed < Seeds && Failed < 5; ++Seed) {
    std::string Why = runSeed(Seed, false, &Cov);
    if (Why.empty()) continue;
    ++Failed;
    ADD_FAILURE() << "seed " << Seed << ": " << Why
                  << "\n  replay: ORCH_SCHED_SEED=" << Seed
                  << " orch_unittests --gtest_filter='SchedulerRandom.*'\n"
                  << generate(Seed).Yaml;
  }
  // Every path is taken by a fair share of the seeds (at least 1%).
  if (Seeds < 1000) return;
  unsigned Min = static_cast<unsigned>(Seeds / 100);
  EXPECT_GE(Cov.TimedOutInLimitedGroup, Min) << "timeouts in limited groups";
  EXPECT_GE(Cov.RetriedAfterTimeout, Min) << "retries after a timeout";
  EXPECT_GE(Cov.Retried, Min) << "retries";
  EXPECT_GE(Cov.Stopped, Min) << "stop() while running";
  EXPECT_GE(Cov.ConditionFalse, Min) << "false conditions";
  EXPECT_GE(Cov.RenderError, Min) << "render errors";
  EXPECT_GE(Cov.RateLimited, Min) << "rate-limited groups";
  std::cerr << "paths taken, in seeds of " << Seeds << ": timeout in a limited group "
            << Cov.TimedOutInLimitedGroup << ", retry after a timeout "
            << Cov.RetriedAfterTimeout << ", retry " << Cov.Retried << ", stop() "
            << Cov.Stopped << ", false condition " << Cov.ConditionFalse
            << ", render error " << Cov.RenderError << ", rate limit " << Cov.RateLimited
            << "\n";
}

}  // namespace
