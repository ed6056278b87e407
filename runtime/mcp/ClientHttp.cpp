//===- ClientHttp.cpp - An MCP server over Streamable HTTP ----------------===//
#include "runtime/mcp/ClientHttp.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "llvm/ADT/StringExtras.h"
#include "runtime/llm/CurlTransport.h"
#include "runtime/mcp/AnswerReader.h"
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

/// \p Limit bytes, for a message.
std::string sizeText(size_t Limit) {
  return Limit % (size_t(1) << 20) == 0 ? fmt::format("{} MiB", Limit >> 20)
                                        : fmt::format("{} bytes", Limit);
}

/// Why an answer over \p Limit bytes ends the connection.
std::string overLimit(size_t Limit) {
  return "sent an answer over " + sizeText(Limit);
}

}  // namespace

std::vector<json> responseMessages(const llm::HttpResponse &R) {
  AnswerReader Reader(R.Body.size());
  std::vector<std::string> Texts;
  Reader.feed(R.Headers, R.Body, Texts);
  Reader.finish(Texts);
  std::vector<json> Out;
  for (const std::string &T : Texts) addMessages(T, Out);
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
  // Events waiting for the loop thread: 8 MiB of them take it about a
  // second to work through, so a flood fails fast and a timer is not held
  // up long behind it.
  P.Reader = std::make_shared<AnswerReader>(MaxAnswer,
                                            std::min(MaxAnswer, size_t(8) << 20));
  // On the sender's thread: each piece of the body as it arrives; the
  // events it completes go to the loop thread at once.
  R.OnBody = [&E, Live, this, Key, Reader = P.Reader](const std::vector<llm::Header> &H,
                                                      llvm::StringRef Piece) {
    std::vector<std::string> Events;
    bool Ok = Reader->feed(H, Piece, Events);
    if (Events.empty()) return Ok;
    // The loop thread may handle events far slower than they arrive: what
    // waits for it is bounded (past the limit the transfer ends and the
    // answer fails), so an endless stream of small events costs bounded
    // memory. Each event counts its bytes and a little for its keeping.
    size_t Bytes = 0;
    for (const std::string &Ev : Events) Bytes += Ev.size() + 64;
    if (!Reader->queue(Bytes)) return false;
    // `initialize`'s session id is known from the headers already: the
    // answer may come while the stream stays open.
    std::string Sid;
    for (const auto &[Name, Value] : H)
      if (llvm::StringRef(Name).equals_insensitive("mcp-session-id")) Sid = Value;
    E.post([Live, this, Key, Reader, Bytes, Sid = std::move(Sid),
            Events = std::move(Events)] {
      if (auto L = Live.lock(); L && *L) onEvents(Key, Sid, Events);
      Reader->handled(Bytes);
    });
    return Ok;
  };
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
  if (P.Initialized) release();
  bool Request = !P.Id.is_null();
  if (P.Reader->over()) {
    if (!R) llvm::consumeError(R.takeError());
    if (P.Reader->backlogged())
      return lose(fmt::format("sent events faster than they could be handled "
                              "(over {} waiting)",
                              sizeText(P.Reader->queueLimit())));
    return lose(overLimit(P.Reader->limit()));
  }
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
  // What the sender kept (a JSON body, or a whole answer from a sender
  // that does not stream) is read now; streamed events were read already.
  std::vector<std::string> Texts;
  if (!P.Reader->feed(R->Headers, R->Body, Texts))
    return lose(overLimit(P.Reader->limit()));
  P.Reader->finish(Texts);
  std::vector<json> Msgs;
  for (const std::string &T : Texts) addMessages(T, Msgs);
  std::weak_ptr<bool> Live = Alive;
  for (const json &Msg : Msgs) {
    deliver(Msg, P);
    if (Live.expired() || Closed) return;  // the client ended (or was told to)
  }
  if (!Request || P.Answered) return;
  if (R->Status == 404 && !Session.empty()) return lose("ended the session (HTTP 404)");
  if (R->Status >= 400) {
    // A body read as it arrived is in Texts, not in R->Body.
    llvm::StringRef Body = R->Body.empty() && !Texts.empty() ? Texts.front() : R->Body;
    return lose(
        fmt::format("answered HTTP {}: {}", R->Status, Body.take_front(200).trim()));
  }
  lose(fmt::format("closed the answer to request {} before answering it", P.Id.dump()));
}

void HttpClientTransport::onEvents(uint64_t Key, const std::string &Sid,
                                   const std::vector<std::string> &Events) {
  std::weak_ptr<bool> Live = Alive;
  for (const std::string &T : Events) {
    auto It = InFlight.find(Key);
    if (It == InFlight.end() || Closed) return;  // dropped meanwhile
    if (It->second.Initialize && !Sid.empty()) Session = Sid;
    std::vector<json> Msgs;
    addMessages(T, Msgs);
    for (const json &Msg : Msgs) {
      // deliver() may end the client, or the request: look it up again.
      auto Now = InFlight.find(Key);
      if (Now == InFlight.end() || Closed) return;
      deliver(Msg, Now->second);
      if (Live.expired() || Closed) return;
      Now = InFlight.find(Key);
      if (Now == InFlight.end()) return;
      // A request's answer is delivered: what its stream may still bring
      // is not waited for (a server that streams on after it is cut off).
      if (!Now->second.Id.is_null() && Now->second.Answered) {
        Post P = std::move(Now->second);
        InFlight.erase(Now);
        Http.cancel(P.HttpId);
        return;
      }
    }
  }
}

void HttpClientTransport::release() {
  Holding = false;
  std::vector<std::string> Lines;
  Lines.swap(Held);
  for (const std::string &L : Lines)
    if (!Closed) send(L);
}

void HttpClientTransport::deliver(const json &Msg, Post &P) {
  bool Response = !Msg.contains("method") && Msg.contains("id");
  if (Response && Msg["id"] == P.Id) {
    P.Answered = true;
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
