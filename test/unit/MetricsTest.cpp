//===- MetricsTest.cpp - The Prometheus exposition of a run's metrics -----===//
//
// What observe::Metrics renders: families with HELP and TYPE, label values
// escaped, cumulative histogram buckets, model spend by model and provider.
// `promtool check metrics` checks the same text in test/run/metrics_scrape.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "runtime/llm/Client.h"
#include "runtime/observe/Ledger.h"
#include "runtime/observe/Metrics.h"

using namespace orch::observe;

namespace {

bool has(const std::string &Text, const std::string &Line) {
  return Text.find("\n" + Line + "\n") != std::string::npos;
}

// Label sets are looked up without building a key (Metrics::KeyLess):
// the same set, given again as other strings, lands on one sample, a set
// that is a prefix of another stays apart, and samples render sorted by
// their label values.
TEST(Metrics, LabelSetsAreFoundAgainAndRenderSorted) {
  Metrics M;
  std::string Shell = "shell", Status = "completed";
  M.stepSettled("shell", "completed");
  M.stepSettled(Shell, Status);  // other storage, same values
  M.stepSettled("shel", "completed");
  M.stepSettled("shell", "completedx");
  M.stepSettled("echo", "skipped");
  std::string T = "\n" + M.render();
  size_t Echo = T.find("\norch_steps_total{action=\"echo\",status=\"skipped\"} 1\n");
  size_t Shel = T.find("\norch_steps_total{action=\"shel\",status=\"completed\"} 1\n");
  size_t Both = T.find("\norch_steps_total{action=\"shell\",status=\"completed\"} 2\n");
  size_t Longer =
      T.find("\norch_steps_total{action=\"shell\",status=\"completedx\"} 1\n");
  ASSERT_NE(Echo, std::string::npos) << T;
  ASSERT_NE(Shel, std::string::npos) << T;
  ASSERT_NE(Both, std::string::npos) << T;
  ASSERT_NE(Longer, std::string::npos) << T;
  EXPECT_LT(Echo, Shel) << T;
  EXPECT_LT(Shel, Both) << T;
  EXPECT_LT(Both, Longer) << T;
}

TEST(Metrics, StepsAttemptsAndDurations) {
  Metrics M;
  M.runStarted("demo", 4);
  M.attemptStarted("shell");
  M.attemptEnded("shell", false, 0.00390625);  // 2^-8: sums exactly
  M.retried("shell");
  M.attemptStarted("shell");
  M.attemptEnded("shell", true, 2.5);
  M.stepSettled("shell", "completed");
  // Never started (a stop during the cache lookup): not an attempt.
  M.attemptEnded("echo", false, -1);
  M.stepSettled("echo", "completed");
  M.stepSettled("echo", "skipped");
  std::string T = "\n" + M.render();
  EXPECT_TRUE(has(T, "orch_run_info{plan=\"demo\"} 1")) << T;
  EXPECT_TRUE(has(T, "orch_run_steps 4")) << T;
  EXPECT_TRUE(has(T, "orch_attempts_running 0")) << T;
  EXPECT_TRUE(has(T, "# TYPE orch_steps_total counter")) << T;
  EXPECT_TRUE(has(T, "orch_steps_total{action=\"echo\",status=\"completed\"} 1")) << T;
  EXPECT_TRUE(has(T, "orch_steps_total{action=\"echo\",status=\"skipped\"} 1")) << T;
  EXPECT_TRUE(has(T, "orch_attempts_total{action=\"shell\",status=\"failed\"} 1")) << T;
  EXPECT_EQ(T.find("orch_attempts_total{action=\"echo\""), std::string::npos) << T;
  EXPECT_TRUE(has(T, "orch_step_retries_total{action=\"shell\"} 1")) << T;
  // Cumulative buckets: 0.0039 s falls in le=0.005, 2.5 s in le=5.
  EXPECT_TRUE(
      has(T, "orch_attempt_duration_seconds_bucket{action=\"shell\",le=\"0.001\"} 0"));
  EXPECT_TRUE(
      has(T, "orch_attempt_duration_seconds_bucket{action=\"shell\",le=\"0.005\"} 1"));
  EXPECT_TRUE(
      has(T, "orch_attempt_duration_seconds_bucket{action=\"shell\",le=\"1\"} 1"));
  EXPECT_TRUE(
      has(T, "orch_attempt_duration_seconds_bucket{action=\"shell\",le=\"5\"} 2"));
  EXPECT_TRUE(
      has(T, "orch_attempt_duration_seconds_bucket{action=\"shell\",le=\"+Inf\"} 2"));
  EXPECT_TRUE(has(T, "orch_attempt_duration_seconds_sum{action=\"shell\"} 2.50390625"))
      << T;
  EXPECT_TRUE(has(T, "orch_attempt_duration_seconds_count{action=\"shell\"} 2")) << T;
  EXPECT_EQ(T.find("orch_attempt_duration_seconds_count{action=\"echo\"}"),
            std::string::npos);
}

TEST(Metrics, WaitsAndModelSpend) {
  Metrics M;
  M.waited("llm", "openai", 0.5, 0.25);
  M.waited("llm", "openai", 1.5, 0.75);
  M.waited("echo", "", 0, 0);
  M.modelCall("gpt-4o", "openai", 100, 20, 0.5, 1, true);
  M.modelCall("gpt-4o", "openai", 50, 0, 0.25, 0, false);
  std::string T = "\n" + M.render();
  EXPECT_TRUE(has(T, "# TYPE orch_queue_wait_seconds summary")) << T;
  EXPECT_TRUE(has(T, "orch_queue_wait_seconds_sum{action=\"llm\"} 2")) << T;
  EXPECT_TRUE(has(T, "orch_queue_wait_seconds_count{action=\"llm\"} 2")) << T;
  EXPECT_TRUE(has(T, "orch_group_wait_seconds_sum{group=\"openai\"} 1")) << T;
  EXPECT_EQ(T.find("group=\"\""), std::string::npos) << T;  // no group, no sample
  EXPECT_TRUE(has(T, "orch_model_calls_total{model=\"gpt-4o\",provider=\"openai\"} 2"));
  EXPECT_TRUE(
      has(T, "orch_model_failed_calls_total{model=\"gpt-4o\",provider=\"openai\"} 1"));
  EXPECT_TRUE(
      has(T, "orch_model_input_tokens_total{model=\"gpt-4o\",provider=\"openai\"} 150"));
  EXPECT_TRUE(
      has(T, "orch_model_output_tokens_total{model=\"gpt-4o\",provider=\"openai\"} 20"));
  EXPECT_TRUE(has(T, "orch_model_retries_total{model=\"gpt-4o\",provider=\"openai\"} 1"));
  EXPECT_TRUE(
      has(T, "orch_model_cost_usd_total{model=\"gpt-4o\",provider=\"openai\"} 0.75"))
      << T;
}

TEST(Metrics, TheLedgerCountsEachModelCall) {
  // Priced at 1 USD per input token and 2 per output token: exact sums.
  Ledger L([](const std::string &) { return std::pair<double, double>{1.0, 2.0}; });
  Metrics M;
  L.setMetrics(&M);
  orch::llm::CallStart S;
  S.Caller = "summarize";
  S.Model = "gpt-4o";
  S.Provider = "openai";
  S.Body = R"({"model":"gpt-4o","messages":[]})";
  orch::llm::CallEnd E;
  E.Tokens.InputTokens = 10;
  E.Tokens.OutputTokens = 3;
  E.Attempts = 2;
  E.Ok = true;
  uint64_t Id = 0;
  ASSERT_FALSE(bool(L.callStarting(S, Id)));
  L.callEnded(Id, S, E);
  std::string T = "\n" + M.render();
  EXPECT_TRUE(has(T, "orch_model_calls_total{model=\"gpt-4o\",provider=\"openai\"} 1"))
      << T;
  EXPECT_TRUE(
      has(T, "orch_model_input_tokens_total{model=\"gpt-4o\",provider=\"openai\"} 10"));
  EXPECT_TRUE(
      has(T, "orch_model_output_tokens_total{model=\"gpt-4o\",provider=\"openai\"} 3"));
  EXPECT_TRUE(has(T, "orch_model_retries_total{model=\"gpt-4o\",provider=\"openai\"} 1"));
  EXPECT_TRUE(
      has(T, "orch_model_cost_usd_total{model=\"gpt-4o\",provider=\"openai\"} 16"));
}

/// Answers every request with Status (an empty answer when 200).
class StatusTransport : public orch::llm::HttpTransport {
 public:
  long Status = 500;
  llvm::Expected<orch::llm::HttpResponse> post(const orch::llm::HttpRequest &) override {
    return orch::llm::HttpResponse{
        Status, {}, R"({"choices":[{"message":{"content":"ok"}}]})"};
  }
};

/// Time that moves only when the test moves it (or the client sleeps).
class StillClock : public orch::llm::Clock {
 public:
  TimePoint T{};
  TimePoint now() override { return T; }
  void sleepFor(std::chrono::milliseconds D) override { T += D; }
};

TEST(Metrics, CircuitBreakerStateFollowsTheProvidersCalls) {
  using namespace std::chrono_literals;
  StatusTransport Net;
  StillClock Clk;
  orch::llm::ProviderConfig P;
  P.Name = "local";
  P.BaseUrl = "http://127.0.0.1:9/v1";
  P.MaxRetries = 0;
  P.BreakerThreshold = 2;
  P.BreakerCooldown = 10s;
  orch::llm::Client C(
      P, Net, Clk, [](const std::string &) { return std::nullopt; }, 1);
  Ledger L([](const std::string &) { return std::pair<double, double>{0, 0}; });
  Metrics M;
  L.setMetrics(&M);
  orch::llm::ChatRequest R;
  R.Model = "m";
  R.Prompt = "hi";
  R.Observer = &L;
  auto Call = [&] {
    llvm::Expected<orch::llm::ChatResponse> Out = C.chat(R);
    if (!Out) llvm::consumeError(Out.takeError());
    return "\n" + M.render();
  };
  std::string T = "\n" + M.render();
  EXPECT_TRUE(has(T, "# TYPE orch_circuit_breaker_state gauge")) << T;
  EXPECT_EQ(T.find("orch_circuit_breaker_state{"), std::string::npos) << T;
  T = Call();  // one failure of two: still closed
  EXPECT_TRUE(has(T, "orch_circuit_breaker_state{provider=\"local\"} 0")) << T;
  T = Call();  // the second opens it
  EXPECT_TRUE(has(T, "orch_circuit_breaker_state{provider=\"local\"} 1")) << T;
  T = Call();  // refused while open: still open
  EXPECT_TRUE(has(T, "orch_circuit_breaker_state{provider=\"local\"} 1")) << T;
  Clk.T += 11s;
  Net.Status = 200;
  T = Call();  // the trial succeeds: closed again
  EXPECT_TRUE(has(T, "orch_circuit_breaker_state{provider=\"local\"} 0")) << T;
  // One sample a provider, labelled from the registry's name only.
  EXPECT_EQ(T.find("orch_circuit_breaker_state{provider=\"local\"}"),
            T.rfind("orch_circuit_breaker_state{provider=\"local\"}"));
}

// A provider with tokens_per_minute: each call's wait is in
// orch_token_rate_wait_seconds (a summary by provider), and in the event;
// a call to a provider without one is not counted.
TEST(Metrics, TokenRateWaitIsCountedByProvider) {
  /// Each answer used 500 tokens.
  struct UsageTransport : orch::llm::HttpTransport {
    llvm::Expected<orch::llm::HttpResponse> post(
        const orch::llm::HttpRequest &) override {
      return orch::llm::HttpResponse{
          200,
          {},
          R"({"choices":[{"message":{"content":"ok"}}],)"
          R"("usage":{"prompt_tokens":500,"completion_tokens":0}})"};
    }
  } Net;
  StillClock Clk;
  orch::llm::ProviderConfig P;
  P.Name = "local";
  P.BaseUrl = "http://127.0.0.1:9/v1";
  orch::llm::Client C(
      P, Net, Clk, [](const std::string &) { return std::nullopt; }, 1);
  orch::llm::TokenLimiter Limit("local", 1000, Clk);
  Ledger L([](const std::string &) { return std::pair<double, double>{0, 0}; });
  Metrics M;
  L.setMetrics(&M);
  orch::llm::ChatRequest R;
  R.Model = "m";
  R.Prompt = "hi";
  R.MaxTokens = 600;
  R.Observer = &L;
  ASSERT_TRUE(bool(C.chat(R)));  // no limiter yet: not counted
  std::string T = "\n" + M.render();
  EXPECT_TRUE(has(T, "# TYPE orch_token_rate_wait_seconds summary")) << T;
  EXPECT_EQ(T.find("orch_token_rate_wait_seconds_count{"), std::string::npos) << T;
  C.setTokenLimiter(&Limit);
  ASSERT_TRUE(bool(C.chat(R)));  // ~620 reserved at t = 0, 500 used
  ASSERT_TRUE(bool(C.chat(R)));  // 500 + ~620 > 1000: waits until t = 60 s
  T = "\n" + M.render();
  EXPECT_TRUE(has(T, "orch_token_rate_wait_seconds_count{provider=\"local\"} 2")) << T;
  const std::string SumLine = "orch_token_rate_wait_seconds_sum{provider=\"local\"} ";
  size_t At = T.find(SumLine);
  ASSERT_NE(At, std::string::npos) << T;
  double Sum = std::stod(T.substr(At + SumLine.size()));
  EXPECT_GE(Sum, 60.0) << T;
  EXPECT_LE(Sum, 60.2) << T;
}

TEST(Metrics, BreakerStatesRenderAsNumbers) {
  Metrics M;
  M.breakerState("openai", unsigned(orch::llm::BreakerState::HalfOpen));
  M.breakerState("anthropic", unsigned(orch::llm::BreakerState::Open));
  std::string T = "\n" + M.render();
  EXPECT_TRUE(has(T, "orch_circuit_breaker_state{provider=\"anthropic\"} 1")) << T;
  EXPECT_TRUE(has(T, "orch_circuit_breaker_state{provider=\"openai\"} 2")) << T;
}

TEST(Metrics, LabelValuesAreEscaped) {
  Metrics M;
  M.runStarted("a\"b\\c\nd", 0);
  std::string T = "\n" + M.render();
  EXPECT_TRUE(has(T, "orch_run_info{plan=\"a\\\"b\\\\c\\nd\"} 1")) << T;
}

/// The value of the sample line that starts with \p Prefix, or -1.
double sample(const std::string &Text, const std::string &Prefix) {
  size_t At = Text.find("\n" + Prefix + " ");
  if (At == std::string::npos) return -1;
  return std::stod(Text.substr(At + Prefix.size() + 2));
}

// Samples are updated through their handles without the lock (what
// MetricsObserver does a step) from several threads while others render:
// no update is lost, and every render's histogram is cumulative and ends
// at its count (the count is the sum of the buckets, read once). Run
// under ThreadSanitizer, this is also the data-race check.
TEST(Metrics, HandlesUpdateConcurrentlyWithRenders) {
  Metrics M;
  constexpr int Threads = 4, Each = 20000, Tight = 1000000;
  std::atomic<bool> Done{false}, Go{false};
  std::atomic<int> Renders{0}, Broken{0};
  std::thread Reader([&] {
    while (!Done.load()) {
      std::string T = "\n" + M.render();
      double Prev = 0;
      for (const char *Le : {"0.001", "0.005", "0.01", "0.05", "0.1", "0.5", "1", "5",
                             "10", "30", "60", "300", "+Inf"}) {
        double V = sample(T, std::string("orch_attempt_duration_seconds_bucket{action="
                                         "\"echo\",le=\"") +
                                 Le + "\"}");
        if (V < 0) break;  // not seen yet
        if (V < Prev) ++Broken;
        Prev = V;
      }
      double Count = sample(T, "orch_attempt_duration_seconds_count{action=\"echo\"}");
      if (Count >= 0 && Count != Prev) ++Broken;
      ++Renders;
    }
  });
  std::vector<std::thread> Writers;
  for (int W = 0; W < Threads; ++W)
    Writers.emplace_back([&, W] {
      Metrics::Counter &Ok = M.attemptsSample("echo", true);
      Metrics::Histogram &H = M.durationSample("echo");
      Metrics::Summary &Q = M.queueWaitSample("echo");
      while (!Go.load()) std::this_thread::yield();  // all at once
      Metrics::Counter &Retry = M.attemptsSample("echo", false);
      for (int I = 0; I < Tight; ++I) Retry.add();  // long enough to overlap
      for (int I = 0; I < Each; ++I) {
        M.running(true);
        Ok.add();
        H.observe(I % 2 ? 0.25 : 400);  // 0.25 s: le=0.5; 400 s: above every bound
        Q.observe(0.5);
        M.running(false);
        if (I % 1000 == W) M.stepSettled("echo", "completed");  // the locked path
      }
    });
  Go = true;
  for (std::thread &T : Writers) T.join();
  Done = true;
  Reader.join();
  EXPECT_EQ(Broken.load(), 0);
  EXPECT_GT(Renders.load(), 0);
  std::string T = "\n" + M.render();
  const double N = Threads * Each;
  EXPECT_EQ(sample(T, "orch_attempts_total{action=\"echo\",status=\"completed\"}"), N)
      << T;
  EXPECT_EQ(sample(T, "orch_attempt_duration_seconds_bucket{action=\"echo\",le=\"0.5\"}"),
            N / 2);
  EXPECT_EQ(sample(T, "orch_attempt_duration_seconds_bucket{action=\"echo\",le=\"300\"}"),
            N / 2);
  EXPECT_EQ(sample(T, "orch_attempt_duration_seconds_count{action=\"echo\"}"), N);
  EXPECT_EQ(sample(T, "orch_attempts_total{action=\"echo\",status=\"failed\"}"),
            double(Threads) * Tight);
  EXPECT_EQ(sample(T, "orch_attempt_duration_seconds_sum{action=\"echo\"}"),
            N / 2 * 400 + N / 2 * 0.25);
  EXPECT_EQ(sample(T, "orch_queue_wait_seconds_count{action=\"echo\"}"), N);
  EXPECT_EQ(sample(T, "orch_queue_wait_seconds_sum{action=\"echo\"}"), N * 0.5);
  EXPECT_EQ(sample(T, "orch_steps_total{action=\"echo\",status=\"completed\"}"),
            Threads * (Each / 1000));
  EXPECT_EQ(sample(T, "orch_attempts_running"), 0);
}

}  // namespace

