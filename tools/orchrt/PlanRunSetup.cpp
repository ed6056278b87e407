//===- PlanRunSetup.cpp - A run's stages up to the scheduler --------------===//
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <unistd.h>

#include <ctime>

#include "McpMetrics.h"
#include "PlanRun.h"
#include "RunSupport.h"
#include "StoredEvents.h"
#include "ir/JsonLimits.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "runtime/actions/FileInputs.h"
#include "runtime/actions/ModelSelect.h"
#include "runtime/actions/ProcessPolicy.h"
#include "runtime/exec/RunInputs.h"
#include "runtime/llm/Providers.h"
#include "runtime/observe/StepBudgets.h"

namespace orch::tools {

using json = orch::ir::Json;
using namespace orch::runtime;

namespace {

/// Progress as `--progress` asks: `auto` is tty on a terminal (not `dumb`).
ProgressMode progressMode(Progress P) {
  switch (P) {
    case Progress::Auto: {
      const char *Term = std::getenv("TERM");
      bool Tty = llvm::sys::Process::StandardErrIsDisplayed() &&
                 !(Term && llvm::StringRef(Term) == "dumb");
      return Tty ? ProgressMode::Tty : ProgressMode::Plain;
    }
    case Progress::Tty:
      return ProgressMode::Tty;
    case Progress::Plain:
      return ProgressMode::Plain;
    case Progress::None:
      return ProgressMode::None;
  }
  return ProgressMode::Plain;
}

/// \p Dir made absolute, without `.` and `..`.
llvm::SmallString<256> absoluteDir(const std::string &Dir) {
  llvm::SmallString<256> P(Dir);
  llvm::sys::fs::make_absolute(P);
  llvm::sys::path::remove_dots(P, /*remove_dot_dot=*/true);
  return P;
}

}  // namespace

std::optional<int> PlanRun::load() {
  SigFd = blockSignals();
  raiseFdLimit();
  llvm::Expected<std::string> Bytes = readAll(Cmd.PlanPath);
  if (!Bytes) return usage(llvm::toString(Bytes.takeError()));
  llvm::Expected<LoadedPlan> P = readPlan(std::move(*Bytes));
  if (!P)
    return usageError(DiagKind::BadPlan, Cmd.PlanPath, llvm::toString(P.takeError()));
  Plan.emplace(std::move(*P));
  Prog.emplace(*Plan);

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
  if (!Cmd.AnswersFile.empty()) {
    llvm::Expected<std::string> Text = readAll(Cmd.AnswersFile);
    if (!Text) return usage(llvm::toString(Text.takeError()));
    std::string Deep;
    RC.Answers = ir::parseJsonBounded(*Text, &Deep);
    if (!Deep.empty())
      return usage(fmt::format("--answers `{}`: {}", Cmd.AnswersFile, Deep));
    if (!RC.Answers.is_object())
      return usage(fmt::format("--answers `{}` must be a JSON object: step id -> answer",
                               Cmd.AnswersFile));
  }
  llvm::Expected<json> In = resolveRunInputs(*Plan, *Prog, InputsFile, Cmd.Inputs);
  if (!In) {
    std::string Msg = llvm::toString(In.takeError());
    llvm::StringRef Rest = Msg;
    while (!Rest.empty()) {
      auto [Line, Tail] = Rest.split('\n');
      usage(Line.str());
      Rest = Tail;
    }
    return ExitUsage;
  }
  Inputs = std::move(*In);
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
  return std::nullopt;
}

std::optional<int> PlanRun::loadModelStats() {
  // Steps that learn their model (policy ucb) read and add to the record.
  if (Plan->plan().steps())
    for (const auto *S : *Plan->plan().steps()) Learns |= S->ucb_exploration() > 0;
  if (!Learns) return std::nullopt;
  std::string Dir = Cmd.StateDir.empty() ? defaultStateDir() : Cmd.StateDir;
  if (Dir.empty()) return std::nullopt;
  llvm::SmallString<256> P(Dir);
  llvm::sys::path::append(P, "model-stats.json");
  StatsPath = P.str().str();
  if (llvm::Error E = Stats.load(StatsPath))
    printDiag("orchrt", DiagKind::ModelStatsUnreadable, llvm::toString(std::move(E)));
  return std::nullopt;
}

std::optional<int> PlanRun::configureProcesses() {
  ProcessOptions PO;
  PO.NoSandbox = Cmd.NoSandbox;
  PO.NoUserns = Cmd.NoUserns;
  PO.RequireSandbox = Cmd.RequireSandbox;
  PO.DefaultRunDir = Cmd.DefaultRunDir;
  llvm::Expected<ProcessConfig> Process = processConfig(Plan->plan(), PO, llvm::errs());
  if (Process) {
    RC.Process = std::move(*Process);
    return std::nullopt;
  }
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

std::optional<int> PlanRun::startObservers() {
  Loop.emplace();
  // Observability (runtime/observe): the event log, and the ledger that
  // prices every model call and keeps the budget.
  // Traces: OTLP/HTTP to OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, if set.
  // config.yaml monitoring: (Monitoring.h); the environment wins.
  auto Getenv = [](const char *V) -> const char * { return std::getenv(V); };
  observe::OtlpConfig Otlp =
      observe::otlpConfig(configuredTracing(Plan->plan(), Getenv), Getenv);
  for (const std::string &W : Otlp.Warnings)
    printDiag("orchrt", DiagKind::TraceExport, W);
  Registry = envOr(Cmd.ModelsFile, "ORCH_MODELS");
  Secrets = observe::secretsFromEnvironment();
  // The registry's own key variables, whatever their names.
  for (std::string &S : observe::secretsFromRegistry(Registry))
    Secrets.push_back(std::move(S));
  for (const llm::Header &H : Otlp.Headers)  // never logged (as the environment's)
    if (H.second.size() >= 8) Secrets.push_back(H.second);
  if (!Cmd.EventsPath.empty()) {
    auto L = observe::EventLog::open(Cmd.EventsPath, Secrets);
    if (!L) return usageError(DiagKind::EventLogFailed, llvm::toString(L.takeError()));
    Events = std::move(*L);
  }
  // The command line's budget, else the plan's `context.budget`.
  const plan::Plan &PP = Plan->plan();
  Limits.MaxCostUsd = Cmd.MaxCostUsd > 0 ? Cmd.MaxCostUsd : PP.budget_max_cost_usd();
  Limits.MaxTokens = Cmd.MaxTokens ? Cmd.MaxTokens : PP.budget_max_tokens();
  Limits.WarnOnly = Cmd.BudgetWarnOnly || (!Cmd.OnBudgetGiven && PP.budget_warn_only());
  Ledger.emplace(registryPrices(Registry), Limits, Events.get(),
                 [this, Warn = Limits.WarnOnly](const observe::BudgetBreach &B) {
                   if (Warn)
                     Loop->post([Msg = B.message()] {
                       printDiag("orchrt", DiagKind::BudgetWarning, Msg);
                     });
                 });
  StepBudgets = observe::stepBudgetsOf(PP);  // steps' `budget:`
  Ledger->setStepBudgets(StepBudgets);
  // The exporter's own HTTP thread: a dead or slow collector never holds
  // up the run's requests.
  if (Otlp.enabled()) {
    OtlpHttp = std::make_unique<llm::CurlMulti>();
    Spans = std::make_unique<observe::SpanExporter>(Otlp, *OtlpHttp, "orchrt");
  }
  // --metrics: served from a thread of its own for the run's life.
  MetricsPlace Place = metricsPlace(Cmd.MetricsAddress, Plan->plan(), Getenv);
  if (Place.Address.empty()) return std::nullopt;
  auto Server =
      MetricsServer::start(Place.Address, Meters.emplace(), Place.AllowRemote,
                           Place.FromConfig ? "monitoring.metrics_port" : "--metrics");
  if (Server) {
    MetricsHttp = std::move(*Server);
    Ledger->setMetrics(&*Meters);
    // One write: a reader must never see the address without its port.
    llvm::errs() << fmt::format("orchrt: metrics on {}\n", MetricsHttp->url());
  } else if (Place.FromConfig) {
    // config.yaml's port is a default: taken (another run serves it),
    // the run goes on without; --metrics and $ORCH_METRICS are asked for.
    printDiag("orchrt", DiagKind::MetricsUnavailable, llvm::toString(Server.takeError()));
    Meters.reset();
  } else {
    return usage(llvm::toString(Server.takeError()));
  }
  return std::nullopt;
}

std::optional<int> PlanRun::configureRunner() {
  RC.Llm.Calls = &*Ledger;
  RC.Llm.Stats = Learns ? &Stats : nullptr;
  RC.RunDir = Cmd.RunDir;
  RC.Llm.DefaultModel = envOr(Cmd.Model, "ORCH_MODEL");
  RC.Llm.Registry = Registry;
  RC.McpServers = mcpServersOf(Plan->plan());
  RC.Llm.TokensPerMinute = tokenLimitsOf(Plan->plan());
  // The caller's trace context (W3C), read once for the tracer and the
  // runner's http.request steps.
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
    RC.TraceParent = [this](llvm::StringRef Step) {
      return Trace ? Trace->traceParent(Step) : std::string();
    };
  }
  Runner.emplace(*Loop, RC);

  Mode = progressMode(Cmd.ProgressMode);
  Display.emplace(*Loop, Mode, llvm::errs());
  Opts.Jobs = jobsFor(Plan->plan(), Cmd.Jobs);
  Opts.Batch = Cmd.Batch || Plan->plan().batch_execution();
  Opts.RetryBase = std::chrono::milliseconds(Cmd.RetryBaseMs);
  // A templated `model:` counts against the limits of the provider of the
  // model it renders.
  Opts.ProviderOf = llm::providerNamesIn(Registry);
  // A resume with another registry chooses again (model.select).
  Opts.OutsideInputs = modelSelectInputs(Registry);
  // Templates read the run directory as `output_path`.
  Opts.OutputPath = absoluteDir(Cmd.RunDir).str().str();
  // Spill files live under <run dir>/.orch-spill; --resume takes over only
  // those (the result names files from anywhere: an absolute path).
  SpillRoot = absoluteDir(Cmd.RunDir);
  llvm::sys::path::append(SpillRoot, ".orch-spill");
  if (Cmd.SpillThreshold) {
    // One directory a run, so that runs sharing a run directory do not mix.
    llvm::SmallString<256> Dir(SpillRoot);
    llvm::sys::path::append(Dir, fmt::format("run-{:%Y%m%dT%H%M%S}-{}",
                                             fmt::gmtime(std::time(nullptr)), getpid()));
    Opts.Spill.Dir = Dir.str().str();
    Opts.Spill.Threshold = Cmd.SpillThreshold;
  }
  return std::nullopt;
}

std::optional<int> PlanRun::openRecord() {
  // The durable record: a new run, or the one --resume names (an id or
  // `last`; an existing file is an old `--out` result, read in resume()).
  ResumeFromFile = !Cmd.ResumePath.empty() && Cmd.ResumePath != "last" &&
                   (llvm::sys::fs::exists(Cmd.ResumePath) ||
                    Cmd.ResumePath.find('/') != std::string::npos);
  llvm::Expected<std::string> Named =
      stateSpec(Cmd.State, Cmd.StateDir, configuredStore(*Plan), &llvm::errs());
  if (!Named) return usage(llvm::toString(Named.takeError()));
  Spec = std::move(*Named);
  if (Spec == "none") {
    if (!Cmd.ResumePath.empty() && !ResumeFromFile)
      return usage(fmt::format("--resume `{}` needs a state store (not --state none)",
                               Cmd.ResumePath));
    return std::nullopt;
  }
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
                        ResumeFromFile ? "" : Cmd.ResumePath, *Strategy, *Loop, Fail);
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
    Runner->runStartedAt(resumeCutoffNs(Durable->identity().StartedMs));
  }
  // The event log goes into the run's record too (StoredEvents.h).
  if (llvm::Error E = keepEventsInStore(Events, Secrets, Spec, Opts.RunId))
    return usageError(DiagKind::StateStoreError, llvm::toString(std::move(E)));
  Ledger->setEvents(Events.get());
  if (Mode != ProgressMode::None)
    llvm::errs() << fmt::format("run {}{}\n", Opts.RunId,
                                Durable->identity().Resumed ? " (resumed)" : "");
  return std::nullopt;
}

