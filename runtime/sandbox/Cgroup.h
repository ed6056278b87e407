//===- Cgroup.h - A step's own cgroups -------------------------*- C++ -*-===//
//
// Where orchrt may make cgroups (root, or a delegated cgroup v2 subtree),
// each process step gets its own: `pids.max` bounds how many processes it
// can have at once (RLIMIT_NPROC cannot: processes that map to host root
// are exempt from it), a CPU quota enforces `cpu: 0.5` (a share of one
// CPU), and killing every member ends the whole tree, `setsid` and
// background children included. Elsewhere create() returns null and the
// step relies on its pid namespace and rlimits.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace orch::runtime::sandbox {

/// One step's cgroups; removed (members killed first) when destroyed.
class StepCgroup {
 public:
  /// Makes cgroups for at most \p MaxPids processes and, if \p CpuShare >
  /// 0, that many CPUs' time, under this process's own cgroups. Null where
  /// the `pids` controller (or, for a share, the `cpu` one) is not writable.
  static std::unique_ptr<StepCgroup> create(uint64_t MaxPids, double CpuShare);
  /// Can shares be enforced here at all?
  static bool cpuSharesWork();
  ~StepCgroup();
  StepCgroup(const StepCgroup &) = delete;
  StepCgroup &operator=(const StepCgroup &) = delete;

  /// Writing "0" to each moves the writer into the cgroups (the spawner does
  /// it in the child, before exec). Close-on-exec.
  std::vector<int> procsFds() const;
  /// Kills every member, until none is left (bounded: pids.max caps them).
  void killAll();

 private:
  struct Group {
    std::string Dir;
    int ProcsFd;
  };
  StepCgroup() = default;
  std::vector<Group> Groups;  ///< pids first.
  bool V2 = false;
};

}  // namespace orch::runtime::sandbox
