//===- LlmServerTest.cpp - The client over libcurl against the fake server ===//
//
// Starts test/fixtures/fake_llm_server.py on 127.0.0.1 (a random port) and
// talks to it with the real CurlTransport: request shapes the services
// require, fault injection, and the key kept out of every message.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "runtime/llm/Client.h"
#include "runtime/llm/CurlTransport.h"

extern char **environ;

using json = orch::ir::Json;
using namespace orch::llm;

namespace {

constexpr const char *OpenAIKey = "sk-test-0123456789";
constexpr const char *AnthropicKey = "ak-test-9876543210";

/// The fake server, one per test suite.
class Server {
 public:
  Server() {
    int Fds[2];
    if (pipe(Fds) != 0) return;
    posix_spawn_file_actions_t A;
    posix_spawn_file_actions_init(&A);
    posix_spawn_file_actions_adddup2(&A, Fds[1], 1);
    posix_spawn_file_actions_addclose(&A, Fds[0]);
    std::string Script = ORCH_SOURCE_DIR "/test/fixtures/fake_llm_server.py";
    std::vector<std::string> Args = {
        "python3", Script, "--openai-key", OpenAIKey, "--anthropic-key", AnthropicKey};
    std::vector<char *> Argv;
    for (std::string &S : Args) Argv.push_back(S.data());
    Argv.push_back(nullptr);
    if (posix_spawnp(&Pid, "python3", &A, nullptr, Argv.data(), environ) != 0) Pid = 0;
    posix_spawn_file_actions_destroy(&A);
    close(Fds[1]);
    FILE *Out = fdopen(Fds[0], "r");
    char Line[64] = {0};
    if (Out && fgets(Line, sizeof(Line), Out)) sscanf(Line, "PORT %d", &Port);
    if (Out) fclose(Out);
  }
  ~Server() {
    if (Pid > 0) {
      kill(Pid, SIGTERM);
      waitpid(Pid, nullptr, 0);
    }
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(Port); }
  pid_t Pid = 0;
  int Port = 0;
};

Server &server() {
  static Server S;
  return S;
}

EnvLookup keys() {
  return [](const std::string &N) -> std::optional<std::string> {
    if (N == "OPENAI_API_KEY") return std::string(OpenAIKey);
    if (N == "ANTHROPIC_API_KEY") return std::string(AnthropicKey);
    return std::nullopt;
  };
}

/// Sleeps for real, but at most 50 ms, so Retry-After: 1 costs no second.
class QuickClock : public Clock {
 public:
  std::vector<std::chrono::milliseconds> Sleeps;
  TimePoint now() override { return std::chrono::steady_clock::now(); }
  void sleepFor(std::chrono::milliseconds D) override {
    Sleeps.push_back(D);
    std::this_thread::sleep_for(std::min(D, std::chrono::milliseconds(50)));
  }
};

ProviderConfig provider(ApiKind K) {
  ProviderConfig P;
  P.Kind = K;
  P.Name = K == ApiKind::OpenAI ? "openai" : "anthropic";
  P.BaseUrl = K == ApiKind::OpenAI ? server().url() + "/v1" : server().url();
  P.ApiKeyEnv = K == ApiKind::OpenAI ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY";
  P.Timeout = std::chrono::milliseconds(5000);
  return P;
}

ChatRequest ask(const std::string &Model) {
  ChatRequest R;
  R.Model = Model;
  R.Prompt = "Based on topic complexity, choose: shallow, medium, or deep";
  R.Schema = json{{"type", "string"}, {"enum", {"shallow", "medium", "deep"}}};
  R.SchemaName = "research_depth";
  return R;
}

class LlmServer : public ::testing::TestWithParam<ApiKind> {
 protected:
  void SetUp() override { ASSERT_GT(server().Port, 0) << "fake server did not start"; }
};

TEST_P(LlmServer, StructuredAnswerHonoursTheSchema) {
  CurlTransport T;
  QuickClock Clk;
  Client C(provider(GetParam()), T, Clk, keys());
  llvm::Expected<ChatResponse> R = C.chat(ask("model-a"));
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  ASSERT_TRUE(R->Structured.has_value());
  std::string V = R->Structured->get<std::string>();
  EXPECT_TRUE(V == "shallow" || V == "medium" || V == "deep") << V;
}

TEST_P(LlmServer, ObjectSchemasAndFreeText) {
  CurlTransport T;
  QuickClock Clk;
  Client C(provider(GetParam()), T, Clk, keys());
  ChatRequest R = ask("model-b");
  R.Schema = json{{"type", "object"},
                  {"properties",
                   {{"n", {{"type", "integer"}, {"minimum", 1}, {"maximum", 10}}},
                    {"queries", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}};
  llvm::Expected<ChatResponse> A = C.chat(R);
  ASSERT_TRUE(bool(A)) << llvm::toString(A.takeError());
  EXPECT_TRUE((*A->Structured)["n"].is_number_integer());
  EXPECT_TRUE((*A->Structured)["queries"].is_array());
  R.Schema.reset();
  llvm::Expected<ChatResponse> B = C.chat(R);
  ASSERT_TRUE(bool(B)) << llvm::toString(B.takeError());
  EXPECT_EQ(B->Text.rfind("echo: ", 0), 0u);
}

TEST_P(LlmServer, RecoversFromInjectedFaults) {
  CurlTransport T;
  QuickClock Clk;
  Client C(provider(GetParam()), T, Clk, keys());
  std::string Suffix = GetParam() == ApiKind::OpenAI ? "-openai" : "-anthropic";
  for (const char *Model : {"fault-429-once", "fault-500-once", "truncated-once"}) {
    std::string M = std::string(Model) + Suffix;
    llvm::Expected<ChatResponse> R = C.chat(ask(M));
    ASSERT_TRUE(bool(R)) << M << ": " << llvm::toString(R.takeError());
    EXPECT_EQ(R->Attempts, 2u) << M;
  }
  ASSERT_FALSE(Clk.Sleeps.empty());
  EXPECT_GE(Clk.Sleeps.front(), std::chrono::milliseconds(1000));  // Retry-After: 1
}

TEST_P(LlmServer, WrongKeyIsAClearErrorWithoutTheKey) {
  CurlTransport T;
  QuickClock Clk;
  auto Wrong = [](const std::string &) -> std::optional<std::string> {
    return std::string("sk-wrong-key-000111");
  };
  Client C(provider(GetParam()), T, Clk, Wrong);
  llvm::Expected<ChatResponse> R = C.chat(ask("model-c"));
  ASSERT_FALSE(bool(R));
  std::string Msg = llvm::toString(R.takeError());
  EXPECT_NE(Msg.find("HTTP 401"), std::string::npos) << Msg;
  EXPECT_EQ(Msg.find("sk-wrong-key-000111"), std::string::npos) << Msg;
}

INSTANTIATE_TEST_SUITE_P(BothApis, LlmServer,
                         ::testing::Values(ApiKind::OpenAI, ApiKind::Anthropic),
                         [](const auto &I) {
                           return I.param == ApiKind::OpenAI ? "OpenAI" : "Anthropic";
                         });

TEST(LlmServerRules, RejectsWhatTheRealServicesReject) {
  ASSERT_GT(server().Port, 0);
  CurlTransport T;
  auto Post = [&](const std::string &Path, json Body, std::vector<Header> H) {
    H.push_back({"Content-Type", "application/json"});
    return T.post({"POST",
                   server().url() + Path,
                   H,
                   Body.dump(),
                   std::chrono::milliseconds(5000),
                   nullptr,
                   /*FreshConnection=*/false,
                   {},
                   /*FollowRedirects=*/false,
                   /*MaxBodyBytes=*/0});
  };
  json Msgs = json::array({{{"role", "user"}, {"content", "hi"}}});
  std::vector<Header> Auth = {{"Authorization", std::string("Bearer ") + OpenAIKey}};
  // A schema name with a space, a scalar root, a non-strict object.
  const char *Bad[] = {
      R"({"model": "m", "messages": [{"role": "user", "content": "hi"}],
          "response_format": {"type": "json_schema",
            "json_schema": {"name": "bad name", "schema": {"type": "object"}}}})",
      R"({"model": "m", "messages": [{"role": "user", "content": "hi"}],
          "response_format": {"type": "json_schema",
            "json_schema": {"name": "a", "schema": {"type": "string"}}}})",
      R"({"model": "m", "messages": [{"role": "user", "content": "hi"}],
          "response_format": {"type": "json_schema",
            "json_schema": {"name": "a", "strict": true,
              "schema": {"type": "object", "properties": {"x": {"type": "string"}}}}}})",
  };
  for (const char *B : Bad) {
    auto R = Post("/v1/chat/completions", json::parse(B), Auth);
    ASSERT_TRUE(bool(R));
    EXPECT_EQ(R->Status, 400) << B;
  }
  // Anthropic without max_tokens, and without anthropic-version.
  std::vector<Header> AKey = {{"x-api-key", AnthropicKey},
                              {"anthropic-version", "2023-06-01"}};
  auto R4 = Post("/v1/messages", {{"model", "m"}, {"messages", Msgs}}, AKey);
  ASSERT_TRUE(bool(R4));
  EXPECT_EQ(R4->Status, 400);
  auto R5 = Post("/v1/messages", {{"model", "m"}, {"max_tokens", 10}, {"messages", Msgs}},
                 {{"x-api-key", AnthropicKey}});
  ASSERT_TRUE(bool(R5));
  EXPECT_EQ(R5->Status, 400);
}

}  // namespace
