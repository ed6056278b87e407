//===- HttpServer.h - A small, hardened HTTP/1.1 server --------*- C++ -*-===//
//
// Sockets on the runtime's EventLoop: one listening socket, connections
// read as they become readable, requests parsed with limits
// (HttpRequestParser), a deadline for each request (slow senders are cut
// off), keep-alive and pipelining (one request of a connection at a time),
// and responses whole (Content-Length) or streamed (chunked, for SSE).
// Everything runs on the loop's thread; handlers on other threads post
// their answers to it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include "runtime/exec/Executor.h"
#include "runtime/mcp/HttpRequest.h"

namespace orch::runtime::mcp {

/// A connection, by a number never reused within a server.
using ConnId = uint64_t;

/// Header lines of a response, besides those the server adds
/// (Content-Length or Transfer-Encoding, Connection).
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

/// What the server asks of its application.
class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  /// A whole request on \p C. The handler answers it, now or later, with
  /// respond() or a stream; the connection reads no further request until
  /// then.
  virtual void handle(ConnId C, HttpRequest Req) = 0;
  /// \p C closed (the peer went away, or a deadline passed) while its
  /// request was unanswered: answers to it are dropped from now on.
  virtual void closed(ConnId C) = 0;
  /// The peer of \p C sent its last byte (it closed the connection, or
  /// half-closed it) while its request was unanswered. The connection stays
  /// open for the answer (a half-closed peer still reads it); a handler
  /// that takes this as the request's end answers or aborts it.
  virtual void inputEnded(ConnId C) { (void)C; }
};

/// Limits and deadlines.
struct HttpServerOptions {
  HttpLimits Limits;
  unsigned MaxConnections = 256;
  /// From the first byte of a request to its last.
  unsigned RequestTimeoutMs = 10000;
  /// A connection waiting for its next request.
  unsigned IdleTimeoutMs = 60000;
  /// Pending output that the peer does not read.
  unsigned WriteTimeoutMs = 30000;
};

/// The server. Not thread-safe: call it on the loop's thread.
class HttpServer {
 public:
  HttpServer(Executor &Loop, HttpHandler &H, HttpServerOptions O, llvm::raw_ostream &Log);
  ~HttpServer();
  HttpServer(const HttpServer &) = delete;
  HttpServer &operator=(const HttpServer &) = delete;

  /// Binds \p Host (an address or `localhost`) and \p Port (0: any free
  /// one) and starts accepting. Refuses an address that is not loopback
  /// unless \p AllowRemote.
  llvm::Error listen(const std::string &Host, unsigned Port, bool AllowRemote);
  /// The bound port.
  unsigned port() const { return Port; }
  /// Whether the bound address is a loopback one.
  bool loopback() const { return Loopback; }

  /// Answers \p C's request with a whole response.
  void respond(ConnId C, int Status, const HttpHeaders &Headers, llvm::StringRef Body);
  /// Starts a chunked response on \p C; chunks follow, then endStream().
  void startStream(ConnId C, int Status, const HttpHeaders &Headers);
  void streamChunk(ConnId C, llvm::StringRef Data);
  void endStream(ConnId C);
  /// Closes \p C without an answer to its request (the handler is not
  /// told).
  void abort(ConnId C) { close(C, /*Notify=*/false); }
  /// Whether \p C is still open.
  bool alive(ConnId C) const { return Conns.count(C) != 0; }
  /// Stops accepting; open connections go on.
  void stopListening();
  /// Stops accepting and closes every connection.
  void stop();
  /// Open connections.
  size_t connections() const { return Conns.size(); }

 private:
  struct Conn;
  void accept();
  void onReadable(ConnId C);
  void dispatch(ConnId C);
  void fail(Conn &K, int Status, llvm::StringRef Why);
  void write(Conn &K, llvm::StringRef Bytes);
  void flush(ConnId C);
  void afterResponse(Conn &K);
  /// The answer is all sent: waits for, or serves, the next request.
  void next(Conn &K);
  /// Stops accepting for 100 ms (out of descriptors).
  void pauseAccept();
  /// Closes the connection idle the longest; false if none is.
  bool evictIdle();
  void arm(Conn &K, unsigned Ms);
  void close(ConnId C, bool Notify);

  Executor &Loop;
  HttpHandler &Handler;
  HttpServerOptions Opts;
  llvm::raw_ostream &Log;
  int Listen = -1;
  bool Watching = false;      ///< The listener is watched.
  bool AcceptLogged = false;  ///< An accept error was logged, at LastAcceptLog.
  Executor::TimePoint LastAcceptLog;
  Executor::TimerId AcceptTimer = 0;
  unsigned Port = 0;
  bool Loopback = true;
  ConnId NextId = 1;
  std::map<ConnId, std::unique_ptr<Conn>> Conns;
};

}  // namespace orch::runtime::mcp
