//===- Scheduler.h - Runs a plan's steps as their inputs settle -*- C++ -*-===//
//
// A step starts as soon as every dependency has settled (no level
// barriers), bounded by the job limit. Everything happens on the
// executor's thread: actions report back through callbacks, timeouts and
// retry backoffs are timers. Failure policies:
//   fail      the run fails; no new step starts; running ones finish
//   continue  the failure is recorded; dependents run
//   skip      the step and its dependents are marked skipped
//   retry     up to max_retries more attempts with exponential backoff,
//             then as `fail`
// A false `condition:` skips the step, and the skip propagates.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir/Eval.h"
#include "ir/Json.h"
#include "llvm/ADT/StringMap.h"
#include "runtime/actions/Action.h"
#include "runtime/exec/Executor.h"
#include "runtime/exec/ResourceGroups.h"
#include "runtime/exec/Spill.h"
#include "runtime/plan/PlanProgram.h"
#include "runtime/plan/PlanReader.h"

namespace orch::runtime {

/// Where a step is in its life.
enum class StepStatus : uint8_t { Pending, Running, Backoff, Completed, Failed, Skipped };

/// `completed`, `failed`, `skipped` (and `pending`, `running` mid-run).
const char *stepStatusName(StepStatus S);

/// How the whole run ended.
enum class RunStatus : uint8_t { Running, Completed, Failed, Interrupted };

/// `running`, `completed`, `failed`, `interrupted`.
const char *runStatusName(RunStatus S);

/// The hex xxh3-128 of an attempt's action, model, rendered parameters and
/// outside inputs (ActionRequest::OutsideDigest)
/// (StepState::InputHash, what the state store records).
std::string inputHash(const ActionRequest &R);

/// The timeout after an attempt of \p Ms timed out: twice as long, capped
/// at a week, never shorter than \p Ms.
int64_t doubledTimeout(int64_t Ms);

/// Makes a completed step durable before the run counts it
/// (runtime/state's Recorder). Called on the executor's thread.
class StepCommitter {
 public:
  virtual ~StepCommitter() = default;
  /// Step \p Step completed. Returns true if it must wait: then \p Ack is
  /// called on the executor's thread once the record is durable, with ""
  /// or why it could not be written; false: it is recorded later, in a
  /// batch, and \p Ack is never called.
  virtual bool commit(uint32_t Step, std::function<void(std::string)> Ack) = 0;
  /// Attempt \p Attempt (numbered across the run's processes, > 1) of step
  /// \p Step is about to start: its number must be durable first, so that a
  /// resume after a kill continues the numbering and no idempotency key
  /// names two attempts. Returns true if it must wait, as commit().
  virtual bool attemptStarting(uint32_t /*Step*/, unsigned /*Attempt*/,
                               std::function<void(std::string)> /*Ack*/) {
    return false;
  }
  /// A loop item finished with \p Result (body step id -> result) for
  /// inputs hashing to \p InputHash: recorded as \p Name (`each[3]`, an
  /// inner loop's `each[3].inner[1]`, a `while` iteration's `refine[2]`),
  /// so that a resume of an unfinished loop takes it over
  /// (docs/control-flow.md §1.2). \p GoesOn: for a `while`/`until`
  /// iteration, whether its condition asked for another one. Nobody waits
  /// for it.
  virtual void itemDone(const std::string & /*Name*/, const orch::ir::Json & /*Result*/,
                        const std::string & /*InputHash*/,
                        std::optional<bool> /*GoesOn*/) {}
  /// Whether itemDone() records anything: when not, the scheduler hashes
  /// no item and no loop context.
  virtual bool recordsItems() const { return true; }
};

/// The step-result cache (`cache:` on a step; runtime/state's Recorder).
class StepCache {
 public:
  virtual ~StepCache() = default;
  /// Looks \p Key up off the executor's thread; calls \p Done on it with
  /// the cached result fields, or std::nullopt on a miss (or an error).
  virtual void lookup(const std::string &Key,
                      std::function<void(std::optional<orch::ir::Json>)> Done) = 0;
};

/// The cache key of an attempt: SHA-256 of its action, model, rendered
/// parameters, the plan format version and \p Files (the contents' hashes
/// of the files it declares it reads, RunOptions::FileInputs) (hex).
std::string cacheKey(const ActionRequest &R, llvm::StringRef Files = "");

/// Limits and timings of a run.
struct RunOptions {
  unsigned Jobs = 32;                         ///< Steps running at once (-j).
  std::chrono::milliseconds RetryBase{250};   ///< First retry delay.
  std::chrono::milliseconds RetryMax{30000};  ///< Cap of the doubling.
  SpillOptions Spill;  ///< Where large result fields go (Spill.h); default: nowhere.
  /// Records completions; dependents start only after its acknowledgement.
  StepCommitter *Commit = nullptr;
  /// Where steps with `cache:` look for earlier results (null: `--no-cache`,
  /// or no store).
  StepCache *Cache = nullptr;
  /// The files a `cache:` step declares it reads, with their contents'
  /// hashes, for its cache key (runtime/actions/FileInputs.h); null: none.
  std::function<std::string(const ActionRequest &)> FileInputs;
  /// The run's id (runtime/state): with it, each attempt carries the
  /// idempotency key `<run id>:<step id>:<attempt>`.
  std::string RunId;
  /// Per step, the attempts earlier processes of this run used up (a
  /// resume): key numbers continue after them. Empty: none.
  std::vector<unsigned> PriorAttempts;
  /// What templates read as `output_path`: the run's directory.
  std::string OutputPath;
  /// Batch mode (`orchrt --batch`, `context.execution: batch`;
  /// docs/fusion.md §8): a model step's first attempt goes in its
  /// provider's batch (ActionRequest::Batched). It waits parked: it holds
  /// no -j slot, and the batched steps of a resource group that start in
  /// one loop turn take one slot and one token of it (the batch counts
  /// once).
  bool Batch = false;
  /// When the run started, for `execution.timestamp` and `execution.date`
  /// (the epoch: the system clock when the scheduler is made).
  std::chrono::system_clock::time_point StartedAt{};
  /// The provider of a model (`openai`, `anthropic`, the registry's
  /// `provider`). A step whose `model:` is a template takes the resource
  /// group `provider:<it>` of the model it renders, when the plan has that
  /// group, so that the provider's limits hold for it too; null, or no
  /// such group: the plan's group (`provider:default`).
  std::function<std::string(const std::string &Model)> ProviderOf;
  /// What an attempt reads from outside the plan besides its parameters,
  /// as a digest for its input hash (ActionRequest::OutsideDigest): for
  /// `model.select`, the run's registry. Null: nothing.
  std::function<std::string(const ActionRequest &)> OutsideInputs;
};

/// The `execution` variable of templates: `timestamp` (ISO 8601, UTC,
/// seconds), `date` (YYYY-MM-DD) and `run_id` (\p RunId, or one made from
/// the time when the run has no durable id).
orch::ir::Json executionVariable(std::chrono::system_clock::time_point At,
                                 const std::string &RunId);

/// The -j of a run of \p P: \p Requested if given (non-zero), else the
/// plan's `execution.max_concurrent_tasks`, else 32.
inline unsigned jobsFor(const plan::Plan &P, unsigned Requested) {
  if (Requested) return Requested;
  return P.max_concurrent_tasks() ? P.max_concurrent_tasks() : 32;
}

/// StepState::Group before the step is first admitted.
inline constexpr int32_t kGroupUndecided = -2;

/// One step's state and, once settled, its record.
struct StepState {
  StepStatus Status = StepStatus::Pending;
  uint32_t Waiting = 0;   ///< Dependencies not settled yet.
  unsigned Attempts = 0;  ///< Attempts started.
  bool HasStarted = false;
  bool ConditionHeld = false;  ///< Its condition was true (asked once).
  bool CondFalse = false;      ///< Skipped by its false condition (`on_false`).
  /// A route target (docs/language.md §6.4): some route led here, so it
  /// runs even past a skipped dependency.
  bool RoutedTo = false;
  /// A route target's skipped dependency, until a route decides.
  std::string DepSkipped;
  Executor::TimePoint Started{}, Finished{};
  /// What templates see as `steps.<id>`: `output`, the other fields and
  /// `status: completed`; for a failed step whose policy is `continue`,
  /// `status: failed` and `error`.
  orch::ir::Json Result;
  /// Fields of Result kept in files (Spill.h); step() reads them back.
  std::vector<SpilledField> Spilled;
  std::string Error;            ///< Why it failed or was skipped.
  orch::ir::Json FailedFields;  ///< What the last failed attempt produced.
  /// What a running attempt holds; Scheduler::endAttempt gives it all back.
  std::unique_ptr<ActionTask> Task;
  Executor::TimerId Timer = 0;  ///< Timeout while running; backoff while waiting.
  bool HoldsJob = false;        ///< Counts against -j.
  /// Batch mode: the attempt waits on its batch, parked (no -j slot).
  bool Parked = false;
  int32_t HeldGroup = -1;  ///< The resource group whose slot it holds.
  /// Its resource group (Scheduler::groupOf), decided when it is first
  /// admitted; kGroupUndecided before.
  int32_t Group = kGroupUndecided;
  /// A fused request's or a batch's lease (Scheduler::admit) the attempt
  /// paid for or joined, or 0.
  uint64_t Lease = 0;
  /// The running attempt waits to be admitted again (Scheduler::admitLate)
  /// and its request, kept while it waits for its group.
  bool LateAdmission = false;
  std::unique_ptr<ActionRequest> LateRequest;
  uint64_t Epoch = 0;  ///< Bumped when an attempt ends: stale callbacks are ignored.
  /// The timeout of the next attempt (ms; 0: none). It doubles after an
  /// attempt timed out, capped by what is left of the pipeline's timeout.
  int64_t TimeoutMs = -1;
  std::vector<int64_t> AttemptTimeouts;  ///< Each attempt's timeout, ms.
  bool Resumed = false;                  ///< Taken over from an earlier run.
  /// stop() cut its running attempt off (SIGINT, the pipeline's timeout):
  /// that attempt's outcome is unknown, a resume runs it again as such.
  bool CutOff = false;
  /// With a StepCommitter or an observer that asks: a hash of the last
  /// attempt's action, model and rendered parameters (hex).
  std::string InputHash;
  /// With an observer: when the step last became ready (0: not queued),
  /// when it was parked for its resource group, and how long it has waited
  /// for the group since it became ready (RunObserver::attemptWaited).
  Executor::TimePoint ReadyAt{}, ParkedAt{};
  Executor::Clock::duration GroupWaited{};
  std::string CacheKey;  ///< A `cache:` step's key, once rendered.
  bool Cached = false;   ///< Its result came from the cache.
  std::string PriorStarted, PriorFinished;
  /// fuse-models: the steps whose request the last attempt shared, or "".
  std::string SharedRequest;
  /// Batch mode: the provider's batch the last attempt went in, or "".
  std::string Batch;
  /// fuse-models: the attempt goes on with a request of its own
  /// (ActionResult::AskAgain); its next start is not a new one.
  bool AskingAgain = false;
};

/// Notified as steps move; the progress display is one.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void stepStarted(uint32_t /*Step*/, unsigned /*Attempt*/) {}
  virtual void stepRetrying(uint32_t /*Step*/, std::chrono::milliseconds /*Delay*/,
                            const std::string & /*Error*/) {}
  virtual void stepSettled(uint32_t /*Step*/) {}
  /// True if attemptStarted() needs its InputHash (else it may be "").
  virtual bool needsInputHash() const { return false; }
  /// An attempt of \p Step is about to start (just before
  /// attemptStarted): it waited \p Queue from being ready (its
  /// dependencies settled, or its backoff over), of which \p Group for a
  /// slot or token of its resource group.
  virtual void attemptWaited(uint32_t /*Step*/, std::chrono::microseconds /*Queue*/,
                             std::chrono::microseconds /*Group*/) {}
  /// An attempt of \p Step starts with the rendered request \p R, whose
  /// inputs hash to \p InputHash (the hash the state store records).
  virtual void attemptStarted(uint32_t /*Step*/, const ActionRequest & /*R*/,
                              const std::string & /*InputHash*/) {}
  /// fuse-models: attempt \p R of \p Step, which a fused request
  /// started, asks again alone (its part was missing or failed its
  /// schema; \p Why says so): the same attempt goes on with its own
  /// request, in place of a second stepStarted()/attemptStarted().
  virtual void attemptAskingAgain(uint32_t /*Step*/, const ActionRequest & /*R*/,
                                  const std::string & /*Why*/) {}
  /// Attempt \p Attempt of \p Step ended: \p R is what it reported (a
  /// timeout is a failure whose error says so).
  virtual void attemptEnded(uint32_t /*Step*/, unsigned /*Attempt*/,
                            const ActionResult & /*R*/) {}
};