TEST(Ledger, CarriedSpendSaturatesInsteadOfWrapping) {
  Ledger L([](const std::string &) { return std::pair<double, double>{1.0, 2.0}; });
  // 20 steps whose input tokens add up to 2^64 (and calls far beyond 1e18):
  // unchecked sums would wrap to a few tokens.
  Spend Each;
  Each.Calls = Spend::CarryLimit - 1;
  Each.InputTokens = 922337203685477581ull;  // 2^64 / 20, rounded up
  Each.LatencyMs = int64_t(Spend::CarryLimit) - 1;
  for (int I = 0; I < 20; ++I) L.carry("s" + std::to_string(I), Each);
  Spend T = L.total();
  EXPECT_EQ(T.InputTokens, Spend::CarryLimit);
  EXPECT_EQ(T.Calls, Spend::CarryLimit);
  EXPECT_EQ(T.LatencyMs, int64_t(Spend::CarryLimit));
  EXPECT_EQ(L.step("s3").InputTokens, Each.InputTokens);
  Spend Huge;
  Huge.OutputTokens = ~0ull;  // more than a step's record can hold
  L.carry("s0", Huge);
  EXPECT_EQ(L.step("s0").OutputTokens, Spend::CarryLimit);
  EXPECT_GE(L.total().tokens(), Spend::CarryLimit);  // still over any budget
}
