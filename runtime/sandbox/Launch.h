//===- Launch.h - From a program and a policy to an exec -------*- C++ -*-===//
//
// buildLaunch is pure: it turns the program a step runs, its environment
// and a Policy into the command line and environment to execute: bwrap
// with new user, pid, net, ipc and uts namespaces, read-only binds of /usr
// (and the root symlinks into it), a tmpfs work directory, the run
// directory only on request, and the seccomp program on descriptor
// SeccompFd; /dev read-only with a sized /dev/shm. Unsandboxed, the
// program itself with the same small environment, in a new pid namespace
// (as root; otherwise inside a user namespace of its own that maps orchrt's
// user to itself, where the kernel allows one), so that the step's tree ends
// with its first process. The rlimits are set by the spawner in the child
// before exec.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "runtime/sandbox/Policy.h"

namespace orch::runtime::sandbox {

/// The program a step runs.
struct Program {
  std::vector<std::string> Argv;  ///< Argv[0]: absolute, or looked up on PATH.
  /// The step's `env:`, added to the fixed safe set (and overriding it).
  std::vector<std::pair<std::string, std::string>> Env;
  std::string RunDir;  ///< Absolute host path of the run directory.
};

/// A root entry of the host: a symlink (`/bin -> usr/bin`) or a directory
/// to bind read-only.
struct RootEntry {
  std::string Path;
  std::string LinkTarget;  ///< Empty: a directory.
};

/// What the sandbox may see of the host, besides /usr.
struct HostLayout {
  std::vector<RootEntry> Root;        ///< /bin, /lib, /lib64, /sbin, ...
  std::vector<std::string> EtcFiles;  ///< Existing /etc entries to bind read-only.
  /// /etc entries that are symlinks into /usr (`/etc/localtime`): made as
  /// the same symlinks, which costs bwrap no mount.
  std::vector<RootEntry> EtcLinks;
  std::string BwrapPath = "/usr/bin/bwrap";
  /// May a step get a new pid namespace without a user namespace (root)?
  bool CanUnsharePid = false;
  /// May it get one in a user namespace of its own, mapping orchrt's user
  /// to itself (not root, unprivileged user namespaces allowed)?
  bool CanUnshareUser = false;
  /// Can orchrt make step cgroups with `pids` (root, or a writable delegated
  /// cgroup v2 subtree)? An unsandboxed non-root step then gets one instead
  /// of a user namespace, and keeps setuid tools.
  bool HasStepCgroup = false;
  /// Is there a process 2 in orchrt's /proc (`kthreadd` on a machine's own
  /// pid namespace)? bwrap, started as pid 1 of a pid namespace of orchrt's,
  /// opens /proc/2/ns (its child's pid there) and fails where none exists.
  bool ProcHasPid2 = true;
  std::string HostPath = "/usr/local/bin:/usr/bin:/bin";  ///< PATH unsandboxed.
  std::string HostHome = "/";                             ///< HOME unsandboxed.
};

/// Looks at this machine's root (once; cached).
const HostLayout &hostLayout();

/// The descriptor on which bwrap reads the seccomp program.
constexpr int SeccompFd = 3;

/// An rlimit the spawner sets in the child before exec (soft = hard).
struct Rlimit {
  int Resource;  ///< RLIMIT_AS, RLIMIT_NPROC, ...
  uint64_t Value;
  bool operator==(const Rlimit &O) const {
    return Resource == O.Resource && Value == O.Value;
  }
};

/// What to execute.
struct Launch {
  std::string Path;  ///< The executable.
  std::vector<std::string> Argv;
  std::vector<std::string> Env;  ///< NAME=value, the whole environment.
  std::string Cwd;               ///< Host directory to start in.
  bool NeedsSeccompFd = false;   ///< SeccompFd must hold the BPF program.
  std::vector<Rlimit> Rlimits;   ///< Set in the child before exec.
  /// Start in a new pid namespace: when the first process exits, the kernel
  /// kills every process left in it (`cmd &`, `setsid` children included).
  bool NewPidNamespace = false;
  /// With NewPidNamespace, not root: in a new user namespace where orchrt's
  /// user and group map to themselves (the step keeps orchrt's rights).
  bool NewUserNamespace = false;
  /// With NewPidNamespace: in a new mount namespace (propagation private)
  /// with a /proc of the new pid namespace, so that what runs there (bwrap)
  /// finds its own children's pids in /proc. Only where the host's /proc has
  /// no pid 2: it costs a mount namespace per step.
  bool OwnProc = false;
};

/// The work directory inside the sandbox (and HOME there).
constexpr const char *SandboxWorkDir = "/work";

/// Builds the launch of \p Prog under \p Pol on \p Host.
Launch buildLaunch(const Policy &Pol, const Program &Prog, const HostLayout &Host);

}  // namespace orch::runtime::sandbox
