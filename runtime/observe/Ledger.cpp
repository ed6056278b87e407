//===- Ledger.cpp ---------------------------------------------------------===//
#include "runtime/observe/Ledger.h"

#include <fmt/format.h>

#include <algorithm>
#include <type_traits>

#include "runtime/observe/EventLog.h"
#include "runtime/observe/Metrics.h"
#include "runtime/observe/Tracer.h"

namespace orch::observe {

using json = orch::ir::Json;

namespace {
/// What a call is expected to use before it is made: its body's size in
/// tokens (about four bytes each) and its answer's limit, at most 1,024.
uint64_t estimateTokens(const llm::CallStart &S) {
  uint64_t Out = S.MaxTokens ? std::min(S.MaxTokens, 1024u) : 1024u;
  return S.Body.size() / 4 + Out;
}
}  // namespace

json Spend::toJson() const {
  return json{{"calls", Calls},
              {"input_tokens", InputTokens},
              {"output_tokens", OutputTokens},
              {"retries", Retries},
              {"cost_usd", CostUsd},
              {"latency_ms", LatencyMs}};
}

Spend Spend::fromJson(const json &J) {
  Spend S;
  if (!J.is_object()) return S;
  auto Count = [&](const char *K) -> uint64_t {
    auto It = J.find(K);
    if (It == J.end() || !It->is_number()) return 0;
    double D = It->get<double>();
    return D > 0 && D < double(CarryLimit) ? uint64_t(D) : 0;
  };
  S.Calls = Count("calls");
  S.InputTokens = Count("input_tokens");
  S.OutputTokens = Count("output_tokens");
  S.Retries = Count("retries");
  S.LatencyMs = int64_t(Count("latency_ms"));
  if (auto It = J.find("cost_usd"); It != J.end() && It->is_number()) {
    double D = It->get<double>();
    S.CostUsd = D > 0 && D < 1e12 ? D : 0;
  }
  return S;
}

std::string BudgetBreach::message() const {
  const char *Of = OfStep ? "step budget" : "budget";
  const char *By = OfStep ? " by" : ", by";
  if (Budget == "max_tokens")
    return fmt::format("{} `max_tokens` of {} reached: {} tokens spent{} step `{}`", Of,
                       uint64_t(Limit), uint64_t(Spent), By, Step);
  return fmt::format("{} `max_cost_usd` of {} reached: {:.6f} USD spent{} step `{}`", Of,
                     Limit, Spent, By, Step);
}

Ledger::Ledger(PriceLookup Prices, BudgetLimits Limits, EventLog *Events,
               std::function<void(const BudgetBreach &)> OnBreach)
    : Prices(std::move(Prices)),
      Limits(Limits),
      Events(Events),
      OnBreach(std::move(OnBreach)) {}

std::pair<double, double> Ledger::priceOf(const std::string &Model) {
  auto It = PriceCache.find(Model);
  if (It == PriceCache.end())
    It = PriceCache.emplace(Model, Prices ? Prices(Model) : std::pair{0.0, 0.0}).first;
  return It->second;
}

BudgetLimits Ledger::stepLimits(const std::string &Caller) {
  // Only a step with a budget is cached: a loop's items are many callers.
  if (auto It = StepLimitCache.find(Caller); It != StepLimitCache.end())
    return It->second;
  BudgetLimits L = StepBudgets ? StepBudgets(Caller) : BudgetLimits();
  if (L.any()) StepLimitCache.emplace(Caller, L);
  return L;
}

bool Ledger::reached(const BudgetLimits &L, uint64_t Tokens, double Cost,
                     BudgetBreach &B) {
  if (L.MaxTokens && Tokens >= L.MaxTokens) {
    B.Budget = "max_tokens";
    B.Limit = double(L.MaxTokens);
    B.Spent = double(Tokens);
    return true;
  }
  if (L.MaxCostUsd > 0 && Cost >= L.MaxCostUsd) {
    B.Budget = "max_cost_usd";
    B.Limit = L.MaxCostUsd;
    B.Spent = Cost;
    return true;
  }
  return false;
}

void Ledger::noteBreach(BudgetBreach B) {
  // Called with M held; OnBreach must not call back into the ledger.
  // Under `abort` the first budget reached stops the run; under `warn`
  // each budget (the run's, each step's) is reported once.
  if (Breach && !Limits.WarnOnly) return;
  if (!BreachedBudgets.insert(B.OfStep ? "step:" + B.Step : std::string("run")).second)
    return;
  if (!Breach) {
    Breach = B;
    Breached.store(true, std::memory_order_release);
  }
  if (OnBreach) OnBreach(B);
}

bool Ledger::stopping() const {
  std::lock_guard<std::mutex> L(M);
  return Breach && !Limits.WarnOnly;
}

llvm::Error Ledger::callStarting(const llm::CallStart &S, uint64_t &Id) {
  std::unique_lock<std::mutex> L(M);
  auto [In, Out] = priceOf(S.Model.str());
  In *= S.PriceFactor;  // a batched call's discount
  Out *= S.PriceFactor;
  Hold H;
  H.Tokens = estimateTokens(S);
  H.CostUsd = double(H.Tokens) * std::max(In, Out);
  std::string Caller = S.Caller.str();
  const BudgetLimits SL = stepLimits(Caller);
  if ((Limits.any() || SL.any()) && !Limits.WarnOnly) {
    BudgetBreach B;
    // What the step spent and what its calls in flight reserved.
    static const Spend None;
    auto StepSpent = [&]() -> const Spend & {
      auto It = PerStep.find(Caller);
      return It == PerStep.end() ? None : It->second;
    };
    // What the step's calls in flight reserved (kept for a step with a
    // budget only).
    static const std::pair<Hold, unsigned> NoHold;
    const auto &[StepHold, StepCalls] = SL.any() ? StepReserved[Caller] : NoHold;
    auto SpentReached = [&] {
      if (reached(Limits, Total.tokens(), Total.CostUsd, B)) return true;
      if (reached(SL, StepSpent().tokens(), StepSpent().CostUsd, B)) {
        B.OfStep = true;
        return true;
      }
      return false;
    };
    // Wait while the calls in flight (the run's, the step's) may still
    // leave room; a batch's item does not (S.NoWait), and a cancelled
    // call stops waiting (polled: a signal handler cannot notify).
    auto Room = [&] {
      if (Breach || SpentReached()) return true;
      BudgetBreach Ignored;
      bool RunRoom = Holds.empty() || !reached(Limits, Total.tokens() + Reserved.Tokens,
                                               Total.CostUsd + Reserved.CostUsd, Ignored);
      bool StepRoom =
          StepCalls == 0 || !reached(SL, StepSpent().tokens() + StepHold.Tokens,
                                     StepSpent().CostUsd + StepHold.CostUsd, Ignored);
      return RunRoom && StepRoom;
    };
    auto Cancelled = [&] { return S.Cancel && S.Cancel->load(); };
    if (!S.NoWait)
      while (!Settled.wait_for(L, std::chrono::milliseconds(50), Room))
        if (Cancelled()) break;
    if (Cancelled())
      return llvm::make_error<llm::CallRefused>(
          fmt::format("not calling model `{}`: cancelled", S.Model));
    B = BudgetBreach();
    if (Breach || SpentReached()) {
      if (!Breach) {
        B.Step = Caller;
        noteBreach(B);
      }
      return llvm::make_error<llm::CallRefused>(
          fmt::format("not calling model `{}`: {}", S.Model, Breach->message()));
    }
  }
  Id = NextId++;
  Holds[Id] = Flight{H, Caller};
  Reserved.Tokens += H.Tokens;
  Reserved.CostUsd += H.CostUsd;
  if (SL.any()) {
    auto &[StepHold, StepCalls] = StepReserved[Caller];
    StepHold.Tokens += H.Tokens;
    StepHold.CostUsd += H.CostUsd;
    ++StepCalls;
  }
  return llvm::Error::success();
}

void Ledger::callEnded(uint64_t Id, const llm::CallStart &S, const llm::CallEnd &E) {
  json Event;
  uint64_t MetricIn = 0, MetricOut = 0;
  unsigned MetricRetries = 0;
  double MetricCost = 0;
  bool WasEstimated = false;
  {
    std::lock_guard<std::mutex> L(M);
    if (auto It = Holds.find(Id); It != Holds.end()) {
      const Hold &H = It->second.H;
      Reserved.Tokens -= H.Tokens;
      Reserved.CostUsd -= H.CostUsd;
      // Kept when it falls to 0: a caller waiting in callStarting holds it.
      if (auto SR = StepReserved.find(It->second.Caller); SR != StepReserved.end()) {
        auto &[StepHold, StepCalls] = SR->second;
        StepHold.Tokens -= H.Tokens;
        StepHold.CostUsd -= H.CostUsd;
        --StepCalls;
      }
      Holds.erase(It);
    }
    auto [In, Out] = priceOf(S.Model.str());
    In *= S.PriceFactor;  // a batched call's discount
    Out *= S.PriceFactor;
    Spend One;
    One.Calls = E.Calls;
    One.InputTokens = E.Tokens.InputTokens;
    One.OutputTokens = E.Tokens.OutputTokens;
    // An answer without usable `usage` is not free: it is charged an
    // estimate (the request's and the answer's bytes / 4), so budgets still
    // hold.
    bool Estimated = E.Estimated ||
                     (E.Tokens.Unreported > 0 && One.InputTokens + One.OutputTokens == 0);
    if (Estimated) {
      if (!E.Estimated) {
        One.InputTokens = (S.Body.size() + 3) / 4 * E.Tokens.Unreported;
        One.OutputTokens = (E.Answer.size() + 3) / 4 + 1;
      }
      if (E.Estimated && !S.Batch.empty())
        warnOnce("unread:" + S.Batch.str(),
                 fmt::format("batch {} of provider `{}` ended before its results were "
                             "read: each unread request is charged its estimate",
                             S.Batch, S.Provider));
      else
        warnOnce("usage:" + S.Provider.str(),
                 fmt::format("provider `{}` answered model `{}` without token counts "
                             "(`usage`): tokens and cost are estimated from the sizes "
                             "of the request and the answer",
                             S.Provider, S.Model));
    }
    if ((Limits.MaxCostUsd > 0 || stepLimits(S.Caller.str()).MaxCostUsd > 0) && In == 0 &&
        Out == 0)
      warnOnce("price:" + S.Model.str(),
               fmt::format("model `{}` has no price in the model registry: its calls "
                           "cost $0 and `max_cost_usd` cannot limit them",
                           S.Model));
    One.Retries = E.Calls && E.Attempts > 1 ? E.Attempts - 1 : 0;
    One.CostUsd = double(One.InputTokens) * In + double(One.OutputTokens) * Out;
    One.LatencyMs = E.Calls ? E.Latency.count() : 0;
    for (Spend *T : {&Total, &PerStep[S.Caller.str()]}) {
      T->Calls += One.Calls;
      T->InputTokens += One.InputTokens;
      T->OutputTokens += One.OutputTokens;
      T->Retries += One.Retries;
      T->CostUsd += One.CostUsd;
      T->LatencyMs += One.LatencyMs;
    }
    MetricIn = One.InputTokens;
    MetricOut = One.OutputTokens;
    MetricRetries = unsigned(One.Retries);
    MetricCost = One.CostUsd;
    WasEstimated = Estimated;
    const Spend &Mine = PerStep[S.Caller.str()];
    if (BudgetBreach B;
        Limits.any() && reached(Limits, Total.tokens(), Total.CostUsd, B)) {
      B.Step = S.Caller.str();
      noteBreach(B);
    }
    if (BudgetBreach B;
        reached(stepLimits(S.Caller.str()), Mine.tokens(), Mine.CostUsd, B)) {
      B.Step = S.Caller.str();
      B.OfStep = true;
      noteBreach(B);
    }
    if (Events) {
      Event = One.toJson();
      Event["event"] = "model_call";
      Event["step"] = S.Caller.str();
      Event["model"] = S.Model.str();
      Event["provider"] = S.Provider.str();
      Event["attempts"] = E.Attempts;
      if (Estimated) Event["estimated"] = true;
      if (E.TokenWait) Event["token_wait_ms"] = E.TokenWait->count();
      if (!S.SharedRequest.empty()) Event["shared_request"] = S.SharedRequest.str();
      if (!S.Batch.empty()) Event["batch"] = S.Batch.str();
      json Request = json::parse(S.Body, nullptr, /*allow_exceptions=*/false);
      Event["request"] = Request.is_discarded() ? json(S.Body.str()) : Request;
      if (E.Ok)
        Event["answer"] = E.Answer;
      else
        Event["error"] = E.Error;
    }
  }
  Settled.notify_all();
  if (Meters) {
    Meters->modelCall(S.Model, S.Provider, MetricIn, MetricOut, MetricCost, MetricRetries,
                      E.Ok);
    if (E.Breaker) Meters->breakerState(S.Provider, unsigned(*E.Breaker));
    // A fused request waited once: counted on its first part.
    if (E.TokenWait && E.Calls)
      Meters->tokenRateWait(S.Provider, double(E.TokenWait->count()) / 1000);
  }
  if (Trace) Trace->modelCall(S, E, MetricIn, MetricOut, MetricCost, WasEstimated);
  if (Events) Events->emit(std::move(Event));
}

void Ledger::carry(const std::string &Step, const Spend &E) {
  std::lock_guard<std::mutex> L(M);
  // Saturating: each count is below the limit, so a sum cannot wrap first.
  auto Add = [](auto &Sum, auto More) {
    using T = std::decay_t<decltype(Sum)>;
    constexpr T Cap = T(Spend::CarryLimit);
    Sum = Sum >= Cap || More >= Cap - Sum ? Cap : T(Sum + More);
  };
  for (Spend *T : {&Total, &PerStep[Step]}) {
    Add(T->Calls, std::min(E.Calls, Spend::CarryLimit));
    Add(T->InputTokens, std::min(E.InputTokens, Spend::CarryLimit));
    Add(T->OutputTokens, std::min(E.OutputTokens, Spend::CarryLimit));
    Add(T->Retries, std::min(E.Retries, Spend::CarryLimit));
    Add(T->LatencyMs, std::clamp<int64_t>(E.LatencyMs, 0, int64_t(Spend::CarryLimit)));
    T->CostUsd = std::min(T->CostUsd + std::max(E.CostUsd, 0.0), 1e12);
  }
}

Spend Ledger::total() const {
  std::lock_guard<std::mutex> L(M);
  return Total;
}

Spend Ledger::step(const std::string &Step) const {
  std::lock_guard<std::mutex> L(M);
  auto It = PerStep.find(Step);
  return It == PerStep.end() ? Spend() : It->second;
}

std::map<std::string, Spend> Ledger::steps() const {
  std::lock_guard<std::mutex> L(M);
  return PerStep;
}

void Ledger::warnOnce(const std::string &Key, std::string Message) {
  // Called with M held.
  if (!Warned.insert(Key).second) return;
  Warnings.push_back(std::move(Message));
  WarningKinds.push_back(llvm::StringRef(Key).starts_with("usage:")
                             ? LedgerWarning::Estimated
                             : LedgerWarning::Unpriced);
}

std::vector<std::string> Ledger::warnings() const {
  std::lock_guard<std::mutex> L(M);
  return Warnings;
}

std::vector<std::pair<LedgerWarning, std::string>> Ledger::kindedWarnings() const {
  std::lock_guard<std::mutex> L(M);
  std::vector<std::pair<LedgerWarning, std::string>> Out;
  for (size_t I = 0; I < Warnings.size(); ++I)
    Out.push_back({WarningKinds[I], Warnings[I]});
  return Out;
}

std::optional<BudgetBreach> Ledger::breach() const {
  // The run thread asks after every attempt: no lock until there is one
  // (callEnded holds the lock while it builds a model call's event).
  if (!Breached.load(std::memory_order_acquire)) return std::nullopt;
  std::lock_guard<std::mutex> L(M);
  return Breach;
}

size_t Ledger::callerStates() const {
  std::lock_guard<std::mutex> L(M);
  return std::max(StepReserved.size(), StepLimitCache.size());
}

unsigned Ledger::inFlight() const {
  std::lock_guard<std::mutex> L(M);
  return unsigned(Holds.size());
}

}  // namespace orch::observe
