//===- SchedulerNestedLoopsTest.cpp - loops in loops, on virtual time -----===//
//
// Nested `for_each` loops (and a `for_each` in an `until` loop) under -j
// and resource-group limits, and a failing inner item under each policy:
// the inner body step's own policy applies to its item, and an inner loop
// that fails fails its outer item, whose loop's policy then decides.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <algorithm>

#include "LoopRun.h"

using json = orch::ir::Json;
using namespace orch;
using namespace orch::runtime;
using orch::testing::LoopRun;

namespace {

/// Outer items a, b, c; each runs an inner loop over 0..3 whose `leaf`
/// fails while its attempt is at most `fail` (3 for inner item 2 of b)
/// under \p Policy (a line of YAML, or "").
std::string nested(const std::string &Policy, unsigned OuterParallel = 3,
                   const std::string &OuterPolicy = "") {
  return "name: n\nsteps:\n"
         "  - id: outer\n    for_each: [a, b, c]\n    max_parallel: " +
         std::to_string(OuterParallel) + "\n" + OuterPolicy +
         "    steps:\n"
         "      - id: inner\n        for_each: [0, 1, 2, 3]\n        max_parallel: 4\n"
         "        steps:\n"
         "          - id: leaf\n            action: work\n"
         "            parameters: {ms: 100, message: \"{{ index }}\", fail: \"{{ 3 if "
         "item == 2 and outer_item == 'b' else 0 }}\"}\n" +
         Policy +
         "          - id: next\n            action: work\n"
         "            parameters: {message: \"{{ leaf.status }}\"}\n"
         "  - id: after\n    action: work\n    parameters: {message: \"{{ outer.count "
         "}}\"}\n";
}

/// `outer_item` is not a name of the body: the outer loop's item is hidden
/// by the inner one's, so the outer step exposes it to the inner body.
std::string withOuterItem(std::string Y) {
  std::string From = "      - id: inner\n";
  Y.replace(Y.find(From), From.size(),
            "      - id: outer_item\n        action: instant\n"
            "        parameters: {message: \"{{ item }}\"}\n" +
                From);
  std::string Read = "outer_item ==";
  Y.replace(Y.find(Read), Read.size(), "outer_item.output ==");
  return Y;
}

class NestedAtJobs : public ::testing::TestWithParam<unsigned> {};

TEST_P(NestedAtJobs, GroupAndJobLimitsHoldAcrossNestedItems) {
  // `work` is a model task: its provider's group allows 3 at once.
  passes::RunConfig Config;
  Config.ModelRequests.MaxConcurrent = 3;
  LoopRun R(withOuterItem(nested("            on_failure: continue\n")), GetParam(),
            json::object(), &Config);
  ASSERT_FALSE(R.E.Stalled);
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  // 3 outer items' inner loops (12 items) compete for the group's slots.
  unsigned Want = std::min(3u, GetParam());
  EXPECT_EQ(R.S->groupPeak(0), Want);
  EXPECT_LE(R.R.MaxRunning, static_cast<int>(Want));
  EXPECT_EQ(R.S->groups().held(), 0u);
  EXPECT_EQ(R.S->liveInstanceSteps(), 0u);
}

TEST_P(NestedAtJobs, ContinueInsideTheInnerLoopKeepsEveryItem) {
  LoopRun R(withOuterItem(nested("            on_failure: continue\n")), GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  const json &B = R.state("outer").Result["results"][1]["inner"]["results"];
  EXPECT_EQ(B[2]["leaf"]["status"], "failed");
  EXPECT_EQ(B[2]["next"]["output"], "failed");
  EXPECT_EQ(B[3]["next"]["output"], "completed");
  EXPECT_EQ(R.state("after").Result["output"], 3);
  EXPECT_LE(R.R.MaxRunning, static_cast<int>(GetParam()));
}

TEST_P(NestedAtJobs, SkipInsideTheInnerLoopSkipsThatItemsDependents) {
  LoopRun R(withOuterItem(nested("            on_failure: skip\n")), GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  const json &B = R.state("outer").Result["results"][1]["inner"]["results"];
  EXPECT_EQ(B[2]["leaf"]["status"], "skipped");
  EXPECT_EQ(B[2]["next"]["status"], "skipped");
  EXPECT_EQ(B[1]["next"]["output"], "completed");
}

TEST_P(NestedAtJobs, RetryInsideTheInnerLoopIsPerItem) {
  LoopRun R(withOuterItem(nested("            on_failure: retry\n"
                                 "            max_retries: 3\n")),
            GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  EXPECT_EQ(std::count(R.R.Starts.begin(), R.R.Starts.end(), "outer[1].inner[2].leaf"),
            4);
  EXPECT_EQ(std::count(R.R.Starts.begin(), R.R.Starts.end(), "outer[0].inner[2].leaf"),
            1);
}

TEST_P(NestedAtJobs, FailInsideTheInnerLoopFailsTheOuterItemAndTheRun) {
  LoopRun R(withOuterItem(nested("", 1)), GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Failed);
  EXPECT_EQ(R.state("outer").Error,
            "item 1: step `inner` failed: item 2: step `leaf` failed: flaky");
  // Outer item c never starts (max_parallel 1); a's result is kept.
  const json &Kept = R.state("outer").FailedFields;
  EXPECT_EQ(Kept["results"][0]["inner"]["count"], 4);
  EXPECT_TRUE(Kept["results"][2].is_null());
  EXPECT_EQ(R.state("after").Status, StepStatus::Skipped);
}

TEST_P(NestedAtJobs, TheOuterLoopsContinueKeepsTheRun) {
  LoopRun R(withOuterItem(nested("", 1, "    on_failure: continue\n")), GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  EXPECT_EQ(R.state("outer").Status, StepStatus::Failed);
  EXPECT_EQ(R.state("after").Status, StepStatus::Completed);
}

TEST_P(NestedAtJobs, ZeroAndOneInnerItems) {
  LoopRun R(
      "name: z\nsteps:\n"
      "  - id: outer\n    for_each: [[], [7]]\n    steps:\n"
      "      - id: inner\n        for_each: \"{{ item }}\"\n        steps:\n"
      "          - id: leaf\n            action: work\n"
      "            parameters: {ms: 5, message: \"{{ item }}\"}\n",
      GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  const json &Res = R.state("outer").Result["results"];
  EXPECT_EQ(Res[0]["inner"]["count"], 0);
  EXPECT_EQ(Res[1]["inner"]["results"][0]["leaf"]["output"], 7);
  EXPECT_EQ(R.R.Starts, (std::vector<std::string>{"outer[1].inner[0].leaf"}));
}

TEST_P(NestedAtJobs, ForEachInsideUntilUnderJobs) {
  LoopRun R(
      "name: w\nsteps:\n"
      "  - id: w\n    until: \"{{ iteration >= 3 }}\"\n    max_iterations: 5\n"
      "    steps:\n"
      "      - id: fan\n        for_each: [0, 1, 2, 3, 4]\n        steps:\n"
      "          - id: leaf\n            action: work\n"
      "            parameters: {ms: 10, message: \"{{ iteration }}{{ item }}\"}\n",
      GetParam());
  EXPECT_EQ(R.S->status(), RunStatus::Completed);
  const json &Res = R.state("w").Result["results"];
  ASSERT_EQ(Res.size(), 3u);
  EXPECT_EQ(Res[2]["fan"]["results"][4]["leaf"]["output"], "24");
  EXPECT_LE(R.R.MaxRunning, static_cast<int>(std::min(GetParam(), 5u)));
  // Iterations one after another: 3 iterations of ceil(5 / -j) waves.
  unsigned Wave = std::min(GetParam(), 5u);
  EXPECT_EQ(R.E.elapsed().count(), 3 * 10 * static_cast<int64_t>((5 + Wave - 1) / Wave));
}

INSTANTIATE_TEST_SUITE_P(Jobs, NestedAtJobs, ::testing::Values(1u, 2u, 4u, 64u));

}  // namespace
