//===- ProcessPolicy.h - How a plan's process steps run --------*- C++ -*-===//
//
// One decision for every way a plan runs (`orchrt plan.bin`, `orchrt mcp`):
// whether its process steps (`shell`, `python`, `node`) are sandboxed, with
// which limits from the plan's `sandbox` settings, and whether this machine
// can make the sandbox at all. Never a silent unsandboxed run.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "ir/Diagnostics.h"
#include "ir/plan/Plan_generated.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include "runtime/actions/Shell.h"

namespace orch::runtime {

/// True if \p P has a step that starts a process.
bool planRunsProcesses(const plan::Plan &P);

/// What the command line says about process steps.
struct ProcessOptions {
  bool NoSandbox = false;  ///< `--no-sandbox`.
  bool NoUserns = false;   ///< `--no-userns`: unsandboxed steps keep setuid tools.
  /// `--require-sandbox` (or ORCH_REQUIRE_SANDBOX=1 in the environment,
  /// read by processConfig): an unsandboxed plan is refused.
  bool RequireSandbox = false;
  bool DefaultRunDir = false;  ///< No --run-dir: the run directory is `.`.
};

/// The refusal of an unsandboxed plan (or one loosening its sandbox:
/// SandboxCeilingRequired) by --require-sandbox; its message ends with the
/// kind, `[SandboxRequired]`.
class SandboxRequiredError : public llvm::ErrorInfo<SandboxRequiredError> {
 public:
  static char ID;
  SandboxRequiredError(std::string Why, std::string By,
                       DiagKind Kind = DiagKind::SandboxRequired)
      : Why(std::move(Why)), By(std::move(By)), Kind(Kind) {}
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }
  std::string Why;  ///< `--no-sandbox`, `sandbox.enabled is false in config.yaml`.
  std::string By;   ///< `--require-sandbox` or `ORCH_REQUIRE_SANDBOX=1`.
  DiagKind Kind;    ///< SandboxRequired or SandboxCeilingRequired.
};

/// How \p P's process steps run: sandboxed unless `--no-sandbox` or the
/// plan's `sandbox.enabled: false` (refused with SandboxRequiredError when
/// the sandbox is required), with the plan's `sandbox.resource_limits` as
/// every step's ceilings and `security.forbidden_modules`. A plan without
/// process steps gets the defaults and no checks. An unsandboxed run is
/// warned about on \p Warn; bad limits, or a sandbox this machine cannot
/// make, are errors that name the fix. The caller sets the run directory.
llvm::Expected<ProcessConfig> processConfig(const plan::Plan &P,
                                            const ProcessOptions &Opts,
                                            llvm::raw_ostream &Warn);

}  // namespace orch::runtime
