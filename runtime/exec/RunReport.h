//===- RunReport.h - The JSON result of a run, and resuming ----*- C++ -*-===//
#pragma once

#include <chrono>
#include <string>

#include "ir/Json.h"
#include "llvm/Support/Error.h"
#include "runtime/exec/Scheduler.h"

namespace orch::runtime {

/// The result document (`--out`): `status`, `error`, `plan_hash`,
/// `inputs`, timestamps, `steps` keyed by id (each with `status`,
/// `output`, `fields`, `attempts`, `started_at`, `finished_at`, `error`)
/// and, once the run has finished, `outputs`. \p WallStart is the wall-clock time of
/// Scheduler::start.
orch::ir::Json buildReport(const Scheduler &S, const LoadedPlan &Plan,
                           std::chrono::system_clock::time_point WallStart);

/// The `steps.<id>` entry of step \p I in the result document.
orch::ir::Json stepEntry(const Scheduler &S, uint32_t I,
                                 std::chrono::system_clock::time_point WallStart);

/// Marks the steps a previous result \p Report completed as completed in
/// \p S (before start). The report must come from the same plan and the
/// same inputs; returns how many steps were taken over. Spilled fields are
/// taken over only from regular files under \p SpillRoot (the run
/// directory's `.orch-spill`).
llvm::Expected<size_t> resumeFrom(Scheduler &S, const LoadedPlan &Plan,
                                  const orch::ir::Json &Report,
                                  llvm::StringRef SpillRoot);

/// `2026-11-25T17:41:42.123Z`.
std::string isoTime(std::chrono::system_clock::time_point T);

}  // namespace orch::runtime
