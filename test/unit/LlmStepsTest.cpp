//===- LlmStepsTest.cpp - Model steps: concurrency and cancellation -------===//
//
// LlmSteps on the real event loop, with a fake transport that holds every
// request until told otherwise. Nothing here asserts on speed: a request
// that never arrives or never ends makes the fake give up after seconds
// and the test fail.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <thread>

#include "ir/JsonSchema.h"
#include "runtime/actions/LlmSteps.h"
#include "runtime/exec/EventLoop.h"

using json = orch::ir::Json;
using namespace orch;
using namespace orch::runtime;

namespace {

/// Holds requests until `Release` is set or their Cancel flag is.
class GateTransport : public llm::HttpTransport {
 public:
  llvm::Expected<llm::HttpResponse> post(const llm::HttpRequest &R) override {
    std::unique_lock<std::mutex> L(M);
    ++InFlight;
    MaxInFlight = std::max(MaxInFlight, InFlight);
    CV.notify_all();
    bool Cancelled = false;
    CV.wait_for(L, std::chrono::seconds(10), [&] {
      Cancelled = R.Cancel && R.Cancel->load();
      return Release || Cancelled || Poll(R);
    });
    --InFlight;
    CV.notify_all();
    if (Cancelled) {
      ++SawCancel;
      return llvm::make_error<llm::TransportError>(llm::TransportFailure::Other,
                                                   "cancelled");
    }
    llm::HttpResponse Resp;
    Resp.Status = 200;
    Resp.Body = json{{"choices",
                      {{{"message", {{"role", "assistant"}, {"content", "answer"}}},
                        {"finish_reason", "stop"}}}}}
                    .dump();
    return Resp;
  }
  /// Waits until \p N requests are in flight at once; false after 10 s.
  bool waitInFlight(int N) {
    std::unique_lock<std::mutex> L(M);
    return CV.wait_for(L, std::chrono::seconds(10), [&] { return InFlight >= N; });
  }
  void release() {
    std::lock_guard<std::mutex> L(M);
    Release = true;
    CV.notify_all();
  }
  std::function<bool(const llm::HttpRequest &)> Poll = [](const llm::HttpRequest &) {
    return false;
  };
  std::mutex M;
  std::condition_variable CV;
  int InFlight = 0, MaxInFlight = 0, SawCancel = 0;
  bool Release = false;
};

LlmSettings settings() {
  LlmSettings S;
  S.DefaultModel = "test-model";
  S.Env = [](const std::string &Name) -> std::optional<std::string> {
    if (Name == "OPENAI_BASE_URL") return "http://fake.invalid/v1";
    return std::nullopt;
  };
  return S;
}

/// Starts \p R and runs the loop until it reports.
ActionResult runToEnd(EventLoop &Loop, LlmSteps &Steps, const ActionRequest &R) {
  std::optional<ActionResult> Got;
  auto Task = Steps.start(R, [&](ActionResult Res) { Got = std::move(Res); });
  Loop.runUntil([&] { return Got.has_value(); });
  return std::move(*Got);
}

ActionRequest task(const std::string &Id) {
  ActionRequest R;
  R.StepId = Id;
  R.Action = "summarize";
  R.Params = json{{"text", Id}};
  R.ParamOrder = {"text"};
  return R;
}

TEST(LlmSteps, ManyStepsWaitOnTheModelAtOnce) {
  EventLoop Loop;
  GateTransport T;
  llm::SystemClock Clock;
  LlmSteps Steps(Loop, T, Clock, settings());
  int Done = 0;
  std::vector<std::unique_ptr<ActionTask>> Tasks;
  // Warm one worker first: the bug this guards against started no new
  // thread while one sat idle, so later steps ran one at a time.
  Tasks.push_back(Steps.start(task("warm"), [&](ActionResult R) {
    EXPECT_TRUE(R.Ok) << R.Error;
    ++Done;
  }));
  T.release();
  Loop.runUntil([&] { return Done == 1; });
  T.Release = false;
  for (int I = 0; I < 8; ++I)
    Tasks.push_back(Steps.start(task("s" + std::to_string(I)), [&](ActionResult R) {
      EXPECT_TRUE(R.Ok) << R.Error;
      EXPECT_EQ(R.Fields["output"], "answer");
      ++Done;
    }));
  EXPECT_TRUE(T.waitInFlight(8)) << "only " << T.MaxInFlight << " requests at once";
  T.release();
  Loop.runUntil([&] { return Done == 9; });
}

TEST(LlmSteps, CancelStopsTheRequestAndReportsNothing) {
  EventLoop Loop;
  GateTransport T;
  llm::SystemClock Clock;
  LlmSteps Steps(Loop, T, Clock, settings());
  bool Called = false;
  auto Task = Steps.start(task("slow"), [&](ActionResult) { Called = true; });
  ASSERT_TRUE(T.waitInFlight(1));
  Task->cancel();
  {
    std::unique_lock<std::mutex> L(T.M);
    T.CV.notify_all();
    ASSERT_TRUE(
        T.CV.wait_for(L, std::chrono::seconds(10), [&] { return T.InFlight == 0; }));
  }
  EXPECT_EQ(T.SawCancel, 1);
  // Let any stray completion reach the loop; it must not call back.
  bool Tick = false;
  Loop.addTimer(Loop.now() + std::chrono::milliseconds(50), [&] { Tick = true; });
  Loop.runUntil([&] { return Tick; });
  EXPECT_FALSE(Called);
}

TEST(LlmSteps, NoModelFailsNamingTheVariables) {
  EventLoop Loop;
  GateTransport T;
  llm::SystemClock Clock;
  LlmSettings S = settings();
  S.DefaultModel.clear();
  LlmSteps Steps(Loop, T, Clock, S);
  std::optional<ActionResult> Got = runToEnd(Loop, Steps, task("x"));
  EXPECT_FALSE(Got->Ok);
  EXPECT_FALSE(Got->Retryable);
  EXPECT_NE(Got->Error.find("ORCH_MODEL"), std::string::npos);
  EXPECT_NE(Got->Error.find("OPENAI_BASE_URL"), std::string::npos);
}

/// Answers 503 for one model, well for the others.
class FlakyModelTransport : public llm::HttpTransport {
 public:
  explicit FlakyModelTransport(std::string Down) : Down(std::move(Down)) {}
  llvm::Expected<llm::HttpResponse> post(const llm::HttpRequest &R) override {
    json Body = json::parse(R.Body);
    std::lock_guard<std::mutex> L(M);
    Asked.push_back(Body["model"]);
    llm::HttpResponse Resp;
    if (Body["model"] == Down) {
      Resp.Status = 503;
      Resp.Body = R"({"error": {"message": "overloaded"}})";
      return Resp;
    }
    Resp.Status = 200;
    Resp.Body = json{{"choices",
                      {{{"message", {{"role", "assistant"}, {"content", "from backup"}}},
                        {"finish_reason", "stop"}}}}}
                    .dump();
    return Resp;
  }
  std::string Down;
  std::mutex M;
  std::vector<std::string> Asked;
};

TEST(LlmSteps, AFailingSelectedModelFallsBackToTheNext) {
  EventLoop Loop;
  FlakyModelTransport T("first");
  llm::SystemClock Clock;
  LlmSettings S = settings();
  S.DefaultModel.clear();
  S.ClientRetries = 0;
  LlmSteps Steps(Loop, T, Clock, S);
  ActionRequest R = task("x");
  R.Model = "first";
  R.ModelSelected = true;
  R.Fallbacks = {"second", "third"};
  std::optional<ActionResult> Got = runToEnd(Loop, Steps, R);
  ASSERT_TRUE(Got->Ok) << Got->Error;
  EXPECT_EQ(Got->Fields["output"], "from backup");
  EXPECT_EQ(T.Asked, (std::vector<std::string>{"first", "second"}));
}

TEST(LlmSteps, APinnedModelDoesNotFallBack) {
  EventLoop Loop;
  FlakyModelTransport T("first");
  llm::SystemClock Clock;
  LlmSettings S = settings();
  S.DefaultModel.clear();
  S.ClientRetries = 0;
  LlmSteps Steps(Loop, T, Clock, S);
  ActionRequest R = task("x");
  R.Model = "first";  // written in the step
  R.Fallbacks = {"second"};
  std::optional<ActionResult> Got = runToEnd(Loop, Steps, R);
  EXPECT_FALSE(Got->Ok);
  EXPECT_EQ(T.Asked, (std::vector<std::string>{"first"}));
}

TEST(LlmSteps, PromptNamesTheTaskAndParametersInSourceOrder) {
  ActionRequest R;
  R.Action = "generate_report";
  R.Params = json{{"a", 1}, {"content", "text"}, {"sections", {"x", "y"}}};
  R.ParamOrder = {"sections", "content", "a"};
  auto [System, Prompt] = buildStepPrompt(R);
  EXPECT_FALSE(System.empty());
  EXPECT_EQ(Prompt,
            "Task: generate report\nParameters:\n- sections: [\"x\",\"y\"]\n"
            "- content: text\n- a: 1\n");
}

}  // namespace

