//===- SandboxEscapeTest.cpp - The escape corpus, against real bubblewrap -===//
//
// Each case is a step trying to get out, run through the `shell` action with
// the real spawner, bubblewrap and seccomp filter, and the test checks it
// was contained. These need a machine where bubblewrap can make namespaces
// (root, or unprivileged user namespaces): they fail, not skip, elsewhere.
//
//===----------------------------------------------------------------------===//
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "runtime/actions/Shell.h"
#include "runtime/exec/EventLoop.h"
#include "runtime/sandbox/Cgroup.h"
#include "runtime/sandbox/Probe.h"

using namespace orch::runtime;
using json = orch::ir::Json;
namespace fs = std::filesystem;

namespace {

class SandboxEscape : public ::testing::Test {
 protected:
  void SetUp() override {
    llvm::Error E = sandbox::probeSandbox(sandbox::hostLayout());
    ASSERT_FALSE(static_cast<bool>(E)) << llvm::toString(std::move(E));
    char Tmpl[] = "/tmp/orch-sbx-XXXXXX";
    ASSERT_NE(mkdtemp(Tmpl), nullptr);
    Dir = Tmpl;
    std::ofstream(Dir + "/secret.txt") << "TOPSECRET-FILE";
  }
  void TearDown() override {
    std::error_code EC;
    fs::remove_all(Dir, EC);
  }

  /// Runs \p Params as a sandboxed `shell` step; cancels it after
  /// \p CancelMs if that is > 0.
  ActionResult run(json Params, int CancelMs = 0, bool Sandboxed = true,
                   const sandbox::Policy *Run = nullptr,
                   const sandbox::HostLayout *Host = nullptr) {
    EventLoop Loop;
    ProcessConfig C;
    C.RunDir = Dir;
    if (Run) C.Sandbox = *Run;
    C.Sandbox.Enabled = Sandboxed;
    C.Host = Host;
    ActionResult Out;
    bool Done = false;
    std::unique_ptr<ActionTask> T =
        startProcessStep(Loop, C, "shell", Params, [&](ActionResult R) {
          Out = std::move(R);
          Done = true;
        });
    if (CancelMs > 0 && T)
      Loop.addTimer(Loop.now() + std::chrono::milliseconds(CancelMs), [&] {
        T->cancel();
        Out = ActionResult::failure("cancelled");
        Done = true;
      });
    Loop.runUntil([&] { return Done; });
    return Out;
  }
  static std::string out(const ActionResult &R) {
    return R.Fields.value("stdout", std::string()) +
           R.Fields.value("stderr", std::string());
  }

  std::string Dir;
};

// Issue 14, Build 6: where bubblewrap is missing or cannot make its
// namespaces, the error names the fix (and the explicit way out); the run
// never goes on unsandboxed.
TEST_F(SandboxEscape, ProbeNamesTheFix) {
  sandbox::HostLayout H = sandbox::hostLayout();
  H.BwrapPath = Dir + "/no-bwrap";
  std::string Missing = llvm::toString(sandbox::probeSandbox(H));
  EXPECT_NE(Missing.find("apt-get install bubblewrap"), std::string::npos) << Missing;
  EXPECT_NE(Missing.find("--no-sandbox"), std::string::npos) << Missing;
  std::ofstream(Dir + "/bwrap")
      << "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n";
  ASSERT_EQ(chmod((Dir + "/bwrap").c_str(), 0755), 0);
  H.BwrapPath = Dir + "/bwrap";
  std::string Denied = llvm::toString(sandbox::probeSandbox(H));
  EXPECT_NE(Denied.find("(bwrap: No permissions to create new namespace)"),
            std::string::npos)
      << Denied;
  EXPECT_NE(Denied.find("user.max_user_namespaces"), std::string::npos) << Denied;
}

TEST_F(SandboxEscape, RunsAsNobodyInAnEmptyWorkDir) {
  ActionResult R = run(json{{"command", "id -u; pwd; ls -A; echo $HOME"}});
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_EQ(R.Fields["output"], "65534\n/work\n/work");
}

TEST_F(SandboxEscape, NoLoopbackNetwork) {
  int S = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in A{};
  A.sin_family = AF_INET;
  A.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(S, reinterpret_cast<sockaddr *>(&A), sizeof A), 0);
  ASSERT_EQ(listen(S, 4), 0);
  socklen_t Len = sizeof A;
  getsockname(S, reinterpret_cast<sockaddr *>(&A), &Len);
  int Port = ntohs(A.sin_port);
  ActionResult R = run(json{
      {"argv",
       {"python3", "-c",
        "import socket,sys\n"
        "try:\n socket.create_connection(('127.0.0.1'," +
            std::to_string(Port) +
            "),timeout=2); print('connected')\n"
            "except OSError as e: print('refused', e.errno)\n"
            "try:\n socket.create_connection(('1.1.1.1',80),timeout=2); print('out')\n"
            "except OSError as e: print('no route', e.errno)"}}});
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_NE(R.Fields["output"].get<std::string>().find("refused"), std::string::npos);
  EXPECT_NE(R.Fields["output"].get<std::string>().find("no route"), std::string::npos);
  EXPECT_LT(accept(S, nullptr, nullptr), 0);  // nothing ever reached the listener
  close(S);
}

