//===- Cgroup.h - A step's own pids cgroup ---------------------*- C++ -*-===//
//
// Where orchrt may make cgroups (root, or a delegated cgroup v2 subtree),
// each process step gets its own `pids` cgroup: `pids.max` bounds how many
// processes it can have at once (RLIMIT_NPROC cannot: processes that map to
// host root are exempt from it), and killing every member ends the whole
// tree, `setsid` and background children included. Elsewhere create()
// returns null and the step relies on its pid namespace and rlimits.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace orch::runtime::sandbox {

/// One step's pids cgroup; removed (members killed first) when destroyed.
class StepCgroup {
 public:
  /// Makes a cgroup for at most \p MaxPids processes under this process's
  /// own pids cgroup, or returns null where that is not possible.
  static std::unique_ptr<StepCgroup> create(uint64_t MaxPids);
  ~StepCgroup();
  StepCgroup(const StepCgroup &) = delete;
  StepCgroup &operator=(const StepCgroup &) = delete;

  /// Writing "0" here moves the writer into the cgroup (the spawner does it
  /// in the child, before exec). Close-on-exec.
  int procsFd() const { return ProcsFd; }
  /// Kills every member, until none is left (bounded: pids.max caps them).
  void killAll();
  /// Does the cgroup hold any process?
  bool empty() const;

 private:
  StepCgroup(std::string Dir, int ProcsFd, bool V2)
      : Dir(std::move(Dir)), ProcsFd(ProcsFd), V2(V2) {}
  std::string Dir;
  int ProcsFd;
  bool V2;
};

}  // namespace orch::runtime::sandbox
