//===- McpLister.h - orchc asks an MCP server for its tools ----*- C++ -*-===//
//
// `orchc build` starts each stdio server that `mcp` steps call, in orchc's
// current directory with only the environment its entry names, sends
// `initialize` and `tools/list` (following `nextCursor`), and stops it. A
// server that does not answer within the time limit is killed. A `url:`
// server gets the same requests over Streamable HTTP (its session ends
// with DELETE).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <chrono>

#include "passes/McpSteps.h"

namespace orch::tools {

/// The real lister: one child process or HTTP session a server.
class McpLister : public passes::McpToolLister {
 public:
  explicit McpLister(std::chrono::milliseconds Limit = std::chrono::seconds(30))
      : Limit(Limit) {}
  llvm::Expected<std::vector<passes::McpLockTool>> listTools(
      const ir::McpServer &S) override;

 private:
  std::chrono::milliseconds Limit;
};

}  // namespace orch::tools
