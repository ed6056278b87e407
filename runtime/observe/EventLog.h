//===- EventLog.h - The run's events as JSON Lines -------------*- C++ -*-===//
//
// `orchrt --events FILE`: one JSON object a line, written as things
// happen: `run_start`, `attempt_start` (with the rendered parameters,
// redacted, and their hash), `model_call` (the exact request body,
// the answer, tokens, cost, latency; from the Ledger), `attempt_end`
// (status, error, duration) and `run_end` (status, totals). Every line
// has `event` and `t_ms`, milliseconds since the log was opened.
//
// Keys never land in the log: request bodies hold none (they travel in
// headers); a step's secret headers, secret `env` entries and URL
// credentials are redacted by name (Redact.h); and every event is scrubbed,
// before it is serialised, of the values of the environment's
// secret-looking variables (ir::secretEnvName), of the providers' key
// variables and of the values redacted by name. The file is created 0600,
// never through a symlink, and locked: one run writes it at a time.
//
// The run's event loop only stamps and queues an event: a writer thread
// scrubs, serialises, writes and flushes them in batches (one write(2) a
// batch), woken by a full batch, a `model_call` or `run_end`, a flush() or
// every WriterPeriod. No event is written before it is scrubbed. The
// queue is bounded, by events and by their approximate size: a run that
// outpaces the disk waits for the writer rather than growing without limit.
//
// An attempt's start and end (AttemptEvents, a few a step) are queued
// without a JSON tree: a fixed-size record, its strings and the JSON text
// of its parameters or output appended to a text arena that the queue
// reuses, so the run's thread allocates nothing for them once the queue
// has grown. The writer rebuilds each such event as the tree emit() would
// have queued, member by member in the same order, and handles it as any
// other: its line is byte-identical.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ir/Json.h"
#include "llvm/Support/Error.h"
#include "runtime/exec/Scheduler.h"

namespace orch::observe {

/// A second place the writer thread hands every batch of written lines
/// to (the state store's record of the run, tools/orchrt StoredEvents).
class EventSink {
 public:
  virtual ~EventSink() = default;
  /// Takes \p Lines, whole JSON Lines each ending in a newline, already
  /// scrubbed. Returns "" or what went wrong (reported at the run's end).
  virtual std::string write(llvm::StringRef Lines) = 0;
};

/// Appends events to a file and/or a sink from a writer thread; emit() is
/// thread-safe.
class EventLog {
 public:
  /// Events queued before emit() waits for the writer.
  static constexpr size_t QueueLimit = 8192;
  /// Approximate bytes (approxBytes) queued before emit() waits for the
  /// writer: an event may hold a large output or model answer. An event
  /// larger than this is still queued, alone.
  static constexpr size_t QueueBytesLimit = 64u << 20;
  /// Events queued before emit() wakes an idle writer.
  static constexpr size_t WakeBatch = 256;
  /// How often an idle writer looks at the queue by itself: a queued
  /// event that does not wake it (attempt_start/_end) reaches the file
  /// within about this long. The run's thread queues its held-back
  /// attempt records (queueAttempt) before its loop sleeps, or with the
  /// first record after the oldest has waited this long.
  static constexpr std::chrono::milliseconds WriterPeriod{20};

  /// Opens (truncates) \p Path; \p Secrets are scrubbed from every line.
  static llvm::Expected<std::unique_ptr<EventLog>> open(const std::string &Path,
                                                        std::vector<std::string> Secrets);
  /// A log without a file, for a sink only (setSink).
  static std::unique_ptr<EventLog> withoutFile(std::vector<std::string> Secrets);
  /// Hands every batch to \p S as well; before the first emit().
  void setSink(std::unique_ptr<EventSink> S);
  /// Writes what is queued, then closes the file.
  ~EventLog();
  /// Queues \p Event (an object) to be written as one line, adding `t_ms`.
  void emit(orch::ir::Json Event);

