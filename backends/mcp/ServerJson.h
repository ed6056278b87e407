//===- ServerJson.h - `orchc export --target=mcp` --------------*- C++ -*-===//
//
// A pipeline as an MCP server package: `server.json` in the MCP registry's
// format (schema 2025-09-29), `tools.json` with the tool definition that
// `orchrt mcp` answers in `tools/list`, and `plan.bin`, the plan it serves.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <vector>

#include "backends/export/ExportTarget.h"
#include "ir/Json.h"
#include "ir/Pipeline.h"

namespace orch::backends {

/// The registry schema `server.json` follows.
constexpr const char *ServerJsonSchema =
    "https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json";

/// The MCP tool definition of \p P, as `orchrt mcp` lists it for the plan
/// built from \p P: `name`, `description`, a flat `inputSchema` (no `$ref`,
/// no top-level `anyOf`) and `outputSchema`.
orch::ir::Json mcpToolDefinition(const ir::Pipeline &P);

/// `server.json` for \p P: a registry entry whose `_meta` says how to run
/// it (`orchrt mcp plan.bin`) and lists its tools.
orch::ir::Json mcpServerJson(const ir::Pipeline &P, llvm::StringRef ToolVersion);

/// `--target=mcp`: `server.json`, `tools.json` and `plan.bin`.
bool exportMcp(const ExportInput &In, DiagnosticEngine &Diags,
               std::vector<ExportFile> &Out);

}  // namespace orch::backends