TEST_F(SandboxEscape, HostFilesAreNotThere) {
  std::string Home = std::getenv("HOME") ? std::getenv("HOME") : "/root";
  ActionResult R =
      run(json{{"command", "cat /etc/shadow; ls " + Home + "; cat " + Dir +
                               "/secret.txt; cat /work/../" + Dir +
                               "/secret.txt; ls /etc; ls /var /home /root"}});
  EXPECT_FALSE(R.Ok);
  EXPECT_EQ(out(R).find("TOPSECRET"), std::string::npos);
  EXPECT_EQ(out(R).find("root:"), std::string::npos);
  EXPECT_NE(out(R).find("No such file"), std::string::npos);
}

TEST_F(SandboxEscape, NoSecretInAnyEnvironment) {
  setenv("ORCH_TEST_API_KEY", "sk-TOPSECRET-KEY", 1);
  ActionResult R = run(json{{"command",
                             "env; cat /proc/1/environ; cat /proc/self/environ; "
                             "for p in /proc/[0-9]*; do cat $p/environ; done; true"}});
  unsetenv("ORCH_TEST_API_KEY");
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_EQ(out(R).find("TOPSECRET"), std::string::npos);
  EXPECT_NE(out(R).find("PATH=/usr/local/bin"), std::string::npos);
}

// Review finding 1: a step's LD_PRELOAD reached bwrap, which runs as host
// root outside every namespace. Loader variables are refused (rendered names
// too), and the step's variables still reach the program.
TEST_F(SandboxEscape, LoaderVariablesAreRefused) {
  for (const char *K : {"LD_PRELOAD", "LD_LIBRARY_PATH", "GCONV_PATH", "A=B", "1X", ""}) {
    ActionResult R = run(json{{"command", "echo ran"}, {"env", json{{K, "/tmp/x.so"}}}});
    EXPECT_FALSE(R.Ok) << K;
    EXPECT_NE(R.Error.find("env: cannot set"), std::string::npos) << K << ": " << R.Error;
  }
  ActionResult R =
      run(json{{"command", "echo $GREETING"}, {"env", json{{"GREETING", "hello"}}}});
  EXPECT_NE(out(R).find("hello"), std::string::npos) << out(R);
}

// Review finding 2: descriptors orchrt inherited (or a library opened
// without close-on-exec) crossed exec into the step. Only 0, 1, 2 do now.
TEST_F(SandboxEscape, NoInheritedDescriptorReachesTheStep) {
  int Fd = open((Dir + "/secret.txt").c_str(), O_RDONLY);  // no O_CLOEXEC
  ASSERT_GE(Fd, 0);
  ASSERT_EQ(dup2(Fd, 57), 57);
  close(Fd);
  for (bool Sandboxed : {true, false}) {
    ActionResult R =
        run(json{{"command", "cat /proc/$$/fd/57; ls /proc/self/fd | tr '\\n' ' '"}}, 0,
            Sandboxed);
    EXPECT_EQ(out(R).find("TOPSECRET"), std::string::npos) << out(R);
    // ls itself has its directory open as 3.
    EXPECT_EQ(R.Fields.value("stdout", std::string()), "0 1 2 3 ") << out(R);
  }
  close(57);
}

