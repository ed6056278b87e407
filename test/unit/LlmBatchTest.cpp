//===- LlmBatchTest.cpp - Batch mode against a fake batch API -------------===//
//
// runBatch (runtime/llm/Batch.h) against a fake transport that plays
// OpenAI's Batch API or Anthropic's Message Batches (their documented
// shapes), on a fake clock: polling with backoff, results matched by
// custom_id, expiry, partial failure, a failed batch, a budget's refusal,
// cancelling mid-batch (the cancel endpoint, tried again when it fails)
// and while the create is in flight, a create whose answer is lost (found
// by its metadata marker: adopted, or cancelled), the accounting each item
// reports; and LlmSteps in batch mode (one batch for the steps of a loop
// turn, a retry as a normal request).
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "runtime/actions/LlmSteps.h"
#include "runtime/exec/EventLoop.h"
#include "runtime/llm/Batch.h"
#include "runtime/observe/Ledger.h"

using json = orch::ir::Json;
using namespace orch;
using namespace orch::llm;
using namespace std::chrono_literals;

namespace {

/// Time that moves only when someone sleeps.
class FakeClock : public Clock {
 public:
  TimePoint T{};
  std::chrono::milliseconds Slept{0};
  TimePoint now() override { return T; }
  void sleepFor(std::chrono::milliseconds D) override {
    std::lock_guard<std::mutex> L(M);
    Slept += D;
    T += D;
  }
  std::mutex M;
};

/// An answer to one chat request in the provider's shape.
json chatAnswer(bool OpenAI, const json &Body) {
  std::string Text = "answer to " + Body["messages"].back()["content"].get<std::string>();
  if (OpenAI)
    return {{"id", "chatcmpl-1"},
            {"object", "chat.completion"},
            {"choices",
             json::array({{{"index", 0},
                           {"finish_reason", "stop"},
                           {"message", {{"role", "assistant"}, {"content", Text}}}}})},
            {"usage", {{"prompt_tokens", 100}, {"completion_tokens", 20}}}};
  return {{"id", "msg_1"},
          {"type", "message"},
          {"role", "assistant"},
          {"content", json::array({{{"type", "text"}, {"text", Text}}})},
          {"stop_reason", "end_turn"},
          {"usage", {{"input_tokens", 100}, {"output_tokens", 20}}}};
}

/// Plays one provider's batch API. Polls answer `in_progress` PollsToEnd-1
/// times, then the final status. Mode: "" (all succeed), "expired" (items
/// after the first expire), "partial" (the last item fails), "rejected" (the
/// last item's request is refused: 400, invalid_request_error), "failed" (the
/// batch fails), "slow" (never ends), "busy" (every poll: 429 with
/// `Retry-After: 120`).
class BatchApi : public HttpTransport {
 public:
  explicit BatchApi(bool OpenAI) : OpenAI(OpenAI) {}
  llvm::Expected<HttpResponse> post(const HttpRequest &R) override {
    std::lock_guard<std::mutex> L(M);
    Seen.push_back(R);
    llvm::StringRef Url(R.Url);
    auto Ok = [](const json &J) { return HttpResponse{200, {}, J.dump()}; };
    if (OpenAI && Url.ends_with("/v1/files") && R.Method == "POST") {
      // The JSONL file, between the multipart headers and the boundary.
      size_t Start = R.Body.find("\r\n\r\n", R.Body.find("name=\"file\""));
      size_t End = R.Body.rfind("\r\n--");
      llvm::StringRef Jsonl = llvm::StringRef(R.Body).slice(Start + 4, End);
      llvm::SmallVector<llvm::StringRef, 8> Lines;
      Jsonl.split(Lines, '\n', -1, false);
      for (llvm::StringRef Line : Lines) {
        json X = json::parse(Line.str());
        Items.push_back({X["custom_id"].get<std::string>(), X["body"]});
      }
      return Ok({{"id", "file-in"}, {"object", "file"}, {"purpose", "batch"}});
    }
    if (OpenAI && R.Method == "GET" && Url.contains("/batches?")) {
      // The list, newest first, PageSize a page: Filler batches of others
      // made after ours, then ours (when made).
      ++Lists;
      if (ListFails) return HttpResponse{500, {}, R"({"error":{"message":"down"}})"};
      std::vector<json> All;
      for (unsigned K = 0; K < Filler; ++K)
        All.push_back({{"id", "batch_other" + std::to_string(K)},
                       {"object", "batch"},
                       {"status", "in_progress"},
                       {"metadata", {{"orchrt_batch", "orchrt-someone-else"}}}});
      if (Made) All.push_back(batchObject());
      size_t From = 0;
      if (size_t A = Url.find("after="); A != llvm::StringRef::npos) {
        std::string After = Url.substr(A + 6).str();
        while (From < All.size() && All[From]["id"] != After) ++From;
        ++From;
      }
      json Page = {{"object", "list"}, {"data", json::array()}};
      for (size_t K = From; K < All.size() && K < From + PageSize; ++K)
        Page["data"].push_back(All[K]);
      Page["has_more"] = From + PageSize < All.size();
      Page["last_id"] = Page["data"].empty() ? json() : Page["data"].back()["id"];
      return Ok(Page);
    }
    if (Url.ends_with("/batches") || Url.ends_with("/messages/batches")) {
      CreateDroppable = R.Cancel != nullptr;
      CreateFresh.push_back(R.FreshConnection);
      if (OnCreate) OnCreate();  // while the create request is in flight
      if (CreateFresh.size() <= RateLimitCreates)  // refused: nothing made
        return HttpResponse{429, {}, R"({"error":{"message":"rate limited"}})"};
      bool Lost = CreateFresh.size() <= LoseCreates;
      if (Lost && !LostMakes)  // failed before the provider made anything
        return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                       "connection reset by peer");
      json Body = json::parse(R.Body);
      if (!OpenAI)
        for (const json &X : Body["requests"])
          Items.push_back({X["custom_id"].get<std::string>(), X["params"]});
      else
        Created = Body;
      Made = true;
      ++BatchesMade;
      if (Lost)  // made, but its answer is lost (a gateway timeout)
        return HttpResponse{504, {}, R"({"error":{"message":"gateway timeout"}})"};
      return Ok(batchObject());
    }
    if (Url.ends_with("/cancel")) {
      CancelTimeouts.push_back(R.Timeout);
      if (CancelTimeouts.size() <= CancelFails)
        return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                       "connection reset by peer");
      Cancelled = true;
      return Ok(batchObject());
    }
    if (Url.ends_with("/batch_1") || Url.ends_with("/msgbatch_1")) {
      ++Polls;
      if (AfterPoll) AfterPoll(Polls);
      if (Mode == "busy")
        return HttpResponse{
            429, {{"retry-after", "120"}}, R"({"error":{"message":"slow down"}})"};
      return Ok(batchObject());
    }
    if (Url.ends_with("/files/file-out/content"))
      return HttpResponse{200, {}, lines(true)};
    if (Url.ends_with("/files/file-err/content"))
      return HttpResponse{200, {}, lines(false)};
    if (Url.ends_with("/msgbatch_1/results")) return HttpResponse{200, {}, lines(true)};
    return HttpResponse{404, {}, R"({"error":{"message":"not found"}})"};
  }

  bool ended() const { return Mode != "slow" && Polls >= PollsToEnd; }

  json batchObject() {
    if (!OpenAI)
      return {{"id", "msgbatch_1"},
              {"type", "message_batch"},
              {"processing_status", ended()     ? "ended"
                                    : Cancelled ? "canceling"
                                                : "in_progress"},
              {"results_url", ended() ? json("http://fake.invalid/v1/messages/batches/"
                                             "msgbatch_1/results")
                                      : json()}};
    std::string S = !ended()            ? (Polls ? "in_progress" : "validating")
                    : Mode == "expired" ? "expired"
                    : Mode == "failed"  ? "failed"
                                        : "completed";
    json B = {{"id", "batch_1"},
              {"object", "batch"},
              {"status", S},
              {"endpoint", "/v1/chat/completions"},
              {"output_file_id", nullptr},
              {"error_file_id", nullptr}};
    if (Created.contains("metadata")) B["metadata"] = Created["metadata"];
    if (S == "failed")
      B["errors"] = {{"object", "list"},
                     {"data", json::array({{{"code", "bad"}, {"message", "bad line"}}})}};
    if (S == "completed" || S == "expired") {
      B["output_file_id"] = "file-out";
      if (Mode == "expired" || Mode == "partial" || Mode == "rejected")
        B["error_file_id"] = "file-err";
    }
    return B;
  }

  /// Output lines (\p Good) or error lines, in reverse order: matched by
  /// custom_id, not position.
  std::string lines(bool Good) {
    std::string Out;
    for (size_t K = Items.size(); K-- > 0;) {
      auto &[Id, Body] = Items[K];
      bool Fails = (Mode == "expired" && K > 0) ||
                   ((Mode == "partial" || Mode == "rejected") && K + 1 == Items.size());
      if (OpenAI) {
        if (Good != !Fails) continue;
        json L = {{"id", "batch_req_" + std::to_string(K)}, {"custom_id", Id}};
        if (!Fails) {
          L["response"] = {{"status_code", 200}, {"body", chatAnswer(true, Body)}};
          L["error"] = nullptr;
        } else if (Mode == "expired") {
          L["response"] = nullptr;
          L["error"] = {{"code", "batch_expired"}, {"message", "window closed"}};
        } else {
          long Code = Mode == "rejected" ? 400 : 500;
          L["response"] = {{"status_code", Code},
                           {"body", {{"error", {{"message", "server fault"}}}}}};
          L["error"] = nullptr;
        }
        Out += L.dump() + "\n";
        continue;
      }
      json Inner = {{"type", Mode == "rejected" ? "invalid_request_error" : "api_error"},
                    {"message", "server fault"}};
      json Errored = {{"type", "errored"},
                      {"error", {{"type", "error"}, {"error", Inner}}}};
      json Res = !Fails
                     ? json{{"type", "succeeded"}, {"message", chatAnswer(false, Body)}}
                 : Mode == "expired" ? json{{"type", "expired"}}
                                     : Errored;
      Out += json{{"custom_id", Id}, {"result", Res}}.dump() + "\n";
    }
    return Out;
  }

  bool OpenAI;
  std::string Mode;
  unsigned PollsToEnd = 3;
  unsigned Polls = 0;
  bool Cancelled = false;
  unsigned CancelFails = 0;  ///< The first CancelFails cancels fail in transport.
  std::vector<std::chrono::milliseconds> CancelTimeouts;  ///< One a cancel request.
  std::function<void(unsigned)> AfterPoll;
  std::function<void()> OnCreate;
  bool CreateDroppable = false;  ///< The create request carried the cancel flag.
  /// The first LoseCreates creates get no answer: a 504 after the batch
  /// was made (LostMakes), or a transport error before it was.
  unsigned LoseCreates = 0;
  bool LostMakes = true;
  unsigned RateLimitCreates = 0;  ///< The first ones are refused with a 429.
  bool ListFails = false;         ///< GET /batches answers 500.
  std::vector<bool> CreateFresh;  ///< Each create: sent on a fresh connection.
  bool Made = false;              ///< The batch exists.
  unsigned BatchesMade = 0, Lists = 0, Filler = 0, PageSize = 2;
  std::vector<std::pair<std::string, json>> Items;
  json Created;
  std::vector<HttpRequest> Seen;
  std::mutex M;
};

