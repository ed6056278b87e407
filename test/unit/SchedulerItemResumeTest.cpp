//===- SchedulerItemResumeTest.cpp - per-item progress of loops -----------===//
//
// A top-level `for_each` reports each finished item to the committer
// (StepCommitter::itemDone); a later scheduler handed those records
// (presetItem) takes the unchanged items over and runs the rest.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <algorithm>

#include "CompilePlan.h"
#include "FakeExecutor.h"
#include "FakeRunner.h"
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

/// Keeps the items reported done.
struct ItemLog : StepCommitter {
  struct Item {
    std::string Name;
    json Result;
    std::string Hash;
    std::optional<bool> GoesOn;
  };
  std::vector<Item> Items;
  bool commit(uint32_t, std::function<void(std::string)>) override { return false; }
  void itemDone(const std::string &Name, const json &Result, const std::string &Hash,
                std::optional<bool> GoesOn) override {
    Items.push_back({Name, Result, Hash, GoesOn});
  }
  /// Hands every item to \p S, as a resume does.
  void presetAll(Scheduler &S) const {
    for (const Item &I : Items) S.presetItem(I.Name, I.Result, I.Hash, I.GoesOn);
  }
  std::vector<std::string> names() const {
    std::vector<std::string> N;
    for (const Item &I : Items) N.push_back(I.Name);
    return N;
  }
};

const char *Yaml =
    "name: r\ninputs:\n  items: {type: list}\nsteps:\n"
    "  - id: each\n    for_each: \"{{ items }}\"\n    max_parallel: 1\n    steps:\n"
    "      - id: s\n        action: work\n"
    "        parameters: {fail: \"{{ 9 if item == 'bad' else 0 }}\", message: \"{{ item "
    "}}\"}\n";

struct ItemRun {
  FakeExecutor E;
  FakeRunner R{E};
  Compiled C;
  ItemLog Log;
  std::unique_ptr<Scheduler> S;
  explicit ItemRun(json Items) : ItemRun(Yaml, json{{"items", std::move(Items)}}) {}
  ItemRun(const std::string &Source, json Inputs) : C(compile(Source)) {
    RunOptions O;
    O.Jobs = 2;
    O.Commit = &Log;
    S = std::make_unique<Scheduler>(*C.Plan, *C.Prog, std::move(Inputs), E, R, O);
  }
  void go() {
    S->start();
    E.runUntil([&] { return S->finished(); });
  }
};

TEST(SchedulerItemResume, FinishedItemsAreReportedAndTakenOver) {
  ItemRun First(json::array({"a", "b", "bad", "d"}));
  First.go();
  EXPECT_EQ(First.S->status(), RunStatus::Failed);
  ASSERT_EQ(First.Log.Items.size(), 2u);  // the failed item is not reported
  EXPECT_EQ(First.Log.Items[1].Name, "each[1]");
  EXPECT_EQ(First.Log.Items[1].Result["s"]["output"], "b");

  // The resume: item 1 changed ("B"), so only item 0 is taken over.
  ItemRun Second(json::array({"a", "B", "c", "d"}));
  First.Log.presetAll(*Second.S);
  Second.go();
  EXPECT_EQ(Second.S->status(), RunStatus::Completed);
  EXPECT_EQ(Second.S->itemsTakenOver(), 1u);
  EXPECT_EQ(Second.R.Starts,
            (std::vector<std::string>{"each[1].s", "each[2].s", "each[3].s"}));
  const json &Res = Second.S->state(0).Result["results"];
  ASSERT_EQ(Res.size(), 4u);
  EXPECT_EQ(Res[0]["s"]["output"], "a");
  EXPECT_EQ(Res[1]["s"]["output"], "B");
}

TEST(SchedulerItemResume, EveryItemTakenOverCompletesTheLoopWithoutRunning) {
  ItemRun First(json::array({"a", "b"}));
  First.go();
  ASSERT_EQ(First.Log.Items.size(), 2u);
  ItemRun Second(json::array({"a", "b"}));
  First.Log.presetAll(*Second.S);
  Second.go();
  EXPECT_EQ(Second.S->status(), RunStatus::Completed);
  EXPECT_TRUE(Second.R.Starts.empty());
  EXPECT_EQ(Second.S->state(0).Result["count"], 2);
}

