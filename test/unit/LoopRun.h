//===- LoopRun.h - a plan compiled from YAML, run on virtual time -*- C++ -*-===//
//
// For the loop tests (SchedulerLoopsTest, SchedulerNestedLoopsTest,
// SchedulerWhileTest): the
// real compiler and scheduler on a FakeExecutor with a FakeRunner.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "CompilePlan.h"
#include "FakeExecutor.h"
#include "FakeRunner.h"
#include "runtime/exec/Scheduler.h"

namespace orch::testing {

/// Compiles \p Yaml and runs it at -j \p Jobs (unless \p Run is false).
struct LoopRun {
  FakeExecutor E;
  FakeRunner R{E};
  Compiled C;
  std::unique_ptr<runtime::Scheduler> S;

  LoopRun(const std::string &Yaml, unsigned Jobs, json Inputs = json::object(),
          const passes::RunConfig *Config = nullptr, bool Run = true,
          runtime::RunObserver *Obs = nullptr) {
    C = compile(Yaml, Config);
    runtime::RunOptions O;
    O.Jobs = Jobs;
    O.RetryBase = std::chrono::milliseconds(10);
    S = std::make_unique<runtime::Scheduler>(*C.Plan, *C.Prog, Inputs, E, R, O, Obs);
    if (!Run) return;
    S->start();
    E.runUntil([&] { return S->finished(); });
  }
  uint32_t index(const std::string &Id) const {
    for (uint32_t I = 0; I < S->size(); ++I)
      if (S->stepId(I) == Id) return I;
    ADD_FAILURE() << "no step " << Id;
    return 0;
  }
  const runtime::StepState &state(const std::string &Id) const {
    return S->state(index(Id));
  }
};

}  // namespace orch::testing
