//===- PlanRun.h - One `orchrt PLAN`: its stages and what they hold -*- C++ -*-===//
//
// runPlan (Run.cpp) calls the stages of a PlanRun in order: each returns
// the exit code to stop with, or nothing to go on. The members are what
// the run holds, declared in the order they are built, so they are torn
// down in reverse: the scheduler first, the plan last; the tracer outlives
// the runner whose model calls report to it.
//
// PlanRunSetup.cpp: the stages up to the scheduler. PlanRunFinish.cpp:
// resuming, the run itself and its report. RunSupport.h: the helpers both
// share.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "Durable.h"
#include "MetricsServer.h"
#include "Monitoring.h"
#include "Run.h"
#include "ir/Json.h"
#include "llvm/ADT/SmallString.h"
#include "runtime/actions/ModelStats.h"
#include "runtime/actions/Runner.h"
#include "runtime/exec/EventLoop.h"
#include "runtime/exec/Progress.h"
#include "runtime/exec/Scheduler.h"
#include "runtime/llm/CurlTransport.h"
#include "runtime/observe/BudgetStop.h"
#include "runtime/observe/EventLog.h"
#include "runtime/observe/Ledger.h"
#include "runtime/observe/Metrics.h"
#include "runtime/observe/Otlp.h"
#include "runtime/observe/Tracer.h"
#include "runtime/plan/PlanProgram.h"
#include "runtime/plan/PlanReader.h"

namespace orch::tools {

/// One run of a plan (see the file comment).
class PlanRun {
 public:
  explicit PlanRun(const RunCommand &Cmd) : Cmd(Cmd) {}
  PlanRun(const PlanRun &) = delete;
  PlanRun &operator=(const PlanRun &) = delete;

  /// The plan and its inputs; `--dry-run` ends here.
  std::optional<int> load();
  /// The record of models that learn (policy ucb), if a step does.
  std::optional<int> loadModelStats();
  /// How shell steps run: the sandbox, or the refusal of one.
  std::optional<int> configureProcesses();
  /// The event log, the ledger and budgets, traces and metrics.
  std::optional<int> startObservers();
  /// The action runner and how the run is shown, its options and files.
  std::optional<int> configureRunner();
  /// The durable record: a new run, or the one `--resume` names.
  std::optional<int> openRecord();
  /// The scheduler and its observers; then `run_start`.
  std::optional<int> buildScheduler();
  /// What an earlier invocation completed, from the store or a result file.
  std::optional<int> resume();
  /// Runs the plan to its end, writing checkpoints and taking signals.
  std::optional<int> execute();
  /// Writes the result and the record, prints the summary; the exit code.
  int report();

 private:
  bool writeOut();
  bool budgetStopped();
  const char *status() const;
  /// Ends traces and the event log; false if the log is incomplete.
  bool finishTelemetry(const observe::Spend &Total);
  void printResultDiagnostics(runtime::RunStatus St);

  const RunCommand &Cmd;
  std::chrono::steady_clock::time_point LoadStart = std::chrono::steady_clock::now();
  int SigFd = -1;
  std::optional<runtime::LoadedPlan> Plan;
  std::optional<runtime::PlanProgram> Prog;
  std::optional<ir::Json> Inputs;
  bool Learns = false;
  runtime::ModelStats Stats;
  std::string StatsPath;
  runtime::RunnerConfig RC;
  /// Built where the run starts being set up (startObservers), so its
  /// clock is read then, not when the plan is read.
  std::optional<runtime::EventLoop> Loop;
  std::vector<std::string> Secrets;
  std::unique_ptr<observe::EventLog> Events;
  std::string Registry;
  observe::BudgetLimits Limits;
  runtime::Scheduler *Running = nullptr;
  std::optional<observe::Ledger> Ledger;
  observe::StepBudgetLookup StepBudgets;
  std::unique_ptr<llm::CurlMulti> OtlpHttp;
  std::unique_ptr<observe::SpanExporter> Spans;
  std::unique_ptr<observe::Tracer> Trace;
  std::optional<observe::Metrics> Meters;
  std::unique_ptr<MetricsServer> MetricsHttp;
  std::optional<observe::TraceContext> TraceParent;
  std::optional<runtime::BuiltinRunner> Runner;
  runtime::ProgressMode Mode = runtime::ProgressMode::Plain;
  std::optional<runtime::ProgressDisplay> Display;
  runtime::RunOptions Opts;
  llvm::SmallString<256> SpillRoot;
  std::unique_ptr<DurableRun> Durable;
  bool ResumeFromFile = false;
  std::string Spec;
  observe::ObserverList Observers;
  std::optional<observe::AttemptEvents> AttemptLog;
  std::optional<observe::MetricsObserver> MetricsFeed;
  std::optional<observe::BudgetStop> Stopper;
  std::optional<runtime::Scheduler> Sched;
  bool OverBudget = false;  ///< Set once the run has ended.
  std::chrono::system_clock::time_point WallStart;
  runtime::Executor::TimerId Checkpoint = 0;
  std::function<void()> WriteCheckpoint;
  unsigned Signals = 0;
};

}  // namespace orch::tools