/// A loop whose body reads the top-level step `a`, run once (item 1 fails)
/// and resumed from a record that holds item 0, and `a` only if \p KeepA.
struct DepResume {
  static constexpr const char *Yaml =
      "name: r\nsteps:\n  - id: a\n    action: work\n    parameters: {message: fresh}\n"
      "  - id: each\n    for_each: [x, bad]\n    max_parallel: 1\n    steps:\n"
      "      - id: s\n        action: work\n"
      "        parameters: {fail: \"{{ 9 if item == 'bad' else 0 }}\", message: \"{{ "
      "a.output }}-{{ item }}\"}\n";
  FakeExecutor E1, E2;
  FakeRunner R1{E1}, R2{E2};
  Compiled C = compile(Yaml);
  ItemLog Log;
  std::unique_ptr<Scheduler> Second;
  llvm::Expected<size_t> Taken{0};

  explicit DepResume(bool KeepA) {
    RunOptions O;
    O.Jobs = 2;
    O.Commit = &Log;
    Scheduler First(*C.Plan, *C.Prog, json::object(), E1, R1, O);
    First.start();
    E1.runUntil([&] { return First.finished(); });
    EXPECT_EQ(Log.Items.size(), 1u);
    json Steps = json::object();
    if (KeepA) Steps["a"] = {{"status", "completed"}, {"output", "fresh"}};
    for (const ItemLog::Item &I : Log.Items)
      Steps[I.Name] = {
          {"status", "completed"}, {"fields", I.Result}, {"input_hash", I.Hash}};
    json Record = {{"plan_hash", C.Plan->contentHash()},
                   {"inputs", First.inputs()},
                   {"steps", Steps}};
    O.Commit = nullptr;
    Second = std::make_unique<Scheduler>(*C.Plan, *C.Prog, json::object(), E2, R2, O);
    Taken = resumeFrom(*Second, *C.Plan, Record, "/nonexistent");
    Second->start();
    E2.runUntil([&] { return Second->finished(); });
  }
  long starts(const std::string &Name) const {
    return std::count(R2.Starts.begin(), R2.Starts.end(), Name);
  }
};

TEST(SchedulerItemResume, ItemsAreTakenOverWhenTheLoopsDependenciesAre) {
  DepResume D(true);
  ASSERT_TRUE(bool(D.Taken)) << llvm::toString(D.Taken.takeError());
  EXPECT_EQ(D.Second->itemsTakenOver(), 1u);
  EXPECT_EQ(D.starts("a"), 0);
  EXPECT_EQ(D.starts("each[0].s"), 0);
}

// `a` runs again (it may answer otherwise): the items its body read it
// for must run again too (review 5, finding 3).
TEST(SchedulerItemResume, ItemsRunAgainWhenADependencyRunsAgain) {
  DepResume D(false);
  ASSERT_TRUE(bool(D.Taken)) << llvm::toString(D.Taken.takeError());
  EXPECT_EQ(D.Second->itemsTakenOver(), 0u);
  EXPECT_EQ(D.starts("a"), 1);
  EXPECT_EQ(D.starts("each[0].s"), 1);
}

/// Nested loops: each outer item runs an inner loop; the inner item
/// (b, 1) fails unless the items say otherwise.
const char *NestedYaml =
    "name: r\ninputs:\n  items: {type: list}\nsteps:\n"
    "  - id: outer\n    for_each: \"{{ items }}\"\n    max_parallel: 1\n    steps:\n"
    "      - id: pre\n        action: work\n        parameters: {message: \"{{ item.n "
    "}}\"}\n"
    "      - id: inner\n        for_each: [0, 1, 2]\n        max_parallel: 1\n"
    "        dependencies: [pre]\n        steps:\n"
    "          - id: s\n            action: work\n"
    "            parameters: {fail: \"{{ 9 if item == outer_bad else 0 }}\", "
    "message: \"{{ pre.output }}{{ item }}\"}\n";

TEST(SchedulerItemResume, InnerItemsOfAnUnfinishedOuterItemAreTakenOver) {
  // `outer_bad` is not a loop variable: read as an input, 1 the first time.
  std::string Src = std::string(NestedYaml);
  Src.replace(Src.find("inputs:\n"), 8, "inputs:\n  outer_bad: {type: integer}\n");
  auto Run = [&](int Bad, const ItemLog *Prior) {
    auto R = std::make_unique<ItemRun>(
        Src,
        json{{"items", json::array({{{"n", "a"}}, {{"n", "b"}}})}, {"outer_bad", Bad}});
    if (Prior) Prior->presetAll(*R->S);
    R->go();
    return R;
  };
  // Bad = 1 fails (a, 1): outer item a never finishes, its inner item 0 did.
  auto First = Run(1, nullptr);
  EXPECT_EQ(First->S->status(), RunStatus::Failed);
  EXPECT_EQ(First->Log.names(), (std::vector<std::string>{"outer[0].inner[0]"}));

  auto Second = Run(7, &First->Log);
  EXPECT_EQ(Second->S->status(), RunStatus::Completed);
  EXPECT_EQ(Second->S->itemsTakenOver(), 1u);
  // `pre` runs again (its item did not finish) and answers the same: the
  // inner item 0 it fed is taken over; the rest run.
  EXPECT_EQ(
      Second->R.Starts,
      (std::vector<std::string>{
          "outer[0].pre", "outer[0].inner[1].s", "outer[0].inner[2].s", "outer[1].pre",
          "outer[1].inner[0].s", "outer[1].inner[1].s", "outer[1].inner[2].s"}));
  const json &Res = Second->S->state(0).Result["results"];
  EXPECT_EQ(Res[0]["inner"]["results"][0]["s"]["output"], "a0");
  EXPECT_EQ(Res[1]["inner"]["results"][2]["s"]["output"], "b2");
}

