//===- RunInputs.h - A run's input values ----------------------*- C++ -*-===//
#pragma once

#include <string>
#include <vector>

#include "ir/Json.h"
#include "llvm/Support/Error.h"
#include "runtime/plan/PlanProgram.h"
#include "runtime/plan/PlanReader.h"

namespace orch::runtime {

/// Values of the plan's inputs: bound at compile time, else from \p File
/// (`--inputs`, a JSON object), else `--input name=value` (\p Pairs, later
/// ones win), else the default. Values are checked against the declared
/// types; `name=value` text is parsed as the type needs (JSON for lists,
/// maps and `any`, falling back to text for `any`). Every problem is
/// reported at once: unknown names (with a guess), type mismatches,
/// required inputs without a value.
llvm::Expected<orch::ir::Json> resolveRunInputs(const LoadedPlan &Plan,
                                                const PlanProgram &Prog,
                                                const orch::ir::Json &File,
                                                const std::vector<std::string> &Pairs);

}  // namespace orch::runtime
