//===- PlanTarget.cpp - `orchc export --target=plan` ----------------------===//
#include "backends/export/ExportTarget.h"
#include "backends/plan/PlanWriter.h"
#include "llvm/Support/Error.h"

namespace orch::backends {

bool exportPlan(const ExportInput &In, DiagnosticEngine &Diags,
                std::vector<ExportFile> &Out) {
  llvm::Expected<std::string> Bytes = writePlan(In.P, In.ToolVersion);
  if (!Bytes) {
    Diags.report(DiagKind::PlanWrite, SourceLoc(), 0, llvm::toString(Bytes.takeError()));
    return false;
  }
  Out.push_back({"plan.bin", std::move(*Bytes)});
  return true;
}

}  // namespace orch::backends
