//===- Cgroup.cpp ---------------------------------------------------------===//
#include "runtime/sandbox/Cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <mutex>
#include <sstream>

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

namespace orch::runtime::sandbox {

namespace {

/// Where this process's cgroups are: one directory per controller
/// (cgroup v1), or the same one for both (v2). Empty: not usable.
struct Bases {
  std::string Pids, Cpu, Memory;
  bool V2 = false;
};

/// The kernel's largest pids.max (PID_MAX_LIMIT); above it, "max".
constexpr uint64_t MaxPidsLimit = 4u << 20;

bool writeFile(const std::string &Path, llvm::StringRef Text) {
  int Fd = open(Path.c_str(), O_WRONLY | O_CLOEXEC);
  if (Fd < 0) return false;
  bool Ok = write(Fd, Text.data(), Text.size()) == static_cast<ssize_t>(Text.size());
  close(Fd);
  return Ok;
}

std::string readFile(const std::string &Path) {
  std::ifstream F(Path);
  std::stringstream S;
  S << F.rdbuf();
  return S.str();
}

bool writable(const std::string &Dir) {
  return access((Dir + "/cgroup.procs").c_str(), W_OK) == 0;
}

Bases findBases() {
  Bases B;
  std::string Self = readFile("/proc/self/cgroup");
  llvm::StringRef Rest = Self;
  std::string V2Path;
  bool HasV2 = false;
  while (!Rest.empty()) {
    auto [Line, Tail] = Rest.split('\n');
    Rest = Tail;
    auto [Id, R1] = Line.split(':');
    auto [Ctrls, Path] = R1.split(':');
    if (Id == "0" && Ctrls.empty()) {
      V2Path = Path.rtrim('/').str();
      HasV2 = true;
      continue;
    }
    // cgroup v1: mounted at /sys/fs/cgroup/<controllers>, e.g. cpu,cpuacct.
    std::string Dir = "/sys/fs/cgroup/" + Ctrls.str() + Path.rtrim('/').str();
    llvm::SmallVector<llvm::StringRef, 4> Names;
    Ctrls.split(Names, ',');
    for (llvm::StringRef N : Names) {
      if (N == "pids" && writable(Dir)) B.Pids = Dir;
      if (N == "cpu" && writable(Dir)) B.Cpu = Dir;
      if (N == "memory" && writable(Dir)) B.Memory = Dir;
    }
  }
  if (B.Pids.empty() && HasV2) {
    std::string Dir = "/sys/fs/cgroup" + V2Path;
    std::string Text = readFile(Dir + "/cgroup.subtree_control");
    llvm::SmallVector<llvm::StringRef, 8> Sub;
    llvm::StringRef(Text).split(Sub, ' ', -1, false);
    for (llvm::StringRef &S : Sub) S = S.trim();
    if (llvm::is_contained(Sub, "pids") && writable(Dir)) {
      B.Pids = Dir;
      if (llvm::is_contained(Sub, "cpu")) B.Cpu = Dir;
      if (llvm::is_contained(Sub, "memory")) B.Memory = Dir;
      B.V2 = true;
    }
  }
  return B;
}

const Bases &bases() {
  static const Bases B = findBases();
  return B;
}

/// Step cgroup directories whose members had not all gone when their
/// step ended: removed later (removeStale), never left behind.
struct Leftovers {
  std::mutex M;
  std::vector<std::string> Dirs;
};
Leftovers &leftovers() {
  static Leftovers L;
  return L;
}

/// Removes \p Dir if it is empty of processes; true if it is gone.
bool removeDir(const std::string &Dir) {
  return rmdir(Dir.c_str()) == 0 || errno == ENOENT;
}

/// Is \p Name (`orch-<pid>-<n>`) a step cgroup of a process that is gone?
bool deadOwner(llvm::StringRef Name) {
  if (!Name.consume_front("orch-")) return false;
  unsigned Pid = 0;
  if (Name.split('-').first.getAsInteger(10, Pid) || !Pid) return false;
  return static_cast<pid_t>(Pid) != getpid() && ::kill(static_cast<pid_t>(Pid), 0) != 0 &&
         errno == ESRCH;
}

}  // namespace

bool StepCgroup::cpuSharesWork() { return !bases().Cpu.empty(); }
bool StepCgroup::pidsWork() { return !bases().Pids.empty(); }
bool StepCgroup::memoryLimitsWork() { return !bases().Memory.empty(); }

/// Removes this process's step cgroups that were busy when their step ended.
static void retryLeftovers() {
  Leftovers &L = leftovers();
  std::lock_guard<std::mutex> Lock(L.M);
  llvm::erase_if(L.Dirs, removeDir);
}

void StepCgroup::removeStale() {
  retryLeftovers();
  const Bases &B = bases();
  for (const std::string *Base : {&B.Pids, &B.Memory, &B.Cpu}) {
    if (Base->empty()) continue;
    // Only this process's own cgroups' children named by a dead orchrt.
    if (DIR *D = opendir(Base->c_str())) {
      while (dirent *E = readdir(D))
        if (E->d_type == DT_DIR && deadOwner(E->d_name))
          rmdir((*Base + "/" + E->d_name).c_str());
      closedir(D);
    }
  }
}

std::unique_ptr<StepCgroup> StepCgroup::create(const CgroupLimits &Lim) {
  retryLeftovers();
  const Bases &B = bases();
  if (B.Pids.empty() || (Lim.CpuShare > 0 && B.Cpu.empty())) return nullptr;
  static std::atomic<uint64_t> Counter{0};
  std::string Name =
      "/orch-" + std::to_string(getpid()) + "-" + std::to_string(Counter.fetch_add(1));
  std::unique_ptr<StepCgroup> G(new StepCgroup());
  G->V2 = B.V2;
  // The directory of each controller (one for all on v2).
  auto Make = [&](const std::string &Base) -> const std::string * {
    std::string Dir = Base + Name;
    for (const Group &Gr : G->Groups)
      if (Gr.Dir == Dir) return &Gr.Dir;
    if (mkdir(Dir.c_str(), 0755) != 0) return nullptr;
    // The child joins by writing "0" before exec, as a single thread. On v1
    // it writes `tasks`: moving the writing thread itself skips the kernel's
    // global cgroup_threadgroup_rwsem, whose write side (every write to
    // `cgroup.procs`) waits for an RCU grace period, 6-40 ms here. On v2
    // `cgroup.threads` is for threaded cgroups only: `cgroup.procs`.
    int Fd =
        open((Dir + (B.V2 ? "/cgroup.procs" : "/tasks")).c_str(), O_WRONLY | O_CLOEXEC);
    if (Fd < 0) {
      rmdir(Dir.c_str());
      return nullptr;
    }
    G->Groups.push_back({Dir, Fd});
    return &G->Groups.back().Dir;
  };
  const std::string *Pids = Make(B.Pids);
  std::string Max = Lim.MaxPids && Lim.MaxPids <= MaxPidsLimit
                        ? std::to_string(Lim.MaxPids)
                        : std::string("max");
  if (!Pids || !writeFile(*Pids + "/pids.max", Max)) return nullptr;
  // Memory where the controller is writable; elsewhere RLIMIT_AS alone
  // (hasMemoryLimit() says which).
  if (Lim.MemoryBytes && !B.Memory.empty()) {
    std::string Bytes = std::to_string(Lim.MemoryBytes);
    if (const std::string *Mem = Make(B.Memory)) {
      std::string Dir = *Mem;
      G->MemoryLimited =
          writeFile(Dir + (B.V2 ? "/memory.max" : "/memory.limit_in_bytes"), Bytes);
      // Swap too, where the kernel accounts it (absent otherwise).
      if (G->MemoryLimited)
        B.V2 ? writeFile(Dir + "/memory.swap.max", "0")
             : writeFile(Dir + "/memory.memsw.limit_in_bytes", Bytes);
    }
  }
  if (Lim.CpuShare > 0) {
    const uint64_t Period = 100000;  // µs
    auto Quota = static_cast<uint64_t>(std::ceil(Lim.CpuShare * Period));
    if (Quota < 1000) Quota = 1000;
    const std::string *Cpu = Make(B.Cpu);
    if (!Cpu) return nullptr;
    std::string Dir = *Cpu;
    bool Ok = B.V2 ? writeFile(Dir + "/cpu.max",
                               std::to_string(Quota) + " " + std::to_string(Period))
                   : writeFile(Dir + "/cpu.cfs_period_us", std::to_string(Period)) &&
                         writeFile(Dir + "/cpu.cfs_quota_us", std::to_string(Quota));
    if (!Ok) return nullptr;
  }
  return G;
}

std::vector<int> StepCgroup::procsFds() const {
  std::vector<int> Fds;
  for (const Group &G : Groups) Fds.push_back(G.ProcsFd);
  return Fds;
}

void StepCgroup::killAll() {
  if (Groups.empty()) return;
  const std::string &Dir = Groups[0].Dir;
  if (V2 && writeFile(Dir + "/cgroup.kill", "1")) return;
  // cgroup v1: signal each member until none is left; forks are bounded by
  // pids.max, so this ends. Killed processes take a moment to leave.
  for (int Round = 0; Round < 1000; ++Round) {
    std::string Procs = readFile(Dir + "/cgroup.procs");
    llvm::StringRef Rest = llvm::StringRef(Procs).trim();
    if (Rest.empty()) return;
    while (!Rest.empty()) {
      auto [P, Tail] = Rest.split('\n');
      Rest = Tail;
      int Pid = 0;
      if (!P.trim().getAsInteger(10, Pid) && Pid > 0) ::kill(Pid, SIGKILL);
    }
    usleep(Round < 10 ? 100 : 1000);
  }
}

StepCgroup::~StepCgroup() {
  for (Group &G : Groups) close(G.ProcsFd);
  killAll();
  // Killed members leave once they have exited; a directory still busy
  // after 50 ms is removed later (removeStale), not left behind.
  Leftovers &L = leftovers();
  for (auto It = Groups.rbegin(); It != Groups.rend(); ++It) {
    bool Gone = false;
    for (int I = 0; I < 50 && !(Gone = removeDir(It->Dir)) && errno == EBUSY; ++I)
      usleep(1000);
    if (!Gone) {
      std::lock_guard<std::mutex> Lock(L.M);
      L.Dirs.push_back(It->Dir);
    }
  }
}

}  // namespace orch::runtime::sandbox