/// Runs one plan once.
class Scheduler : public ir::EvalScope {
 public:
  /// \p Inputs maps every input name to its value (checked by the caller).
  Scheduler(const LoadedPlan &Plan, const PlanProgram &Program, orch::ir::Json Inputs,
            Executor &Exec, ActionRunner &Runner, RunOptions Opts,
            RunObserver *Observer = nullptr);
  ~Scheduler() override;

  /// Starts every step without dependencies; the executor does the rest.
  void start();
  /// Marks step \p I completed with \p Result before start(): resuming
  /// from an earlier run, whose timestamps the report keeps. A \p Result
  /// whose `status` is `failed` (a `continue` failure) marks it failed.
  void preset(uint32_t I, orch::ir::Json Result, unsigned Attempts, std::string StartedAt,
              std::string FinishedAt, std::vector<SpilledField> Spilled = {},
              std::vector<int64_t> AttemptTimeouts = {});
  /// Loop item \p Name (as StepCommitter::itemDone names it) finished in
  /// an earlier run with \p Result when its inputs hashed to \p InputHash
  /// (and, for a `while` iteration, its condition said \p GoesOn): the
  /// loop takes it over (if its inputs still hash so) instead of running
  /// it. For a resume: before start().
  void presetItem(std::string Name, orch::ir::Json Result, std::string InputHash,
                  std::optional<bool> GoesOn = std::nullopt);
  /// Items taken over from an earlier run (presetItem()) so far.
  size_t itemsTakenOver() const { return ItemsTakenOver; }
  /// The hash of step \p I's action, model and parameters rendered now
  /// (as recorded in StepState::InputHash), or why they do not render.
  /// For a resume: after preset(), before start().
  llvm::Expected<std::string> renderedInputHash(uint32_t I) const;
  /// True once every step has settled (or the run stopped and nothing runs).
  bool finished() const { return Done; }
  /// Cancels running steps, records \p Why, skips the rest (SIGINT,
  /// pipeline timeout). \p AsInterrupt: the run is `interrupted`, else `failed`.
  void stop(const std::string &Why, bool AsInterrupt);

