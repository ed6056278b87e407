//===- Run.h - orchrt: load a plan and run it ------------------*- C++ -*-===//
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ir/Diagnostics.h"
#include "llvm/Support/raw_ostream.h"
#include "tools/EnvOr.h"

namespace orch::tools {

/// How progress is shown: auto picks tty on a terminal, else plain.
enum class Progress { Auto, Tty, Plain, None };

/// orchrt's options.
struct RunCommand {
  std::string PlanPath;
  std::vector<std::string> Inputs;  ///< name=value
  std::string InputsFile;
  std::string AnswersFile;  ///< `--answers`: a person's answers, by step id.
  unsigned Jobs = 0;        ///< 0: the plan's max_concurrent_tasks, else 32.
  std::string OutPath;
  std::string ResumePath;
  std::string RunDir = ".";
  std::string Model;
  std::string ModelsFile;
  Progress ProgressMode = Progress::Auto;
  unsigned RetryBaseMs = 250;
  /// `--spill-threshold`: result fields longer than this many bytes go to
  /// files under <run dir>/.orch-spill; 0: never.
  uint64_t SpillThreshold = 1u << 20;
  bool Time = false;
  bool DryRun = false;          ///< `--dry-run`: load, check inputs, run nothing.
  bool NoSandbox = false;       ///< `--no-sandbox`: shell steps run with orchrt's rights.
  bool NoUserns = false;        ///< `--no-userns`: no user namespace for those steps.
  bool RequireSandbox = false;  ///< `--require-sandbox`: refuse unsandboxed plans.
  bool DefaultRunDir = true;    ///< No `--run-dir` was given.
  std::string StateDir;         ///< `--state-dir`, else defaultStateDir().
  /// `--state`: a `postgresql://` URL, `${VAR}`, or `none`; "": the state dir.
  std::string State;
  /// `--checkpoint`: overrides the plan's `context.checkpoint_strategy`.
  std::string Checkpoint;
  bool Batch = false;      ///< `--batch`: model steps go by batch (docs/fusion.md §8).
  bool NoCache = false;    ///< `--no-cache`: `cache:` steps run (and refresh the cache).
  std::string EventsPath;  ///< `--events`: the JSON Lines event log, or "".
  /// `--metrics`: HOST:PORT to serve Prometheus metrics on during the run.
  std::string MetricsAddress;
  double MaxCostUsd = 0;        ///< `--max-cost-usd`: the run's budget (0: none).
  uint64_t MaxTokens = 0;       ///< `--max-tokens`: the run's budget in tokens (0: none).
  bool BudgetWarnOnly = false;  ///< `--on-budget=warn`.
  bool OnBudgetGiven = false;   ///< `--on-budget` was given (it beats the plan's).
};

/// Exit codes.
enum : int {
  ExitOk = 0,
  ExitRunFailed = 1,
  ExitUsage = 2,
  ExitBudget = 3,  ///< A budget was reached (on_budget: abort).
  ExitInterrupted = 130
};

/// Runs the plan; returns the exit code.
int runPlan(const RunCommand &Cmd);

/// Blocks SIGINT and SIGTERM (before any thread starts, so every thread
/// inherits the mask) and ignores SIGPIPE; returns a signalfd for the two,
/// or -1.
int blockSignals();

/// Thousands of concurrent shell steps, HTTP requests and connections need
/// descriptors (three a command): lifts the soft limit to the hard one.
void raiseFdLimit();

/// Prints one diagnostic without a source location to stderr, as
/// `Tool: severity: message [Kind]`: every message orchrt prints has a kind.
template <typename... Args>
void printDiag(llvm::StringRef Tool, DiagKind K, Args &&...A) {
  DiagnosticEngine D(nullptr);
  D.setToolName(Tool);
  D.report(K, SourceLoc(), 0, std::forward<Args>(A)...);
  D.flush(llvm::errs(), /*Color=*/false);
}

}  // namespace orch::tools