  /// What AttemptEvents queues for an `attempt_start` or `attempt_end`.
  /// Text fields are offsets into the text handed with it (queueAttempt).
  struct AttemptRecord {
    /// A piece of the record's text: [Begin, Begin + Size).
    struct Text {
      uint32_t Begin = 0, Size = 0;
    };
    bool Start = true;  ///< attempt_start; else attempt_end.
    unsigned Attempt = 0;
    Text Step, Action, Model;  ///< Model: "" leaves `model` out.
    /// attempt_start: the step's resource group; "" leaves `group` out.
    Text Group;
    /// attempt_start: the parameters' JSON text (an object's members
    /// each bounded as boundedValue does); attempt_end: the output's, if
    /// HasValue.
    Text Value;
    bool HasValue = false;
    /// attempt_start: `queue_wait_ms` (and `group_wait_ms` unless 0), in µs.
    bool HasWait = false;
    int64_t QueueWaitUs = 0, GroupWaitUs = 0;
    /// attempt_end: completed or failed (then Error and Retryable).
    bool Ok = false, Retryable = false;
    Text Error;
    bool HasDuration = false;
    double DurationMs = 0;
    double TMs = 0;  ///< Stamped by queueAttempt().
  };
  /// Queues \p R, whose text fields are in \p Text (copied into the
  /// queue's arena), stamping its `t_ms`. Its Value must be
  /// appendJsonText's text (the writer's plain path, EventLine.h, writes it
  /// into the line as it is: compact, canonical, valid UTF-8). No allocation once the
  /// queue and its arena have grown to a batch's size. \p Now: the caller's clock
  /// reading of the attempt's start or end, so the attempt is not read from the clock
  /// twice.
  ///
  /// On the thread that first called it (the run's), records wait in a
  /// batch of that thread's own, queued under one lock when PendingBatch
  /// of them are there, when \p Publish is true, or when that thread calls
  /// emit(), flush() or publishPending(): one lock a batch instead of one
  /// a record. The caller publishes at once whenever another thread may
  /// emit an event that must come after this one (AttemptEvents: while a
  /// model step runs, since the Ledger emits its `model_call` on the
  /// client's thread).
  void queueAttempt(AttemptRecord R, llvm::StringRef Text,
                    std::chrono::steady_clock::time_point Now, bool Publish = false);
  /// Queues the records the run's thread holds back (queueAttempt); on
  /// that thread only (elsewhere: nothing). Before the run's loop may
  /// sleep, so a held record reaches the file within WriterPeriod.
  void publishPending();
  /// Records held back on the run's thread before they are queued.
  static constexpr size_t PendingBatch = 64;
  /// How long the oldest held-back record may wait before the next one
  /// queues the batch (WriterPeriod; tests that must see records held
  /// set a longer one).
  void setPendingAge(std::chrono::milliseconds Age) { PendingAge = Age; }
  /// Bytes of held-back text at which they are queued (a quarter of
  /// QueueBytesLimit: the batch adds about that, plus its last record, to
  /// the queue's bound).
  static constexpr size_t PendingBatchBytes = QueueBytesLimit / 4;
  /// Rebuilds the event tree of \p R, whose text is in \p Arena: what the
  /// writer serialises when appendPlainAttemptLine (EventLine.h) says no.
  static orch::ir::Json eventOf(const AttemptRecord &R, llvm::StringRef Arena);
  /// Waits until every event emitted so far is written and flushed; the
  /// records the run's thread holds back count only when that thread
  /// calls it (orchrt's main thread does).
  void flush();
  /// The first error writing the file, if any ("" if none), after a flush().
  std::string error();
  /// The first error the sink reported, if any ("" if none), after a flush().
  std::string sinkError();

 private:
  EventLog(std::FILE *F, std::vector<std::string> Secrets);
  /// The writer thread: takes the whole queue at once and writes it.
  void writerLoop();
  /// Adds \p More (those at least 8 bytes long) to the values scrubbed
  /// from every event not yet written.
  void addSecrets(const std::vector<std::string> &More);
  /// One queued event: a tree (emit()), or an attempt's record whose
  /// text is in the queue's arena (queueAttempt()).
  struct QueuedEvent {
    orch::ir::Json Tree;  ///< Null for a record.
    AttemptRecord Record;
  };
  /// Appends \p R, whose pieces are in \p Text, to \p To, and its text
  /// to \p ToArena (the arena of \p To's records).
  static void appendRecord(std::vector<QueuedEvent> &To, std::string &ToArena,
                           AttemptRecord R, llvm::StringRef Text);

