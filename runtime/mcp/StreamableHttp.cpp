//===- StreamableHttp.cpp -------------------------------------------------===//
#include "runtime/mcp/StreamableHttp.h"

#include <fmt/format.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <unistd.h>

#include <deque>
#include <mutex>
#include <thread>

#include "runtime/mcp/Revisions.h"

namespace orch::runtime::mcp {

namespace {

/// Whether \p Host (without a port) is a loopback name.
bool loopbackHost(llvm::StringRef Host) {
  return Host == "localhost" || Host == "127.0.0.1" || Host == "[::1]";
}

/// The host of a `Host` header value: `name[:port]` or `[v6][:port]`.
llvm::StringRef hostPart(llvm::StringRef V) {
  if (V.starts_with("[")) return V.substr(0, V.find(']') + 1);
  return V.split(':').first;
}

/// Whether the Accept header \p A admits \p Type.
bool accepts(std::optional<llvm::StringRef> A, llvm::StringRef Type) {
  if (!A) return true;
  return A->contains(Type) || A->contains("*/*");
}

/// The `_meta.progressToken` of a request, or null.
bool wantsProgress(const nlohmann::json &Msg) {
  const nlohmann::json *P = Msg.contains("params") ? &Msg["params"] : nullptr;
  if (!P || !P->is_object() || !P->contains("_meta") || !(*P)["_meta"].is_object())
    return false;
  const nlohmann::json &Meta = (*P)["_meta"];
  auto T = Meta.find("progressToken");
  return T != Meta.end() && (T->is_string() || T->is_number_integer());
}

/// Messages collected for one answer.
class CollectSink : public MessageSink {
 public:
  void send(const std::string &Line) override { Lines.push_back(Line); }
  std::vector<std::string> Lines;
};

}  // namespace

/// A `tools/call` (or a batch) running on its own thread. Cancellation
/// reaches it as lines on an eventfd-signalled queue: the server reads them
/// as it reads stdin during a stdio call.
struct StreamableHttp::Call : public InputSource {
  ConnId Conn = 0;
  std::string Key;  ///< Session id (or empty) and request id.
  nlohmann::json Id;
  bool Sse = false;
  bool Started = false;     ///< The SSE response's head is sent.
  bool Gone = false;        ///< The connection closed.
  bool Cancelling = false;  ///< The server cancelled it (once is enough).
  bool Stateless = false;   ///< 2026-07-28: a disconnection cancels it.
  HttpHeaders Extra;
  std::vector<std::string> Answers;  ///< JSON mode: responses to send.
  std::thread Thread;
  int Event = -1;
  std::mutex M;
  std::deque<std::string> Lines;

