//===- Client.cpp - Calling the tools of one MCP server -------------------===//
#include "runtime/mcp/Client.h"

#include <fmt/format.h>

#include "runtime/mcp/JsonRpc.h"

namespace orch::runtime::mcp {

using json = orch::ir::Json;

Client::Client(std::string ServerName, std::unique_ptr<ClientTransport> T)
    : Name(std::move(ServerName)), T(std::move(T)) {}

Client::~Client() {
  *Alive = false;
  shutdown();
}

uint64_t Client::callTool(const std::string &Tool, json Args, CallDone Done) {
  json Params = {{"name", Tool}};
  Params["arguments"] = Args.is_object() ? std::move(Args) : json::object();
  return request("tools/call", std::move(Params), std::move(Done));
}

uint64_t Client::request(std::string Method, json Params, CallDone Done, bool FollowUp) {
  uint64_t Id = NextId++;
  if (Dead || (Closing && !FollowUp)) {
    Done({CallOutcome::Lost, nullptr, fmt::format("MCP server `{}` is gone", Name)});
    return Id;
  }
  Pending &P = Calls[Id];
  P.Method = std::move(Method);
  P.Params = std::move(Params);
  P.Done = std::move(Done);
  if (!Started) {
    start();
    return Id;
  }
  if (Ready) {
    if (P.Method.empty())
      answerReady();
    else
      sendCall(Id, P);
  }
  return Id;
}

bool Client::start() {
  Started = true;
  std::weak_ptr<bool> Live = Alive;
  std::string Why = T->start(
      [this, Live](llvm::StringRef Bytes) {
        if (auto L = Live.lock(); L && *L) onBytes(Bytes);
      },
      [this, Live](std::string Why) {
        if (auto L = Live.lock(); L && *L) {
          // A last line without a newline may still answer a call.
          Lines.finish([this](llvm::StringRef Line) { onLine(Line); });
          fail(fmt::format("MCP server `{}` {}", Name, Why));
        }
      });
  if (!Why.empty()) {
    fail(fmt::format("MCP server `{}` could not start: {}", Name, Why));
    return false;
  }
  InitId = NextId++;
  send(json{{"jsonrpc", "2.0"},
            {"id", InitId},
            {"method", "initialize"},
            {"params",
             {{"protocolVersion", Revision},
              {"capabilities", json::object()},
              {"clientInfo", {{"name", "orchrt"}, {"version", "1"}}}}}});
  return true;
}

void Client::answerReady() {
  // Done may end the run (and this client): take the calls out first.
  std::vector<CallDone> Waiting;
  for (auto It = Calls.begin(); It != Calls.end();)
    if (It->second.Method.empty()) {
      Waiting.push_back(std::move(It->second.Done));
      It = Calls.erase(It);
    } else {
      ++It;
    }
  std::weak_ptr<bool> Live = Alive;
  for (CallDone &D : Waiting) {
    D({CallOutcome::Result, InitResult, ""});
    if (Live.expired()) return;
  }
  closeIfIdle();
}

void Client::closeWhenIdle() {
  Closing = true;
  closeIfIdle();
}

void Client::closeIfIdle() {
  if (Closing && Calls.empty() && !Dead) shutdown();
}

bool Client::speaks(llvm::StringRef V) {
  return V == "2025-11-25" || V == "2025-06-18" || V == "2025-03-26";
}

void Client::sendCall(uint64_t Id, Pending &P) {
  P.Sent = true;
  send(json{{"jsonrpc", "2.0"},
            {"id", Id},
            {"method", P.Method},
            {"params", std::move(P.Params)}});
}

void Client::send(const json &Msg) {
  if (!Dead) T->send(messageText(Msg));
}

void Client::cancel(uint64_t Id) {
  auto It = Calls.find(Id);
  if (It == Calls.end()) return;
  bool Sent = It->second.Sent;
  Calls.erase(It);
  if (Sent && !Dead)
    send(
        notificationMessage("notifications/cancelled",
                            json{{"requestId", Id}, {"reason", "the step was stopped"}}));
  closeIfIdle();
}

void Client::shutdown() {
  Calls.clear();
  if (Started && !Dead) T->close();
  Dead = true;
}

void Client::fail(const std::string &Why) {
  if (Dead) return;
  Dead = true;
  T->close();
  // Done may end the run (and this client): take the calls out first.
  std::map<uint64_t, Pending> Failed;
  Failed.swap(Calls);
  std::weak_ptr<bool> Live = Alive;
  for (auto &[Id, P] : Failed) {
    P.Done({CallOutcome::Lost, nullptr, Why});
    if (Live.expired()) return;
  }
}

void Client::onBytes(llvm::StringRef Bytes) {
  std::weak_ptr<bool> Live = Alive;
  Lines.feed(
      Bytes,
      [this, Live](llvm::StringRef Line) {
        if (!Live.expired() && !Dead) onLine(Line);
      },
      [this, Live] {
        if (!Live.expired())
          fail(fmt::format("MCP server `{}` sent a line over {} MiB", Name,
                           MaxLine >> 20));
      });
}

void Client::onLine(llvm::StringRef Line) {
  json Msg = json::parse(Line, nullptr, false);
  // Not JSON (a stray log line on stdout), or a batch: not an answer to us.
  if (!Msg.is_object()) return;
  RpcError Err;
  json ErrId;
  std::optional<RpcMessage> M = classifyMessage(Msg, Err, ErrId);
  if (!M) return;
  if (M->K == RpcMessage::Request) {
    // The server asks something of us: answer `ping`, refuse the rest
    // (no roots, no sampling, no elicitation).
    if (M->Method == "ping")
      send(resultMessage(M->Id, json::object()));
    else
      send(errorMessage(
          M->Id, RpcError(MethodNotFound, "orchrt does not offer `" + M->Method + "`")));
    return;
  }
  if (M->K == RpcMessage::Response) onAnswer(Msg);
}

void Client::onAnswer(const json &Msg) {
  auto Id = Msg.find("id");
  if (Id == Msg.end() || !Id->is_number_unsigned()) return;  // ours are small integers
  uint64_t N = Id->get<uint64_t>();
  if (N == InitId && !Ready) {
    if (!Msg.contains("result") || !Msg["result"].is_object()) {
      std::string Why = "refused `initialize`";
      if (auto E = Msg.find("error"); E != Msg.end() && E->is_object())
        Why += ": " + E->value("message", std::string("no message"));
      fail(fmt::format("MCP server `{}` {}", Name, Why));
      return;
    }
    const json &Res = Msg["result"];
    std::string V = Res.value("protocolVersion", json()).is_string()
                        ? Res["protocolVersion"].get<std::string>()
                        : std::string("none");
    if (!speaks(V)) {
      fail(
          fmt::format("MCP server `{}` answered `initialize` with protocol revision "
                      "`{}`, which orchrt does not speak",
                      Name, V));
      return;
    }
    Ready = true;
    InitResult = Res;
    send(notificationMessage("notifications/initialized", json::object()));
    for (auto &[CId, P] : Calls)
      if (!P.Sent && !P.Method.empty()) sendCall(CId, P);
    answerReady();
    return;
  }
  auto It = Calls.find(N);
  if (It == Calls.end() || !It->second.Sent) return;  // cancelled, or not ours
  CallDone Done = std::move(It->second.Done);
  Calls.erase(It);
  CallOutcome O{CallOutcome::RpcError, nullptr, "no result"};
  if (auto R = Msg.find("result"); R != Msg.end() && R->is_object()) {
    O = {CallOutcome::Result, *R, ""};
  } else if (auto E = Msg.find("error"); E != Msg.end() && E->is_object()) {
    O.Error = fmt::format("{} (JSON-RPC error {})",
                          E->value("message", std::string("no message")),
                          E->value("code", json(0)).dump());
  }
  // Done may end the run (and this client).
  std::weak_ptr<bool> Live = Alive;
  Done(std::move(O));
  if (!Live.expired()) closeIfIdle();
}

}  // namespace orch::runtime::mcp