  /// Waits for room for \p Events events (one, or a held-back batch) of
  /// \p Bytes in all, then, still locked, lets \p Push queue them; wakes
  /// the writer if it should. \p Wakes: a `model_call` or `run_end`.
  template <class PushFn>
  void enqueue(size_t Bytes, bool Wakes, PushFn Push, size_t Events = 1);
  /// Scrubs \p Batch (its records' text in \p Arena) of the secrets and
  /// appends its lines to \p Out.
  void format(std::vector<QueuedEvent> &Batch, llvm::StringRef Arena, std::string &Out);

  std::FILE *F;  ///< Null: a sink only.
  std::unique_ptr<EventSink> Sink;
  const std::chrono::steady_clock::time_point Opened;

  std::mutex SecretsM;  ///< Guards Secrets (the writer scrubs, addSecrets grows).
  std::vector<std::string> Secrets;

  std::mutex M;
  std::condition_variable Wake;     ///< The writer: work, a flush or stop.
  std::condition_variable Drained;  ///< Producers: room in the queue, or written.
  std::vector<QueuedEvent> Queue;
  std::string Arena;  ///< The text of Queue's records.
  /// The run's thread's held-back records (queueAttempt) and their text:
  /// touched by that thread alone (Owner), moved into Queue under M.
  std::vector<QueuedEvent> Pending;
  std::string PendingArena;
  /// When the oldest held-back record was queued (queueAttempt's Now).
  std::chrono::steady_clock::time_point PendingSince;
  std::chrono::milliseconds PendingAge = WriterPeriod;
  std::atomic<std::thread::id> Owner{};  ///< The run's thread, once it queued.
  size_t QueueBytes = 0;                 ///< approxBytes() of what Queue holds.
  uint64_t Queued = 0;                   ///< Events ever queued.
  uint64_t Written = 0;                  ///< Events ever handed to fwrite and flushed.
  uint64_t FlushTo = 0;                  ///< flush(): wake until Written reaches this.
  bool WriterIdle = false;
  bool Urgent = false;  ///< An event was queued that wakes the writer at once.
  bool Stop = false;
  std::string Error;      ///< The file's first write error.
  std::string SinkError;  ///< The sink's first error.
  std::thread Writer;     ///< Last: starts after the rest is initialised.
};

/// A rough size of \p J in memory: its strings' bytes and a few bytes a
/// node (iterative: any depth).
size_t approxBytes(const orch::ir::Json &J);

/// The `input_hash` of an `attempt_start` event: the hex xxh3-128 of its
/// `action`, `model` and `parameters` as logged, i.e. after redaction and
/// scrubbing (the writer adds it). It equals the state store's hash of the
/// attempt's inputs when nothing was redacted, and never carries more than
/// the line shows: a redacted secret cannot be found from it.
std::string loggedInputHash(const orch::ir::Json &AttemptStart);

/// The values of the environment variables that look like secrets (at
/// least 8 bytes long), for EventLog.
std::vector<std::string> secretsFromEnvironment();

/// The values (at least 8 bytes long) of the variables the model registry
/// at \p RegistryPath names as its providers' keys (`api_key_env`), whatever
/// their names: `LLM_CRED` does not look like a secret, but it is one. A
/// registry that cannot be read gives none (the LLM client reports it).
std::vector<std::string> secretsFromRegistry(const std::string &RegistryPath);

/// Logs each attempt's start and end (a RunObserver of the scheduler).
class AttemptEvents : public runtime::RunObserver {
 public:
  explicit AttemptEvents(EventLog &Log) : Log(Log) {}
  /// The scheduler whose nodes' resource groups (the plan's, or the one a
  /// templated model's step took) name an attempt_start's `group`
  /// (without: no `group`).
  void attach(const runtime::Scheduler &S);
  /// Kept for the attempt_start that follows (`queue_wait_ms`,
  /// `group_wait_ms`): the scheduler reports it just before the start.
  void attemptWaited(uint32_t Step, std::chrono::microseconds Queue,
                     std::chrono::microseconds Group) override {
    WaitedStep = Step;
    Waited = {Queue, Group};
  }
  void attemptStarted(uint32_t Step, const runtime::ActionRequest &R,
                      const std::string &InputHash) override;
  void attemptAskingAgain(uint32_t Step, const runtime::ActionRequest &R,
                          const std::string &Why) override;
  void attemptEnded(uint32_t Step, unsigned Attempt,
                    const runtime::ActionResult &R) override;

