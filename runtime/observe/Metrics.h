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
#include <atomic>
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

/// The run's metrics; every method is thread-safe. A family's lock guards
/// its shape (which label sets it has); the samples are relaxed atomics,
/// so a holder of a sample's handle (MetricsObserver) updates it without
/// the lock: a step costs a few atomic adds.
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

  /// A counter or gauge sample.
  struct Counter {
    std::atomic<uint64_t> N{0};
    void add() { N.fetch_add(1, std::memory_order_relaxed); }
  };
  /// A sum of seconds (a compare-and-swap loop: atomic doubles have no add).
  struct Seconds {
    std::atomic<double> S{0};
    void add(double X) {
      double Old = S.load(std::memory_order_relaxed);
      while (!S.compare_exchange_weak(Old, Old + X, std::memory_order_relaxed)) {
      }
    }
  };
  /// An attempt duration histogram. Its count is the sum of its buckets
  /// (the last one above every bound), so a scrape in the middle of an
  /// update still sees cumulative buckets that end at the count.
  struct Histogram {
    std::array<std::atomic<uint64_t>, DurationBuckets.size() + 1> Buckets{};
    Seconds Sum;
    void observe(double Secs);
  };
  struct Summary {
    std::atomic<uint64_t> Count{0};
    Seconds Sum;
    void observe(double Secs) {
      Count.fetch_add(1, std::memory_order_relaxed);
      Sum.add(Secs);
    }
  };

  /// The samples one action's steps update, found (and added, at zero)
  /// under the lock; the references stay valid as long as the Metrics.
  Counter &stepsSample(llvm::StringRef Action, llvm::StringRef Status);
  Counter &attemptsSample(llvm::StringRef Action, bool Ok);
  Histogram &durationSample(llvm::StringRef Action);
  Summary &queueWaitSample(llvm::StringRef Action);
  Summary &groupWaitSample(llvm::StringRef Group);
  Counter &retriesSample(llvm::StringRef Action);
  /// Attempts running now (the gauge): one more, or one fewer (never
  /// below zero).
  void running(bool Started);

 private:
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
  /// The value of \p Labels in \p F, added (zero) if it is not there
  /// yet; the caller holds the lock. Map nodes do not move: the reference
  /// stays valid.
  template <class T>
  static T &slot(Family<T> &F, llvm::ArrayRef<llvm::StringRef> Labels) {
    auto It = F.find(Labels);
    if (It == F.end()) It = F.try_emplace(Key(Labels.begin(), Labels.end())).first;
    return It->second;
  }
  /// slot() under the lock.
  template <class T>
  T &lockedSlot(Family<T> &F, llvm::ArrayRef<llvm::StringRef> Labels) {
    std::lock_guard<std::mutex> L(M);
    return slot(F, Labels);
  }

  mutable std::mutex M;
  std::string Plan;
  size_t Steps = 0;
  std::atomic<uint64_t> Running{0};
  Family<Counter> StepsByStatus;     ///< action, status
  Family<Counter> AttemptsByStatus;  ///< action, status
  Family<Counter> Retries;           ///< action
  Family<Histogram> Durations;       ///< action
  Family<Summary> QueueWait;         ///< action
  Family<Summary> GroupWait;         ///< group
  Family<ModelSpend> Models;         ///< model, provider
  Family<uint64_t> Breakers;         ///< provider (written under the lock)
  Family<Summary> TokenWait;         ///< provider
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
  /// One action's samples, found on first use (a label set appears when
  /// it is first counted) and then updated without Metrics' lock.
  struct ActionSamples {
    std::array<Metrics::Counter *, size_t(runtime::StepStatus::Skipped) + 1>
        Steps{};  ///< By runtime::StepStatus.
    Metrics::Counter *Ok = nullptr, *Failed = nullptr, *Retries = nullptr;
    Metrics::Histogram *Durations = nullptr;
    Metrics::Summary *QueueWait = nullptr;
  };
  Metrics &Into;
  const runtime::Scheduler *Sched = nullptr;
  std::vector<std::string> Actions;     ///< By step.
  std::vector<std::string> GroupNames;  ///< By plan group.
  std::vector<uint32_t> ActionOf;       ///< By step: its action's ActionSamples.
  std::vector<ActionSamples> Samples;
  std::vector<int32_t> GroupOf;  ///< By step: its plan group, -1 if none.
  /// By plan group: its wait sample, once found.
  std::vector<Metrics::Summary *> GroupWaits;
  /// The plan step of \p Node (a loop item's step is a node of its own).
  uint32_t planStep(uint32_t Node) const {
    return Sched && Node < Sched->nodes() ? Sched->planStepOf(Node) : Node;
  }
  /// When each node's running attempt started (grows with loop items).
  std::vector<std::chrono::steady_clock::time_point> Started;
};

}  // namespace orch::observe