TEST(SchedulerItemResume, InnerItemsRunAgainWhenWhatTheyReadChanged) {
  std::string Src = std::string(NestedYaml);
  Src.replace(Src.find("inputs:\n"), 8, "inputs:\n  outer_bad: {type: integer}\n");
  ItemLog Prior;
  {
    ItemRun First(Src, json{{"items", json::array({{{"n", "a"}}})}, {"outer_bad", 1}});
    First.go();
    Prior = First.Log;
  }
  ASSERT_EQ(Prior.Items.size(), 1u);
  // The outer item is now `z`: `pre` answers otherwise, so inner item 0 runs.
  ItemRun Second(Src, json{{"items", json::array({{{"n", "z"}}})}, {"outer_bad", 7}});
  Prior.presetAll(*Second.S);
  Second.go();
  EXPECT_EQ(Second.S->status(), RunStatus::Completed);
  EXPECT_EQ(Second.S->itemsTakenOver(), 0u);
  EXPECT_EQ(Second.S->state(0).Result["results"][0]["inner"]["results"][0]["s"]["output"],
            "z0");
}

/// An `until` loop whose iteration 2 fails unless `bad` says otherwise.
const char *UntilYaml =
    "name: r\ninputs:\n  bad: {type: integer}\nsteps:\n"
    "  - id: w\n    until: \"{{ iteration >= 5 }}\"\n    max_iterations: 10\n"
    "    steps:\n"
    "      - id: s\n        action: work\n"
    "        parameters: {fail: \"{{ 9 if iteration == bad else 0 }}\", "
    "message: \"{{ (w.results[-1].s.output if w.results else '') ~ iteration }}\"}\n";

std::unique_ptr<ItemRun> untilRun(int Bad, const ItemLog *Prior) {
  auto R = std::make_unique<ItemRun>(UntilYaml, json{{"bad", Bad}});
  if (Prior) Prior->presetAll(*R->S);
  R->go();
  return R;
}

TEST(SchedulerItemResume, FinishedIterationsOfAWhileLoopAreTakenOver) {
  auto First = untilRun(2, nullptr);
  EXPECT_EQ(First->S->status(), RunStatus::Failed);
  ASSERT_EQ(First->Log.names(), (std::vector<std::string>{"w[0]", "w[1]"}));
  EXPECT_EQ(First->Log.Items[1].GoesOn, std::optional<bool>(true));

  auto Second = untilRun(99, &First->Log);
  EXPECT_EQ(Second->S->status(), RunStatus::Completed);
  EXPECT_EQ(Second->S->itemsTakenOver(), 2u);
  // Iteration 2 reads iteration 1's result, taken over.
  EXPECT_EQ(Second->R.Starts, (std::vector<std::string>{"w[2].s", "w[3].s", "w[4].s"}));
  const json &Done = Second->S->state(0).Result;
  EXPECT_EQ(Done["count"], 5);
  EXPECT_EQ(Done["results"][4]["s"]["output"], "01234");
}

TEST(SchedulerItemResume, AWhileLoopWhoseLastIterationEndedItCompletesWithoutRunning) {
  auto First = untilRun(99, nullptr);
  ASSERT_EQ(First->S->status(), RunStatus::Completed);
  ASSERT_EQ(First->Log.Items.size(), 5u);
  EXPECT_EQ(First->Log.Items[4].GoesOn, std::optional<bool>(false));
  auto Second = untilRun(99, &First->Log);
  EXPECT_EQ(Second->S->status(), RunStatus::Completed);
  EXPECT_TRUE(Second->R.Starts.empty());
  EXPECT_EQ(Second->S->state(0).Result["count"], 5);
  EXPECT_EQ(Second->S->state(0).Result["max_reached"], false);
}

}  // namespace