  RunStatus status() const;
  /// The run's error: the first failure, the timeout or the interrupt.
  const std::string &runError() const { return RunError; }
  /// The plan's steps (a loop's body steps are templates: they are
  /// `skipped` here and run per item, in the loop's `results`).
  size_t size() const { return NPlan; }
  /// The plan's steps outside loop bodies: those that settle once (the
  /// progress display's total).
  size_t topLevelSteps() const { return NPlan - Templates; }
  const StepState &state(uint32_t I) const { return States[I]; }
  /// The number of step \p I's latest attempt across the run's processes
  /// (RunOptions::PriorAttempts plus this process's); its key's number.
  unsigned keyAttempt(uint32_t I) const;
  llvm::StringRef stepId(uint32_t I) const;
  /// Observers see plan steps (0 .. size()-1) and the steps of loop items,
  /// each a node of its own (size() and up, reused once an item is done).
  /// The number of nodes so far:
  size_t nodes() const { return States.size(); }
  /// The plan step node \p I instantiates (itself for a plan step).
  uint32_t planStepOf(uint32_t I) const { return PlanOf[I]; }
  /// The plan this scheduler runs.
  const plan::Plan &plan() const { return P; }
  /// The resource group node \p I waits in and holds (-1: none): the one
  /// it took when first admitted (a templated model's provider's), else the
  /// plan's.
  int32_t groupIndexOf(uint32_t I) const {
    return States[I].Group != kGroupUndecided ? States[I].Group
                                              : P.steps()->Get(PlanOf[I])->group();
  }
  /// Whether node \p I's action asks a model (ir::isModelAction).
  bool callsModel(uint32_t I) const { return AsksModels[PlanOf[I]] != 0; }
  /// `each[3].say` for a loop item's step, the id for a plan step: the
  /// name observers show (and the idempotency key holds).
  std::string stepName(uint32_t I) const { return nodePath(I); }
  /// The most steps of group \p G that ever ran at once (for tests).
  unsigned groupPeak(size_t G) const { return G < Groups.size() ? Groups.peak(G) : 0; }
  /// The resource groups, with what they hold now (for tests).
  const ResourceGroups &groups() const { return Groups; }
  /// Steps holding a -j slot now.
  size_t running() const { return Running; }
  /// Attempts parked on a provider's batch now (batch mode; no -j slot).
  size_t parked() const { return Parked; }
  /// Loop-body instances of steps alive now (for tests: memory stays
  /// bounded by the items in flight).
  size_t liveInstanceSteps() const { return States.size() - NPlan - FreeNodes.size(); }
  /// Loop items (and iterations) whose body steps all settled so far.
  size_t itemsDone() const { return ItemsDone; }
  /// Whether plan step \p I is a loop (`for_each`, `while`, `until`).
  bool isLoop(uint32_t I) const { return Prog.isLoop(PlanOf[I]); }
  /// The most items of loop step \p Step that were ever in flight at once.
  unsigned loopPeak(uint32_t Step) const {
    return Step < LoopPeaks.size() ? LoopPeaks[Step] : 0;
  }
  /// Steps in each status, indexed by StepStatus.
  const std::array<size_t, 6> &counts() const { return Counts; }
  /// Evaluates the plan's outputs; failures are reported in \p Errors.
  /// Once the run has finished, evaluated once and kept.
  orch::ir::Json outputs(orch::ir::Json &Errors) const;
  Executor::TimePoint startTime() const { return StartTime; }
  const orch::ir::Json &inputs() const { return Inputs; }

