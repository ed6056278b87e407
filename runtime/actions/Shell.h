//===- Shell.h - The `shell` action ----------------------------*- C++ -*-===//
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/actions/Action.h"
#include "runtime/exec/Executor.h"
#include "runtime/sandbox/Launch.h"
#include "runtime/sandbox/Spawner.h"

namespace orch::runtime {

/// What process steps of one run share.
struct ProcessConfig {
  std::string RunDir = ".";
  /// RunDir is the default (`.`, the project directory, not --run-dir):
  /// `run_dir: write` is refused there.
  bool DefaultRunDir = false;
  /// The run's sandbox policy (config.yaml, --no-sandbox); each step adds
  /// its `run_dir` and `limits`.
  sandbox::Policy Sandbox;
  /// security.forbidden_modules: `python` steps run under an import hook
  /// that refuses these modules (and the builtins `eval`, `exec`).
  std::vector<std::string> ForbiddenModules;
  /// When the run first started (Unix ns, 0: when this orchrt started): a
  /// module whose ctime is not older was written during the run, by a step
  /// of this process or of the one a `--resume` takes over from.
  int64_t RunStartNs = 0;
  sandbox::Spawner *Spawn = nullptr;          ///< Null: the real one.
  const sandbox::HostLayout *Host = nullptr;  ///< Null: this machine's.
};

/// Runs a process step in the sandbox of \p Config (sandbox/Launch.h): for
/// `shell`, `argv`, or `command` with /bin/sh -c; for `python` and `node`,
/// the interpreter with `code` or `file` and `args`, `input` as JSON on
/// stdin, stdout that is JSON also as `json`. In its own process group,
/// without a thread: its pipes and a pidfd are watched by \p Exec.
/// Cancelling kills the whole tree. Exit status 0 is success.
std::unique_ptr<ActionTask> startProcessStep(Executor &Exec, const ProcessConfig &Config,
                                             const std::string &Action,
                                             const orch::ir::Json &Params,
                                             ActionDone Done);

}  // namespace orch::runtime