TEST_F(SandboxEscape, WritesStayInside) {
  ActionResult R = run(json{{"command",
                             "echo x > made.txt; echo x > /tmp/made.txt; "
                             "echo x > /usr/made.txt; echo x > " +
                                 Dir + "/made.txt; ls"}});
  EXPECT_FALSE(fs::exists(Dir + "/made.txt"));
  EXPECT_FALSE(fs::exists("/usr/made.txt"));
  EXPECT_NE(out(R).find("Read-only file system"), std::string::npos) << out(R);
  // With run_dir: write, the run directory (and only it) takes writes.
  R = run(json{{"command", "echo x > made.txt && ln -s / up && cat up/etc/shadow"},
               {"run_dir", "write"}});
  EXPECT_TRUE(fs::exists(Dir + "/made.txt"));
  EXPECT_EQ(out(R).find("root:"), std::string::npos);
  R = run(json{{"command", "echo y > made2.txt"}, {"run_dir", "read"}});
  EXPECT_FALSE(R.Ok);
  EXPECT_FALSE(fs::exists(Dir + "/made2.txt"));
}

TEST_F(SandboxEscape, ForkBombHitsTheProcessLimit) {
  ActionResult R =
      run(json{{"command", "i=0; while [ $i -lt 100 ]; do sleep 30 & i=$((i+1)); done"},
               {"limits", {{"processes", 20}}}},
          /*CancelMs=*/0);
  EXPECT_FALSE(R.Ok);
  EXPECT_NE(out(R).find("fork"), std::string::npos) << out(R);
}

TEST_F(SandboxEscape, MemoryBombHitsTheMemoryLimit) {
  ActionResult R = run(json{{"argv", {"python3", "-c", "x = bytearray(1 << 30)"}},
                            {"limits", {{"memory", "256MB"}}}});
  EXPECT_FALSE(R.Ok);
  EXPECT_NE(out(R).find("MemoryError"), std::string::npos) << out(R);
}

// Review finding 6: RLIMIT_AS bounds each process, not the step. Several
// processes of 150 MB each under a 256 MB step are stopped by the step's
// memory cgroup (the kernel's OOM killer, or an allocation failing).
TEST_F(SandboxEscape, MemoryBombAcrossProcessesHitsTheStepLimit) {
  // As root the memory controller is there to use: it must be used. A
  // normal user without a delegated cgroup has per-process limits only
  // (docs/sandbox.md, Known gaps).
  if (geteuid() != 0 && !sandbox::StepCgroup::memoryLimitsWork())
    GTEST_SKIP() << "not root and no writable memory cgroup: the step's memory is "
                    "bounded per process only";
  ASSERT_TRUE(sandbox::StepCgroup::memoryLimitsWork());
  ActionResult R =
      run(json{{"command",
                "ps=; for i in 1 2 3 4; do python3 -c 'import time; "
                "x = bytearray(150 << 20); x[::4096] = b\"a\" * len(x[::4096]); "
                "time.sleep(2)' & ps=\"$ps $!\"; done; "
                "for p in $ps; do wait $p; echo status=$?; done"},
               {"limits", {{"memory", "256MB"}, {"cpu_time", 20}}}});
  // 150 MB each is within every process's own limit (RLIMIT_AS); four at
  // once are not within the step's: not all four ran to their end.
  std::string O = R.Fields.value("stdout", std::string());
  size_t Ok = 0;
  for (size_t At = O.find("status=0"); At != std::string::npos;
       At = O.find("status=0", At + 1))
    ++Ok;
  EXPECT_EQ(std::count(O.begin(), O.end(), '\n'), 4) << out(R) << R.Error;
  EXPECT_LT(Ok, 4u) << out(R);
}

