//===- SchedulerWhileTest.cpp - while/until run by the scheduler ----------===//
//
// `while`/`until` loops compiled from YAML by the real compiler, run by the
// real scheduler on a FakeExecutor (virtual time). The fake's `work`
// action takes `ms` of virtual time, fails while its attempt is at most
// `fail` (error "flaky") and answers its `message` (FakeRunner.h).
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <algorithm>

#include "LoopRun.h"

using json = orch::ir::Json;
using namespace orch;
using namespace orch::runtime;

namespace {

/// A LoopRun (the loop tests' fixture) that also counts a step's starts.
struct WhileRun : orch::testing::LoopRun {
  WhileRun(const std::string &Yaml, unsigned Jobs, bool Run = true)
      : LoopRun(Yaml, Jobs, json::object(), nullptr, Run) {}
  long starts(const std::string &Name) const {
    return std::count(R.Starts.begin(), R.Starts.end(), Name);
  }
};

/// A loop `lp` with condition key \p Key: \p Cond, `max_iterations` \p Max
/// and body \p Body (indented for a body), then `after` reading it.
std::string loop(const std::string &Key, const std::string &Cond, int Max,
                 const std::string &Body, const std::string &Extra = "") {
  return "name: w\nsteps:\n  - id: lp\n    " + Key + ": \"" + Cond +
         "\"\n    max_iterations: " + std::to_string(Max) + "\n" + Extra +
         "    steps:\n" + Body +
         "  - id: after\n    action: work\n    parameters: {message: \"{{ lp.count "
         "}}\"}\n";
}

const std::string CountBody =
    "      - id: s\n        action: work\n"
    "        parameters: {ms: 5, message: \"{{ iteration + 1 }}\"}\n";

class WhileAtJobs : public ::testing::TestWithParam<unsigned> {};

TEST_P(WhileAtJobs, WhileFalseRunsNoIteration) {
  WhileRun R(loop("while", "{{ iteration < 0 }}", 5, CountBody), GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  EXPECT_EQ(R.state("lp").Result["count"], 0);
  EXPECT_EQ(R.state("lp").Result["results"], json::array());
  EXPECT_EQ(R.state("lp").Result["max_reached"], false);
  EXPECT_EQ(R.R.Starts, std::vector<std::string>{"after"});
  EXPECT_EQ(R.state("after").Result["output"], 0);
}

TEST_P(WhileAtJobs, UntilRunsIterationsOneAfterAnotherUntilItHolds) {
  WhileRun R(loop("until", "{{ s.output >= 3 }}", 10, CountBody), GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  const json &Res = R.state("lp").Result["results"];
  ASSERT_EQ(Res.size(), 3u);
  for (int I = 0; I < 3; ++I) EXPECT_EQ(Res[I]["s"]["output"], I + 1);
  EXPECT_EQ(R.state("lp").Result["iteration"], 3);
  EXPECT_EQ(R.state("lp").Result["max_reached"], false);
  EXPECT_EQ(R.starts("lp[2].s"), 1);
  EXPECT_EQ(R.R.MaxRunning, 1);
  EXPECT_EQ(R.E.elapsed().count(), 3 * 5);  // in order, never at once
  EXPECT_EQ(R.S->liveInstanceSteps(), 0u);
}

TEST_P(WhileAtJobs, MaxIterationsReachedCompletesSayingSo) {
  WhileRun R(loop("while", "{{ lp.iteration >= 0 }}", 4, CountBody), GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  EXPECT_EQ(R.state("lp").Result["count"], 4);
  EXPECT_EQ(R.state("lp").Result["max_reached"], true);
  EXPECT_EQ(R.starts("lp[4].s"), 0);
}

TEST_P(WhileAtJobs, TheBodyReadsThePreviousIterationsResults) {
  WhileRun R(loop("until", "{{ lp.results | length == 4 }}", 9,
                  "      - id: s\n        action: work\n        parameters: {message: "
                  "\"{{ lp.results[-1].s.output * 2 if lp.results else 1 }}\"}\n"),
             GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  const json &Res = R.state("lp").Result["results"];
  ASSERT_EQ(Res.size(), 4u);
  EXPECT_EQ(Res[3]["s"]["output"], 8);
}

TEST_P(WhileAtJobs, ContinueKeepsIterating) {
  WhileRun R(loop("until", "{{ iteration == 3 }}", 9,
                  "      - id: s\n        action: work\n"
                  "        parameters: {fail: \"{{ 1 if iteration == 1 else 0 }}\"}\n"
                  "        on_failure: continue\n"),
             GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  const json &Res = R.state("lp").Result["results"];
  ASSERT_EQ(Res.size(), 3u);
  EXPECT_EQ(Res[1]["s"]["status"], "failed");
  EXPECT_EQ(Res[2]["s"]["status"], "completed");
}

TEST_P(WhileAtJobs, SkipSkipsThatIterationsDependents) {
  WhileRun R(loop("until", "{{ iteration == 2 }}", 9,
                  "      - id: s\n        action: work\n"
                  "        parameters: {fail: \"{{ 1 if iteration == 0 else 0 }}\"}\n"
                  "        on_failure: skip\n"
                  "      - id: t\n        action: work\n"
                  "        parameters: {message: \"{{ s.status }}\"}\n"),
             GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  const json &Res = R.state("lp").Result["results"];
  ASSERT_EQ(Res.size(), 2u);
  EXPECT_EQ(Res[0]["t"]["status"], "skipped");
  EXPECT_EQ(Res[1]["t"]["output"], "completed");
}

TEST_P(WhileAtJobs, RetryIsPerIteration) {
  WhileRun R(loop("until", "{{ iteration == 3 }}", 9,
                  "      - id: s\n        action: work\n"
                  "        parameters: {fail: \"{{ 2 if iteration == 1 else 0 }}\"}\n"
                  "        on_failure: retry\n        max_retries: 2\n"),
             GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  EXPECT_EQ(R.starts("lp[0].s"), 1);
  EXPECT_EQ(R.starts("lp[1].s"), 3);
  EXPECT_EQ(R.starts("lp[2].s"), 1);
}

TEST_P(WhileAtJobs, FailStopsTheLoopKeepingTheIterationsThatRan) {
  WhileRun R(loop("until", "{{ iteration == 5 }}", 9,
                  "      - id: s\n        action: work\n"
                  "        parameters: {fail: \"{{ 1 if iteration == 1 else 0 }}\"}\n"),
             GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Failed);
  EXPECT_EQ(R.state("lp").Error, "item 1: step `s` failed: flaky");
  EXPECT_EQ(R.starts("lp[2].s"), 0);
  EXPECT_EQ(R.state("after").Status, StepStatus::Skipped);
  const json &Kept = R.state("lp").FailedFields;
  ASSERT_TRUE(Kept.is_object());
  EXPECT_EQ(Kept["count"], 2);
  EXPECT_EQ(Kept["results"][0]["s"]["status"], "completed");
  EXPECT_EQ(Kept["results"][1]["s"]["status"], "failed");
}

TEST_P(WhileAtJobs, TheLoopsOwnContinueKeepsTheRun) {
  WhileRun R(loop("until", "{{ iteration == 5 }}", 9,
                  "      - id: s\n        action: work\n"
                  "        parameters: {fail: \"{{ 1 if iteration == 1 else 0 }}\"}\n",
                  "    on_failure: continue\n"),
             GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  EXPECT_EQ(R.state("lp").Status, StepStatus::Failed);
  EXPECT_EQ(R.state("after").Result["output"], 2);
}

TEST_P(WhileAtJobs, AConditionThatDoesNotRenderFailsTheLoop) {
  WhileRun R(loop("until", "{{ s.output.nope.deeper }}", 9, CountBody), GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Failed);
  EXPECT_EQ(R.state("lp").Error.rfind("iteration 0: until: ", 0), 0u)
      << R.state("lp").Error;
  EXPECT_EQ(R.starts("lp[1].s"), 0);
}

TEST_P(WhileAtJobs, NestedForEachInWhile) {
  WhileRun R(loop("while", "{{ iteration < 2 }}", 5,
                  "      - id: each\n        for_each: [10, 20, 30]\n"
                  "        max_parallel: 2\n        steps:\n"
                  "          - id: s\n            action: work\n"
                  "            parameters: {ms: 3, message: \"{{ iteration }}:{{ item "
                  "}}\"}\n"),
             GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  const json &Res = R.state("lp").Result["results"];
  ASSERT_EQ(Res.size(), 2u);
  EXPECT_EQ(Res[1]["each"]["results"][2]["s"]["output"], "1:30");
  EXPECT_EQ(R.starts("lp[1].each[2].s"), 1);
  EXPECT_LE(R.R.MaxRunning, 2);
  EXPECT_EQ(R.S->liveInstanceSteps(), 0u);
}

TEST_P(WhileAtJobs, StopCancelsTheRunningIteration) {
  WhileRun R(loop("while", "{{ iteration >= 0 }}", 100,
                  "      - id: s\n        action: work\n        parameters: {ms: 100}\n"),
             GetParam(), false);
  R.S->start();
  R.E.runUntil([&] { return R.E.elapsed().count() >= 250 || R.S->finished(); });
  R.S->stop("interrupted", true);
  R.E.runUntil([&] { return R.S->finished(); });
  EXPECT_EQ(R.S->status(), RunStatus::Interrupted);
  EXPECT_EQ(R.state("lp").Status, StepStatus::Failed);
  EXPECT_EQ(R.R.Cancelled, 1);
  EXPECT_EQ(R.S->liveInstanceSteps(), 0u);
  // The clock stops at the next event (300 ms): three iterations done,
  // the fourth cancelled; the report keeps the three.
  const json &Kept = R.state("lp").FailedFields;
  EXPECT_EQ(Kept["count"], 3);
  EXPECT_EQ(Kept["results"][2]["s"]["status"], "completed");
}

/// `bad` fails at 50 ms while `lp` (`until: iteration >= Until`) runs
/// 30 ms iterations: the second iteration is in flight when the run fails.
std::string failsAt50(int Until) {
  return "name: w\nsteps:\n"
         "  - id: bad\n    action: work\n    parameters: {ms: 50, fail: 1}\n"
         "  - id: lp\n    until: \"{{ iteration >= " +
         std::to_string(Until) +
         " }}\"\n    max_iterations: 10\n"
         "    steps:\n      - id: s\n        action: work\n        parameters: {ms: "
         "30}\n";
}

// Another top-level step fails while an iteration runs: the iteration
// finishes, but the loop was cut short, not ended by its condition, so it
// must fail ("stopped after N iterations"), never complete (review 5).
TEST(SchedulerWhile, AFailingRunCutsTheLoopShortAndFailsIt) {
  WhileRun R(failsAt50(5), 4);
  EXPECT_EQ(R.S->status(), RunStatus::Failed);
  EXPECT_EQ(R.state("bad").Status, StepStatus::Failed);
  EXPECT_EQ(R.state("lp").Status, StepStatus::Failed);
  EXPECT_EQ(R.state("lp").Error.rfind("stopped after 2 iterations: ", 0), 0u)
      << R.state("lp").Error;
  EXPECT_EQ(R.starts("lp[2].s"), 0);
  EXPECT_EQ(R.state("lp").FailedFields["count"], 2);
  EXPECT_EQ(R.S->liveInstanceSteps(), 0u);
}

// The same, but the iteration that finishes after the failure is the one
// whose condition ends the loop: the loop really completed.
TEST(SchedulerWhile, AFailingRunKeepsALoopItsConditionEnded) {
  WhileRun R(failsAt50(2), 4);
  EXPECT_EQ(R.S->status(), RunStatus::Failed);
  EXPECT_EQ(R.state("lp").Status, StepStatus::Completed);
  EXPECT_EQ(R.state("lp").Result["count"], 2);
  EXPECT_EQ(R.state("lp").Result["max_reached"], false);
}

// Reading the loop's own `results` costs one field per read, not a copy of
// the list (review 5, finding 2: quadratic before; this took minutes).
TEST(SchedulerWhile, TwentyThousandIterationsReadTheLastResult) {
  WhileRun R(loop("while", "{{ iteration < 20000 }}", 1000000,
                  "      - id: s\n        action: work\n        parameters: {message: "
                  "\"{{ lp.results[-1].s.output + 1 if lp.results else 1 }}\"}\n"),
             1);
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  EXPECT_EQ(R.state("lp").Result["count"], 20000);
  EXPECT_EQ(R.state("lp").Result["results"][19999]["s"]["output"], 20000);
  EXPECT_EQ(R.state("after").Result["output"], 20000);
}

INSTANTIATE_TEST_SUITE_P(Jobs, WhileAtJobs, ::testing::Values(1u, 4u));

}  // namespace
