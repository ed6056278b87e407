//===- McpServerTest.cpp - JSON-RPC framing and the MCP server core -------===//
//
// The server is driven line by line with an in-memory sink and fake tools:
// the handshake and version negotiation, the tools methods, and hostile
// input (garbage, wrong types, batches, deep nesting, overlong lines),
// which must always be answered and never crash.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <stdexcept>

#include "runtime/mcp/JsonRpc.h"
#include "runtime/mcp/LineReader.h"
#include "runtime/mcp/Server.h"

using json = orch::ir::Json;
using namespace orch::runtime::mcp;

namespace {

/// Keeps every line the server sends, parsed.
class VectorSink : public MessageSink {
 public:
  void send(const std::string &Line) override {
    EXPECT_EQ(Line.find('\n'), std::string::npos);
    Sent.push_back(json::parse(Line));
  }
  std::vector<json> Sent;
};

/// `shout`: upper-cases `text`; a missing `text` is a tool error; `boom`
/// throws (a bug inside a tool); reports two progress steps.
class FakeTool : public Tool {
 public:
  FakeTool() {
    Def = {{"name", "shout"},
           {"description", "Upper-cases text"},
           {"inputSchema",
            {{"type", "object"},
             {"properties", {{"text", {{"type", "string"}}}}},
             {"required", {"text"}}}}};
  }
  const json &definition() const override { return Def; }
  ToolResult call(const json &Args, const CallContext &Ctx) override {
    const ProgressFn &Progress = Ctx.Progress;
    ++Calls;
    if (Args.contains("boom")) throw std::runtime_error("boom");
    if (Args.contains("wait")) {
      // A long run: polls the input until it says stop.
      while (Ctx.OnInput) {
        InputEvent E = Ctx.OnInput();
        if (E == InputEvent::Cancel) return {nullptr, "cancelled", true, true};
        if (E == InputEvent::Closed) return {{{"text", "ran to its end"}}, "end", false};
      }
      return {nullptr, "no input to watch", true};
    }
    if (!Args.contains("text") || !Args["text"].is_string())
      return {nullptr, "invalid arguments: `text` must be a string", true};
    if (Progress) {
      Progress(1, 2, "half");
      Progress(2, 2, "done");
    }
    std::string T = Args["text"];
    for (char &C : T) C = static_cast<char>(toupper(C));
    return {{{"text", T}}, T, false};
  }
  json Def;
  int Calls = 0;
};

/// Input that arrives during a call, one chunk of lines a read.
class FakeInput : public InputSource {
 public:
  int fd() const override { return 99; }
  size_t limit() const override { return 1 << 20; }
  bool readAvailable(const std::function<void(llvm::StringRef)> &OnLine,
                     const std::function<void()> &OnOverlong) override {
    if (Chunks.empty()) return false;
    for (const std::string &L : Chunks.front()) {
      if (L == "OVERLONG")
        OnOverlong();
      else
        OnLine(L);
    }
    Chunks.erase(Chunks.begin());
    return true;
  }
  std::vector<std::vector<std::string>> Chunks;
};

struct Harness {
  Harness() {
    std::vector<std::unique_ptr<Tool>> Tools;
    auto T = std::make_unique<FakeTool>();
    Fake = T.get();
    Tools.push_back(std::move(T));
    S = std::make_unique<Server>(std::move(Tools), ServerInfo{"orchrt", "9"}, Sink, Log);
  }
  /// Sends \p Line; returns what came back (zero or more messages).
  std::vector<json> send(const std::string &Line) {
    Sink.Sent.clear();
    S->handleLine(Line);
    return Sink.Sent;
  }
  json one(const std::string &Line) {
    std::vector<json> R = send(Line);
    EXPECT_EQ(R.size(), 1u) << Line;
    return R.empty() ? json() : R.back();
  }
  json init(const std::string &Version = "2025-11-25") {
    json R = one(json{{"jsonrpc", "2.0"},
                      {"id", 1},
                      {"method", "initialize"},
                      {"params",
                       {{"protocolVersion", Version},
                        {"capabilities", json::object()},
                        {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}}
                     .dump());
    EXPECT_TRUE(
        send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").empty());
    return R;
  }
  json call(const json &Params, int Id = 7) {
    return one(
        json{{"jsonrpc", "2.0"}, {"id", Id}, {"method", "tools/call"}, {"params", Params}}
            .dump());
  }

  VectorSink Sink;
  std::string LogText;
  llvm::raw_string_ostream Log{LogText};
  FakeTool *Fake = nullptr;
  std::unique_ptr<Server> S;
};

int code(const json &Reply) { return Reply.at("error").at("code").get<int>(); }

}  // namespace

// --- framing -------------------------------------------------------------

TEST(JsonRpc, ClassifiesRequestsNotificationsAndResponses) {
  RpcError E;
  json Id;
  auto R =
      classifyMessage(json::parse(R"({"jsonrpc":"2.0","id":"a","method":"m"})"), E, Id);
  ASSERT_TRUE(R);
  EXPECT_EQ(R->K, RpcMessage::Request);
  EXPECT_EQ(R->Id, "a");
  auto N = classifyMessage(json::parse(R"({"jsonrpc":"2.0","method":"n","params":{}})"),
                           E, Id);
  ASSERT_TRUE(N);
  EXPECT_EQ(N->K, RpcMessage::Notification);
  auto Resp =
      classifyMessage(json::parse(R"({"jsonrpc":"2.0","id":3,"result":{}})"), E, Id);
  ASSERT_TRUE(Resp);
  EXPECT_EQ(Resp->K, RpcMessage::Response);
}

TEST(JsonRpc, RejectsWrongTypes) {
  struct Case {
    const char *Text;
    int Code;
    json Id;
  };
  const Case Cases[] = {
      {"42", InvalidRequest, nullptr},
      {R"("x")", InvalidRequest, nullptr},
      {R"({"id":1,"method":"m"})", InvalidRequest, 1},
      {R"({"jsonrpc":"1.0","id":1,"method":"m"})", InvalidRequest, 1},
      {R"({"jsonrpc":2.0,"id":1,"method":"m"})", InvalidRequest, 1},
      {R"({"jsonrpc":"2.0","id":null,"method":"m"})", InvalidRequest, nullptr},
      {R"({"jsonrpc":"2.0","id":1.5,"method":"m"})", InvalidRequest, nullptr},
      {R"({"jsonrpc":"2.0","id":true,"method":"m"})", InvalidRequest, nullptr},
      {R"({"jsonrpc":"2.0","id":{"a":1},"method":"m"})", InvalidRequest, nullptr},
      {R"({"jsonrpc":"2.0","id":1,"method":7})", InvalidRequest, 1},
      {R"({"jsonrpc":"2.0","id":1})", InvalidRequest, 1},
      {R"({"jsonrpc":"2.0","id":1,"method":"m","params":"x"})", InvalidRequest, 1},
      {R"({"jsonrpc":"2.0","id":1,"method":"m","params":[1]})", InvalidParams, 1},
  };
  for (const Case &C : Cases) {
    RpcError E;
    json Id = "unset";
    EXPECT_FALSE(classifyMessage(json::parse(C.Text), E, Id)) << C.Text;
    EXPECT_EQ(E.Code, C.Code) << C.Text;
    EXPECT_EQ(Id, C.Id) << C.Text;
    EXPECT_FALSE(E.Message.empty());
  }
}

TEST(JsonRpc, MessageTextSortsKeysAtEveryDepth) {
  json V = json::object();
  V["zeta"] = 1.5;
  V["alpha"] = json::array({json{{"b", 2}, {"a", "x\ny"}}, nullptr, true});
  V["mid"] = std::string("bad \xff byte");
  V["\xc3\xa9"] = -3;
  // The same text as nlohmann's std::map-ordered json, without the copy.
  EXPECT_EQ(messageText(V),
            nlohmann::json(V).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  EXPECT_EQ(messageText(V),
            "{\"alpha\":[{\"a\":\"x\\ny\",\"b\":2},null,true],\"mid\":\"bad \xef\xbf\xbd "
            "byte\",\"zeta\":1.5,\"\xc3\xa9\":-3}");
  EXPECT_EQ(messageText(json::object()), "{}");
  EXPECT_EQ(messageText(json::array()), "[]");
}

TEST(LineReader, SplitsAcrossChunksAndDropsCarriageReturns) {
  LineReader R(100);
  std::vector<std::string> Lines;
  int Overlong = 0;
  auto On = [&](llvm::StringRef L) { Lines.push_back(L.str()); };
  auto Over = [&] { ++Overlong; };
  R.feed("{\"a\"", On, Over);
  R.feed(":1}\r\n\n  \n{\"b\":2}\n{\"c\"", On, Over);
  R.finish(On);
  EXPECT_EQ(Lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\""}));
  EXPECT_EQ(Overlong, 0);
}

TEST(LineReader, DropsAnOverlongLineWithoutHoldingIt) {
  // 100 MiB on one line, fed 64 KiB at a time, with a 1 MiB limit: reported
  // once, never buffered beyond the limit, and the next line still comes.
  const size_t Limit = size_t(1) << 20;
  LineReader R(Limit);
  std::vector<std::string> Lines;
  int Overlong = 0;
  size_t MaxHeld = 0;
  auto On = [&](llvm::StringRef L) { Lines.push_back(L.str()); };
  auto Over = [&] { ++Overlong; };
  std::string Chunk(size_t(64) << 10, 'x');
  for (int I = 0; I < 1600; ++I) {
    R.feed(Chunk, On, Over);
    MaxHeld = std::max(MaxHeld, R.buffered());
  }
  R.feed("yyy\n{\"ok\":1}\n", On, Over);
  EXPECT_EQ(Overlong, 1);
  EXPECT_LE(MaxHeld, Limit);
  EXPECT_EQ(Lines, (std::vector<std::string>{"{\"ok\":1}"}));
}

TEST(LineReader, ALineOfExactlyTheLimitPasses) {
  LineReader R(8);
  std::vector<std::string> Lines;
  int Overlong = 0;
  R.feed(
      "12345678\n123456789\nab\n", [&](llvm::StringRef L) { Lines.push_back(L.str()); },
      [&] { ++Overlong; });
  EXPECT_EQ(Lines, (std::vector<std::string>{"12345678", "ab"}));
  EXPECT_EQ(Overlong, 1);
}

// --- lifecycle -----------------------------------------------------------

TEST(McpServer, NegotiatesTheRevision) {
  const std::pair<const char *, const char *> Cases[] = {
      {"2025-11-25", "2025-11-25"}, {"2025-06-18", "2025-06-18"},
      {"2025-03-26", "2025-03-26"}, {"2024-11-05", "2025-11-25"},
      {"2026-07-28", "2025-11-25"}, {"not-a-date", "2025-11-25"},
  };
  for (auto [Asked, Given] : Cases) {
    Harness H;
    json R = H.init(Asked);
    EXPECT_EQ(R["id"], 1);
    EXPECT_EQ(R["result"]["protocolVersion"], Given) << Asked;
    EXPECT_EQ(R["result"]["serverInfo"]["name"], "orchrt");
    EXPECT_EQ(R["result"]["capabilities"]["tools"]["listChanged"], false);
    EXPECT_TRUE(H.S->clientReady());
  }
}

TEST(McpServer, InitializeNeedsAVersionAndHappensOnce) {
  Harness H;
  json Bad = H.one(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})");
  EXPECT_EQ(code(Bad), InvalidParams);
  EXPECT_TRUE(H.S->revision().empty());
  H.init();
  json Again = H.one(
      R"({"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"2025-06-18"}})");
  EXPECT_EQ(code(Again), InvalidRequest);
  EXPECT_EQ(H.S->revision(), "2025-11-25");
}

