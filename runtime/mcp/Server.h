//===- Server.h - An MCP server over a message transport -------*- C++ -*-===//
//
// The protocol core: the `initialize` handshake and version negotiation,
// `ping`, `tools/list` and `tools/call`, answered one line at a time. The
// transport is behind MessageSink (what goes out) and handleLine (what came
// in), so tests drive it without processes or pipes.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir/Json.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"
#include "runtime/mcp/JsonRpc.h"
#include "runtime/mcp/Revisions.h"
#include "runtime/mcp/Tool.h"

namespace orch::runtime::mcp {

/// Where the server's messages go: one line of JSON each, without the
/// newline.
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  virtual void send(const std::string &Line) = 0;
};

/// The transport's input, read while a call runs: a `notifications/cancelled`
/// for that call stops it; other lines wait until it is answered.
class InputSource {
 public:
  virtual ~InputSource() = default;
  /// A descriptor that is readable when input is waiting.
  virtual int fd() const = 0;
  /// The longest line accepted.
  virtual size_t limit() const = 0;
  /// Reads what is waiting (one read at most): \p OnLine for each whole
  /// line, \p OnOverlong for each line over the limit. False at the end of
  /// input.
  virtual bool readAvailable(const std::function<void(llvm::StringRef)> &OnLine,
                             const std::function<void()> &OnOverlong) = 0;
};

/// The server's name and version, as `serverInfo` says.
struct ServerInfo {
  std::string Name = "orchrt";
  std::string Version = "0";
};

/// Answers the messages of one client.
class Server {
 public:
  /// \p Log receives diagnostics (never the sink: it carries JSON-RPC only).
  Server(std::vector<std::unique_ptr<Tool>> Tools, ServerInfo Info, MessageSink &Out,
         llvm::raw_ostream &Log);
  /// The same over tools shared with other servers (one per HTTP request).
  Server(std::vector<std::shared_ptr<Tool>> Tools, ServerInfo Info, MessageSink &Out,
         llvm::raw_ostream &Log);

  /// Continues a session whose `initialize` answered \p Revision (HTTP:
  /// each request of a session is served by a fresh Server).
  void resume(std::string Revision) {
    this->Revision = std::move(Revision);
    ClientReady = true;
  }

  /// Lets calls watch \p In for cancellation (stdio; null: none).
  void setInput(InputSource *In) { Input = In; }

  /// One line of input: a message or a batch; then the lines that arrived
  /// while it was served.
  void handleLine(llvm::StringRef Line);
  /// Queues a line (nullopt: one over the limit) behind those waiting.
  void queue(std::optional<std::string> Line) { Pending.push_back(std::move(Line)); }
  /// Serves the waiting lines in order, with those that arrive meanwhile.
  void drain();
  /// A line longer than the transport accepts: a parse error, id null.
  void handleOverlong(size_t Limit);

  /// The negotiated revision, empty before `initialize`.
  const std::string &revision() const { return Revision; }
  /// Whether the client said `notifications/initialized`.
  bool clientReady() const { return ClientReady; }

 private:
  /// The reply to one message, or null for none.
  void handleOne(llvm::StringRef Line);
  /// Reads input during call \p Id.
  InputEvent readDuringCall(const orch::ir::Json &Id);
  orch::ir::Json handleValue(const orch::ir::Json &V, bool InBatch);
  orch::ir::Json handleRequest(const RpcMessage &M, bool InBatch);
  void handleNotification(const RpcMessage &M);
  void send(const orch::ir::Json &V);

  orch::ir::Json initialize(const orch::ir::Json &Params, RpcError &Err);
  orch::ir::Json discover(const orch::ir::Json &Params, RpcError &Err);
  orch::ir::Json listTools(const orch::ir::Json &Params, RpcError &Err);
  /// Null, and no answer at all, when the client cancelled the call.
  orch::ir::Json callTool(const orch::ir::Json &Params, RpcError &Err);

  std::vector<std::shared_ptr<Tool>> Tools;
  ServerInfo Info;
  MessageSink &Out;
  llvm::raw_ostream &Log;
  std::string Revision;
  bool ClientReady = false;
  InputSource *Input = nullptr;
  /// Lines that arrived during a call (nullopt: an overlong one).
  std::deque<std::optional<std::string>> Pending;
  orch::ir::Json CurrentId;  ///< The request being served.
  bool NoReply = false;      ///< It was cancelled: answer nothing.
};

}  // namespace orch::runtime::mcp
