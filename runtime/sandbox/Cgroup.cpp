//===- Cgroup.cpp ---------------------------------------------------------===//
#include "runtime/sandbox/Cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <sstream>

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

namespace orch::runtime::sandbox {

namespace {

struct Base {
  std::string Dir;  ///< Empty: none usable.
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

/// This process's pids cgroup directory: cgroup v1's `pids` hierarchy, else
/// v2 when its parent offers the `pids` controller to children.
Base findBase() {
  Base B;
  std::string Self = readFile("/proc/self/cgroup");
  llvm::StringRef Rest = Self;
  std::string V2Path;
  while (!Rest.empty()) {
    auto [Line, Tail] = Rest.split('\n');
    Rest = Tail;
    auto [Id, R1] = Line.split(':');
    auto [Ctrls, Path] = R1.split(':');
    llvm::SmallVector<llvm::StringRef, 4> Names;
    Ctrls.split(Names, ',');
    for (llvm::StringRef N : Names)
      if (N == "pids") {
        std::string Dir = "/sys/fs/cgroup/pids" + Path.rtrim('/').str();
        if (access((Dir + "/cgroup.procs").c_str(), W_OK) == 0) return {Dir, false};
      }
    if (Id == "0" && Ctrls.empty()) V2Path = Path.rtrim('/').str();
  }
  std::string Dir = "/sys/fs/cgroup" + V2Path;
  if (llvm::StringRef(readFile(Dir + "/cgroup.subtree_control")).contains("pids") &&
      access((Dir + "/cgroup.procs").c_str(), W_OK) == 0)
    return {Dir, true};
  return B;
}

const Base &base() {
  static const Base B = findBase();
  return B;
}

}  // namespace

std::unique_ptr<StepCgroup> StepCgroup::create(uint64_t MaxPids) {
  const Base &B = base();
  if (B.Dir.empty()) return nullptr;
  static std::atomic<uint64_t> Counter{0};
  std::string Dir = B.Dir + "/orch-" + std::to_string(getpid()) + "-" +
                    std::to_string(Counter.fetch_add(1));
  if (mkdir(Dir.c_str(), 0755) != 0) return nullptr;
  int Fd = -1;
  if (writeFile(Dir + "/pids.max", std::to_string(MaxPids)))
    Fd = open((Dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
  if (Fd < 0) {
    rmdir(Dir.c_str());
    return nullptr;
  }
  return std::unique_ptr<StepCgroup>(new StepCgroup(Dir, Fd, B.V2));
}

bool StepCgroup::empty() const {
  return llvm::StringRef(readFile(Dir + "/cgroup.procs")).trim().empty();
}

void StepCgroup::killAll() {
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
  close(ProcsFd);
  killAll();
  // Killed members leave once reaped; the directory goes when they have.
  for (int I = 0; I < 200 && rmdir(Dir.c_str()) != 0 && errno == EBUSY; ++I) usleep(1000);
}

}  // namespace orch::runtime::sandbox
