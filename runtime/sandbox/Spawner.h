//===- Spawner.h - Starting a launched program -----------------*- C++ -*-===//
//
// The one place that starts step processes: the `shell` action hands a
// Launch to a Spawner. CloneSpawner starts it for real (a vfork-style
// clone: its own process group, default signal handling, the rlimits, the
// seccomp program on SeccompFd, a new pid namespace when the launch asks,
// the step's cgroups joined before exec, SIGKILL when orchrt dies); tests hand
// the action a fake that records what it was asked.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <sys/types.h>

#include "llvm/Support/Error.h"
#include "runtime/sandbox/Launch.h"

namespace orch::runtime::sandbox {

/// The standard descriptors of the new process (-1 for stdin: /dev/null),
/// and the cgroups it joins before exec (StepCgroup::procsFds, or -1).
struct Stdio {
  int In = -1;
  int Out = -1;
  int Err = -1;
  int CgroupProcs[3] = {-1, -1, -1};
};

/// Starts processes.
class Spawner {
 public:
  virtual ~Spawner() = default;
  /// Starts \p L with \p Io in a new process group; returns its pid.
  virtual llvm::Expected<pid_t> spawn(const Launch &L, const Stdio &Io) = 0;
};

/// The real spawner.
class CloneSpawner : public Spawner {
 public:
  llvm::Expected<pid_t> spawn(const Launch &L, const Stdio &Io) override;
};

/// The process-wide real spawner.
Spawner &defaultSpawner();

}  // namespace orch::runtime::sandbox