namespace {

TEST(LlmSteps, ExtractAsksForItsSchemaAndChecksTheAnswer) {
  ActionRequest R;
  R.Action = "extract";
  R.StepId = "info";
  R.Params = json{
      {"text", "Ann, 41"},
      {"schema",
       {{"type", "object"},
        {"properties", {{"name", {{"type", "string"}}}, {"age", {{"type", "integer"}}}}},
        {"required", {"name"}}}}};
  auto [System, Prompt] = buildStepPrompt(R);
  EXPECT_NE(Prompt.find("Text:\nAnn, 41"), std::string::npos);
  llm::ChatRequest Req;
  EXPECT_FALSE(chatRequestFor(R, "m", llm::ModelSettings{}, Req));
  ASSERT_TRUE(Req.Schema);
  EXPECT_EQ((*Req.Schema)["required"], json({"name"}));
  // An optional field may be null (a strict schema requires every field).
  EXPECT_EQ((*Req.Schema)["properties"]["age"],
            json::parse(R"({"anyOf": [{"type": "integer"}, {"type": "null"}]})"));
  EXPECT_EQ((*Req.Schema)["properties"]["name"], json({{"type", "string"}}));
  // A field whose schema allows null already is sent as it is, and a null
  // answer to it is kept: the text said "none".
  json Nullable = json::parse(
      R"({"type": "object", "properties": {"nick": {"type": ["string", "null"]}}})");
  EXPECT_EQ(ir::withNullableOptionals(Nullable), Nullable);
  json NullNick = {{"nick", nullptr}};
  ir::dropNullOptionals(NullNick, Nullable);
  EXPECT_EQ(NullNick, json({{"nick", nullptr}}));
  // Branches of anyOf are made nullable too.
  json Alt = json::parse(
      R"({"anyOf": [{"type": "object", "properties": {"a": {"type": "string"}}}]})");
  EXPECT_EQ(ir::withNullableOptionals(Alt)["anyOf"][0]["properties"]["a"]["anyOf"][1],
            json({{"type", "null"}}));
  EXPECT_EQ(Req.SchemaName, "step_info");
  // An answer with a number as text: taken as the number, with a warning.
  ActionResult Res =
      extractResult(json{{"name", "Ann"}, {"age", "41"}}, R.Params["schema"], "m");
  ASSERT_TRUE(Res.Ok) << Res.Error;
  EXPECT_EQ(Res.Fields["data"]["age"], 41);
  EXPECT_EQ(Res.Fields["valid"], true);
  EXPECT_EQ(Res.Fields["warnings"].size(), 1u);
  EXPECT_EQ(Res.Fields["model_used"], "m");
  // A null optional field is a field the text did not give.
  Res = extractResult(json{{"name", "Ann"}, {"age", nullptr}}, R.Params["schema"], "m");
  EXPECT_EQ(Res.Fields["data"], json({{"name", "Ann"}}));
  EXPECT_EQ(Res.Fields["valid"], true);
  // A missing required field: not valid, and the error says where.
  Res = extractResult(json{{"age", 3}}, R.Params["schema"], "m");
  EXPECT_EQ(Res.Fields["valid"], false);
  EXPECT_EQ(Res.Fields["errors"][0]["validator"], "required");
  // The schema may be JSON text, as `validate` takes it.
  R.Params["schema"] = R"({"type": "object", "properties": {"a": {"type": "string"}}})";
  EXPECT_FALSE(chatRequestFor(R, "m", llm::ModelSettings{}, Req));
  // A schema of no object fails the step before any call.
  R.Params["schema"] = json{{"type", "array"}};
  EXPECT_TRUE(chatRequestFor(R, "m", llm::ModelSettings{}, Req));
  R.Params["schema"] = "name";
  std::optional<ActionResult> Bad = chatRequestFor(R, "m", llm::ModelSettings{}, Req);
  ASSERT_TRUE(Bad);
  EXPECT_FALSE(Bad->Retryable);
}

TEST(LlmSteps, GenerateWithASchemaChecksTheAnswer) {
  ActionRequest R;
  R.Action = "generate";
  R.StepId = "claims";
  R.Params = json::parse(R"({"prompt": "List the claims", "schema": {"type": "object",
      "properties": {"claims": {"type": "array", "items": {"type": "string"}},
                     "note": {"type": "string"}}, "required": ["claims"]}})");
  // Conforming, structured or as JSON text: the fields and `output`.
  ActionResult Res =
      answerResult(R, json::parse(R"({"claims": ["a"], "note": null})"), "");
  ASSERT_TRUE(Res.Ok) << Res.Error;
  EXPECT_EQ(Res.Fields["claims"], json({"a"}));
  EXPECT_FALSE(Res.Fields.contains("note"));  // null optional: not given
  EXPECT_EQ(Res.Fields["output"], R"({"claims":["a"]})");
  Res = answerResult(R, std::nullopt, R"({"claims": []})");
  ASSERT_TRUE(Res.Ok) << Res.Error;
  EXPECT_EQ(Res.Fields["claims"], json::array());
  // Not conforming, or no object: a failure the step's retries may mend.
  Res = answerResult(R, json::parse(R"({"claims": "a"})"), "");
  ASSERT_FALSE(Res.Ok);
  EXPECT_TRUE(Res.Retryable);
  EXPECT_NE(Res.Error.find("does not match `schema`"), std::string::npos) << Res.Error;
  Res = answerResult(R, std::nullopt, "Sure! The claims are: a");
  ASSERT_FALSE(Res.Ok);
  EXPECT_TRUE(Res.Retryable);
  // Without a schema, text is `output` and a structured answer its fields.
  R.Params.erase("schema");
  Res = answerResult(R, std::nullopt, "plain");
  EXPECT_EQ(Res.Fields, json({{"output", "plain"}}));
  Res = answerResult(R, json{{"claims", "a"}}, "");
  EXPECT_EQ(Res.Fields["claims"], "a");
}

