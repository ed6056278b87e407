//===- ClientHttp.cpp - An MCP server over Streamable HTTP ----------------===//
#include "runtime/mcp/ClientHttp.h"

#include <fmt/format.h>

#include <cstdlib>

#include "llvm/ADT/StringExtras.h"
#include "runtime/llm/CurlTransport.h"
#include "runtime/mcp/JsonRpc.h"

namespace orch::runtime::mcp {

using json = orch::ir::Json;

CurlSender::~CurlSender() {
  std::unique_lock<std::mutex> L(O->M);
  O->CV.wait_for(L, std::chrono::seconds(1), [&] { return O->Ids.empty(); });
}

uint64_t CurlSender::send(llm::HttpRequest R, Done D) {
  uint64_t Id = NextId++;
  {
    std::lock_guard<std::mutex> L(O->M);
    O->Ids[Id] = 0;
  }
  uint64_t MultiId = Multi.send(
      std::move(R),
      [Open = O, Id, D = std::move(D)](llvm::Expected<llm::HttpResponse> Resp) {
        D(std::move(Resp));
        std::lock_guard<std::mutex> L(Open->M);
        Open->Ids.erase(Id);
        Open->CV.notify_all();
      });
  // The answer may have come (and gone) before Multi.send returned.
  std::lock_guard<std::mutex> L(O->M);
  if (auto It = O->Ids.find(Id); It != O->Ids.end()) It->second = MultiId;
  return Id;
}

void CurlSender::cancel(uint64_t Id) {
  std::lock_guard<std::mutex> L(O->M);
  auto It = O->Ids.find(Id);
  if (It == O->Ids.end()) return;
  Multi.cancel(It->second);
  O->Ids.erase(It);
}

llvm::Expected<std::vector<llm::Header>> resolveHeaders(
    const std::vector<std::pair<std::string, std::string>> &Headers, bool DropUnset) {
  std::vector<llm::Header> Out;
  for (const auto &[K, V] : Headers) {
    llvm::StringRef Val = V;
    if (!Val.starts_with("${") || !Val.ends_with("}")) {
      Out.push_back({K, V});
      continue;
    }
    std::string Var = Val.drop_front(2).drop_back().str();
    if (const char *From = std::getenv(Var.c_str()))
      Out.push_back({K, From});
    else if (!DropUnset)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          fmt::format("`headers: {}` names `${{{}}}`, which is not set in orchrt's "
                      "environment",
                      K, Var));
  }
  return Out;
}

namespace {

/// Adds \p Text (JSON) to \p Out: an object, or each object of an array.
void addMessages(llvm::StringRef Text, std::vector<json> &Out) {
  json V = json::parse(Text, nullptr, false);
  if (V.is_object()) Out.push_back(std::move(V));
  if (V.is_array())
    for (json &E : V)
      if (E.is_object()) Out.push_back(std::move(E));
}

}  // namespace

std::vector<json> responseMessages(const llm::HttpResponse &R) {
  std::vector<json> Out;
  llvm::StringRef Type = R.header("content-type");
  if (!Type.trim().starts_with_insensitive("text/event-stream")) {
    addMessages(R.Body, Out);
    return Out;
  }
  // SSE: events end at a blank line; `data:` lines of one event join with
  // newlines; other fields (event, id, retry) and comments do not matter.
  std::string Data;
  bool HasData = false;
  llvm::StringRef Rest = R.Body;
  while (!Rest.empty()) {
    auto [Line, Tail] = Rest.split('\n');
    Rest = Tail;
    Line.consume_back("\r");
    if (Line.empty()) {
      if (HasData) addMessages(Data, Out);
      Data.clear();
      HasData = false;
      continue;
    }
    auto [Field, Value] = Line.split(':');
    if (Field != "data") continue;
    Value.consume_front(" ");
    if (HasData) Data += '\n';
    Data += Value.str();
    HasData = true;
  }
  // An event cut off before its blank line is not complete: dropped.
  return Out;
}

std::vector<llm::Header> postHeaders(std::vector<llm::Header> Base,
                                     const std::string &Session,
                                     const std::string &Revision) {
  Base.push_back({"Content-Type", "application/json"});
  Base.push_back({"Accept", "application/json, text/event-stream"});
  if (!Session.empty()) Base.push_back({"Mcp-Session-Id", Session});
  if (!Revision.empty()) Base.push_back({"MCP-Protocol-Version", Revision});
  return Base;
}

std::string HttpClientTransport::start(std::function<void(llvm::StringRef)> Bytes,
                                       ClosedFn Closed) {
  llvm::Expected<std::vector<llm::Header>> H = resolveHeaders(Srv.Headers, false);
  if (!H) return llvm::toString(H.takeError());
  Headers = std::move(*H);
  OnBytes = std::move(Bytes);
  OnClosed = std::move(Closed);
  return "";
}

void HttpClientTransport::send(const std::string &Line) {
  if (Closed) return;
  if (Holding) return Held.push_back(Line);
  post(Line);
}

