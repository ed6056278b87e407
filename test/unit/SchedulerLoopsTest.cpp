//===- SchedulerLoopsTest.cpp - for_each run by the scheduler -------------===//
//
// Loops compiled from YAML by the real compiler, run by the real scheduler
// on a FakeExecutor (virtual time). The fake's `work` action takes `ms` of
// virtual time and fails while its attempt is at most `fail`; it counts how
// many run at once (FakeRunner.h).
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "CompilePlan.h"
#include "FakeExecutor.h"
#include "FakeRunner.h"
#include "LoopRun.h"
#include "runtime/exec/Scheduler.h"

using json = orch::ir::Json;
using namespace orch;
using namespace orch::runtime;
using orch::testing::compile;
using orch::testing::Compiled;
using orch::testing::FakeExecutor;
using orch::testing::FakeRunner;
using orch::testing::LoopRun;

namespace {

/// A loop over input `items` whose body is one `work` step taking `item`
/// ms, then a step reading the loop.
std::string oneStepLoop(unsigned MaxParallel, const std::string &Extra = "") {
  std::string Y =
      "name: l\ninputs:\n  items: {type: list}\nsteps:\n"
      "  - id: each\n    for_each: \"{{ items }}\"\n";
  if (MaxParallel) Y += "    max_parallel: " + std::to_string(MaxParallel) + "\n";
  Y += Extra +
       "    steps:\n"
       "      - id: say\n        action: work\n"
       "        parameters: {ms: \"{{ item }}\", message: \"{{ index }}\"}\n"
       "  - id: after\n    action: work\n"
       "    parameters: {message: \"{{ each.count }}\"}\n";
  return Y;
}

json range(int N, int Ms) {
  json L = json::array();
  for (int I = 0; I < N; ++I) L.push_back(Ms);
  return L;
}

class LoopsAtJobs : public ::testing::TestWithParam<unsigned> {};

TEST_P(LoopsAtJobs, ZeroItemsSucceedWithEmptyResults) {
  LoopRun R(oneStepLoop(0), GetParam(), json{{"items", json::array()}});
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  EXPECT_EQ(R.state("each").Status, StepStatus::Completed);
  EXPECT_EQ(R.state("each").Result["results"], json::array());
  EXPECT_EQ(R.state("each").Result["count"], 0);
  EXPECT_EQ(R.state("after").Result["output"], 0);
  EXPECT_EQ(R.R.Starts.size(), 1u);  // `after` only
}

TEST_P(LoopsAtJobs, OneItem) {
  LoopRun R(oneStepLoop(0), GetParam(), json{{"items", json::array({5})}});
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  const json &Res = R.state("each").Result["results"];
  ASSERT_EQ(Res.size(), 1u);
  EXPECT_EQ(Res[0]["say"]["output"], 0);
  EXPECT_EQ(Res[0]["say"]["status"], "completed");
  EXPECT_EQ(R.state("say").Status, StepStatus::Skipped);  // the template
  EXPECT_EQ(R.S->liveInstanceSteps(), 0u);
}

TEST_P(LoopsAtJobs, TenThousandItemsInOrderBoundedByMaxParallelAndJobs) {
  unsigned J = GetParam();
  LoopRun R(oneStepLoop(1000), J, json{{"items", range(10000, 3)}});
  ASSERT_FALSE(R.E.Stalled);
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  const json &Res = R.state("each").Result["results"];
  ASSERT_EQ(Res.size(), 10000u);
  for (int I = 0; I < 10000; I += 997) EXPECT_EQ(Res[I]["say"]["output"], I);
  EXPECT_EQ(R.state("after").Result["output"], 10000);
  EXPECT_LE(R.S->loopPeak(R.index("each")), 1000u);
  EXPECT_EQ(R.R.MaxRunning, static_cast<int>(std::min(J, 1000u)));
  // Items run in waves of min(-j, max_parallel) 3 ms steps.
  unsigned Wave = std::min(J, 1000u);
  EXPECT_EQ(R.E.elapsed().count(), 3 * static_cast<int64_t>((10000 + Wave - 1) / Wave));
  EXPECT_EQ(R.S->liveInstanceSteps(), 0u);
}

TEST_P(LoopsAtJobs, NestedLoopsSeeOuterVariablesAndSiblings) {
  LoopRun R(
      "name: n\nsteps:\n"
      "  - id: outer\n    for_each: [a, b, c]\n    steps:\n"
      "      - id: head\n        action: work\n        parameters: {ms: 1, message: "
      "\"{{ item }}\"}\n"
      "      - id: inner\n        for_each: \"{{ [1, 2] }}\"\n        steps:\n"
      "          - id: leaf\n            action: work\n"
      "            parameters: {ms: 2, message: \"{{ head.output }}{{ item }}"
      "{{ is_first }}{{ is_last }}\"}\n"
      "  - id: after\n    action: work\n"
      "    parameters: {message: \"{{ outer.results[2].inner.results[1].leaf.output "
      "}}\"}\n",
      GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  const json &Res = R.state("outer").Result["results"];
  ASSERT_EQ(Res.size(), 3u);
  EXPECT_EQ(Res[1]["inner"]["results"][0]["leaf"]["output"], "b1TrueFalse");
  EXPECT_EQ(Res[1]["inner"]["count"], 2);
  // An inner loop's `output` (its results as text) is not kept in the
  // outer item's result: each level would escape it again (exponential).
  EXPECT_FALSE(Res[1]["inner"].contains("output"));
  EXPECT_TRUE(R.state("outer").Result.contains("output"));
  EXPECT_EQ(R.state("after").Result["output"], "c2FalseTrue");
  EXPECT_LE(R.R.MaxRunning, static_cast<int>(GetParam()));
  EXPECT_EQ(R.S->liveInstanceSteps(), 0u);
}

TEST_P(LoopsAtJobs, GroupLimitsHoldForItems) {
  // `work` is a model task: its provider's group allows 3 at once.
  passes::RunConfig Config;
  Config.ModelRequests.MaxConcurrent = 3;
  LoopRun R(oneStepLoop(10), GetParam(), json{{"items", range(40, 100)}}, &Config);
  ASSERT_FALSE(R.E.Stalled);
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  unsigned Want = std::min(3u, GetParam());
  EXPECT_EQ(R.S->groupPeak(0), Want);
  EXPECT_EQ(R.R.MaxRunning, static_cast<int>(Want));
  EXPECT_EQ(R.E.elapsed().count(), 100 * ((40 + Want - 1) / Want));
  EXPECT_EQ(R.S->groups().held(), 0u);
}

TEST_P(LoopsAtJobs, ContinueKeepsTheOtherItems) {
  LoopRun R(
      "name: c\nsteps:\n"
      "  - id: each\n    for_each: \"{{ [0, 3, 0] }}\"\n    steps:\n"
      "      - id: bad\n        action: work\n        parameters: {ms: 1, fail: \"{{ "
      "item "
      "}}\"}\n        on_failure: continue\n"
      "      - id: next\n        action: work\n        parameters: {message: \"{{ "
      "bad.status }}\"}\n",
      GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  const json &Res = R.state("each").Result["results"];
  EXPECT_EQ(Res[0]["bad"]["status"], "completed");
  EXPECT_EQ(Res[1]["bad"]["status"], "failed");
  EXPECT_EQ(Res[1]["next"]["output"], "failed");
  EXPECT_EQ(Res[2]["next"]["output"], "completed");
}

TEST_P(LoopsAtJobs, SkipSkipsTheItemsDependents) {
  LoopRun R(
      "name: s\nsteps:\n"
      "  - id: each\n    for_each: \"{{ [0, 3] }}\"\n    steps:\n"
      "      - id: bad\n        action: work\n        parameters: {ms: 1, fail: \"{{ "
      "item "
      "}}\"}\n        on_failure: skip\n"
      "      - id: next\n        action: work\n        parameters: {message: \"{{ "
      "bad.output }}\"}\n",
      GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  const json &Res = R.state("each").Result["results"];
  EXPECT_EQ(Res[0]["next"]["status"], "completed");
  EXPECT_EQ(Res[1]["bad"]["status"], "skipped");
  EXPECT_EQ(Res[1]["next"]["status"], "skipped");
}

TEST_P(LoopsAtJobs, RetryIsPerItem) {
  LoopRun R(
      "name: r\nsteps:\n"
      "  - id: each\n    for_each: \"{{ [0, 2, 1] }}\"\n    steps:\n"
      "      - id: flaky\n        action: work\n        parameters: {ms: 1, fail: \"{{ "
      "item "
      "}}\"}\n        on_failure: retry\n        max_retries: 2\n",
      GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  EXPECT_EQ(R.R.Starts.size(), 1u + 3 + 2);
  // Each item's attempts carry their own key path.
  EXPECT_EQ(std::count(R.R.Starts.begin(), R.R.Starts.end(), "each[1].flaky"), 3);
}

TEST_P(LoopsAtJobs, FailFailsTheLoopAndTheRun) {
  LoopRun R(
      "name: f\nsteps:\n"
      "  - id: each\n    for_each: \"{{ [0, 9, 0, 0, 0, 0] }}\"\n    max_parallel: 1\n"
      "    steps:\n"
      "      - id: bad\n        action: work\n        parameters: {ms: 1, fail: \"{{ "
      "item "
      "}}\"}\n"
      "  - id: after\n    action: work\n    parameters: {message: \"{{ each.count "
      "}}\"}\n",
      GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Failed);
  EXPECT_EQ(R.state("each").Status, StepStatus::Failed);
  EXPECT_EQ(R.state("each").Error, "item 1: step `bad` failed: flaky");
  EXPECT_EQ(R.S->runError(), "step `each` failed: item 1: step `bad` failed: flaky");
  EXPECT_EQ(R.R.Starts.size(), 2u);  // no item starts after the failure
  EXPECT_EQ(R.state("after").Status, StepStatus::Skipped);
  // The report keeps the items that ran (FailedFields).
  const json &Kept = R.state("each").FailedFields;
  ASSERT_TRUE(Kept.is_object());
  EXPECT_EQ(Kept["count"], 6);
  EXPECT_EQ(Kept["results"][0]["bad"]["status"], "completed");
  EXPECT_TRUE(Kept["results"][2].is_null());
}

TEST_P(LoopsAtJobs, TheLoopsOwnContinueKeepsTheRunAndThePartialResults) {
  LoopRun R(
      "name: f\nsteps:\n"
      "  - id: each\n    for_each: \"{{ [0, 9, 0] }}\"\n    max_parallel: 1\n"
      "    on_failure: continue\n    steps:\n"
      "      - id: bad\n        action: work\n        parameters: {ms: 1, fail: \"{{ "
      "item "
      "}}\"}\n"
      "  - id: after\n    action: work\n    parameters: {message: \"{{ each.status "
      "}}\"}\n",
      GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  EXPECT_EQ(R.state("each").Status, StepStatus::Failed);
  const json &Res = R.state("each").Result["results"];
  EXPECT_EQ(Res[0]["bad"]["status"], "completed");
  EXPECT_EQ(Res[1]["bad"]["status"], "failed");
  EXPECT_TRUE(Res[2].is_null());
  EXPECT_EQ(R.state("after").Result["output"], "failed");
}

TEST_P(LoopsAtJobs, ItemsThatAreNotAListFailTheLoop) {
  LoopRun R(oneStepLoop(0), GetParam(), json{{"items", "abc"}});
  EXPECT_EQ(R.S->status(), RunStatus::Failed);
  EXPECT_EQ(R.state("each").Error,
            "for_each: the items are not a list but a string (\"abc\")");
}

TEST_P(LoopsAtJobs, StopCancelsEveryInstance) {
  LoopRun R(oneStepLoop(4), GetParam(), json{{"items", range(20, 100)}}, nullptr, false);
  R.S->start();
  R.E.runUntil([&] { return R.E.elapsed().count() >= 150 || R.S->finished(); });
  R.S->stop("interrupted", true);
  R.E.runUntil([&] { return R.S->finished(); });
  EXPECT_EQ(R.S->status(), RunStatus::Interrupted);
  EXPECT_EQ(R.state("each").Status, StepStatus::Failed);
  EXPECT_EQ(R.R.Running, 0);
  EXPECT_EQ(R.R.Cancelled, static_cast<int>(std::min(GetParam(), 4u)));
  EXPECT_EQ(R.S->liveInstanceSteps(), 0u);
  // The first wave finished before the stop: its items stay in the report.
  const json &Kept = R.state("each").FailedFields;
  ASSERT_TRUE(Kept.is_object());
  EXPECT_EQ(Kept["count"], 20);
  EXPECT_EQ(Kept["results"][0]["say"]["status"], "completed");
  EXPECT_TRUE(Kept["results"][19].is_null());
}

/// Records the attempts observers see, by the names they are given.
struct AttemptLog : RunObserver {
  std::vector<std::string> Started;
  std::map<uint32_t, std::string> Open;
  int Ended = 0, Settled = 0;
  void attemptStarted(uint32_t Step, const ActionRequest &R,
                      const std::string &) override {
    Started.push_back(R.StepId);
    Open[Step] = R.StepId;
  }
  void attemptEnded(uint32_t Step, unsigned, const ActionResult &) override {
    ++Ended;
    Open.erase(Step);
  }
  void stepSettled(uint32_t) override { ++Settled; }
};

TEST_P(LoopsAtJobs, ObserversSeeEveryItemsAttempts) {
  AttemptLog Log;
  LoopRun R(oneStepLoop(0), GetParam(), json{{"items", range(3, 1)}}, nullptr, true,
            &Log);
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  // Budgets, the event log, redaction and metrics all see item attempts.
  std::vector<std::string> Want{"each[0].say", "each[1].say", "each[2].say", "after"};
  std::vector<std::string> Got = Log.Started;
  std::sort(Got.begin(), Got.end());
  std::sort(Want.begin(), Want.end());
  EXPECT_EQ(Got, Want);
  EXPECT_EQ(Log.Ended, 4);
  EXPECT_TRUE(Log.Open.empty());
  // Progress counts the steps that settle once: `each` and `after`.
  EXPECT_EQ(Log.Settled, 2);
  EXPECT_EQ(R.S->topLevelSteps(), 2u);
  EXPECT_EQ(R.S->size(), 3u);
}

TEST_P(LoopsAtJobs, StopTellsObserversItemAttemptsEnded) {
  AttemptLog Log;
  LoopRun R(oneStepLoop(4), GetParam(), json{{"items", range(20, 100)}}, nullptr, false,
            &Log);
  R.S->start();
  R.E.runUntil([&] { return R.E.elapsed().count() >= 150 || R.S->finished(); });
  R.S->stop("interrupted", true);
  R.E.runUntil([&] { return R.S->finished(); });
  EXPECT_FALSE(Log.Started.empty());
  EXPECT_EQ(Log.Ended, static_cast<int>(Log.Started.size()));
  EXPECT_TRUE(Log.Open.empty());
}

INSTANTIATE_TEST_SUITE_P(Jobs, LoopsAtJobs, ::testing::Values(1u, 2u, 4u, 2000u));

TEST(SchedulerLoops, MaxParallelAndJobsNeverExceededRandomized) {
  std::mt19937 Rng(17);
  for (int Round = 0; Round < 30; ++Round) {
    unsigned MaxP = 1 + Rng() % 8, J = 1 + Rng() % 10;
    int N = static_cast<int>(Rng() % 60);
    json Items = json::array();
    for (int I = 0; I < N; ++I) Items.push_back(1 + static_cast<int>(Rng() % 20));
    LoopRun R(oneStepLoop(MaxP), J, json{{"items", Items}});
    ASSERT_FALSE(R.E.Stalled);
    EXPECT_EQ(R.S->status(), RunStatus::Completed);
    EXPECT_LE(R.S->loopPeak(R.index("each")), MaxP);
    EXPECT_LE(R.R.MaxRunning, static_cast<int>(std::min(MaxP, J)));
    ASSERT_EQ(R.state("each").Result["results"].size(), static_cast<size_t>(N));
    for (int I = 0; I < N; ++I)
      EXPECT_EQ(R.state("each").Result["results"][I]["say"]["output"], I);
  }
}

}  // namespace
