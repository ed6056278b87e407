//===- McpClientTest.cpp - The MCP client against a fake transport --------===//
//
// The transport is a fake: the test reads what the client sent and plays
// the server, hostile answers included (garbage, wrong ids, huge lines, an
// answer that never comes, a connection that ends mid-call).
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "runtime/actions/McpSteps.h"
#include "runtime/mcp/Client.h"

namespace orch::runtime::mcp {
namespace {

using json = orch::ir::Json;

struct FakeWire {
  std::vector<json> Sent;
  std::function<void(llvm::StringRef)> Bytes;
  ClientTransport::ClosedFn Closed;
  std::string StartError;
  int Starts = 0, Closes = 0;
};

class FakeTransport : public ClientTransport {
 public:
  explicit FakeTransport(FakeWire &W) : W(W) {}
  std::string start(std::function<void(llvm::StringRef)> OnBytes,
                    ClosedFn OnClosed) override {
    ++W.Starts;
    W.Bytes = std::move(OnBytes);
    W.Closed = std::move(OnClosed);
    return W.StartError;
  }
  void send(const std::string &Line) override { W.Sent.push_back(json::parse(Line)); }
  void close() override { ++W.Closes; }

 private:
  FakeWire &W;
};

class McpClientTest : public ::testing::Test {
 protected:
  McpClientTest() : C("srv", std::make_unique<FakeTransport>(W)) {}

  /// Starts a call and answers `initialize`.
  uint64_t callReady(const std::string &Tool = "echo") {
    uint64_t Id = C.callTool(Tool, json{{"text", "hi"}}, record());
    EXPECT_EQ(W.Sent.at(0)["method"], "initialize");
    feed(json{{"jsonrpc", "2.0"},
              {"id", W.Sent[0]["id"]},
              {"result", {{"protocolVersion", "2025-06-18"}}}});
    return Id;
  }
  Client::CallDone record() {
    return [this](CallOutcome O) { Outcomes.push_back(std::move(O)); };
  }
  void feed(const json &Msg) { W.Bytes(Msg.dump() + "\n"); }
  json answer(uint64_t Id, json Result) {
    return json{{"jsonrpc", "2.0"}, {"id", Id}, {"result", std::move(Result)}};
  }