void HttpClientTransport::post(const std::string &Line) {
  json Msg = json::parse(Line, nullptr, false);
  Post P;
  if (Msg.is_object() && Msg.contains("method") && Msg.contains("id")) {
    P.Id = Msg["id"];
    P.Initialize = Msg["method"] == "initialize";
  }
  if (Msg.is_object() && Msg.value("method", json()) == "notifications/initialized")
    Holding = P.Initialized = true;
  // Cancelling a call also drops the request that waits for its answer.
  if (Msg.is_object() && Msg.value("method", json()) == "notifications/cancelled")
    if (auto Params = Msg.find("params"); Params != Msg.end() && Params->is_object())
      for (auto It = InFlight.begin(); It != InFlight.end(); ++It)
        if (!It->second.Id.is_null() &&
            It->second.Id == Params->value("requestId", json())) {
          Http.cancel(It->second.HttpId);
          InFlight.erase(It);
          break;
        }
  llm::HttpRequest R;
  R.Url = Srv.Url;
  R.Body = Line;
  R.Headers = postHeaders(Headers, Session, Revision);
  // The step's timeout bounds a call; this only ends a forgotten request.
  R.Timeout = std::chrono::hours(24);
  uint64_t Key = NextKey++;
  std::weak_ptr<bool> Live = Alive;
  Executor &E = Exec;
  P.HttpId = Http.send(std::move(R), [&E, Live, this,
                                      Key](llvm::Expected<llm::HttpResponse> Resp) {
    // On the sender's thread: hand the answer to the loop thread.
    auto Shared = std::make_shared<llvm::Expected<llm::HttpResponse>>(std::move(Resp));
    E.post([Live, this, Key, Shared] {
      if (auto L = Live.lock(); L && *L) onResponse(Key, std::move(*Shared));
    });
  });
  InFlight.emplace(Key, std::move(P));
}

void HttpClientTransport::onResponse(uint64_t Key, llvm::Expected<llm::HttpResponse> R) {
  auto It = InFlight.find(Key);
  if (It == InFlight.end() || Closed) {
    if (!R) llvm::consumeError(R.takeError());
    return;
  }
  Post P = std::move(It->second);
  InFlight.erase(It);
  if (P.Initialized) {
    Holding = false;
    std::vector<std::string> Lines;
    Lines.swap(Held);
    for (const std::string &L : Lines)
      if (!Closed) send(L);
  }
  bool Request = !P.Id.is_null();
  if (!R) {
    std::string Why;
    bool Connect = false;
    llvm::handleAllErrors(
        R.takeError(),
        [&](const llm::TransportError &E) {
          Why = E.message();
          Connect = E.kind() == llm::TransportFailure::Connect;
        },
        [&](const llvm::ErrorInfoBase &E) { Why = E.message(); });
    if (Request)
      lose((Connect ? "could not be reached: " : "broke the connection: ") + Why);
    return;
  }
  if (P.Initialize)
    if (llvm::StringRef S = R->header("mcp-session-id"); !S.empty()) Session = S.str();
  bool Answered = false;
  std::weak_ptr<bool> Live = Alive;
  for (const json &Msg : responseMessages(*R)) {
    deliver(Msg, P, Answered);
    if (Live.expired() || Closed) return;  // the client ended (or was told to)
  }
  if (!Request || Answered) return;
  if (R->Status == 404 && !Session.empty()) return lose("ended the session (HTTP 404)");
  if (R->Status >= 400)
    return lose(fmt::format("answered HTTP {}: {}", R->Status,
                            llvm::StringRef(R->Body).take_front(200).trim()));
  lose(fmt::format("closed the answer to request {} before answering it", P.Id.dump()));
}

void HttpClientTransport::deliver(const json &Msg, const Post &P, bool &Answered) {
  bool Response = !Msg.contains("method") && Msg.contains("id");
  if (Response && Msg["id"] == P.Id) {
    Answered = true;
    if (P.Initialize)
      if (auto Res = Msg.find("result"); Res != Msg.end() && Res->is_object())
        if (auto V = Res->find("protocolVersion"); V != Res->end() && V->is_string())
          Revision = V->get<std::string>();
  }
  OnBytes(messageText(Msg) + "\n");
}

void HttpClientTransport::lose(const std::string &Why) {
  if (Closed) return;
  ClosedFn F = std::move(OnClosed);
  close();
  if (F) F(Why);
}

void HttpClientTransport::close() {
  if (Closed) return;
  Closed = true;
  *Alive = false;
  for (auto &[Key, P] : InFlight) Http.cancel(P.HttpId);
  InFlight.clear();
  if (Session.empty()) return;
  // End the session; nobody waits for the answer.
  llm::HttpRequest R;
  R.Method = "DELETE";
  R.Url = Srv.Url;
  R.Headers = postHeaders(Headers, Session, Revision);
  R.Timeout = std::chrono::seconds(5);
  Http.send(std::move(R), [](llvm::Expected<llm::HttpResponse> Resp) {
    if (!Resp) llvm::consumeError(Resp.takeError());
  });
}

}  // namespace orch::runtime::mcp
