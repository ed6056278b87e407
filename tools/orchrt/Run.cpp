//===- Run.cpp - orchrt's run: a PlanRun's stages in order ----------------===//
#include "Run.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>

#include <cstdlib>
#include <optional>

#include "PlanRun.h"

namespace orch::tools {

void raiseFdLimit() {
  rlimit L;
  if (getrlimit(RLIMIT_NOFILE, &L) == 0 && L.rlim_cur < L.rlim_max) {
    L.rlim_cur = L.rlim_max;
    setrlimit(RLIMIT_NOFILE, &L);
  }
}

/// SIGINT and SIGTERM arrive as a readable descriptor on the loop. They are
/// blocked before any thread starts, so every thread inherits the mask.
int blockSignals() {
  sigset_t Set;
  sigemptyset(&Set);
  sigaddset(&Set, SIGINT);
  sigaddset(&Set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &Set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return signalfd(-1, &Set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int runPlan(const RunCommand &Cmd) {
  using Stage = std::optional<int> (PlanRun::*)();
  static constexpr Stage Stages[] = {
      &PlanRun::load,           &PlanRun::loadModelStats,  &PlanRun::configureProcesses,
      &PlanRun::startObservers, &PlanRun::configureRunner, &PlanRun::openRecord,
      &PlanRun::buildScheduler, &PlanRun::resume,          &PlanRun::execute,
  };
  PlanRun Run(Cmd);
  for (Stage S : Stages)
    if (std::optional<int> Code = (Run.*S)()) return *Code;
  return Run.report();
}

}  // namespace orch::tools
