//===- JsonRpc.h - JSON-RPC 2.0 messages, one a line -----------*- C++ -*-===//
//
// The framing MCP's stdio transport uses: each message is one JSON value on
// one line. This layer only classifies a parsed value (request,
// notification, response) or says which error answers it; it knows nothing
// of MCP's methods.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <optional>
#include <string>

#include "ir/Json.h"

namespace orch::runtime::mcp {

/// The error codes JSON-RPC 2.0 reserves.
enum RpcCode : int {
  ParseError = -32700,
  InvalidRequest = -32600,
  MethodNotFound = -32601,
  InvalidParams = -32602,
  InternalError = -32603,
  /// MCP 2026-07-28: the HTTP headers disagree with the body.
  HeaderMismatch = -32020,
  /// MCP 2026-07-28: the request's protocol version is not spoken here;
  /// `data` is `{"supported": [...], "requested": "..."}`.
  UnsupportedProtocolVersion = -32022,
};

/// An error to answer a request with.
struct RpcError {
  RpcError() = default;
  RpcError(int Code, std::string Message, nlohmann::json Data = nullptr)
      : Code(Code), Message(std::move(Message)), Data(std::move(Data)) {}
  int Code = 0;
  std::string Message;
  nlohmann::json Data;  ///< The error's `data`, when not null.
};

/// One message a peer sent.
struct RpcMessage {
  enum Kind { Request, Notification, Response } K = Request;
  orch::ir::Json Id;      ///< A string or an integer (requests, responses).
  std::string Method;     ///< Requests and notifications.
  orch::ir::Json Params;  ///< An object, or null when absent.
};

/// Classifies \p V, one message (not a batch). On failure \p Err says why
/// and \p ErrId is the id to answer with: the message's own id when it was
/// readable, else null.
std::optional<RpcMessage> classifyMessage(const orch::ir::Json &V, RpcError &Err,
                                          orch::ir::Json &ErrId);

/// `{"jsonrpc":"2.0","id":Id,"result":Result}`.
orch::ir::Json resultMessage(const orch::ir::Json &Id, orch::ir::Json Result);
/// `{"jsonrpc":"2.0","id":Id,"error":{"code":…,"message":…}}`.
orch::ir::Json errorMessage(const orch::ir::Json &Id, const RpcError &E);
/// `{"jsonrpc":"2.0","method":Method,"params":Params}`.
orch::ir::Json notificationMessage(const std::string &Method, orch::ir::Json Params);

/// One line of text for \p V: compact, no raw newline, bytes that are not
/// UTF-8 replaced by U+FFFD.
std::string messageText(const orch::ir::Json &V);

}  // namespace orch::runtime::mcp
