//===- Durable.h - orchrt's wiring of the state store ----------*- C++ -*-===//
//
// Opens the store a run records into, starts a new run or takes over an
// earlier one (`--resume RUN_ID|last`: same plan, same inputs, its lease),
// and hands back what the scheduler needs: the prior steps to preset and
// the recorder that commits completions.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ir/Diagnostics.h"
#include "ir/Json.h"
#include "llvm/Support/raw_ostream.h"
#include "runtime/exec/EventLoop.h"
#include "runtime/plan/PlanReader.h"
#include "runtime/state/Recorder.h"
#include "runtime/state/RunId.h"

namespace orch::tools {

/// Where a command's store is: `--state` (a `postgresql://` URL, `none`,
/// or `${VAR}`, read from the environment), else `--state-dir`, else
/// \p Configured (the plan's config.yaml `storage.connection_string`, in
/// the same forms), else $ORCH_STATE_DIR, $XDG_STATE_HOME/orch,
/// ~/.local/state/orch. "none": no store. An unset variable in
/// \p Configured falls back to the default store (warning on \p Warn);
/// one in --state fails, naming it. A variable's value must be a
/// `postgresql://` URL or an absolute directory (refused without echoing
/// it). A URL of another scheme fails.
llvm::Expected<std::string> stateSpec(const std::string &State,
                                      const std::string &StateDir,
                                      const std::string &Configured = "",
                                      llvm::raw_ostream *Warn = nullptr);

/// The plan's config.yaml `storage.connection_string` ("" if none).
std::string configuredStore(const runtime::LoadedPlan &Plan);

/// A failure to set a durable run up: what to report.
struct StateFailure {
  DiagKind Kind;
  std::string Message;  ///< The diagnostic's argument(s), joined by \0.
};

/// A run recorded in a store.
class DurableRun {
 public:
  /// Opens \p Spec and creates a run of \p Plan with \p Inputs, or takes over
  /// \p ResumeId (an id or `last`). On failure fills \p Fail.
  static std::unique_ptr<DurableRun> begin(const std::string &Spec,
                                           const runtime::LoadedPlan &Plan,
                                           const orch::ir::Json &Inputs,
                                           const std::string &PlanPath,
                                           const std::string &ResumeId,
                                           state::CheckpointStrategy Strategy,
                                           runtime::Executor &Exec, StateFailure &Fail);
  ~DurableRun();

  const state::RunIdentity &identity() const { return Id; }
  /// For a resume: the earlier steps as a `--out` document (for resumeFrom).
  const orch::ir::Json &prior() const { return Prior; }
  state::Recorder &recorder() { return *Rec; }
  /// Per step of \p Plan, the attempt numbers earlier processes of this
  /// run used up (RunOptions::PriorAttempts).
  std::vector<unsigned> priorAttempts(const runtime::LoadedPlan &Plan) const;
  /// Where the store is, for messages.
  const std::string &where() const { return Where; }

 private:
  DurableRun() = default;
  state::RunIdentity Id;
  orch::ir::Json Prior;
  std::map<std::string, unsigned> Used;  ///< Step id -> attempts used up.
  std::string Where;
  std::unique_ptr<state::Recorder> Rec;
};

}  // namespace orch::tools