EnvLookup keyEnv(bool OpenAI) {
  return [OpenAI](const std::string &N) -> std::optional<std::string> {
    if (N == (OpenAI ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY")) return "sk-secret-key";
    return std::nullopt;
  };
}

ProviderConfig provider(bool OpenAI) {
  ProviderConfig P;
  P.Name = OpenAI ? "openai" : "anthropic";
  P.Kind = OpenAI ? ApiKind::OpenAI : ApiKind::Anthropic;
  P.BaseUrl = OpenAI ? "http://fake.invalid/v1" : "http://fake.invalid";
  P.ApiKeyEnv = OpenAI ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY";
  P.MaxRetries = 0;
  P.BatchPollInitial = 1000ms;
  P.BatchPollMax = 3000ms;
  return P;
}

/// Records what the accounting hears; refuses the caller named Refuse.
class Recorder : public CallObserver {
 public:
  llvm::Error callStarting(const CallStart &S, uint64_t &Id) override {
    std::lock_guard<std::mutex> L(M);
    if (S.Caller == Refuse) return llvm::make_error<CallRefused>("budget spent");
    Started.push_back(S.Caller.str());
    Factors.push_back(S.PriceFactor);
    Id = Started.size();
    return llvm::Error::success();
  }
  void callEnded(uint64_t, const CallStart &S, const CallEnd &E) override {
    std::lock_guard<std::mutex> L(M);
    Ended[S.Caller.str()] = {S.Batch.str(), E};
  }
  std::string Refuse;
  std::vector<std::string> Started;
  std::vector<double> Factors;
  std::map<std::string, std::pair<std::string, CallEnd>> Ended;
  std::mutex M;
};

std::vector<BatchItem> items(std::initializer_list<const char *> Ids, Recorder *Obs) {
  std::vector<BatchItem> Out;
  for (const char *Id : Ids) {
    BatchItem It;
    It.CustomId = std::string("c_") + Id;
    It.Request.Model = "m";
    It.Request.Prompt = std::string("prompt ") + Id;
    It.Request.Caller = Id;
    It.Request.Observer = Obs;
    Out.push_back(std::move(It));
  }
  return Out;
}

class BatchBoth : public ::testing::TestWithParam<bool> {};

TEST_P(BatchBoth, ResultsMatchedByCustomIdAfterPollingWithBackoff) {
  bool OpenAI = GetParam();
  BatchApi Api(OpenAI);
  FakeClock Clk;
  Client C(provider(OpenAI), Api, Clk, keyEnv(OpenAI), 1);
  Recorder Obs;
  auto Items = items({"a", "b", "c"}, &Obs);
  llvm::Expected<BatchOutcome> Out = runBatch(C, Api, Clk, Items, nullptr);
  ASSERT_TRUE(bool(Out)) << llvm::toString(Out.takeError());
  EXPECT_EQ(Out->Id, OpenAI ? "batch_1" : "msgbatch_1");
  EXPECT_EQ(Out->Status, OpenAI ? "completed" : "ended");
  EXPECT_EQ(Out->Polls, 3u);
  // Waits of 1 s, 2 s, then 3 s (doubled, capped at BatchPollMax).
  EXPECT_EQ(Clk.Slept, 6000ms);
  ASSERT_EQ(Out->Items.size(), 3u);
  for (size_t K = 0; K < 3; ++K) {
    const BatchItemResult &R = Out->Items[K];
    ASSERT_EQ(R.Status, BatchItemStatus::Succeeded) << K << ": " << R.Error;
    EXPECT_EQ(R.Response->Text, std::string("answer to prompt ") + "abc"[K]);
  }
  if (OpenAI) {
    EXPECT_EQ(Api.Created["endpoint"], "/v1/chat/completions");
    EXPECT_EQ(Api.Created["completion_window"], "24h");
    EXPECT_EQ(Api.Created["input_file_id"], "file-in");
    EXPECT_NE(Api.Seen[0].Body.find("name=\"purpose\"\r\n\r\nbatch"), std::string::npos);
  }
  // Every item held its budget before anything was sent, and settled with
  // its own usage, the batch id and the batch price.
  EXPECT_EQ(Obs.Started, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(Obs.Factors, (std::vector<double>{0.5, 0.5, 0.5}));
  for (const char *Id : {"a", "b", "c"}) {
    auto &[Batch, E] = Obs.Ended[Id];
    EXPECT_EQ(Batch, Out->Id);
    EXPECT_TRUE(E.Ok);
    EXPECT_EQ(E.Tokens.InputTokens, 100u);
    EXPECT_EQ(E.Calls, 1u);
  }
  // The key travels in headers only.
  for (const HttpRequest &R : Api.Seen) {
    EXPECT_EQ(R.Body.find("sk-secret-key"), std::string::npos);
    bool Keyed = false;
    for (auto &[N, V] : R.Headers) Keyed |= V.find("sk-secret-key") != std::string::npos;
    EXPECT_TRUE(Keyed) << R.Url;
  }
}

TEST_P(BatchBoth, AnExpiredBatchMarksTheItemsItDidNotRun) {
  bool OpenAI = GetParam();
  BatchApi Api(OpenAI);
  Api.Mode = "expired";
  FakeClock Clk;
  Client C(provider(OpenAI), Api, Clk, keyEnv(OpenAI), 1);
  Recorder Obs;
  llvm::Expected<BatchOutcome> Out =
      runBatch(C, Api, Clk, items({"a", "b"}, &Obs), nullptr);
  ASSERT_TRUE(bool(Out)) << llvm::toString(Out.takeError());
  EXPECT_EQ(Out->Items[0].Status, BatchItemStatus::Succeeded);
  EXPECT_EQ(Out->Items[1].Status, BatchItemStatus::Expired);
  EXPECT_FALSE(Obs.Ended["b"].second.Ok);
  EXPECT_EQ(Obs.Ended["b"].second.Calls, 0u);  // never ran: not billed
  EXPECT_FALSE(Obs.Ended["b"].second.Estimated);
}

/// An item settled unread (its batch cancelled or lost before its results
/// were read): it may have run, so it is charged its hold's estimate.
void expectChargedAnEstimate(const CallEnd &E) {
  EXPECT_FALSE(E.Ok);
  EXPECT_TRUE(E.Estimated);
  EXPECT_EQ(E.Calls, 1u);
  EXPECT_GT(E.Tokens.InputTokens, 0u);
  EXPECT_GT(E.Tokens.OutputTokens, 0u);
}

// "partial": the failed item may pass when asked again (errored);
// "rejected": the provider refused its request (4xx), final (rejected).
TEST_P(BatchBoth, APartlyFailedBatchFailsOnlyItsFailedItems) {
  bool OpenAI = GetParam();
  for (auto [Mode, Want] : {std::pair{"partial", BatchItemStatus::Errored},
                            std::pair{"rejected", BatchItemStatus::Rejected}}) {
    BatchApi Api(OpenAI);
    Api.Mode = Mode;
    FakeClock Clk;
    Client C(provider(OpenAI), Api, Clk, keyEnv(OpenAI), 1);
    llvm::Expected<BatchOutcome> Out =
        runBatch(C, Api, Clk, items({"a", "b", "c"}, nullptr), nullptr);
    ASSERT_TRUE(bool(Out)) << llvm::toString(Out.takeError());
    EXPECT_EQ(Out->Items[0].Status, BatchItemStatus::Succeeded);
    EXPECT_EQ(Out->Items[1].Status, BatchItemStatus::Succeeded);
    EXPECT_EQ(Out->Items[2].Status, Want) << Mode;
    EXPECT_NE(Out->Items[2].Error.find("server fault"), std::string::npos)
        << Out->Items[2].Error;
  }
}

TEST_P(BatchBoth, CancellingMidBatchCancelsItThroughItsEndpoint) {
  bool OpenAI = GetParam();
  BatchApi Api(OpenAI);
  Api.Mode = "slow";
  std::atomic<bool> Cancel{false};
  Api.AfterPoll = [&](unsigned N) {
    if (N == 2) Cancel = true;
  };
  FakeClock Clk;
  Client C(provider(OpenAI), Api, Clk, keyEnv(OpenAI), 1);
  Recorder Obs;
  llvm::Expected<BatchOutcome> Out =
      runBatch(C, Api, Clk, items({"a", "b"}, &Obs), &Cancel);
  ASSERT_TRUE(bool(Out)) << llvm::toString(Out.takeError());
  EXPECT_TRUE(Api.Cancelled);
  EXPECT_EQ(Api.Polls, 2u);  // no poll after the cancel
  EXPECT_TRUE(llvm::StringRef(Api.Seen.back().Url).ends_with("_1/cancel"));
  EXPECT_EQ(Api.Seen.back().Method, "POST");
  for (const BatchItemResult &R : Out->Items)
    EXPECT_EQ(R.Status, BatchItemStatus::Canceled);
  EXPECT_EQ(Obs.Ended.size(), 2u);  // every hold settled
  for (const auto &[Step, End] : Obs.Ended) expectChargedAnEstimate(End.second);
}

TEST_P(BatchBoth, ACancelThatFailsInTransportIsTriedAgain) {
  // The network drops the first cancel: it is sent again (a short pause
  // later), and the batch is cancelled, not left running and billing.
  bool OpenAI = GetParam();
  BatchApi Api(OpenAI);
  Api.Mode = "slow";
  Api.CancelFails = 1;
  std::atomic<bool> Cancel{false};
  Api.AfterPoll = [&](unsigned N) {
    if (N == 1) Cancel = true;
  };
  FakeClock Clk;
  Client C(provider(OpenAI), Api, Clk, keyEnv(OpenAI), 1);
  Recorder Obs;
  llvm::Expected<BatchOutcome> Out =
      runBatch(C, Api, Clk, items({"a", "b"}, &Obs), &Cancel);
  ASSERT_TRUE(bool(Out)) << llvm::toString(Out.takeError());
  EXPECT_EQ(Api.CancelTimeouts.size(), 2u);
  EXPECT_EQ(Out->CancelTries, 2u);
  EXPECT_TRUE(Api.Cancelled);
  for (const BatchItemResult &R : Out->Items)
    EXPECT_EQ(R.Status, BatchItemStatus::Canceled);
  EXPECT_EQ(Obs.Ended.size(), 2u);
}

TEST_P(BatchBoth, ACancelThatKeepsFailingStopsAfterThreeTriesWithinTenSeconds) {
  // Every cancel fails: three tries, whose timeouts and pauses fit in
  // 10 s together, so an interrupt still ends the run promptly.
  bool OpenAI = GetParam();
  BatchApi Api(OpenAI);
  Api.Mode = "slow";
  Api.CancelFails = 100;
  std::atomic<bool> Cancel{false};
  Api.AfterPoll = [&](unsigned N) {
    if (N == 1) Cancel = true;
  };
  FakeClock Clk;
  ProviderConfig P = provider(OpenAI);
  P.Timeout = 60000ms;
  Client C(P, Api, Clk, keyEnv(OpenAI), 1);
  Recorder Obs;
  llvm::Expected<BatchOutcome> Out =
      runBatch(C, Api, Clk, items({"a", "b"}, &Obs), &Cancel);
  ASSERT_TRUE(bool(Out)) << llvm::toString(Out.takeError());
  EXPECT_EQ(Api.CancelTimeouts.size(), 3u);
  EXPECT_EQ(Out->CancelTries, 3u);
  EXPECT_FALSE(Api.Cancelled);
  // Paused between tries (250 ms, then 500 ms) after the one poll.
  EXPECT_EQ(Clk.Slept - P.BatchPollInitial, 750ms);
  // Each try's timeout is what is left of the 10 s: on the fake clock a
  // try takes no time, so a later try keeps 10 s minus the pauses (on a
  // real clock, minus the earlier tries too).
  EXPECT_EQ(Api.CancelTimeouts[0], 10000ms);
  EXPECT_EQ(Api.CancelTimeouts[1], 10000ms - 250ms);
  EXPECT_EQ(Api.CancelTimeouts[2], 10000ms - 750ms);
  for (const BatchItemResult &R : Out->Items)
    EXPECT_EQ(R.Status, BatchItemStatus::Canceled);
  EXPECT_EQ(Obs.Ended.size(), 2u);
}

TEST_P(BatchBoth, ACancelWhileTheCreateIsInFlightCancelsTheCreatedBatchOnce) {
  // The interrupt lands while the provider creates the batch: the create
  // is not dropped (its answer holds the id), and the batch it created is
  // cancelled at once, with one cancel request and no poll.
  bool OpenAI = GetParam();
  BatchApi Api(OpenAI);
  Api.Mode = "slow";
  std::atomic<bool> Cancel{false};
  Api.OnCreate = [&] { Cancel = true; };
  FakeClock Clk;
  Client C(provider(OpenAI), Api, Clk, keyEnv(OpenAI), 1);
  Recorder Obs;
  llvm::Expected<BatchOutcome> Out =
      runBatch(C, Api, Clk, items({"a", "b"}, &Obs), &Cancel);
  ASSERT_TRUE(bool(Out)) << llvm::toString(Out.takeError());
  EXPECT_FALSE(Api.CreateDroppable);
  EXPECT_EQ(Out->Id, OpenAI ? "batch_1" : "msgbatch_1");
  EXPECT_EQ(Api.Polls, 0u);
  unsigned Cancels = 0;
  for (const HttpRequest &R : Api.Seen)
    Cancels += llvm::StringRef(R.Url).ends_with("_1/cancel");
  EXPECT_EQ(Cancels, 1u);
  EXPECT_TRUE(Api.Cancelled);
  for (const BatchItemResult &R : Out->Items)
    EXPECT_EQ(R.Status, BatchItemStatus::Canceled);
  EXPECT_EQ(Obs.Ended.size(), 2u);  // every hold settled, at its estimate
  for (const auto &[Step, End] : Obs.Ended) expectChargedAnEstimate(End.second);
}

TEST_P(BatchBoth, AnInterruptDuringARetrysBackoffCancelsTheBatchOnce) {
  bool OpenAI = GetParam();
  BatchApi Api(OpenAI);
  Api.Mode = "busy";
  std::atomic<bool> Cancel{false};
  Api.AfterPoll = [&](unsigned) { Cancel = true; };  // Ctrl-C while it waits
  FakeClock Clk;
  ProviderConfig P = provider(OpenAI);
  P.MaxRetries = 4;
  Client C(P, Api, Clk, keyEnv(OpenAI), 1);
  Recorder Obs;
  llvm::Expected<BatchOutcome> Out =
      runBatch(C, Api, Clk, items({"a", "b"}, &Obs), &Cancel);
  ASSERT_TRUE(bool(Out)) << llvm::toString(Out.takeError());
  EXPECT_EQ(Api.Polls, 1u);  // no retry of the poll after the interrupt
  // The backoff stopped at once: only the first poll interval was slept,
  // not Retry-After (120 s) per retry.
  EXPECT_LT(Clk.Slept, 120000ms);
  unsigned Cancels = 0;
  for (const HttpRequest &R : Api.Seen) {
    if (llvm::StringRef(R.Url).ends_with("_1/cancel")) {
      ++Cancels;
      EXPECT_EQ(R.Cancel, nullptr);  // the cancel itself is not interruptible
    } else if (llvm::StringRef(R.Url).ends_with("/batches")) {
      EXPECT_EQ(R.Cancel, nullptr);  // the create is not dropped: its id is needed
    } else {
      EXPECT_EQ(R.Cancel, &Cancel) << R.Url;  // the transport can drop it
    }
  }
  EXPECT_EQ(Cancels, 1u);
  EXPECT_TRUE(Api.Cancelled);
  for (const BatchItemResult &R : Out->Items)
    EXPECT_EQ(R.Status, BatchItemStatus::Canceled);
  EXPECT_EQ(Obs.Ended.size(), 2u);
  for (const auto &[Step, End] : Obs.Ended) expectChargedAnEstimate(End.second);
}

TEST_P(BatchBoth, APollThatFailsForGoodCancelsTheBatchBeforeFailing) {
  bool OpenAI = GetParam();
  BatchApi Api(OpenAI);
  Api.Mode = "busy";
  FakeClock Clk;
  Client C(provider(OpenAI), Api, Clk, keyEnv(OpenAI), 1);  // no retries
  Recorder Obs;
  llvm::Expected<BatchOutcome> Out =
      runBatch(C, Api, Clk, items({"a", "b"}, &Obs), nullptr);
  ASSERT_FALSE(bool(Out));
  llvm::consumeError(Out.takeError());
  EXPECT_TRUE(Api.Cancelled);  // not left running (and billing) at the provider
  EXPECT_TRUE(llvm::StringRef(Api.Seen.back().Url).ends_with("_1/cancel"));
  EXPECT_EQ(Obs.Ended.size(), 2u);
  for (const auto &[Step, End] : Obs.Ended) expectChargedAnEstimate(End.second);
}

TEST_P(BatchBoth, ABudgetsRefusalKeepsAnItemOutOfTheBatch) {
  bool OpenAI = GetParam();
  BatchApi Api(OpenAI);
  FakeClock Clk;
  Client C(provider(OpenAI), Api, Clk, keyEnv(OpenAI), 1);
  Recorder Obs;
  Obs.Refuse = "b";
  llvm::Expected<BatchOutcome> Out =
      runBatch(C, Api, Clk, items({"a", "b", "c"}, &Obs), nullptr);
  ASSERT_TRUE(bool(Out)) << llvm::toString(Out.takeError());
  EXPECT_EQ(Api.Items.size(), 2u);
  EXPECT_EQ(Out->Items[1].Status, BatchItemStatus::Refused);
  EXPECT_EQ(Out->Items[2].Status, BatchItemStatus::Succeeded);
  EXPECT_EQ(Obs.Ended.count("b"), 0u);
}

// Each item reserves about 1,050 tokens (its answer limit, 1,024, and its
// body) before the batch goes out, and those holds settle only once it is
// sent: under a run budget that holds two of them, the third item must not
// wait for the first two (it waited forever).
TEST_P(BatchBoth, ABatchUnderARunBudgetDoesNotWaitForItsOwnItemsReservations) {
  bool OpenAI = GetParam();
  BatchApi Api(OpenAI);
  FakeClock Clk;
  Client C(provider(OpenAI), Api, Clk, keyEnv(OpenAI), 1);
  observe::BudgetLimits Limits;
  Limits.MaxTokens = 1500;
  observe::Ledger Ledger([](const std::string &) { return std::pair{0.0, 0.0}; }, Limits);
  std::vector<BatchItem> Items = items({"a", "b", "c"}, nullptr);
  for (BatchItem &It : Items) It.Request.Observer = &Ledger;
  llvm::Expected<BatchOutcome> Out = runBatch(C, Api, Clk, Items, nullptr);
  ASSERT_TRUE(bool(Out)) << llvm::toString(Out.takeError());
  EXPECT_EQ(Api.Items.size(), 3u);
  for (const BatchItemResult &R : Out->Items)
    EXPECT_EQ(R.Status, BatchItemStatus::Succeeded) << R.Error;
  EXPECT_EQ(Ledger.total().Calls, 3u);
  EXPECT_EQ(Ledger.total().tokens(), 360u);
  EXPECT_EQ(Ledger.inFlight(), 0u);
  EXPECT_FALSE(Ledger.breach());
}

INSTANTIATE_TEST_SUITE_P(Providers, BatchBoth, ::testing::Values(true, false),
                         [](const auto &I) { return I.param ? "OpenAI" : "Anthropic"; });

TEST(BatchCreate, AnOpenAIBatchIsCreatedWithAMarkerOnAFreshConnection) {
  BatchApi Api(true);
  FakeClock Clk;
  Client C(provider(true), Api, Clk, keyEnv(true), 1);
  Recorder Obs;
  llvm::Expected<BatchOutcome> Out =
      runBatch(C, Api, Clk, items({"a", "b"}, &Obs), nullptr);
  ASSERT_TRUE(bool(Out)) << llvm::toString(Out.takeError());
  std::string Marker = Api.Created["metadata"]["orchrt_batch"].get<std::string>();
  EXPECT_EQ(Marker.size(), 7u + 32u) << Marker;  // orchrt- and 128 bits in hex
  EXPECT_EQ(Api.CreateFresh, (std::vector<bool>{true}));
  EXPECT_EQ(Api.Lists, 0u);
  EXPECT_FALSE(Out->Adopted);
  // Each batch gets its own marker.
  BatchApi Api2(true);
  Client C2(provider(true), Api2, Clk, keyEnv(true), 1);
  ASSERT_TRUE(bool(runBatch(C2, Api2, Clk, items({"a"}, &Obs), nullptr)));
  EXPECT_NE(Api2.Created["metadata"]["orchrt_batch"].get<std::string>(), Marker);
}

TEST(BatchCreate, AnAmbiguousCreateIsFoundByItsMarkerNotMadeTwice) {
  // The provider made the batch but the create's answer was lost (504).
  // With retries allowed, orchrt looks the batch up by its marker (its
  // page after two pages of others' batches) and adopts it: one batch.
  BatchApi Api(true);
  Api.LoseCreates = 1;
  Api.Filler = 3;
  FakeClock Clk;
  ProviderConfig P = provider(true);
  P.MaxRetries = 3;
  Client C(P, Api, Clk, keyEnv(true), 1);
  Recorder Obs;
  llvm::Expected<BatchOutcome> Out =
      runBatch(C, Api, Clk, items({"a", "b"}, &Obs), nullptr);
  ASSERT_TRUE(bool(Out)) << llvm::toString(Out.takeError());
  EXPECT_EQ(Api.BatchesMade, 1u);
  EXPECT_EQ(Api.CreateFresh.size(), 1u);  // not sent again
  EXPECT_TRUE(Out->Adopted);
  EXPECT_EQ(Out->Lookups, 2u);  // pages {other0, other1}, {other2, ours}
  EXPECT_EQ(Api.Lists, 2u);
  EXPECT_EQ(Out->Id, "batch_1");
  for (const BatchItemResult &R : Out->Items)
    EXPECT_EQ(R.Status, BatchItemStatus::Succeeded);
}

TEST(BatchCreate, AnAmbiguousCreateThatMadeNothingIsSentAgain) {
  BatchApi Api(true);
  Api.LoseCreates = 1;
  Api.LostMakes = false;  // the connection broke before the provider made it
  FakeClock Clk;
  ProviderConfig P = provider(true);
  P.MaxRetries = 3;
  Client C(P, Api, Clk, keyEnv(true), 1);
  Recorder Obs;
  llvm::Expected<BatchOutcome> Out =
      runBatch(C, Api, Clk, items({"a", "b"}, &Obs), nullptr);
  ASSERT_TRUE(bool(Out)) << llvm::toString(Out.takeError());
  EXPECT_EQ(Api.CreateFresh, (std::vector<bool>{true, true}));
  EXPECT_EQ(Api.BatchesMade, 1u);
  EXPECT_EQ(Api.Lists, 1u);
  EXPECT_FALSE(Out->Adopted);
  for (const BatchItemResult &R : Out->Items)
    EXPECT_EQ(R.Status, BatchItemStatus::Succeeded);
}

TEST(BatchCreate, AnAmbiguousCreateWithACancelSetCancelsTheBatchItMade) {
  // An interrupt lands while the provider makes the batch, and the
  // create's answer is lost: the batch is found by its marker and
  // cancelled (one cancel), not left running and billing.
  BatchApi Api(true);
  Api.Mode = "slow";
  Api.LoseCreates = 1;
  std::atomic<bool> Cancel{false};
  Api.OnCreate = [&] { Cancel = true; };
  FakeClock Clk;
  Client C(provider(true), Api, Clk, keyEnv(true), 1);  // no retries
  Recorder Obs;
  llvm::Expected<BatchOutcome> Out =
      runBatch(C, Api, Clk, items({"a", "b"}, &Obs), &Cancel);
  ASSERT_TRUE(bool(Out)) << llvm::toString(Out.takeError());
  EXPECT_EQ(Api.BatchesMade, 1u);
  EXPECT_EQ(Api.CreateFresh.size(), 1u);
  EXPECT_TRUE(Out->Adopted);
  EXPECT_EQ(Out->Id, "batch_1");
  EXPECT_TRUE(Api.Cancelled);
  EXPECT_EQ(Out->CancelTries, 1u);
  EXPECT_EQ(Api.Polls, 0u);
  for (const BatchItemResult &R : Out->Items)
    EXPECT_EQ(R.Status, BatchItemStatus::Canceled);
  EXPECT_EQ(Obs.Ended.size(), 2u);
  for (const auto &[Step, End] : Obs.Ended) expectChargedAnEstimate(End.second);
}

TEST(BatchCreate, AnAmbiguousCreateWithACancelSetThatMadeNothingEnds) {
  BatchApi Api(true);
  Api.LoseCreates = 1;
  Api.LostMakes = false;
  std::atomic<bool> Cancel{false};
  Api.OnCreate = [&] { Cancel = true; };
  FakeClock Clk;
  ProviderConfig P = provider(true);
  P.MaxRetries = 3;
  Client C(P, Api, Clk, keyEnv(true), 1);
  Recorder Obs;
  llvm::Expected<BatchOutcome> Out =
      runBatch(C, Api, Clk, items({"a", "b"}, &Obs), &Cancel);
  ASSERT_FALSE(bool(Out));
  EXPECT_NE(llvm::toString(Out.takeError()).find("interrupted"), std::string::npos);
  EXPECT_EQ(Api.BatchesMade, 0u);
  EXPECT_EQ(Api.CreateFresh.size(), 1u);  // not sent again after the cancel
  EXPECT_EQ(Api.Lists, 1u);
  EXPECT_EQ(Obs.Ended.size(), 2u);
}

TEST(BatchCreate, ARateLimitedCreateIsRetriedWithoutALookUp) {
  // A 429 is a refusal (nothing was made), not an ambiguous failure: the
  // create is sent again after its backoff, with no list request, even
  // when the list could not be read.
  BatchApi Api(true);
  Api.RateLimitCreates = 1;
  Api.ListFails = true;
  FakeClock Clk;
  ProviderConfig P = provider(true);
  P.MaxRetries = 3;
  Client C(P, Api, Clk, keyEnv(true), 1);
  Recorder Obs;
  llvm::Expected<BatchOutcome> Out =
      runBatch(C, Api, Clk, items({"a", "b"}, &Obs), nullptr);
  ASSERT_TRUE(bool(Out)) << llvm::toString(Out.takeError());
  EXPECT_EQ(Api.CreateFresh.size(), 2u);
  EXPECT_EQ(Api.BatchesMade, 1u);
  EXPECT_EQ(Api.Lists, 0u);
  EXPECT_EQ(Out->Lookups, 0u);
  EXPECT_FALSE(Out->Adopted);
  for (const BatchItemResult &R : Out->Items)
    EXPECT_EQ(R.Status, BatchItemStatus::Succeeded);
}

TEST(Batch, AFailedOpenAIBatchIsAnErrorAndSettlesEveryHold) {
  BatchApi Api(true);
  Api.Mode = "failed";
  FakeClock Clk;
  Client C(provider(true), Api, Clk, keyEnv(true), 1);
  Recorder Obs;
  llvm::Expected<BatchOutcome> Out =
      runBatch(C, Api, Clk, items({"a", "b"}, &Obs), nullptr);
  ASSERT_FALSE(bool(Out));
  std::string Msg = llvm::toString(Out.takeError());
  EXPECT_NE(Msg.find("bad line"), std::string::npos) << Msg;
  EXPECT_EQ(Obs.Ended.size(), 2u);
  EXPECT_FALSE(Obs.Ended["a"].second.Ok);
  EXPECT_EQ(Obs.Ended["a"].second.Calls, 0u);  // a failed batch ran nothing
  EXPECT_FALSE(Obs.Ended["a"].second.Estimated);
  EXPECT_FALSE(Api.Cancelled);  // it had ended
}

TEST(Batch, AResultsUrlOnAnotherHostIsNotFollowed) {
  // The key goes only to the provider's own base URL.
  BatchApi Api(false);
  Api.PollsToEnd = 1;
  FakeClock Clk;
  ProviderConfig P = provider(false);
  P.BaseUrl = "http://other.invalid";
  Client C(P, Api, Clk, keyEnv(false), 1);
  llvm::Expected<BatchOutcome> Out =
      runBatch(C, Api, Clk, items({"a"}, nullptr), nullptr);
  ASSERT_TRUE(bool(Out)) << llvm::toString(Out.takeError());
  for (const HttpRequest &R : Api.Seen)
    EXPECT_TRUE(llvm::StringRef(R.Url).starts_with("http://other.invalid/")) << R.Url;
}

//===- LlmSteps in batch mode ---------------------------------------------===//

runtime::ActionRequest step(const std::string &Id, unsigned Attempt = 1) {
  runtime::ActionRequest R;
  R.StepId = Id;
  R.Action = "generate";
  R.Model = "gpt-4o-mini";
  R.Params = json{{"prompt", "text of " + Id}};
  R.ParamOrder = {"prompt"};
  R.Attempt = Attempt;
  R.Batched = Attempt == 1;  // as the scheduler marks it in batch mode
  return R;
}

/// BatchApi that also answers a normal chat request.
class BatchOrChat : public BatchApi {
 public:
  BatchOrChat() : BatchApi(true) { PollsToEnd = 1; }
  llvm::Expected<HttpResponse> post(const HttpRequest &R) override {
    if (llvm::StringRef(R.Url).ends_with("/chat/completions")) {
      std::lock_guard<std::mutex> L(M);
      ++Chats;
      return HttpResponse{200, {}, chatAnswer(true, json::parse(R.Body)).dump()};
    }
    return BatchApi::post(R);
  }
  int Chats = 0;
};

runtime::LlmSettings batchSettings() {
  runtime::LlmSettings S;
  S.ClientRetries = 0;
  S.Env = [](const std::string &Name) -> std::optional<std::string> {
    if (Name == "OPENAI_BASE_URL") return "http://fake.invalid/v1";
    return std::nullopt;
  };
  return S;
}

TEST(LlmStepsBatch, TheStepsOfOneTurnShareOneBatchAndARetryIsANormalRequest) {
  BatchOrChat Api;
  Api.Mode = "expired";
  runtime::EventLoop Loop;
  FakeClock Clk;
  runtime::LlmSteps Steps(Loop, Api, Clk, batchSettings());
  std::map<std::string, runtime::ActionResult> Got;
  std::vector<std::unique_ptr<runtime::ActionTask>> Tasks;
  for (const char *Id : {"a", "b"})
    Tasks.push_back(Steps.start(
        step(Id), [&Got, Id](runtime::ActionResult R) { Got[Id] = std::move(R); }));
  Loop.runUntil([&] { return Got.size() == 2; });
  EXPECT_EQ(Api.Items.size(), 2u);
  EXPECT_EQ(Api.Chats, 0);
  ASSERT_TRUE(Got["a"].Ok) << Got["a"].Error;
  EXPECT_EQ(Got["a"].Fields["output"], "answer to text of a");
  EXPECT_EQ(Got["a"].Batch, "batch_1");
  // b expired: a retryable failure, so the step's own policy decides.
  EXPECT_FALSE(Got["b"].Ok);
  EXPECT_TRUE(Got["b"].Retryable);
  EXPECT_NE(Got["b"].Error.find("batch batch_1 (expired)"), std::string::npos)
      << Got["b"].Error;
  EXPECT_EQ(Got["b"].Batch, "batch_1");
  // Its retry (attempt 2) is a normal request.
  bool Done = false;
  runtime::ActionResult Retry;
  auto T = Steps.start(step("b", 2), [&](runtime::ActionResult R) {
    Retry = std::move(R);
    Done = true;
  });
  Loop.runUntil([&] { return Done; });
  EXPECT_EQ(Api.Chats, 1);
  ASSERT_TRUE(Retry.Ok) << Retry.Error;
  EXPECT_EQ(Retry.Batch, "");
}

}  // namespace
