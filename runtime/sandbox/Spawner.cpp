//===- Spawner.cpp --------------------------------------------------------===//
#include "runtime/sandbox/Spawner.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "llvm/ADT/StringRef.h"
#include "runtime/sandbox/Seccomp.h"

namespace orch::runtime::sandbox {

namespace {

/// A descriptor holding the seccomp program, read from its start.
llvm::Expected<int> seccompFd() {
  llvm::Expected<std::string> Prog = seccompProgram();
  if (!Prog) return Prog.takeError();
  int Fd = memfd_create("orch-seccomp", MFD_CLOEXEC);
  if (Fd < 0)
    return llvm::createStringError(fmt::format("memfd: {}", std::strerror(errno)));
  if (write(Fd, Prog->data(), Prog->size()) != static_cast<ssize_t>(Prog->size())) {
    close(Fd);
    return llvm::createStringError("cannot write the seccomp program");
  }
  lseek(Fd, 0, SEEK_SET);
  return Fd;
}

/// \p Name looked up on the PATH of \p Env (as execvp would, but before
/// the clone: the child may only make system calls). Names with a slash,
/// and names not found (exec then reports the error), stay as they are.
std::string resolve(const std::string &Name, const std::vector<std::string> &Env) {
  if (Name.empty() || Name.find('/') != std::string::npos) return Name;
  llvm::StringRef Path = "/usr/local/bin:/usr/bin:/bin";
  for (const std::string &E : Env)
    if (llvm::StringRef(E).starts_with("PATH=")) Path = llvm::StringRef(E).drop_front(5);
  while (!Path.empty()) {
    auto [Dir, Rest] = Path.split(':');
    Path = Rest;
    std::string Full = (Dir.empty() ? "." : Dir.str()) + "/" + Name;
    if (access(Full.c_str(), X_OK) == 0) return Full;
  }
  return Name;
}

/// Everything the child needs, prepared before the clone: it shares the
/// parent's memory until exec and may only make system calls.
struct Child {
  const char *Path;
  char *const *Argv;
  char *const *Env;
  const char *Cwd;
  Stdio Io;
  int Filter;
  const Rlimit *Limits;
  size_t NumLimits;
  int MaxFds;          ///< The parent's RLIMIT_NOFILE: where the fallback stops.
  const char *UidMap;  ///< In a new user namespace: "uid uid 1" (else null).
  const char *GidMap;
  bool OwnProc;          ///< A private mount namespace with a /proc of its own.
  int ParentPidfd = -1;  ///< orchrt itself (pidfd_open), or -1 where unsupported.
  int Errno = 0;         ///< Set by the child when it cannot exec.
};

/// Writes \p Text to \p Path (system calls only: the child may make no other).
bool writeProc(const char *Path, const char *Text) {
  int Fd = open(Path, O_WRONLY | O_CLOEXEC);
  if (Fd < 0) return false;
  size_t Len = strlen(Text);
  bool Ok = write(Fd, Text, Len) == static_cast<ssize_t>(Len);
  close(Fd);
  return Ok;
}

/// Moves \p From to \p To without close-on-exec.
bool place(int From, int To) {
  if (From == To) return fcntl(To, F_SETFD, 0) == 0;
  return dup2(From, To) == To;
}

int childMain(void *Arg) {
  auto *C = static_cast<Child *>(Arg);
  struct sigaction Dfl;
  std::memset(&Dfl, 0, sizeof Dfl);
  Dfl.sa_handler = SIG_DFL;
  for (int S = 1; S < NSIG; ++S) sigaction(S, &Dfl, nullptr);
  // Dies with orchrt (the thread that started it, orchrt's event loop),
  // however orchrt ends; bwrap adds --die-with-parent for its own child.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) goto fail;
  // orchrt may have been killed between the clone and the prctl: then no
  // signal will come. getppid() says nothing in a new pid namespace (0), so
  // ask orchrt's pidfd, which becomes readable when orchrt has ended.
  if (C->ParentPidfd >= 0) {
    struct pollfd Parent = {C->ParentPidfd, POLLIN, 0};
    if (poll(&Parent, 1, 0) > 0) _exit(127);
  }
  // The step's cgroups first: every process it makes is counted.
  for (int Fd : C->Io.CgroupProcs)
    if (Fd >= 0 && write(Fd, "0", 1) != 1) goto fail;
  // Its own user namespace (unsandboxed, not root): the same user inside,
  // so it keeps orchrt's rights, and the new pid namespace it owns.
  if (C->UidMap && (!writeProc("/proc/self/setgroups", "deny") ||
                    !writeProc("/proc/self/uid_map", C->UidMap) ||
                    !writeProc("/proc/self/gid_map", C->GidMap)))
    goto fail;
  // bwrap's view of /proc must be its pid namespace's (it opens
  // /proc/<child pid>); private first, so that nothing reaches the host.
  if (C->OwnProc &&
      (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
       mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0))
    goto fail;
  if (setpgid(0, 0) != 0) goto fail;
  for (size_t I = 0; I < C->NumLimits; ++I) {
    struct rlimit R;
    R.rlim_cur = R.rlim_max = static_cast<rlim_t>(C->Limits[I].Value);
    if (setrlimit(C->Limits[I].Resource, &R) != 0) goto fail;
  }
  {
    int In = C->Io.In >= 0 ? C->Io.In : open("/dev/null", O_RDONLY | O_CLOEXEC);
    // Out of the way of 0..3 first, so no placement overwrites a source.
    int Fds[4] = {In, C->Io.Out, C->Io.Err, C->Filter};
    for (int &Fd : Fds)
      if (Fd >= 0 && Fd <= SeccompFd) {
        Fd = fcntl(Fd, F_DUPFD_CLOEXEC, 10);
        if (Fd < 0) goto fail;
      }
    for (int To = 0; To < 4; ++To)
      if (Fds[To] >= 0 && !place(Fds[To], To)) goto fail;
  }
  {
    // Nothing else crosses exec: not a descriptor orchrt inherited, not one
    // a library opened without close-on-exec (a kept-alive model
    // connection would be a way out of --unshare-net).
    unsigned First = C->Filter >= 0 ? 4 : 3;
    if (syscall(SYS_close_range, First, ~0U, 0) != 0) {
      if (errno != ENOSYS) goto fail;
      for (int Fd = static_cast<int>(First); Fd < C->MaxFds; ++Fd) close(Fd);
    }
  }
  if (chdir(C->Cwd) != 0) goto fail;
  {
    sigset_t None;
    sigemptyset(&None);
    sigprocmask(SIG_SETMASK, &None, nullptr);
  }
  execve(C->Path, C->Argv, C->Env);
fail:
  C->Errno = errno;
  _exit(127);
}

}  // namespace

llvm::Expected<pid_t> CloneSpawner::spawn(const Launch &L, const Stdio &Io) {
  int Filter = -1;
  if (L.NeedsSeccompFd) {
    llvm::Expected<int> F = seccompFd();
    if (!F) return F.takeError();
    Filter = *F;
  }
  std::vector<char *> Argv, Env;
  for (const std::string &A : L.Argv) Argv.push_back(const_cast<char *>(A.c_str()));
  Argv.push_back(nullptr);
  for (const std::string &E : L.Env) Env.push_back(const_cast<char *>(E.c_str()));
  Env.push_back(nullptr);
  std::string Path = resolve(L.Path, L.Env);
  struct rlimit NoFile;
  int MaxFds = getrlimit(RLIMIT_NOFILE, &NoFile) == 0 && NoFile.rlim_cur < (1u << 20)
                   ? static_cast<int>(NoFile.rlim_cur)
                   : 1 << 20;
  // A hard limit orchrt itself runs under is a ceiling: setrlimit cannot
  // raise it, and the stricter limit is the one the step gets.
  std::vector<Rlimit> Limits = L.Rlimits;
  for (Rlimit &R : Limits) {
    struct rlimit Cur;
    if (getrlimit(R.Resource, &Cur) == 0 && Cur.rlim_max != RLIM_INFINITY &&
        R.Value > Cur.rlim_max)
      R.Value = Cur.rlim_max;
  }
  std::string UidMap = fmt::format("{0} {0} 1", getuid());
  std::string GidMap = fmt::format("{0} {0} 1", getgid());
  Child C{Path.c_str(),
          Argv.data(),
          Env.data(),
          L.Cwd.c_str(),
          Io,
          Filter,
          Limits.data(),
          Limits.size(),
          MaxFds,
          L.NewUserNamespace ? UidMap.c_str() : nullptr,
          GidMap.c_str(),
          L.OwnProc && L.NewPidNamespace};
  // The child runs on its own stack in our memory until exec (CLONE_VFORK
  // suspends this thread until then); no signal handler may run there.
  constexpr size_t StackSize = 64 * 1024;
  std::vector<char> Stack(StackSize);
  sigset_t All, Old;
  sigfillset(&All);
  pthread_sigmask(SIG_SETMASK, &All, &Old);
  int Flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
  if (L.NewPidNamespace) Flags |= CLONE_NEWPID;
  if (L.NewUserNamespace) Flags |= CLONE_NEWUSER;
  if (C.OwnProc) Flags |= CLONE_NEWNS;
  // Close-on-exec by design; the child only polls it.
  C.ParentPidfd = static_cast<int>(syscall(SYS_pidfd_open, getpid(), 0));
  pid_t Pid = clone(childMain, Stack.data() + StackSize, Flags, &C);
  int CloneErr = errno;
  if (C.ParentPidfd >= 0) close(C.ParentPidfd);
  pthread_sigmask(SIG_SETMASK, &Old, nullptr);
  if (Filter >= 0) close(Filter);
  if (Pid < 0)
    return llvm::createStringError(
        fmt::format("cannot start {}: {}", L.Path, std::strerror(CloneErr)));
  if (C.Errno) {
    waitpid(Pid, nullptr, 0);
    return llvm::createStringError(
        fmt::format("cannot start {}: {}", L.Path, std::strerror(C.Errno)));
  }
  return Pid;
}

Spawner &defaultSpawner() {
  static CloneSpawner S;
  return S;
}

}  // namespace orch::runtime::sandbox
