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
  uint64_t Id = NextId++;
  if (Dead) {
    Done({CallOutcome::Lost, nullptr, fmt::format("MCP server `{}` is gone", Name)});
    return Id;
  }
  Pending &P = Calls[Id];
  P.Tool = Tool;
  P.Args = std::move(Args);
  P.Done = std::move(Done);
  if (!Started) {
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
      return Id;
    }
    InitId = NextId++;
    send(json{{"jsonrpc", "2.0"},
              {"id", InitId},
              {"method", "initialize"},
              {"params",
               {{"protocolVersion", Revision},
                {"capabilities", json::object()},
                {"clientInfo", {{"name", "orchrt"}, {"version", "1"}}}}}});
    return Id;
  }
  if (Ready) sendCall(Id, P);
  return Id;
}

bool Client::speaks(llvm::StringRef V) {
  return V == "2025-11-25" || V == "2025-06-18" || V == "2025-03-26";
}

void Client::sendCall(uint64_t Id, Pending &P) {
  P.Sent = true;
  json Params = {{"name", P.Tool}};
  Params["arguments"] = P.Args.is_object() ? std::move(P.Args) : json::object();
  send(
      json{{"jsonrpc", "2.0"}, {"id", Id}, {"method", "tools/call"}, {"params", Params}});
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
    send(notificationMessage("notifications/initialized", json::object()));
    for (auto &[CId, P] : Calls)
      if (!P.Sent) sendCall(CId, P);
    return;
  }
  auto It = Calls.find(N);
  if (It == Calls.end() || !It->second.Sent) return;  // cancelled, or not ours
  CallDone Done = std::move(It->second.Done);
  Calls.erase(It);
  if (auto R = Msg.find("result"); R != Msg.end() && R->is_object())
    return Done({CallOutcome::Result, *R, ""});
  std::string Why = "no result";
  if (auto E = Msg.find("error"); E != Msg.end() && E->is_object())
    Why = fmt::format("{} (JSON-RPC error {})",
                      E->value("message", std::string("no message")),
                      E->value("code", json(0)).dump());
  Done({CallOutcome::RpcError, nullptr, Why});
}

}  // namespace orch::runtime::mcp