  FakeWire W;
  Client C;
  std::vector<CallOutcome> Outcomes;
};

TEST_F(McpClientTest, HandshakeThenCall) {
  uint64_t Id = callReady();
  ASSERT_EQ(W.Sent.size(), 3u);
  EXPECT_EQ(W.Sent[0]["params"]["protocolVersion"], Client::Revision);
  EXPECT_EQ(W.Sent[1]["method"], "notifications/initialized");
  EXPECT_EQ(W.Sent[2]["method"], "tools/call");
  EXPECT_EQ(W.Sent[2]["params"]["name"], "echo");
  EXPECT_EQ(W.Sent[2]["params"]["arguments"]["text"], "hi");
  EXPECT_EQ(W.Sent[2]["id"], Id);
  feed(answer(Id, json{{"content", json::array()}}));
  ASSERT_EQ(Outcomes.size(), 1u);
  EXPECT_EQ(Outcomes[0].K, CallOutcome::Result);
  // A second call goes out at once, without another handshake.
  C.callTool("echo", json::object(), record());
  EXPECT_EQ(W.Starts, 1);
  EXPECT_EQ(W.Sent.back()["method"], "tools/call");
}

TEST_F(McpClientTest, IgnoresGarbageAndWrongIds) {
  uint64_t Id = callReady();
  W.Bytes("not json\n[1,2]\n{\"jsonrpc\":\"2.0\"}\n\n");
  feed(answer(Id + 100, json::object()));
  feed(json{{"jsonrpc", "2.0"}, {"id", "x"}, {"result", json::object()}});
  feed(json{{"jsonrpc", "2.0"}, {"id", -1}, {"result", json::object()}});
  feed(json{{"jsonrpc", "2.0"}, {"method", "notifications/message"}});
  EXPECT_TRUE(Outcomes.empty());
  EXPECT_FALSE(C.dead());
  // An answer split across reads still arrives.
  std::string Text = answer(Id, json{{"isError", false}}).dump() + "\n";
  W.Bytes(llvm::StringRef(Text).take_front(7));
  W.Bytes(llvm::StringRef(Text).drop_front(7));
  ASSERT_EQ(Outcomes.size(), 1u);
  EXPECT_EQ(Outcomes[0].Value["isError"], false);
}

TEST_F(McpClientTest, AnswersPingRefusesOtherRequests) {
  callReady();
  size_t Before = W.Sent.size();
  feed(json{{"jsonrpc", "2.0"}, {"id", 7}, {"method", "ping"}});
  feed(json{{"jsonrpc", "2.0"}, {"id", 8}, {"method", "sampling/createMessage"}});
  ASSERT_EQ(W.Sent.size(), Before + 2);
  EXPECT_EQ(W.Sent[Before]["id"], 7);
  EXPECT_TRUE(W.Sent[Before]["result"].is_object());
  EXPECT_EQ(W.Sent[Before + 1]["error"]["code"], -32601);
}

TEST_F(McpClientTest, RpcErrorFailsTheCall) {
  uint64_t Id = callReady();
  feed(json{{"jsonrpc", "2.0"},
            {"id", Id},
            {"error", {{"code", -32602}, {"message", "unknown tool"}}}});
  ASSERT_EQ(Outcomes.size(), 1u);
  EXPECT_EQ(Outcomes[0].K, CallOutcome::RpcError);
  EXPECT_EQ(Outcomes[0].Error, "unknown tool (JSON-RPC error -32602)");
  EXPECT_FALSE(C.dead());
}

TEST_F(McpClientTest, CancelTellsTheServerAndDropsTheAnswer) {
  uint64_t Id = callReady();
  C.cancel(Id);
  EXPECT_EQ(W.Sent.back()["method"], "notifications/cancelled");
  EXPECT_EQ(W.Sent.back()["params"]["requestId"], Id);
  feed(answer(Id, json::object()));  // too late: nobody waits for it
  EXPECT_TRUE(Outcomes.empty());
}

TEST_F(McpClientTest, ConnectionEndFailsEveryCallInFlight) {
  callReady();
  C.callTool("other", json::object(), record());
  W.Closed("exited with status 3");
  ASSERT_EQ(Outcomes.size(), 2u);
  for (const CallOutcome &O : Outcomes) {
    EXPECT_EQ(O.K, CallOutcome::Lost);
    EXPECT_EQ(O.Error, "MCP server `srv` exited with status 3");
  }
  EXPECT_TRUE(C.dead());
  C.callTool("again", json::object(), record());
  ASSERT_EQ(Outcomes.size(), 3u);
  EXPECT_EQ(Outcomes[2].K, CallOutcome::Lost);
}

TEST_F(McpClientTest, HugeLineBreaksTheConnection) {
  callReady();
  std::string Chunk(1 << 20, 'x');
  for (size_t I = 0; I <= Client::MaxLine >> 20 && Outcomes.empty(); ++I) W.Bytes(Chunk);
  ASSERT_EQ(Outcomes.size(), 1u);
  EXPECT_EQ(Outcomes[0].K, CallOutcome::Lost);
  EXPECT_NE(Outcomes[0].Error.find("a line over 64 MiB"), std::string::npos);
  EXPECT_TRUE(C.dead());
  EXPECT_GE(W.Closes, 1);
}

TEST_F(McpClientTest, RefusedInitializeFailsTheCalls) {
  C.callTool("echo", json::object(), record());
  feed(json{{"jsonrpc", "2.0"},
            {"id", W.Sent[0]["id"]},
            {"error", {{"code", -32602}, {"message", "unsupported version"}}}});
  ASSERT_EQ(Outcomes.size(), 1u);
  EXPECT_EQ(Outcomes[0].Error,
            "MCP server `srv` refused `initialize`: unsupported version");
}

TEST_F(McpClientTest, UnknownRevisionFailsTheCalls) {
  C.callTool("echo", json::object(), record());
  feed(json{{"jsonrpc", "2.0"},
            {"id", W.Sent[0]["id"]},
            {"result", {{"protocolVersion", "2024-11-05"}}}});
  ASSERT_EQ(Outcomes.size(), 1u);
  EXPECT_EQ(Outcomes[0].Error,
            "MCP server `srv` answered `initialize` with protocol revision "
            "`2024-11-05`, which orchrt does not speak");
  EXPECT_TRUE(C.dead());
}

TEST_F(McpClientTest, NoAnswerLeavesTheCallToItsTimeout) {
  uint64_t Id = callReady();
  EXPECT_TRUE(Outcomes.empty());  // the step's timeout cancels it
  C.cancel(Id);
  C.shutdown();
  EXPECT_TRUE(Outcomes.empty());
  EXPECT_EQ(W.Closes, 1);
}

TEST(McpClientStart, TransportThatCannotStart) {
  FakeWire W;
  W.StartError = "`nope` is not on orchrt's PATH";
  Client C("srv", std::make_unique<FakeTransport>(W));
  std::optional<CallOutcome> Got;
  C.callTool("echo", json::object(), [&](CallOutcome O) { Got = std::move(O); });
  ASSERT_TRUE(Got);
  EXPECT_EQ(Got->Error,
            "MCP server `srv` could not start: `nope` is not on orchrt's PATH");
}

TEST(McpToolResult, Fields) {
  ActionResult R = mcpToolResult(json::parse(
      R"({"content":[{"type":"text","text":"a"},{"type":"image","data":""},{"type":"text","text":"b"}],
          "structuredContent":{"sum":5,"status":"x"}})"));
  ASSERT_TRUE(R.Ok);
  EXPECT_EQ(R.Fields["output"], "a\nb");
  EXPECT_EQ(R.Fields["sum"], 5);
  EXPECT_FALSE(R.Fields.contains("status"));  // the scheduler's own field
  EXPECT_EQ(R.Fields["structured"]["status"], "x");
  ActionResult E = mcpToolResult(json::parse(R"({"content":[],"isError":true})"));
  EXPECT_FALSE(E.Ok);
  EXPECT_EQ(E.Error, "the tool reported an error");
}

TEST_F(McpClientTest, ReadyWaitAnswersInitialize) {
  // An empty method sends nothing: it waits for `initialize`'s answer.
  C.request("", nullptr, record());
  EXPECT_TRUE(Outcomes.empty());
  feed(json{{"jsonrpc", "2.0"},
            {"id", W.Sent.at(0)["id"]},
            {"result",
             {{"protocolVersion", "2025-06-18"},
              {"capabilities", {{"tools", json::object()}}}}}});
  ASSERT_EQ(Outcomes.size(), 1u);
  EXPECT_EQ(Outcomes[0].K, CallOutcome::Result);
  EXPECT_EQ(Outcomes[0].Value["capabilities"], json({{"tools", json::object()}}));
  ASSERT_EQ(W.Sent.size(), 2u);  // initialize, initialized: nothing else
  // Once ready, it answers at once.
  C.request("", nullptr, record());
  ASSERT_EQ(Outcomes.size(), 2u);
  EXPECT_EQ(Outcomes[1].Value["protocolVersion"], "2025-06-18");
}

TEST_F(McpClientTest, RequestSendsMethod) {
  callReady();
  C.request("tools/list", json{{"cursor", "p2"}}, record());
  ASSERT_EQ(W.Sent.size(), 4u);
  EXPECT_EQ(W.Sent[3]["method"], "tools/list");
  EXPECT_EQ(W.Sent[3]["params"]["cursor"], "p2");
  feed(answer(W.Sent[3]["id"].get<uint64_t>(), json{{"tools", json::array()}}));
  ASSERT_EQ(Outcomes.size(), 1u);
  EXPECT_EQ(Outcomes[0].Value["tools"], json::array());
}

TEST_F(McpClientTest, CloseWhenIdleWaitsForCallsInFlight) {
  callReady();
  C.closeWhenIdle();
  EXPECT_EQ(W.Closes, 0);  // the call in flight is answered first
  EXPECT_FALSE(C.dead());
  // A new call is refused at once, never left waiting.
  std::optional<CallOutcome> Late;
  C.callTool("echo", json::object(), [&](CallOutcome O) { Late = std::move(O); });
  ASSERT_TRUE(Late);
  EXPECT_EQ(Late->K, CallOutcome::Lost);
  feed(answer(W.Sent.at(2)["id"].get<uint64_t>(), json{{"content", json::array()}}));
  ASSERT_EQ(Outcomes.size(), 1u);
  EXPECT_EQ(Outcomes[0].K, CallOutcome::Result);
  EXPECT_EQ(W.Closes, 1);
  EXPECT_TRUE(C.dead());
}

TEST_F(McpClientTest, FollowUpWhileClosing) {
  // A listing's next page still goes out after closeWhenIdle().
  callReady();
  C.closeWhenIdle();
  C.request("tools/list", json{{"cursor", "p2"}}, record(), /*FollowUp=*/true);
  ASSERT_EQ(W.Sent.size(), 4u);
  EXPECT_EQ(W.Sent[3]["method"], "tools/list");
  C.request("tools/list", json::object(), record());  // a new request is not
  ASSERT_EQ(Outcomes.size(), 1u);
  EXPECT_EQ(Outcomes[0].K, CallOutcome::Lost);
}

TEST_F(McpClientTest, CloseWhenIdleAfterCancel) {
  uint64_t Id = callReady();
  C.closeWhenIdle();
  C.cancel(Id);
  EXPECT_EQ(W.Closes, 1);
  EXPECT_TRUE(Outcomes.empty());
}

}  // namespace
}  // namespace orch::runtime::mcp
