//===- Launch.cpp ---------------------------------------------------------===//
#include "runtime/sandbox/Launch.h"

#include <sys/stat.h>
#include <unistd.h>

#include "llvm/ADT/StringRef.h"

namespace orch::runtime::sandbox {

namespace {

/// PATH inside the sandbox: only /usr is there.
constexpr const char *SandboxPath = "/usr/local/bin:/usr/bin:/bin";

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
  // shadow, no host configuration beyond these.
  for (const char *P : {"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
                        "/etc/alternatives", "/etc/localtime", "/etc/mime.types"})
    if (access(P, F_OK) == 0) H.EtcFiles.push_back(P);
  for (const char *P : {"/usr/bin/bwrap", "/bin/bwrap"})
    if (access(P, X_OK) == 0) {
      H.BwrapPath = P;
      break;
    }
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
  for (const auto &[K, V] : Env) L.Env.push_back(K + "=" + V);

  const Limits &Lim = Pol.Lim;
  std::vector<std::string> Prl = {Host.PrlimitPath,
                                  "--as=" + std::to_string(Lim.MemoryBytes),
                                  "--cpu=" + std::to_string(Lim.CpuSeconds),
                                  "--fsize=" + std::to_string(Lim.FileSizeBytes),
                                  "--nofile=" + std::to_string(Lim.OpenFiles)};
  if (!Pol.Enabled) {
    // Unsandboxed: the same limits except processes (counted per host user,
    // so any number would be wrong for root).
    L.Path = Host.PrlimitPath;
    L.Argv = std::move(Prl);
    L.Argv.push_back("--");
    L.Argv.insert(L.Argv.end(), Prog.Argv.begin(), Prog.Argv.end());
    L.Cwd = Prog.RunDir;
    return L;
  }
  L.Path = Host.BwrapPath;
  L.NeedsSeccompFd = true;
  L.Cwd = "/";
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
  std::string Size = std::to_string(Lim.FileSizeBytes);
  add(A, {"--proc", "/proc", "--dev", "/dev", "--size", Size, "--tmpfs", "/tmp"});
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
  add(A, {"--chdir", SandboxWorkDir, "--seccomp", std::to_string(SeccompFd), "--"});
  // Processes are counted in the step's own user namespace: prlimit runs
  // inside, after bwrap made it.
  Prl.push_back("--nproc=" + std::to_string(Lim.Processes));
  A.insert(A.end(), Prl.begin(), Prl.end());
  A.push_back("--");
  A.insert(A.end(), Prog.Argv.begin(), Prog.Argv.end());
  return L;
}

}  // namespace orch::runtime::sandbox