  // EvalScope
  const orch::ir::Json *input(llvm::StringRef Name) const override;
  /// Loop variable \p Name of the instance rendering now (`item`, `index`,
  /// `is_first`, `is_last`, `iteration`), or null.
  const orch::ir::Json *loopVariable(llvm::StringRef Name) const override;
  /// Any step of the plan, loop bodies included.
  bool stepNamed(llvm::StringRef Id) const override {
    return Index.count(Id) != 0 ||
           (Id.consume_back(ir::PreviousSuffix) && Index.count(Id) != 0);  // a cycle's
  }
  const orch::ir::Json *step(llvm::StringRef Id) const override;
  /// Reads back only \p Field when it was spilled.
  const orch::ir::Json *stepField(llvm::StringRef Id,
                                  llvm::StringRef Field) const override;
  /// `execution`, `output_path` and `timestamp`; null for a name the plan
  /// has a step or an input of.
  const orch::ir::Json *runVariable(llvm::StringRef Name) const override;
  /// The first failure to move large fields to files ("" if none); those
  /// fields stayed in memory.
  const std::string &spillWarning() const { return SpillWarning; }

 private:
  /// No loop instance: a top-level step.
  static constexpr uint32_t NoInst = UINT32_MAX;
  /// One item of a running loop: its body steps' nodes and variables.
  struct Instance {
    uint32_t Loop = 0;        ///< The loop step's node.
    uint32_t Outer = NoInst;  ///< The instance holding the loop step.
    uint32_t Unsettled = 0;   ///< Body nodes not settled yet.
    uint32_t Item = 0;
    bool Failed = false;  ///< A body step failed under `fail` or `retry`.
    std::string Error;
    orch::ir::Json Index, First, Last;
    std::vector<uint32_t> Nodes;  ///< By position in the loop's body.
  };
  /// A running loop step's items and what came of them.
  struct LoopRun {
    orch::ir::Json Items;  ///< A list (`for_each`).
    uint32_t Next = 0, InFlight = 0, Limit = 1;
    /// Items that may start: all of a `for_each`'s; the iterations a
    /// `while`/`until` condition let start.
    uint32_t Allowed = 0;
    bool While = false, Until = false;  ///< A `while`/`until` loop.
    bool MaxReached = false;  ///< Stopped by `max_iterations`, not its condition.
    /// A `while` iteration ran in this run: later ones read its result, so
    /// none is taken over from an earlier run any more.
    bool IterationRan = false;
    uint32_t Max = 0;  ///< `max_iterations`.
    /// A `while` loop as its body and condition read it: `iteration`,
    /// `count` and `results` (the iterations done, in order).
    orch::ir::Json Live;
    bool Failing = false;
    std::string Error;
    std::vector<orch::ir::Json> Results;  ///< By item.
    /// A loop inside another's body: the hash of what its items read
    /// from outside (loopContext()); "" at top level.
    std::string Context;
    /// A `while` loop's iterations so far, hashed one after another (what
    /// an inner loop's items may read of them), when items are recorded.
    std::string Chain;
  };
  bool top(uint32_t I) const { return I < NPlan; }
  const plan::Step *planStep(uint32_t I) const { return P.steps()->Get(PlanOf[I]); }
  /// The node of plan step \p J seen from the instance \p K (a sibling or
  /// a step beside one of the loops holding it), or NoInst.
  uint32_t nodeFor(uint32_t J, uint32_t K) const;
  /// Calls \p F with each node that waits for node \p I.
  template <typename F>
  void forDependents(uint32_t I, F &&Fn) {
    uint32_t K = InstOf[I];
    for (uint32_t D : Dependents[PlanOf[I]])
      Fn(K == NoInst ? D : Insts[K].Nodes[BodyPos[D]]);
  }
  uint32_t allocNode(uint32_t J, uint32_t K);
  void freeNode(uint32_t N);
  /// Starts loop step \p I: renders its items, starts the first ones.
  void beginLoop(uint32_t I);
  /// Starts `while`/`until` loop \p I: its first iteration, if its
  /// condition lets it (SchedulerWhile.cpp).
  void beginWhile(uint32_t I);
  /// Renders loop \p L's condition in instance \p K (its last iteration,
  /// or where the loop stands before the first) after \p Done iterations:
  /// whether another iteration starts, or nothing (why: in the loop's Error).
  std::optional<bool> loopGoesOn(uint32_t L, uint32_t K, uint32_t Done);
  /// While loop \p L's templated `max_iterations` \p Bound, rendered in
  /// the loop's own context: 1 to ir::MaxLoopIterations, else std::nullopt
  /// and why in \p Why.
  std::optional<uint32_t> loopBound(uint32_t L, const ir::Value *Bound, std::string &Why);
  /// An iteration of `while`/`until` loop \p L (instance \p K, not yet
  /// freed) gave \p Result: collected; the condition says if one more starts.
  void afterIteration(uint32_t L, uint32_t K, orch::ir::Json Result);
  /// Whether routing cycle iteration \p K goes on: its last step (plan
  /// step \p Tail) took its route back. A forward route is kept in
  /// \p Result's `@next`; a `when` that does not render: nothing, and why
  /// in \p Why.
  std::optional<bool> cycleGoesOn(uint32_t K, uint32_t Tail, orch::ir::Json &Result,
                                  std::string &Why);
  /// A routing cycle's step \p Id read from the instance rendering now
  /// (Ctx): its previous iteration when \p Id is `<id>@previous`, else
  /// (from after the cycle) its last (docs/control-flow.md §5); null if
  /// there is none.
  const orch::ir::Json *cycleStep(llvm::StringRef Id) const;
  /// Moves a `while` loop's collected iterations into \p R.Results.
  static void takeIterations(LoopRun &R);
  /// Parameter \p K of plan step \p J rendered now; an integer parameter's
  /// whole number is the integer (PlanProgram::integerParam).
  llvm::Expected<orch::ir::Json> renderParam(uint32_t J, size_t K) const;
  /// Plan step \p J's templated `model` rendered: the model's name (text,
  /// trimmed, not empty).
  llvm::Expected<std::string> renderModel(uint32_t J) const;
  /// The running `while`/`until` loop \p Id as its body and condition see
  /// it (R.Live), or null.
  const orch::ir::Json *liveLoop(llvm::StringRef Id) const;
  /// Takes item R.Next of loop \p L over from an earlier run, if it was
  /// recorded for the same item (presetItem()) and, in a `while` loop, no
  /// iteration before it ran in this run; true if it did.
  bool takeOverItem(uint32_t L, LoopRun &R);
  /// The hash loop \p L's item \p Item is recorded with: a `for_each`
  /// item's rendered value (a `while` iteration's number) and, inside
  /// another loop's body, the loop's Context.
  std::string itemHash(uint32_t L, const LoopRun &R, uint32_t Item) const;
  /// For loop node \p L inside an item: the hash of the outer item (its
  /// value or iteration number, the outer loop's own Context) and of the
  /// results of \p L's dependencies in that item, which may have run
  /// again on a resume.
  std::string loopContext(uint32_t L) const;
  /// Records instance \p K's finished item (StepCommitter::itemDone).
  void recordItem(uint32_t K, const orch::ir::Json &Result,
                  std::optional<bool> GoesOn = std::nullopt);
  /// Items are recorded or taken over: loops keep Context and Chain.
  bool tracksItems() const {
    return (Opts.Commit && Opts.Commit->recordsItems()) || HadPresets;
  }
  /// Adds `while` loop \p R's newest iteration \p Result to its Chain.
  void chainIteration(LoopRun &R, const orch::ir::Json &Result) const;
  /// Starts items of loop \p L up to its limit; finishes the loop when
  /// none is in flight and none may start.
  void startItems(uint32_t L);
  void startInstance(uint32_t L, LoopRun &R);
  /// Collects and frees the instances whose body steps all settled.
  void drainFinished();
  void finishInstance(uint32_t K);
  /// Every item of loop \p L is done (or the loop failed): it completes or fails.
  void finishLoop(uint32_t L);
  /// `results` (the items that finished; null: not started) and `count`
  /// of a loop that failed or stopped; takes \p R's results.
  static orch::ir::Json partialResults(LoopRun &R);
  /// Loop \p L stops unfinished (SIGINT, the run's timeout, a failure):
  /// its finished items stay in its FailedFields, which the report shows.
  void keepPartial(uint32_t L);
  /// What a settled body node gives its item's result (moved out, unless
  /// \p Keep: a `while` loop's condition still reads it).
  orch::ir::Json nodeResult(uint32_t N, bool Keep = false);
  /// A body step of an item failed under `fail` or `retry`: it fails its
  /// loop (whose own policy then applies), not the run.
  void itemFailed(uint32_t I);
  /// `loop[3].step` for a body step's instance, the id for a plan step.
  std::string nodePath(uint32_t I) const;
  /// Step I was told to ask alone (fuse-models' AskAgain); loop-body
  /// instances, which never fuse, are never in the table.
  bool unfused(uint32_t I) const { return top(I) && Unfused[I]; }
  /// The plan's fused model request step I belongs to, or -1 (loop-body
  /// instances never fuse: the pass leaves bodies alone).
  int32_t fusionOf(uint32_t I) const { return top(I) && !unfused(I) ? FusionOf[I] : -1; }
  /// Observers see the attempts of steps that run actions: plan steps and
  /// loop items' steps (not loops: their items' steps run); stepSettled()
  /// is for plan steps only.
  bool observed(uint32_t I) const { return Obs && !Prog.isLoop(PlanOf[I]); }
  /// Batch mode: does \p I's next attempt go in a batch (a model step's
  /// first attempt, not `ucb`)?
  bool batchedAttempt(uint32_t I) const;
  void beginNode(uint32_t I);

