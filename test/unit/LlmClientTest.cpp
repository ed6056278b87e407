//===- LlmClientTest.cpp - The LLM client against a fake transport --------===//
#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <thread>

#include "runtime/llm/Client.h"

using json = orch::ir::Json;
using namespace orch::llm;
using namespace std::chrono_literals;

namespace {

/// Scripted answers; records every request.
class FakeTransport : public HttpTransport {
 public:
  std::deque<llvm::Expected<HttpResponse>> Script;
  std::vector<HttpRequest> Seen;
  std::mutex M;

  void answer(long Status, json Body, std::vector<Header> Headers = {}) {
    Script.push_back(HttpResponse{Status, std::move(Headers), Body.dump()});
  }
  void fail(TransportFailure K) {
    Script.push_back(llvm::make_error<TransportError>(K, "connection refused"));
  }
  llvm::Expected<HttpResponse> post(const HttpRequest &R) override {
    std::lock_guard<std::mutex> L(M);
    Seen.push_back(R);
    if (Script.empty())
      return llvm::make_error<TransportError>(TransportFailure::Other, "no script");
    llvm::Expected<HttpResponse> Out = std::move(Script.front());
    Script.pop_front();
    return Out;
  }
};

/// Time that moves only when the client sleeps.
class FakeClock : public Clock {
 public:
  TimePoint T{};
  std::vector<std::chrono::milliseconds> Sleeps;
  TimePoint now() override { return T; }
  void sleepFor(std::chrono::milliseconds D) override {
    Sleeps.push_back(D);
    T += D;
  }
};

EnvLookup env(std::map<std::string, std::string> Vars) {
  return [Vars](const std::string &N) -> std::optional<std::string> {
    auto It = Vars.find(N);
    if (It == Vars.end()) return std::nullopt;
    return It->second;
  };
}

/// True if \p E holds a value; consumes the error otherwise.
template <typename T>
bool ok(llvm::Expected<T> E) {
  if (E) return true;
  llvm::consumeError(E.takeError());
  return false;
}

json openaiAnswer(const std::string &Content) {
  return {{"choices", {{{"message", {{"role", "assistant"}, {"content", Content}}}}}}};
}

ProviderConfig openai() {
  ProviderConfig C;
  C.Name = "openai";
  C.BaseUrl = "http://127.0.0.1:9/v1/";
  C.ApiKeyEnv = "OPENAI_API_KEY";
  return C;
}

ChatRequest structured() {
  ChatRequest R;
  R.Model = "gpt-4o-mini";
  R.Prompt = "Choose a depth";
  R.Schema = json{{"type", "string"}, {"enum", {"shallow", "deep"}}};
  R.SchemaName = "research_depth";
  return R;
}

TEST(LlmClient, OpenAIRequestShape) {
  FakeTransport T;
  FakeClock Clk;
  Client C(openai(), T, Clk, env({{"OPENAI_API_KEY", "sk-secret-1234"}}));
  T.answer(200, openaiAnswer(R"({"value":"deep"})"));
  llvm::Expected<ChatResponse> R = C.chat(structured());
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_EQ(R->Structured, json("deep"));
  ASSERT_EQ(T.Seen.size(), 1u);
  const HttpRequest &Q = T.Seen[0];
  EXPECT_EQ(Q.Url, "http://127.0.0.1:9/v1/chat/completions");
  EXPECT_NE(std::find(Q.Headers.begin(), Q.Headers.end(),
                      Header{"Authorization", "Bearer sk-secret-1234"}),
            Q.Headers.end());
  json B = json::parse(Q.Body);
  EXPECT_EQ(B["model"], "gpt-4o-mini");
  EXPECT_EQ(B["response_format"]["type"], "json_schema");
  EXPECT_EQ(B["response_format"]["json_schema"]["name"], "research_depth");
  EXPECT_EQ(B["response_format"]["json_schema"]["strict"], true);
  EXPECT_EQ(B["response_format"]["json_schema"]["schema"]["type"], "object");
}

// The answer's `model` (a dated version, or another behind a router) is
// the response model (OpenTelemetry's gen_ai.response.model); none: "".
TEST(LlmClient, TheAnswersModelIsTheResponseModel) {
  FakeTransport T;
  FakeClock Clk;
  Client C(openai(), T, Clk, env({{"OPENAI_API_KEY", "sk-secret-1234"}}));
  json A = openaiAnswer("hi");
  A["model"] = "gpt-4o-mini-2024-07-18";
  T.answer(200, A);
  T.answer(200, openaiAnswer("hi"));
  ChatRequest Q;
  Q.Model = "gpt-4o-mini";
  Q.Prompt = "hi";
  llvm::Expected<ChatResponse> R = C.chat(Q);
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_EQ(R->ResponseModel, "gpt-4o-mini-2024-07-18");
  llvm::Expected<ChatResponse> R2 = C.chat(Q);
  ASSERT_TRUE(bool(R2)) << llvm::toString(R2.takeError());
  EXPECT_EQ(R2->ResponseModel, "");
}

TEST(LlmClient, AnswerLengthAndReasoningModels) {
  auto Body = [](ChatRequest R) {
    FakeTransport T;
    FakeClock Clk;
    Client C(openai(), T, Clk, env({{"OPENAI_API_KEY", "sk-secret-1234"}}));
    llvm::Expected<HttpRequest> Q = C.buildRequest(R, true);
    EXPECT_TRUE(bool(Q));
    return Q ? json::parse(Q->Body) : json();
  };
  ChatRequest R = structured();
  json B = Body(R);  // no limit known: the service's own
  EXPECT_FALSE(B.contains("max_tokens"));
  EXPECT_FALSE(B.contains("max_completion_tokens"));
  EXPECT_EQ(B["temperature"], 0.0);
  R.MaxTokens = 3500;
  B = Body(R);
  EXPECT_EQ(B["max_tokens"], 3500);
  R.Model = "o3-mini";  // a reasoning model: another field, no temperature
  B = Body(R);
  EXPECT_EQ(B["max_completion_tokens"], 3500);
  EXPECT_FALSE(B.contains("max_tokens"));
  EXPECT_FALSE(B.contains("temperature"));
  R.Reasoning = false;  // the registry says otherwise
  B = Body(R);
  EXPECT_EQ(B["max_tokens"], 3500);
  EXPECT_TRUE(B.contains("temperature"));
}

TEST(LlmClient, ReasoningModelFamilies) {
  for (const char *M : {"o1", "o1-mini", "o3", "o3-mini", "o3-pro", "o4-mini", "gpt-5",
                        "gpt-5-mini", "gpt-5.1", "openai/o3", "azure:gpt-5-nano", "O3"})
    EXPECT_TRUE(isReasoningModel(M)) << M;
  for (const char *M : {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "o10", "claude-test",
                        "gpt-50", "llama3.1", "", "foo/o1x", "phi-o3"})
    EXPECT_FALSE(isReasoningModel(M)) << M;
}

TEST(LlmClient, AnthropicRequestShape) {
  FakeTransport T;
  FakeClock Clk;
  ProviderConfig P;
  P.Name = "anthropic";
  P.Kind = ApiKind::Anthropic;
  P.BaseUrl = "http://127.0.0.1:9";
  P.ApiKeyEnv = "ANTHROPIC_API_KEY";
  Client C(P, T, Clk, env({{"ANTHROPIC_API_KEY", "ak-secret-5678"}}));
  T.answer(200, {{"content",
                  {{{"type", "tool_use"},
                    {"name", "research_depth"},
                    {"input", {{"value", "shallow"}}}}}}});
  llvm::Expected<ChatResponse> R = C.chat(structured());
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_EQ(R->Structured, json("shallow"));
  const HttpRequest &Q = T.Seen[0];
  EXPECT_EQ(Q.Url, "http://127.0.0.1:9/v1/messages");
  EXPECT_NE(std::find(Q.Headers.begin(), Q.Headers.end(),
                      Header{"x-api-key", "ak-secret-5678"}),
            Q.Headers.end());
  EXPECT_NE(std::find(Q.Headers.begin(), Q.Headers.end(),
                      Header{"anthropic-version", "2023-06-01"}),
            Q.Headers.end());
  json B = json::parse(Q.Body);
  EXPECT_EQ(B["max_tokens"], DefaultAnthropicMaxTokens);  // required; none known
  EXPECT_EQ(B["tools"][0]["input_schema"]["type"], "object");
  EXPECT_EQ(B["tool_choice"], json({{"type", "tool"}, {"name", "research_depth"}}));
}

TEST(LlmClient, MissingKeyNamesTheVariable) {
  FakeTransport T;
  FakeClock Clk;
  Client C(openai(), T, Clk, env({}));
  llvm::Expected<ChatResponse> R = C.chat(structured());
  ASSERT_FALSE(bool(R));
  EXPECT_NE(llvm::toString(R.takeError()).find("OPENAI_API_KEY"), std::string::npos);
  EXPECT_TRUE(T.Seen.empty());
}

TEST(LlmClient, RetriesHonourRetryAfter) {
  FakeTransport T;
  FakeClock Clk;
  Client C(openai(), T, Clk, env({{"OPENAI_API_KEY", "k-123456"}}), 7);
  T.answer(429, {{"error", {{"message", "slow down"}}}}, {{"retry-after", "7"}});
  T.answer(503, {{"error", {{"message", "overloaded"}}}});
  T.fail(TransportFailure::Connect);
  T.answer(200, openaiAnswer(R"({"value":"deep"})"));
  llvm::Expected<ChatResponse> R = C.chat(structured());
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_EQ(R->Attempts, 4u);
  ASSERT_EQ(Clk.Sleeps.size(), 3u);
  EXPECT_GE(Clk.Sleeps[0], 7000ms);  // Retry-After wins over the backoff
  // Exponential with equal jitter: [base*2^(n-1)/2, base*2^(n-1)].
  EXPECT_GE(Clk.Sleeps[1], 500ms);
  EXPECT_LE(Clk.Sleeps[1], 1000ms);
  EXPECT_GE(Clk.Sleeps[2], 1000ms);
  EXPECT_LE(Clk.Sleeps[2], 2000ms);
}

TEST(LlmClient, ClientErrorsAreNotRetried) {
  FakeTransport T;
  FakeClock Clk;
  Client C(openai(), T, Clk, env({{"OPENAI_API_KEY", "k-123456"}}), 7);
  T.answer(400, {{"error", {{"message", "Invalid schema"}}}});
  llvm::Expected<ChatResponse> R = C.chat(structured());
  ASSERT_FALSE(bool(R));
  EXPECT_EQ(llvm::toString(R.takeError()),
            "provider `openai` rejected the request: HTTP 400: Invalid schema");
  EXPECT_EQ(T.Seen.size(), 1u);
}

TEST(LlmClient, GivesUpAfterMaxRetries) {
  FakeTransport T;
  FakeClock Clk;
  ProviderConfig P = openai();
  P.MaxRetries = 2;
  P.BreakerThreshold = 100;
  Client C(P, T, Clk, env({{"OPENAI_API_KEY", "k-123456"}}), 7);
  for (int I = 0; I < 3; ++I) T.answer(500, {{"error", {{"message", "boom"}}}});
  llvm::Expected<ChatResponse> R = C.chat(structured());
  ASSERT_FALSE(bool(R));
  EXPECT_EQ(llvm::toString(R.takeError()),
            "provider `openai` failed after 3 attempts: HTTP 500: boom");
}

TEST(LlmClient, MalformedBodiesAreRetried) {
  FakeTransport T;
  FakeClock Clk;
  Client C(openai(), T, Clk, env({{"OPENAI_API_KEY", "k-123456"}}), 7);
  T.Script.push_back(HttpResponse{200, {}, R"({"choices": [{"mess)"});
  T.answer(200, openaiAnswer("{not json"));
  T.answer(200, openaiAnswer(R"({"value":"shallow"})"));
  llvm::Expected<ChatResponse> R = C.chat(structured());
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_EQ(R->Attempts, 3u);
}

TEST(LlmClient, CircuitBreakerFailsFastThenRecovers) {
  FakeTransport T;
  FakeClock Clk;
  ProviderConfig P = openai();
  P.MaxRetries = 0;
  P.BreakerThreshold = 2;
  P.BreakerCooldown = 10s;
  Client C(P, T, Clk, env({{"OPENAI_API_KEY", "k-123456"}}), 7);
  T.answer(500, {{"error", {{"message", "a"}}}});
  T.answer(500, {{"error", {{"message", "b"}}}});
  EXPECT_FALSE(ok(C.chat(structured())));  // failure 1
  EXPECT_FALSE(ok(C.chat(structured())));  // failure 2: opens
  llvm::Expected<ChatResponse> R = C.chat(structured());
  ASSERT_FALSE(bool(R));
  EXPECT_NE(llvm::toString(R.takeError()).find("circuit open"), std::string::npos);
  EXPECT_EQ(T.Seen.size(), 2u);  // the third never left
  CircuitBreaker B(1, 10s);
  EXPECT_EQ(B.state(Clk.T), BreakerState::Closed);
  B.onFailure(Clk.T);
  EXPECT_EQ(B.state(Clk.T), BreakerState::Open);
  EXPECT_EQ(B.state(Clk.T + 11s), BreakerState::HalfOpen);
  Clk.T += 11s;  // cooldown over: one trial goes out
  T.answer(200, openaiAnswer(R"({"value":"deep"})"));
  EXPECT_TRUE(ok(C.chat(structured())));
  T.answer(200, openaiAnswer(R"({"value":"deep"})"));
  EXPECT_TRUE(ok(C.chat(structured())));  // closed again
}

TEST(LlmClient, ACancelledTrialLeavesTheBreakerHalfOpen) {
  // A half-open breaker's trial that is cancelled before it goes out
  // decides nothing: the next request is the trial (before: the breaker
  // stayed "circuit open" for the rest of the process).
  FakeTransport T;
  FakeClock Clk;
  ProviderConfig P = openai();
  P.MaxRetries = 0;
  P.BreakerThreshold = 1;
  P.BreakerCooldown = 10s;
  Client C(P, T, Clk, env({{"OPENAI_API_KEY", "k-123456"}}), 7);
  T.answer(500, {{"error", {{"message", "a"}}}});
  EXPECT_FALSE(ok(C.chat(structured())));  // opens
  Clk.T += 11s;                            // half-open
  std::atomic<bool> Cancel{true};
  ChatRequest Cancelled = structured();
  Cancelled.Cancel = &Cancel;
  llvm::Expected<ChatResponse> R = C.chat(Cancelled);
  ASSERT_FALSE(bool(R));
  EXPECT_NE(llvm::toString(R.takeError()).find("cancelled"), std::string::npos);
  EXPECT_EQ(T.Seen.size(), 1u);  // the cancelled trial never left
  T.answer(200, openaiAnswer(R"({"value":"deep"})"));
  EXPECT_TRUE(ok(C.chat(structured())));
}

TEST(LlmClient, KeyNeverInErrors) {
  FakeTransport T;
  FakeClock Clk;
  ProviderConfig P = openai();
  P.MaxRetries = 0;
  Client C(P, T, Clk, env({{"OPENAI_API_KEY", "sk-live-abcdef123456"}}));
  // A server that echoes the key back in its error.
  T.answer(401, {{"error",
                  {{"message", "Incorrect API key provided: sk-live-abcdef123456"}}}});
  llvm::Expected<ChatResponse> R = C.chat(structured());
  ASSERT_FALSE(bool(R));
  std::string Msg = llvm::toString(R.takeError());
  EXPECT_EQ(Msg.find("sk-live-abcdef123456"), std::string::npos) << Msg;
  EXPECT_NE(Msg.find("[redacted]"), std::string::npos);
  llvm::Expected<HttpRequest> Shown = C.buildRequest(structured(), /*ElideKey=*/true);
  ASSERT_TRUE(bool(Shown));
  for (const Header &H : Shown->Headers)
    EXPECT_EQ(H.second.find("sk-live"), std::string::npos);
}

/// Blocks each request until released, counting how many are in flight.
class GateTransport : public HttpTransport {
 public:
  std::atomic<int> InFlight{0}, MaxSeen{0};
  llvm::Expected<HttpResponse> post(const HttpRequest &) override {
    int N = ++InFlight;
    int M = MaxSeen.load();
    while (N > M && !MaxSeen.compare_exchange_weak(M, N)) {
    }
    std::this_thread::sleep_for(20ms);
    --InFlight;
    return HttpResponse{200, {}, openaiAnswer(R"({"value":"deep"})").dump()};
  }
};

TEST(LlmClient, ConcurrencyIsBounded) {
  for (unsigned Limit : {1u, 2u, 4u}) {
    GateTransport T;
    SystemClock Clk;
    ProviderConfig P = openai();
    P.MaxConcurrency = Limit;
    Client C(P, T, Clk, env({{"OPENAI_API_KEY", "k-123456"}}), 7);
    std::vector<std::thread> Threads;
    for (int I = 0; I < 12; ++I)
      Threads.emplace_back([&] { EXPECT_TRUE(ok(C.chat(structured()))); });
    for (std::thread &Th : Threads) Th.join();
    EXPECT_LE(T.MaxSeen.load(), int(Limit));
    EXPECT_GE(T.MaxSeen.load(), 1);
  }
}

}  // namespace

namespace {
TEST(LlmClient, RefusalsAreFinal) {
  FakeTransport T;
  FakeClock Clk;
  Client C(openai(), T, Clk, env({{"OPENAI_API_KEY", "k-123456"}}), 7);
  T.answer(200,
           {{"choices", {{{"message", {{"role", "assistant"}, {"refusal", "no"}}}}}}});
  llvm::Expected<ChatResponse> R = C.chat(structured());
  ASSERT_FALSE(bool(R));
  EXPECT_EQ(llvm::toString(R.takeError()),
            "provider `openai` rejected the request: model `gpt-4o-mini` refused: no");
  EXPECT_EQ(T.Seen.size(), 1u);
}
}  // namespace
