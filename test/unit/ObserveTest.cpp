//===- ObserveTest.cpp - Accounting, budgets and the event log ------------===//
//
// The LLM client with a fake transport and a clock that moves only when
// the client sleeps; the ledger (runtime/observe) as its observer.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "llvm/Support/FileSystem.h"
#include "runtime/llm/Client.h"
#include "runtime/llm/FusedRequest.h"
#include "runtime/observe/EventLog.h"
#include "runtime/observe/Inspect.h"
#include "runtime/observe/Ledger.h"
#include "runtime/observe/StepBudgets.h"

using json = orch::ir::Json;
using namespace orch;
using namespace orch::llm;
using namespace orch::observe;

namespace {

/// Answers every request with \p Body after counting it.
class UsageTransport : public HttpTransport {
 public:
  explicit UsageTransport(json Body) : Body(Body.dump()) {}
  llvm::Expected<HttpResponse> post(const HttpRequest &R) override {
    std::lock_guard<std::mutex> L(M);
    ++Posts;
    Last = R;
    return HttpResponse{200, {}, Body};
  }
  std::mutex M;
  std::string Body;
  HttpRequest Last;
  int Posts = 0;
};

class StillClock : public Clock {
 public:
  TimePoint now() override { return T.load(); }
  void sleepFor(std::chrono::milliseconds D) override { T = T.load() + D; }
  std::atomic<TimePoint> T{TimePoint{}};
};

ProviderConfig provider(ApiKind K) {
  ProviderConfig C;
  C.Kind = K;
  C.Name = K == ApiKind::OpenAI ? "openai" : "anthropic";
  C.BaseUrl = "http://127.0.0.1:9";
  C.ApiKeyEnv = "TEST_API_KEY";
  C.MaxRetries = 0;
  return C;
}

EnvLookup withKey(std::string Key) {
  return [Key](const std::string &N) -> std::optional<std::string> {
    if (N == "TEST_API_KEY") return Key;
    return std::nullopt;
  };
}

json openaiBody(uint64_t In, uint64_t Out) {
  return {
      {"choices", {{{"message", {{"role", "assistant"}, {"content", "hi"}}}}}},
      {"usage",
       {{"prompt_tokens", In}, {"completion_tokens", Out}, {"total_tokens", In + Out}}}};
}

PriceLookup flatPrice(double In, double Out) {
  return [In, Out](const std::string &) { return std::pair{In, Out}; };
}

ChatRequest request(Ledger &L, const std::string &Step) {
  ChatRequest R;
  R.Model = "m";
  R.Prompt = "say hi";
  R.MaxTokens = 50;
  R.Observer = &L;
  R.Caller = Step;
  return R;
}

TEST(Accounting, OpenAiUsageIsCountedAndPriced) {
  UsageTransport T(openaiBody(120, 30));
  StillClock Clk;
  Client C(provider(ApiKind::OpenAI), T, Clk, withKey("k-secret-123456"));
  Ledger L(flatPrice(2e-6, 8e-6));
  auto R = C.chat(request(L, "a"));
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_EQ(R->Tokens.InputTokens, 120u);
  EXPECT_EQ(R->Tokens.OutputTokens, 30u);
  ASSERT_TRUE(bool(C.chat(request(L, "b"))));
  ASSERT_TRUE(bool(C.chat(request(L, "b"))));
  EXPECT_EQ(L.step("a").Calls, 1u);
  EXPECT_EQ(L.step("b").Calls, 2u);
  EXPECT_EQ(L.step("b").InputTokens, 240u);
  EXPECT_DOUBLE_EQ(L.step("a").CostUsd, 120 * 2e-6 + 30 * 8e-6);
  EXPECT_DOUBLE_EQ(L.total().CostUsd, 3 * (120 * 2e-6 + 30 * 8e-6));
  EXPECT_EQ(L.inFlight(), 0u);
}

TEST(Accounting, AnthropicUsageIsCounted) {
  json Body = {{"content", {{{"type", "text"}, {"text", "hi"}}}},
               {"usage", {{"input_tokens", 7}, {"output_tokens", 11}}}};
  UsageTransport T(Body);
  StillClock Clk;
  Client C(provider(ApiKind::Anthropic), T, Clk, withKey("k-secret-123456"));
  Ledger L(flatPrice(1e-6, 1e-6));
  ASSERT_TRUE(bool(C.chat(request(L, "s"))));
  EXPECT_EQ(L.total().InputTokens, 7u);
  EXPECT_EQ(L.total().OutputTokens, 11u);
  EXPECT_DOUBLE_EQ(L.total().CostUsd, 18e-6);
}

TEST(Accounting, AnthropicCacheTokensAreInput) {
  json Body = {{"content", {{{"type", "text"}, {"text", "hi"}}}},
               {"usage",
                {{"input_tokens", 3},
                 {"output_tokens", 5},
                 {"cache_read_input_tokens", 50000},
                 {"cache_creation_input_tokens", 20000}}}};
  UsageTransport T(Body);
  StillClock Clk;
  Client C(provider(ApiKind::Anthropic), T, Clk, withKey("k-secret-123456"));
  Ledger L(flatPrice(1e-6, 1e-6));
  ASSERT_TRUE(bool(C.chat(request(L, "s"))));
  EXPECT_EQ(L.total().InputTokens, 70003u);
}

TEST(Accounting, IntegralFloatUsageIsCounted) {
  json Body = openaiBody(0, 0);
  Body["usage"] = {{"prompt_tokens", 5000.0}, {"completion_tokens", 12.0}};
  UsageTransport T(Body);
  StillClock Clk;
  Client C(provider(ApiKind::OpenAI), T, Clk, withKey("k-secret-123456"));
  Ledger L(flatPrice(1e-6, 1e-6));
  ASSERT_TRUE(bool(C.chat(request(L, "s"))));
  EXPECT_EQ(L.total().InputTokens, 5000u);
  EXPECT_EQ(L.total().OutputTokens, 12u);
  EXPECT_TRUE(L.warnings().empty());
}

TEST(Budget, AnswerWithoutUsageIsChargedAnEstimate) {
  json Body = openaiBody(0, 0);
  Body.erase("usage");
  UsageTransport T(Body);
  StillClock Clk;
  Client C(provider(ApiKind::OpenAI), T, Clk, withKey("k-secret-123456"));
  BudgetLimits Lim;
  Lim.MaxTokens = 10;
  Ledger L(flatPrice(1e-6, 1e-6), Lim);
  ASSERT_TRUE(bool(C.chat(request(L, "one"))));
  EXPECT_GE(L.total().tokens(), 10u);  // the body alone is > 40 bytes
  EXPECT_GT(L.total().CostUsd, 0);
  ASSERT_TRUE(L.breach());
  auto Second = C.chat(request(L, "two"));
  ASSERT_FALSE(bool(Second));
  EXPECT_TRUE(Second.errorIsA<CallRefused>());
  llvm::consumeError(Second.takeError());
  EXPECT_EQ(T.Posts, 1);
  ASSERT_EQ(L.warnings().size(), 1u);
  EXPECT_NE(L.warnings()[0].find("without token counts"), std::string::npos);
}

TEST(Budget, UnpricedModelUnderACostBudgetIsWarnedOnce) {
  UsageTransport T(openaiBody(10, 10));
  StillClock Clk;
  Client C(provider(ApiKind::OpenAI), T, Clk, withKey("k-secret-123456"));
  BudgetLimits Lim;
  Lim.MaxCostUsd = 0.000001;
  Ledger L(flatPrice(0, 0), Lim);
  ASSERT_TRUE(bool(C.chat(request(L, "one"))));
  ASSERT_TRUE(bool(C.chat(request(L, "two"))));
  ASSERT_EQ(L.warnings().size(), 1u);
  EXPECT_NE(L.warnings()[0].find("model `m` has no price"), std::string::npos);
}

TEST(Budget, ReachedBudgetRefusesWithoutSending) {
  UsageTransport T(openaiBody(100, 100));
  StillClock Clk;
  Client C(provider(ApiKind::OpenAI), T, Clk, withKey("k-secret-123456"));
  BudgetLimits Lim;
  Lim.MaxTokens = 300;
  int Breaches = 0;
  Ledger L(flatPrice(0, 0), Lim, nullptr, [&](const BudgetBreach &) { ++Breaches; });
  ASSERT_TRUE(bool(C.chat(request(L, "one"))));
  ASSERT_TRUE(bool(C.chat(request(L, "two"))));  // 400 tokens: reached by `two`
  auto R = C.chat(request(L, "three"));
  ASSERT_FALSE(bool(R));
  std::string Msg;
  bool Refused = false;
  llvm::handleAllErrors(R.takeError(), [&](const CallRefused &E) {
    Refused = true;
    Msg = E.message();
  });
  EXPECT_TRUE(Refused);
  EXPECT_EQ(
      Msg,
      "not calling model `m`: budget `max_tokens` of 300 reached: 400 tokens spent, "
      "by step `two`");
  EXPECT_EQ(T.Posts, 2);
  EXPECT_EQ(Breaches, 1);
}

TEST(Budget, WarnOnlyNeverRefuses) {
  UsageTransport T(openaiBody(100, 100));
  StillClock Clk;
  Client C(provider(ApiKind::OpenAI), T, Clk, withKey("k-secret-123456"));
  BudgetLimits Lim;
  Lim.MaxTokens = 100;
  Lim.WarnOnly = true;
  int Breaches = 0;
  Ledger L(flatPrice(0, 0), Lim, nullptr, [&](const BudgetBreach &) { ++Breaches; });
  for (int I = 0; I < 4; ++I) ASSERT_TRUE(bool(C.chat(request(L, "s"))));
  EXPECT_EQ(Breaches, 1);
  EXPECT_EQ(L.breach()->Step, "s");
}

/// Answers with \p Body; the requests that arrive before the gate opens
/// wait until \p Want are in flight together (then it opens) or, at the
/// latest, \p Patience has passed. Counts the most requests in flight.
class GatedTransport : public HttpTransport {
 public:
  GatedTransport(json Body, int Want, std::chrono::milliseconds Patience)
      : Body(Body.dump()), Want(Want), Patience(Patience) {}
  llvm::Expected<HttpResponse> post(const HttpRequest &) override {
    std::unique_lock<std::mutex> L(M);
    ++Posts;
    MaxInFlight = std::max(MaxInFlight, ++InFlight);
    CV.notify_all();
    if (!Open) {
      CV.wait_for(L, Patience, [&] { return Open || InFlight >= Want; });
      Open = true;
      CV.notify_all();
    }
    --InFlight;
    return HttpResponse{200, {}, Body};
  }
  std::mutex M;
  std::condition_variable CV;
  std::string Body;
  int Want;
  std::chrono::milliseconds Patience;
  bool Open = false;
  int Posts = 0, InFlight = 0, MaxInFlight = 0;
};

/// Runs \p Jobs callers that ask until refused (as -j Jobs model steps
/// would); returns how many calls were refused.
unsigned askUntilRefused(Client &C, Ledger &L, unsigned Jobs, unsigned MaxTokens) {
  std::atomic<unsigned> Refused{0};
  std::vector<std::thread> Callers;
  for (unsigned J = 0; J < Jobs; ++J)
    Callers.emplace_back([&, J] {
      for (int Guard = 0; Guard < 1000; ++Guard) {
        ChatRequest R = request(L, "s" + std::to_string(J));
        R.MaxTokens = MaxTokens;
        auto A = C.chat(R);
        if (!A) {
          if (A.errorIsA<CallRefused>()) ++Refused;
          llvm::consumeError(A.takeError());
          return;
        }
      }
    });
  for (std::thread &Th : Callers) Th.join();
  return Refused;
}

/// \p Jobs callers ask until refused: the overshoot stays within one
/// call's cost per caller in flight, and the callers did run concurrently.
class BudgetOvershoot : public ::testing::TestWithParam<unsigned> {};

TEST_P(BudgetOvershoot, BoundedByCallsInFlight) {
  unsigned Jobs = GetParam();
  // 100 tokens, 0.001 USD a call; the first requests wait (up to 10 s) for
  // a second one, which the budget leaves room for.
  GatedTransport T(openaiBody(50, 50), Jobs > 1 ? 2 : 1, std::chrono::seconds(10));
  StillClock Clk;
  Client C(provider(ApiKind::OpenAI), T, Clk, withKey("k-secret-123456"));
  BudgetLimits Lim;
  Lim.MaxCostUsd = 0.0205;
  Ledger L(flatPrice(1e-5, 1e-5), Lim);
  EXPECT_EQ(askUntilRefused(C, L, Jobs, 50), Jobs);
  Spend S = L.total();
  ASSERT_TRUE(L.breach().has_value());
  EXPECT_GE(S.CostUsd, Lim.MaxCostUsd);
  EXPECT_LE(S.CostUsd, Lim.MaxCostUsd + Jobs * 0.001 + 1e-12) << "calls: " << S.Calls;
  EXPECT_EQ(uint64_t(T.Posts), S.Calls);
  EXPECT_EQ(L.inFlight(), 0u);
  if (Jobs > 1) {
    EXPECT_GT(T.MaxInFlight, 1);
  }
}

TEST(Budget, ReservationsHoldCallersBackWhenUsageExceedsTheEstimate) {
  // Each call reserves about 1,040 tokens (its body / 4 plus its answer
  // limit of 1,000) and really spends 5,000. With a limit of 1,500 two
  // reservations fit, a third does not: the other callers wait until a
  // call settles and are then refused. Without reservations all 8 callers
  // would be in flight at once (the gate waits for 3).
  GatedTransport T(openaiBody(2500, 2500), 3, std::chrono::milliseconds(300));
  StillClock Clk;
  Client C(provider(ApiKind::OpenAI), T, Clk, withKey("k-secret-123456"));
  BudgetLimits Lim;
  Lim.MaxTokens = 1500;
  Ledger L(flatPrice(0, 0), Lim);
  unsigned Refused = askUntilRefused(C, L, 8, 1000);
  EXPECT_LE(T.MaxInFlight, 2);
  EXPECT_LE(T.Posts, 2);
  EXPECT_EQ(Refused, 8u);
  EXPECT_EQ(L.total().tokens(), uint64_t(T.Posts) * 5000);
  EXPECT_EQ(L.inFlight(), 0u);
}

// A caller waiting for room under a budget (another call's hold fills it)
// stops waiting when its call is cancelled (the run was interrupted): it
// waited forever, and SIGTERM could not end the run.
TEST(Budget, ACancelledCallStopsWaitingForRoom) {
  Ledger L(nullptr, BudgetLimits{0, 1000, false});
  std::string Body(400, 'x');
  CallStart S;
  S.Caller = "a";
  S.Model = "m";
  S.Provider = "openai";
  S.Body = Body;
  S.MaxTokens = 1000;  // a hold of about 1,100 tokens: a second call waits
  uint64_t First = 0;
  ASSERT_FALSE(bool(L.callStarting(S, First)));
  std::atomic<bool> Cancel{false};
  CallStart Second = S;
  Second.Cancel = &Cancel;
  std::promise<std::string> Refusal;
  std::thread T([&] {
    uint64_t Id = 0;
    llvm::Error E = L.callStarting(Second, Id);
    Refusal.set_value(E ? llvm::toString(std::move(E)) : "accepted");
  });
  std::future<std::string> F = Refusal.get_future();
  Cancel = true;
  std::string Why = F.get();  // never returned before
  T.join();
  EXPECT_NE(Why.find("cancelled"), std::string::npos) << Why;
  EXPECT_EQ(L.inFlight(), 1u);
  EXPECT_FALSE(L.breach());
  CallEnd E;
  E.Ok = true;
  L.callEnded(First, S, E);
  EXPECT_EQ(L.inFlight(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Jobs, BudgetOvershoot, ::testing::Values(1u, 8u, 64u));

// --- step budgets (`budget:` of a step) ---

/// A lookup giving step \p Id the token limit \p Tokens and the cost limit
/// \p Cost.
StepBudgetLookup stepBudget(std::string Id, uint64_t Tokens, double Cost = 0) {
  return [=](llvm::StringRef Caller) {
    BudgetLimits L;
    if (budgetedStep(Caller) == Id) {
      L.MaxTokens = Tokens;
      L.MaxCostUsd = Cost;
    }
    return L;
  };
}

TEST(StepBudget, ItsRetriesCountAndTheRefusalNamesTheStepsBudget) {
  UsageTransport T(openaiBody(100, 100));
  StillClock Clk;
  Client C(provider(ApiKind::OpenAI), T, Clk, withKey("k-secret-123456"));
  int Breaches = 0;
  Ledger L(flatPrice(0, 0), BudgetLimits(), nullptr,
           [&](const BudgetBreach &) { ++Breaches; });
  L.setStepBudgets(stepBudget("s", 300));
  ASSERT_TRUE(bool(C.chat(request(L, "other"))));  // no budget of its own
  ASSERT_TRUE(bool(C.chat(request(L, "s"))));      // attempt 1
  EXPECT_FALSE(L.breach().has_value());
  ASSERT_TRUE(bool(C.chat(request(L, "s"))));  // a retry: 400 tokens, reached
  auto R = C.chat(request(L, "s"));
  ASSERT_FALSE(bool(R));
  std::string Msg;
  llvm::handleAllErrors(R.takeError(), [&](const CallRefused &E) { Msg = E.message(); });
  EXPECT_EQ(Msg,
            "not calling model `m`: step budget `max_tokens` of 300 reached: 400 tokens "
            "spent by step `s`");
  EXPECT_EQ(T.Posts, 3);
  EXPECT_EQ(Breaches, 1);
  ASSERT_TRUE(L.breach().has_value());
  EXPECT_TRUE(L.breach()->OfStep);
}

TEST(StepBudget, ALoopItemGoesByItsBodyStepsBudgetOnItsOwn) {
  EXPECT_EQ(budgetedStep("each[1].say").str(), "say");
  EXPECT_EQ(budgetedStep("outer[0].inner[12].say").str(), "say");
  EXPECT_EQ(budgetedStep("say").str(), "say");
  UsageTransport T(openaiBody(100, 100));
  StillClock Clk;
  Client C(provider(ApiKind::OpenAI), T, Clk, withKey("k-secret-123456"));
  Ledger L(flatPrice(1e-5, 1e-5));
  L.setStepBudgets(stepBudget("say", 0, 0.003));  // $0.002 a call
  // Each item has the budget to itself: two calls each fit.
  for (const char *Item : {"each[0].say", "each[1].say"}) {
    ASSERT_TRUE(bool(C.chat(request(L, Item))));
    EXPECT_FALSE(L.breach().has_value()) << Item;
  }
  ASSERT_TRUE(bool(C.chat(request(L, "each[1].say"))));
  ASSERT_TRUE(L.breach().has_value());
  EXPECT_EQ(L.breach()->message(),
            "step budget `max_cost_usd` of 0.003 reached: 0.004000 USD spent by step "
            "`each[1].say`");
}

TEST(StepBudget, WarnOnlyNeverRefuses) {
  UsageTransport T(openaiBody(100, 100));
  StillClock Clk;
  Client C(provider(ApiKind::OpenAI), T, Clk, withKey("k-secret-123456"));
  BudgetLimits Lim;
  Lim.WarnOnly = true;
  int Breaches = 0;
  Ledger L(flatPrice(0, 0), Lim, nullptr, [&](const BudgetBreach &) { ++Breaches; });
  L.setStepBudgets(stepBudget("s", 100));
  for (int I = 0; I < 3; ++I) ASSERT_TRUE(bool(C.chat(request(L, "s"))));
  EXPECT_EQ(Breaches, 1);
  EXPECT_EQ(T.Posts, 3);
}

/// \p Jobs callers of one step ask
/// until refused: the step's budget is overshot by at most the calls in
/// flight, and the run's is untouched.
class StepBudgetOvershoot : public ::testing::TestWithParam<unsigned> {};

TEST_P(StepBudgetOvershoot, BoundedByCallsInFlight) {
  unsigned Jobs = GetParam();
  GatedTransport T(openaiBody(50, 50), Jobs > 1 ? 2 : 1, std::chrono::seconds(10));
  StillClock Clk;
  Client C(provider(ApiKind::OpenAI), T, Clk, withKey("k-secret-123456"));
  BudgetLimits Run;
  Run.MaxCostUsd = 1.0;  // far away
  Ledger L(flatPrice(1e-5, 1e-5), Run);
  // Every caller is an item of loop `each` whose body step `s` has $0.0205.
  // (This bound also holds without the step's reservations: every caller
  // may pass while nothing is spent; ReservationsHoldTheStepsOtherCallersBack
  // tests them.)
  L.setStepBudgets(stepBudget("s", 0, 0.0205));
  std::atomic<unsigned> Refused{0};
  std::vector<std::thread> Callers;
  for (unsigned J = 0; J < Jobs; ++J)
    Callers.emplace_back([&] {
      for (int Guard = 0; Guard < 1000; ++Guard) {
        auto A = C.chat(request(L, "each[0].s"));
        if (!A) {
          if (A.errorIsA<CallRefused>()) ++Refused;
          llvm::consumeError(A.takeError());
          return;
        }
      }
    });
  for (std::thread &Th : Callers) Th.join();
  EXPECT_EQ(Refused, Jobs);
  Spend S = L.step("each[0].s");
  ASSERT_TRUE(L.breach().has_value());
  EXPECT_TRUE(L.breach()->OfStep);
  EXPECT_GE(S.CostUsd, 0.0205);
  EXPECT_LE(S.CostUsd, 0.0205 + Jobs * 0.001 + 1e-12) << "calls: " << S.Calls;
  EXPECT_EQ(uint64_t(T.Posts), S.Calls);
  EXPECT_EQ(L.inFlight(), 0u);
  if (Jobs > 1) {
    EXPECT_GT(T.MaxInFlight, 1);
  }
}

// The step's counterpart of
// Budget.ReservationsHoldCallersBackWhenUsageExceedsTheEstimate: 8 callers
// of one step, each call reserving about 1,040 tokens against the step's
// 1,500 and really spending 5,000. Two reservations fit, a third does not:
// the other callers wait for a call to settle and are then refused.
// Without the step's reservations all 8 would pass (nothing is spent yet)
// and 3 would be in flight at once (the gate waits for 3).
TEST(StepBudget, ReservationsHoldTheStepsOtherCallersBack) {
  GatedTransport T(openaiBody(2500, 2500), 3, std::chrono::milliseconds(300));
  StillClock Clk;
  Client C(provider(ApiKind::OpenAI), T, Clk, withKey("k-secret-123456"));
  Ledger L(flatPrice(0, 0));
  L.setStepBudgets(stepBudget("s", 1500));
  std::atomic<unsigned> Refused{0};
  std::vector<std::thread> Callers;
  for (unsigned J = 0; J < 8; ++J)
    Callers.emplace_back([&] {
      for (int Guard = 0; Guard < 1000; ++Guard) {
        ChatRequest R = request(L, "s");
        R.MaxTokens = 1000;
        auto A = C.chat(R);
        if (!A) {
          if (A.errorIsA<CallRefused>()) ++Refused;
          llvm::consumeError(A.takeError());
          return;
        }
      }
    });
  for (std::thread &Th : Callers) Th.join();
  EXPECT_LE(T.MaxInFlight, 2);
  EXPECT_LE(T.Posts, 2);
  EXPECT_EQ(Refused, 8u);
  EXPECT_EQ(L.step("s").tokens(), uint64_t(T.Posts) * 5000);
  ASSERT_TRUE(L.breach().has_value());
  EXPECT_TRUE(L.breach()->OfStep);
  EXPECT_EQ(L.inFlight(), 0u);
}

// Per-caller state is kept only for a step with a budget of its own: the
// items of a loop without one (each its own caller) left an entry each.
TEST(StepBudget, StateIsKeptOnlyForCallersWithABudget) {
  UsageTransport T(openaiBody(10, 10));
  StillClock Clk;
  Client C(provider(ApiKind::OpenAI), T, Clk, withKey("k-secret-123456"));
  BudgetLimits Run;
  Run.MaxTokens = 1000000;
  Ledger L(flatPrice(0, 0), Run);
  L.setStepBudgets(stepBudget("s", 1000));
  for (int I = 0; I < 20; ++I) {
    auto A = C.chat(request(L, "each[" + std::to_string(I) + "].t"));
    ASSERT_TRUE(bool(A)) << llvm::toString(A.takeError());
  }
  auto A = C.chat(request(L, "s"));
  ASSERT_TRUE(bool(A)) << llvm::toString(A.takeError());
  EXPECT_EQ(L.callerStates(), 1u);
  EXPECT_EQ(L.total().Calls, 21u);
  EXPECT_EQ(L.inFlight(), 0u);
}

// `warn`: each budget crossed is reported once, the run's and each step's
// (only the first was).
TEST(StepBudget, WarnReportsEachBudgetCrossedOnce) {
  UsageTransport T(openaiBody(50, 50));  // 100 tokens a call
  StillClock Clk;
  Client C(provider(ApiKind::OpenAI), T, Clk, withKey("k-secret-123456"));
  BudgetLimits Run;
  Run.MaxTokens = 300;
  Run.WarnOnly = true;
  std::vector<std::string> Warned;
  Ledger L(flatPrice(0, 0), Run, nullptr,
           [&](const BudgetBreach &B) { Warned.push_back(B.message()); });
  L.setStepBudgets([](llvm::StringRef Caller) {
    BudgetLimits B;
    if (Caller == "s" || Caller == "t") B.MaxTokens = 100;
    return B;
  });
  for (const char *Step : {"s", "t", "s", "t"}) {
    auto A = C.chat(request(L, Step));
    ASSERT_TRUE(bool(A)) << llvm::toString(A.takeError());
  }
  ASSERT_EQ(Warned.size(), 3u);
  EXPECT_NE(Warned[0].find("step budget `max_tokens` of 100 reached: 100 tokens spent by "
                           "step `s`"),
            std::string::npos)
      << Warned[0];
  EXPECT_NE(Warned[1].find("by step `t`"), std::string::npos) << Warned[1];
  EXPECT_NE(Warned[2].find("budget `max_tokens` of 300 reached: 300 tokens spent, by "
                           "step `s`"),
            std::string::npos)
      << Warned[2];
  ASSERT_TRUE(L.breach().has_value());
  EXPECT_EQ(L.breach()->Step, "s");  // the first
}

INSTANTIATE_TEST_SUITE_P(Jobs, StepBudgetOvershoot, ::testing::Values(1u, 8u, 64u));

TEST(EventLog, KeysNeverLand) {
  const std::string Key = "sk-observe-test-9876543210";
  llvm::SmallString<128> Path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("events", "jsonl", Path));
  {
    auto Log = EventLog::open(Path.str().str(), {Key});
    ASSERT_TRUE(bool(Log));
    UsageTransport T(openaiBody(3, 4));
    StillClock Clk;
    Client C(provider(ApiKind::OpenAI), T, Clk, withKey(Key));
    Ledger L(flatPrice(1e-6, 1e-6), {}, Log->get());
    ChatRequest R = request(L, "step");
    R.Prompt = "the prompt, which quotes " + Key;  // even a prompt that holds it
    ASSERT_TRUE(bool(C.chat(R)));
    // The request itself carried the key (in a header).
    bool Sent = false;
    for (auto &[N, V] : T.Last.Headers) Sent |= V.find(Key) != std::string::npos;
    EXPECT_TRUE(Sent);
    (*Log)->emit(json{{"event", "run_end"}, {"note", Key}});
  }
  std::ifstream In(Path.c_str());
  std::stringstream Text;
  Text << In.rdbuf();
  llvm::sys::fs::remove(Path);
  EXPECT_EQ(Text.str().find(Key), std::string::npos);
  EXPECT_NE(Text.str().find("\"event\":\"model_call\""), std::string::npos);
  EXPECT_NE(Text.str().find("the prompt, which quotes [redacted]"), std::string::npos);
  std::string Story;
  llvm::raw_string_ostream OS(Story);
  ASSERT_FALSE(bool(inspectEvents(Text.str(), "step", OS)));
  EXPECT_NE(
      Story.find("model call to `m` (openai): 1 request, 0 ms, 3 in + 4 out tokens, "
                 "$0.000007"),
      std::string::npos)
      << Story;
}

// fuse-models: a fused request under a budget is held once (not once a
// part: the second part waited forever on the first's hold), counts one
// call with its latency and retries once, and the parts' tokens sum to
// what the request cost.
TEST(FusedLedger, ABudgetHoldsTheRequestOnceAndItCountsOneCall) {
  Ledger L(nullptr, BudgetLimits{0, 100, false});
  std::vector<FusedPart> Parts = {{"a", "I loved it", std::nullopt},
                                  {"b", "It broke on day one", std::nullopt}};
  FusedCallObserver Obs(L, Parts);
  std::string Body(1000, 'x');  // ~250 tokens: over the budget alone
  CallStart S;
  S.Model = "m";
  S.Provider = "openai";
  S.Body = Body;
  S.MaxTokens = 64;
  auto Started = std::make_shared<std::promise<bool>>();
  std::thread T([&Obs, &S, Started] {
    uint64_t Id = 0;
    llvm::Error E = Obs.callStarting(S, Id);
    Started->set_value(!E);
    llvm::consumeError(std::move(E));
  });
  std::future<bool> F = Started->get_future();
  if (F.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    T.detach();
    FAIL() << "callStarting of a fused request deadlocked under a budget";
  }
  T.join();
  ASSERT_TRUE(F.get());
  EXPECT_EQ(L.inFlight(), 1u);
  CallEnd E;
  E.Ok = true;
  E.Attempts = 2;
  E.Latency = std::chrono::milliseconds(100);
  E.Tokens.InputTokens = 300;
  E.Tokens.OutputTokens = 30;
  E.Answer = json({{"p0_a", "yes"}, {"p1_b", "no"}}).dump();
  Obs.callEnded(0, S, E);
  EXPECT_EQ(L.inFlight(), 0u);
  Spend Tot = L.total();
  EXPECT_EQ(Tot.Calls, 1u);
  EXPECT_EQ(Tot.Retries, 1u);
  EXPECT_EQ(Tot.LatencyMs, 100);
  EXPECT_EQ(Tot.InputTokens, 300u);
  EXPECT_EQ(Tot.OutputTokens, 30u);
  EXPECT_EQ(L.step("a").Calls + L.step("b").Calls, 1u);
  EXPECT_EQ(L.step("a").InputTokens + L.step("b").InputTokens, 300u);
}

TEST(FusedLedger, AnUnreportedUsageEstimateIsSplitNotCopied) {
  Ledger L(nullptr);
  std::vector<FusedPart> Parts = {{"a", "one", std::nullopt},
                                  {"b", "two", std::nullopt},
                                  {"c", "three", std::nullopt}};
  FusedCallObserver Obs(L, Parts);
  std::string Body(400, 'x');
  CallStart S;
  S.Model = "m";
  S.Provider = "openai";
  S.Body = Body;
  uint64_t Id = 0;
  ASSERT_FALSE(bool(Obs.callStarting(S, Id)));
  CallEnd E;
  E.Ok = true;
  E.Attempts = 1;
  E.Tokens.Unreported = 1;
  E.Answer = json({{"p0_a", "x"}, {"p1_b", "y"}, {"p2_c", "z"}}).dump();
  Obs.callEnded(Id, S, E);
  Spend Tot = L.total();
  EXPECT_EQ(Tot.Calls, 1u);
  EXPECT_EQ(Tot.InputTokens, 100u);  // the body's estimate once, not 3x
  EXPECT_EQ(Tot.OutputTokens, (E.Answer.size() + 3) / 4 + 1);
  EXPECT_FALSE(L.warnings().empty());
}

}  // namespace