TEST(ModelStats, UntriedFirstThenUpperConfidenceBound) {
  ModelStats S;
  EXPECT_EQ(S.rank({"a", "b"}, 2.0), (std::vector<std::string>{"a", "b"}));
  for (int I = 0; I < 10; ++I) S.record("a", I % 2 == 0);  // mean 0.5, 10 pulls
  EXPECT_EQ(S.rank({"a", "b"}, 2.0), (std::vector<std::string>{"b", "a"}));  // b untried
  S.record("b", true);  // mean 1.0, 1 pull: also the wider bound
  EXPECT_EQ(S.rank({"a", "b"}, 2.0), (std::vector<std::string>{"b", "a"}));
  for (int I = 0; I < 30; ++I) S.record("b", false);  // b now mostly fails
  EXPECT_EQ(S.rank({"a", "b"}, 0.1), (std::vector<std::string>{"a", "b"}));
}

TEST(ModelStats, KeptBetweenRunsAndDamageIsDropped) {
  std::string Dir = ::testing::TempDir() + "/orch-stats";
  std::string Path = Dir + "/model-stats.json";
  {
    ModelStats S;
    S.record("m", true);
    S.record("m", false);
    ASSERT_FALSE(bool(S.save(Path)));
  }
  ModelStats T;
  ASSERT_FALSE(bool(T.load(Path)));
  EXPECT_EQ(T.arm("m").Pulls, 2u);
  EXPECT_EQ(T.arm("m").Reward, 1.0);
  {
    std::ofstream Out(Path);
    Out << R"({"models": {"x": {"pulls": 1, "reward": 5}, "y": "bad", "m": {"pulls": 3, "reward": 2}}})";
  }
  ModelStats U;
  ASSERT_FALSE(bool(U.load(Path)));
  EXPECT_EQ(U.arm("x").Pulls, 0u);  // reward above pulls: dropped
  EXPECT_EQ(U.arm("m").Pulls, 3u);
  {
    std::ofstream Out(Path);
    Out << "not json";
  }
  ModelStats V;
  llvm::Error E = V.load(Path);
  EXPECT_TRUE(bool(E));
  llvm::consumeError(std::move(E));
}

