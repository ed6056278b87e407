//===- StateStore.h - Durable runs: the store's contract -------*- C++ -*-===//
//
// A run's durable record: the run itself, one row a settled step, a lease
// that says which process drives the run, content-addressed blobs for large
// results, and the step-result cache. Two backends implement it (SQLite,
// PostgreSQL); one GoogleTest suite runs against both. Every method is one
// transaction; nothing throws. A store object is used by one thread at a
// time (the recorder's writer thread owns its own).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace orch::state {

/// How long a lease lasts without renewal (ms). A `running` run whose
/// lease ran out (or that never got one within this time) was abandoned:
/// `orchrt runs` shows it `interrupted` and gc prunes it by that time.
constexpr int64_t LeaseTtlMs = 60000;

/// How long a write waits for another process's lock before it fails (ms):
/// the SQLite busy timeout and PostgreSQL's `lock_timeout`. A writer blocked
/// this long cannot renew its lease meanwhile, so it is kept well below
/// LeaseTtlMs (Recorder.h checks the sum with the renewal interval).
constexpr int64_t LockWaitMs = 20000;

/// The step id of the row that holds a finished run's `outputs` (status
/// `outputs`; its `output` is the outputs, `fields.output_errors` what
/// failed). No step can have it: step ids are identifiers.
inline constexpr const char *OutputsRowId = "(outputs)";

/// One run of a plan.
struct RunRecord {
  std::string Id;          ///< `r-…`, unique (runId.h).
  std::string Pipeline;    ///< The pipeline's name.
  std::string PlanHash;    ///< LoadedPlan::contentHash().
  std::string PlanPath;    ///< As given on the command line (for people).
  std::string InputsJson;  ///< The bound inputs, JSON text.
  std::string Status;      ///< `running`, `completed`, `failed`, `interrupted`.
  std::string Error;       ///< The run's error, if any.
  int64_t StartedMs = 0;   ///< Unix time, ms.
  int64_t FinishedMs = 0;  ///< 0 while running.
  int64_t StepsDone = 0;   ///< Steps recorded `completed` (listRuns fills it).
  /// config.yaml `storage.retention_days` of its plan (0: not set), which
  /// `orchrt gc` without `--retention-days` keeps it by (createRun writes it).
  int64_t RetentionDays = 0;
  /// When its lease runs out, or StartedMs + LeaseTtlMs without one
  /// (findRun and listRuns fill it).
  int64_t LeaseEndMs = 0;
  /// True if it is `running` but its lease ran out before \p NowMs: its
  /// process died (kill -9, a crash) and nobody resumed it.
  bool abandoned(int64_t NowMs) const {
    return Status == "running" && LeaseEndMs < NowMs;
  }
};

/// A blob to store with the record that refers to it: its name (the
/// SHA-256 of the uncompressed text) and its stored bytes.
struct BlobData {
  std::string Hash;
  std::string Bytes;
};

/// One settled step of a run: the `steps.<id>` entry of the `--out` JSON,
/// with large values replaced by blob references (Blobs.h).
struct StepRecord {
  std::string RunId;
  std::string StepId;
  std::string Status;     ///< `completed`, `failed`, `skipped`.
  std::string EntryJson;  ///< The entry (status, output, fields, attempts, ...).
  std::string InputHash;  ///< Hash of the step's rendered inputs ("" if none).
  int64_t Attempts = 0;
  std::vector<std::string> Blobs;  ///< Blobs EntryJson refers to (kept by gc).
  /// Blobs to store with the row, in its transaction and after their
  /// references, so that a concurrent `gc` never sees them unreferenced.
  std::vector<BlobData> NewBlobs;
};

/// A cached step result (`cache:` on a step).
struct CacheRecord {
  std::string Key;
  std::string EntryJson;
  int64_t CreatedMs = 0;
  int64_t ExpiresMs = 0;           ///< 0: never.
  std::vector<std::string> Blobs;  ///< Blobs EntryJson refers to (kept by gc).
};

/// What `orchrt gc` removed.
struct GcResult {
  int64_t Runs = 0, Steps = 0, Blobs = 0, CacheEntries = 0;
};

