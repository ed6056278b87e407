//===- SandboxLaunchTest.cpp - Policies, launches, the seccomp program ----===//
#include <gtest/gtest.h>
#include <sys/resource.h>

#include "llvm/ADT/STLExtras.h"
#include "runtime/actions/Shell.h"
#include "runtime/exec/EventLoop.h"
#include "runtime/sandbox/Launch.h"
#include "runtime/sandbox/Seccomp.h"

using namespace orch::runtime;
using namespace orch::runtime::sandbox;

namespace {

HostLayout fakeHost() {
  HostLayout H;
  H.Root = {{"/bin", "usr/bin"}, {"/lib", ""}};
  H.EtcFiles = {"/etc/ld.so.cache"};
  H.BwrapPath = "/opt/bwrap";
  H.HostPath = "/host/bin";
  H.HostHome = "/home/someone";
  return H;
}

bool hasSeq(const std::vector<std::string> &A, std::vector<std::string> Seq) {
  for (size_t I = 0; I + Seq.size() <= A.size(); ++I)
    if (std::equal(Seq.begin(), Seq.end(), A.begin() + static_cast<long>(I))) return true;
  return false;
}

// Issue 14, start cost: every bind costs bwrap a mount, a read of
// /proc/self/mountinfo and a remount; /etc entries that are symlinks into
// /usr are made as symlinks, and the loader's configuration is not bound.
TEST(SandboxLaunch, EtcLinksAreSymlinksNotBinds) {
  HostLayout H = fakeHost();
  H.EtcLinks = {{"/etc/localtime", "/usr/share/zoneinfo/Etc/UTC"}};
  Launch L = buildLaunch(Policy(), Program{{"true"}, {}, "/r"}, H);
  EXPECT_TRUE(
      hasSeq(L.Argv, {"--symlink", "/usr/share/zoneinfo/Etc/UTC", "/etc/localtime"}));
  EXPECT_FALSE(llvm::is_contained(L.Argv, "/etc/ld.so.conf"));
  for (const std::string &E : hostLayout().EtcFiles)
    EXPECT_FALSE(llvm::StringRef(E).starts_with("/etc/ld.so.conf")) << E;
  for (const RootEntry &E : hostLayout().EtcLinks)
    EXPECT_TRUE(llvm::StringRef(E.LinkTarget).starts_with("/usr/")) << E.Path;
}

TEST(SandboxLaunch, NamespacesBindsAndLimits) {
  Policy P;
  Program Prog{{"/bin/sh", "-c", "echo hi"}, {{"GREETING", "hello"}}, "/runs/r1"};
  Launch L = buildLaunch(P, Prog, fakeHost());
  EXPECT_EQ(L.Path, "/opt/bwrap");
  EXPECT_TRUE(L.NeedsSeccompFd);
  for (const char *F :
       {"--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc",
        "--unshare-uts", "--die-with-parent", "--new-session", "--disable-userns"})
    EXPECT_TRUE(llvm::is_contained(L.Argv, F)) << F;
  EXPECT_TRUE(hasSeq(L.Argv, {"--ro-bind", "/usr", "/usr"}));
  EXPECT_TRUE(hasSeq(L.Argv, {"--symlink", "usr/bin", "/bin"}));
  EXPECT_TRUE(hasSeq(L.Argv, {"--ro-bind", "/lib", "/lib"}));
  EXPECT_TRUE(hasSeq(L.Argv, {"--tmpfs", "/work"}));
  // Review finding 6: /dev read-only, /dev/shm of the disk limit's size.
  // Review 2, finding 7: a /dev of its own, without ptmx or pts.
  EXPECT_TRUE(
      hasSeq(L.Argv, {"--tmpfs", "/dev", "--dev-bind", "/dev/null", "/dev/null"}));
  EXPECT_TRUE(hasSeq(
      L.Argv, {"--size", "104857600", "--tmpfs", "/dev/shm", "--remount-ro", "/dev"}));
  EXPECT_FALSE(hasSeq(L.Argv, {"--dev", "/dev"}));
  EXPECT_TRUE(hasSeq(L.Argv, {"--seccomp", "3"}));
  EXPECT_FALSE(llvm::is_contained(L.Argv, "/runs/r1"));  // not bound unless asked
  EXPECT_TRUE(llvm::is_contained(L.Rlimits, Rlimit{RLIMIT_AS, 1073741824}));
  EXPECT_TRUE(llvm::is_contained(L.Rlimits, Rlimit{RLIMIT_CPU, 600}));
  EXPECT_TRUE(llvm::is_contained(L.Rlimits, Rlimit{RLIMIT_CORE, 0}));  // finding 12
  EXPECT_TRUE(llvm::is_contained(L.Rlimits, Rlimit{RLIMIT_NPROC, 256}));
  EXPECT_FALSE(L.NewPidNamespace);  // not root, no user namespaces on this fake host
  // Not root with user namespaces (review 4): bwrap is the first process of
  // a user and pid namespace of orchrt's, so the same kill takes it.
  HostLayout User = fakeHost();
  User.CanUnshareUser = true;
  Launch AsUser = buildLaunch(P, Prog, User);
  EXPECT_TRUE(AsUser.NewPidNamespace);
  EXPECT_TRUE(AsUser.NewUserNamespace);
  EXPECT_FALSE(AsUser.OwnProc);
  User.HasStepCgroup = true;  // as for unsandboxed steps: the cgroup ends the tree
  EXPECT_FALSE(buildLaunch(P, Prog, User).NewUserNamespace);
  // As root, bwrap is the first process of a pid namespace of orchrt's, with
  // a /proc of its own: an orchrt killed while bwrap builds the sandbox
  // (before bwrap's child sets --die-with-parent) takes it all with it.
  HostLayout Root = fakeHost();
  Root.CanUnsharePid = true;
  Launch AsRoot = buildLaunch(P, Prog, Root);
  EXPECT_TRUE(AsRoot.NewPidNamespace);
  EXPECT_FALSE(AsRoot.OwnProc);  // bwrap's /proc/2/ns lookup finds a process
  EXPECT_FALSE(AsRoot.NewUserNamespace);
  Root.ProcHasPid2 = false;  // a container: bwrap gets a /proc of its own
  EXPECT_TRUE(buildLaunch(P, Prog, Root).OwnProc);
  EXPECT_TRUE(hasSeq(L.Argv, {"--", "/bin/sh", "-c", "echo hi"}));
  EXPECT_EQ(L.Argv.back(), "echo hi");
  // bwrap runs as host root: a fixed environment for it, the step's
  // variables for the program only (review finding 1).
  EXPECT_EQ(L.Env, (std::vector<std::string>{"PATH=/usr/local/bin:/usr/bin:/bin"}));
  EXPECT_TRUE(hasSeq(L.Argv, {"--clearenv"}));
  EXPECT_TRUE(hasSeq(L.Argv, {"--setenv", "HOME", "/work"}));
  EXPECT_TRUE(hasSeq(L.Argv, {"--setenv", "LANG", "C.UTF-8"}));
  EXPECT_TRUE(hasSeq(L.Argv, {"--setenv", "GREETING", "hello"}));
}

TEST(SandboxLaunch, RunDirOnRequest) {
  Policy P;
  Program Prog{{"true"}, {}, "/runs/r1"};
  P.RunDir = RunDirAccess::Read;
  EXPECT_TRUE(
      hasSeq(buildLaunch(P, Prog, fakeHost()).Argv, {"--ro-bind", "/runs/r1", "/work"}));
  P.RunDir = RunDirAccess::Write;
  EXPECT_TRUE(
      hasSeq(buildLaunch(P, Prog, fakeHost()).Argv, {"--bind", "/runs/r1", "/work"}));
  P.Network = true;
  EXPECT_FALSE(
      llvm::is_contained(buildLaunch(P, Prog, fakeHost()).Argv, "--unshare-net"));
}

TEST(SandboxLaunch, UnsandboxedKeepsTheSmallEnvironment) {
  Policy P;
  P.Enabled = false;
  Program Prog{{"/bin/sh", "-c", "env"}, {{"PATH", "/mine"}}, "/runs/r1"};
  Launch L = buildLaunch(P, Prog, fakeHost());
  EXPECT_EQ(L.Path, "/bin/sh");
  EXPECT_EQ(L.Argv, (std::vector<std::string>{"/bin/sh", "-c", "env"}));
  EXPECT_FALSE(L.NeedsSeccompFd);
  EXPECT_FALSE(L.NewPidNamespace);  // not root on this fake host
  EXPECT_EQ(L.Cwd, "/runs/r1");
  EXPECT_EQ(L.Env, (std::vector<std::string>{"PATH=/mine", "HOME=/home/someone",
                                             "LANG=C.UTF-8"}));
  EXPECT_TRUE(llvm::is_contained(L.Rlimits, Rlimit{RLIMIT_AS, 1073741824}));
  EXPECT_FALSE(llvm::is_contained(L.Rlimits, Rlimit{RLIMIT_NPROC, 256}));
  HostLayout Root = fakeHost();
  Root.CanUnsharePid = true;
  EXPECT_TRUE(buildLaunch(P, Prog, Root).NewPidNamespace);
}

TEST(SandboxLaunch, UnsandboxedNonRootGetsItsOwnUserAndPidNamespace) {
  Policy P;
  P.Enabled = false;
  Program Prog{{"true"}, {}, "/runs/r1"};
  HostLayout H = fakeHost();
  H.CanUnshareUser = true;  // not root, unprivileged user namespaces allowed
  Launch L = buildLaunch(P, Prog, H);
  EXPECT_TRUE(L.NewPidNamespace);
  EXPECT_TRUE(L.NewUserNamespace);
  H.CanUnsharePid = true;  // root: no user namespace needed
  L = buildLaunch(P, Prog, H);
  EXPECT_TRUE(L.NewPidNamespace);
  EXPECT_FALSE(L.NewUserNamespace);
}

// Review 2, finding 4: a user namespace costs setuid tools. `--no-userns`
// turns it off; a step cgroup (a delegated cgroup v2 subtree) is preferred.
TEST(SandboxLaunch, UnsandboxedNonRootMayKeepSetuidTools) {
  Policy P;
  P.Enabled = false;
  Program Prog{{"true"}, {}, "/runs/r1"};
  HostLayout H = fakeHost();
  H.CanUnshareUser = true;
  P.UserNamespace = false;  // --no-userns, sandbox.user_namespace: false
  Launch L = buildLaunch(P, Prog, H);
  EXPECT_FALSE(L.NewUserNamespace);
  EXPECT_FALSE(L.NewPidNamespace);  // the step's cgroup, where there is one
  P.UserNamespace = true;
  H.HasStepCgroup = true;  // a writable delegated subtree
  L = buildLaunch(P, Prog, H);
  EXPECT_FALSE(L.NewUserNamespace);
  EXPECT_FALSE(L.NewPidNamespace);
  P.Enabled = true;  // sandboxed steps are bwrap's either way
  EXPECT_EQ(buildLaunch(P, Prog, H).Argv.front(), "bwrap");
}

// Review finding 8: config.yaml's limits are ceilings; a step tightens.
TEST(SandboxPolicy, StepLimitsOnlyTighten) {
  Policy Run;
  ASSERT_FALSE(static_cast<bool>(applyLimitsJson(
      nlohmann::json{{"memory", "256MB"}, {"cpu", 0.5}, {"processes", 32}}, Run)));
  auto Step = [&](nlohmann::json J) {
    Policy P = Run;
    llvm::Error E = applyStepLimitsJson(J, P);
    return E ? llvm::toString(std::move(E)) : std::string("ok");
  };
  EXPECT_EQ(Step(nlohmann::json{{"memory", "128MB"}, {"cpu", 0.25}, {"network", "none"}}),
            "ok");
  EXPECT_NE(Step(nlohmann::json{{"memory", "1GB"}})
                .find("`memory: 1GB` is above the ceiling 256MB"),
            std::string::npos);
  EXPECT_NE(Step(nlohmann::json{{"cpu", 2}}).find("`cpu: 2` is above the ceiling 0.5"),
            std::string::npos);
  EXPECT_NE(Step(nlohmann::json{{"processes", 33}}).find("ceiling 32"),
            std::string::npos);
  EXPECT_NE(Step(nlohmann::json{{"cpu_time", 601}}).find("ceiling 600"),
            std::string::npos);
  EXPECT_NE(
      Step(nlohmann::json{{"network", "host"}}).find("`network: host` is not allowed"),
      std::string::npos);
  Policy P = Run;
  ASSERT_FALSE(
      static_cast<bool>(applyStepLimitsJson(nlohmann::json{{"memory", "64MB"}}, P)));
  EXPECT_EQ(P.Lim.MemoryBytes, 64u << 20);
  EXPECT_EQ(P.Lim.Processes, 32u);  // the rest stays the run's
  // Where config.yaml gives the host's network, a step may keep or drop it.
  Policy Host;
  ASSERT_FALSE(
      static_cast<bool>(applyLimitsJson(nlohmann::json{{"network", "host"}}, Host)));
  EXPECT_TRUE(Host.Network);
  ASSERT_FALSE(
      static_cast<bool>(applyStepLimitsJson(nlohmann::json{{"network", "none"}}, Host)));
  EXPECT_FALSE(Host.Network);
}

TEST(SandboxPolicy, Sizes) {
  EXPECT_EQ(*parseByteSize("1GB"), 1ull << 30);
  EXPECT_EQ(*parseByteSize("100MB"), 100ull << 20);
  EXPECT_EQ(*parseByteSize("512 KiB"), 512ull << 10);
  EXPECT_EQ(*parseByteSize("4096"), 4096u);
  EXPECT_EQ(*parseByteSize("1.5G"), 3ull << 29);
  for (const char *Bad : {"", "GB", "1 parsec", "-5MB", "0"}) {
    llvm::Expected<uint64_t> N = parseByteSize(Bad);
    EXPECT_FALSE(static_cast<bool>(N)) << Bad;
    if (!N) llvm::consumeError(N.takeError());
  }
}

TEST(SandboxPolicy, SeedForms) {
  Policy P;
  ASSERT_FALSE(static_cast<bool>(applyLimitsJson(nlohmann::json{{"memory", "1GB"},
                                                                {"disk", "100MB"},
                                                                {"cpu_time", 30},
                                                                {"cpu", 0.5},
                                                                {"network", "none"},
                                                                {"processes", 64},
                                                                {"open_files", 128}},
                                                 P)));
  EXPECT_EQ(P.Lim.MemoryBytes, 1ull << 30);
  EXPECT_EQ(P.Lim.FileSizeBytes, 100ull << 20);
  EXPECT_EQ(P.Lim.CpuSeconds, 30u);
  EXPECT_EQ(P.Lim.CpuShare, 0.5);
  EXPECT_EQ(P.Lim.Processes, 64u);
  EXPECT_EQ(P.Lim.OpenFiles, 128u);
  EXPECT_FALSE(P.Network);
  auto Err = [](nlohmann::json J) {
    Policy Q;
    llvm::Error E = applyLimitsJson(J, Q);
    return E ? llvm::toString(std::move(E)) : std::string();
  };
  EXPECT_NE(Err(nlohmann::json{{"cpu", "lots"}}).find("number of CPUs"),
            std::string::npos);
  EXPECT_NE(Err(nlohmann::json{{"cpu_time", 0.5}}).find("positive whole number"),
            std::string::npos);
  EXPECT_NE(Err(nlohmann::json{{"gpu", 1}}).find("unknown resource limit `gpu`"),
            std::string::npos);
  EXPECT_NE(Err(nlohmann::json{{"network", "bridge"}}).find("`none` or `host`"),
            std::string::npos);
  EXPECT_NE(Err(nlohmann::json{{"memory", true}}).find("`memory`"), std::string::npos);
  // Review (minor): 1e30 was cast to uint64_t (undefined behaviour).
  EXPECT_NE(Err(nlohmann::json{{"processes", 1e30}}).find("at most 10^15"),
            std::string::npos);
  EXPECT_NE(Err(nlohmann::json{{"open_files", -3}}).find("positive whole number"),
            std::string::npos);
}

TEST(SandboxSeccomp, ProgramDeniesTheListedCalls) {
  llvm::Expected<std::string> P = seccompProgram();
  ASSERT_TRUE(static_cast<bool>(P)) << llvm::toString(P.takeError());
  EXPECT_FALSE(P->empty());
  EXPECT_EQ(P->size() % 8, 0u);  // struct sock_filter
  for (const char *C :
       {"ptrace", "mount", "init_module", "keyctl", "add_key",
        // Review finding 12.
        "io_uring_setup", "personality", "pidfd_getfd", "kcmp", "name_to_handle_at",
        "fanotify_init", "move_pages", "migrate_pages"})
    EXPECT_TRUE(llvm::is_contained(deniedSyscalls(), C)) << C;
}

/// Records what it is asked to start, and starts nothing.
class RecordingSpawner : public Spawner {
 public:
  llvm::Expected<pid_t> spawn(const Launch &L, const Stdio &) override {
    Seen.push_back(L);
    return llvm::createStringError("not started (test)");
  }
  std::vector<Launch> Seen;
};

ActionResult startWith(RecordingSpawner &S, nlohmann::json Params,
                       bool Sandboxed = true) {
  EventLoop Loop;
  HostLayout H = fakeHost();
  ProcessConfig C;
  C.RunDir = "/runs/r1";
  C.Spawn = &S;
  C.Host = &H;
  C.Sandbox.Enabled = Sandboxed;
  ActionResult Out;
  startProcessStep(Loop, C, "shell", Params, [&](ActionResult R) { Out = std::move(R); });
  return Out;
}

TEST(SandboxShell, ArgvRunsWithoutAShell) {
  RecordingSpawner S;
  ActionResult R =
      startWith(S, nlohmann::json{{"argv", {"printf", "%s", "$(id); rm -rf /"}}});
  ASSERT_EQ(S.Seen.size(), 1u);
  EXPECT_TRUE(hasSeq(S.Seen[0].Argv, {"--", "printf", "%s", "$(id); rm -rf /"}));
  EXPECT_FALSE(llvm::is_contained(S.Seen[0].Argv, "/bin/sh"));
  EXPECT_NE(R.Error.find("not started (test)"), std::string::npos);
}

TEST(SandboxShell, StepLimitsAndRunDir) {
  RecordingSpawner S;
  startWith(S, nlohmann::json{{"command", "true"},
                              {"run_dir", "write"},
                              {"limits", {{"memory", "64MB"}, {"processes", 8}}},
                              {"env", {{"N", 1}}}});
  ASSERT_EQ(S.Seen.size(), 1u);
  const Launch &L = S.Seen[0];
  EXPECT_TRUE(llvm::is_contained(L.Rlimits, Rlimit{RLIMIT_AS, 67108864}));
  EXPECT_TRUE(llvm::is_contained(L.Rlimits, Rlimit{RLIMIT_NPROC, 8}));
  EXPECT_TRUE(hasSeq(L.Argv, {"--bind", "/runs/r1", "/work"}));
  EXPECT_TRUE(hasSeq(L.Argv, {"--setenv", "N", "1"}));
}

TEST(SandboxShell, BadParametersFailWithoutRetry) {
  RecordingSpawner S;
  for (nlohmann::json P :
       {nlohmann::json{{"command", "true"}, {"run_dir", "everything"}},
        nlohmann::json{{"command", "true"}, {"limits", {{"cpu_time", 0.25}}}},
        nlohmann::json{{"argv", nlohmann::json::array()}},
        nlohmann::json{{"argv", {{{"a", 1}}}}}, nlohmann::json::object()}) {
    ActionResult R = startWith(S, P);
    EXPECT_FALSE(R.Ok) << P.dump();
    EXPECT_FALSE(R.Retryable) << P.dump();
  }
  EXPECT_TRUE(S.Seen.empty());
}

}  // namespace