TEST(McpServer, RequestsBeforeInitializeAreRefusedButPingAnswers) {
  Harness H;
  json L = H.one(R"({"jsonrpc":"2.0","id":"l","method":"tools/list"})");
  EXPECT_EQ(code(L), InvalidRequest);
  EXPECT_EQ(L["id"], "l");
  json C = H.one(
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"shout"}})");
  EXPECT_EQ(code(C), InvalidRequest);
  EXPECT_EQ(H.Fake->Calls, 0);
  json P = H.one(R"({"jsonrpc":"2.0","id":3,"method":"ping"})");
  EXPECT_EQ(P["result"], json::object());
  // A notification before initialize is not answered.
  EXPECT_TRUE(
      H.send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").empty());
}

// --- hostile input -------------------------------------------------------

TEST(McpServer, GarbageIsAParseErrorWithNullId) {
  Harness H;
  for (const char *Line :
       {"garbage", "{", "{\"jsonrpc\":\"2.0\",", "\xff\xfe{}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"} trailing", "\"\xc3\x28\""}) {
    json R = H.one(Line);
    EXPECT_EQ(code(R), ParseError) << Line;
    EXPECT_TRUE(R["id"].is_null());
  }
  H.S->handleOverlong(16);
  EXPECT_EQ(code(H.Sink.Sent.back()), ParseError);
  // Still serving.
  EXPECT_EQ(H.init()["result"]["protocolVersion"], "2025-11-25");
}

