//===- Recorder.h - Commits step completions off the event loop -*- C++ -*-===//
//
// The scheduler hands each completed step to the recorder (StepCommitter).
// On the loop it only copies the step's entry into a queue; a writer
// thread drains the queue in batches, one transaction a batch (group
// commit), storing large values as blobs (EntryCodec.h), and then posts the
// acknowledgements back to the loop, where the dependents start. Cost per
// step is linear in that step's result: nothing is rewritten whole.
//
// Strategies (`context.checkpoint_strategy`):
//   every_step  every completion waits for its record (also `fixed`)
//   adaptive    steps that call a model, run a process or reach the network
//               wait; cheap local ones (echo, transform, file.*) ride along
//               in the next batch without waiting
//   none        nothing is recorded while the run goes on; the end is
//
// The writer thread also renews the run's lease.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/exec/Scheduler.h"
#include "runtime/state/StateStore.h"

namespace orch::state {

/// When completions are recorded.
enum class CheckpointStrategy { EveryStep, Adaptive, None };

/// `every_step` (also "" and `fixed`), `adaptive`, `none`; else std::nullopt.
std::optional<CheckpointStrategy> parseCheckpointStrategy(llvm::StringRef S);

/// How often a lease (StateStore.h's LeaseTtlMs) is renewed.
constexpr int64_t LeaseRenewMs = 10000;
// The writer thread renews between write transactions (between batches,
// and between a batch's cache entries): a renewal falls due while one
// waits for a lock (up to LockWaitMs), then waits itself at most as long.
// The lease must outlast that, or a live run could be taken over.
static_assert(LeaseRenewMs + 2 * LockWaitMs < LeaseTtlMs,
              "a blocked writer must renew its lease before it runs out");

/// Unix time in ms.
int64_t unixMs();

/// Records one run's completions into a store it owns, and serves and
/// fills the step-result cache (`cache:` steps) from the writer thread.
class Recorder : public runtime::StepCommitter, public runtime::StepCache {
 public:
  /// \p Writer is used only by the writer thread, until finish(). \p Holder
  /// names this process in the run's lease, renewed every \p RenewEvery.
  Recorder(
      std::unique_ptr<StateStore> Writer, runtime::Executor &Exec, std::string RunId,
      std::string Holder, CheckpointStrategy Strategy,
      std::chrono::milliseconds RenewEvery = std::chrono::milliseconds(LeaseRenewMs));
  ~Recorder() override;

  /// The scheduler whose steps are recorded; \p WallStart as for buildReport.
  void attach(const runtime::Scheduler &S, const runtime::LoadedPlan &Plan,
              std::chrono::system_clock::time_point WallStart);
  /// Records the steps taken over from a `--resume FILE` result, before
  /// anything runs: this run's record must hold them, or a later resume of
  /// it would run them again. (A resume from the store has them already.)
  void recordTakenOver();
  bool commit(uint32_t Step, std::function<void(std::string)> Ack) override;
  /// Records a `running` row with the attempt's number (not under `none`).
  bool attemptStarting(uint32_t Step, unsigned Attempt,
                       std::function<void(std::string)> Ack) override;
  /// Records a finished loop item as step \p Name (`each[3]`,
  /// `each[3].inner[1]`, `refine[2]`; its result in `fields`, a `while`
  /// iteration's verdict in `goes_on`), in the next batch; not under `none`.
  void itemDone(const std::string &Name, const orch::ir::Json &Result,
                const std::string &InputHash, std::optional<bool> GoesOn) override;
  /// Not under `none`.
  bool recordsItems() const override { return Strategy != CheckpointStrategy::None; }
  void lookup(const std::string &Key,
              std::function<void(std::optional<orch::ir::Json>)> Done) override;

  /// Records every settled step not recorded yet and the run's end, waits
  /// for the writer, stops it, and gives the lease back: nothing may be
  /// recorded after. The first write error of the run, if any.
  llvm::Error finish(llvm::StringRef Status, llvm::StringRef Error);

  /// Adds `usage` to each step's record: what \p UsageOf gives for its
  /// id (null: nothing). A resume carries it into its budget. Before attach().
  void setUsageOf(std::function<orch::ir::Json(const std::string &StepId)> UsageOf) {
    this->UsageOf = std::move(UsageOf);
  }

  /// Steps recorded so far (for tests and benchmarks).
  size_t recorded() const;

 private:
  struct Job {
    StepRecord Rec;
    orch::ir::Json Entry;
    std::vector<runtime::SpilledField> Spilled;
    std::function<void(std::string)> Ack;  ///< Empty: nobody waits.
    std::string CacheKey;  ///< Also store the result under this key ("": no).
    int64_t CacheTtlS = 0;
    /// A cache lookup instead of a record: Done gets the fields, if any.
    std::function<void(std::optional<orch::ir::Json>)> LookupDone;
    /// A lookup: nothing to write (answer() hands LookupDone on, so this,
    /// not LookupDone, says what the job was).
    bool Lookup = false;
  };
  /// Answers a lookup job (on the writer thread).
  void answer(Job &J);
  void enqueue(uint32_t Step, std::function<void(std::string)> Ack);
  /// Renews the run's lease (writer thread): "" or why it was lost.
  std::string renewLease();
  void writerLoop();
  /// Writes one batch; "" or why it failed.
  std::string write(std::vector<Job> &Batch);

  std::unique_ptr<StateStore> Store;
  runtime::Executor &Exec;
  std::string RunId, Holder;
  CheckpointStrategy Strategy;
  const runtime::Scheduler *Sched = nullptr;
  std::vector<char> Cheap;        ///< Steps `adaptive` does not wait for.
  std::vector<char> Queued;       ///< Steps handed to the writer.
  std::vector<int64_t> CacheTtl;  ///< Each step's `cache:` seconds (-1: off).
  std::chrono::system_clock::time_point WallStart;
  std::function<orch::ir::Json(const std::string &)> UsageOf;

  mutable std::mutex M;
  std::condition_variable Wake, Idle;
  std::deque<Job> Queue;
  bool Busy = false, Quit = false;
  std::chrono::milliseconds RenewEvery;
  /// When the writer thread renews the lease next (its own).
  std::chrono::steady_clock::time_point NextRenew;
  size_t Written = 0;
  std::string FirstError;
  std::thread Writer;
};

}  // namespace orch::state
