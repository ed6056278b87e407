//===- EventLog.h - The run's events as JSON Lines -------------*- C++ -*-===//
//
// `orchrt --events FILE`: one JSON object a line, written as things
// happen: `run_start`, `attempt_start` (with the rendered parameters and
// the hash of the attempt's inputs), `model_call` (the exact request body,
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
//===----------------------------------------------------------------------===//
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ir/Json.h"
#include "llvm/Support/Error.h"
#include "runtime/exec/Scheduler.h"

namespace orch::observe {

/// Appends events to a file; thread-safe.
class EventLog {
 public:
  /// Opens (truncates) \p Path; \p Secrets are scrubbed from every line.
  static llvm::Expected<std::unique_ptr<EventLog>> open(const std::string &Path,
                                                        std::vector<std::string> Secrets);
  ~EventLog();
  /// Writes \p Event (an object) as one line, adding `t_ms`.
  void emit(orch::ir::Json Event);
  /// The first write error, if any ("" if none); flushes first.
  std::string error() const;
  /// Adds \p More (those at least 8 bytes long) to the values scrubbed.
  void addSecrets(const std::vector<std::string> &More);

 private:
  EventLog(std::FILE *F, std::vector<std::string> Secrets);
  mutable std::mutex M;
  std::FILE *F;
  std::mutex SecretsM;  ///< Guards Secrets.
  std::vector<std::string> Secrets;
  std::chrono::steady_clock::time_point Opened;
  mutable std::string Error;
};

/// The values of the environment variables that look like secrets (at
/// least 8 bytes long), for EventLog.
std::vector<std::string> secretsFromEnvironment();

/// Logs each attempt's start and end (a RunObserver of the scheduler).
class AttemptEvents : public runtime::RunObserver {
 public:
  explicit AttemptEvents(EventLog &Log) : Log(Log) {}
  void attemptStarted(uint32_t Step, const runtime::ActionRequest &R) override;
  void attemptEnded(uint32_t Step, unsigned Attempt,
                    const runtime::ActionResult &R) override;

 private:
  EventLog &Log;
  /// Each step's id and the start of its attempt, by step number.
  std::vector<std::pair<std::string, std::chrono::steady_clock::time_point>> Started;
};

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
  void stepSettled(uint32_t S) override {
    for (auto *O : List) O->stepSettled(S);
  }
  void attemptStarted(uint32_t S, const runtime::ActionRequest &R) override {
    for (auto *O : List) O->attemptStarted(S, R);
  }
  void attemptEnded(uint32_t S, unsigned A, const runtime::ActionResult &R) override {
    for (auto *O : List) O->attemptEnded(S, A, R);
  }

 private:
  std::vector<runtime::RunObserver *> List;
};

}  // namespace orch::observe