std::optional<int> PlanRun::buildScheduler() {
  // With nothing to show, no observer: not even its calls cost anything.
  if (Mode != ProgressMode::None) Observers.add(&*Display);
  if (Events) {
    Observers.add(&AttemptLog.emplace(*Events));
    // The records the run's thread holds back go out before it sleeps.
    Loop->setBeforeSleep([this] { Events->publishPending(); });
  }
  if (Meters) Observers.add(&MetricsFeed.emplace(*Meters, *Plan));
  if (Spans) {
    Trace = std::make_unique<observe::Tracer>(*Spans, TraceParent, Cmd.PlanPath,
                                              Opts.RunId, Secrets);
    Observers.add(Trace.get());
    Ledger->setTracer(Trace.get());
  }
  // on_budget: abort stops the run once the attempt that reached it ended.
  Stopper.emplace(*Ledger, [this](const observe::BudgetBreach &B) {
    Loop->post([this, Msg = B.message()] {
      if (Running) Running->stop(Msg, /*AsInterrupt=*/false);
    });
  });
  if ((Limits.any() || StepBudgets) && !Limits.WarnOnly) Observers.add(&*Stopper);
  Sched.emplace(*Plan, *Prog, std::move(*Inputs), *Loop, *Runner, Opts, Observers.get());
  Display->attach(*Sched);
  if (MetricsFeed) MetricsFeed->attach(*Sched);
  if (AttemptLog) AttemptLog->attach(*Sched);
  Running = &*Sched;
  if (Events)
    Events->emit(json{{"event", "run_start"},
                      {"plan", Cmd.PlanPath},
                      {"run_id", Opts.RunId},
                      {"steps", Sched->size()}});
  return std::nullopt;
}

}  // namespace orch::tools
