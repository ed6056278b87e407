//===- SchedulerSharedRequestTest.cpp - Batches and fused requests --------===//
//
// Steps that share one request, on virtual time. Batch mode (docs/fusion.md
// §8): a model step's first attempt waits on its provider's batch parked,
// holding no -j slot, and the batched steps of a resource group that start
// in one loop turn count once against it. A fake runner plays LlmSteps'
// batching (the batched requests that start in one loop turn form one
// batch; runtime/actions/LlmBatch.cpp, whose own test is LlmStepsBatch in
// LlmBatchTest.cpp) on a FakeExecutor: a level of 20 model steps goes as
// one batch at any -j, and a timeout or a stop while parked gives
// everything back. The same runner shares a fused request: when only its
// paying member times out, the group slot goes to a member still waiting.
// A member that starts in a later turn than its lease (a cache miss, a
// recorded attempt number) is admitted on its own (LateStart).
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "CompilePlan.h"
#include "FakeExecutor.h"
#include "runtime/exec/Scheduler.h"

using json = orch::ir::Json;
using namespace orch;
using namespace orch::runtime;
using orch::testing::compile;
using orch::testing::Compiled;
using orch::testing::FakeExecutor;

namespace {

constexpr std::chrono::milliseconds BatchTime{5000};

/// Batched requests that start in one loop turn go out as one batch that
/// ends after BatchTime; a batch whose members are all cancelled is
/// cancelled. Other requests take `ms` each.
class BatchingRunner : public ActionRunner {
 public:
  explicit BatchingRunner(FakeExecutor &E) : E(E) {}

  struct Batch {
    std::vector<ActionDone> Done;
    std::vector<std::shared_ptr<bool>> Cancelled;
    Executor::TimerId Timer = 0;
    size_t Left = 0;
  };

  struct Task : ActionTask {
    BatchingRunner *R = nullptr;
    std::shared_ptr<Batch> B;  // null: a normal request
    std::shared_ptr<bool> Cancelled;
    Executor::TimerId Timer = 0;
    void cancel() override {
      *Cancelled = true;
      if (!B) {
        R->E.cancelTimer(Timer);
        --R->Requests;
        return;
      }
      if (--B->Left == 0) {  // nobody waits for it any more
        R->E.cancelTimer(B->Timer);
        ++R->BatchCancels;
        --R->InFlight;
      }
    }
  };

  std::unique_ptr<ActionTask> start(const ActionRequest &Req, ActionDone Done) override {
    auto T = std::make_unique<Task>();
    T->R = this;
    T->Cancelled = std::make_shared<bool>(false);
    // A fused member's first attempt shares its turn's request like a batch.
    if (!Req.Batched && !(Req.Fusion >= 0 && Req.Attempt == 1)) {
      ++Requests;
      int64_t Ms = Req.Params.value("ms", 0);
      T->Timer = E.addTimer(E.now() + std::chrono::milliseconds(Ms), [this, Done] {
        --Requests;
        Done(ActionResult::success(json{{"output", "alone"}}));
      });
      return T;
    }
    if (!Turn) {
      // The first batched step of this turn: the batch goes out once the
      // turn is over, with whoever joined it.
      Turn = std::make_shared<Batch>();
      E.post([this] { send(); });
    }
    Turn->Done.push_back(std::move(Done));
    Turn->Cancelled.push_back(T->Cancelled);
    ++Turn->Left;
    T->B = Turn;
    return T;
  }

  void send() {
    std::shared_ptr<Batch> B = std::move(Turn);
    Sizes.push_back(B->Done.size());
    SentAt.push_back(E.elapsed().count());
    ++InFlight;
    B->Timer = E.addTimer(E.now() + BatchTime, [this, B] {
      --InFlight;
      for (size_t K = 0; K < B->Done.size(); ++K)
        if (!*B->Cancelled[K])
          B->Done[K](ActionResult::success(json{{"output", "batched"}}));
    });
  }