TEST(McpServer, DeepNestingIsAnsweredNotACrash) {
  Harness H;
  H.init();
  std::string Deep = std::string(200000, '[') + std::string(200000, ']');
  EXPECT_EQ(code(H.one(Deep)), InvalidRequest);
  std::string Obj;
  for (int I = 0; I < 100000; ++I) Obj += "{\"a\":";
  Obj += "1" + std::string(100000, '}');
  EXPECT_EQ(code(H.one(Obj)), InvalidRequest);
}

TEST(McpServer, UnknownMethodsAndBrokenNotifications) {
  Harness H;
  H.init();
  json R = H.one(R"({"jsonrpc":"2.0","id":9,"method":"resources/list"})");
  EXPECT_EQ(code(R), MethodNotFound);
  EXPECT_EQ(R["id"], 9);
  EXPECT_TRUE(H.send(R"({"jsonrpc":"2.0","method":"no/such/notification"})").empty());
  EXPECT_TRUE(
      H.send(
           R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}})")
          .empty());
  // Responses to requests never sent are dropped.
  EXPECT_TRUE(H.send(R"({"jsonrpc":"2.0","id":4,"result":{}})").empty());
  // Without a readable id a broken message is answered with id null.
  json B = H.one(R"({"jsonrpc":"2.0","method":5})");
  EXPECT_EQ(code(B), InvalidRequest);
  EXPECT_TRUE(B["id"].is_null());
}

