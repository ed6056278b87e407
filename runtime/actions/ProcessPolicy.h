//===- ProcessPolicy.h - How a plan's process steps run --------*- C++ -*-===//
//
// One decision for every way a plan runs (`orchrt plan.bin`, `orchrt mcp`):
// whether its process steps (`shell`, `python`, `node`) are sandboxed, with
// which limits from the plan's `sandbox` settings, and whether this machine
// can make the sandbox at all. Never a silent unsandboxed run.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "ir/plan/Plan_generated.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include "runtime/actions/Shell.h"

namespace orch::runtime {

/// True if \p P has a step that starts a process.
bool planRunsProcesses(const plan::Plan &P);

/// How \p P's process steps run: sandboxed unless \p NoSandbox
/// (`--no-sandbox`) or the plan's `sandbox.enabled: false`, with the plan's
/// `sandbox.resource_limits` and `security.forbidden_modules`. A plan
/// without process steps gets the defaults and no checks. An unsandboxed
/// run is warned about on \p Warn; bad limits, or a sandbox this machine
/// cannot make, are errors that name the fix. The caller sets the run
/// directory.
llvm::Expected<ProcessConfig> processConfig(const plan::Plan &P, bool NoSandbox,
                                            llvm::raw_ostream &Warn);

}  // namespace orch::runtime