// Review finding 6: /dev was bwrap's writable tmpfs with no size (270 MB
// written past a 100 MiB disk limit). It is read-only now, and /dev/shm a
// tmpfs of the disk limit's size.
TEST_F(SandboxEscape, DevCannotBeFilled) {
  ActionResult R = run(json{{"command",
                             "head -c 5000000 /dev/zero > /dev/fill; echo dev=$?; "
                             "head -c 5000000 /dev/zero > /dev/shm/fill; echo shm=$?; "
                             "du -k /dev/shm/fill | cut -f1; echo x > /dev/null && "
                             "echo null-ok"},
                            {"limits", {{"disk", "1MB"}}}});
  std::string O = R.Fields.value("stdout", std::string());
  ASSERT_NE(O.find("shm="), std::string::npos) << out(R);
  EXPECT_EQ(O.find("dev=0"), std::string::npos) << out(R);
  EXPECT_EQ(O.find("shm=0"), std::string::npos) << out(R);
  EXPECT_NE(O.find("null-ok"), std::string::npos) << out(R);
  EXPECT_NE(out(R).find("Read-only file system"), std::string::npos) << out(R);
  size_t Kb = std::stoul(O.substr(O.find('\n', O.find("shm=")) + 1));
  EXPECT_LE(Kb, 1024u) << out(R);
}

// Review finding 8: a step's limits may tighten the run's, never loosen them.
TEST_F(SandboxEscape, StepLimitsCannotLoosenTheRunsCeilings) {
  sandbox::Policy Run;
  Run.Lim.MemoryBytes = 64u << 20;
  ActionResult R =
      run(json{{"command", "echo ran"}, {"limits", {{"memory", "1GB"}}}}, 0, true, &Run);
  EXPECT_FALSE(R.Ok);
  EXPECT_NE(R.Error.find("above the ceiling 64MB"), std::string::npos) << R.Error;
  R = run(json{{"command", "echo ran"}, {"limits", {{"network", "host"}}}}, 0, true,
          &Run);
  EXPECT_FALSE(R.Ok);
  EXPECT_NE(R.Error.find("`network: host` is not allowed"), std::string::npos) << R.Error;
  R = run(json{{"command", "echo ran"}, {"limits", {{"memory", "32MB"}}}}, 0, true, &Run);
  EXPECT_TRUE(R.Ok) << R.Error;
}

TEST_F(SandboxEscape, InfiniteLoopHitsTheCpuLimit) {
  ActionResult R =
      run(json{{"command", "while :; do :; done"}, {"limits", {{"cpu_time", 1}}}});
  EXPECT_FALSE(R.Ok);
}

TEST_F(SandboxEscape, BigFilesHitTheDiskLimit) {
  ActionResult R = run(json{{"command", "head -c 50000000 /dev/zero > big"},
                            {"limits", {{"disk", "1MB"}}}});
  EXPECT_FALSE(R.Ok);
}

TEST_F(SandboxEscape, PtraceMountAndNamespacesAreDenied) {
  ActionResult R =
      run(json{{"command",
                "strace -f true 2>&1 | head -3; unshare --user true; echo unshare=$?; "
                "python3 -c \"import ctypes; c = ctypes.CDLL(None, use_errno=True); "
                "print('ptrace', c.ptrace(0, 0, 0, 0), ctypes.get_errno()); "
                "print('mount', c.mount(b'none', b'/tmp', b'tmpfs', 0, None), "
                "ctypes.get_errno())\""}});
  ASSERT_TRUE(R.Ok) << R.Error;
  std::string O = R.Fields["output"];
  EXPECT_NE(O.find("ptrace -1 1"), std::string::npos) << O;  // EPERM
  EXPECT_NE(O.find("mount -1 1"), std::string::npos) << O;
  EXPECT_NE(O.find("unshare=1"), std::string::npos) << O;
  // Review finding 11: the strace line was never checked (its last line is
  // `Process N detached`; the first ones say why ptrace failed).
  EXPECT_NE(O.find("strace: "), std::string::npos) << O;
  EXPECT_NE(O.find("Operation not permitted"), std::string::npos) << O;
}

