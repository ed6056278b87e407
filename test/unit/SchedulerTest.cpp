//===- SchedulerTest.cpp - The scheduler with fake actions and time -------===//
//
// Plans are compiled from YAML by the real front end and passes, then run
// by the real scheduler on a FakeExecutor (virtual time) with FakeRunner,
// whose `work` action takes `ms` of virtual time, fails its first `fail`
// attempts and records how many ran at once. Each property is checked at
// several job limits.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <map>

#include "CompilePlan.h"
#include "FakeExecutor.h"
#include "FakeRunner.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "runtime/exec/RunReport.h"
#include "runtime/exec/Scheduler.h"

using json = orch::ir::Json;
using namespace orch;
using namespace orch::runtime;
using orch::testing::compile;
using orch::testing::Compiled;
using orch::testing::FakeExecutor;
using orch::testing::FakeRunner;

namespace {

struct PlanRun {
  FakeExecutor E;
  FakeRunner R{E};
  Compiled C;
  std::unique_ptr<Scheduler> S;

  PlanRun(const std::string &Yaml, unsigned Jobs, json Inputs = json::object(),
          const passes::RunConfig *Config = nullptr) {
    C = compile(Yaml, Config);
    RunOptions O;
    O.Jobs = Jobs;
    O.RetryBase = std::chrono::milliseconds(100);
    S = std::make_unique<Scheduler>(*C.Plan, *C.Prog, Inputs, E, R, O);
    S->start();
    E.runUntil([&] { return S->finished(); });
  }
  StepStatus status(const std::string &Id) const {
    for (uint32_t I = 0; I < S->size(); ++I)
      if (S->stepId(I) == Id) return S->state(I).Status;
    ADD_FAILURE() << "no step " << Id;
    return StepStatus::Pending;
  }
  const StepState &state(const std::string &Id) const {
    for (uint32_t I = 0; I < S->size(); ++I)
      if (S->stepId(I) == Id) return S->state(I);
    static StepState None;
    return None;
  }
};

std::string fanOut(int N, int Ms) {
  std::string Y = "name: fan\nsteps:\n";
  for (int I = 0; I < N; ++I)
    Y += "  - id: s" + std::to_string(I) +
         "\n    action: work\n    parameters: {ms: " + std::to_string(Ms) + "}\n";
  return Y;
}

class AtJobs : public ::testing::TestWithParam<unsigned> {};

TEST_P(AtJobs, FanOutIsBoundedByJobsAndTakesCeilOfNOverJ) {
  unsigned J = GetParam();
  PlanRun R(fanOut(8, 100), J);
  ASSERT_FALSE(R.E.Stalled);
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  EXPECT_EQ(R.R.MaxRunning, static_cast<int>(std::min(J, 8u)));
  EXPECT_EQ(R.E.elapsed().count(), 100 * ((8 + J - 1) / J));
}

TEST_P(AtJobs, AStepStartsWhenItsOwnDependenciesFinishNotALevel) {
  // a(100) -> c ; b(300). c must start at 100, not when b ends at 300.
  PlanRun R(
      "name: p\nsteps:\n"
      "  - id: a\n    action: work\n    parameters: {ms: 100}\n"
      "  - id: b\n    action: work\n    parameters: {ms: 300}\n"
      "  - id: c\n    action: work\n    parameters: {ms: 10, message: \"{{ "
      "steps.a.output "
      "}}!\"}\n",
      GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  if (GetParam() >= 2) {
    EXPECT_EQ(R.R.StartTimes["c"][0], 100);
    EXPECT_EQ(R.E.elapsed().count(), 300);
  }
  EXPECT_EQ(R.state("c").Result["output"], "done!");
}

TEST_P(AtJobs, LongChainOfInstantStepsNeedsNoRecursion) {
  std::string Y = "name: chain\nsteps:\n";
  for (int I = 0; I < 20000; ++I) {
    Y += "  - id: s" + std::to_string(I) + "\n    action: instant\n    parameters:\n";
    Y += I ? "      message: \"{{ steps.s" + std::to_string(I - 1) + ".output }}\"\n"
           : "      message: x\n";
  }
  PlanRun R(Y, GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  EXPECT_EQ(R.state("s19999").Result["output"], "x");
}

TEST_P(AtJobs, FailStopsNewStepsSkipsDependentsAndLetsRunningFinish) {
  PlanRun R(
      "name: p\nsteps:\n"
      "  - id: long\n    action: work\n    parameters: {ms: 500}\n"
      "  - id: bad\n    action: work\n    parameters: {ms: 10, fail: 9}\n"
      "  - id: dep\n    action: work\n    parameters: {ms: 10}\n    dependencies: [bad]\n"
      "  - id: after_long\n    action: work\n    parameters: {ms: 10}\n"
      "    dependencies: [long]\n",
      GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Failed);
  EXPECT_EQ(R.status("bad"), StepStatus::Failed);
  EXPECT_EQ(R.status("dep"), StepStatus::Skipped);
  EXPECT_EQ(R.state("dep").Error, "dependency `bad` failed");
  if (GetParam() >= 2) {
    // `long` was running when `bad` failed: it finishes; nothing new starts.
    EXPECT_EQ(R.status("long"), StepStatus::Completed);
    EXPECT_EQ(R.status("after_long"), StepStatus::Skipped);
    EXPECT_EQ(R.state("after_long").Error.rfind("not started: step `bad` failed", 0), 0u);
  }
}

TEST_P(AtJobs, RetryBacksOffExponentiallyAndFreesTheSlot) {
  PlanRun R(
      "name: p\nsteps:\n"
      "  - id: flaky\n    action: work\n    parameters: {ms: 10, fail: 3}\n"
      "    on_failure: retry\n    max_retries: 3\n"
      "  - id: other\n    action: work\n    parameters: {ms: 50}\n",
      GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  EXPECT_EQ(R.state("flaky").Attempts, 4u);
  // Attempts at 0, 10+100, 120+200, 330+400 ms (backoff 100, 200, 400).
  std::vector<int64_t> Want = {0, 110, 320, 730};
  EXPECT_EQ(R.R.StartTimes["flaky"], Want);
  // At -j1 `other` ran in the slot `flaky` left during its first backoff.
  if (GetParam() == 1) {
    EXPECT_EQ(R.R.StartTimes["other"], std::vector<int64_t>{10});
  }
}

TEST_P(AtJobs, AFailureEndsTheRunWithoutWaitingForPendingRetries) {
  if (GetParam() < 2) return;  // needs both steps running at once
  PlanRun R(
      "name: p\nsteps:\n"
      "  - id: flaky\n    action: work\n    parameters: {ms: 10, fail: 9}\n"
      "    on_failure: retry\n    max_retries: 5\n"
      "  - id: bad\n    action: work\n    parameters: {ms: 50, fail: 9}\n",
      GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Failed);
  // `flaky` waited 100 ms to retry when `bad` failed at 50 ms: it fails too,
  // at once, instead of holding the run for its backoff.
  EXPECT_EQ(R.status("flaky"), StepStatus::Failed);
  EXPECT_EQ(R.state("flaky").Error, "flaky (not retried: step `bad` failed the run)");
  EXPECT_EQ(R.E.elapsed().count(), 50);
  EXPECT_EQ(R.state("flaky").Finished - R.state("flaky").Started,
            std::chrono::milliseconds(50));
}

TEST_P(AtJobs, RetriesExhaustedFailTheRunWithTheCount) {
  PlanRun R(
      "name: p\ncontext: {max_retries: 2}\nsteps:\n"
      "  - id: flaky\n    action: work\n    parameters: {ms: 10, fail: 9}\n"
      "    on_failure: retry\n",
      GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Failed);
  EXPECT_EQ(R.state("flaky").Attempts, 3u);
  EXPECT_EQ(R.state("flaky").Error, "flaky (after 3 attempts)");
}

TEST_P(AtJobs, RetryWithoutALimitAnywhereRetriesThreeTimes) {
  PlanRun R(
      "name: p\nsteps:\n"
      "  - id: flaky\n    action: work\n    parameters: {ms: 10, fail: 9}\n"
      "    on_failure: retry\n",
      GetParam());
  EXPECT_EQ(R.state("flaky").Attempts, 4u);
}

TEST_P(AtJobs, ContinueAndSkipPolicies) {
  PlanRun R(
      "name: p\nsteps:\n"
      "  - id: c\n    action: work\n    parameters: {fail: 1}\n    on_failure: continue\n"
      "  - id: c_dep\n    action: work\n"
      "    parameters: {message: \"{{ steps.c.error }}\"}\n"
      "  - id: s\n    action: work\n    parameters: {fail: 1}\n    on_failure: skip\n"
      "  - id: s_dep\n    action: work\n    parameters: {message: \"{{ s.output }}\"}\n"
      "  - id: s_dep2\n    action: work\n    parameters: {message: \"{{ s_dep.output "
      "}}\"}\n",
      GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  EXPECT_EQ(R.status("c"), StepStatus::Failed);
  EXPECT_EQ(R.state("c_dep").Result["output"], "flaky");
  EXPECT_EQ(R.status("s"), StepStatus::Skipped);
  EXPECT_EQ(R.status("s_dep2"), StepStatus::Skipped);
  EXPECT_EQ(R.state("s_dep2").Error, "dependency `s_dep` was skipped");
}

TEST_P(AtJobs, TimeoutCancelsTheAttemptAndRetriesIt) {
  PlanRun R(
      "name: p\nsteps:\n"
      "  - id: slow\n    action: work\n    parameters: {ms: 5000}\n    timeout: 1\n"
      "    on_failure: retry\n    max_retries: 1\n",
      GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Failed);
  EXPECT_EQ(R.state("slow").Attempts, 2u);
  EXPECT_EQ(R.R.Cancelled, 2);
  EXPECT_EQ(R.R.Running, 0);
  // The second attempt had twice the time (the seed's timeout strategy).
  EXPECT_EQ(R.state("slow").Error, "timed out after 2 s (after 2 attempts)");
  EXPECT_EQ(R.state("slow").AttemptTimeouts, (std::vector<int64_t>{1000, 2000}));
  EXPECT_EQ(R.E.elapsed().count(), 1000 + 100 + 2000);
}

TEST_P(AtJobs, ARetryAfterATimeoutGetsTwiceTheTimeAndSucceeds) {
  // 2.5 s of work: 1 s and 2 s are too short, 4 s is enough.
  PlanRun R(
      "name: p\nsteps:\n"
      "  - id: slow\n    action: work\n    parameters: {ms: 2500}\n    timeout: 1\n"
      "    on_failure: retry\n    max_retries: 3\n",
      GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  EXPECT_EQ(R.state("slow").AttemptTimeouts, (std::vector<int64_t>{1000, 2000, 4000}));
  EXPECT_EQ(R.E.elapsed().count(), 1000 + 100 + 2000 + 200 + 2500);
}

TEST_P(AtJobs, ADoubledTimeoutStopsAtThePipelinesTimeout) {
  // context.timeout 5 s: the third attempt starts at 3.3 s and gets the
  // 1.7 s that are left, not 4 s; then the pipeline's timeout ends the run.
  PlanRun R(
      "name: p\ncontext: {timeout: 5}\nsteps:\n"
      "  - id: slow\n    action: work\n    parameters: {ms: 9000}\n    timeout: 1\n"
      "    on_failure: retry\n    max_retries: 3\n",
      GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Failed);
  EXPECT_EQ(R.state("slow").AttemptTimeouts, (std::vector<int64_t>{1000, 2000, 1700}));
  EXPECT_EQ(R.S->runError(), "the pipeline's timeout of 5 s ran out");
  EXPECT_EQ(R.E.elapsed().count(), 5000);
}

TEST_P(AtJobs, AFailureThatIsNotATimeoutKeepsTheTimeout) {
  PlanRun R(
      "name: p\nsteps:\n"
      "  - id: flaky\n    action: work\n    parameters: {ms: 10, fail: 2}\n"
      "    timeout: 1\n    on_failure: retry\n",
      GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  EXPECT_EQ(R.state("flaky").AttemptTimeouts, (std::vector<int64_t>{1000, 1000, 1000}));
}

TEST_P(AtJobs, ATimedOutStepGivesBackItsGroupSlot) {
  // The reported hang: one slot in the group, the first step times out
  // under `continue`; the others must still get the slot.
  passes::RunConfig Config;
  Config.ModelRequests.MaxConcurrent = 1;
  PlanRun R(
      "name: p\nsteps:\n"
      "  - id: a\n    action: work\n    parameters: {ms: 3000}\n    timeout: 1\n"
      "    on_failure: continue\n"
      "  - id: b\n    action: work\n    parameters: {ms: 100, message: \"{{ a.status "
      "}}\"}\n"
      "  - id: c\n    action: work\n    parameters: {ms: 100}\n",
      GetParam(), json::object(), &Config);
  ASSERT_FALSE(R.E.Stalled);
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  EXPECT_EQ(R.status("a"), StepStatus::Failed);
  EXPECT_EQ(R.state("b").Result["output"], "failed");
  EXPECT_EQ(R.S->groups().held(), 0u);
  EXPECT_EQ(R.E.elapsed().count(), 1000 + 100 + 100);
}

TEST_P(AtJobs, FalseConditionSkipsAndPropagates) {
  PlanRun R(
      "name: p\ninputs: {go: boolean}\nsteps:\n"
      "  - id: a\n    action: work\n    condition: \"{{ go }}\"\n"
      "  - id: b\n    action: work\n    parameters: {message: \"{{ a.output }}\"}\n"
      "  - id: c\n    action: work\n    condition: \"{{ not go }}\"\n",
      GetParam(), json{{"go", false}});
  EXPECT_EQ(R.status("a"), StepStatus::Skipped);
  EXPECT_EQ(R.state("a").Error, "condition is false");
  EXPECT_EQ(R.status("b"), StepStatus::Skipped);
  EXPECT_EQ(R.status("c"), StepStatus::Completed);
  EXPECT_EQ(R.R.Starts, std::vector<std::string>{"c"});
}

TEST_P(AtJobs, PipelineTimeoutStopsEverything) {
  PlanRun R("name: p\ncontext: {timeout: 2}\n" + fanOut(4, 10000).substr(10), GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Failed);
  EXPECT_EQ(R.S->runError(), "the pipeline's timeout of 2 s ran out");
  EXPECT_EQ(R.E.elapsed().count(), 2000);
  EXPECT_EQ(R.R.Running, 0);
}

TEST_P(AtJobs, RenderErrorsFailTheStepWithTheParameter) {
  PlanRun R(
      "name: p\nsteps:\n"
      "  - id: a\n    action: work\n"
      "  - id: b\n    action: work\n    parameters: {message: \"{{ a.nothing }}\"}\n",
      GetParam());
  EXPECT_EQ(R.status("b"), StepStatus::Failed);
  EXPECT_NE(R.state("b").Error.find("parameter `message`"), std::string::npos)
      << R.state("b").Error;
}

TEST_P(AtJobs, TheLongestRemainingPathStartsFirst) {
  // `short` comes first in the file, but `head` leads a longer path.
  PlanRun R(
      "name: p\nsteps:\n"
      "  - id: short\n    action: work\n    parameters: {ms: 10}\n"
      "  - id: head\n    action: work\n    parameters: {ms: 10}\n"
      "  - id: tail\n    action: work\n    parameters: {message: \"{{ head.output "
      "}}\"}\n",
      GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  EXPECT_EQ(R.R.Starts.front(), "head");
  if (GetParam() == 1) {
    EXPECT_EQ(R.R.Starts,
              (std::vector<std::string>{"head", "short", "tail"}));  // ties: file order
  }
}

TEST(TemplatedModel, TakesTheGroupOfTheProviderItRenders) {
  // Four steps whose `model:` renders `claude-x`: with the run's provider
  // lookup they queue in `provider:anthropic` (one at a time); without it
  // they stay in `provider:default`, which has no limit.
  passes::RunConfig Config;
  Config.Providers["anthropic"].MaxConcurrent = 1;
  std::string Y = "name: fan\ninputs:\n  m: {type: string}\nsteps:\n";
  for (int I = 0; I < 4; ++I)
    Y += "  - id: s" + std::to_string(I) +
         "\n    action: work\n    model: \"{{ m }}\"\n    parameters: {ms: 100}\n";
  for (bool Routed : {false, true}) {
    SCOPED_TRACE(Routed ? "with ProviderOf" : "without");
    FakeExecutor E;
    FakeRunner R{E};
    Compiled C = compile(Y, &Config);
    ASSERT_TRUE(C.Plan);
    RunOptions O;
    O.Jobs = 4;
    if (Routed)
      O.ProviderOf = [](const std::string &M) {
        return llvm::StringRef(M).starts_with("claude") ? "anthropic" : "openai";
      };
    Scheduler S(*C.Plan, *C.Prog, json{{"m", "claude-x"}}, E, R, O);
    S.start();
    E.runUntil([&] { return S.finished(); });
    EXPECT_EQ(S.status(), RunStatus::Completed) << S.runError();
    EXPECT_EQ(R.MaxRunning, Routed ? 1 : 4);
    EXPECT_EQ(E.elapsed().count(), Routed ? 400 : 100);
    EXPECT_EQ(S.groups().unheldReleases(), 0u);
    EXPECT_EQ(S.groups().held(), 0u);
  }
}

TEST_P(AtJobs, AGroupNeverRunsMoreThanItsLimit) {
  passes::RunConfig Config;
  Config.ModelRequests.MaxConcurrent = 3;
  PlanRun R(fanOut(20, 100), GetParam(), json::object(), &Config);
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  unsigned Want = std::min(3u, GetParam());
  EXPECT_EQ(R.S->groupPeak(0), Want);
  EXPECT_EQ(R.R.MaxRunning, static_cast<int>(Want));
  // 20 steps of 100 ms, Want at a time.
  EXPECT_EQ(R.E.elapsed().count(), 100 * ((20 + Want - 1) / Want));
}

TEST_P(AtJobs, AGroupsRequestRateHolds) {
  passes::RunConfig Config;
  Config.ModelRequests.RequestsPerMinute = 600;  // one every 100 ms
  Config.ModelRequests.Burst = 2;
  PlanRun R(fanOut(6, 0), GetParam(), json::object(), &Config);
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  std::vector<int64_t> Starts;
  for (int I = 0; I < 6; ++I)
    Starts.push_back(R.R.StartTimes["s" + std::to_string(I)][0]);
  std::sort(Starts.begin(), Starts.end());
  // Two at once (the burst), then one every 100 ms.
  EXPECT_EQ(Starts, (std::vector<int64_t>{0, 0, 100, 200, 300, 400}));
}

INSTANTIATE_TEST_SUITE_P(Jobs, AtJobs, ::testing::Values(1u, 2u, 4u, 64u));

TEST(Scheduler, StopCancelsRunningAndSkipsTheRest) {
  FakeExecutor E;
  FakeRunner Runner(E);
  Compiled C = compile(fanOut(3, 1000) +
                       "  - id: last\n    action: work\n    dependencies: [s0]\n");
  RunOptions O;
  O.Jobs = 2;
  Scheduler S(*C.Plan, *C.Prog, json::object(), E, Runner, O);
  S.start();
  E.addTimer(E.now() + std::chrono::milliseconds(300),
             [&] { S.stop("interrupted (SIGINT)", true); });
  E.runUntil([&] { return S.finished(); });
  EXPECT_EQ(S.status(), RunStatus::Interrupted);
  EXPECT_EQ(Runner.Cancelled, 2);
  EXPECT_EQ(S.state(0).Error, "interrupted (SIGINT)");
  EXPECT_EQ(S.state(2).Status, StepStatus::Skipped);
  EXPECT_EQ(S.state(3).Error, "not started: the run was interrupted");
  EXPECT_EQ(E.elapsed().count(), 300);
}

}  // namespace

namespace {

TEST(Scheduler, StopGivesBackEverySlotAndTimer) {
  // One slot: `a` runs (with its timeout timer), `b` waits for the slot,
  // `flaky` waits for a retry; then stop(). Nothing may stay held.
  FakeExecutor E;
  FakeRunner Runner(E);
  passes::RunConfig Config;
  Config.ModelRequests.MaxConcurrent = 1;
  Compiled C = compile(
      "name: p\nsteps:\n"
      "  - id: a\n    action: work\n    parameters: {ms: 5000}\n    timeout: 9\n"
      "  - id: b\n    action: work\n    parameters: {ms: 5000}\n"
      "  - id: flaky\n    action: work\n    model: claude-x\n"
      "    parameters: {ms: 10, fail: 9}\n    on_failure: retry\n",
      &Config);
  RunOptions O;
  O.Jobs = 4;
  Scheduler S(*C.Plan, *C.Prog, json::object(), E, Runner, O);
  S.start();
  E.addTimer(E.now() + std::chrono::milliseconds(300), [&] { S.stop("stopped", false); });
  E.runUntil([&] { return S.finished(); });
  EXPECT_EQ(S.status(), RunStatus::Failed);
  EXPECT_EQ(S.state(0).Error, "stopped");
  EXPECT_EQ(S.state(1).Error, "not started: stopped");
  EXPECT_EQ(S.state(2).Attempts, 2u);
  EXPECT_EQ(S.state(2).Error, "stopped (while waiting to retry)");
  EXPECT_EQ(S.running(), 0u);
  EXPECT_EQ(S.groups().held(), 0u);
  EXPECT_EQ(S.groups().parked(0), 0u);
  EXPECT_EQ(E.pendingTimers(), 0u);
  EXPECT_EQ(Runner.Running, 0);
}

}  // namespace

namespace {

TEST(Scheduler, LargeResultsLiveInFilesAndTemplatesReadThemBack) {
  llvm::SmallString<128> Dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("orch-sched-spill", Dir));
  FakeExecutor E;
  FakeRunner Runner(E);
  Compiled C = compile(
      "name: p\nsteps:\n"
      "  - id: big\n    action: work\n    parameters: {message: twenty-two characters}\n"
      "  - id: small\n    action: work\n    parameters: {message: short}\n"
      "  - id: use\n    action: work\n"
      "    parameters: {message: \"{{ big.output | length }} {{ small.output }}\"}\n"
      "outputs:\n  whole: \"{{ big.output }}\"\n");
  RunOptions O;
  O.Spill.Dir = (Dir + "/spill").str();
  O.Spill.Threshold = 8;
  Scheduler S(*C.Plan, *C.Prog, json::object(), E, Runner, O);
  S.start();
  E.runUntil([&] { return S.finished(); });
  EXPECT_EQ(S.status(), RunStatus::Completed);
  ASSERT_EQ(S.state(0).Spilled.size(), 1u);
  EXPECT_FALSE(S.state(0).Result.contains("output"));  // not in memory
  EXPECT_TRUE(S.state(1).Spilled.empty());
  EXPECT_EQ(S.state(2).Result["output"], "21 short");
  json Errors = json::object();
  EXPECT_EQ(S.outputs(Errors)["whole"], "twenty-two characters");
  EXPECT_TRUE(Errors.empty());
  llvm::sys::fs::remove_directories(Dir);
}

/// A run whose fields over 8 bytes spill to a fresh directory.
struct SpillRun {
  llvm::SmallString<128> Dir;
  FakeExecutor E;
  FakeRunner R{E};
  Compiled C;
  std::unique_ptr<Scheduler> S;
  explicit SpillRun(const std::string &Yaml, std::string SpillDir = "") {
    EXPECT_FALSE(llvm::sys::fs::createUniqueDirectory("orch-sched-spill", Dir));
    C = compile(Yaml);
    RunOptions O;
    O.Spill.Dir = SpillDir.empty() ? (Dir + "/spill").str() : SpillDir;
    O.Spill.Threshold = 8;
    S = std::make_unique<Scheduler>(*C.Plan, *C.Prog, json::object(), E, R, O);
    S->start();
  }
  ~SpillRun() { llvm::sys::fs::remove_directories(Dir); }
};

TEST(Scheduler, AnActionsOwnStatusFieldNeverReplacesTheSchedulers) {
  SpillRun Run(
      "name: p\nsteps:\n"
      "  - id: a\n    action: fields\n"
      "    parameters: {fields: {status: an action status longer than 8, output: o}}\n"
      "  - id: use\n    action: work\n"
      "    parameters: {message: \"{{ steps.a.status }} {{ steps.a | length }}\"}\n");
  Run.E.runUntil([&] { return Run.S->finished(); });
  EXPECT_EQ(Run.S->status(), RunStatus::Completed);
  EXPECT_EQ(Run.S->state(0).Result["status"], "completed");
  const json *Use = Run.S->stepField("use", "output");  // itself spilled
  ASSERT_TRUE(Use);
  EXPECT_EQ(*Use, "completed 2");
}

TEST(Scheduler, ALargeListOrMapSpillsAsJsonAndReadsBackAsItWas) {
  // An HTTP step's parsed body, a transform's value: not strings.
  SpillRun Run(
      "name: p\nsteps:\n"
      "  - id: a\n    action: fields\n"
      "    parameters: {fields: {json: {rows: [one, two, three]}, code: 200}}\n"
      "  - id: use\n    action: work\n"
      "    parameters: {message: \"n={{ steps.a.json.rows | length }}\"}\n");
  Run.E.runUntil([&] { return Run.S->finished(); });
  EXPECT_EQ(Run.S->status(), RunStatus::Completed);
  ASSERT_EQ(Run.S->state(0).Spilled.size(), 1u);
  EXPECT_TRUE(Run.S->state(0).Spilled[0].Json);
  EXPECT_FALSE(Run.S->state(0).Result.contains("json"));  // not in memory
  EXPECT_EQ(Run.S->state(1).Result["output"], "n=3");
}

TEST(Scheduler, ASpillFileThatIsGoneSaysSoInTheRenderingError) {
  SpillRun Run(
      "name: p\nsteps:\n"
      "  - id: a\n    action: work\n    parameters: {message: more than eight bytes}\n"
      "  - id: b\n    action: work\n    parameters: {ms: 10}\n    depends_on: [a]\n"
      "  - id: use\n    action: work\n    depends_on: [b]\n"
      "    parameters: {message: \"{{ steps.a.output }}\"}\n");
  Run.E.runUntil([&] { return Run.S->state(0).Status == StepStatus::Completed; });
  ASSERT_EQ(Run.S->state(0).Spilled.size(), 1u);
  llvm::sys::fs::remove(Run.S->state(0).Spilled[0].Path);
  Run.E.runUntil([&] { return Run.S->finished(); });
  EXPECT_EQ(Run.S->state(2).Status, StepStatus::Failed);
  EXPECT_NE(Run.S->state(2).Error.find("cannot be read back"), std::string::npos)
      << Run.S->state(2).Error;
}

TEST(Scheduler, AFailedSpillWriteIsReportedOnceAndTheFieldsStay) {
  SpillRun Run(
      "name: p\nsteps:\n"
      "  - id: a\n    action: work\n    parameters: {message: more than eight bytes}\n"
      "  - id: b\n    action: work\n    parameters: {message: more than eight bytes}\n",
      "/proc/orch-cannot-create-this");
  Run.E.runUntil([&] { return Run.S->finished(); });
  EXPECT_EQ(Run.S->status(), RunStatus::Completed);
  EXPECT_NE(Run.S->spillWarning().find("large fields stay in memory"), std::string::npos);
  EXPECT_EQ(Run.S->state(1).Result["output"], "more than eight bytes");
}

TEST(Scheduler, ADoubledTimeoutNeverShrinks) {
  const int64_t Day = 24 * 3600 * 1000LL;
  EXPECT_EQ(doubledTimeout(1000), 2000);
  EXPECT_EQ(doubledTimeout(5 * Day), 7 * Day);                      // capped at a week
  EXPECT_EQ(doubledTimeout(8 * Day), 8 * Day);                      // over the cap: kept
  EXPECT_EQ(doubledTimeout(INT64_MAX / 2 + 1), INT64_MAX / 2 + 1);  // no overflow
}

TEST(Scheduler, ResumingKeepsEachAttemptsTimeout) {
  PlanRun First(
      "name: p\nsteps:\n  - id: a\n    action: work\n    timeout: 1\n"
      "    on_failure: retry\n    parameters: {ms: 1500}\n",
      1);
  ASSERT_EQ(First.S->status(), RunStatus::Completed);
  std::vector<int64_t> Want{1000, 2000};
  ASSERT_EQ(First.S->state(0).AttemptTimeouts, Want);
  json Report = buildReport(*First.S, *First.C.Plan, std::chrono::system_clock::now());
  FakeExecutor E;
  FakeRunner R(E);
  Scheduler Again(*First.C.Plan, *First.C.Prog, json::object(), E, R, RunOptions{});
  llvm::Expected<size_t> N = resumeFrom(Again, *First.C.Plan, Report, "/nonexistent");
  ASSERT_TRUE(bool(N));
  EXPECT_EQ(*N, 1u);
  EXPECT_EQ(Again.state(0).AttemptTimeouts, Want);
  EXPECT_EQ(
      buildReport(Again, *First.C.Plan,
                  std::chrono::system_clock::now())["steps"]["a"]["attempt_timeouts_ms"],
      json(Want));
}

TEST(Scheduler, AFreedGroupSlotWakesOneParkedStepNotAll) {
  passes::RunConfig Config;
  Config.ModelRequests.MaxConcurrent = 1;
  PlanRun R(fanOut(40, 10), 64, json::object(), &Config);
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  // Each step waits once; waking every parked step at each release parked
  // them again and again (40 * 39 / 2 times).
  EXPECT_LE(R.S->groups().parks(0), 39u);
  EXPECT_EQ(R.S->groups().unheldReleases(), 0u);
}

/// Records what attemptWaited() reports, by step id.
struct WaitLog : RunObserver {
  const Scheduler *S = nullptr;
  std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> Waits;  // ms
  void attemptWaited(uint32_t I, std::chrono::microseconds Q,
                     std::chrono::microseconds G) override {
    Waits[S->stepId(I).str()].push_back({Q.count() / 1000, G.count() / 1000});
  }
};

std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> waitsOf(
    const std::string &Yaml, unsigned Jobs, const passes::RunConfig *Config) {
  FakeExecutor E;
  FakeRunner Runner(E);
  Compiled C = compile(Yaml, Config);
  RunOptions O;
  O.Jobs = Jobs;
  O.RetryBase = std::chrono::milliseconds(100);
  WaitLog W;
  Scheduler S(*C.Plan, *C.Prog, json::object(), E, Runner, O, &W);
  W.S = &S;
  S.start();
  E.runUntil([&] { return S.finished(); });
  EXPECT_EQ(S.status(), RunStatus::Completed);
  return W.Waits;
}

TEST(Scheduler, AttemptWaitedReportsQueueAndGroupWaitsInVirtualTime) {
  using Waits = std::vector<std::pair<int64_t, int64_t>>;
  // A one-slot group and two 10 ms steps, both ready at 0: the second
  // waits 10 ms, all of it for the group.
  passes::RunConfig Config;
  Config.ModelRequests.MaxConcurrent = 1;
  auto G = waitsOf(fanOut(2, 10), 4, &Config);
  EXPECT_EQ(G["s0"], (Waits{{0, 0}}));
  EXPECT_EQ(G["s1"], (Waits{{10, 10}}));
  // One job, no group: the wait is for the job, none for a group.
  auto J = waitsOf(fanOut(2, 10), 1, nullptr);
  EXPECT_EQ(J["s0"], (Waits{{0, 0}}));
  EXPECT_EQ(J["s1"], (Waits{{10, 0}}));
  // A retry waits from the end of its backoff, not from when the step
  // first became ready. One job: `a` (first: the longest path) fails at
  // 10, `t` takes the job from 10 to 115, the retry is ready at 110 (a
  // 100 ms backoff) and waits 5 ms.
  auto R = waitsOf(
      "name: p\nsteps:\n"
      "  - id: a\n    action: work\n    parameters: {ms: 10, fail: 1}\n"
      "    on_failure: retry\n"
      "  - id: d\n    action: work\n    parameters: {ms: 200}\n"
      "    dependencies: [a]\n"
      "  - id: t\n    action: work\n    parameters: {ms: 105}\n",
      1, nullptr);
  EXPECT_EQ(R["t"], (Waits{{10, 0}}));
  EXPECT_EQ(R["a"], (Waits{{0, 0}, {5, 0}}));
}

TEST(Scheduler, AReAskWaitsForItsGroupsRateTokenInVirtualTime) {
  // fuse-models (docs/fusion.md §3): a member whose part was missing asks
  // again alone, admitted like any step: at 60 requests a minute, burst
  // 1, its second request waits for the next token (1 s), in the same
  // attempt. (Was an elapsed-time bound in fuse_models_review.test.)
  passes::RunConfig Config;
  Config.ModelRequests.RequestsPerMinute = 60;
  Config.ModelRequests.Burst = 1;
  PlanRun R(
      "name: p\nsteps:\n"
      "  - id: a\n    action: work\n    parameters: {ms: 10, ask_again: true}\n",
      4, json::object(), &Config);
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  EXPECT_EQ(R.R.StartTimes["a"], (std::vector<int64_t>{0, 1000}));
  EXPECT_EQ(R.state("a").Attempts, 1u);
  EXPECT_EQ(R.state("a").SharedRequest, "a,b (asked again alone: missing)");
}

/// Records what the scheduler tells an observer, one line an event.
class Journal : public RunObserver {
 public:
  void stepStarted(uint32_t, unsigned A) override {
    Lines.push_back("step_started " + std::to_string(A));
  }
  void attemptStarted(uint32_t, const ActionRequest &R, const std::string &) override {
    Lines.push_back("attempt_start " + std::to_string(R.Attempt));
  }
  void attemptAskingAgain(uint32_t, const ActionRequest &R,
                          const std::string &Why) override {
    Lines.push_back("attempt_ask_again " + std::to_string(R.Attempt) + " " + Why);
  }
  void attemptEnded(uint32_t, unsigned A, const ActionResult &R) override {
    Lines.push_back("attempt_end " + std::to_string(A) + (R.Ok ? " ok" : " failed"));
  }
  std::vector<std::string> Lines;
};

TEST(Scheduler, AReAskIsReportedAsItsOwnEventNotASecondStart) {
  // A fused member asked again alone goes on in the same attempt: the
  // observer hears one start, the re-ask, and one end.
  Compiled C = compile(
      "name: p\nsteps:\n"
      "  - id: a\n    action: work\n    parameters: {ms: 10, ask_again: true}\n");
  FakeExecutor E;
  FakeRunner R{E};
  Journal J;
  RunOptions O;
  Scheduler S(*C.Plan, *C.Prog, json::object(), E, R, O, &J);
  S.start();
  E.runUntil([&] { return S.finished(); });
  EXPECT_EQ(S.status(), RunStatus::Completed);
  EXPECT_EQ(R.StartTimes["a"].size(), 2u);  // two requests
  EXPECT_EQ(J.Lines, (std::vector<std::string>{
                         "step_started 1", "attempt_start 1",
                         "attempt_ask_again 1 a,b (asked again alone: missing)",
                         "attempt_end 1 ok"}));
}

TEST(Scheduler, AStopWhileAReAskWaitsForItsGroupEndsTheAttemptItStarted) {
  // The re-ask waits for its group's next token (1 s) when the run is
  // interrupted at 500 ms: the attempt the observer saw start (with the
  // fused request, which ran and was billed) is told it ended, and the
  // step fails as cut off, not "not started".
  passes::RunConfig Config;
  Config.ModelRequests.RequestsPerMinute = 60;
  Config.ModelRequests.Burst = 1;
  Compiled C = compile(
      "name: p\nsteps:\n"
      "  - id: a\n    action: work\n    parameters: {ms: 10, ask_again: true}\n",
      &Config);
  FakeExecutor E;
  FakeRunner R{E};
  Journal J;
  RunOptions O;
  Scheduler S(*C.Plan, *C.Prog, json::object(), E, R, O, &J);
  S.start();
  E.addTimer(E.now() + std::chrono::milliseconds(500),
             [&] { S.stop("interrupted (SIGINT)", true); });
  E.runUntil([&] { return S.finished(); });
  EXPECT_EQ(S.status(), RunStatus::Interrupted);
  EXPECT_EQ(R.StartTimes["a"].size(), 1u);  // the re-ask never went out
  EXPECT_EQ(J.Lines, (std::vector<std::string>{"step_started 1", "attempt_start 1",
                                               "attempt_end 1 failed"}));
  EXPECT_EQ(S.state(0).Status, StepStatus::Failed);
  EXPECT_EQ(S.state(0).Error, "interrupted (SIGINT)");
  EXPECT_TRUE(S.state(0).CutOff);
  EXPECT_EQ(S.state(0).Attempts, 1u);
}

}  // namespace
