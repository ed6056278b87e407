//===- Server.cpp - MCP's lifecycle and tools methods ---------------------===//
#include "runtime/mcp/Server.h"

#include <fmt/format.h>

#include <exception>

namespace orch::runtime::mcp {

using json = orch::ir::Json;

namespace {

/// The revision whose JSON-RPC still allows batch arrays.
constexpr llvm::StringLiteral BatchRevision = "2025-03-26";

using Handler = json (Server::*)(const json &, RpcError &);

}  // namespace

Server::Server(std::vector<std::shared_ptr<Tool>> Tools, ServerInfo Info,
               MessageSink &Out, llvm::raw_ostream &Log)
    : Tools(std::move(Tools)), Info(std::move(Info)), Out(Out), Log(Log) {}

Server::Server(std::vector<std::unique_ptr<Tool>> Owned, ServerInfo Info,
               MessageSink &Out, llvm::raw_ostream &Log)
    : Info(std::move(Info)), Out(Out), Log(Log) {
  for (auto &T : Owned) Tools.push_back(std::move(T));
}

void Server::send(const json &V) { Out.send(messageText(V)); }

void Server::handleOverlong(size_t Limit) {
  send(errorMessage(nullptr, {ParseError, fmt::format("message longer than {} bytes; "
                                                      "dropped",
                                                      Limit)}));
}

void Server::handleLine(llvm::StringRef Line) {
  queue(Line.str());
  drain();
}

void Server::drain() {
  while (!Pending.empty()) {
    std::optional<std::string> Next = std::move(Pending.front());
    Pending.pop_front();
    if (Next)
      handleOne(*Next);
    else
      handleOverlong(Input ? Input->limit() : 0);
  }
}

InputEvent Server::readDuringCall(const json &Id) {
  bool Cancel = false;
  bool Open = Input->readAvailable(
      [&](llvm::StringRef Line) {
        json V = json::parse(Line.begin(), Line.end(), nullptr, false);
        if (V.is_object() && V.value("method", json()) == "notifications/cancelled" &&
            V.contains("params") && V["params"].is_object() &&
            V["params"].value("requestId", json()) == Id) {
          Cancel = true;
          Log << "orchrt mcp: request " << messageText(Id) << " cancelled by the client";
          if (auto R = V["params"].find("reason");
              R != V["params"].end() && R->is_string())
            Log << ": " << R->get<std::string>();
          Log << '\n';
          return;
        }
        Pending.emplace_back(Line.str());
      },
      [&] { Pending.emplace_back(std::nullopt); });
  // At the end of input the call still finishes and is answered; the
  // server exits after it.
  if (Cancel) return InputEvent::Cancel;
  return Open ? InputEvent::Nothing : InputEvent::Closed;
}

void Server::handleOne(llvm::StringRef Line) {
  json V = json::parse(Line.begin(), Line.end(), nullptr, /*allow_exceptions=*/false);
  if (V.is_discarded()) {
    send(errorMessage(nullptr, {ParseError, "not valid JSON"}));
    return;
  }
  if (!V.is_array()) {
    json Reply = handleValue(V, false);
    if (!Reply.is_null()) send(Reply);
    return;
  }
  if (Revision != BatchRevision) {
    send(errorMessage(
        nullptr, {InvalidRequest,
                  Revision.empty() ? std::string("batch arrays are not accepted before "
                                                 "`initialize`")
                                   : fmt::format("batch arrays are not part of protocol "
                                                 "revision {}",
                                                 Revision)}));
    return;
  }
  if (V.empty()) {
    send(errorMessage(nullptr, {InvalidRequest, "an empty batch"}));
    return;
  }
  json Replies = json::array();
  for (const json &Item : V) {
    json Reply = handleValue(Item, true);
    if (!Reply.is_null()) Replies.push_back(std::move(Reply));
  }
  if (!Replies.empty()) send(Replies);
}

json Server::handleValue(const json &V, bool InBatch) {
  RpcError Err;
  json ErrId;
  std::optional<RpcMessage> M = classifyMessage(V, Err, ErrId);
  if (!M) {
    // A broken notification is still answered: without a readable method
    // and id there is no telling it was one.
    return errorMessage(ErrId, Err);
  }
  switch (M->K) {
    case RpcMessage::Response:
      // This server sends no requests, so nothing awaits a response.
      Log << "orchrt mcp: ignoring a response to a request never sent\n";
      return nullptr;
    case RpcMessage::Notification:
      handleNotification(*M);
      return nullptr;
    case RpcMessage::Request:
      break;
  }
  try {
    return handleRequest(*M, InBatch);
  } catch (const std::exception &E) {
    // A bug, not bad input: answer, log, and keep serving.
    Log << "orchrt mcp: internal error in `" << M->Method << "`: " << E.what() << '\n';
    return errorMessage(M->Id, {InternalError, "internal error"});
  }
}

json Server::handleRequest(const RpcMessage &M, bool InBatch) {
  struct Method {
    llvm::StringLiteral Name;
    Handler Fn;
    bool NeedsSession;
  };
  static const Method Methods[] = {
      {"initialize", &Server::initialize, false},
      {"server/discover", &Server::discover, false},
      {"ping", nullptr, false},
      {"tools/list", &Server::listTools, true},
      {"tools/call", &Server::callTool, true},
  };
  const Method *Found = nullptr;
  for (const Method &Row : Methods)
    if (Row.Name == M.Method) Found = &Row;
  if (!Found)
    return errorMessage(M.Id,
                        {MethodNotFound, fmt::format("unknown method `{}`", M.Method)});
  RpcError Err;
  // A stateless request names its revision in `_meta` and needs no session.
  std::optional<std::string> Stateless = metaRevision(M.Params, Err);
  if (!Stateless) return errorMessage(M.Id, Err);
  if (Found->NeedsSession && Revision.empty() && Stateless->empty())
    return errorMessage(
        M.Id, {InvalidRequest, fmt::format("`{}` before `initialize`: the session "
                                           "has not started",
                                           M.Method)});
  if (InBatch && Found->Name == "initialize")
    return errorMessage(M.Id, {InvalidRequest, "`initialize` cannot be part of a batch"});
  if (!Found->Fn) return resultMessage(M.Id, json::object());
  json Params = M.Params.is_null() ? json::object() : M.Params;
  CurrentId = M.Id;
  NoReply = false;
  json Result = (this->*Found->Fn)(Params, Err);
  if (NoReply) return nullptr;
  if (Err.Code) return errorMessage(M.Id, Err);
  if (!Stateless->empty() && Result.is_object()) Result["resultType"] = "complete";
  return resultMessage(M.Id, std::move(Result));
}

void Server::handleNotification(const RpcMessage &M) {
  if (M.Method == "notifications/initialized") {
    ClientReady = true;
    return;
  }
  // Cancellation, progress and anything else unknown: nothing to do here
  // (notifications are never answered).
  Log << "orchrt mcp: ignoring notification `" << M.Method << "`\n";
}

json Server::initialize(const json &Params, RpcError &Err) {
  if (!Revision.empty()) {
    Err = {InvalidRequest, "the session is already initialized"};
    return nullptr;
  }
  auto Asked = Params.find("protocolVersion");
  if (Asked == Params.end() || !Asked->is_string()) {
    Err = {InvalidParams, "`protocolVersion` must be a string"};
    return nullptr;
  }
  // The asked revision when spoken here, else the newest: the client then
  // decides whether it can speak that one.
  // The stateless revision has no `initialize`: asking for it here gets
  // the newest handshake revision.
  Revision = supportedRevisions()[0];
  for (const char *R : supportedRevisions())
    if (Asked->get_ref<const std::string &>() == R) Revision = R;
  json Result = json::object();
  Result["protocolVersion"] = Revision;
  Result["capabilities"] = {{"tools", {{"listChanged", false}}}};
  Result["serverInfo"] = {{"name", Info.Name}, {"version", Info.Version}};
  return Result;
}

json Server::discover(const json &, RpcError &) {
  json Versions = json::array();
  for (const char *R : allRevisions()) Versions.push_back(R);
  json Result = json::object();
  Result["resultType"] = "complete";
  Result["supportedVersions"] = std::move(Versions);
  Result["capabilities"] = {{"tools", {{"listChanged", false}}}};
  Result["serverInfo"] = {{"name", Info.Name}, {"version", Info.Version}};
  return Result;
}

json Server::listTools(const json &, RpcError &) {
  // Every tool fits in one page: no `nextCursor`.
  json List = json::array();
  for (const auto &T : Tools) List.push_back(T->definition());
  return {{"tools", std::move(List)}};
}

json Server::callTool(const json &Params, RpcError &Err) {
  auto Name = Params.find("name");
  if (Name == Params.end() || !Name->is_string()) {
    Err = {InvalidParams, "`name` must be a string"};
    return nullptr;
  }
  Tool *T = nullptr;
  for (const auto &Candidate : Tools)
    if (Candidate->definition().at("name") == *Name) T = Candidate.get();
  if (!T) {
    Err = {InvalidParams, fmt::format("unknown tool `{}`", Name->get<std::string>())};
    return nullptr;
  }
  json Args = json::object();
  if (auto A = Params.find("arguments"); A != Params.end() && !A->is_null()) {
    if (!A->is_object()) {
      Err = {InvalidParams, "`arguments` must be an object"};
      return nullptr;
    }
    Args = *A;
  }
  CallContext Ctx;
  ProgressFn &Progress = Ctx.Progress;
  if (auto Meta = Params.find("_meta"); Meta != Params.end() && Meta->is_object()) {
    auto Token = Meta->find("progressToken");
    if (Token != Meta->end() && (Token->is_string() || Token->is_number_integer())) {
      json Tok = *Token;
      Progress = [this, Tok](double Done, double Total, const std::string &Msg) {
        send(notificationMessage("notifications/progress", {{"progressToken", Tok},
                                                            {"progress", Done},
                                                            {"total", Total},
                                                            {"message", Msg}}));
      };
    }
  }
  if (Input) {
    Ctx.InputFd = Input->fd();
    Ctx.OnInput = [this, Id = CurrentId] { return readDuringCall(Id); };
  }
  ToolResult R = T->call(Args, Ctx);
  if (R.Cancelled) {
    NoReply = true;
    return nullptr;
  }
  json Result = json::object();
  Result["content"] = json::array({{{"type", "text"}, {"text", R.Text}}});
  if (!R.IsError && R.Structured.is_object()) Result["structuredContent"] = R.Structured;
  Result["isError"] = R.IsError;
  return Result;
}

}  // namespace orch::runtime::mcp
