//===- TokenLimiterTest.cpp - tokens_per_minute on virtual time -----------===//
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <random>
#include <thread>

#include "runtime/llm/Client.h"
#include "runtime/llm/TokenLimiter.h"

using json = orch::ir::Json;
using namespace orch::llm;
using namespace std::chrono_literals;

namespace {

/// Virtual time that moves by what each sleep asks (any thread).
class AutoClock : public Clock {
 public:
  std::atomic<int64_t> Ms{0};
  TimePoint now() override { return TimePoint(std::chrono::milliseconds(Ms.load())); }
  void sleepFor(std::chrono::milliseconds D) override { Ms += D.count(); }
};

/// Virtual time that moves only when the test says: a sleeper blocks
/// until then.
class ManualClock : public Clock {
 public:
  TimePoint now() override {
    std::lock_guard<std::mutex> L(M);
    return T;
  }
  void sleepFor(std::chrono::milliseconds D) override {
    std::unique_lock<std::mutex> L(M);
    ++Naps;
    CV.notify_all();
    TimePoint Until = T + D;
    CV.wait(L, [&] { return T >= Until; });
  }
  void advance(std::chrono::milliseconds D) {
    {
      std::lock_guard<std::mutex> L(M);
      T += D;
    }
    CV.notify_all();
  }
  /// Waits (real time, at most 10 s) until \p N sleeps have begun.
  bool awaitNaps(int N) {
    std::unique_lock<std::mutex> L(M);
    return CV.wait_for(L, std::chrono::seconds(10), [&] { return Naps >= N; });
  }
  int naps() {
    std::lock_guard<std::mutex> L(M);
    return Naps;
  }

