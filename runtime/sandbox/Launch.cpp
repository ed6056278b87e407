//===- Launch.cpp ---------------------------------------------------------===//
#include "runtime/sandbox/Launch.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "llvm/ADT/StringRef.h"
#include "runtime/sandbox/Cgroup.h"

namespace orch::runtime::sandbox {

namespace {

/// PATH inside the sandbox: only /usr is there.
constexpr const char *SandboxPath = "/usr/local/bin:/usr/bin:/bin";

/// Can this (non-root) process give a child a user and pid namespace of its
/// own? Tried once in a short-lived child.
bool userNamespacesWork() {
  pid_t P = fork();
  if (P == 0) _exit(unshare(CLONE_NEWUSER | CLONE_NEWPID) == 0 ? 0 : 1);
  int Status = 0;
  return P > 0 && waitpid(P, &Status, 0) == P && WIFEXITED(Status) &&
         WEXITSTATUS(Status) == 0;
}

HostLayout probeHost() {
  HostLayout H;
  for (const char *P : {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
    struct stat St;
    if (lstat(P, &St) != 0) continue;
    if (S_ISLNK(St.st_mode)) {
      char Buf[4096];
      ssize_t N = readlink(P, Buf, sizeof Buf - 1);
      if (N > 0) H.Root.push_back({P, std::string(Buf, static_cast<size_t>(N))});
    } else if (S_ISDIR(St.st_mode)) {
      H.Root.push_back({P, ""});
    }
  }
  // What dynamic linking, interpreters and locales need; no passwd, no
  // shadow, no host configuration beyond these. Not `ld.so.conf(.d)`: only
  // ldconfig reads them, the loader reads the cache. Each bind costs bwrap a
  // mount, a read of /proc/self/mountinfo and a remount (docs/sandbox.md §8);
  // an entry that is a symlink into /usr (`/etc/localtime`) is made as one.
  for (const char *P :
       {"/etc/ld.so.cache", "/etc/alternatives", "/etc/localtime", "/etc/mime.types"}) {
    char Buf[4096];
    ssize_t N = readlink(P, Buf, sizeof Buf - 1);
    llvm::StringRef Target(Buf, N > 0 ? static_cast<size_t>(N) : 0);
    if (Target.starts_with("/usr/") && !Target.contains("/../") && access(P, F_OK) == 0)
      H.EtcLinks.push_back({P, Target.str()});
    else if (access(P, F_OK) == 0)
      H.EtcFiles.push_back(P);
  }
  for (const char *P : {"/usr/bin/bwrap", "/bin/bwrap"})
    if (access(P, X_OK) == 0) {
      H.BwrapPath = P;
      break;
    }
  H.CanUnsharePid = geteuid() == 0;
  H.CanUnshareUser = !H.CanUnsharePid && userNamespacesWork();
  H.HasStepCgroup = StepCgroup::pidsWork();
  H.ProcHasPid2 = access("/proc/2/ns", F_OK) == 0;
  if (const char *P = std::getenv("PATH")) H.HostPath = P;
  if (const char *P = std::getenv("HOME")) H.HostHome = P;
  return H;
}

void add(std::vector<std::string> &A, std::initializer_list<llvm::StringRef> Items) {
  for (llvm::StringRef S : Items) A.push_back(S.str());
}

}  // namespace

const HostLayout &hostLayout() {
  static const HostLayout H = probeHost();
  return H;
}

Launch buildLaunch(const Policy &Pol, const Program &Prog, const HostLayout &Host) {
  Launch L;
  // The fixed safe set, then the step's own variables.
  std::vector<std::pair<std::string, std::string>> Env = {
      {"PATH", Pol.Enabled ? SandboxPath : Host.HostPath},
      {"HOME", Pol.Enabled ? SandboxWorkDir : Host.HostHome},
      {"LANG", "C.UTF-8"}};
  for (const auto &[K, V] : Prog.Env) {
    bool Replaced = false;
    for (auto &E : Env)
      if (E.first == K) E.second = V, Replaced = true;
    if (!Replaced) Env.push_back({K, V});
  }
  if (!Pol.Enabled)
    for (const auto &[K, V] : Env) L.Env.push_back(K + "=" + V);

  const Limits &Lim = Pol.Lim;
  L.Rlimits = {{RLIMIT_AS, Lim.MemoryBytes},
               {RLIMIT_CPU, Lim.CpuSeconds},
               {RLIMIT_FSIZE, Lim.FileSizeBytes},
               {RLIMIT_NOFILE, Lim.OpenFiles},
               {RLIMIT_CORE, 0}};  // no core file of a step's memory
  if (!Pol.Enabled) {
    // Unsandboxed: the same limits except processes (counted per host user,
    // so any number would be wrong for root).
    L.Argv = Prog.Argv;
    if (!L.Argv.empty()) L.Path = L.Argv.front();
    L.Cwd = Prog.RunDir;
    // Not root: a user namespace (setuid bits then do nothing) only where
    // no step cgroup can end the tree and the run allows it.
    L.NewUserNamespace = !Host.CanUnsharePid && Host.CanUnshareUser &&
                         !Host.HasStepCgroup && Pol.UserNamespace;
    L.NewPidNamespace = Host.CanUnsharePid || L.NewUserNamespace;
    return L;
  }
  L.Path = Host.BwrapPath;
  L.NeedsSeccompFd = true;
  // bwrap itself is the first process of a pid namespace of orchrt's: its
  // own child sets --die-with-parent only once the sandbox is built, so an
  // orchrt killed before then left that child and the step running (ppid 1;
  // the flaky step_tree_nonroot.test). bwrap dies with orchrt
  // (PR_SET_PDEATHSIG before exec, the pidfd check), and the kernel then
  // kills everything in the namespace, bwrap's own nested one included.
  // bwrap 0.8's parent opens /proc/<child>/ns (only for --info-fd, unused):
  // its child is pid 2 there. Where the host's /proc shows a pid 2 that
  // open succeeds (on another process: nothing of it is used); elsewhere (a
  // container) bwrap gets a /proc of its own, at the cost of a mount
  // namespace (docs/sandbox.md §8).
  // Not root: the same in a user namespace of orchrt's own (the same user
  // inside), where an unprivileged bwrap works as before (review 4).
  L.NewUserNamespace = !Host.CanUnsharePid && Host.CanUnshareUser && !Host.HasStepCgroup;
  L.NewPidNamespace = Host.CanUnsharePid || L.NewUserNamespace;
  L.OwnProc = L.NewPidNamespace && !Host.ProcHasPid2;
  L.Cwd.assign(1, '/');  // not = "/": a GCC 12 -Wrestrict false positive
  auto &A = L.Argv;
  add(A, {"bwrap", "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
          "--unshare-cgroup-try", "--disable-userns", "--uid", "65534", "--gid", "65534",
          "--hostname", "sandbox", "--die-with-parent", "--new-session"});
  if (!Pol.Network) add(A, {"--unshare-net"});
  add(A, {"--ro-bind", "/usr", "/usr"});
  for (const RootEntry &R : Host.Root) {
    if (R.LinkTarget.empty())
      add(A, {"--ro-bind", R.Path, R.Path});
    else
      add(A, {"--symlink", R.LinkTarget, R.Path});
  }
  for (const std::string &E : Host.EtcFiles) add(A, {"--ro-bind", E, E});
  for (const RootEntry &E : Host.EtcLinks) add(A, {"--symlink", E.LinkTarget, E.Path});
  std::string Size = std::to_string(Lim.FileSizeBytes);
  // /dev is a tmpfs of its own: read-only, the host's null, zero, full,
  // random and urandom, no pts/ptmx (a step could use up the host's ptys:
  // review 2), /dev/shm a tmpfs of the disk limit's size (every tmpfs is
  // charged to the step's memory cgroup).
  add(A, {"--proc", "/proc", "--tmpfs", "/dev"});
  for (const char *D : {"null", "zero", "full", "random", "urandom"}) {
    std::string Path = std::string("/dev/") + D;
    add(A, {"--dev-bind", Path, Path});
  }
  add(A, {"--symlink",       "/proc/self/fd",
          "/dev/fd",         "--symlink",
          "/proc/self/fd/0", "/dev/stdin",
          "--symlink",       "/proc/self/fd/1",
          "/dev/stdout",     "--symlink",
          "/proc/self/fd/2", "/dev/stderr",
          "--size",          Size,
          "--tmpfs",         "/dev/shm",
          "--remount-ro",    "/dev",
          "--size",          Size,
          "--tmpfs",         "/tmp"});
  switch (Pol.RunDir) {
    case RunDirAccess::None:
      add(A, {"--size", Size, "--tmpfs", SandboxWorkDir});
      break;
    case RunDirAccess::Read:
      add(A, {"--ro-bind", Prog.RunDir, SandboxWorkDir});
      break;
    case RunDirAccess::Write:
      add(A, {"--bind", Prog.RunDir, SandboxWorkDir});
      break;
  }
  // bwrap itself runs as host root with a fixed environment (a step's
  // LD_PRELOAD would run code in it, outside every namespace); the step's
  // variables are set for the program only.
  L.Env = {"PATH=" + std::string(SandboxPath)};
  add(A, {"--clearenv"});
  for (const auto &[K, V] : Env) add(A, {"--setenv", K, V});
  add(A, {"--chdir", SandboxWorkDir, "--seccomp", std::to_string(SeccompFd), "--"});
  // Set before bwrap (root is exempt from it); where the kernel counts the
  // step's user namespace apart it bounds the step. On the 6.18 kernel
  // measured it does not (docs/sandbox.md): the pids cgroup is the bound.
  L.Rlimits.push_back({RLIMIT_NPROC, Lim.Processes});
  A.insert(A.end(), Prog.Argv.begin(), Prog.Argv.end());
  return L;
}

}  // namespace orch::runtime::sandbox
