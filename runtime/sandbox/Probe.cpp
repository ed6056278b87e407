//===- Probe.cpp ----------------------------------------------------------===//
#include "runtime/sandbox/Probe.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include "llvm/ADT/StringRef.h"
#include "runtime/sandbox/Seccomp.h"
#include "runtime/sandbox/Spawner.h"

namespace orch::runtime::sandbox {

namespace {
constexpr const char *WayOut =
    "; or run unsandboxed, knowing steps then have orchrt's rights, with "
    "`orchrt --no-sandbox` or `sandbox: {enabled: false}` in config.yaml";
}

llvm::Error probeSandbox(const HostLayout &Host) {
  if (access(Host.BwrapPath.c_str(), X_OK) != 0)
    return llvm::createStringError(fmt::format(
        "the step sandbox needs bubblewrap, and `{}` is not there: install it "
        "(Debian: `apt-get install bubblewrap`){}",
        Host.BwrapPath, WayOut));
  if (llvm::Expected<std::string> P = seccompProgram(); !P)
    return llvm::createStringError(
        fmt::format("cannot build the sandbox's seccomp filter: {}{}",
                    llvm::toString(P.takeError()), WayOut));
  Policy Pol;
  Program Prog;
  Prog.Argv = {"/bin/true"};
  Prog.RunDir.assign(1, '/');  // not = "/": a GCC 12 -Wrestrict false positive
  int Err[2];
  if (pipe2(Err, O_CLOEXEC) != 0)
    return llvm::createStringError("cannot make a pipe to probe the sandbox");
  Stdio Io;
  Io.Out = Err[1];
  Io.Err = Err[1];
  llvm::Expected<pid_t> Pid = CloneSpawner().spawn(buildLaunch(Pol, Prog, Host), Io);
  close(Err[1]);
  std::string Text;
  if (Pid) {
    char Buf[1024];
    ssize_t N;
    while ((N = read(Err[0], Buf, sizeof Buf)) > 0)
      Text.append(Buf, static_cast<size_t>(N));
  }
  close(Err[0]);
  if (!Pid) return Pid.takeError();
  int Status = 0;
  waitpid(*Pid, &Status, 0);
  if (WIFEXITED(Status) && WEXITSTATUS(Status) == 0) return llvm::Error::success();
  std::string Why = llvm::StringRef(Text).trim().str();
  if (Why.empty()) Why = fmt::format("exit status {}", WEXITSTATUS(Status));
  return llvm::createStringError(fmt::format(
      "bubblewrap cannot create the step sandbox here ({}): allow unprivileged user "
      "namespaces (`sysctl -w user.max_user_namespaces=15000`; on Debian also "
      "`kernel.unprivileged_userns_clone=1`; on Ubuntu 24.04 "
      "`kernel.apparmor_restrict_unprivileged_userns=0`){}",
      Why, WayOut));
}

}  // namespace orch::runtime::sandbox
