//===- Metrics.h - The run's Prometheus metrics ----------------*- C++ -*-===//
//
// `orchrt --metrics HOST:PORT`: counters, summaries and a histogram of the
// run, updated as it goes (MetricsObserver from the scheduler, the Ledger
// for model calls) and rendered on demand in the Prometheus text
// exposition format 0.0.4. Every label value comes from the plan or the
// model registry (action, status, group, model, provider): never a
// parameter, an output or a key.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "runtime/exec/Scheduler.h"

namespace orch::observe {

/// The run's metrics; every method is thread-safe.
class Metrics {
 public:
  /// Upper bounds (seconds) of the attempt duration histogram's buckets.
  static constexpr std::array<double, 12> DurationBuckets = {
      0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300};

  /// The run: its plan's name and its step count.
  void runStarted(llvm::StringRef Plan, size_t Steps);
  /// A step settled with \p Status (completed, failed, skipped).
  void stepSettled(llvm::StringRef Action, llvm::StringRef Status);
  /// An attempt of an \p Action step starts.
  void attemptStarted(llvm::StringRef Action);
  /// An attempt ended, \p Ok or not, after \p Seconds (< 0: it never
  /// ran, cut off by a stop before it started; not counted).
  void attemptEnded(llvm::StringRef Action, bool Ok, double Seconds);
  /// A step will be tried again.
  void retried(llvm::StringRef Action);
  /// An attempt waited \p QueueSeconds from ready to start, of which
  /// \p GroupSeconds for a slot of its resource group \p Group ("" if none).
  void waited(llvm::StringRef Action, llvm::StringRef Group, double QueueSeconds,
              double GroupSeconds);
  /// A model call ended (after its retries).
  void modelCall(llvm::StringRef Model, llvm::StringRef Provider, uint64_t InputTokens,
                 uint64_t OutputTokens, double CostUsd, unsigned Retries, bool Ok);
  /// A model call to \p Provider, which has a `tokens_per_minute`, waited
  /// \p Seconds for it (over its attempts).
  void tokenRateWait(llvm::StringRef Provider, double Seconds);
  /// \p Provider's circuit breaker is in \p State (0 closed, 1 open, 2
  /// half-open: llm::BreakerState) as its latest model call left it.
  void breakerState(llvm::StringRef Provider, unsigned State);
  /// The text exposition (format 0.0.4), sorted, one family at a time.
  std::string render() const;

 private:
  struct Histogram {
    std::array<uint64_t, DurationBuckets.size()> Buckets{};  ///< Not cumulative.
    uint64_t Count = 0;
    double Sum = 0;
  };
  struct Summary {
    uint64_t Count = 0;
    double Sum = 0;
  };
  struct ModelSpend {
    uint64_t Calls = 0, Failed = 0, InputTokens = 0, OutputTokens = 0, Retries = 0;
    double CostUsd = 0;
  };
  /// Label values, in the order of the family's label names.
  using Key = std::vector<std::string>;
  /// Orders keys, and label values looked up without building a Key
  /// (llvm::ArrayRef<llvm::StringRef>), as the strings compare: a step's
  /// update allocates only the first time a label set is seen.
  struct KeyLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A &L, const B &R) const {
      return std::lexicographical_compare(
          L.begin(), L.end(), R.begin(), R.end(),
          [](llvm::StringRef X, llvm::StringRef Y) { return X < Y; });
    }
  };
  template <class T>
  using Family = std::map<Key, T, KeyLess>;
  /// The value of \p Labels in \p F, added (zero) if it is not there yet.
  template <class T>
  static T &slot(Family<T> &F, llvm::ArrayRef<llvm::StringRef> Labels) {
    auto It = F.find(Labels);
    if (It == F.end()) It = F.emplace(Key(Labels.begin(), Labels.end()), T{}).first;
    return It->second;
  }

  mutable std::mutex M;
  std::string Plan;
  size_t Steps = 0;
  uint64_t Running = 0;
  Family<uint64_t> StepsByStatus;     ///< action, status
  Family<uint64_t> AttemptsByStatus;  ///< action, status
  Family<uint64_t> Retries;           ///< action
  Family<Histogram> Durations;        ///< action
  Family<Summary> QueueWait;          ///< action
  Family<Summary> GroupWait;          ///< group
  Family<ModelSpend> Models;          ///< model, provider
  Family<uint64_t> Breakers;          ///< provider
  Family<Summary> TokenWait;          ///< provider
};

/// Feeds a Metrics from the scheduler's events: attempts, retries, waits
/// and settled steps, labelled with the step's action and group.
class MetricsObserver : public runtime::RunObserver {
 public:
  MetricsObserver(Metrics &Into, const runtime::LoadedPlan &Plan);
  /// The scheduler whose steps' final statuses stepSettled() reads.
  void attach(const runtime::Scheduler &S) { Sched = &S; }
  void stepRetrying(uint32_t Step, std::chrono::milliseconds Delay,
                    const std::string &Error) override;
  void stepSettled(uint32_t Step) override;
  void attemptWaited(uint32_t Step, std::chrono::microseconds Queue,
                     std::chrono::microseconds Group) override;
  void attemptStarted(uint32_t Step, const runtime::ActionRequest &R,
                      const std::string &InputHash) override;
  void attemptEnded(uint32_t Step, unsigned Attempt,
                    const runtime::ActionResult &R) override;

 private:
  Metrics &Into;
  const runtime::Scheduler *Sched = nullptr;
  std::vector<std::string> Actions;  ///< By step.
  std::vector<std::string> Groups;   ///< By step ("" if none).
  /// The plan step of \p Node (a loop item's step is a node of its own).
  uint32_t planStep(uint32_t Node) const {
    return Sched && Node < Sched->nodes() ? Sched->planStepOf(Node) : Node;
  }
  /// When each node's running attempt started (grows with loop items).
  std::vector<std::chrono::steady_clock::time_point> Started;
};

}  // namespace orch::observe