 private:
  std::mutex M;
  std::condition_variable CV;
  TimePoint T{};
  int Naps = 0;
};

using TP = Clock::TimePoint;
TP at(std::chrono::milliseconds D) { return TP(D); }

TEST(TokenLimiterTest, WindowSlides) {
  AutoClock Clk;
  TokenLimiter L("openai", 1000, Clk);
  TP Retry;
  ASSERT_TRUE(L.tryReserve(600, at(0ms), Retry));
  ASSERT_TRUE(L.tryReserve(300, at(10000ms), Retry));
  // 900 used: 200 more must wait until the first entry leaves (t = 60 s).
  EXPECT_FALSE(L.tryReserve(200, at(20000ms), Retry));
  EXPECT_EQ(Retry, at(60000ms));
  EXPECT_FALSE(L.tryReserve(200, at(59999ms), Retry));
  EXPECT_TRUE(L.tryReserve(200, at(60000ms), Retry));
  EXPECT_EQ(L.used(at(60000ms)), 500u);
  // 800 more: the 300 (t = 10 s) must leave; then 200 + 800 fit exactly.
  EXPECT_FALSE(L.tryReserve(800, at(61000ms), Retry));
  EXPECT_EQ(Retry, at(70000ms));
  // 900 more: the 200 (t = 60 s) must leave too.
  EXPECT_FALSE(L.tryReserve(900, at(61000ms), Retry));
  EXPECT_EQ(Retry, at(120000ms));
  EXPECT_EQ(L.used(at(120000ms)), 0u);
}

TEST(TokenLimiterTest, ReserveWaitsOnVirtualTime) {
  AutoClock Clk;
  TokenLimiter L("openai", 1000, Clk);
  auto A = L.reserve(700, nullptr);
  ASSERT_TRUE(bool(A));
  EXPECT_EQ(A->Waited, 0ms);
  Clk.Ms = 5000;
  auto B = L.reserve(700, nullptr);
  ASSERT_TRUE(bool(B));
  // Granted when the first left the window, at 60 s (slices of 100 ms).
  EXPECT_GE(B->At, at(60000ms));
  EXPECT_LT(B->At, at(60000ms + TokenLimiter::Slice + 1ms));
  EXPECT_EQ(B->Waited,
            std::chrono::duration_cast<std::chrono::milliseconds>(B->At - at(5000ms)));
}

TEST(TokenLimiterTest, SettleDownWakesAWaiter) {
  ManualClock Clk;
  TokenLimiter L("openai", 1000, Clk);
  auto A = L.reserve(900, nullptr);  // the estimate: 900
  ASSERT_TRUE(bool(A));
  std::optional<TokenLimiter::Reservation> B;
  std::atomic<bool> Done{false};
  std::thread W([&] {
    auto R = L.reserve(500, nullptr);
    if (R) B = *R;
    Done = true;
  });
  EXPECT_TRUE(Clk.awaitNaps(1));
  L.settle(*A, 300);  // the answer used 300: room for 500 now
  Clk.advance(TokenLimiter::Slice);
  // Granted, or asleep again (the settle freed nothing): then the window
  // is let pass so that the thread ends, and the checks below fail.
  for (int I = 0; I < 1000 && !Done && Clk.naps() < 2; ++I)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  while (!Done) {
    Clk.advance(TokenLimiter::Window);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  W.join();
  ASSERT_TRUE(B);
  // Woken by the settle at the next slice, not by the window (60 s).
  EXPECT_EQ(B->Waited, TokenLimiter::Slice);
  EXPECT_EQ(L.used(Clk.now()), 800u);
}

TEST(TokenLimiterTest, SettleUpMakesLaterRequestsWait) {
  AutoClock Clk;
  TokenLimiter L("openai", 1000, Clk);
  TP Retry;
  auto A = L.tryReserve(100, at(0ms), Retry);
  ASSERT_TRUE(A);
  L.settle(*A, 950);  // the provider counted more than the estimate
  EXPECT_EQ(L.used(at(1ms)), 950u);
  EXPECT_FALSE(L.tryReserve(100, at(1000ms), Retry));
  EXPECT_EQ(Retry, at(60000ms));
  EXPECT_TRUE(L.tryReserve(50, at(1000ms), Retry));
}

TEST(TokenLimiterTest, CancelWakesAWaiter) {
  ManualClock Clk;
  TokenLimiter L("openai", 1000, Clk);
  ASSERT_TRUE(bool(L.reserve(1000, nullptr)));
  std::atomic<bool> Cancel{false};
  std::string Error;
  std::atomic<bool> Done{false};
  std::thread W([&] {
    auto R = L.reserve(10, [&] { return Cancel.load(); });
    if (!R) Error = llvm::toString(R.takeError());
    Done = true;
  });
  EXPECT_TRUE(Clk.awaitNaps(1));
  Cancel = true;
  Clk.advance(TokenLimiter::Slice);  // one slice, far from the window's end
  for (int I = 0; I < 1000 && !Done && Clk.naps() < 2; ++I)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(Done) << "the cancel did not end the wait";
  while (!Done) {  // let the thread end
    Clk.advance(TokenLimiter::Window);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  W.join();
  EXPECT_NE(Error.find("cancelled while waiting for tokens_per_minute"),
            std::string::npos)
      << Error;
  EXPECT_EQ(L.used(Clk.now()), 1000u);  // the cancelled request took nothing
}

TEST(TokenLimiterTest, OversizeFailsAtOnce) {
  AutoClock Clk;
  TokenLimiter L("anthropic", 1000, Clk);
  auto R = L.reserve(1001, nullptr);
  ASSERT_FALSE(bool(R));
  std::string E = llvm::toString(R.takeError());
  EXPECT_NE(E.find("provider `anthropic`'s whole limit of tokens_per_minute 1000"),
            std::string::npos)
      << E;
  EXPECT_EQ(Clk.Ms.load(), 0);  // no wait
  EXPECT_TRUE(bool(L.reserve(1000, nullptr)));
}

TEST(TokenLimiterTest, A429HoldsTheWindow) {
  AutoClock Clk;
  TokenLimiter L("openai", 1000000, Clk);
  HttpResponse R{429, {{"retry-after", "7"}}, ""};
  L.observe(R);
  TP Retry;
  EXPECT_FALSE(L.tryReserve(1, at(0ms), Retry));
  EXPECT_EQ(Retry, at(7000ms));
  // Without Retry-After the reset header says how long; the hold is bounded.
  HttpResponse Long{429, {{"x-ratelimit-reset-tokens", "10m0s"}}, ""};
  L.observe(Long);
  EXPECT_FALSE(L.tryReserve(1, at(0ms), Retry));
  EXPECT_EQ(Retry, at(TokenLimiter::MaxHold));
  auto Got = L.reserve(1, nullptr);
  ASSERT_TRUE(bool(Got));
  EXPECT_GE(Got->At, at(TokenLimiter::MaxHold));
}

TEST(TokenLimiterTest, A429sRetryAfterWinsOverTheTokenReset) {
  // The token reset header is the time until the whole bucket is full
  // again (sent on every answer); a 429 waits for Retry-After.
  AutoClock Clk;
  TokenLimiter L("openai", 1000000, Clk);
  L.observe(HttpResponse{
      429, {{"retry-after", "2"}, {"x-ratelimit-reset-tokens", "10m0s"}}, ""});
  TP Retry;
  EXPECT_FALSE(L.tryReserve(1, at(0ms), Retry));
  EXPECT_EQ(Retry, at(2000ms));
}

TEST(TokenLimiterTest, HeaderTimesFromTheNetworkAreBounded) {
  EXPECT_EQ(TokenLimiter::parseDuration("99999999999999999999h"),
            std::chrono::milliseconds(int64_t(365) * 24 * 3600 * 1000));
  EXPECT_FALSE(TokenLimiter::parseRfc3339("9999-01-02T03:04:05Z"));
  EXPECT_TRUE(TokenLimiter::parseRfc3339("2025-01-02T03:04:05Z"));
}

TEST(TokenLimiterTest, RemainingHeadersBoundWhatGoesOut) {
  AutoClock Clk;
  TokenLimiter L("openai", 1000000, Clk);
  L.observe(HttpResponse{
      200,
      {{"x-ratelimit-remaining-tokens", "500"}, {"x-ratelimit-reset-tokens", "6s"}},
      ""});
  TP Retry;
  EXPECT_TRUE(L.tryReserve(400, at(0ms), Retry));
  EXPECT_FALSE(L.tryReserve(400, at(0ms), Retry));  // 100 left until the reset
  EXPECT_EQ(Retry, at(6000ms));
  EXPECT_TRUE(L.tryReserve(100, at(0ms), Retry));
  EXPECT_TRUE(L.tryReserve(400, at(6000ms), Retry));
  // Anthropic's reset is a time: 30 s after the wall clock's now.
  auto Wall = *TokenLimiter::parseRfc3339("2025-01-02T03:04:05Z");
  TokenLimiter A("anthropic", 1000000, Clk, [&] { return Wall; });
  A.observe(HttpResponse{200,
                         {{"anthropic-ratelimit-tokens-remaining", "0"},
                          {"anthropic-ratelimit-tokens-reset", "2025-01-02T03:04:35Z"}},
                         ""});
  EXPECT_FALSE(A.tryReserve(1, at(0ms), Retry));
  EXPECT_EQ(Retry, at(30000ms));
}

TEST(TokenLimiterTest, ParsesTheProvidersResetFormats) {
  EXPECT_EQ(TokenLimiter::parseDuration("1s"), 1000ms);
  EXPECT_EQ(TokenLimiter::parseDuration("6m0s"), 360000ms);
  EXPECT_EQ(TokenLimiter::parseDuration("20ms"), 20ms);
  EXPECT_EQ(TokenLimiter::parseDuration("1h2m3.5s"), 3723500ms);
  EXPECT_FALSE(TokenLimiter::parseDuration("soon"));
  EXPECT_FALSE(TokenLimiter::parseDuration("5"));
  auto A = TokenLimiter::parseRfc3339("2025-01-02T03:04:05Z");
  auto B = TokenLimiter::parseRfc3339("2025-01-02T04:04:05.5+01:00");
  ASSERT_TRUE(A && B);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(*B - *A), 500ms);
  EXPECT_FALSE(TokenLimiter::parseRfc3339("2025-02-30T00:00:00Z"));
  EXPECT_FALSE(TokenLimiter::parseRfc3339("yesterday"));
}

// N threads reserve random amounts and settle to random usage at or below
// the estimate: in every 60 s window the tokens used stay within the limit.
TEST(TokenLimiterTest, ConcurrentThreadsNeverExceedTheLimit) {
  for (unsigned Seed = 1; Seed <= 5; ++Seed) {
    AutoClock Clk;
    constexpr uint64_t Limit = 5000;
    TokenLimiter L("openai", Limit, Clk);
    struct Grant {
      TP At;
      uint64_t Used;
    };
    std::mutex M;
    std::vector<Grant> Grants;
    std::vector<std::thread> Threads;
    for (unsigned K = 0; K < 8; ++K)
      Threads.emplace_back([&, K] {
        std::mt19937_64 Rng(Seed * 100 + K);
        for (int I = 0; I < 40; ++I) {
          uint64_t Want = 1 + Rng() % 1500;
          auto R = L.reserve(Want, nullptr);
          ASSERT_TRUE(bool(R));
          uint64_t Used = Rng() % (Want + 1);
          Clk.sleepFor(std::chrono::milliseconds(Rng() % 3000));  // the call
          L.settle(*R, Used);
          std::lock_guard<std::mutex> G(M);
          Grants.push_back({R->At, Used});
        }
      });
    for (std::thread &T : Threads) T.join();
    std::sort(Grants.begin(), Grants.end(),
              [](const Grant &A, const Grant &B) { return A.At < B.At; });
    for (size_t I = 0; I < Grants.size(); ++I) {
      uint64_t Sum = 0;
      for (size_t J = I; J < Grants.size() && Grants[J].At < Grants[I].At + 60s; ++J)
        Sum += Grants[J].Used;
      ASSERT_LE(Sum, Limit) << "seed " << Seed << ", window from grant " << I;
    }
  }
}

// --- through the client ---

class FakeTransport : public HttpTransport {
 public:
  std::deque<HttpResponse> Script;
  std::vector<HttpRequest> Seen;
  llvm::Expected<HttpResponse> post(const HttpRequest &R) override {
    Seen.push_back(R);
    if (Script.empty())
      return llvm::make_error<TransportError>(TransportFailure::Other, "no script");
    HttpResponse Out = Script.front();
    Script.pop_front();
    return Out;
  }
};

ProviderConfig openai() {
  ProviderConfig C;
  C.Name = "openai";
  C.BaseUrl = "http://127.0.0.1:9/v1/";
  C.ApiKeyEnv = "";
  C.BaseBackoff = 10ms;
  return C;
}

std::string answer(uint64_t In, uint64_t Out) {
  return json{{"choices", {{{"message", {{"role", "assistant"}, {"content", "ok"}}}}}},
              {"usage", {{"prompt_tokens", In}, {"completion_tokens", Out}}}}
      .dump();
}

/// Records each call's end.
struct Ends : CallObserver {
  std::vector<CallEnd> Seen;
  llvm::Error callStarting(const CallStart &, uint64_t &) override {
    return llvm::Error::success();
  }
  void callEnded(uint64_t, const CallStart &, const CallEnd &E) override {
    Seen.push_back(E);
  }
};

/// A request for "hi" with an answer of at most \p MaxTokens, told to \p Obs.
ChatRequest hi(unsigned MaxTokens, CallObserver &Obs) {
  ChatRequest R;
  R.Model = "gpt-4o-mini";
  R.Prompt = "hi";
  R.MaxTokens = MaxTokens;
  R.Observer = &Obs;
  return R;
}

/// A client without a key, over \p T, on \p Clk.
Client keyless(FakeTransport &T, Clock &Clk) {
  return Client(openai(), T, Clk, [](const std::string &) { return std::nullopt; });
}

TEST(TokenLimiterTest, ClientSettlesEachAttemptToItsUsage) {
  AutoClock Clk;
  FakeTransport T;
  TokenLimiter L("openai", 10000, Clk);
  Client C = keyless(T, Clk);
  C.setTokenLimiter(&L);
  T.Script.push_back({500, {}, R"({"error":{"message":"busy"}})"});
  T.Script.push_back({200, {}, answer(30, 12)});
  Ends Obs;
  ChatRequest R = hi(2000, Obs);
  auto Out = C.chat(R);
  ASSERT_TRUE(bool(Out)) << llvm::toString(Out.takeError());
  ASSERT_EQ(T.Seen.size(), 2u);
  // The failed attempt: its input estimate; the answer: its usage.
  uint64_t Input = Client::estimateTokens(T.Seen[0].Body, 0);
  EXPECT_EQ(L.used(Clk.now()), Input + 42);
  ASSERT_EQ(Obs.Seen.size(), 1u);
  ASSERT_TRUE(Obs.Seen[0].TokenWait);
  EXPECT_EQ(*Obs.Seen[0].TokenWait, 0ms);
}

TEST(TokenLimiterTest, ClientWaitsAndReportsTheWait) {
  AutoClock Clk;
  FakeTransport T;
  TokenLimiter L("openai", 3000, Clk);
  Client C = keyless(T, Clk);
  C.setTokenLimiter(&L);
  T.Script.push_back({200, {}, answer(1000, 1000)});
  T.Script.push_back({200, {}, answer(10, 10)});
  Ends Obs;
  ChatRequest R = hi(1500, Obs);
  ASSERT_TRUE(bool(C.chat(R)));  // 2000 used at t = 0
  ASSERT_TRUE(bool(C.chat(R)));  // needs ~1500: waits for t = 60 s
  ASSERT_EQ(Obs.Seen.size(), 2u);
  EXPECT_EQ(*Obs.Seen[0].TokenWait, 0ms);
  EXPECT_GE(*Obs.Seen[1].TokenWait, 60000ms);
  EXPECT_LE(*Obs.Seen[1].TokenWait, 60000ms + TokenLimiter::Slice + 1ms);
  // A request above the whole limit is never sent.
  R.MaxTokens = 3000;
  auto Big = C.chat(R);
  ASSERT_FALSE(bool(Big));
  EXPECT_NE(llvm::toString(Big.takeError()).find("tokens_per_minute 3000"),
            std::string::npos);
  EXPECT_EQ(T.Seen.size(), 2u);
}

TEST(TokenLimiterTest, ClientWithoutLimitReportsNoWait) {
  AutoClock Clk;
  FakeTransport T;
  Client C = keyless(T, Clk);
  T.Script.push_back({200, {}, answer(1, 1)});
  Ends Obs;
  ASSERT_TRUE(bool(C.chat(hi(0, Obs))));
  ASSERT_EQ(Obs.Seen.size(), 1u);
  EXPECT_FALSE(Obs.Seen[0].TokenWait);
}

}  // namespace