TEST(LlmSteps, UcbStepsRecordOutcomesAndAvoidAFailingModel) {
  EventLoop Loop;
  FlakyModelTransport T("first");
  llm::SystemClock Clock;
  LlmSettings S = settings();
  S.DefaultModel.clear();
  S.ClientRetries = 0;
  ModelStats Stats;
  S.Stats = &Stats;
  LlmSteps Steps(Loop, T, Clock, S);
  for (int Run = 0; Run < 4; ++Run) {
    ActionRequest R = task("x");
    R.Model = "first";
    R.ModelSelected = true;
    R.Fallbacks = {"second"};
    R.Ucb = 0.5;
    std::optional<ActionResult> Got = runToEnd(Loop, Steps, R);
    EXPECT_TRUE(Got->Ok) << Got->Error;
  }
  // `first` failed once (then `second` answered); afterwards `second` leads.
  EXPECT_EQ(Stats.arm("first").Pulls, 1u);
  EXPECT_EQ(Stats.arm("first").Reward, 0.0);
  EXPECT_EQ(Stats.arm("second").Pulls, 4u);
  EXPECT_EQ(T.Asked,
            (std::vector<std::string>{"first", "second", "second", "second", "second"}));
}

/// Refuses every call, as a ledger does once a budget is spent.
class RefuseAll : public llm::CallObserver {
 public:
  llvm::Error callStarting(const llm::CallStart &, uint64_t &) override {
    return llvm::make_error<llm::CallRefused>("budget max_tokens of 1 reached");
  }
  void callEnded(uint64_t, const llm::CallStart &, const llm::CallEnd &) override {}
};