#if defined(__x86_64__)
// Review finding 12: io_uring (a way around the filter) was allowed; clone3
// gets ENOSYS so the C library falls back to clone.
TEST_F(SandboxEscape, IoUringIsDeniedAndClone3Unimplemented) {
  ActionResult R =
      run(json{{"command",
                "python3 -c \"import ctypes; c = ctypes.CDLL(None, use_errno=True); "
                "print('uring', c.syscall(425, 1, 0), ctypes.get_errno()); "
                "print('clone3', c.syscall(435, 0, 0), ctypes.get_errno())\"; "
                "ulimit -c"}});
  EXPECT_EQ(R.Fields.value("stdout", std::string()), "uring -1 1\nclone3 -1 38\n0\n")
      << out(R);
}
#endif

TEST_F(SandboxEscape, SetuidBinariesGiveNoRoot) {
  ActionResult R =
      run(json{{"command",
                "su -c 'id -u' root </dev/null; python3 -c 'import os; os.setuid(0)'; "
                "id -u; grep NoNewPrivs /proc/self/status; "
                "grep -c ' /usr [^ ]* [^ ]*nosuid' /proc/self/mounts"}});
  // Review finding 11: su fails for want of /etc/passwd alone; what keeps
  // a setuid binary from giving root is no_new_privs and nosuid mounts.
  EXPECT_EQ(R.Fields.value("stdout", std::string()), "65534\nNoNewPrivs:\t1\n1\n")
      << out(R);
}

TEST_F(SandboxEscape, CannotSignalHostProcesses) {
  pid_t Child = fork();
  ASSERT_GE(Child, 0);
  if (Child == 0) {
    pause();
    _exit(0);
  }
  ActionResult R = run(
      json{{"command", "kill -9 " + std::to_string(Child) + " " +
                           std::to_string(getpid()) + "; kill -9 -1; echo still here"}});
  int Status = 0;
  EXPECT_EQ(waitpid(Child, &Status, WNOHANG), 0);  // untouched
  kill(Child, SIGKILL);
  waitpid(Child, &Status, 0);
  EXPECT_NE(out(R).find("No such process"), std::string::npos) << out(R);
}