  FakeExecutor &E;
  std::shared_ptr<Batch> Turn;
  std::vector<size_t> Sizes;    ///< Each batch's items, in order.
  std::vector<int64_t> SentAt;  ///< When each went out (ms of virtual time).
  int InFlight = 0, BatchCancels = 0, Requests = 0;
};

/// \p Levels levels of \p Width model steps; each step of a level after the
/// first depends on the whole level before it (through its first step).
std::string levels(int Levels, int Width, const std::string &Extra = "") {
  std::string Y = "name: wide\nsteps:\n";
  for (int L = 0; L < Levels; ++L)
    for (int K = 0; K < Width; ++K) {
      Y += "  - id: l" + std::to_string(L) + "_" + std::to_string(K) +
           "\n    action: classify\n    model: gpt-4o-mini\n"
           "    parameters: {ms: 100}\n" +
           Extra;
      if (L > 0) Y += "    dependencies: [l" + std::to_string(L - 1) + "_0]\n";
    }
  return Y;
}

struct BatchRun {
  FakeExecutor E;
  BatchingRunner R{E};
  Compiled C;
  std::unique_ptr<Scheduler> S;
  BatchRun(const std::string &Yaml, unsigned Jobs, unsigned GroupSlots, int Rpm = -1,
           const std::function<void(RunOptions &)> &Tune = {}) {
    passes::RunConfig Config;
    Config.ModelRequests.MaxConcurrent = GroupSlots;
    Config.ModelRequests.RequestsPerMinute = Rpm >= 0 ? Rpm : GroupSlots ? 1 : 0;
    C = compile(Yaml, &Config);
    RunOptions O;
    O.Jobs = Jobs;
    O.Batch = true;
    if (Tune) Tune(O);
    S = std::make_unique<Scheduler>(*C.Plan, *C.Prog, json::object(), E, R, O);
  }
  /// Nothing is held any more: -j slots, parked attempts, group slots,
  /// batches, timers.
  void expectAllReleased() {
    EXPECT_EQ(S->running(), 0u);
    EXPECT_EQ(S->parked(), 0u);
    EXPECT_EQ(S->groups().held(), 0u);
    for (size_t G = 0; G < S->groups().size(); ++G) EXPECT_EQ(S->groups().parked(G), 0u);
    EXPECT_EQ(R.InFlight, 0);
    EXPECT_EQ(R.Requests, 0);
    EXPECT_EQ(E.pendingTimers(), 0u);
  }
};

/// -j, and the model group's max_concurrent and requests a minute (none,
/// a slot and 1 a minute, or a slot and no rate limit).
class BatchAt
    : public ::testing::TestWithParam<std::tuple<unsigned, std::pair<unsigned, int>>> {};

TEST_P(BatchAt, ALevelWiderThanJobsGoesAsOneBatch) {
  auto [Jobs, Limits] = GetParam();
  auto [Slots, Rpm] = Limits;
  BatchRun B(levels(3, 20), Jobs, Slots, Rpm);
  B.S->start();
  B.E.runUntil([&] { return B.S->finished(); });
  ASSERT_FALSE(B.E.Stalled);
  EXPECT_EQ(B.S->status(), RunStatus::Completed);
  EXPECT_EQ(B.R.Sizes, (std::vector<size_t>{20, 20, 20}));
  // Level after level, each one batch; a rate limit of one request a
  // minute counts each batch once (the first is due at once).
  int64_t Rate = Rpm ? 2 * 60000 : 0;
  EXPECT_EQ(B.E.elapsed().count(), std::max<int64_t>(3 * BatchTime.count(), Rate + 5000));
  for (uint32_t I = 0; I < B.S->size(); ++I)
    EXPECT_EQ(B.S->state(I).Result["output"], "batched") << B.S->stepId(I).str();
  B.expectAllReleased();
}

INSTANTIATE_TEST_SUITE_P(Jobs, BatchAt,
                         ::testing::Combine(::testing::Values(1u, 2u, 8u),
                                            ::testing::Values(std::pair{0u, 0},
                                                              std::pair{1u, 1},
                                                              std::pair{1u, 0})));

class BatchParkedAt : public ::testing::TestWithParam<unsigned> {};

TEST_P(BatchParkedAt, ATimeoutWhileParkedReleasesEverythingAndRetriesAlone) {
  // Each step times out after 1 s in a batch that takes 5 s; its retry is
  // a normal request (batch mode batches first attempts only).
  BatchRun B(levels(1, 20, "    timeout: 1\n    on_failure: retry\n"), GetParam(), 1);
  B.S->start();
  B.E.runUntil([&] { return B.S->finished(); });
  ASSERT_FALSE(B.E.Stalled);
  EXPECT_EQ(B.S->status(), RunStatus::Completed);
  EXPECT_EQ(B.R.Sizes, (std::vector<size_t>{20}));
  EXPECT_EQ(B.R.BatchCancels, 1);  // its last waiting member cancelled it
  for (uint32_t I = 0; I < B.S->size(); ++I) {
    EXPECT_EQ(B.S->state(I).Attempts, 2u);
    EXPECT_EQ(B.S->state(I).Result["output"], "alone");
  }
  B.expectAllReleased();
}

TEST_P(BatchParkedAt, AStopWhileParkedReleasesEverything) {
  BatchRun B(levels(2, 20), GetParam(), 1);
  B.S->start();
  B.E.addTimer(B.E.now() + std::chrono::milliseconds(300),
               [&] { B.S->stop("interrupted", true); });
  B.E.runUntil([&] { return B.S->finished(); });
  ASSERT_FALSE(B.E.Stalled);
  EXPECT_EQ(B.S->status(), RunStatus::Interrupted);
  EXPECT_EQ(B.R.Sizes, (std::vector<size_t>{20}));
  EXPECT_EQ(B.R.BatchCancels, 1);
  EXPECT_EQ(B.S->state(0).Error, "interrupted");
  EXPECT_EQ(B.S->state(20).Error, "not started: the run was interrupted");
  B.expectAllReleased();
}

INSTANTIATE_TEST_SUITE_P(Jobs, BatchParkedAt, ::testing::Values(1u, 2u, 8u));

TEST(FusedPayer, ATimeoutOfThePayerAloneHandsTheSlotToTheMembersStillWaiting) {
  // Four fused steps in a group of one slot and no rate limit; only the
  // paying member (the first) times out, after 2 s of the request's 5 s
  // (2 s: as long as the others' estimate, so it is admitted first).
  // The slot stays held for the three still waiting on the request, so
  // the payer's retry (its own request, in the same group) waits parked
  // until they end.
  std::string Y = "name: fused\ncontext: {fusion: models}\nsteps:\n";
  for (int K = 0; K < 4; ++K)
    Y += "  - id: f" + std::to_string(K) +
         "\n    action: classify\n    model: gpt-4o-mini\n    max_tokens: 50\n"
         "    parameters: {prompt: x, ms: 100}\n" +
         (K == 0 ? "    timeout: 2\n    on_failure: retry\n" : "");
  BatchRun B(Y, 2, 1, 0);
  ASSERT_NE(B.C.Plan->plan().model_fusions(), nullptr);
  ASSERT_EQ(B.C.Plan->plan().model_fusions()->size(), 1u);
  ASSERT_EQ(B.C.Plan->plan().model_fusions()->Get(0)->steps()->size(), 4u);
  B.S->start();
  ASSERT_EQ(B.S->state(0).HeldGroup, 0);  // f0 paid: it holds the slot
  for (uint32_t I = 1; I < 4; ++I) EXPECT_EQ(B.S->state(I).HeldGroup, -1);
  // The payer's timeout: the slot stays with a member still waiting.
  B.E.runUntil([&] { return B.S->state(0).Status != StepStatus::Running; });
  EXPECT_EQ(B.E.elapsed().count(), 2000);
  EXPECT_EQ(B.R.Sizes, (std::vector<size_t>{4}));
  EXPECT_EQ(B.S->groups().held(), 1u);
  // Its retry (its own request) waits parked for that slot.
  B.E.runUntil([&] {
    return B.S->groups().parked(0) > 0 || B.S->state(1).Status != StepStatus::Running;
  });
  EXPECT_EQ(B.S->state(0).Status, StepStatus::Pending);
  EXPECT_EQ(B.S->groups().parked(0), 1u);
  EXPECT_EQ(B.S->groups().held(), 1u);
  EXPECT_EQ(B.R.Requests, 0);
  for (uint32_t I = 1; I < 4; ++I) EXPECT_EQ(B.S->state(I).Status, StepStatus::Running);
  B.E.runUntil([&] { return B.S->finished(); });
  ASSERT_FALSE(B.E.Stalled);
  EXPECT_EQ(B.S->status(), RunStatus::Completed);
  EXPECT_EQ(B.R.BatchCancels, 0);
  EXPECT_EQ(B.S->state(0).Result["output"], "alone");
  for (uint32_t I = 1; I < 4; ++I) {
    EXPECT_EQ(B.S->state(I).Attempts, 1u);
    EXPECT_EQ(B.S->state(I).Result["output"], "batched");
  }
  // The retry went after the request: 5 s, then its own 0.1 s.
  EXPECT_EQ(B.E.elapsed().count(), 5100);
  B.expectAllReleased();
}

TEST(BatchPayer, APayerWhoseParameterFailsEndsItsLeaseAndTheOthersTakeTheSlot) {
  // The first step admitted (f0) takes the group's slot and the turn's
  // batch lease, then its parameter fails to render. The other batched
  // steps of the turn must not join that lease with no slot: the next one
  // takes the slot and a lease of its own, so the batch is counted.
  std::string Y = "name: p\ninputs: {x: string}\nsteps:\n";
  for (int K = 0; K < 4; ++K)
    Y += "  - id: f" + std::to_string(K) +
         "\n    action: classify\n    model: gpt-4o-mini\n" +
         (K == 0 ? "    parameters: {ms: \"{{ x.y.z }}\"}\n    on_failure: continue\n"
                 : "    parameters: {ms: 100}\n");
  FakeExecutor E;
  BatchingRunner R{E};
  passes::RunConfig Config;
  Config.ModelRequests.MaxConcurrent = 1;
  Config.ModelRequests.RequestsPerMinute = 0;
  Compiled C = compile(Y, &Config);
  RunOptions O;
  O.Jobs = 2;
  O.Batch = true;
  Scheduler S(*C.Plan, *C.Prog, json{{"x", "s"}}, E, R, O);
  S.start();
  E.runUntil([&] { return !R.Sizes.empty(); });
  EXPECT_EQ(S.state(0).Status, StepStatus::Failed);
  EXPECT_NE(S.state(0).Error.find("parameter `ms`"), std::string::npos)
      << S.state(0).Error;
  EXPECT_EQ(R.Sizes, (std::vector<size_t>{3}));
  EXPECT_EQ(S.groups().held(), 1u);  // the batch holds the slot
  E.runUntil([&] { return S.finished(); });
  ASSERT_FALSE(E.Stalled);
  for (uint32_t I = 1; I < 4; ++I) EXPECT_EQ(S.state(I).Result["output"], "batched");
  EXPECT_EQ(S.groups().held(), 0u);
}

/// Misses every lookup 10 ms later: a later loop turn, as when the state
/// store's writer thread answers.
class MissingCache : public StepCache {
 public:
  void lookup(const std::string &,
              std::function<void(std::optional<json>)> Done) override {
    ++Lookups;
    E->addTimer(E->now() + std::chrono::milliseconds(10),
                [Done = std::move(Done)] { Done(std::nullopt); });
  }
  FakeExecutor *E = nullptr;
  int Lookups = 0;
};

/// Records a retry's number durably 10 ms later (a later loop turn); a
/// completion needs no wait.
class SlowCommitter : public StepCommitter {
 public:
  bool commit(uint32_t, std::function<void(std::string)>) override { return false; }
  bool attemptStarting(uint32_t, unsigned,
                       std::function<void(std::string)> Ack) override {
    ++Recorded;
    E->addTimer(E->now() + std::chrono::milliseconds(10),
                [Ack = std::move(Ack)] { Ack(""); });
    return true;
  }
  FakeExecutor *E = nullptr;
  int Recorded = 0;
};

/// Why a step starts in a later turn than the lease it took: a `cache:`
/// miss, or a resumed step whose attempt number is recorded first; in
/// batch mode, or as a fused member.
enum class Late { CacheMiss, ResumedRetry, FusedCacheMiss };

/// The late step (0: the member that paid the lease; 3: one that joined
/// it), and the group's limits: {max_concurrent, requests_per_minute}.
class LateStart : public ::testing::TestWithParam<
                      std::tuple<Late, uint32_t, std::pair<unsigned, int>>> {};

TEST_P(LateStart, IsAdmittedOnItsOwnNotOnTheLeaseOfAnEarlierTurn) {
  // Four model steps of one level in a group; one of them (f0 or f3)
  // starts 10 ms after the others. Its lease's batch (or fused request)
  // went out at 0 ms with the three others, so its own one must take a
  // slot and a rate token of its own: it goes when the first ends (5 s,
  // one slot) or when the group's next token is due (60 s, one request a
  // minute), not at 10 ms riding the old lease.
  auto [Why, LateStep, Limits] = GetParam();
  auto [Slots, Rpm] = Limits;
  bool Fused = Why == Late::FusedCacheMiss;
  std::string Y = std::string("name: late\n") +
                  (Fused ? "context: {fusion: models}\n" : "") + "steps:\n";
  for (uint32_t K = 0; K < 4; ++K) {
    Y += "  - id: f" + std::to_string(K) +
         "\n    action: classify\n    model: gpt-4o-mini\n    max_tokens: 50\n"
         "    parameters: {prompt: x, ms: 100}\n";
    if (K == LateStep && Why != Late::ResumedRetry) Y += "    cache: true\n";
  }
  MissingCache Cache;
  SlowCommitter Commit;
  // -j 8: fused members (unlike batched ones) hold a -j slot each.
  BatchRun B(Y, Fused ? 8 : 2, Slots, Rpm, [&](RunOptions &O) {
    O.Batch = !Fused;
    O.Cache = &Cache;
    if (Why == Late::ResumedRetry) {
      O.Commit = &Commit;
      O.RunId = "run-1";
      O.PriorAttempts.assign(4, 0);
      O.PriorAttempts[LateStep] = 1;  // an earlier process started it once
    }
  });
  Cache.E = Commit.E = &B.E;
  if (Fused) {
    ASSERT_NE(B.C.Plan->plan().model_fusions(), nullptr);
    ASSERT_EQ(B.C.Plan->plan().model_fusions()->Get(0)->steps()->size(), 4u);
  }
  B.S->start();
  B.E.runUntil([&] { return B.S->finished(); });
  ASSERT_FALSE(B.E.Stalled);
  EXPECT_EQ(B.S->status(), RunStatus::Completed);
  EXPECT_EQ(Cache.Lookups, Why == Late::ResumedRetry ? 0 : 1);
  EXPECT_EQ(Commit.Recorded, Why == Late::ResumedRetry ? 1 : 0);
  // Two batches (requests): the three on time, then the late one.
  EXPECT_EQ(B.R.Sizes, (std::vector<size_t>{3, 1}));
  int64_t Second = Rpm ? 60000 : BatchTime.count();
  EXPECT_EQ(B.R.SentAt, (std::vector<int64_t>{0, Second}));
  EXPECT_EQ(B.E.elapsed().count(), Second + BatchTime.count());
  for (uint32_t I = 0; I < 4; ++I) {
    EXPECT_EQ(B.S->state(I).Attempts, 1u);
    EXPECT_EQ(B.S->state(I).Result["output"], "batched") << I;
  }
  B.expectAllReleased();
  EXPECT_EQ(B.S->groups().unheldReleases(), 0u);
}

TEST(LateStartStop, AStopWhileALateStartWaitsForItsGroupReleasesEverything) {
  // f3 misses its cache at 10 ms and waits for the slot the first batch
  // holds; the run is interrupted at 1 s: nothing is left held or parked.
  std::string Y = "name: late\nsteps:\n";
  for (uint32_t K = 0; K < 4; ++K)
    Y += "  - id: f" + std::to_string(K) +
         "\n    action: classify\n    model: gpt-4o-mini\n"
         "    parameters: {prompt: x, ms: 100}\n" +
         (K == 3 ? "    cache: true\n" : "");
  MissingCache Cache;
  BatchRun B(Y, 2, 1, 0, [&](RunOptions &O) { O.Cache = &Cache; });
  Cache.E = &B.E;
  B.S->start();
  B.E.addTimer(B.E.now() + std::chrono::milliseconds(1000),
               [&] { B.S->stop("interrupted", true); });
  B.E.runUntil([&] { return B.S->finished(); });
  ASSERT_FALSE(B.E.Stalled);
  EXPECT_EQ(B.S->status(), RunStatus::Interrupted);
  EXPECT_EQ(B.R.Sizes, (std::vector<size_t>{3}));
  EXPECT_EQ(B.S->state(3).Error, "interrupted");
  B.expectAllReleased();
  EXPECT_EQ(B.S->groups().unheldReleases(), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Variants, LateStart,
    ::testing::Combine(::testing::Values(Late::CacheMiss, Late::ResumedRetry,
                                         Late::FusedCacheMiss),
                       ::testing::Values(0u, 3u),
                       ::testing::Values(std::pair{1u, 1}, std::pair{1u, 0})));

}  // namespace
