//===- Run.cpp - orchrt's wiring: plan, inputs, loop, actions, report -----===//
#include "Run.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "Durable.h"
#include "McpMetrics.h"
#include "MetricsServer.h"
#include "Monitoring.h"
#include "StoredEvents.h"
#include "ir/Actions.h"
#include "ir/AtomicFile.h"
#include "ir/Diagnostics.h"
#include "ir/Eval.h"
#include "ir/Json.h"
#include "ir/JsonLimits.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"
#include "runtime/actions/FileInputs.h"
#include "runtime/actions/ModelStats.h"
#include "runtime/actions/ProcessPolicy.h"
#include "runtime/actions/Runner.h"
#include "runtime/exec/EventLoop.h"
#include "runtime/exec/Progress.h"
#include "runtime/exec/RunInputs.h"
#include "runtime/exec/RunReport.h"
#include "runtime/exec/Scheduler.h"
#include "runtime/llm/Providers.h"
#include "runtime/observe/BudgetStop.h"
#include "runtime/observe/EventLog.h"
#include "runtime/observe/Ledger.h"
#include "runtime/observe/Metrics.h"
#include "runtime/observe/Otlp.h"
#include "runtime/observe/StepBudgets.h"
#include "runtime/observe/Tracer.h"
#include "runtime/plan/PlanProgram.h"
#include "runtime/plan/PlanReader.h"

