//===- PlanWriter.h - Pipeline IR to plan.bin ------------------*- C++ -*-===//
#pragma once

#include <string>

#include "ir/Diagnostics.h"
#include "ir/Pipeline.h"
#include "llvm/Support/Error.h"

namespace orch::backends {

/// Serializes \p P (after every pass) as a plan file (ir/plan/Plan.fbs in
/// the PlanFile.h envelope). Deterministic: the same IR gives the same
/// bytes. Holds no secrets: keys never reach the IR.
llvm::Expected<std::string> writePlan(const ir::Pipeline &P,
                                      llvm::StringRef CompilerVersion);

}  // namespace orch::backends
