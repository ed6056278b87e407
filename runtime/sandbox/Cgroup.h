//===- Cgroup.h - A step's own cgroups -------------------------*- C++ -*-===//
//
// Where orchrt may make cgroups (root, or a delegated cgroup v2 subtree),
// each process step gets its own: `pids.max` bounds how many processes it
// can have at once (RLIMIT_NPROC cannot: processes that map to host root
// are exempt from it), `memory.max` (`memory.limit_in_bytes` on v1) bounds
// the memory of the whole step (its tmpfs pages included), a CPU quota
// enforces `cpu: 0.5` (a share of one CPU), and killing every member ends
// the whole tree, `setsid` and background children included. Elsewhere
// create() returns null and the step relies on its pid namespace and
// rlimits.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace orch::runtime::sandbox {

/// What a step's cgroups bound (0: not bounded there).
struct CgroupLimits {
  uint64_t MaxPids = 0;      ///< pids.max; above the kernel's maximum: "max".
  double CpuShare = 0;       ///< CPUs' worth of time.
  uint64_t MemoryBytes = 0;  ///< memory.max / memory.limit_in_bytes.
};

/// One step's cgroups; removed (members killed first) when destroyed.
class StepCgroup {
 public:
  /// Makes the step's cgroups under this process's own. Null where the
  /// `pids` controller (or, for a share, the `cpu` one) is not writable. The
  /// memory limit is set where the `memory` controller is writable
  /// (hasMemoryLimit()); elsewhere memory is bounded per process only.
  static std::unique_ptr<StepCgroup> create(const CgroupLimits &Lim);
  /// Can shares be enforced here at all?
  static bool cpuSharesWork();
  /// Can orchrt make step cgroups at all (a writable `pids` controller)?
  static bool pidsWork();
  /// Can a step's memory be bounded as a whole here?
  static bool memoryLimitsWork();
  /// Removes the step cgroups an earlier, dead orchrt left behind, and
  /// those of this process that were still busy when their step ended.
  static void removeStale();
  ~StepCgroup();
  StepCgroup(const StepCgroup &) = delete;
  StepCgroup &operator=(const StepCgroup &) = delete;

  /// Writing "0" to each moves the writing thread into the cgroups (the
  /// spawner does it in the child, a single thread, before exec): `tasks` on
  /// v1, which needs no RCU grace period, `cgroup.procs` on v2.
  /// Close-on-exec.
  std::vector<int> procsFds() const;
  /// Does the step's memory limit hold for the whole step?
  bool hasMemoryLimit() const { return MemoryLimited; }
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
  bool MemoryLimited = false;
};

}  // namespace orch::runtime::sandbox
