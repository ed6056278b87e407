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
    uint32_t Loop, Index;
    json Result;
    std::string Hash;
  };
  std::vector<Item> Items;
  bool commit(uint32_t, std::function<void(std::string)>) override { return false; }
  void itemDone(uint32_t Loop, uint32_t Index, const json &Result,
                const std::string &Hash) override {
    Items.push_back({Loop, Index, Result, Hash});
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
  Compiled C = compile(Yaml);
  ItemLog Log;
  std::unique_ptr<Scheduler> S;
  explicit ItemRun(json Items) {
    RunOptions O;
    O.Jobs = 2;
    O.Commit = &Log;
    S = std::make_unique<Scheduler>(*C.Plan, *C.Prog, json{{"items", std::move(Items)}},
                                    E, R, O);
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
  EXPECT_EQ(First.Log.Items[1].Index, 1u);
  EXPECT_EQ(First.Log.Items[1].Result["s"]["output"], "b");

  // The resume: item 1 changed ("B"), so only item 0 is taken over.
  ItemRun Second(json::array({"a", "B", "c", "d"}));
  for (const ItemLog::Item &I : First.Log.Items)
    Second.S->presetItem(I.Loop, I.Index, I.Result, I.Hash);
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
  for (const ItemLog::Item &I : First.Log.Items)
    Second.S->presetItem(I.Loop, I.Index, I.Result, I.Hash);
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
      Steps["each[" + std::to_string(I.Index) + "]"] = {
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

}  // namespace