TEST(McpServer, BatchesOnlyIn20250326) {
  {
    Harness H;
    json Before = H.one(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])");
    EXPECT_EQ(code(Before), InvalidRequest);
    H.init("2025-06-18");
    json R = H.one(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])");
    EXPECT_EQ(code(R), InvalidRequest);
    EXPECT_TRUE(R["id"].is_null());
  }
  Harness H;
  H.init("2025-03-26");
  std::vector<json> R =
      H.send(R"([{"jsonrpc":"2.0","id":1,"method":"ping"},)"
             R"({"jsonrpc":"2.0","method":"notifications/initialized"},)"
             R"({"jsonrpc":"2.0","id":2,"method":"tools/list"}, 17])");
  ASSERT_EQ(R.size(), 1u);
  ASSERT_TRUE(R[0].is_array());
  ASSERT_EQ(R[0].size(), 3u);
  EXPECT_EQ(R[0][0]["id"], 1);
  EXPECT_EQ(R[0][1]["result"]["tools"][0]["name"], "shout");
  EXPECT_EQ(code(R[0][2]), InvalidRequest);
  EXPECT_EQ(code(H.one("[]")), InvalidRequest);
  std::vector<json> OnlyNotes =
      H.send(R"([{"jsonrpc":"2.0","method":"notifications/initialized"}])");
  EXPECT_TRUE(OnlyNotes.empty());
  json Init = H.one(
      R"([{"jsonrpc":"2.0","id":5,"method":"initialize","params":{"protocolVersion":"2025-03-26"}}])");
  EXPECT_EQ(code(Init[0]), InvalidRequest);
}

// --- tools ---------------------------------------------------------------

TEST(McpServer, ListsTools) {
  Harness H;
  H.init();
  json R = H.one(R"({"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}})");
  ASSERT_EQ(R["result"]["tools"].size(), 1u);
  EXPECT_EQ(R["result"]["tools"][0], H.Fake->Def);
  EXPECT_FALSE(R["result"].contains("nextCursor"));
}