  Call() : Event(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
  ~Call() override {
    if (Thread.joinable()) Thread.join();
    if (Event >= 0) ::close(Event);
  }
  void push(std::string Line) {
    {
      std::lock_guard<std::mutex> L(M);
      Lines.push_back(std::move(Line));
    }
    uint64_t One = 1;
    [[maybe_unused]] ssize_t N = ::write(Event, &One, sizeof One);
  }
  int fd() const override { return Event; }
  size_t limit() const override { return 0; }
  bool readAvailable(const std::function<void(llvm::StringRef)> &OnLine,
                     const std::function<void()> &) override {
    uint64_t N = 0;
    [[maybe_unused]] ssize_t R = ::read(Event, &N, sizeof N);
    std::deque<std::string> Got;
    {
      std::lock_guard<std::mutex> L(M);
      Got.swap(Lines);
    }
    for (const std::string &Line : Got) OnLine(Line);
    return true;
  }
};

StreamableHttp::StreamableHttp(Executor &Loop, std::vector<std::shared_ptr<Tool>> Tools,
                               ServerInfo Info, StreamableHttpOptions O,
                               llvm::raw_ostream &Log)
    : Loop(Loop),
      Tools(std::move(Tools)),
      Info(std::move(Info)),
      Opts(std::move(O)),
      Log(Log) {}

StreamableHttp::~StreamableHttp() {
  // Threads still running post to the loop; wait for them here so none
  // outlives this object.
  cancelAll();
  Calls.clear();
}

std::string StreamableHttp::newSessionId() {
  unsigned char Bytes[16];
  size_t Got = 0;
  while (Got < sizeof Bytes) {
    ssize_t N = getrandom(Bytes + Got, sizeof Bytes - Got, 0);
    if (N > 0) Got += static_cast<size_t>(N);
  }
  std::string Id;
  for (unsigned char B : Bytes) Id += fmt::format("{:02x}", B);
  return Id;
}

void StreamableHttp::reject(ConnId C, int Status, int Code, const std::string &Msg,
                            nlohmann::json Data) {
  RpcError E{Code, Msg, std::move(Data)};
  Http->respond(C, Status, {{"Content-Type", "application/json"}},
                messageText(errorMessage(nullptr, E)));
}

bool StreamableHttp::originAllowed(const HttpRequest &Req) const {
  if (std::optional<llvm::StringRef> O = Req.header("origin")) {
    for (const std::string &A : Opts.AllowedOrigins)
      if (*O == A) return true;
    llvm::StringRef Rest = *O;
    if (!Rest.consume_front("http://") && !Rest.consume_front("https://")) return false;
    if (!loopbackHost(hostPart(Rest))) return false;
  }
  if (Opts.CheckHost && Http->loopback()) {
    std::optional<llvm::StringRef> H = Req.header("host");
    if (H && !loopbackHost(hostPart(*H))) return false;
  }
  return true;
}

void StreamableHttp::handle(ConnId C, HttpRequest Req) {
  if (!originAllowed(Req)) {
    reject(C, 403, InvalidRequest,
           "Forbidden: the Origin or Host is not allowed (DNS rebinding protection)");
    return;
  }
  if (llvm::StringRef(Req.Target).split('?').first != Opts.Path) {
    Http->respond(C, 404, {{"Content-Type", "text/plain"}}, "not found\n");
    return;
  }
  if (Req.Method == "POST") return post(C, Req);
  if (Req.Method == "DELETE") return remove(C, Req);
  // No server-initiated stream: GET is 405, as the transport allows.
  Http->respond(C, 405, {{"Allow", "POST, DELETE"}, {"Content-Type", "application/json"}},
                messageText(errorMessage(
                    nullptr, {InvalidRequest, fmt::format("Method Not Allowed: {} (this "
                                                          "server offers no SSE stream)",
                                                          Req.Method)})));
}

void StreamableHttp::remove(ConnId C, const HttpRequest &Req) {
  std::optional<llvm::StringRef> S = Req.header("mcp-session-id");
  if (!S)
    return reject(C, 400, InvalidRequest, "Bad Request: Mcp-Session-Id is required");
  if (!Sessions.erase(S->str()))
    return reject(C, 404, InvalidRequest, "Session not found");
  Http->respond(C, 200, {}, "");
}

void StreamableHttp::post(ConnId C, const HttpRequest &Req) {
  std::optional<llvm::StringRef> Type = Req.header("content-type");
  if (!Type || !Type->trim().starts_with_insensitive("application/json"))
    return reject(C, 415, InvalidRequest,
                  "Unsupported Media Type: Content-Type must be application/json");
  std::optional<llvm::StringRef> Accept = Req.header("accept");
  if (!accepts(Accept, "application/json") && !accepts(Accept, "text/event-stream"))
    return reject(C, 406, InvalidRequest,
                  "Not Acceptable: Accept must admit application/json or "
                  "text/event-stream");
  nlohmann::json Body =
      nlohmann::json::parse(Req.Body, nullptr, /*allow_exceptions=*/false);
  if (Body.is_discarded())
    return reject(C, 400, ParseError, "Parse error: not valid JSON");

  // The revision: the header, and for a stateless request the body's
  // `_meta`, which must agree.
  std::optional<llvm::StringRef> Header = Req.header("mcp-protocol-version");
  if (Header && !isSupportedRevision(*Header))
    return reject(C, 400, UnsupportedProtocolVersion,
                  unsupportedRevision(Header->str()).Message,
                  unsupportedRevision(Header->str()).Data);
  RpcError MetaErr;
  std::optional<std::string> Meta =
      Body.is_object() ? metaRevision(Body.value("params", nlohmann::json()), MetaErr)
                       : std::optional<std::string>(std::string());
  if (!Meta) {
    nlohmann::json Id = Body.value("id", nlohmann::json());
    Http->respond(
        C, MetaErr.Code == UnsupportedProtocolVersion ? 400 : 200,
        {{"Content-Type", "application/json"}},
        messageText(errorMessage(
            Id.is_string() || Id.is_number_integer() ? Id : nlohmann::json(), MetaErr)));
    return;
  }
  bool Stateless = !Meta->empty();
  if (Header && (*Header == StatelessRevision) != Stateless)
    return reject(C, 400, HeaderMismatch,
                  fmt::format("Bad Request: MCP-Protocol-Version `{}` does not match the "
                              "request's `_meta` revision",
                              Header->str()));

  std::string Method;
  if (Body.is_object())
    if (auto M = Body.find("method"); M != Body.end() && M->is_string()) Method = *M;
  if (Stateless) {
    // 2026-07-28 (SEP-2243): the revision header on every request, and the
    // routing headers, when sent, agree with the body.
    if (!Header)
      return reject(C, 400, HeaderMismatch,
                    "Bad Request: MCP-Protocol-Version is required on every 2026-07-28 "
                    "request");
    std::optional<llvm::StringRef> MH = Req.header("mcp-method");
    if (MH && *MH != Method)
      return reject(C, 400, HeaderMismatch,
                    fmt::format("Bad Request: Mcp-Method `{}` does not match the body's "
                                "method `{}`",
                                MH->str(), Method));
    std::optional<llvm::StringRef> NH = Req.header("mcp-name");
    if (NH && Method == "tools/call") {
      nlohmann::json P = Body.value("params", nlohmann::json::object());
      nlohmann::json Name =
          P.is_object() ? P.value("name", nlohmann::json()) : nlohmann::json();
      if (!Name.is_string() || *NH != Name.get<std::string>())
        return reject(C, 400, HeaderMismatch,
                      fmt::format("Bad Request: Mcp-Name `{}` does not match the "
                                  "called tool",
                                  NH->str()));
    }
  }
  if (Method == "notifications/cancelled") {
    // Stop the named call if it runs; notifications are never answered.
    nlohmann::json P = Body.value("params", nlohmann::json::object());
    nlohmann::json Id =
        P.is_object() ? P.value("requestId", nlohmann::json()) : nlohmann::json();
    // Only within the session that made the request: a stateless request
    // belongs to no session, and is cancelled by closing its connection.
    std::string Session = Req.header("mcp-session-id").value_or("").str();
    if (!Session.empty() && findSession(Session)) {
      std::string Key = Session + '\n' + messageText(Id);
      for (auto &[Conn, K] : Calls)
        if (K->Key == Key && !K->Cancelling) {
          K->Cancelling = true;
          K->push(messageText(Body));
        }
    }
    Http->respond(C, 202, {}, "");
    return;
  }

  // Handshake-era requests belong to a session, except `initialize` (which
  // opens one) and `server/discover`.
  std::string Session, Revision;
  bool Opens = Method == "initialize";
  if (!Stateless && !Opens && Method != "server/discover") {
    std::optional<llvm::StringRef> S = Req.header("mcp-session-id");
    if (!S)
      return reject(C, 400, InvalidRequest,
                    "Bad Request: Mcp-Session-Id header is required");
    auto *Found = findSession(S->str());
    if (!Found) return reject(C, 404, InvalidRequest, "Session not found");
    Session = S->str();
    Revision = Found->Revision;
  }

  bool Runs = Body.is_array() || Method == "tools/call";
  if (Runs) {
    if (Calls.size() >= Opts.MaxCalls)
      return reject(C, 503, InternalError, "Service Unavailable: too many calls running");
    if (Draining)
      return reject(C, 503, InternalError, "Service Unavailable: the server is stopping");
    // Progress streams are chunked, which HTTP/1.0 does not know: a 1.0
    // client gets the plain answer.
    bool Sse = Body.is_object() && wantsProgress(Body) && Accept &&
               Accept->contains("text/event-stream") && Req.Version == "HTTP/1.1";
    std::string Key = Session + '\n' +
                      messageText(Body.is_object() ? Body.value("id", nlohmann::json())
                                                   : nlohmann::json());
    startCall(C, std::move(Key), Revision, Req.Body, Sse, Stateless, {});
    return;
  }

  CollectSink Out;
  std::string LogText;
  llvm::raw_string_ostream L(LogText);
  Server S(Tools, Info, Out, L);
  if (!Revision.empty()) S.resume(Revision);
  S.handleLine(Req.Body);
  Log << LogText;
  HttpHeaders H = {{"Content-Type", "application/json"}};
  if (Opens && !S.revision().empty()) {
    std::string Id = newSessionId();
    trimSessions();
    Sessions[Id] = {S.revision(), Loop.now()};
    H.emplace_back("Mcp-Session-Id", Id);
  }
  if (Out.Lines.empty()) {
    // Notifications and responses: accepted, no body.
    Http->respond(C, 202, {}, "");
    return;
  }
  Http->respond(C, 200, H, Out.Lines.front());
}

StreamableHttp::Session *StreamableHttp::findSession(const std::string &Id) {
  auto It = Sessions.find(Id);
  if (It == Sessions.end()) return nullptr;
  Executor::TimePoint Now = Loop.now();
  if (Now - It->second.Used > std::chrono::milliseconds(Opts.SessionIdleMs)) {
    Sessions.erase(It);
    return nullptr;
  }
  It->second.Used = Now;
  return &It->second;
}

void StreamableHttp::trimSessions() {
  if (Sessions.size() < Opts.MaxSessions) return;
  Executor::TimePoint Now = Loop.now();
  auto Idle = std::chrono::milliseconds(Opts.SessionIdleMs);
  for (auto It = Sessions.begin(); It != Sessions.end();)
    It = Now - It->second.Used > Idle ? Sessions.erase(It) : std::next(It);
  if (Sessions.size() < Opts.MaxSessions) return;
  auto Oldest = Sessions.begin();
  for (auto It = Sessions.begin(); It != Sessions.end(); ++It)
    if (It->second.Used < Oldest->second.Used) Oldest = It;
  Sessions.erase(Oldest);
}

void StreamableHttp::startCall(ConnId C, std::string Key, std::string Revision,
                               std::string Body, bool Sse, bool Stateless,
                               HttpHeaders Extra) {
  auto K = std::make_shared<Call>();
  K->Conn = C;
  K->Key = std::move(Key);
  K->Sse = Sse;
  K->Stateless = Stateless;
  K->Extra = std::move(Extra);
  Calls[C] = K;
  // Messages go to the loop thread, which owns the connection.
  struct PostSink : MessageSink {
    Executor &Loop;
    StreamableHttp &Self;
    ConnId C;
    PostSink(Executor &L, StreamableHttp &S, ConnId C) : Loop(L), Self(S), C(C) {}
    void send(const std::string &Line) override {
      Loop.post([&S = Self, C = C, Line] { S.deliver(C, Line); });
    }
  };
  Call *Raw = K.get();
  K->Thread =
      std::thread([this, C, Raw, Revision = std::move(Revision), Body = std::move(Body)] {
        PostSink Out(Loop, *this, C);
        std::string LogText;
        {
          llvm::raw_string_ostream L(LogText);
          Server S(Tools, Info, Out, L);
          if (!Revision.empty()) S.resume(Revision);
          S.setInput(Raw);
          S.handleLine(Body);
        }
        Loop.post([this, C, LogText = std::move(LogText)] { finish(C, LogText); });
      });
}

void StreamableHttp::deliver(ConnId C, const std::string &Line) {
  auto It = Calls.find(C);
  if (It == Calls.end() || It->second->Gone) return;
  Call &K = *It->second;
  if (!K.Sse) {
    // Progress cannot travel in a JSON answer; only responses are kept.
    nlohmann::json V = nlohmann::json::parse(Line, nullptr, false);
    if (V.is_array() || (V.is_object() && V.contains("id"))) K.Answers.push_back(Line);
    return;
  }
  if (!K.Started) {
    HttpHeaders H = {{"Content-Type", "text/event-stream"},
                     {"Cache-Control", "no-cache"}};
    H.insert(H.end(), K.Extra.begin(), K.Extra.end());
    Http->startStream(C, 200, H);
    K.Started = true;
  }
  Http->streamChunk(C, "event: message\ndata: " + Line + "\n\n");
}

void StreamableHttp::finish(ConnId C, const std::string &LogText) {
  Log << LogText;
  auto It = Calls.find(C);
  if (It == Calls.end()) return;
  std::shared_ptr<Call> K = std::move(It->second);
  Calls.erase(It);
  if (K->Thread.joinable()) K->Thread.join();
  if (K->Gone) return;
  if (K->Started) {
    Http->endStream(C);
  } else if (!K->Answers.empty()) {
    Http->respond(C, 200, {{"Content-Type", "application/json"}}, K->Answers.front());
  } else {
    // Cancelled: the spec sends no answer, and 202 is no answer to a
    // request; the connection closes.
    Http->abort(C);
  }
}

void StreamableHttp::cancel(Call &K, const nlohmann::json &Id,
                            const std::string &Reason) {
  if (K.Cancelling) return;
  K.Cancelling = true;
  K.push(messageText(notificationMessage("notifications/cancelled",
                                         {{"requestId", Id}, {"reason", Reason}})));
}

void StreamableHttp::closed(ConnId C) {
  auto It = Calls.find(C);
  if (It == Calls.end()) return;
  Call &K = *It->second;
  K.Gone = true;
  // The client went away: its call is of no use to anyone.
  nlohmann::json Id = nlohmann::json::parse(
      llvm::StringRef(K.Key).split('\n').second.str(), nullptr, false);
  cancel(K, Id, "the HTTP connection closed");
}

void StreamableHttp::inputEnded(ConnId C) {
  auto It = Calls.find(C);
  if (It == Calls.end() || !It->second->Stateless) return;
  // 2026-07-28: "the server MUST treat a client disconnect as cancellation
  // of that request" (basic/patterns/cancellation). A handshake-era call
  // runs on: there a disconnection is not a cancellation, and a
  // half-closed client still reads its answer.
  Call &K = *It->second;
  nlohmann::json Id = nlohmann::json::parse(
      llvm::StringRef(K.Key).split('\n').second.str(), nullptr, false);
  cancel(K, Id, "the client closed its connection");
}

void StreamableHttp::cancelAll() {
  Draining = true;
  for (auto &[C, K] : Calls) {
    nlohmann::json Id = nlohmann::json::parse(
        llvm::StringRef(K->Key).split('\n').second.str(), nullptr, false);
    cancel(*K, Id, "the server is shutting down");
  }
}

}  // namespace orch::runtime::mcp
