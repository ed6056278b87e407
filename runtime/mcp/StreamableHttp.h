//===- StreamableHttp.h - MCP's Streamable HTTP transport ------*- C++ -*-===//
//
// One endpoint (`/mcp`): POST carries one JSON-RPC message (or a 2025-03-26
// batch), answered as JSON, or as an SSE stream when a `tools/call` asked
// for progress; GET is 405 (no server-initiated stream); DELETE ends a
// session. Handshake revisions get an `Mcp-Session-Id` from `initialize`;
// stateless (2026-07-28) requests need none. `Origin` and `Host` are
// checked against DNS rebinding. Each `tools/call` runs on its own thread,
// so calls are served concurrently while the loop keeps answering.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "llvm/Support/raw_ostream.h"
#include "runtime/exec/Executor.h"
#include "runtime/mcp/HttpServer.h"
#include "runtime/mcp/Server.h"
#include "runtime/mcp/Tool.h"

namespace orch::runtime::mcp {

/// What the transport accepts.
struct StreamableHttpOptions {
  std::string Path = "/mcp";
  /// Origins allowed besides loopback ones (`http://localhost:*` and the
  /// like), exactly as browsers send them.
  std::vector<std::string> AllowedOrigins;
  /// Whether `Host` must name a loopback host (when bound to loopback).
  bool CheckHost = true;
  /// Calls running at once; more are answered 503.
  unsigned MaxCalls = 64;
  /// Sessions kept at once; beyond it, the one unused the longest ends.
  size_t MaxSessions = 4096;
  /// A session unused this long ends (its requests get 404).
  unsigned SessionIdleMs = 3600 * 1000;
};

/// The MCP endpoint, an HttpHandler. Lives on the loop's thread.
class StreamableHttp : public HttpHandler {
 public:
  StreamableHttp(Executor &Loop, std::vector<std::shared_ptr<Tool>> Tools,
                 ServerInfo Info, StreamableHttpOptions O, llvm::raw_ostream &Log);
  ~StreamableHttp() override;
  /// The server whose requests this answers (set before serving).
  void attach(HttpServer &S) { Http = &S; }

  void handle(ConnId C, HttpRequest Req) override;
  void closed(ConnId C) override;
  /// A stateless (2026-07-28) call whose client closed its connection is
  /// cancelled: in that revision a disconnection is the cancellation.
  void inputEnded(ConnId C) override;

  /// Cancels every running call, and answers new ones 503 from now on.
  /// The loop must run until idle() to let them answer.
  void cancelAll();
  /// No call is running.
  bool idle() const { return Calls.empty(); }
  /// Open sessions.
  size_t sessions() const { return Sessions.size(); }

 private:
  struct Call;
  void post(ConnId C, const HttpRequest &Req);
  void remove(ConnId C, const HttpRequest &Req);
  /// A JSON-RPC error as an HTTP answer.
  void reject(ConnId C, int Status, int Code, const std::string &Msg,
              nlohmann::json Data = nullptr);
  bool originAllowed(const HttpRequest &Req) const;
  void startCall(ConnId C, std::string Key, std::string Revision, std::string Body,
                 bool Sse, bool Stateless, HttpHeaders Extra);
  void deliver(ConnId C, const std::string &Line);
  void finish(ConnId C, const std::string &LogText);
  void cancel(Call &K, const nlohmann::json &Id, const std::string &Reason);
  std::string newSessionId();

  Executor &Loop;
  std::vector<std::shared_ptr<Tool>> Tools;
  ServerInfo Info;
  StreamableHttpOptions Opts;
  llvm::raw_ostream &Log;
  HttpServer *Http = nullptr;
  bool Draining = false;  ///< cancelAll() was called.
  /// A session: the revision its `initialize` answered, and its last use.
  struct Session {
    std::string Revision;
    Executor::TimePoint Used;
  };
  /// The session named by \p Id if it exists and has not expired (its use
  /// is recorded), else null.
  Session *findSession(const std::string &Id);
  /// Makes room for one more session.
  void trimSessions();
  std::map<std::string, Session> Sessions;
  /// Running calls by their connection.
  std::map<ConnId, std::shared_ptr<Call>> Calls;
};

}  // namespace orch::runtime::mcp
