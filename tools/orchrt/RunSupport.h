//===- RunSupport.h - Helpers of orchrt's run stages -----------*- C++ -*-===//
//
// Usage errors, reading files whole, and what a resumed run carries over
// from an earlier invocation: shared by PlanRunSetup.cpp and
// PlanRunFinish.cpp.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "Durable.h"
#include "Run.h"
#include "ir/Json.h"
#include "llvm/Support/Error.h"
#include "runtime/exec/Scheduler.h"
#include "runtime/observe/Ledger.h"

namespace orch::tools {

/// Prints one diagnostic without a source location (`orchrt: error: ...
/// [Kind]`) and returns the usage exit code.
template <typename... Args>
int usageError(DiagKind K, Args &&...A) {
  printDiag("orchrt", K, std::forward<Args>(A)...);
  return ExitUsage;
}

/// A BadArgument usage error with message \p Msg.
int usage(const std::string &Msg);

/// The import hook's cut-off for a resumed run that first started at
/// \p StartedMs (Unix ms, the wall clock): a second earlier, since file
/// ctimes come from the kernel's coarse clock.
inline int64_t resumeCutoffNs(int64_t StartedMs) { return (StartedMs - 1000) * 1000000; }

/// The earliest `started_at` of a `--resume FILE` result (the run's and its
/// steps', which keep their first start across resumes), Unix ms; 0 if none.
int64_t earliestStartMs(const orch::ir::Json &Prior);

/// Reports a state-store failure (its arguments are joined by \0).
int stateError(const StateFailure &F);

/// The bytes of \p Path (`-`: stdin).
llvm::Expected<std::string> readAll(const std::string &Path);

/// Counts what the steps of an earlier invocation of the run spent (each
/// step's `usage` in \p Prior, a result or the store's record) into
/// \p Ledger: a budget holds across `--resume`. Only the plan's steps
/// (those of \p Sched) are carried: an id the plan does not have is not
/// a step of this run, whatever the file says.
void carryUsage(observe::Ledger &Ledger, const orch::ir::Json &Prior,
                const runtime::Scheduler &Sched);

}  // namespace orch::tools
