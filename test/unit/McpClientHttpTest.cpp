//===- McpClientHttpTest.cpp - The MCP client over a fake HTTP sender -----===//
//
// The Streamable HTTP transport under the real Client, with a fake
// HttpSender: the test reads each request and plays the server (JSON and
// SSE answers, a session id, a stream cut short, HTTP errors, a request
// that never ends), on a FakeExecutor.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>
#include <stdlib.h>

#include <optional>
#include <string>
#include <vector>

#include "FakeExecutor.h"
#include "runtime/mcp/AnswerReader.h"
#include "runtime/mcp/ClientHttp.h"

namespace orch::runtime::mcp {
namespace {

using json = orch::ir::Json;

class FakeSender : public HttpSender {
 public:
  struct Sent {
    llm::HttpRequest R;
    Done D;
    bool Cancelled = false;
    json body() const { return json::parse(R.Body); }
    std::string header(llvm::StringRef Name) const {
      for (const llm::Header &H : R.Headers)
        if (llvm::StringRef(H.first).equals_insensitive(Name)) return H.second;
      return "";
    }
  };
  uint64_t send(llm::HttpRequest R, Done D) override {
    Reqs.push_back({std::move(R), std::move(D)});
    return Reqs.size();
  }
  void cancel(uint64_t Id) override { Reqs.at(Id - 1).Cancelled = true; }
  std::vector<Sent> Reqs;
};

llm::HttpResponse jsonAnswer(const json &Msg, long Status = 200) {
  llm::HttpResponse R;
  R.Status = Status;
  R.Headers = {{"content-type", "application/json"}};
  R.Body = Msg.dump();
  return R;
}

llm::HttpResponse sseAnswer(const std::string &Body) {
  llm::HttpResponse R;
  R.Status = 200;
  R.Headers = {{"content-type", "text/event-stream"}};
  R.Body = Body;
  return R;
}

json result(const json &Id, json Res) {
  return json{{"jsonrpc", "2.0"}, {"id", Id}, {"result", std::move(Res)}};
}

class McpClientHttpTest : public ::testing::Test {
 protected:
  McpClientHttpTest()
      : C("web",
          std::make_unique<HttpClientTransport>(
              Exec, HttpEndpoint{"http://127.0.0.1:9/mcp", {{"X-Key", "k"}}}, Http)) {}

  /// Answers request \p I and runs the loop.
  void answer(size_t I, llvm::Expected<llm::HttpResponse> R) {
    ASSERT_FALSE(Http.Reqs.at(I).Cancelled);
    Http.Reqs[I].D(std::move(R));
    Exec.runUntil([] { return false; });
  }
  /// Starts a call and completes the handshake; returns the call's id.
  uint64_t callReady() {
    uint64_t Id = C.callTool("echo", json{{"text", "hi"}}, record());
    EXPECT_EQ(Http.Reqs.at(0).body()["method"], "initialize");
    llm::HttpResponse Init = jsonAnswer(
        result(Http.Reqs[0].body()["id"], {{"protocolVersion", "2025-06-18"}}));
    Init.Headers.push_back({"mcp-session-id", "s-1"});
    answer(0, std::move(Init));
    EXPECT_EQ(Http.Reqs.at(1).body()["method"], "notifications/initialized");
    EXPECT_EQ(Http.Reqs.size(), 2u);  // the call waits for it
    llm::HttpResponse Accepted;
    Accepted.Status = 202;
    answer(1, std::move(Accepted));
    EXPECT_EQ(Http.Reqs.at(2).body()["method"], "tools/call");
    return Id;
  }
  Client::CallDone record() {
    return [this](CallOutcome O) { Outcomes.push_back(std::move(O)); };
  }