TEST(LlmSteps, BudgetRefusalIsNotAModelFailure) {
  EventLoop Loop;
  FlakyModelTransport T("none");
  llm::SystemClock Clock;
  RefuseAll Refuse;
  LlmSettings S = settings();
  S.DefaultModel.clear();
  S.ClientRetries = 0;
  S.Calls = &Refuse;
  ModelStats Stats;
  S.Stats = &Stats;
  LlmSteps Steps(Loop, T, Clock, S);
  ActionRequest R = task("x");
  R.Model = "first";
  R.ModelSelected = true;
  R.Fallbacks = {"second"};
  R.Ucb = 0.5;
  std::optional<ActionResult> Got = runToEnd(Loop, Steps, R);
  ASSERT_TRUE(Got);
  EXPECT_FALSE(Got->Ok);
  EXPECT_NE(Got->Error.find("budget"), std::string::npos) << Got->Error;
  // No call was made: the stats learn nothing, and no fallback is asked.
  EXPECT_EQ(Stats.arm("first").Pulls, 0u);
  EXPECT_EQ(Stats.arm("second").Pulls, 0u);
  EXPECT_TRUE(T.Asked.empty());
}

/// Virtual time that moves by what each sleep asks, on any thread.
class SleepClock : public llm::Clock {
 public:
  std::atomic<int64_t> Ms{0};
  TimePoint now() override { return TimePoint(std::chrono::milliseconds(Ms.load())); }
  void sleepFor(std::chrono::milliseconds D) override { Ms += D.count(); }
};