TEST(McpServer, CallsAToolWithStructuredContentAndText) {
  Harness H;
  H.init();
  json R = H.call({{"name", "shout"}, {"arguments", {{"text", "hi"}}}});
  EXPECT_EQ(R["id"], 7);
  EXPECT_EQ(R["result"]["structuredContent"], json({{"text", "HI"}}));
  EXPECT_EQ(R["result"]["content"][0], json({{"type", "text"}, {"text", "HI"}}));
  EXPECT_EQ(R["result"]["isError"], false);
}

TEST(McpServer, ToolErrorsAreResultsProtocolErrorsAreNot) {
  Harness H;
  H.init();
  json Bad = H.call({{"name", "shout"}, {"arguments", {{"text", 3}}}});
  EXPECT_EQ(Bad["result"]["isError"], true);
  EXPECT_FALSE(Bad["result"].contains("structuredContent"));
  EXPECT_NE(Bad["result"]["content"][0]["text"].get<std::string>().find("`text`"),
            std::string::npos);
  EXPECT_EQ(code(H.call({{"name", "whisper"}})), InvalidParams);
  EXPECT_EQ(code(H.call({{"name", 5}})), InvalidParams);
  EXPECT_EQ(code(H.call({{"name", "shout"}, {"arguments", "text"}})), InvalidParams);
  EXPECT_EQ(code(H.call(json::object())), InvalidParams);
  // A tool that throws is an internal error, and the server goes on.
  EXPECT_EQ(code(H.call({{"name", "shout"}, {"arguments", {{"boom", 1}}}})),
            InternalError);
  EXPECT_NE(H.LogText.find("boom"), std::string::npos);
  EXPECT_EQ(
      H.call({{"name", "shout"},
              {"arguments", {{"text", "a"}}}})["result"]["structuredContent"]["text"],
      "A");
}

TEST(McpServer, ProgressOnlyWithAToken) {
  Harness H;
  H.init();
  std::vector<json> R = H.send(json{{"jsonrpc", "2.0"},
                                    {"id", 3},
                                    {"method", "tools/call"},
                                    {"params",
                                     {{"name", "shout"},
                                      {"arguments", {{"text", "x"}}},
                                      {"_meta", {{"progressToken", "tok"}}}}}}
                                   .dump());
  ASSERT_EQ(R.size(), 3u);
  EXPECT_EQ(R[0]["method"], "notifications/progress");
  EXPECT_EQ(R[0]["params"]["progressToken"], "tok");
  EXPECT_EQ(R[0]["params"]["progress"], 1.0);
  EXPECT_EQ(R[1]["params"]["total"], 2.0);
  EXPECT_EQ(R[2]["id"], 3);
  // Without a token: the result alone.
  std::vector<json> Plain =
      H.send(json{{"jsonrpc", "2.0"},
                  {"id", 4},
                  {"method", "tools/call"},
                  {"params", {{"name", "shout"}, {"arguments", {{"text", "x"}}}}}}
                 .dump());
  ASSERT_EQ(Plain.size(), 1u);
  EXPECT_EQ(Plain[0]["id"], 4);
}

TEST(McpServer, CancelledCallsGetNoAnswerAndLaterLinesKeepTheirOrder) {
  Harness H;
  H.init();
  FakeInput In;
  H.S->setInput(&In);
  In.Chunks = {
      {R"({"jsonrpc":"2.0","id":20,"method":"ping"})",
       R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":99}})"},
      {"OVERLONG",
       R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":8,"reason":"user"}})",
       R"({"jsonrpc":"2.0","id":21,"method":"ping"})"}};
  std::vector<json> R =
      H.send(json{{"jsonrpc", "2.0"},
                  {"id", 8},
                  {"method", "tools/call"},
                  {"params", {{"name", "shout"}, {"arguments", {{"wait", true}}}}}}
                 .dump());
  // No answer to 8; then, in order, the ping, the overlong line, the ping
  // (the cancel of an unknown id is a notification: ignored).
  ASSERT_EQ(R.size(), 3u);
  EXPECT_EQ(R[0]["id"], 20);
  EXPECT_EQ(code(R[1]), ParseError);
  EXPECT_EQ(R[2]["id"], 21);
  EXPECT_NE(H.LogText.find("request 8 cancelled by the client: user"), std::string::npos);
  // The end of input stops a call too.
  std::vector<json> Gone =
      H.send(json{{"jsonrpc", "2.0"},
                  {"id", 9},
                  {"method", "tools/call"},
                  {"params", {{"name", "shout"}, {"arguments", {{"wait", true}}}}}}
                 .dump());
  ASSERT_EQ(Gone.size(), 1u);
  EXPECT_EQ(Gone[0]["id"], 9);
  EXPECT_EQ(Gone[0]["result"]["structuredContent"]["text"], "ran to its end");
  H.S->setInput(nullptr);
}

