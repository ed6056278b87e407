//===- Ledger.h - What model calls cost, and budgets ------------*- C++ -*-===//
//
// The ledger hears of every model call (llm::CallObserver): it counts the
// tokens the provider reported, prices them from the model registry and
// sums them per step and per run. With a budget it also decides, before a
// call goes out, whether it may: a call reserves an estimate of its
// tokens, the answer settles the reservation with what was really used,
// and a call waits while what is spent and reserved has reached the limit
// and is refused once what is spent alone has. So concurrent calls
// overshoot a budget by at most what the calls already in flight spend
// beyond their reservations.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ir/Json.h"
#include "runtime/llm/CallObserver.h"

namespace orch::observe {

class EventLog;
class Metrics;
class Tracer;

/// What calls spent.
struct Spend {
  uint64_t Calls = 0;
  uint64_t InputTokens = 0, OutputTokens = 0;
  uint64_t Retries = 0;  ///< HTTP requests beyond the first of each call.
  double CostUsd = 0;
  int64_t LatencyMs = 0;  ///< Summed over the calls.
  uint64_t tokens() const { return InputTokens + OutputTokens; }
  /// The most a count carried across `--resume` reaches (each, and their
  /// sums over steps): far from 2^64, so later calls cannot wrap it either.
  static constexpr uint64_t CarryLimit = 1000000000000000000ull;  // 1e18
  /// `{calls, input_tokens, output_tokens, retries, cost_usd, latency_ms}`.
  orch::ir::Json toJson() const;
  /// The inverse of toJson() (missing or malformed counts are 0).
  static Spend fromJson(const orch::ir::Json &J);
};

/// A run's limits (0: none).
struct BudgetLimits {
  double MaxCostUsd = 0;
  uint64_t MaxTokens = 0;
  /// `warn`: a crossed budget is reported once and calls go on; else
  /// (`abort`) later calls are refused and the run stops.
  bool WarnOnly = false;
  bool any() const { return MaxCostUsd > 0 || MaxTokens > 0; }
};

/// A step's own limits (`budget:` of the step) for the calls of \p Caller
/// (a step id, or a loop item's path such as `each[1].say`); the `WarnOnly`
/// of the run's limits applies to them.
using StepBudgetLookup = std::function<BudgetLimits(llvm::StringRef Caller)>;

/// Which budget was reached, by how much, and by which step.
struct BudgetBreach {
  std::string Budget;  ///< `max_cost_usd` or `max_tokens`.
  double Limit = 0, Spent = 0;
  std::string Step;  ///< The step whose call reached it.
  /// The budget is the step's own (`budget:` of Step), not the run's.
  bool OfStep = false;
  /// `budget max_cost_usd of 0.01 reached: 0.0123 spent, by step `x``, or
  /// for a step's own budget `step budget max_cost_usd of 0.01 reached:
  /// 0.0123 USD spent by step `x``.
  std::string message() const;
};

/// What a warning of the ledger is about.
enum class LedgerWarning {
  Estimated,  ///< A provider answered without token counts: they are estimated.
  Unpriced,   ///< A model has no price under a cost budget.
};

/// USD per input and per output token of a model (0, 0: unpriced).
using PriceLookup = std::function<std::pair<double, double>(const std::string &Model)>;

/// Sums and limits model calls; thread-safe.
class Ledger : public llm::CallObserver {
 public:
  /// \p OnBreach is called on the calling thread when a budget is first
  /// reached (under `warn`: once for each budget, the run's and each
  /// step's). \p Events (may be null) gets one `model_call` event a call.
  Ledger(PriceLookup Prices, BudgetLimits Limits = {}, EventLog *Events = nullptr,
         std::function<void(const BudgetBreach &)> OnBreach = nullptr);

  llvm::Error callStarting(const llm::CallStart &S, uint64_t &Id) override;
  void callEnded(uint64_t Id, const llm::CallStart &S, const llm::CallEnd &E) override;
  /// A budget was reached under `abort`.
  bool stopping() const override;