/// Answers at once, each answer using 10,000 tokens; records when (on the
/// virtual clock) each request went out.
class CountingTransport : public llm::HttpTransport {
 public:
  explicit CountingTransport(SleepClock &Clk) : Clk(Clk) {}
  llvm::Expected<llm::HttpResponse> post(const llm::HttpRequest &) override {
    {
      std::lock_guard<std::mutex> L(M);
      Sent.push_back(Clk.Ms.load());
    }
    llm::HttpResponse Resp;
    Resp.Status = 200;
    Resp.Body = json{{"choices",
                      {{{"message", {{"role", "assistant"}, {"content", "answer"}}},
                        {"finish_reason", "stop"}}}},
                     {"usage", {{"prompt_tokens", 10000}, {"completion_tokens", 0}}}}
                    .dump();
    return Resp;
  }
  SleepClock &Clk;
  std::mutex M;
  std::vector<int64_t> Sent;
};

// A provider's tokens_per_minute holds across concurrent model steps: six
// steps start at once, each reserving ~10,150 tokens (max_tokens 10,000 and
// the body) and using 10,000, under a limit of 21,000: two requests go out
// in each 60 s of (virtual) time, and all six answer.
TEST(LlmSteps, TokensPerMinuteHoldsAcrossConcurrentSteps) {
  EventLoop Loop;
  SleepClock Clock;
  CountingTransport T(Clock);
  LlmSettings S = settings();
  S.TokensPerMinute = {{"openai", 21000}};
  LlmSteps Steps(Loop, T, Clock, S);
  int Done = 0;
  std::vector<std::unique_ptr<ActionTask>> Tasks;
  for (int I = 0; I < 6; ++I) {
    ActionRequest R = task("s" + std::to_string(I));
    R.MaxTokens = 10000;
    Tasks.push_back(Steps.start(R, [&](ActionResult Res) {
      EXPECT_TRUE(Res.Ok) << Res.Error;
      ++Done;
    }));
  }
  Loop.runUntil([&] { return Done == 6; });
  std::vector<int64_t> Sent = T.Sent;
  ASSERT_EQ(Sent.size(), 6u);
  std::sort(Sent.begin(), Sent.end());
  // A request goes out after its grant, so the k-th request out is no
  // earlier than the k-th grant: two at 0 s, two at 60 s, two at 120 s.
  EXPECT_GE(Sent[2], 60000);
  EXPECT_GE(Sent[4], 120000);
  // And two a window, not one: every request is out before a fourth window
  // (one a window would send the last at 300 s). Not `Sent[1] < 60000`: the
  // clock is shared, so a step granted at 0 s may record its send after
  // another step's wait has already moved the clock to 60 s.
  EXPECT_LT(Sent[5], 180000);
}

}  // namespace
