//===- ObserveTest.cpp - Accounting, budgets and the event log ------------===//
//
// The LLM client with a fake transport and a clock that moves only when
// the client sleeps; the ledger (runtime/observe) as its observer.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "llvm/Support/FileSystem.h"
#include "runtime/llm/Client.h"
#include "runtime/observe/EventLog.h"
#include "runtime/observe/Inspect.h"
#include "runtime/observe/Ledger.h"

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

/// \p Jobs callers ask until refused (as -j Jobs model steps would):
/// the overshoot stays within one call's cost per caller in flight.
class BudgetOvershoot : public ::testing::TestWithParam<unsigned> {};

TEST_P(BudgetOvershoot, BoundedByCallsInFlight) {
  unsigned Jobs = GetParam();
  UsageTransport T(openaiBody(50, 50));  // 100 tokens, 0.001 USD a call
  StillClock Clk;
  Client C(provider(ApiKind::OpenAI), T, Clk, withKey("k-secret-123456"));
  BudgetLimits Lim;
  Lim.MaxCostUsd = 0.0205;
  Ledger L(flatPrice(1e-5, 1e-5), Lim);
  std::atomic<unsigned> MaxInFlight{0};
  std::vector<std::thread> Callers;
  for (unsigned J = 0; J < Jobs; ++J)
    Callers.emplace_back([&, J] {
      for (int Guard = 0; Guard < 1000; ++Guard) {
        unsigned Now = L.inFlight();
        for (unsigned M = MaxInFlight;
             Now > M && !MaxInFlight.compare_exchange_weak(M, Now);)
          ;
        auto R = C.chat(request(L, "s" + std::to_string(J)));
        if (!R) {
          llvm::consumeError(R.takeError());
          return;
        }
      }
    });
  for (std::thread &Th : Callers) Th.join();
  Spend S = L.total();
  ASSERT_TRUE(L.breach().has_value());
  EXPECT_GE(S.CostUsd, Lim.MaxCostUsd);
  EXPECT_LE(S.CostUsd, Lim.MaxCostUsd + Jobs * 0.001 + 1e-12) << "calls: " << S.Calls;
  EXPECT_EQ(uint64_t(T.Posts), S.Calls);
  EXPECT_EQ(L.inFlight(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Jobs, BudgetOvershoot, ::testing::Values(1u, 8u, 64u));

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

}  // namespace
