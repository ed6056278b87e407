//===- Server.h - An MCP server over a message transport -------*- C++ -*-===//
//
// The protocol core: the `initialize` handshake and version negotiation,
// `ping`, `tools/list` and `tools/call`, answered one line at a time. The
// transport is behind MessageSink (what goes out) and handleLine (what came
// in), so tests drive it without processes or pipes.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"
#include "runtime/mcp/JsonRpc.h"
#include "runtime/mcp/Tool.h"

namespace orch::runtime::mcp {

/// Where the server's messages go: one line of JSON each, without the
/// newline.
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  virtual void send(const std::string &Line) = 0;
};

/// The protocol revisions spoken with the `initialize` handshake, newest
/// first.
llvm::ArrayRef<const char *> supportedRevisions();

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

  /// One line of input: a message or a batch.
  void handleLine(llvm::StringRef Line);
  /// A line longer than the transport accepts: a parse error, id null.
  void handleOverlong(size_t Limit);

  /// The negotiated revision, empty before `initialize`.
  const std::string &revision() const { return Revision; }
  /// Whether the client said `notifications/initialized`.
  bool clientReady() const { return ClientReady; }

 private:
  /// The reply to one message, or null for none.
  nlohmann::json handleValue(const nlohmann::json &V, bool InBatch);
  nlohmann::json handleRequest(const RpcMessage &M, bool InBatch);
  void handleNotification(const RpcMessage &M);
  void send(const nlohmann::json &V);

  nlohmann::json initialize(const nlohmann::json &Params, RpcError &Err);
  nlohmann::json listTools(const nlohmann::json &Params, RpcError &Err);
  nlohmann::json callTool(const nlohmann::json &Params, RpcError &Err);

  std::vector<std::unique_ptr<Tool>> Tools;
  ServerInfo Info;
  MessageSink &Out;
  llvm::raw_ostream &Log;
  std::string Revision;
  bool ClientReady = false;
};

}  // namespace orch::runtime::mcp