  void setStatus(uint32_t I, StepStatus S);
  /// The state of step \p Id (its number in \p I) if it has a result.
  const StepState *settledState(llvm::StringRef Id, uint32_t &I) const;
  void noteReadError(llvm::Error E) const;
  /// Ends a rendering: frees what it read back and returns \p Error with
  /// the spill file that could not be read, if any, appended.
  std::string renderingDone(std::string Error) const;
  void ready(uint32_t I);
  void dispatch();
  void begin(uint32_t I);
  void onDone(uint32_t I, uint64_t Epoch, ActionResult R);
  void onTimeout(uint32_t I, uint64_t Epoch);
  /// The one way out of an attempt (done, failed, timed out, cancelled) or
  /// of a wait for a retry: frees the task (cancelling it when \p Cancel),
  /// the timer, the -j slot and the group slot, and makes the attempt's
  /// late callbacks stale.
  void endAttempt(uint32_t I, bool Cancel);
  void attemptFailed(uint32_t I, std::string Error, bool Retryable, bool TimedOut);
  void finalFail(uint32_t I, std::string Error);
  void complete(uint32_t I, orch::ir::Json Fields);
  void release(uint32_t I);
  void skipDependents(uint32_t I, const std::string &Why);
  // --- routing (SchedulerRoutes.cpp, docs/language.md §6.4) ---
  /// Reads the plan's routes: who waits for whose decision, the targets.
  void initRoutes();
  /// Step \p I settled: takes the route its end chooses (skipping the
  /// steps it jumps over), then wakes the steps that waited for it.
  void routeSettled(uint32_t I);
  /// The route settled node \p N's end takes (an index into its plan
  /// step's routes), or -1; a `when` that does not render sets \p Error.
  int32_t chooseRoute(uint32_t N, std::string &Error);
  /// Takes the route of settled top-level step \p I, if its end has one
  /// (a routing cycle's loop: the one its last step chose).
  void takeRoute(uint32_t I);
  /// Resume: the routes of the steps taken over are taken again.
  void replayRoutes();
  /// \p D waits for one step less; once it waits for none it is ready, or
  /// (a route target that no route reached past a skipped dependency)
  /// skipped.
  void wake(uint32_t D);
  bool routeTarget(uint32_t I) const {
    return !RouteTarget.empty() && RouteTarget[PlanOf[I]];
  }
  /// Calls \p F with each node that waits for node \p I's route decision
  /// (a sibling in its body instance, or a top-level step).
  template <typename F>
  void forOrderDependents(uint32_t I, F &&Fn) {
    uint32_t K = InstOf[I];
    for (uint32_t D : OrderDependents[PlanOf[I]])
      Fn(K == NoInst ? D : Insts[K].Nodes[BodyPos[D]]);
  }
  /// Whether node \p I is a routing cycle's last step, whose routes its
  /// loop takes (SchedulerWhile.cpp), not itself.
  bool cycleTail(uint32_t I) const;
  std::vector<std::vector<uint32_t>> OrderDependents;  ///< By plan step.
  std::vector<char> RouteTarget;                       ///< By plan step.
  // --- end routing ---
  /// The run is failing: steps waiting to retry fail now, saying \p Why.
  void abandonRetries(const std::string &Why);
  void settle(uint32_t I);
  /// Hands completed step \p I to Opts.Commit; it settles and releases its
  /// dependents once durable.
  void commitThenRelease(uint32_t I);
  /// Starts the action of \p I's attempt (begin(), or after a cache miss).
  void launch(uint32_t I, ActionRequest R, bool NumberRecorded = false);
  /// Moves the large fields of \p I's result to files (RunOptions::Spill).
  void spill(uint32_t I);
  void checkDone();
  void bury(std::unique_ptr<ActionTask> T);
  /// The ready heap: the longest remaining path first, then plan order.
  void pushReady(uint32_t I);
  /// Heap order: does \p A start after \p B? (shorter path, later in file)
  bool later(uint32_t A, uint32_t B) const;
  uint32_t popReady();
  /// What attempt \p R of plan step \p J reads from outside the plan
  /// (RunOptions::OutsideInputs); for a loop, what the steps of its body
  /// read.
  std::string outsideDigest(uint32_t J, const ActionRequest &R) const;
  /// \p I's resource group: the plan's, or for a step whose model is a
  /// template, its rendered model's provider group (RunOptions::ProviderOf).
  /// Decided at its first admission, in its instance's context, and kept.
  int32_t groupOf(uint32_t I);
  /// Takes a slot of \p I's group, or parks \p I until one frees or a
  /// token is due (then a timer wakes the group).
  bool admit(uint32_t I, bool Batched);
  /// Whether the lease step \p I holds for request \p R is still this
  /// loop turn's.
  bool leaseLive(uint32_t I, const ActionRequest &R) const;
  /// Admits attempt \p R of step \p I, which starts in a later turn than
  /// the lease it took, on its own: it gives the lease up (its slot passes
  /// on through releaseGroup) and is admitted like any request; false when
  /// it waits for its group (it resumes from groupHasRoom()).
  bool admitLate(uint32_t I, ActionRequest &R);
  /// A step the group gives room to: back to the ready queue, or, when it
  /// started already and waits to be admitted again, to LateReady.
  void groupHasRoom(uint32_t I);
  /// Parked steps of group \p G return to the ready heap.
  void unpark(int32_t G);
  /// Gives back the group slot \p I holds, if any (\p Unused: and its
  /// token), or passes it to a step still waiting on the shared request
  /// \p I paid for (its lease's riders).
  void releaseGroup(uint32_t I, bool Unused);
  /// The timeout of \p I's next attempt, in ms (0: none).
  int64_t attemptTimeout(uint32_t I);