  orch::testing::FakeExecutor Exec;
  FakeSender Http;
  Client C;
  std::vector<CallOutcome> Outcomes;
};

TEST_F(McpClientHttpTest, HandshakeSessionAndJsonAnswer) {
  uint64_t Id = callReady();
  const FakeSender::Sent &Init = Http.Reqs[0];
  EXPECT_EQ(Init.R.Method, "POST");
  EXPECT_EQ(Init.R.Url, "http://127.0.0.1:9/mcp");
  EXPECT_EQ(Init.header("accept"), "application/json, text/event-stream");
  EXPECT_EQ(Init.header("x-key"), "k");
  EXPECT_EQ(Init.header("mcp-session-id"), "");
  EXPECT_EQ(Init.header("mcp-protocol-version"), "");
  EXPECT_EQ(Init.body()["params"]["protocolVersion"], Client::Revision);
  // Later requests carry the session and the revision the server chose.
  EXPECT_EQ(Http.Reqs[2].header("mcp-session-id"), "s-1");
  EXPECT_EQ(Http.Reqs[2].header("mcp-protocol-version"), "2025-06-18");
  answer(2, jsonAnswer(result(Id, {{"content", json::array()}})));
  ASSERT_EQ(Outcomes.size(), 1u);
  EXPECT_EQ(Outcomes[0].K, CallOutcome::Result);
  // The end of the run ends the session.
  C.shutdown();
  ASSERT_EQ(Http.Reqs.size(), 4u);
  EXPECT_EQ(Http.Reqs[3].R.Method, "DELETE");
  EXPECT_EQ(Http.Reqs[3].header("mcp-session-id"), "s-1");
}

TEST_F(McpClientHttpTest, SseAnswerWithNotificationsFirst) {
  uint64_t Id = callReady();
  std::string Body =
      ": a comment\r\nevent: message\r\nid: 1\r\n"
      "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\r\n\r\n"
      "data: {\"jsonrpc\":\"2.0\",\"id\":" +
      std::to_string(Id) +
      ",\n"
      "data: \"result\":{\"structuredContent\":{\"n\":1}}}\n\n";
  answer(2, sseAnswer(Body));
  ASSERT_EQ(Outcomes.size(), 1u);
  ASSERT_EQ(Outcomes[0].K, CallOutcome::Result);
  EXPECT_EQ(Outcomes[0].Value["structuredContent"]["n"], 1);
}

TEST_F(McpClientHttpTest, StreamClosedBeforeTheAnswerLosesTheCall) {
  callReady();
  // A progress event, then the end of the stream (the last event is cut).
  answer(2,
         sseAnswer("data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\n"
                   "data: {\"jsonrpc\""));
  ASSERT_EQ(Outcomes.size(), 1u);
  EXPECT_EQ(Outcomes[0].K, CallOutcome::Lost);
  EXPECT_EQ(Outcomes[0].Error,
            "MCP server `web` closed the answer to request 1 before answering it");
  EXPECT_TRUE(C.dead());
}

TEST_F(McpClientHttpTest, TransportErrorAndHttpErrors) {
  callReady();
  answer(2, llvm::make_error<llm::TransportError>(llm::TransportFailure::Connect,
                                                  "Couldn't connect to server"));
  ASSERT_EQ(Outcomes.size(), 1u);
  EXPECT_EQ(Outcomes[0].Error,
            "MCP server `web` could not be reached: Couldn't connect to server");

  // A new client (as McpSteps makes after a loss): an expired session.
  FakeSender H2;
  Client C2("web", std::make_unique<HttpClientTransport>(
                       Exec, HttpEndpoint{"http://127.0.0.1:9/mcp", {}}, H2));
  std::vector<CallOutcome> Got;
  C2.callTool("echo", json::object(), [&](CallOutcome O) { Got.push_back(O); });
  llm::HttpResponse Init =
      jsonAnswer(result(H2.Reqs[0].body()["id"], {{"protocolVersion", "2025-11-25"}}));
  Init.Headers.push_back({"mcp-session-id", "s-2"});
  H2.Reqs[0].D(std::move(Init));
  Exec.runUntil([] { return false; });
  H2.Reqs[1].D(llm::HttpResponse{202, {}, ""});
  Exec.runUntil([] { return false; });
  H2.Reqs[2].D(llm::HttpResponse{404, {}, "no such session"});
  Exec.runUntil([] { return false; });
  ASSERT_EQ(Got.size(), 1u);
  EXPECT_EQ(Got[0].Error, "MCP server `web` ended the session (HTTP 404)");
}

TEST_F(McpClientHttpTest, HttpErrorWithoutMessage) {
  C.callTool("echo", json::object(), record());
  answer(0, llm::HttpResponse{500, {}, "  upstream down\n"});
  ASSERT_EQ(Outcomes.size(), 1u);
  EXPECT_EQ(Outcomes[0].Error, "MCP server `web` answered HTTP 500: upstream down");
}

TEST_F(McpClientHttpTest, CancelDropsTheRequestAndTellsTheServer) {
  uint64_t Id = callReady();
  C.cancel(Id);
  EXPECT_TRUE(Http.Reqs[2].Cancelled);
  ASSERT_EQ(Http.Reqs.size(), 4u);
  EXPECT_EQ(Http.Reqs[3].body()["method"], "notifications/cancelled");
  EXPECT_EQ(Http.Reqs[3].body()["params"]["requestId"], Id);
  EXPECT_TRUE(Outcomes.empty());
  EXPECT_FALSE(C.dead());  // later calls use the same session
  C.callTool("echo", json::object(), record());
  EXPECT_EQ(Http.Reqs.back().body()["method"], "tools/call");
  EXPECT_EQ(Http.Reqs.back().header("mcp-session-id"), "s-1");
}

TEST_F(McpClientHttpTest, HeadersFromTheEnvironment) {
  setenv("ORCH_TEST_MCP_AUTH", "Bearer t0k", 1);
  unsetenv("ORCH_TEST_MCP_UNSET");
  FakeSender H;
  Client Ok(
      "web",
      std::make_unique<HttpClientTransport>(
          Exec,
          HttpEndpoint{"http://h/mcp", {{"Authorization", "${ORCH_TEST_MCP_AUTH}"}}}, H));
  Ok.callTool("echo", json::object(), [](CallOutcome) {});
  ASSERT_EQ(H.Reqs.size(), 1u);
  EXPECT_EQ(H.Reqs[0].header("authorization"), "Bearer t0k");

  Client Bad(
      "web",
      std::make_unique<HttpClientTransport>(
          Exec, HttpEndpoint{"http://h/mcp", {{"X-T", "${ORCH_TEST_MCP_UNSET}"}}}, H));
  std::optional<CallOutcome> Got;
  Bad.callTool("echo", json::object(), [&](CallOutcome O) { Got = O; });
  ASSERT_TRUE(Got);
  EXPECT_EQ(Got->Error,
            "MCP server `web` could not start: `headers: X-T` names "
            "`${ORCH_TEST_MCP_UNSET}`, which is not set in orchrt's environment");
  EXPECT_EQ(H.Reqs.size(), 1u);

  auto Dropped = resolveHeaders({{"X-T", "${ORCH_TEST_MCP_UNSET}"}, {"A", "b"}}, true);
  ASSERT_TRUE(bool(Dropped));
  ASSERT_EQ(Dropped->size(), 1u);
  EXPECT_EQ((*Dropped)[0].first, "A");
}

TEST_F(McpClientHttpTest, SseEventsAreHandledAsTheyArrive) {
  uint64_t Id = callReady();
  ASSERT_TRUE(bool(Http.Reqs[2].R.OnBody));
  const std::vector<llm::Header> H = {{"content-type", "text/event-stream"}};
  auto Piece = [&](llvm::StringRef P) {
    EXPECT_TRUE(Http.Reqs[2].R.OnBody(H, P));
    Exec.runUntil([] { return false; });
  };
  // A request of the server, in two pieces: answered once its event ends,
  // while the call's stream is still open.
  Piece("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":\"s-9\",");
  Piece("\"method\":\"ping\"}\n");
  EXPECT_EQ(Http.Reqs.size(), 3u);  // the event has not ended yet
  Piece("\n");
  ASSERT_EQ(Http.Reqs.size(), 4u);
  EXPECT_EQ(Http.Reqs[3].body()["id"], "s-9");
  EXPECT_TRUE(Http.Reqs[3].body().contains("result"));
  // The result ends the call before the stream ends.
  Piece("data: {\"jsonrpc\":\"2.0\",\"id\":" + std::to_string(Id) +
        ",\"result\":{\"content\":[]}}\n\n");
  ASSERT_EQ(Outcomes.size(), 1u);
  EXPECT_EQ(Outcomes[0].K, CallOutcome::Result);
  llm::HttpResponse End;
  End.Status = 200;
  End.Headers = H;
  // Its request is cut off: what the stream may still bring is not read.
  EXPECT_TRUE(Http.Reqs[2].Cancelled);
  Http.Reqs[2].D(std::move(End));
  Exec.runUntil([] { return false; });
  EXPECT_EQ(Outcomes.size(), 1u);
  EXPECT_FALSE(C.dead());
}

TEST_F(McpClientHttpTest, EndlessSmallEventsAreBounded) {
  // The loop thread does not keep up with the sender's: events waiting for
  // it count, and past the limit the transfer ends and the call fails.
  FakeSender H;
  Client Small("web", std::make_unique<HttpClientTransport>(
                          Exec, HttpEndpoint{"http://h/mcp", {}}, H, 4096));
  std::vector<CallOutcome> Got;
  Small.callTool("echo", json::object(), [&](CallOutcome O) { Got.push_back(O); });
  ASSERT_EQ(H.Reqs.size(), 1u);
  const std::vector<llm::Header> Sse = {{"content-type", "text/event-stream"}};
  std::string Ev =
      "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\n";
  int Taken = 0;
  while (Taken < 1000 && H.Reqs[0].R.OnBody(Sse, Ev)) ++Taken;
  EXPECT_LT(Taken, 1000);
  EXPECT_GT(Taken, 10);
  H.Reqs[0].D(llvm::make_error<llm::TransportError>(llm::TransportFailure::Other,
                                                    "Failure writing received data"));
  Exec.runUntil([] { return false; });
  ASSERT_EQ(Got.size(), 1u);
  EXPECT_EQ(Got[0].K, CallOutcome::Lost);
  EXPECT_EQ(Got[0].Error,
            "MCP server `web` sent events faster than they could be handled (over 4096 "
            "bytes waiting)");
}

TEST_F(McpClientHttpTest, SessionTakenFromAnOpenInitializeStream) {
  C.callTool("echo", json::object(), record());
  ASSERT_EQ(Http.Reqs.size(), 1u);
  const std::vector<llm::Header> H = {{"content-type", "text/event-stream"},
                                      {"Mcp-Session-Id", "s-7"}};
  json Init = result(Http.Reqs[0].body()["id"], {{"protocolVersion", "2025-06-18"}});
  EXPECT_TRUE(Http.Reqs[0].R.OnBody(H, "data: " + Init.dump() + "\n\n"));
  Exec.runUntil([] { return false; });
  // The stream stays open; the handshake goes on with the session.
  EXPECT_TRUE(Http.Reqs[0].Cancelled);
  ASSERT_EQ(Http.Reqs.size(), 2u);
  EXPECT_EQ(Http.Reqs[1].body()["method"], "notifications/initialized");
  EXPECT_EQ(Http.Reqs[1].header("mcp-session-id"), "s-7");
  llm::HttpResponse Accepted;
  Accepted.Status = 202;
  answer(1, std::move(Accepted));
  ASSERT_EQ(Http.Reqs.size(), 3u);
  EXPECT_EQ(Http.Reqs[2].header("mcp-session-id"), "s-7");
}

TEST_F(McpClientHttpTest, AnswerOverTheLimitEndsTheConnection) {
  // Streamed: the piece that crosses the limit stops the transfer.
  FakeSender H;
  Client Small("web", std::make_unique<HttpClientTransport>(
                          Exec, HttpEndpoint{"http://h/mcp", {}}, H, 1024));
  std::vector<CallOutcome> Got;
  Small.callTool("echo", json::object(), [&](CallOutcome O) { Got.push_back(O); });
  ASSERT_EQ(H.Reqs.size(), 1u);
  const std::vector<llm::Header> Json = {{"content-type", "application/json"}};
  EXPECT_TRUE(H.Reqs[0].R.OnBody(Json, std::string(600, ' ')));
  EXPECT_FALSE(H.Reqs[0].R.OnBody(Json, std::string(600, ' ')));
  EXPECT_FALSE(H.Reqs[0].R.OnBody(Json, "more"));
  H.Reqs[0].D(llvm::make_error<llm::TransportError>(llm::TransportFailure::Other,
                                                    "Failure writing received data"));
  Exec.runUntil([] { return false; });
  ASSERT_EQ(Got.size(), 1u);
  EXPECT_EQ(Got[0].K, CallOutcome::Lost);
  EXPECT_EQ(Got[0].Error, "MCP server `web` sent an answer over 1024 bytes");

  // Whole, from a sender that does not stream: the same.
  FakeSender H2;
  Client Whole("web", std::make_unique<HttpClientTransport>(
                          Exec, HttpEndpoint{"http://h/mcp", {}}, H2, 1024));
  Got.clear();
  Whole.callTool("echo", json::object(), [&](CallOutcome O) { Got.push_back(O); });
  H2.Reqs[0].D(sseAnswer("data: " + std::string(2000, 'x') + "\n\n"));
  Exec.runUntil([] { return false; });
  ASSERT_EQ(Got.size(), 1u);
  EXPECT_EQ(Got[0].Error, "MCP server `web` sent an answer over 1024 bytes");
}

TEST(McpAnswerReader, SseByteByByteAndBoundedMemory) {
  const AnswerReader::Headers Sse = {
      {"Content-Type", " text/event-stream; charset=utf-8"}};
  AnswerReader R(64);
  std::vector<std::string> Out;
  std::string Body = ": hi\r\ndata: a\r\ndata: b\r\n\r\nevent: x\ndata: c\n\n";
  for (char Ch : Body) {
    ASSERT_TRUE(R.feed(Sse, llvm::StringRef(&Ch, 1), Out));
    EXPECT_LE(R.held(), 64u);
  }
  ASSERT_EQ(Out.size(), 2u);
  EXPECT_EQ(Out[0], "a\nb");
  EXPECT_EQ(Out[1], "c");
  // Ten thousand small events never add up: each is handed on.
  Out.clear();
  for (int I = 0; I < 10000; ++I) ASSERT_TRUE(R.feed(Sse, "data: 12345678\n\n", Out));
  EXPECT_EQ(Out.size(), 10000u);
  EXPECT_EQ(R.held(), 0u);
  // One endless event (or line) does.
  for (int I = 0; I < 10 && !R.over(); ++I) R.feed(Sse, "data: 0123456789\n", Out);
  EXPECT_TRUE(R.over());
  EXPECT_EQ(R.held(), 0u);
  EXPECT_FALSE(R.feed(Sse, "\n", Out));
  EXPECT_EQ(Out.size(), 10000u);
}

TEST(McpAnswerReader, SseCrLineEndsAndByteOrderMark) {
  const AnswerReader::Headers Sse = {{"content-type", "text/event-stream"}};
  auto Read = [&](std::vector<std::string> Pieces) {
    AnswerReader R(1 << 20);
    std::vector<std::string> Out;
    for (const std::string &P : Pieces) EXPECT_TRUE(R.feed(Sse, P, Out));
    R.finish(Out);
    return Out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(Read({"\xEF\xBB\xBF"
                  "data: {\"a\":1}\n\n"}),
            V{"{\"a\":1}"});
  EXPECT_EQ(Read({"\xEF", "\xBB",
                  "\xBF"
                  "data: x\n\n"}),
            V{"x"});
  EXPECT_EQ(Read({"data: x\r\rdata: y\r\r"}), (V{"x", "y"}));
  EXPECT_EQ(Read({"data: x\r\n\r\n"}), V{"x"});
  // A CR at the end of a piece and a LF at the start of the next: one end.
  EXPECT_EQ(Read({"data: x\r", "\ndata: y\r", "\n\r", "\n"}), V{"x\ny"});
  // Only one mark, and only at the start.
  EXPECT_EQ(Read({"data: x\n\n\xEF\xBB\xBF"
                  "data: y\n\n"}),
            V{"x"});
}

TEST(McpAnswerReader, JsonBodyKeptToItsEnd) {
  AnswerReader R(16);
  std::vector<std::string> Out;
  ASSERT_TRUE(R.feed({}, "{\"a\":", Out));
  ASSERT_TRUE(R.feed({}, "1}", Out));
  EXPECT_TRUE(Out.empty());
  R.finish(Out);
  ASSERT_EQ(Out.size(), 1u);
  EXPECT_EQ(Out[0], "{\"a\":1}");
  AnswerReader Big(16);
  EXPECT_FALSE(Big.feed({}, std::string(17, ' '), Out));
  Big.finish(Out);
  EXPECT_EQ(Out.size(), 1u);  // nothing from an answer over the limit
}

// One event as large as the answer limit passes the backlog bound when
// nothing waits; a second one while it waits does not (review: an idle
// loop refused any event over the 8 MiB backlog bound).
TEST(McpAnswerReader, BacklogAdmitsOneLargeEventWhenNothingWaits) {
  AnswerReader R(64, 8);
  EXPECT_TRUE(R.queue(40));
  EXPECT_FALSE(R.backlogged());
  EXPECT_FALSE(R.queue(1));
  EXPECT_TRUE(R.backlogged());
  EXPECT_EQ(R.queued(), 40u);
  R.handled(40);
  EXPECT_EQ(R.queued(), 0u);
}

TEST(McpResponseMessages, JsonBodiesAndSse) {
  EXPECT_EQ(
      responseMessages(jsonAnswer(json::array({json{{"id", 1}}, 2, json{{"id", 3}}})))
          .size(),
      2u);
  EXPECT_TRUE(responseMessages(llm::HttpResponse{200, {}, "not json"}).empty());
  EXPECT_TRUE(responseMessages(llm::HttpResponse{202, {}, ""}).empty());
  // Event fields other than data, an event without data, a value that is
  // not JSON, and an event cut off before its blank line.
  std::vector<json> M = responseMessages(sseAnswer(
      "retry: 10\n\nevent: x\ndata:{\"a\":1}\n\ndata: nope\n\ndata: {\"b\":2}"));
  ASSERT_EQ(M.size(), 1u);
  EXPECT_EQ(M[0]["a"], 1);
}

}  // namespace
}  // namespace orch::runtime::mcp
