//===- McpCommand.h - `orchrt mcp`: plans served as MCP tools --*- C++ -*-===//
#pragma once

namespace orch::tools {

/// `orchrt mcp plan.bin [more.bin …] [options]`: \p Argv[0] is `mcp`.
/// Returns the exit code.
int runMcpCommand(int Argc, char **Argv);

}  // namespace orch::tools
