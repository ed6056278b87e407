//===- Shell.h - The `shell` action ----------------------------*- C++ -*-===//
#pragma once

#include <memory>
#include <string>

#include "runtime/actions/Action.h"
#include "runtime/exec/Executor.h"

namespace orch::runtime {

/// Runs `command` with /bin/sh -c in \p RunDir, in its own process group,
/// without a thread: its pipes and a pidfd are watched by \p Exec.
/// Cancelling kills the whole group. Exit status 0 is success.
std::unique_ptr<ActionTask> startShell(Executor &Exec, const std::string &RunDir,
                                       const nlohmann::json &Params, ActionDone Done);

}  // namespace orch::runtime
