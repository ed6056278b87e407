//===- LlmFusedTest.cpp - Fused model steps through LlmSteps --------------===//
//
// Members of one fused request (ActionRequest::Fusion) started in one loop
// turn go out as one request; the answer is split; a part missing or off
// its schema, or cut off at the token limit, is asked again alone; a
// failed request fails every member.
// A fake transport answers by what it is sent.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "runtime/actions/LlmSteps.h"
#include "runtime/exec/EventLoop.h"

using json = orch::ir::Json;
using namespace orch;
using namespace orch::runtime;

namespace {

/// Answers a fused request with FusedAnswer (or 500 when Down), any other
/// request with `{"label": "alone"}`; counts both kinds.
class FusedTransport : public llm::HttpTransport {
 public:
  llvm::Expected<llm::HttpResponse> post(const llm::HttpRequest &R) override {
    std::lock_guard<std::mutex> L(M);
    json Body = json::parse(R.Body);
    bool Fused = Body["response_format"]["json_schema"]["name"] == "fused_answer";
    (Fused ? FusedSeen : AloneSeen)++;
    if (Fused) LastFused = Body;
    if (Down) return llm::HttpResponse{500, {}, R"({"error":{"message":"down"}})"};
    json Content = Fused ? FusedAnswer : json{{"label", "alone"}};
    std::string Text = Content.dump();
    // Cut after CutAt bytes, as a service stops at max_tokens.
    bool Cut = Fused && CutAt && Text.size() > CutAt;
    if (Cut) Text.resize(CutAt);
    json Message = {{"role", "assistant"}, {"content", Text}};
    json Choice = {{"message", Message}, {"finish_reason", Cut ? "length" : "stop"}};
    json Usage = {{"prompt_tokens", 90}, {"completion_tokens", 30}};
    json Out = {{"choices", json::array({Choice})}, {"usage", Usage}};
    return llm::HttpResponse{200, {}, Out.dump()};
  }
  std::mutex M;
  json FusedAnswer = json::object();
  json LastFused;
  bool Down = false;
  size_t CutAt = 0;  ///< Non-zero: the fused answer's text stops there.
  int FusedSeen = 0, AloneSeen = 0;
};

LlmSettings settings() {
  LlmSettings S;
  S.ClientRetries = 0;
  S.Env = [](const std::string &Name) -> std::optional<std::string> {
    if (Name == "OPENAI_BASE_URL") return "http://fake.invalid/v1";
    return std::nullopt;
  };
  return S;
}

ActionRequest member(const std::string &Id) {
  ActionRequest R;
  R.StepId = Id;
  R.Action = "generate";
  R.Model = "gpt-4o-mini";
  R.Params = json{{"system", "Classify."}, {"prompt", "text of " + Id}};
  R.ParamOrder = {"system", "prompt"};
  R.OutputSchema = R"({"type":"object","properties":{"label":{"type":"string",)"
                   R"("enum":["pos","neg","alone"]}},"required":["label"]})";
  R.Fusion = 0;
  return R;
}

/// Starts a, b and c in one loop turn and runs until all three report.
std::map<std::string, ActionResult> runThree(FusedTransport &T) {
  EventLoop Loop;
  llm::SystemClock Clock;
  LlmSteps Steps(Loop, T, Clock, settings());
  std::map<std::string, ActionResult> Got;
  std::vector<std::unique_ptr<ActionTask>> Tasks;
  for (const char *Id : {"a", "b", "c"})
    Tasks.push_back(
        Steps.start(member(Id), [&Got, Id](ActionResult R) { Got[Id] = std::move(R); }));
  Loop.runUntil([&] { return Got.size() == 3; });
  return Got;
}

TEST(LlmFused, OneRequestSplitIntoEachStepsResult) {
  FusedTransport T;
  T.FusedAnswer = {{"p0_a", {{"label", "pos"}}},
                   {"p1_b", {{"label", "neg"}}},
                   {"p2_c", {{"label", "pos"}}}};
  auto Got = runThree(T);
  EXPECT_EQ(T.FusedSeen, 1);
  EXPECT_EQ(T.AloneSeen, 0);
  EXPECT_EQ(T.LastFused["messages"][0]["content"].get<std::string>().find("Classify."),
            0u);
  for (auto &[Id, R] : Got) {
    ASSERT_TRUE(R.Ok) << Id << ": " << R.Error;
    EXPECT_EQ(R.SharedRequest, "a,b,c");
  }
  EXPECT_EQ(Got["a"].Fields["label"], "pos");
  EXPECT_EQ(Got["b"].Fields["label"], "neg");
  EXPECT_EQ(Got["b"].Fields["output"], R"({"label":"neg"})");
}

TEST(LlmFused, OnlyAMissingPartIsAskedAgainAlone) {
  FusedTransport T;
  T.FusedAnswer = {{"p0_a", {{"label", "pos"}}}, {"p2_c", {{"label", "neg"}}}};
  auto Got = runThree(T);
  EXPECT_EQ(T.FusedSeen, 1);
  // The re-ask is an extra request: it goes back to the scheduler, which
  // admits it through the step's resource group (docs/fusion.md).
  EXPECT_EQ(T.AloneSeen, 0);
  EXPECT_TRUE(Got["b"].AskAgain);
  EXPECT_NE(Got["b"].SharedRequest.find("asked again alone"), std::string::npos);
  EXPECT_EQ(Got["a"].Fields["label"], "pos");
  EXPECT_EQ(Got["c"].SharedRequest, "a,b,c");
}

TEST(LlmFused, AnAnswerCutAtItsTokenLimitAsksAgainOnlyThePartsItLacks) {
  FusedTransport T;
  T.FusedAnswer = {{"p0_a", {{"label", "pos"}}},
                   {"p1_b", {{"label", "neg"}}},
                   {"p2_c", {{"label", "pos"}}}};
  // `{"p0_a":{"label":"pos"},"p1_b":{"label":"neg"},"p2_c":{"lab`: a and b
  // are whole, c is cut.
  T.CutAt = std::string(R"({"p0_a":{"label":"pos"},"p1_b":{"label":"neg"},"p2_c":{"lab)")
                .size();
  auto Got = runThree(T);
  EXPECT_EQ(T.FusedSeen, 1);
  EXPECT_EQ(T.AloneSeen, 0);  // not retried as a malformed answer
  ASSERT_TRUE(Got["a"].Ok) << Got["a"].Error;
  EXPECT_EQ(Got["a"].Fields["label"], "pos");
  EXPECT_EQ(Got["a"].SharedRequest, "a,b,c");
  ASSERT_TRUE(Got["b"].Ok) << Got["b"].Error;
  EXPECT_EQ(Got["b"].Fields["label"], "neg");
  EXPECT_TRUE(Got["c"].AskAgain);
  EXPECT_EQ(Got["c"].SharedRequest,
            "a,b,c (asked again alone: the fused answer has no `p2_c`, the answer was "
            "cut at its token limit)");
}

TEST(LlmFused, APartFailingItsSchemaIsAskedAgainAlone) {
  FusedTransport T;
  T.FusedAnswer = {{"p0_a", {{"label", "furious"}}},
                   {"p1_b", {{"label", "neg"}}},
                   {"p2_c", {{"label", "pos"}}}};
  auto Got = runThree(T);
  EXPECT_EQ(T.FusedSeen, 1);
  EXPECT_EQ(T.AloneSeen, 0);
  EXPECT_TRUE(Got["a"].AskAgain);
  EXPECT_NE(Got["a"].SharedRequest.find("fails its schema"), std::string::npos);
  EXPECT_EQ(Got["b"].Fields["label"], "neg");
}

TEST(LlmFused, AFailedRequestFailsEveryMemberForItsOwnPolicy) {
  FusedTransport T;
  T.Down = true;
  auto Got = runThree(T);
  EXPECT_EQ(T.FusedSeen, 1);
  EXPECT_EQ(T.AloneSeen, 0);
  for (auto &[Id, R] : Got) {
    EXPECT_FALSE(R.Ok) << Id;
    EXPECT_TRUE(R.Retryable) << Id;  // the scheduler retries under the step's policy
    EXPECT_NE(R.Error.find("fused request"), std::string::npos) << R.Error;
    EXPECT_EQ(R.SharedRequest, "a,b,c");
  }
}

TEST(LlmFused, AFusedRequestAboveTheTokenLimitAsksEachMemberAlone) {
  // Each member fits the provider's tokens_per_minute, their fused
  // request (the parts' answer limits summed) does not: the members ask
  // alone instead of all failing with a request that can never be sent.
  FusedTransport T;
  EventLoop Loop;
  llm::SystemClock Clock;
  LlmSettings S = settings();
  S.TokensPerMinute = {{"openai", 400}};
  LlmSteps Steps(Loop, T, Clock, S);
  std::map<std::string, ActionResult> Got;
  std::vector<std::unique_ptr<ActionTask>> Tasks;
  for (const char *Id : {"a", "b", "c"})
    Tasks.push_back(
        Steps.start(member(Id), [&Got, Id](ActionResult R) { Got[Id] = std::move(R); }));
  Loop.runUntil([&] { return Got.size() == 3; });
  EXPECT_EQ(T.FusedSeen, 0);
  for (auto &[Id, R] : Got) {
    EXPECT_TRUE(R.AskAgain) << Id << ": " << R.Error;
    EXPECT_NE(R.SharedRequest.find("asked again alone"), std::string::npos) << Id;
    EXPECT_NE(R.SharedRequest.find("can never be sent"), std::string::npos) << Id;
  }
}

TEST(LlmFused, AMemberAloneInItsTurnAsksAlone) {
  FusedTransport T;
  EventLoop Loop;
  llm::SystemClock Clock;
  LlmSteps Steps(Loop, T, Clock, settings());
  std::optional<ActionResult> Got;
  auto Task = Steps.start(member("a"), [&](ActionResult R) { Got = std::move(R); });
  Loop.runUntil([&] { return Got.has_value(); });
  EXPECT_EQ(T.FusedSeen, 0);
  EXPECT_EQ(T.AloneSeen, 1);
  EXPECT_TRUE(Got->Ok) << Got->Error;
  EXPECT_EQ(Got->SharedRequest, "");
}

/// Holds each request until its Cancel flag is set (or a minute passes),
/// waking the loop when a request arrives and when it gives up.
class HoldingTransport : public llm::HttpTransport {
 public:
  explicit HoldingTransport(EventLoop &Loop) : Loop(Loop) {}
  llvm::Expected<llm::HttpResponse> post(const llm::HttpRequest &R) override {
    CancelFlag = R.Cancel;
    InFlight = true;
    Loop.post([] {});
    for (int K = 0; K < 60000 && !(R.Cancel && *R.Cancel); ++K)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    SawCancel = R.Cancel && *R.Cancel;
    Returned = true;
    Loop.post([] {});
    return llvm::make_error<llm::TransportError>(llm::TransportFailure::Other, "gave up");
  }
  EventLoop &Loop;
  const std::atomic<bool> *CancelFlag = nullptr;
  std::atomic<bool> InFlight{false}, SawCancel{false}, Returned{false};
};

TEST(LlmFused, TheSharedRequestIsCancelledWhenItsLastMemberIs) {
  // Order-based, no clock: cancelling one member (its timeout) leaves the
  // request in flight for the other; cancelling the last one cancels it,
  // and the transport sees the cancel while the request is in flight.
  // (Was an elapsed-time bound in fuse_models_review.test.)
  EventLoop Loop;
  HoldingTransport T(Loop);
  llm::SystemClock Clock;
  LlmSteps Steps(Loop, T, Clock, settings());
  int Reported = 0;
  auto A = Steps.start(member("a"), [&](ActionResult) { ++Reported; });
  auto B = Steps.start(member("b"), [&](ActionResult) { ++Reported; });
  Loop.runUntil([&] { return T.InFlight.load(); });
  ASSERT_NE(T.CancelFlag, nullptr);
  A->cancel();
  EXPECT_FALSE(*T.CancelFlag);  // b still waits for the answer
  B->cancel();
  EXPECT_TRUE(*T.CancelFlag);
  Loop.runUntil([&] { return T.Returned.load(); });
  EXPECT_TRUE(T.SawCancel);
  EXPECT_EQ(Reported, 0);  // a cancelled attempt never reports
}

}  // namespace