namespace orch::tools {

using json = orch::ir::Json;
using namespace orch::runtime;

namespace {

/// Prints one diagnostic without a source location (`orchrt: error: ...
/// [Kind]`) and returns the usage exit code.
template <typename... Args>
int usageError(DiagKind K, Args &&...A) {
  printDiag("orchrt", K, std::forward<Args>(A)...);
  return ExitUsage;
}

int usage(const std::string &Msg) { return usageError(DiagKind::BadArgument, Msg); }

/// The import hook's cut-off for a resumed run that first started at
/// \p StartedMs (Unix ms, the wall clock): a second earlier, since file
/// ctimes come from the kernel's coarse clock.
int64_t resumeCutoffNs(int64_t StartedMs) { return (StartedMs - 1000) * 1000000; }

/// The earliest `started_at` of a `--resume FILE` result (the run's and its
/// steps', which keep their first start across resumes), Unix ms; 0 if none.
int64_t earliestStartMs(const orch::ir::Json &Prior) {
  int64_t Min = 0;
  auto Take = [&](const orch::ir::Json &J) {
    if (!J.is_object() || !J.contains("started_at") || !J["started_at"].is_string())
      return;
    std::tm Tm{};
    int Ms = 0;
    const std::string &S = J["started_at"].get_ref<const std::string &>();
    if (std::sscanf(S.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &Tm.tm_year, &Tm.tm_mon,
                    &Tm.tm_mday, &Tm.tm_hour, &Tm.tm_min, &Tm.tm_sec, &Ms) != 7)
      return;
    Tm.tm_year -= 1900, Tm.tm_mon -= 1;
    int64_t T = static_cast<int64_t>(timegm(&Tm)) * 1000 + Ms;
    if (T > 0 && (Min == 0 || T < Min)) Min = T;
  };
  Take(Prior);
  if (Prior.is_object() && Prior.contains("steps") && Prior["steps"].is_object())
    for (const auto &[Id, E] : Prior["steps"].items()) Take(E);
  return Min;
}

/// Reports a state-store failure (its arguments are joined by \0).
int stateError(const StateFailure &F) {
  auto [A, B] = llvm::StringRef(F.Message).split('\0');
  return B.empty() && F.Message.find('\0') == std::string::npos
             ? usageError(F.Kind, A.str())
             : usageError(F.Kind, A.str(), B.str());
}

llvm::Expected<std::string> readAll(const std::string &Path) {
  auto Buf = llvm::MemoryBuffer::getFileOrSTDIN(Path, /*IsText=*/false,
                                                /*RequiresNullTerminator=*/false);
  if (!Buf)
    return llvm::createStringError(
        fmt::format("cannot read `{}`: {}", Path, Buf.getError().message()));
  return (*Buf)->getBuffer().str();
}

/// Counts what the steps of an earlier invocation of the run spent (each
/// step's `usage` in \p Prior, a result or the store's record) into
/// \p Ledger: a budget holds across `--resume`. Only the plan's steps
/// (those of \p Sched) are carried: an id the plan does not have is not
/// a step of this run, whatever the file says.
void carryUsage(observe::Ledger &Ledger, const json &Prior, const Scheduler &Sched) {
  auto Steps = Prior.find("steps");
  if (Steps == Prior.end() || !Steps->is_object()) return;
  for (uint32_t I = 0; I < Sched.size(); ++I)
    if (auto It = Steps->find(Sched.stepId(I).str()); It != Steps->end())
      if (const json &Entry = *It; Entry.is_object())
        if (auto U = Entry.find("usage"); U != Entry.end() && U->is_object())
          Ledger.carry(It.key(), observe::Spend::fromJson(*U));
}

}  // namespace

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

std::string envOr(const std::string &Flag, const char *Var) {
  if (!Flag.empty()) return Flag;
  const char *V = std::getenv(Var);
  return V ? V : "";
}

int runPlan(const RunCommand &Cmd) {
  auto LoadStart = std::chrono::steady_clock::now();
  int SigFd = blockSignals();
  raiseFdLimit();
  llvm::Expected<std::string> Bytes = readAll(Cmd.PlanPath);
  if (!Bytes) return usage(llvm::toString(Bytes.takeError()));
  llvm::Expected<LoadedPlan> Plan = readPlan(std::move(*Bytes));
  if (!Plan)
    return usageError(DiagKind::BadPlan, Cmd.PlanPath, llvm::toString(Plan.takeError()));
  PlanProgram Prog(*Plan);

  json InputsFile;
  if (!Cmd.InputsFile.empty()) {
    llvm::Expected<std::string> Text = readAll(Cmd.InputsFile);
    if (!Text) return usage(llvm::toString(Text.takeError()));
    std::string Deep;
    InputsFile = ir::parseJsonBounded(*Text, &Deep);
    if (!Deep.empty())
      return usage(fmt::format("--inputs `{}`: {}", Cmd.InputsFile, Deep));
    if (InputsFile.is_discarded())
      return usage(fmt::format("--inputs `{}` is not valid JSON", Cmd.InputsFile));
  }
  llvm::Expected<json> Inputs = resolveRunInputs(*Plan, Prog, InputsFile, Cmd.Inputs);
  if (!Inputs) {
    std::string Msg = llvm::toString(Inputs.takeError());
    llvm::StringRef Rest = Msg;
    while (!Rest.empty()) {
      auto [Line, Tail] = Rest.split('\n');
      usage(Line.str());
      Rest = Tail;
    }
    return ExitUsage;
  }
  if (Cmd.DryRun) {
    if (Cmd.Time)
      llvm::errs() << fmt::format("orchrt: load {:.3f} ms, run 0 ms\n",
                                  std::chrono::duration<double, std::milli>(
                                      std::chrono::steady_clock::now() - LoadStart)
                                      .count());
    llvm::outs() << fmt::format("plan `{}` is valid: {} steps; inputs bound\n",
                                Cmd.PlanPath,
                                Plan->plan().steps() ? Plan->plan().steps()->size() : 0);
    return ExitOk;
  }
  if (!llvm::sys::fs::is_directory(Cmd.RunDir))
    return usage(fmt::format("--run-dir `{}` is not a directory", Cmd.RunDir));

  // Steps that learn their model (policy ucb) read and add to the record.
  bool Learns = false;
  if (Plan->plan().steps())
    for (const auto *S : *Plan->plan().steps()) Learns |= S->ucb_exploration() > 0;
  ModelStats Stats;
  std::string StatsPath;
  if (Learns) {
    std::string Dir = Cmd.StateDir.empty() ? defaultStateDir() : Cmd.StateDir;
    if (!Dir.empty()) {
      llvm::SmallString<256> P(Dir);
      llvm::sys::path::append(P, "model-stats.json");
      StatsPath = P.str().str();
      if (llvm::Error E = Stats.load(StatsPath))
        printDiag("orchrt", DiagKind::ModelStatsUnreadable, llvm::toString(std::move(E)));
    }
  }

  ProcessOptions PO;
  PO.NoSandbox = Cmd.NoSandbox;
  PO.NoUserns = Cmd.NoUserns;
  PO.RequireSandbox = Cmd.RequireSandbox;
  PO.DefaultRunDir = Cmd.DefaultRunDir;
  llvm::Expected<ProcessConfig> Process = processConfig(Plan->plan(), PO, llvm::errs());
  if (!Process) {
    int Code = ExitUsage;
    std::string Msg;
    llvm::handleAllErrors(
        Process.takeError(),
        [&](const SandboxRequiredError &E) {
          Code = usageError(E.Kind, "`" + Cmd.PlanPath + "`", E.Why, E.By);
        },
        [&](const llvm::ErrorInfoBase &E) { Msg = E.message(); });
    return Msg.empty() ? Code : usage(Cmd.PlanPath + ": " + Msg);
  }

  EventLoop Loop;
  // Observability (runtime/observe): the event log, and the ledger that
  // prices every model call and keeps the budget.
  // Traces: OTLP/HTTP to OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, if set.
  // config.yaml monitoring: (Monitoring.h); the environment wins.
  auto Getenv = [](const char *V) -> const char * { return std::getenv(V); };
  observe::OtlpConfig Otlp =
      observe::otlpConfig(configuredTracing(Plan->plan(), Getenv), Getenv);
  for (const std::string &W : Otlp.Warnings)
    printDiag("orchrt", DiagKind::TraceExport, W);
  std::vector<std::string> Secrets = observe::secretsFromEnvironment();
  for (const llm::Header &H : Otlp.Headers)  // never logged (as the environment's)
    if (H.second.size() >= 8) Secrets.push_back(H.second);
  std::unique_ptr<observe::EventLog> Events;
  if (!Cmd.EventsPath.empty()) {
    auto L = observe::EventLog::open(Cmd.EventsPath, Secrets);
    if (!L) return usageError(DiagKind::EventLogFailed, llvm::toString(L.takeError()));
    Events = std::move(*L);
  }
  std::string Registry = envOr(Cmd.ModelsFile, "ORCH_MODELS");
  observe::BudgetLimits Limits;
  // The command line's budget, else the plan's `context.budget`.
  const plan::Plan &PP = Plan->plan();
  Limits.MaxCostUsd = Cmd.MaxCostUsd > 0 ? Cmd.MaxCostUsd : PP.budget_max_cost_usd();
  Limits.MaxTokens = Cmd.MaxTokens ? Cmd.MaxTokens : PP.budget_max_tokens();
  Limits.WarnOnly = Cmd.BudgetWarnOnly || (!Cmd.OnBudgetGiven && PP.budget_warn_only());
  Scheduler *Running = nullptr;
  observe::Ledger Ledger(registryPrices(Registry), Limits, Events.get(),
                         [&Loop, Warn = Limits.WarnOnly](const observe::BudgetBreach &B) {
                           if (Warn)
                             Loop.post([Msg = B.message()] {
                               printDiag("orchrt", DiagKind::BudgetWarning, Msg);
                             });
                         });
  observe::StepBudgetLookup StepBudgets = observe::stepBudgetsOf(PP);  // steps' `budget:`
  Ledger.setStepBudgets(StepBudgets);
  // The exporter's own HTTP thread: a dead or slow collector never holds
  // up the run's requests. Declared before the runner, which outlives no
  // tracer its model calls report to.
  std::unique_ptr<llm::CurlMulti> OtlpHttp;
  std::unique_ptr<observe::SpanExporter> Spans;
  std::unique_ptr<observe::Tracer> Trace;
  if (Otlp.enabled()) {
    OtlpHttp = std::make_unique<llm::CurlMulti>();
    Spans = std::make_unique<observe::SpanExporter>(Otlp, *OtlpHttp, "orchrt");
  }
  // --metrics: served from a thread of its own for the run's life.
  std::optional<observe::Metrics> Meters;
  std::unique_ptr<MetricsServer> MetricsHttp;
  MetricsPlace Place = metricsPlace(Cmd.MetricsAddress, Plan->plan(), Getenv);
  if (!Place.Address.empty()) {
    auto Server =
        MetricsServer::start(Place.Address, Meters.emplace(), Place.AllowRemote,
                             Place.FromConfig ? "monitoring.metrics_port" : "--metrics");
    if (Server) {
      MetricsHttp = std::move(*Server);
      Ledger.setMetrics(&*Meters);
      // One write: a reader must never see the address without its port.
      llvm::errs() << fmt::format("orchrt: metrics on {}\n", MetricsHttp->url());
    } else if (Place.FromConfig) {
      // config.yaml's port is a default: taken (another run serves it),
      // the run goes on without; --metrics and $ORCH_METRICS are asked for.
      printDiag("orchrt", DiagKind::MetricsUnavailable,
                llvm::toString(Server.takeError()));
      Meters.reset();
    } else {
      return usage(llvm::toString(Server.takeError()));
    }
  }
  RunnerConfig RC;
  RC.Llm.Calls = &Ledger;
  RC.Process = std::move(*Process);
  RC.Llm.Stats = Learns ? &Stats : nullptr;
  RC.RunDir = Cmd.RunDir;
  RC.Llm.DefaultModel = envOr(Cmd.Model, "ORCH_MODEL");
  RC.Llm.Registry = Registry;
  RC.McpServers = mcpServersOf(Plan->plan());
  RC.Llm.TokensPerMinute = tokenLimitsOf(Plan->plan());
  // The caller's trace context (W3C), read once for the tracer and the
  // runner's http.request steps.
  std::optional<observe::TraceContext> TraceParent;
  if (Spans) {
    if (const char *TP = std::getenv("TRACEPARENT"); TP && *TP) {
      TraceParent = observe::parseTraceParent(TP);
      if (!TraceParent)
        printDiag("orchrt", DiagKind::TraceExport,
                  "TRACEPARENT is not a W3C traceparent; the run starts a new trace");
    }
    // The caller's vendor state goes on with its trace (never without it).
    if (const char *TS = std::getenv("TRACESTATE"); TraceParent && TS && *TS) {
      if (std::optional<std::string> State = observe::parseTraceState(TS))
        RC.TraceState = std::move(*State);
      else
        printDiag("orchrt", DiagKind::TraceExport,
                  "TRACESTATE is not a W3C tracestate; it is not passed on");
    }
    RC.TraceParent = [&Trace](llvm::StringRef Step) {
      return Trace ? Trace->traceParent(Step) : std::string();
    };
  }
  BuiltinRunner Runner(Loop, RC);

  ProgressMode Mode = ProgressMode::Plain;
  switch (Cmd.ProgressMode) {
    case Progress::Auto: {
      const char *Term = std::getenv("TERM");
      bool Tty = llvm::sys::Process::StandardErrIsDisplayed() &&
                 !(Term && llvm::StringRef(Term) == "dumb");
      Mode = Tty ? ProgressMode::Tty : ProgressMode::Plain;
      break;
    }
    case Progress::Tty:
      Mode = ProgressMode::Tty;
      break;
    case Progress::Plain:
      Mode = ProgressMode::Plain;
      break;
    case Progress::None:
      Mode = ProgressMode::None;
      break;
  }
  ProgressDisplay Display(Loop, Mode, llvm::errs());
  RunOptions Opts;
  Opts.Jobs = jobsFor(Plan->plan(), Cmd.Jobs);
  Opts.Batch = Cmd.Batch || Plan->plan().batch_execution();
  Opts.RetryBase = std::chrono::milliseconds(Cmd.RetryBaseMs);
  // Templates read the run directory as `output_path`.
  llvm::SmallString<256> OutputPath(Cmd.RunDir);
  llvm::sys::fs::make_absolute(OutputPath);
  llvm::sys::path::remove_dots(OutputPath, /*remove_dot_dot=*/true);
  Opts.OutputPath = OutputPath.str().str();
  // Spill files live under <run dir>/.orch-spill; --resume takes over only those.
  llvm::SmallString<256> SpillRoot(Cmd.RunDir);
  llvm::sys::fs::make_absolute(SpillRoot);  // the result names files from anywhere
  llvm::sys::path::remove_dots(SpillRoot, /*remove_dot_dot=*/true);
  llvm::sys::path::append(SpillRoot, ".orch-spill");
  if (Cmd.SpillThreshold) {
    // One directory a run, so that runs sharing a run directory do not mix.
    llvm::SmallString<256> Dir(SpillRoot);
    llvm::sys::path::append(Dir, fmt::format("run-{:%Y%m%dT%H%M%S}-{}",
                                             fmt::gmtime(std::time(nullptr)), getpid()));
    Opts.Spill.Dir = Dir.str().str();
    Opts.Spill.Threshold = Cmd.SpillThreshold;
  }
  // With nothing to show, no observer: not even its calls cost anything.
  // The durable record: a new run, or the one --resume names (an id or
  // `last`; an existing file is an old `--out` result, read below).
  std::unique_ptr<DurableRun> Durable;
  bool ResumeFromFile = !Cmd.ResumePath.empty() && Cmd.ResumePath != "last" &&
                        (llvm::sys::fs::exists(Cmd.ResumePath) ||
                         Cmd.ResumePath.find('/') != std::string::npos);
  llvm::Expected<std::string> Named =
      stateSpec(Cmd.State, Cmd.StateDir, configuredStore(*Plan), &llvm::errs());
  if (!Named) return usage(llvm::toString(Named.takeError()));
  std::string Spec = std::move(*Named);
  if (Spec != "none") {
    const auto *Planned = Plan->plan().checkpoint_strategy();
    std::optional<state::CheckpointStrategy> Strategy = state::parseCheckpointStrategy(
        !Cmd.Checkpoint.empty() ? llvm::StringRef(Cmd.Checkpoint)
        : Planned               ? llvm::StringRef(Planned->c_str(), Planned->size())
                                : llvm::StringRef());
    if (!Strategy)
      return usage(
          fmt::format("--checkpoint `{}`: expected `every_step`, `adaptive` or `none`",
                      Cmd.Checkpoint));
    StateFailure Fail;
    Durable =
        DurableRun::begin(Spec, *Plan, *Inputs, Cmd.PlanPath,
                          ResumeFromFile ? "" : Cmd.ResumePath, *Strategy, Loop, Fail);
    if (!Durable) return stateError(Fail);
    Opts.Commit = &Durable->recorder();
    if (!Cmd.NoCache) Opts.Cache = &Durable->recorder();
    Opts.FileInputs = [Dir = Cmd.RunDir](const ActionRequest &R) {
      return fileInputsDigest(Dir, R);
    };
    Opts.RunId = Durable->identity().RunId;
    Opts.PriorAttempts = Durable->priorAttempts(*Plan);
    // `execution.timestamp` and `date` are the recorded first start's, on
    // the first run too (not the clock when the scheduler starts, which can
    // fall in the next second), so a resume renders the steps it takes over
    // as they were (input hashes).
    Opts.StartedAt = std::chrono::system_clock::time_point(
        std::chrono::milliseconds(Durable->identity().StartedMs));
    if (Durable->identity().Resumed) {
      // Modules written during the run, before this process, stay refused.
      Runner.runStartedAt(resumeCutoffNs(Durable->identity().StartedMs));
    }
    // The event log goes into the run's record too (StoredEvents.h).
    if (llvm::Error E = keepEventsInStore(Events, Secrets, Spec, Opts.RunId))
      return usageError(DiagKind::StateStoreError, llvm::toString(std::move(E)));
    Ledger.setEvents(Events.get());
    if (Mode != ProgressMode::None)
      llvm::errs() << fmt::format("run {}{}\n", Opts.RunId,
                                  Durable->identity().Resumed ? " (resumed)" : "");
  } else if (!Cmd.ResumePath.empty() && !ResumeFromFile) {
    return usage(fmt::format("--resume `{}` needs a state store (not --state none)",
                             Cmd.ResumePath));
  }
  observe::ObserverList Observers;
  if (Mode != ProgressMode::None) Observers.add(&Display);
  std::optional<observe::AttemptEvents> AttemptLog;
  if (Events) Observers.add(&AttemptLog.emplace(*Events));
  std::optional<observe::MetricsObserver> MetricsFeed;
  if (Meters) Observers.add(&MetricsFeed.emplace(*Meters, *Plan));
  if (Spans) {
    Trace = std::make_unique<observe::Tracer>(*Spans, TraceParent, Cmd.PlanPath,
                                              Opts.RunId, Secrets);
    Observers.add(Trace.get());
    Ledger.setTracer(Trace.get());
  }
  // on_budget: abort stops the run once the attempt that reached it ended.
  observe::BudgetStop Stopper(Ledger, [&](const observe::BudgetBreach &B) {
    Loop.post([&Running, Msg = B.message()] {
      if (Running) Running->stop(Msg, /*AsInterrupt=*/false);
    });
  });
  if ((Limits.any() || StepBudgets) && !Limits.WarnOnly) Observers.add(&Stopper);
  Scheduler Sched(*Plan, Prog, std::move(*Inputs), Loop, Runner, Opts, Observers.get());
  Display.attach(Sched);
  if (MetricsFeed) MetricsFeed->attach(Sched);
  if (AttemptLog) AttemptLog->attach(Sched, *Plan);
  Running = &Sched;
  bool OverBudget = false;  // set once the run has ended
  // A budget reached after the last call still lets the run complete; a
  // run that failed or was interrupted first keeps its own status.
  auto BudgetStopped = [&] {
    RunStatus S = Sched.status();
    // The stop's own message, or the failure of a step whose first call
    // the budget refused (a resume that starts with the budget spent).
    return Ledger.breach() && !Limits.WarnOnly && S != RunStatus::Completed &&
           S != RunStatus::Interrupted &&
           llvm::StringRef(Sched.runError()).ends_with(Ledger.breach()->message());
  };
  auto Status = [&] {
    return OverBudget ? "budget_exceeded" : runStatusName(Sched.status());
  };
  if (Events)
    Events->emit(json{{"event", "run_start"},
                      {"plan", Cmd.PlanPath},
                      {"run_id", Opts.RunId},
                      {"steps", Sched.size()}});

  if (Durable && Durable->identity().Resumed) {
    carryUsage(Ledger, Durable->prior(), Sched);
    llvm::Expected<size_t> N = resumeFrom(Sched, *Plan, Durable->prior(), SpillRoot);
    if (!N)
      return usageError(DiagKind::ResumeMismatch, Durable->identity().RunId,
                        llvm::toString(N.takeError()));
    if (Mode != ProgressMode::None)
      llvm::errs() << fmt::format("resuming: {} of {} steps completed earlier\n", *N,
                                  Sched.size());
  } else if (ResumeFromFile) {
    llvm::Expected<std::string> Text = readAll(Cmd.ResumePath);
    if (!Text) return usage(llvm::toString(Text.takeError()));
    std::string Deep;
    json Prior = ir::parseJsonBounded(*Text, &Deep);
    if (!Deep.empty())
      return usage(fmt::format("--resume `{}`: {}", Cmd.ResumePath, Deep));
    if (Prior.is_discarded())
      return usage(fmt::format("--resume `{}` is not valid JSON", Cmd.ResumePath));
    carryUsage(Ledger, Prior, Sched);
    if (int64_t Ms = earliestStartMs(Prior)) Runner.runStartedAt(resumeCutoffNs(Ms));
    llvm::Expected<size_t> N = resumeFrom(Sched, *Plan, Prior, SpillRoot);
    if (!N)
      return usage(fmt::format("cannot resume from `{}`: {}", Cmd.ResumePath,
                               llvm::toString(N.takeError())));
    if (Mode != ProgressMode::None)
      llvm::errs() << fmt::format("resuming: {} of {} steps completed earlier\n", *N,
                                  Sched.size());
  }

  auto WallStart = std::chrono::system_clock::now();
  if (Durable)
    Durable->recorder().setUsageOf([&Ledger](const std::string &Step) -> json {
      observe::Spend S = Ledger.step(Step);
      return S.Calls || S.tokens() ? S.toJson() : json();
    });
  if (Durable) Durable->recorder().attach(Sched, *Plan, WallStart);
  if (Durable && ResumeFromFile) Durable->recorder().recordTakenOver();
  // Without a store, the result file doubles as a checkpoint: rewritten at
  // most once a second while steps finish, so a killed run can be resumed.
  Executor::TimerId Checkpoint = 0;
  std::function<void()> WriteCheckpoint;
  auto WriteOut = [&]() -> bool {
    if (Cmd.OutPath.empty()) return true;
    json Report = buildReport(Sched, *Plan, WallStart);
    Report["status"] = Status();
    Report["usage"] = Ledger.total().toJson();
    for (auto &[Id, Spent] : Ledger.steps())
      if (Report["steps"].contains(Id)) Report["steps"][Id]["usage"] = Spent.toJson();
    std::string Text =
        Report.dump(2, ' ', false, orch::ir::Json::error_handler_t::replace) + "\n";
    if (llvm::Error E = writeFileAtomically(Cmd.OutPath, Text)) {
      printDiag("orchrt", DiagKind::ResultWriteFailed, Cmd.OutPath,
                llvm::toString(std::move(E)));
      return false;
    }
    return true;
  };
  // With a state store the store is the checkpoint (committed off the
  // loop, a step at a time) and --out is written once, at the end.
  if (!Cmd.OutPath.empty() && !Durable) {
    WriteCheckpoint = [&] {
      Checkpoint = 0;
      if (Sched.finished()) return;
      WriteOut();
      Checkpoint = Loop.addTimer(Loop.now() + std::chrono::seconds(1), WriteCheckpoint);
    };
    Checkpoint = Loop.addTimer(Loop.now() + std::chrono::seconds(1), WriteCheckpoint);
  }
  unsigned Signals = 0;
  if (SigFd >= 0)
    Loop.watchFd(SigFd, [&] {
      signalfd_siginfo Info;
      while (read(SigFd, &Info, sizeof Info) == sizeof Info) {
        if (++Signals > 1) {
          // A second signal: stop now, without waiting for anything.
          llvm::errs() << "\norchrt: interrupted again; exiting\n";
          std::_Exit(ExitInterrupted);
        }
        Sched.stop(
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
  Loop.updateTime();
  Sched.start();
  Loop.runUntil([&] { return Sched.finished(); });
  if (Cmd.Time) {
    auto Ms = [](auto D) { return std::chrono::duration<double, std::milli>(D).count(); };
    llvm::errs() << fmt::format(
        "orchrt: load {:.3f} ms, run {:.3f} ms, run thread CPU {:.3f} ms\n",
        Ms(RunStart - LoadStart), Ms(std::chrono::steady_clock::now() - RunStart),
        ThreadCpuMs() - RunCpuStart);
  }
  if (Checkpoint) Loop.cancelTimer(Checkpoint);
  Display.finish();
  OverBudget = BudgetStopped();

  bool Wrote = WriteOut();
  if (Durable)
    if (llvm::Error E = Durable->recorder().finish(Status(), Sched.runError())) {
      printDiag("orchrt", DiagKind::StateStoreError, llvm::toString(std::move(E)));
      Wrote = false;
    }
  if (!Sched.spillWarning().empty())
    printDiag("orchrt", DiagKind::SpillFailed, Sched.spillWarning());
  if (!StatsPath.empty())
    if (llvm::Error E = Stats.save(StatsPath))
      printDiag("orchrt", DiagKind::ModelStatsUnwritable, llvm::toString(std::move(E)));
  const auto &C = Sched.counts();
  auto Elapsed = std::chrono::duration<double>(Loop.now() - Sched.startTime()).count();
  RunStatus St = Sched.status();
  observe::Spend Total = Ledger.total();
  if (Mode != ProgressMode::None)
    llvm::errs() << fmt::format(
        "run {}: {} completed, {} failed, {} skipped in {:.3f} s{}\n", Status(),
        C[static_cast<size_t>(StepStatus::Completed)],
        C[static_cast<size_t>(StepStatus::Failed)],
        C[static_cast<size_t>(StepStatus::Skipped)], Elapsed,
        Total.Calls ? fmt::format("; {} model calls, {} tokens, ${:.6f}", Total.Calls,
                                  Total.tokens(), Total.CostUsd)
                    : "");
  json Traced;
  if (Trace) {
    Trace->finish(Status(), Sched.runError());
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
  if (Events) {
    json End = Total.toJson();
    End["event"] = "run_end";
    End["status"] = Status();
    if (!Sched.runError().empty()) End["error"] = Sched.runError();
    if (std::vector<std::string> W = Ledger.warnings(); !W.empty()) End["warnings"] = W;
    if (!Traced.is_null()) End["traces"] = Traced;
    Events->emit(std::move(End));
    if (std::string E = Events->error(); !E.empty()) {
      printDiag("orchrt", DiagKind::EventLogFailed,
                Cmd.EventsPath.empty()
                    ? fmt::format("the event log is incomplete: {}", E)
                    : fmt::format("`{}` incomplete: {}", Cmd.EventsPath, E));
      Wrote = false;  // like a failed --out: exit 1
    }
    // The copy in the run's record was not asked for (it comes with every
    // state store): when a write to it fails, later batches and `run_end`
    // are still tried (CappedSink), and the run's outcome stands.
    if (std::string E = Events->sinkError(); !E.empty())
      printDiag("orchrt", DiagKind::OutputFailed, "the event log in the run's record",
                terminalSafe(fmt::format(
                    "incomplete, the run is unaffected (--events FILE keeps a full "
                    "copy): {}",
                    E)));
  }
  // What the accounting could not do exactly, said once each.
  for (auto &[Kind, Msg] : Ledger.kindedWarnings())
    printDiag("orchrt",
              Kind == observe::LedgerWarning::Estimated ? DiagKind::UsageEstimated
                                                        : DiagKind::UnpricedModel,
              terminalSafe(Msg));
  if (Ledger.breach() && !Limits.WarnOnly && !OverBudget && St == RunStatus::Completed)
    printDiag("orchrt", DiagKind::BudgetReachedAtEnd,
              terminalSafe(Ledger.breach()->message()));
  if (OverBudget)
    printDiag("orchrt", DiagKind::BudgetExceeded,
              terminalSafe(Ledger.breach()->message()));
  else if (St != RunStatus::Completed && !Sched.runError().empty())
    printDiag("orchrt", DiagKind::RunStopped, terminalSafe(Sched.runError()));
  // Declared outputs go to stdout as JSON.
  json Errors = json::object();
  json Outputs = Sched.outputs(Errors);
  if (!Outputs.empty()) llvm::outs() << ir::toJsonText(Outputs, 2) << '\n';
  for (auto &[K, V] : Errors.items())
    printDiag("orchrt", DiagKind::OutputFailed, K, V.get<std::string>());
  if (SigFd >= 0) {
    Loop.unwatchFd(SigFd);
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