  /// Counts every call ended from now on into \p M (null: none).
  void setMetrics(Metrics *M) { Meters = M; }
  /// Logs every call ended from now on to \p E (null: none); before the
  /// first call.
  void setEvents(EventLog *E) { Events = E; }
  /// Gives every call ended from now on a span in \p T (null: none).
  void setTracer(Tracer *T) { Trace = T; }
  /// Steps' own budgets, asked before a caller's calls (once, for a
  /// caller with a budget; call before the first call).
  void setStepBudgets(StepBudgetLookup L) { StepBudgets = std::move(L); }

  /// Counts what step \p Step spent in earlier invocations of this run (a
  /// `--resume`): it is part of the totals and of the budget from now on.
  /// Sums saturate at Spend::CarryLimit.
  void carry(const std::string &Step, const Spend &Earlier);

  /// The run's total so far.
  Spend total() const;
  /// Step \p Step's total so far (zero if it made no call).
  Spend step(const std::string &Step) const;
  /// Every step that made a call, by id.
  std::map<std::string, Spend> steps() const;
  /// The first budget reached, if any.
  std::optional<BudgetBreach> breach() const;
  /// Calls started and not ended.
  unsigned inFlight() const;
  /// Callers whose state is kept (their step has a budget of its own).
  size_t callerStates() const;
  /// What the accounting could not do exactly, each said once: a provider
  /// that reports no token counts (its calls are estimated), a model
  /// without a price under a cost budget.
  std::vector<std::string> warnings() const;
  /// warnings(), each with what it is about.
  std::vector<std::pair<LedgerWarning, std::string>> kindedWarnings() const;

 private:
  /// The reservation of a call: tokens and cost.
  struct Hold {
    uint64_t Tokens = 0;
    double CostUsd = 0;
  };
  /// A call in flight: its reservation and its caller.
  struct Flight {
    Hold H;
    std::string Caller;
  };
  std::pair<double, double> priceOf(const std::string &Model);
  /// The step budget of \p Caller (cached).
  BudgetLimits stepLimits(const std::string &Caller);
  /// Has \p Tokens or \p Cost reached a limit of \p L? Fills \p B if so.
  static bool reached(const BudgetLimits &L, uint64_t Tokens, double Cost,
                      BudgetBreach &B);
  void noteBreach(BudgetBreach B);
  /// Adds \p Message to warnings() unless one with \p Key was added.
  void warnOnce(const std::string &Key, std::string Message);

  PriceLookup Prices;
  BudgetLimits Limits;
  EventLog *Events;
  Metrics *Meters = nullptr;
  Tracer *Trace = nullptr;
  std::function<void(const BudgetBreach &)> OnBreach;
  mutable std::mutex M;
  std::condition_variable Settled;  ///< A reservation was settled.
  std::map<std::string, std::pair<double, double>> PriceCache;
  std::map<std::string, Spend> PerStep;
  Spend Total;
  std::map<uint64_t, Flight> Holds;
  Hold Reserved;
  StepBudgetLookup StepBudgets;
  std::map<std::string, BudgetLimits> StepLimitCache;
  /// By caller with a step budget: what its calls in flight reserved, and
  /// how many they are (an entry is never erased: callers waiting for room
  /// refer to it).
  std::map<std::string, std::pair<Hold, unsigned>> StepReserved;
  uint64_t NextId = 1;
  std::set<std::string> Warned;
  std::vector<std::string> Warnings;
  std::vector<LedgerWarning> WarningKinds;  ///< By warning.
  std::optional<BudgetBreach> Breach;
  /// Breach is set (it never goes back): breach() reads this without M.
  std::atomic<bool> Breached{false};
  /// The budgets reported (`run`, `step:<caller>`).
  std::set<std::string> BreachedBudgets;
};

}  // namespace orch::observe
