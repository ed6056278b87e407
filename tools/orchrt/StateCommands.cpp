//===- StateCommands.cpp - orchrt runs, show, gc --------------------------===//
#include "StateCommands.h"

#include <fmt/format.h>

#include "Durable.h"
#include "Run.h"
#include "ir/Eval.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"
#include "runtime/exec/Progress.h"
#include "runtime/exec/RunReport.h"
#include "runtime/state/EntryCodec.h"

namespace orch::tools {

using namespace llvm;
using json = orch::ir::Json;
using ordered_json = orch::ir::Json;
using namespace orch::state;

namespace {

/// Forgets `orchrt plan.bin`'s options; constructed before any of ours.
struct FreshParser {
  FreshParser() { cl::ResetCommandLineParser(); }
};

/// The options every state command takes, and the parse.
struct StateArgs : FreshParser {
  cl::OptionCategory Cat{"orchrt state options"};
  cl::opt<std::string> State{"state",
                             cl::desc("The store: a postgresql:// URL or ${VAR} "
                                      "(else the state directory)"),
                             cl::cat(Cat)};
  cl::opt<std::string> StateDir{"state-dir",
                                cl::desc("The state directory (else $ORCH_STATE_DIR, "
                                         "$XDG_STATE_HOME/orch, ~/.local/state/orch)"),
                                cl::value_desc("dir"), cl::cat(Cat)};
  bool parse(int Argc, char **Argv, const char *Name, const char *Overview) {
    cl::HideUnrelatedOptions(Cat);
    std::vector<char *> Args(Argv, Argv + Argc);
    std::string Prog = std::string("orchrt ") + Name;
    Args[0] = Prog.data();
    return cl::ParseCommandLineOptions(static_cast<int>(Args.size()), Args.data(),
                                       Overview, &errs());
  }
  /// The store, or null after reporting why. \p Reads: the command only
  /// reads, so a store that cannot be opened for writing (a read-only
  /// filesystem) is opened read-only.
  std::unique_ptr<StateStore> open(const char *Name, bool Reads = false) {
    llvm::Expected<std::string> Named = stateSpec(State, StateDir);
    if (!Named) {
      printDiag(std::string("orchrt ") + Name, DiagKind::BadArgument,
                toString(Named.takeError()));
      return nullptr;
    }
    std::string Spec = std::move(*Named);
    if (Spec == "none") {
      printDiag(std::string("orchrt ") + Name, DiagKind::BadArgument,
                "no state store (--state none)");
      return nullptr;
    }
    auto S = openStateStore(Spec);
    if (!S && Reads) {
      auto R = openStateStore(Spec, /*ReadOnly=*/true);
      if (R) {
        consumeError(S.takeError());
        return std::move(*R);
      }
      consumeError(R.takeError());
    }
    if (!S) {
      printDiag(std::string("orchrt ") + Name, DiagKind::StateStoreError,
                toString(S.takeError()));
      return nullptr;
    }
    return std::move(*S);
  }
};

/// `orchrt gc`'s retention for runs whose plan set none.
constexpr unsigned DefaultRetentionDays = 30;

std::string isoMs(int64_t Ms) {
  if (Ms <= 0) return "";
  return runtime::isoTime(
      std::chrono::system_clock::time_point(std::chrono::milliseconds(Ms)));
}

}  // namespace

int runRunsCommand(int Argc, char **Argv) {
  StateArgs A;
  cl::opt<bool> Json("json", cl::desc("One JSON array, for scripts"), cl::cat(A.Cat));
  cl::opt<bool> Check(
      "check",
      cl::desc("Run the store's integrity check (SQLite: PRAGMA "
               "integrity_check) and print `integrity: ok` or what is wrong"),
      cl::cat(A.Cat));
  if (!A.parse(Argc, Argv, "runs", "orchrt runs: the recorded runs, newest first\n"))
    return ExitUsage;
  auto S = A.open("runs", /*Reads=*/true);
  if (!S) return ExitUsage;
  if (Check) {
    auto C = S->integrityCheck();
    if (!C) {
      printDiag("orchrt runs", DiagKind::StateStoreError, toString(C.takeError()));
      return ExitUsage;
    }
    outs() << "integrity: " << (C->empty() ? "ok" : *C) << '\n';
    return C->empty() ? ExitOk : ExitRunFailed;
  }
  auto Runs = S->listRuns();
  if (!Runs) {
    printDiag("orchrt runs", DiagKind::StateStoreError, toString(Runs.takeError()));
    return ExitUsage;
  }
  // A `running` run whose process died (its lease ran out) is shown as
  // what it is: interrupted, to be resumed or pruned.
  int64_t Now = unixMs();
  for (RunRecord &R : *Runs)
    if (R.abandoned(Now)) R.Status = "interrupted";
  if (Json) {
    ordered_json Out = ordered_json::array();
    for (const RunRecord &R : *Runs) {
      ordered_json E;
      E["id"] = R.Id;
      E["pipeline"] = R.Pipeline;
      E["plan"] = R.PlanPath;
      E["plan_hash"] = R.PlanHash;
      E["status"] = R.Status;
      E["started_at"] = isoMs(R.StartedMs);
      E["finished_at"] = R.FinishedMs ? json(isoMs(R.FinishedMs)) : json();
      E["steps_done"] = R.StepsDone;
      Out.push_back(std::move(E));
    }
    outs() << Out.dump(2) << '\n';
    return ExitOk;
  }
  outs() << fmt::format("{:<28} {:<16} {:<15} {:<24} {:>10}  {}\n", "ID", "PIPELINE",
                        "STATUS", "STARTED", "STEPS DONE", "PLAN");
  for (const RunRecord &R : *Runs)
    outs() << fmt::format("{:<28} {:<16} {:<15} {:<24} {:>10}  {}\n", R.Id,
                          runtime::terminalSafe(R.Pipeline), R.Status, isoMs(R.StartedMs),
                          R.StepsDone, runtime::terminalSafe(R.PlanPath));
  return ExitOk;
}

int runShowCommand(int Argc, char **Argv) {
  StateArgs A;
  cl::opt<std::string> Id(cl::Positional, cl::desc("<run id | last>"), cl::Required,
                          cl::cat(A.Cat));
  if (!A.parse(Argc, Argv, "show", "orchrt show: one recorded run as the --out JSON\n"))
    return ExitUsage;
  auto S = A.open("show", /*Reads=*/true);
  if (!S) return ExitUsage;
  std::string Wanted = Id;
  if (Wanted == "last") {  // the newest run of any plan
    auto Runs = S->listRuns();
    if (Runs && !Runs->empty()) Wanted = Runs->front().Id;
    if (!Runs) consumeError(Runs.takeError());
  }
  auto R = S->findRun(Wanted);
  if (!R || !*R) {
    if (!R)
      printDiag("orchrt show", DiagKind::StateStoreError, toString(R.takeError()));
    else
      printDiag("orchrt show", DiagKind::UnknownRun, Wanted, S->where());
    return ExitUsage;
  }
  const RunRecord &Run = **R;
  auto Steps = S->steps(Run.Id);
  if (!Steps) {
    printDiag("orchrt show", DiagKind::StateStoreError, toString(Steps.takeError()));
    return ExitUsage;
  }
  ordered_json Out;
  Out["pipeline"] = Run.Pipeline;
  Out["run_id"] = Run.Id;
  Out["status"] = Run.Status;
  if (!Run.Error.empty()) Out["error"] = Run.Error;
  Out["plan_hash"] = Run.PlanHash;
  Out["inputs"] = json::parse(Run.InputsJson, nullptr, false);
  Out["started_at"] = isoMs(Run.StartedMs);
  Out["finished_at"] = Run.FinishedMs ? json(isoMs(Run.FinishedMs)) : json();
  ordered_json StepsJ = ordered_json::object(), Outputs;
  for (const StepRecord &Rec : *Steps) {
    auto E = decodeEntry(Rec.EntryJson, *S, Run.Id, Rec.StepId);
    if (!E) {
      printDiag("orchrt show", DiagKind::StateStoreError, toString(E.takeError()));
      return ExitUsage;
    }
    if (Rec.StepId == OutputsRowId)
      Outputs = std::move(*E);
    else
      StepsJ[Rec.StepId] = std::move(*E);
  }
  Out["steps"] = std::move(StepsJ);
  // As in --out: once the run has finished.
  if (Outputs.is_object() && Run.Status != "running") {
    Out["outputs"] = Outputs.contains("output") ? Outputs["output"] : json::object();
    if (Outputs.contains("fields") && Outputs["fields"].contains("output_errors"))
      Out["output_errors"] = Outputs["fields"]["output_errors"];
  }
  outs() << Out.dump(2, ' ', false, ordered_json::error_handler_t::replace) << '\n';
  return ExitOk;
}

int runGcCommand(int Argc, char **Argv) {
  StateArgs A;
  cl::opt<unsigned> Days("retention-days",
                         cl::desc("Keep every run that finished within this many days "
                                  "(else each run's storage.retention_days, else 30)"),
                         cl::init(DefaultRetentionDays), cl::cat(A.Cat));
  if (!A.parse(Argc, Argv, "gc", "orchrt gc: prunes old runs and unused results\n"))
    return ExitUsage;
  auto S = A.open("gc");
  if (!S) return ExitUsage;
  int64_t Now = unixMs();
  // Without the flag, each run keeps the retention of its plan's config.
  auto G = S->gc(Now - int64_t(Days) * 86400000, Now,
                 /*ByRecorded=*/Days.getNumOccurrences() == 0);
  if (!G) {
    printDiag("orchrt gc", DiagKind::StateStoreError, toString(G.takeError()));
    return ExitUsage;
  }
  outs() << fmt::format("removed {} runs, {} step records, {} blobs, {} cache entries\n",
                        G->Runs, G->Steps, G->Blobs, G->CacheEntries);
  return ExitOk;
}

}  // namespace orch::tools
