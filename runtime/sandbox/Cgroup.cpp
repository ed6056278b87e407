//===- Cgroup.cpp ---------------------------------------------------------===//
#include "runtime/sandbox/Cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <sstream>

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

namespace orch::runtime::sandbox {

namespace {

/// Where this process's cgroups are: one directory per controller
/// (cgroup v1), or the same one for both (v2). Empty: not usable.
struct Bases {
  std::string Pids, Cpu;
  bool V2 = false;
};

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
      B.V2 = true;
    }
  }
  return B;
}

const Bases &bases() {
  static const Bases B = findBases();
  return B;
}

}  // namespace

bool StepCgroup::cpuSharesWork() { return !bases().Cpu.empty(); }

std::unique_ptr<StepCgroup> StepCgroup::create(uint64_t MaxPids, double CpuShare) {
  const Bases &B = bases();
  if (B.Pids.empty() || (CpuShare > 0 && B.Cpu.empty())) return nullptr;
  static std::atomic<uint64_t> Counter{0};
  std::string Name =
      "/orch-" + std::to_string(getpid()) + "-" + std::to_string(Counter.fetch_add(1));
  std::unique_ptr<StepCgroup> G(new StepCgroup());
  G->V2 = B.V2;
  auto Make = [&](const std::string &Base) -> bool {
    std::string Dir = Base + Name;
    if (mkdir(Dir.c_str(), 0755) != 0) return false;
    int Fd = open((Dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
    if (Fd < 0) {
      rmdir(Dir.c_str());
      return false;
    }
    G->Groups.push_back({Dir, Fd});
    return true;
  };
  if (!Make(B.Pids) ||
      !writeFile(G->Groups[0].Dir + "/pids.max", std::to_string(MaxPids)))
    return nullptr;
  if (CpuShare > 0) {
    const uint64_t Period = 100000;  // µs
    auto Quota = static_cast<uint64_t>(std::ceil(CpuShare * Period));
    if (Quota < 1000) Quota = 1000;
    bool Ok = B.V2 ? writeFile(G->Groups[0].Dir + "/cpu.max",
                               std::to_string(Quota) + " " + std::to_string(Period))
                   : Make(B.Cpu) &&
                         writeFile(G->Groups[1].Dir + "/cpu.cfs_period_us",
                                   std::to_string(Period)) &&
                         writeFile(G->Groups[1].Dir + "/cpu.cfs_quota_us",
                                   std::to_string(Quota));
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
  // pids.max, so this ends.
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
  }
}

StepCgroup::~StepCgroup() {
  for (Group &G : Groups) close(G.ProcsFd);
  killAll();
  // Killed members leave once reaped; the directories go when they have.
  for (auto It = Groups.rbegin(); It != Groups.rend(); ++It)
    for (int I = 0; I < 200 && rmdir(It->Dir.c_str()) != 0 && errno == EBUSY; ++I)
      usleep(1000);
}

}  // namespace orch::runtime::sandbox