/// Waits (up to 5 s) until no process has \p Mark in its command line;
/// returns whether some still has.
bool processesLeft(const std::string &Mark) {
  bool Left = true;
  for (int I = 0; I < 100 && Left; ++I) {
    Left = false;
    for (const auto &P : fs::directory_iterator("/proc")) {
      std::ifstream F(P.path() / "cmdline");
      std::string C((std::istreambuf_iterator<char>(F)), {});
      if (C.find(Mark) != std::string::npos) Left = true;
    }
    if (Left) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Left;
}

TEST_F(SandboxEscape, CancelEndsTheWholeTree) {
  std::string Mark = "4242.4242";
  ActionResult R = run(json{{"command", "(setsid sleep " + Mark + " &); sleep " + Mark +
                                            " & sleep " + Mark},
                            {"limits", {{"cpu_time", 5}}}},
                       /*CancelMs=*/300);
  // Review finding 11: with `cpu: 0.5` and no cpu cgroup the step failed at
  // once and the test passed without running anything. The step must have
  // been running when cancelled.
  EXPECT_EQ(R.Error, "cancelled");
  EXPECT_FALSE(processesLeft(Mark));
}

TEST_F(SandboxEscape, UnsandboxedStepsEndTheirTreeToo) {
  // Without the sandbox the step's own pid namespace (root) or its cgroup
  // ends what it left behind.
  if (!sandbox::hostLayout().CanUnsharePid && !sandbox::hostLayout().CanUnshareUser &&
      !sandbox::StepCgroup::create({16, 0, 0}))
    GTEST_SKIP() << "not root, no user namespaces and no writable pids cgroup here: "
                    "unsandboxed steps cannot be tracked beyond their process group";
  std::string Mark = "4243.4243";
  ActionResult R = run(json{{"command", "(setsid sleep " + Mark +
                                            " >/dev/null 2>&1 &); "
                                            "sleep " +
                                            Mark + " >/dev/null 2>&1 & echo started"}},
                       0, /*Sandboxed=*/false);
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_FALSE(processesLeft(Mark));
}

TEST_F(SandboxEscape, UnsandboxedStepsGetTheirOwnPidNamespaceAsRoot) {
  // As root the tree ends with the step's own pid namespace: the step's
  // first process is pid 1 there, and no cgroup is needed for it.
  if (!sandbox::hostLayout().CanUnsharePid) GTEST_SKIP() << "not root";
  ActionResult R = run(json{{"command", "echo $$"}}, 0, /*Sandboxed=*/false);
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_EQ(R.Fields["output"], "1");
}

// Review finding 10: not root, an unsandboxed step gets a user namespace
// of its own (orchrt's user mapped to itself, so the same rights) and a pid
// namespace in it: its whole tree ends with it. Run in a child that has
// dropped to uid 65534.
TEST_F(SandboxEscape, UnsandboxedStepsEndTheirTreeAsNonRoot) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to drop to another user";
  fs::permissions(Dir, fs::perms::all);
  std::string Mark = "4246.4246";
  pid_t Child = fork();
  ASSERT_GE(Child, 0);
  if (Child == 0) {
    if (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 ||
        setresuid(65534, 65534, 65534) != 0)
      _exit(10);
    // As after an exec by uid 65534 (setuid made the process non-dumpable,
    // and /proc/self/uid_map root's).
    prctl(PR_SET_DUMPABLE, 1);
    sandbox::HostLayout Host = sandbox::hostLayout();
    Host.CanUnsharePid = false;  // as probeHost finds it for a non-root orchrt
    Host.CanUnshareUser = true;
    Host.HasStepCgroup = false;  // (no delegated cgroup subtree for uid 65534 here)
    ActionResult R =
        run(json{{"command", "(setsid sleep " + Mark + " >/dev/null 2>&1 &); sleep " +
                                 Mark + " >/dev/null 2>&1 & echo $$; id -u"}},
            0, /*Sandboxed=*/false, nullptr, &Host);
    if (!R.Ok) _exit(11);
    _exit(R.Fields["output"] == "1\n65534" ? 0 : 12);
  }
  int Status = 0;
  ASSERT_EQ(waitpid(Child, &Status, 0), Child);
  ASSERT_TRUE(WIFEXITED(Status));
  EXPECT_EQ(WEXITSTATUS(Status), 0) << "10: cannot drop, 11: step failed, 12: output";
  EXPECT_FALSE(processesLeft(Mark));
}

// `run_dir: write` with the default run directory (the project's) is
// refused; with a run directory of its own it runs.
TEST_F(SandboxEscape, WritingTheProjectDirectoryIsRefused) {
  EventLoop Loop;
  ProcessConfig C;
  C.RunDir = Dir;
  C.DefaultRunDir = true;
  ActionResult Out;
  bool Done = false;
  auto T = startProcessStep(Loop, C, "shell",
                            json{{"command", "echo x > made.txt"}, {"run_dir", "write"}},
                            [&](ActionResult R) {
                              Out = std::move(R);
                              Done = true;
                            });
  Loop.runUntil([&] { return Done; });
  EXPECT_FALSE(Out.Ok);
  EXPECT_NE(Out.Error.find("--run-dir"), std::string::npos) << Out.Error;
  EXPECT_FALSE(fs::exists(Dir + "/made.txt"));
}

TEST_F(SandboxEscape, HugeOutputIsCapped) {
  ActionResult R = run(json{{"command", "head -c 1073741824 /dev/zero"}});
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_LE(R.Fields["stdout"].get<std::string>().size(), (64u << 20) + 64);
}

}  // namespace
