//===- Client.h - Calling the tools of one MCP server ----------*- C++ -*-===//
//
// The client side of MCP, as the `mcp` action uses it: one Client per
// server and run, on the loop thread. The first call starts the transport
// and sends `initialize`; calls wait for its answer, then go out at once,
// each with its own id. Lines that are not JSON, answers with unknown ids
// and the server's notifications are ignored; requests from the server are
// answered (`ping`) or refused (anything else). A line over the limit or
// the end of the transport fails every call in flight; the client is then
// dead and the owner makes a new one for the next call. See
// docs/backends/mcp.md ("Calling MCP servers").
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ir/Json.h"
#include "llvm/ADT/StringRef.h"
#include "runtime/mcp/LineReader.h"

namespace orch::runtime::mcp {

/// The byte pipe under a client: one JSON-RPC message a line.
class ClientTransport {
 public:
  using LineFn = std::function<void(llvm::StringRef)>;
  using ClosedFn = std::function<void(std::string Why)>;
  virtual ~ClientTransport() = default;
  /// Connects (starts the server). Bytes arrive through \p OnBytes and the
  /// end through \p OnClosed (at most once), on the loop thread. Returns
  /// why it could not start, or "".
  virtual std::string start(std::function<void(llvm::StringRef)> OnBytes,
                            ClosedFn OnClosed) = 0;
  /// Sends \p Line and a newline.
  virtual void send(const std::string &Line) = 0;
  /// Ends the connection (stops the server); OnClosed is not called.
  virtual void close() = 0;
};

/// How a tool call ended.
struct CallOutcome {
  enum Kind {
    Result,    ///< Value is the `tools/call` result (isError included).
    RpcError,  ///< The server refused the request; Error says why.
    Lost,      ///< The connection ended or broke; Error says why.
  } K = Lost;
  orch::ir::Json Value;
  std::string Error;
};

/// A connection to one MCP server.
class Client {
 public:
  using CallDone = std::function<void(CallOutcome)>;
  /// The longest line read from a server.
  static constexpr size_t MaxLine = 64u << 20;

  Client(std::string ServerName, std::unique_ptr<ClientTransport> T);
  ~Client();

  /// Calls tool \p Tool with \p Args; \p Done is called once on the loop
  /// thread (possibly before callTool returns, when the transport cannot
  /// start). Returns the call's id for cancel().
  uint64_t callTool(const std::string &Tool, orch::ir::Json Args, CallDone Done);
  /// Sends request \p Method (`tools/list`) with \p Params, as callTool
  /// does; an empty \p Method sends nothing and answers the server's
  /// `initialize` result once the connection is ready. A \p FollowUp (the
  /// next page of a listing) is sent even after closeWhenIdle().
  uint64_t request(std::string Method, orch::ir::Json Params, CallDone Done,
                   bool FollowUp = false);
  /// Ends the connection once no call is in flight (now, if none is); new
  /// calls are refused as if the server were gone.
  void closeWhenIdle();
  /// Forgets call \p Id (its Done is not called) and tells the server
  /// (`notifications/cancelled`).
  void cancel(uint64_t Id);
  /// Ends the connection; calls in flight are dropped without Done.
  void shutdown();
  /// The connection broke or ended: make a new client for the next call.
  bool dead() const { return Dead; }

  /// The protocol revision the client asks for.
  static constexpr const char *Revision = "2025-11-25";
  /// Whether the client speaks revision \p V, which a server answered
  /// (2025-03-26 to 2025-11-25: tools/call is the same in each).
  static bool speaks(llvm::StringRef V);

 private:
  struct Pending {
    std::string Method;  ///< Empty: waits for `initialize`'s answer.
    orch::ir::Json Params;
    CallDone Done;
    bool Sent = false;
  };
  /// Starts the transport and sends `initialize`; false after fail().
  bool start();
  /// Answers the calls waiting for `initialize` (Method empty).
  void answerReady();
  /// Shuts the connection when closeWhenIdle() asked and nothing is in flight.
  void closeIfIdle();
  void onBytes(llvm::StringRef Bytes);
  void onLine(llvm::StringRef Line);
  void onAnswer(const orch::ir::Json &Msg);
  void fail(const std::string &Why);
  void sendCall(uint64_t Id, Pending &P);
  void send(const orch::ir::Json &Msg);

  std::string Name;
  std::unique_ptr<ClientTransport> T;
  LineReader Lines{MaxLine};
  bool Started = false, Ready = false, Dead = false, Closing = false;
  /// The server's answer to `initialize`.
  orch::ir::Json InitResult;
  uint64_t NextId = 1;
  uint64_t InitId = 0;
  std::map<uint64_t, Pending> Calls;
  /// Set while the client is alive: callbacks that outlive it do nothing.
  std::shared_ptr<bool> Alive = std::make_shared<bool>(true);
};

}  // namespace orch::runtime::mcp