/// The durable store of runs.
class StateStore {
 public:
  virtual ~StateStore() = default;
  /// `sqlite` or `postgresql`.
  virtual llvm::StringRef backend() const = 0;
  /// Where it lives, for messages (a path, or the URL without password).
  virtual std::string where() const = 0;

  /// Records a new run (its Status `running`).
  virtual llvm::Error createRun(const RunRecord &R) = 0;
  /// The run \p Id, or std::nullopt.
  virtual llvm::Expected<std::optional<RunRecord>> findRun(llvm::StringRef Id) = 0;
  /// The newest run of plan \p PlanHash ("" if none).
  virtual llvm::Expected<std::string> latestRun(llvm::StringRef PlanHash) = 0;
  /// Every run, newest first, with StepsDone.
  virtual llvm::Expected<std::vector<RunRecord>> listRuns() = 0;
  /// Sets a run's status, error and finish time.
  virtual llvm::Error finishRun(llvm::StringRef Id, llvm::StringRef Status,
                                llvm::StringRef Error, int64_t FinishedMs) = 0;
  /// Inserts or replaces \p Steps with their references and their new
  /// blobs, all in one transaction.
  virtual llvm::Error putSteps(llvm::ArrayRef<StepRecord> Steps) = 0;
  /// The steps recorded for run \p RunId, in insertion order.
  virtual llvm::Expected<std::vector<StepRecord>> steps(llvm::StringRef RunId) = 0;

  /// Appends \p Lines (whole JSON Lines of the run's event log, each
  /// ending in a newline) to run \p RunId's record, after what it holds.
  virtual llvm::Error appendEvents(llvm::StringRef RunId, llvm::StringRef Lines) = 0;
  /// Run \p RunId's event log as appended, "" if it has none.
  virtual llvm::Expected<std::string> events(llvm::StringRef RunId) = 0;
  /// Takes the lease of run \p RunId for \p Holder (`host:pid`) until
  /// \p NowMs + \p TtlMs. Succeeds if nobody holds it, \p Holder does, the
  /// lease ran out, or \p HolderDead says the holder's process is gone.
  /// Returns "" on success, else the current holder.
  virtual llvm::Expected<std::string> acquireLease(
      llvm::StringRef RunId, llvm::StringRef Holder, int64_t NowMs, int64_t TtlMs,
      bool (*HolderDead)(llvm::StringRef Holder)) = 0;
  /// Gives the lease back (only if \p Holder holds it).
  virtual llvm::Error releaseLease(llvm::StringRef RunId, llvm::StringRef Holder) = 0;

  /// Stores \p Bytes under \p Hash unless present (content-addressed).
  virtual llvm::Error putBlob(llvm::StringRef Hash, llvm::StringRef Bytes) = 0;
  /// The bytes stored under \p Hash, or std::nullopt.
  virtual llvm::Expected<std::optional<std::string>> getBlob(llvm::StringRef Hash) = 0;

  /// Inserts or replaces a cache entry; the references of the entry it
  /// replaces go with it.
  virtual llvm::Error putCache(const CacheRecord &C) = 0;
  /// The entry \p Key if it has not expired at \p NowMs.
  virtual llvm::Expected<std::optional<CacheRecord>> getCache(llvm::StringRef Key,
                                                              int64_t NowMs) = 0;

  /// Removes finished runs that finished before \p BeforeMs, and abandoned
  /// ones (RunRecord::abandoned) whose lease ended before it (with their
  /// steps and leases), expired cache entries, and blobs nothing references.
  /// \p ByRecorded: a run that recorded its own retention days is kept
  /// that long after \p NowMs instead (\p BeforeMs is the default).
  virtual llvm::Expected<GcResult> gc(int64_t BeforeMs, int64_t NowMs,
                                      bool ByRecorded = false) = 0;
  /// The backend's own consistency check ("" if fine).
  virtual llvm::Expected<std::string> integrityCheck() = 0;
};

/// Opens the store named by \p Spec: a `postgresql://` or `postgres://`
/// URL, else a state directory (created, mode 0700), where `runs.db`
/// (SQLite) lives. \p ReadOnly (`orchrt runs`, `show` when a read-write
/// open failed): nothing is created or written.
llvm::Expected<std::unique_ptr<StateStore>> openStateStore(llvm::StringRef Spec,
                                                           bool ReadOnly = false);

}  // namespace orch::state
