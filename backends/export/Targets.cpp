//===- Targets.cpp - The table of `orchc export` targets ------------------===//
#include "backends/export/ExportTarget.h"
#include "backends/mcp/ServerJson.h"

namespace orch::backends {

namespace {
/// One row per target; keep them in alphabetical order.
const ExportTarget Targets[] = {
    {"langgraph", "a LangGraph JS project (graph.mjs, langgraph.json)", exportLangGraph},
    {"mcp", "an MCP server: server.json (registry format), tools.json, plan.bin",
     exportMcp},
    {"plan", "the execution plan for orchrt (plan.bin)", exportPlan},
};
}  // namespace

llvm::ArrayRef<ExportTarget> exportTargets() { return Targets; }

const ExportTarget *findExportTarget(llvm::StringRef Name) {
  for (const ExportTarget &T : Targets)
    if (T.Name == Name) return &T;
  return nullptr;
}

}  // namespace orch::backends