 private:
  /// Appends \p S to Scratch, as a piece of the record's text.
  EventLog::AttemptRecord::Text text(llvm::StringRef S);
  /// Adds the waits attemptWaited() kept for \p Step to \p E, once.
  void addWaits(uint32_t Step, orch::ir::Json &E);
  /// The tree forms of the two records, for a value their text cannot
  /// carry (invalid UTF-8, a binary, NaN): out of the hot path's code.
  [[gnu::cold, gnu::noinline]] void startTree(uint32_t Step,
                                              const runtime::ActionRequest &R,
                                              bool Waits);
  /// The resource group of node \p Step's plan step, or "" (none, or not
  /// attached).
  llvm::StringRef groupOf(uint32_t Step) const;
  /// Whether node \p Step's attempt \p R calls a model: it names one, or
  /// its action is a model action (the model from `--model`).
  bool callsModel(uint32_t Step, const runtime::ActionRequest &R) const;
  const runtime::Scheduler *Sched = nullptr;
  [[gnu::cold, gnu::noinline]] void endTree(uint32_t Step, unsigned Attempt,
                                            const runtime::ActionResult &R,
                                            const orch::ir::Json *Output);

  EventLog &Log;
  uint32_t WaitedStep = UINT32_MAX;  ///< The step Waited is of (UINT32_MAX: none).
  std::pair<std::chrono::microseconds, std::chrono::microseconds> Waited;
  /// A step's running attempt: its id, its start and whether it calls a
  /// model (counted in ModelsRunning until it ends).
  struct StartedAttempt {
    std::string Id;
    std::chrono::steady_clock::time_point At;
    bool Model = false;
  };
  /// By step number.
  std::vector<StartedAttempt> Started;
  /// Attempts of model steps running: while there is one, every record is
  /// queued at once (EventLog::queueAttempt), since the Ledger's
  /// `model_call` comes from another thread and must follow its start.
  unsigned ModelsRunning = 0;
  std::string Scratch;  ///< A record's text, reused.
};

/// Appends the JSON text of \p V to \p Out, such that parsing it gives
/// back a value that dumps as \p V does (doubles keep a `.` or an
/// exponent; strings are escaped). False (\p Out then holds a partial
/// text) if \p V holds what the text cannot carry: a string that is not
/// valid UTF-8, a binary value or a non-finite double.
bool appendJsonText(std::string &Out, const orch::ir::Json &V);

/// Hands each event to several observers, in order.
class ObserverList : public runtime::RunObserver {
 public:
  void add(runtime::RunObserver *O) {
    if (O) List.push_back(O);
  }
  bool empty() const { return List.empty(); }
  /// The one observer, the list, or null.
  runtime::RunObserver *get() {
    if (List.size() < 2) return List.empty() ? nullptr : List[0];
    return this;
  }
  void stepStarted(uint32_t S, unsigned A) override {
    for (auto *O : List) O->stepStarted(S, A);
  }
  void stepRetrying(uint32_t S, std::chrono::milliseconds D,
                    const std::string &E) override {
    for (auto *O : List) O->stepRetrying(S, D, E);
  }
  bool needsInputHash() const override {
    for (auto *O : List)
      if (O->needsInputHash()) return true;
    return false;
  }
  void stepSettled(uint32_t S) override {
    for (auto *O : List) O->stepSettled(S);
  }
  void attemptWaited(uint32_t S, std::chrono::microseconds Q,
                     std::chrono::microseconds G) override {
    for (auto *O : List) O->attemptWaited(S, Q, G);
  }
  void attemptStarted(uint32_t S, const runtime::ActionRequest &R,
                      const std::string &H) override {
    for (auto *O : List) O->attemptStarted(S, R, H);
  }
  void attemptAskingAgain(uint32_t S, const runtime::ActionRequest &R,
                          const std::string &Why) override {
    for (auto *O : List) O->attemptAskingAgain(S, R, Why);
  }
  void attemptEnded(uint32_t S, unsigned A, const runtime::ActionResult &R) override {
    for (auto *O : List) O->attemptEnded(S, A, R);
  }

 private:
  std::vector<runtime::RunObserver *> List;
};

}  // namespace orch::observe
