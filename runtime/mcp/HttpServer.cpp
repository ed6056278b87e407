//===- HttpServer.cpp -----------------------------------------------------===//
#include "runtime/mcp/HttpServer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

namespace orch::runtime::mcp {

namespace {

/// How often a connection whose peer does not read retries its write (the
/// loop watches readability only).
constexpr auto WriteRetry = std::chrono::milliseconds(2);

bool isLoopback(const sockaddr *A) {
  if (A->sa_family == AF_INET)
    return (ntohl(reinterpret_cast<const sockaddr_in *>(A)->sin_addr.s_addr) >> 24) ==
           127;
  if (A->sa_family == AF_INET6) {
    const in6_addr &X = reinterpret_cast<const sockaddr_in6 *>(A)->sin6_addr;
    return IN6_IS_ADDR_LOOPBACK(&X);
  }
  return false;
}

}  // namespace

struct HttpServer::Conn {
  ConnId Id = 0;
  int Fd = -1;
  HttpRequestParser Parser;
  std::string Out;          ///< Bytes not yet written.
  bool Busy = false;        ///< A request awaits its answer.
  bool Streaming = false;   ///< A chunked answer is under way.
  bool CloseAfter = false;  ///< Close once Out is written.
  bool InRequest = false;   ///< Bytes of a request have arrived.
  bool Pending = false;     ///< An answer is written, not yet all sent.
  bool RetryArmed = false;
  bool WriteDeadline = false;  ///< Deadline is the write timeout.
  Executor::TimerId Deadline = 0;
  explicit Conn(HttpLimits L) : Parser(L) {}
};

HttpServer::HttpServer(Executor &Loop, HttpHandler &H, HttpServerOptions O,
                       llvm::raw_ostream &Log)
    : Loop(Loop), Handler(H), Opts(O), Log(Log) {}

HttpServer::~HttpServer() { stop(); }

llvm::Error HttpServer::listen(const std::string &Host, unsigned P, bool AllowRemote) {
  addrinfo Hints{};
  Hints.ai_family = AF_UNSPEC;
  Hints.ai_socktype = SOCK_STREAM;
  Hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
  addrinfo *Res = nullptr;
  std::string PortText = std::to_string(P);
  if (int E = getaddrinfo(Host.c_str(), PortText.c_str(), &Hints, &Res))
    return llvm::createStringError("cannot resolve `%s`: %s", Host.c_str(),
                                   gai_strerror(E));
  std::string Why = "no address";
  for (addrinfo *A = Res; A; A = A->ai_next) {
    if (!AllowRemote && !isLoopback(A->ai_addr)) {
      Why = "not a loopback address (binding elsewhere needs --allow-remote)";
      continue;
    }
    int Fd = ::socket(A->ai_family, A->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (Fd < 0) continue;
    int One = 1;
    setsockopt(Fd, SOL_SOCKET, SO_REUSEADDR, &One, sizeof One);
    if (::bind(Fd, A->ai_addr, A->ai_addrlen) != 0 || ::listen(Fd, 128) != 0) {
      Why = std::strerror(errno);
      ::close(Fd);
      continue;
    }
    sockaddr_storage Bound{};
    socklen_t Len = sizeof Bound;
    getsockname(Fd, reinterpret_cast<sockaddr *>(&Bound), &Len);
    Port = ntohs(Bound.ss_family == AF_INET
                     ? reinterpret_cast<sockaddr_in *>(&Bound)->sin_port
                     : reinterpret_cast<sockaddr_in6 *>(&Bound)->sin6_port);
    Loopback = isLoopback(reinterpret_cast<sockaddr *>(&Bound));
    Listen = Fd;
    break;
  }
  freeaddrinfo(Res);
  if (Listen < 0)
    return llvm::createStringError("cannot listen on %s:%u: %s", Host.c_str(), P,
                                   Why.c_str());
  Watching = Loop.watchFd(Listen, [this] { accept(); });
  return llvm::Error::success();
}

void HttpServer::accept() {
  for (;;) {
    int Fd = ::accept4(Listen, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (Fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      // Out of descriptors or memory: the pending connection stays
      // readable, so stop watching it for a while instead of spinning,
      // and say so, at most once a minute.
      int Err = errno;
      if (!AcceptLogged || Loop.now() - LastAcceptLog > std::chrono::minutes(1)) {
        Log << "orchrt mcp: accept: " << std::strerror(Err)
            << " (retrying every 100 ms)\n";
        AcceptLogged = true;
        LastAcceptLog = Loop.now();
      }
      pauseAccept();
      return;
    }
    if (Conns.size() >= Opts.MaxConnections && !evictIdle()) {
      // Full of busy connections: say so, then close.
      std::string Body = "too many connections\n";
      std::string Msg = fmt::format(
          "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
          "Content-Length: {}\r\nConnection: close\r\nRetry-After: 1\r\n\r\n{}",
          Body.size(), Body);
      [[maybe_unused]] ssize_t N = ::send(Fd, Msg.data(), Msg.size(), MSG_NOSIGNAL);
      ::close(Fd);
      continue;
    }
    int One = 1;
    setsockopt(Fd, IPPROTO_TCP, TCP_NODELAY, &One, sizeof One);
    auto K = std::make_unique<Conn>(Opts.Limits);
    K->Id = NextId++;
    K->Fd = Fd;
    ConnId Id = K->Id;
    Conn &Ref = *K;
    Conns.emplace(Id, std::move(K));
    arm(Ref, Opts.IdleTimeoutMs);
    Loop.watchFd(Fd, [this, Id] { onReadable(Id); });
  }
}

void HttpServer::pauseAccept() {
  if (Listen < 0 || AcceptTimer) return;
  // Called from the listener's own callback: let it go after it returns.
  Loop.post([this] {
    if (Listen < 0 || !Watching) return;
    Loop.unwatchFd(Listen);
    Watching = false;
  });
  AcceptTimer = Loop.addTimer(Loop.now() + std::chrono::milliseconds(100), [this] {
    AcceptTimer = 0;
    if (Listen < 0 || Watching) return;
    Watching = Loop.watchFd(Listen, [this] { accept(); });
  });
}

bool HttpServer::evictIdle() {
  // The connection idle the longest: no request under way, nothing to
  // write. Ids grow, so the first one found is the oldest.
  for (auto &[Id, K] : Conns)
    if (!K->Busy && !K->InRequest && !K->Pending && K->Out.empty()) {
      close(Id, /*Notify=*/false);
      return true;
    }
  return false;
}

void HttpServer::arm(Conn &K, unsigned Ms) {
  if (K.Deadline) Loop.cancelTimer(K.Deadline);
  K.Deadline = 0;
  K.WriteDeadline = false;
  if (!Ms) return;
  ConnId Id = K.Id;
  K.Deadline = Loop.addTimer(Loop.now() + std::chrono::milliseconds(Ms), [this, Id] {
    auto It = Conns.find(Id);
    if (It == Conns.end()) return;
    Conn &C = *It->second;
    C.Deadline = 0;
    if (C.InRequest && !C.Busy) {
      // A slow sender: answer 408 and close.
      fail(C, 408, "the request did not arrive in time");
      return;
    }
    close(Id, /*Notify=*/true);
  });
}

void HttpServer::onReadable(ConnId Id) {
  auto It = Conns.find(Id);
  if (It == Conns.end()) return;
  Conn &K = *It->second;
  char Buf[64 << 10];
  ssize_t N = ::read(K.Fd, Buf, sizeof Buf);
  if (N < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (N == 0 && K.Busy) {
    // The peer half-closed after its request (`nc -N`, shutdown(SHUT_WR))
    // or closed for good (found when a write fails): stop reading, answer,
    // then close. The handler decides whether this ends the request.
    K.CloseAfter = true;
    Loop.unwatchFd(K.Fd);
    Handler.inputEnded(Id);
    return;
  }
  if (N <= 0) {
    close(Id, /*Notify=*/true);
    return;
  }
  if (K.CloseAfter) return;  // Answered with an error: the rest is ignored.
  if (!K.InRequest && !K.Busy && !K.Pending) {
    K.InRequest = true;
    arm(K, Opts.RequestTimeoutMs);
  }
  K.Parser.feed(llvm::StringRef(Buf, static_cast<size_t>(N)));
  if (K.Busy || K.Pending) {
    // Pipelined bytes wait, within one request's worth, while a request
    // runs or its answer is still unread by the peer.
    if (K.Parser.buffered() > Opts.Limits.MaxHeaderBytes + Opts.Limits.MaxBody)
      close(Id, /*Notify=*/true);
    return;
  }
  dispatch(Id);
}

void HttpServer::dispatch(ConnId Id) {
  auto It = Conns.find(Id);
  if (It == Conns.end()) return;
  Conn &K = *It->second;
  if (K.Busy || K.CloseAfter || K.Pending) return;
  HttpRequest Req;
  switch (K.Parser.next(Req)) {
    case HttpRequestParser::State::NeedMore:
      return;
    case HttpRequestParser::State::Error:
      fail(K, K.Parser.errorStatus(), K.Parser.errorText());
      return;
    case HttpRequestParser::State::Ready:
      break;
  }
  K.Busy = true;
  K.InRequest = false;
  K.CloseAfter = Req.wantsClose();
  arm(K, 0);
  Handler.handle(Id, std::move(Req));
}

void HttpServer::fail(Conn &K, int Status, llvm::StringRef Why) {
  std::string Body = fmt::format("{}\n", Why.str());
  write(K, fmt::format("HTTP/1.1 {} {}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                       "Content-Length: {}\r\nConnection: close\r\n\r\n{}",
                       Status, httpReason(Status).str(), Body.size(), Body));
  K.CloseAfter = true;
  K.Busy = false;
  flush(K.Id);
}

void HttpServer::respond(ConnId Id, int Status, const HttpHeaders &Headers,
                         llvm::StringRef Body) {
  auto It = Conns.find(Id);
  if (It == Conns.end() || !It->second->Busy) return;
  Conn &K = *It->second;
  std::string Head = fmt::format("HTTP/1.1 {} {}\r\n", Status, httpReason(Status).str());
  for (const auto &[Name, Value] : Headers)
    Head += fmt::format("{}: {}\r\n", Name, Value);
  Head += fmt::format("Content-Length: {}\r\n", Body.size());
  if (K.CloseAfter) Head += "Connection: close\r\n";
  Head += "\r\n";
  Head.append(Body.data(), Body.size());
  write(K, Head);
  afterResponse(K);
}

void HttpServer::startStream(ConnId Id, int Status, const HttpHeaders &Headers) {
  auto It = Conns.find(Id);
  if (It == Conns.end() || !It->second->Busy || It->second->Streaming) return;
  Conn &K = *It->second;
  std::string Head = fmt::format("HTTP/1.1 {} {}\r\n", Status, httpReason(Status).str());
  for (const auto &[Name, Value] : Headers)
    Head += fmt::format("{}: {}\r\n", Name, Value);
  Head += "Transfer-Encoding: chunked\r\n";
  if (K.CloseAfter) Head += "Connection: close\r\n";
  Head += "\r\n";
  K.Streaming = true;
  write(K, Head);
  flush(Id);
}

void HttpServer::streamChunk(ConnId Id, llvm::StringRef Data) {
  auto It = Conns.find(Id);
  if (It == Conns.end() || !It->second->Streaming || Data.empty()) return;
  write(*It->second, fmt::format("{:x}\r\n{}\r\n", Data.size(), Data.str()));
  flush(Id);
}

void HttpServer::endStream(ConnId Id) {
  auto It = Conns.find(Id);
  if (It == Conns.end() || !It->second->Streaming) return;
  Conn &K = *It->second;
  K.Streaming = false;
  write(K, "0\r\n\r\n");
  afterResponse(K);
}

void HttpServer::afterResponse(Conn &K) {
  // The next request waits until the peer has read this answer: a client
  // that pipelines without reading cannot make the output grow, and the
  // write deadline stays armed meanwhile.
  K.Busy = false;
  K.Pending = true;
  flush(K.Id);
}

void HttpServer::next(Conn &K) {
  ConnId Id = K.Id;
  arm(K, Opts.IdleTimeoutMs);
  // A pipelined request may be waiting already; serve it after this
  // callback returns.
  if (K.Parser.buffered()) {
    K.InRequest = true;
    arm(K, Opts.RequestTimeoutMs);
    Loop.post([this, Id] { dispatch(Id); });
  }
}

void HttpServer::write(Conn &K, llvm::StringRef Bytes) {
  K.Out.append(Bytes.data(), Bytes.size());
}

void HttpServer::flush(ConnId Id) {
  auto It = Conns.find(Id);
  if (It == Conns.end()) return;
  Conn &K = *It->second;
  while (!K.Out.empty()) {
    ssize_t N = ::send(K.Fd, K.Out.data(), K.Out.size(), MSG_NOSIGNAL);
    if (N < 0 && errno == EINTR) continue;
    if (N < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!K.RetryArmed) {
        K.RetryArmed = true;
        if (!K.Deadline) {
          arm(K, Opts.WriteTimeoutMs);
          K.WriteDeadline = true;
        }
        Loop.addTimer(Loop.now() + WriteRetry, [this, Id] {
          auto J = Conns.find(Id);
          if (J == Conns.end()) return;
          J->second->RetryArmed = false;
          flush(Id);
        });
      }
      return;
    }
    if (N <= 0) {
      close(Id, /*Notify=*/true);
      return;
    }
    K.Out.erase(0, static_cast<size_t>(N));
  }
  if (K.WriteDeadline) {
    K.WriteDeadline = false;
    arm(K, 0);
  }
  if (K.CloseAfter && !K.Busy && !K.Streaming) {
    close(Id, /*Notify=*/false);
    return;
  }
  if (K.Pending) {
    K.Pending = false;
    next(K);
  }
}

void HttpServer::close(ConnId Id, bool Notify) {
  auto It = Conns.find(Id);
  if (It == Conns.end()) return;
  std::unique_ptr<Conn> K = std::move(It->second);
  Conns.erase(It);
  if (K->Deadline) Loop.cancelTimer(K->Deadline);
  Loop.unwatchFd(K->Fd);
  ::close(K->Fd);
  if (Notify && (K->Busy || K->Streaming)) Handler.closed(Id);
}

void HttpServer::stop() {
  stopListening();
  while (!Conns.empty()) close(Conns.begin()->first, /*Notify=*/true);
}

void HttpServer::stopListening() {
  if (AcceptTimer) Loop.cancelTimer(AcceptTimer);
  AcceptTimer = 0;
  if (Listen >= 0) {
    if (Watching) Loop.unwatchFd(Listen);
    Watching = false;
    ::close(Listen);
    Listen = -1;
  }
}

}  // namespace orch::runtime::mcp