// The stateless revision 2026-07-28: no handshake, the revision and the
// client capabilities in each request's `_meta`.
namespace {

json statelessMeta() {
  return {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
          {"io.modelcontextprotocol/clientCapabilities", json::object()}};
}

}  // namespace

TEST(McpStateless, DiscoverListsEveryRevision) {
  Harness H;
  json R = H.one(json{{"jsonrpc", "2.0"},
                      {"id", 1},
                      {"method", "server/discover"},
                      {"params", {{"_meta", statelessMeta()}}}}
                     .dump());
  EXPECT_EQ(R["result"]["supportedVersions"],
            json({"2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"}));
  EXPECT_EQ(R["result"]["resultType"], "complete");
  EXPECT_EQ(R["result"]["serverInfo"]["name"], "orchrt");
  EXPECT_EQ(R["result"]["capabilities"], json({{"tools", {{"listChanged", false}}}}));
}

TEST(McpStateless, RequestsNeedNoHandshake) {
  Harness H;
  json L = H.one(json{{"jsonrpc", "2.0"},
                      {"id", 2},
                      {"method", "tools/list"},
                      {"params", {{"_meta", statelessMeta()}}}}
                     .dump());
  EXPECT_EQ(L["result"]["tools"][0]["name"], "shout");
  EXPECT_EQ(L["result"]["resultType"], "complete");
  json C = H.call(
      {{"_meta", statelessMeta()}, {"name", "shout"}, {"arguments", {{"text", "a"}}}});
  EXPECT_EQ(C["result"]["structuredContent"]["text"], "A");
  EXPECT_EQ(C["result"]["resultType"], "complete");
  // Nothing was remembered: a request without `_meta` still needs a session.
  EXPECT_EQ(code(H.one(R"({"jsonrpc":"2.0","id":3,"method":"tools/list"})")), -32600);
  EXPECT_TRUE(H.S->revision().empty());
}

TEST(McpStateless, UnsupportedVersionListsTheSupportedOnes) {
  Harness H;
  for (json V : {json("2030-01-01"), json(5), json(nullptr)}) {
    json R = H.one(
        json{{"jsonrpc", "2.0"},
             {"id", 4},
             {"method", "tools/list"},
             {"params", {{"_meta", {{"io.modelcontextprotocol/protocolVersion", V}}}}}}
            .dump());
    EXPECT_EQ(code(R), -32022) << V;
    EXPECT_EQ(R["error"]["data"]["supported"][0], "2026-07-28");
    EXPECT_EQ(R["id"], 4);
  }
}

TEST(McpStateless, CapabilitiesMustBeAnObject) {
  Harness H;
  json Meta = statelessMeta();
  Meta["io.modelcontextprotocol/clientCapabilities"] = "all";
  EXPECT_EQ(code(H.one(json{{"jsonrpc", "2.0"},
                            {"id", 5},
                            {"method", "tools/list"},
                            {"params", {{"_meta", Meta}}}}
                           .dump())),
            -32602);
}

TEST(McpStateless, HandshakeRevisionInMetaUsesTheSession) {
  Harness H;
  json Meta = {{"io.modelcontextprotocol/protocolVersion", "2025-06-18"}};
  json Req = {{"jsonrpc", "2.0"},
              {"id", 6},
              {"method", "tools/list"},
              {"params", {{"_meta", Meta}}}};
  EXPECT_EQ(code(H.one(Req.dump())), -32600);
  H.init();
  json R = H.one(Req.dump());
  EXPECT_EQ(R["result"]["tools"].size(), 1u);
  EXPECT_FALSE(R["result"].contains("resultType"));
}

TEST(McpStateless, InitializeAskingForItGetsTheNewestHandshake) {
  Harness H;
  EXPECT_EQ(H.init("2026-07-28")["result"]["protocolVersion"], "2025-11-25");
}
