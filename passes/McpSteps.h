//===- McpSteps.h - What the passes check of `mcp` steps -------*- C++ -*-===//
//
// An `mcp` step names a server of `mcp_servers:` and one of its tools. The
// tool's schemas come from the lock file (`mcp_servers:` of
// `<pipeline>.auto.lock`), else from the server itself, through the
// McpToolLister interface that orchc implements (tools/orchc/McpLister.cpp):
// the passes never start a process. The step's constant arguments are
// checked against the input schema, and the fields later templates read
// against the output schema (docs/backends/mcp.md §10.1).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ir/Diagnostics.h"
#include "ir/Pipeline.h"
#include "llvm/Support/Error.h"
#include "passes/AutoStore.h"

namespace orch::passes {

/// Asks an MCP server for its tools (`initialize`, then `tools/list`).
class McpToolLister {
 public:
  virtual ~McpToolLister() = default;
  /// Every tool of \p S with its schemas, or why they could not be read.
  virtual llvm::Expected<std::vector<McpLockTool>> listTools(const ir::McpServer &S) = 0;
};

/// Where the check-actions pass finds the tools of `mcp` steps.
struct McpOptions {
  LockFile *Lock = nullptr;         ///< Read, and updated with what was asked.
  McpToolLister *Lister = nullptr;  ///< Null: the lock only (`orchc check`).
  bool Offline = false;             ///< A tool the lock lacks is an error.
  bool Refresh = false;             ///< `--refresh-mcp`: ask even when locked.
  /// Filled by the pass: servers asked in this build (what they listed, or
  /// nothing when that failed), and the fields each
  /// `mcp` step's result has (by step index) when its output schema is known.
  std::map<std::string, std::optional<std::vector<McpLockTool>>> Asked;
  std::map<uint32_t, std::vector<std::string>> Fields;
  /// The output schema of each `mcp` step whose tool is known (by step
  /// index; null when the tool has none), for nested field reads.
  std::map<uint32_t, ir::Json> Outputs;
};

/// The server of `mcp_servers:` that `mcp` step \p S names with a constant
/// `server`, or null.
const ir::McpServer *mcpServerOf(const ir::Pipeline &P, const ir::Step &S);

/// Checks `mcp` step \p S (index \p Index): a constant `server` names a
/// server of `mcp_servers:` (with a did-you-mean hint); with \p M, a
/// constant `tool` is one of the server's and the step's arguments fit its
/// input schema.
void checkMcpStep(const ir::Pipeline &P, const ir::Step &S, uint32_t Index,
                  DiagnosticEngine &D, McpOptions *M);

}  // namespace orch::passes