  const plan::Plan &P;
  const PlanProgram &Prog;
  orch::ir::Json Inputs;
  /// The run-time variables of templates (runVariable).
  orch::ir::Json Execution, OutputPath, PipelineId;
  Executor &Exec;
  ActionRunner &Runner;
  RunOptions Opts;
  RunObserver *Obs;
  /// Nodes: the plan's steps (0..NPlan-1), then loop-body instances,
  /// reused once freed. A deque: references stay valid as it grows.
  std::deque<StepState> States;
  size_t NPlan = 0;
  size_t Templates = 0;          ///< Plan steps inside loop bodies.
  std::vector<uint32_t> PlanOf;  ///< Node -> plan step.
  std::vector<uint32_t> InstOf;  ///< Node -> its instance, or NoInst.
  std::vector<uint32_t> FreeNodes;
  std::vector<Instance> Insts;
  std::vector<uint32_t> FreeInsts, FinishedInsts;
  std::map<uint32_t, LoopRun> Loops;  ///< By loop node.
  std::vector<unsigned> LoopPeaks;    ///< By plan step.
  /// Per plan step: its loop (-1: top level), its position in that body,
  /// and for loops their direct body steps.
  std::vector<int32_t> ParentOf;
  /// By plan loop: what its body reads from outside the plan
  /// (outsideDigest), once asked.
  mutable std::vector<std::optional<std::string>> BodyOutside;
  std::vector<uint32_t> BodyPos;
  std::vector<std::vector<uint32_t>> BodyOf;
  /// Per body step: its key in its loop's `results` ("": not shown).
  std::vector<std::string> ResultKey;
  /// The instance whose templates render now (loop variables, siblings).
  mutable uint32_t Ctx = NoInst;
  /// `iteration` while a `while`/`until` condition renders, else null.
  const orch::ir::Json *CondIteration = nullptr;
  size_t Total = 0;      ///< Live nodes (plan steps and instances).
  size_t ItemsDone = 0;  ///< Instances finished (itemsDone()).
  size_t ItemsTakenOver = 0;
  /// presetItem(): a loop item's recorded inputs hash, result and verdict.
  struct PresetItem {
    std::string Hash;
    orch::ir::Json Result;
    std::optional<bool> GoesOn;
  };
  /// presetItem(): by record name (`each[3]`, `each[3].inner[1]`).
  std::map<std::string, PresetItem, std::less<>> PresetItems;
  bool HadPresets = false;  ///< presetItem() was called.
  /// Per plan step, the steps of the same body (or top level) waiting for it.
  std::vector<std::vector<uint32_t>> Dependents;
  std::vector<uint64_t> PathMs;  ///< Priorities, read from the plan once.
  std::vector<char> IsModel;     ///< Steps that call a model (need ParamOrder).
  std::vector<char> AsksModels;  ///< IsModel, and steps asking models themselves.
  llvm::StringMap<uint32_t> Index;
  std::vector<uint32_t> Ready;  ///< A heap (pushReady/popReady).
  /// Started attempts their group now has room for (groupHasRoom()): relaunched
  /// by dispatch() before the ready queue, needing no -j slot.
  std::vector<uint32_t> LateReady;
  ResourceGroups Groups;
  // fuse-models (docs/fusion.md): members of one fused request that start
  // in one loop turn share the resource token the first one took (their
  // model calls go out as one request in the next turn).
  std::vector<int32_t> FusionOf;  ///< Step -> plan model_fusions index, or -1.
  /// Per fused request: the lease a member took this turn (its group's
  /// slot and token), or 0.
  std::vector<uint64_t> FusionLease;
  /// Batch mode, per group: the lease a batched step took this turn; the
  /// group's other batched steps of the turn join its batch. Or 0.
  std::vector<uint64_t> BatchLease;
  uint64_t LastLease = 0;
  /// The steps that joined each lease still held: when its payer's attempt
  /// ends first (a timeout), the group slot passes to one of them, since
  /// the shared request is still in flight for them.
  std::map<uint64_t, std::vector<uint32_t>> LeaseRiders;
  /// Steps asked to send their own request (ActionResult::AskAgain): no
  /// longer fused, admitted like any step.
  std::vector<char> Unfused;
  std::vector<Executor::TimerId> GroupTimers;  ///< Wakes a group when a token is due.
  std::array<size_t, 6> Counts{};              ///< Plan steps only.
  size_t Backoffs = 0;                         ///< Nodes waiting to retry.
  size_t Running = 0, Settled = 0;
  size_t Parked = 0;      ///< Attempts with StepState::Parked.
  size_t Committing = 0;  ///< Completed steps waiting for their record.
  bool InDispatch = false, Stopping = false, Done = false, Started = false;
  bool Failed = false, Interrupted = false;
  std::string RunError;
  Executor::TimePoint StartTime{};
  Executor::TimerId RunTimer = 0;
  std::vector<std::unique_ptr<ActionTask>> Graveyard;
  /// Results of steps with spilled fields, read back for the rendering
  /// under way; emptied after it (so memory holds one rendering's worth).
  mutable std::map<uint32_t, orch::ir::Json> Loaded;
  /// Single spilled fields read back (stepField), emptied likewise.
  mutable std::map<std::pair<uint32_t, std::string>, orch::ir::Json> LoadedFields;
  /// The first spill file that could not be read back in this rendering.
  mutable std::string ReadErrors;
  mutable bool OutputsCached = false;
  mutable orch::ir::Json OutputValues, OutputErrors;
  std::string SpillWarning;
  bool GraveyardPosted = false;
  std::shared_ptr<bool> Alive = std::make_shared<bool>(true);
};

}  // namespace orch::runtime
