//===- Revisions.h - The MCP protocol revisions spoken here ----*- C++ -*-===//
//
// Two eras: the `initialize` handshake (2025-03-26 … 2025-11-25), whose
// revision is fixed for a session, and the stateless revision 2026-07-28,
// whose requests each name their revision and client capabilities in
// `params._meta`.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "runtime/mcp/JsonRpc.h"

namespace orch::runtime::mcp {

/// The stateless revision: no handshake, `server/discover`, per-request
/// `_meta`.
constexpr llvm::StringLiteral StatelessRevision = "2026-07-28";
/// The `_meta` key naming a request's protocol revision.
constexpr llvm::StringLiteral MetaVersionKey = "io.modelcontextprotocol/protocolVersion";
/// The `_meta` key holding a request's client capabilities.
constexpr llvm::StringLiteral MetaCapabilitiesKey =
    "io.modelcontextprotocol/clientCapabilities";

/// The revisions spoken with the `initialize` handshake, newest first.
llvm::ArrayRef<const char *> supportedRevisions();
/// Every revision spoken, newest first (the stateless one included).
llvm::ArrayRef<const char *> allRevisions();
/// Whether \p V is one of allRevisions().
bool isSupportedRevision(llvm::StringRef V);

/// The revision a request names in `params._meta`: empty when it names
/// none or a handshake-era one (the session's revision applies), the
/// stateless revision, or nullopt with
/// \p Err set: a version that is not a string or not spoken here
/// (UnsupportedProtocolVersion, listing the supported ones), or client
/// capabilities that are not an object.
std::optional<std::string> metaRevision(const nlohmann::json &Params, RpcError &Err);

/// The UnsupportedProtocolVersion error for \p Requested.
RpcError unsupportedRevision(const std::string &Requested);

}  // namespace orch::runtime::mcp
