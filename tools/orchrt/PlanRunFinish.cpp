//===- PlanRunFinish.cpp - A run's resume, execution and report -----------===//
#include <fmt/format.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <ctime>

#include "PlanRun.h"
#include "RunSupport.h"
#include "ir/AtomicFile.h"
#include "ir/Eval.h"
#include "ir/JsonLimits.h"
#include "llvm/Support/FileSystem.h"
#include "runtime/exec/RunReport.h"
#include "runtime/observe/EventLog.h"

namespace orch::tools {

using json = orch::ir::Json;
using namespace orch::runtime;

std::optional<int> PlanRun::resume() {
  auto Resuming = [&](size_t N) {
    if (Mode != ProgressMode::None)
      llvm::errs() << fmt::format("resuming: {} of {} steps completed earlier\n", N,
                                  Sched->size());
  };
  if (Durable && Durable->identity().Resumed) {
    carryUsage(*Ledger, Durable->prior(), *Sched);
    llvm::Expected<size_t> N = resumeFrom(*Sched, *Plan, Durable->prior(), SpillRoot);
    if (!N)
      return usageError(DiagKind::ResumeMismatch, Durable->identity().RunId,
                        llvm::toString(N.takeError()));
    Resuming(*N);
  } else if (ResumeFromFile) {
    llvm::Expected<std::string> Text = readAll(Cmd.ResumePath);
    if (!Text) return usage(llvm::toString(Text.takeError()));
    std::string Deep;
    json Prior = ir::parseJsonBounded(*Text, &Deep);
    if (!Deep.empty())
      return usage(fmt::format("--resume `{}`: {}", Cmd.ResumePath, Deep));
    if (Prior.is_discarded())
      return usage(fmt::format("--resume `{}` is not valid JSON", Cmd.ResumePath));
    carryUsage(*Ledger, Prior, *Sched);
    if (int64_t Ms = earliestStartMs(Prior)) Runner->runStartedAt(resumeCutoffNs(Ms));
    llvm::Expected<size_t> N = resumeFrom(*Sched, *Plan, Prior, SpillRoot);
    if (!N)
      return usage(fmt::format("cannot resume from `{}`: {}", Cmd.ResumePath,
                               llvm::toString(N.takeError())));
    Resuming(*N);
  }
  return std::nullopt;
}

const char *PlanRun::status() const {
  return OverBudget ? "budget_exceeded" : runStatusName(Sched->status());
}

bool PlanRun::budgetStopped() {
  // A budget reached after the last call still lets the run complete; a
  // run that failed or was interrupted first keeps its own status: the
  // stop's own message, or the failure of a step whose first call the
  // budget refused (a resume that starts with the budget spent).
  RunStatus S = Sched->status();
  return Ledger->breach() && !Limits.WarnOnly && S != RunStatus::Completed &&
         S != RunStatus::Interrupted &&
         llvm::StringRef(Sched->runError()).ends_with(Ledger->breach()->message());
}

bool PlanRun::writeOut() {
  if (Cmd.OutPath.empty()) return true;
  json Report = buildReport(*Sched, *Plan, WallStart);
  Report["status"] = status();
  Report["usage"] = Ledger->total().toJson();
  for (auto &[Id, Spent] : Ledger->steps())
    if (Report["steps"].contains(Id)) Report["steps"][Id]["usage"] = Spent.toJson();
  std::string Text =
      Report.dump(2, ' ', false, orch::ir::Json::error_handler_t::replace) + "\n";
  if (llvm::Error E = writeFileAtomically(Cmd.OutPath, Text)) {
    printDiag("orchrt", DiagKind::ResultWriteFailed, Cmd.OutPath,
              llvm::toString(std::move(E)));
    return false;
  }
  return true;
}

std::optional<int> PlanRun::execute() {
  WallStart = std::chrono::system_clock::now();
  if (Durable) {
    Durable->recorder().setUsageOf([this](const std::string &Step) -> json {
      observe::Spend S = Ledger->step(Step);
      return S.Calls || S.tokens() ? S.toJson() : json();
    });
    Durable->recorder().attach(*Sched, *Plan, WallStart);
    if (ResumeFromFile) Durable->recorder().recordTakenOver();
  }
  // Without a store, the result file doubles as a checkpoint: rewritten at
  // most once a second while steps finish, so a killed run can be resumed.
  // With a state store the store is the checkpoint (committed off the
  // loop, a step at a time) and --out is written once, at the end.
  if (!Cmd.OutPath.empty() && !Durable) {
    WriteCheckpoint = [this] {
      Checkpoint = 0;
      if (Sched->finished()) return;
      writeOut();
      Checkpoint = Loop->addTimer(Loop->now() + std::chrono::seconds(1), WriteCheckpoint);
    };
    Checkpoint = Loop->addTimer(Loop->now() + std::chrono::seconds(1), WriteCheckpoint);
  }
  if (SigFd >= 0)
    Loop->watchFd(SigFd, [this] {
      signalfd_siginfo Info;
      while (read(SigFd, &Info, sizeof Info) == sizeof Info) {
        if (++Signals > 1) {
          // A second signal: stop now, without waiting for anything.
          llvm::errs() << "\norchrt: interrupted again; exiting\n";
          std::_Exit(ExitInterrupted);
        }
        Sched->stop(
            Info.ssi_signo == SIGTERM ? "terminated (SIGTERM)" : "interrupted (SIGINT)",
            true);
      }
    });

  // The run thread's CPU time (--time): what the run costs the event loop
  // itself, whatever the writer and exporter threads spend beside it.
  auto ThreadCpuMs = [] {
    timespec T{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &T);
    return T.tv_sec * 1e3 + T.tv_nsec / 1e6;
  };
  double RunCpuStart = ThreadCpuMs();
  auto RunStart = std::chrono::steady_clock::now();
  Loop->updateTime();
  Sched->start();
  Loop->runUntil([this] { return Sched->finished(); });
  if (Cmd.Time) {
    auto Ms = [](auto D) { return std::chrono::duration<double, std::milli>(D).count(); };
    llvm::errs() << fmt::format(
        "orchrt: load {:.3f} ms, run {:.3f} ms, run thread CPU {:.3f} ms\n",
        Ms(RunStart - LoadStart), Ms(std::chrono::steady_clock::now() - RunStart),
        ThreadCpuMs() - RunCpuStart);
  }
  if (Checkpoint) Loop->cancelTimer(Checkpoint);
  Display->finish();
  OverBudget = budgetStopped();
  return std::nullopt;
}

bool PlanRun::finishTelemetry(const observe::Spend &Total) {
  json Traced;
  if (Trace) {
    Trace->finish(status(), Sched->runError());
    Spans->shutdown();  // bounded: SpanExporter::ShutdownLimit
    observe::SpanExporter::Stats TS = Spans->stats();
    Traced = json{{"trace_id", Trace->traceId()},
                  {"exported_spans", TS.Exported},
                  {"dropped_spans", TS.Dropped}};
    if (!Trace->sampled()) Traced["sampled"] = false;  // the parent was not
    if (TS.Dropped)
      printDiag("orchrt", DiagKind::TraceExport,
                terminalSafe(fmt::format(
                    "{} of {} spans not exported ({} failed requests{}); the run is "
                    "unaffected",
                    TS.Dropped, TS.Dropped + TS.Exported, TS.FailedRequests,
                    TS.FirstError.empty() ? "" : ", the first: " + TS.FirstError)));
  }
  if (!Events) return true;
  bool Complete = true;
  json End = Total.toJson();
  End["event"] = "run_end";
  End["status"] = status();
  if (!Sched->runError().empty()) End["error"] = Sched->runError();
  if (std::vector<std::string> W = Ledger->warnings(); !W.empty()) End["warnings"] = W;
  if (!Traced.is_null()) End["traces"] = Traced;
  Events->emit(std::move(End));
  if (std::string E = Events->error(); !E.empty()) {
    printDiag("orchrt", DiagKind::EventLogFailed,
              Cmd.EventsPath.empty()
                  ? fmt::format("the event log is incomplete: {}", E)
                  : fmt::format("`{}` incomplete: {}", Cmd.EventsPath, E));
    Complete = false;  // like a failed --out: exit 1
  }
  // The copy in the run's record was not asked for (it comes with every
  // state store): when a write to it fails, later batches and `run_end`
  // are still tried (CappedSink), and the run's outcome stands.
  if (std::string E = Events->sinkError(); !E.empty())
    printDiag("orchrt", DiagKind::OutputFailed, "the event log in the run's record",
              terminalSafe(fmt::format("incomplete, the run is unaffected (--events FILE "
                                       "keeps a full copy): {}",
                                       E)));
  return Complete;
}

void PlanRun::printResultDiagnostics(RunStatus St) {
  // What the accounting could not do exactly, said once each.
  for (auto &[Kind, Msg] : Ledger->kindedWarnings())
    printDiag("orchrt",
              Kind == observe::LedgerWarning::Estimated ? DiagKind::UsageEstimated
                                                        : DiagKind::UnpricedModel,
              terminalSafe(Msg));
  if (Ledger->breach() && !Limits.WarnOnly && !OverBudget && St == RunStatus::Completed)
    printDiag("orchrt", DiagKind::BudgetReachedAtEnd,
              terminalSafe(Ledger->breach()->message()));
  if (OverBudget)
    printDiag("orchrt", DiagKind::BudgetExceeded,
              terminalSafe(Ledger->breach()->message()));
  else if (St != RunStatus::Completed && !Sched->runError().empty())
    printDiag("orchrt", DiagKind::RunStopped, terminalSafe(Sched->runError()));
}

int PlanRun::report() {
  bool Wrote = writeOut();
  if (Durable)
    if (llvm::Error E = Durable->recorder().finish(status(), Sched->runError())) {
      printDiag("orchrt", DiagKind::StateStoreError, llvm::toString(std::move(E)));
      Wrote = false;
    }
  if (!Sched->spillWarning().empty())
    printDiag("orchrt", DiagKind::SpillFailed, Sched->spillWarning());
  if (!StatsPath.empty())
    if (llvm::Error E = Stats.save(StatsPath))
      printDiag("orchrt", DiagKind::ModelStatsUnwritable, llvm::toString(std::move(E)));
  const auto &C = Sched->counts();
  auto Elapsed = std::chrono::duration<double>(Loop->now() - Sched->startTime()).count();
  RunStatus St = Sched->status();
  observe::Spend Total = Ledger->total();
  if (Mode != ProgressMode::None)
    llvm::errs() << fmt::format(
        "run {}: {} completed, {} failed, {} skipped in {:.3f} s{}\n", status(),
        C[static_cast<size_t>(StepStatus::Completed)],
        C[static_cast<size_t>(StepStatus::Failed)],
        C[static_cast<size_t>(StepStatus::Skipped)], Elapsed,
        Total.Calls ? fmt::format("; {} model calls, {} tokens, ${:.6f}", Total.Calls,
                                  Total.tokens(), Total.CostUsd)
                    : "");
  if (!finishTelemetry(Total)) Wrote = false;
  printResultDiagnostics(St);
  // Declared outputs go to stdout as JSON.
  json Errors = json::object();
  json Outputs = Sched->outputs(Errors);
  if (!Outputs.empty()) llvm::outs() << ir::toJsonText(Outputs, 2) << '\n';
  for (auto &[K, V] : Errors.items())
    printDiag("orchrt", DiagKind::OutputFailed, K, V.get<std::string>());
  if (SigFd >= 0) {
    Loop->unwatchFd(SigFd);
    close(SigFd);
  }
  // Without --out no result names the spill files and nothing can resume
  // from them: they go (they may hold secrets a command printed).
  if (Cmd.OutPath.empty() && !Opts.Spill.Dir.empty())
    llvm::sys::fs::remove_directories(Opts.Spill.Dir);
  if (St == RunStatus::Interrupted) return ExitInterrupted;
  if (OverBudget) return ExitBudget;
  if (St == RunStatus::Failed) return ExitRunFailed;
  return Wrote ? ExitOk : ExitRunFailed;
}

}  // namespace orch::tools
