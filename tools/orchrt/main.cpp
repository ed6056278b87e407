//===- main.cpp - orchrt: runs a compiled plan ----------------------------===//
#include "McpCommand.h"
#include "ObserveCommands.h"
#include "Run.h"
#include "StateCommands.h"
#include "TimelineCommand.h"
#include "ir/Diagnostics.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;
using namespace orch::tools;

namespace {
cl::OptionCategory Cat("orchrt options");
cl::opt<std::string> PlanPath(cl::Positional, cl::desc("<plan.bin>"), cl::Required,
                              cl::cat(Cat));
cl::list<std::string> Inputs("input", cl::desc("An input value"),
                             cl::value_desc("name=value"), cl::cat(Cat));
cl::opt<std::string> InputsFile("inputs", cl::desc("Input values from a JSON object"),
                                cl::value_desc("file.json"), cl::cat(Cat));
cl::opt<std::string> AnswersFile(
    "answers",
    cl::desc("A person's answers for human.* steps (ContextLab's user prompts, "
             "approval gates, feedback forms): a JSON object, step id -> answer"),
    cl::value_desc("answers.json"), cl::cat(Cat));
cl::opt<unsigned> Jobs("j",
                       cl::desc("Steps running at once (default: the plan's "
                                "max_concurrent_tasks, else 32)"),
                       cl::value_desc("N"), cl::init(32), cl::Prefix, cl::cat(Cat));
cl::opt<std::string> Out("out",
                         cl::desc("Write the JSON result here (also as steps finish)"),
                         cl::value_desc("result.json"), cl::cat(Cat));
cl::opt<std::string> Resume("resume",
                            cl::desc("Continue a recorded run (its id, or `last`: the "
                                     "latest run of this plan), or reuse the completed "
                                     "steps of an earlier --out result"),
                            cl::value_desc("RUN_ID|last|result.json"), cl::cat(Cat));
cl::opt<std::string> RunDir("run-dir",
                            cl::desc("Directory for file actions and shell commands "
                                     "(default: the current one)"),
                            cl::value_desc("dir"), cl::init("."), cl::cat(Cat));
cl::opt<std::string> Model("model", cl::desc("Model for LLM steps (else ORCH_MODEL)"),
                           cl::cat(Cat));
cl::opt<std::string> Models("models", cl::desc("Model registry (else ORCH_MODELS)"),
                            cl::value_desc("models.yaml"), cl::cat(Cat));
cl::opt<Progress> ProgressOpt(
    "progress", cl::desc("How to show progress on stderr"), cl::init(Progress::Auto),
    cl::values(clEnumValN(Progress::Auto, "auto",
                          "a status line on a terminal, else lines"),
               clEnumValN(Progress::Tty, "tty", "a status line"),
               clEnumValN(Progress::Plain, "plain", "one line a step"),
               clEnumValN(Progress::None, "none", "nothing")),
    cl::cat(Cat));
cl::opt<bool> Quiet("q", cl::desc("Same as --progress=none"), cl::cat(Cat));
cl::opt<unsigned> RetryBase("retry-base-ms",
                            cl::desc("First retry delay; it doubles each retry"),
                            cl::init(250), cl::cat(Cat));
cl::opt<uint64_t> SpillThreshold(
    "spill-threshold",
    cl::desc("Result fields longer than this many bytes are kept in files under "
             "<run dir>/.orch-spill instead of memory (0: never)"),
    cl::value_desc("bytes"), cl::init(1u << 20), cl::cat(Cat));
cl::opt<std::string> StateDir(
    "state-dir",
    cl::desc("Where runs (runs.db) and outcomes of model calls are kept between runs "
             "(else $ORCH_STATE_DIR, $XDG_STATE_HOME/orch, ~/.local/state/orch)"),
    cl::value_desc("dir"), cl::cat(Cat));
cl::opt<std::string> State(
    "state",
    cl::desc("Record the run in this store: a postgresql:// URL, ${VAR} (read from the "
             "environment) or `none` (else runs.db in the state directory)"),
    cl::value_desc("spec"), cl::cat(Cat));
cl::opt<std::string> Checkpoint("checkpoint",
                                cl::desc("every_step, adaptive or none (else the plan's "
                                         "context.checkpoint_strategy)"),
                                cl::cat(Cat));
cl::opt<bool> NoCache("no-cache",
                      cl::desc("Run steps with `cache:` instead of taking an earlier "
                               "result (their new results are still stored)"),
                      cl::cat(Cat));
cl::opt<bool> DryRun("dry-run",
                     cl::desc("Load and check the plan and the inputs; run nothing"),
                     cl::cat(Cat));
cl::opt<bool> NoSandbox("no-sandbox",
                        cl::desc("Run shell steps without the sandbox, with orchrt's "
                                 "own rights (a warning says so)"),
                        cl::cat(Cat));
cl::opt<bool> NoUserns(
    "no-userns",
    cl::desc("Unsandboxed steps of a normal user get no user namespace "
             "of their own, so setuid tools work (a warning says so)"),
    cl::cat(Cat));
cl::opt<bool> RequireSandbox(
    "require-sandbox",
    cl::desc("Refuse to run a plan whose process steps would run unsandboxed "
             "(also ORCH_REQUIRE_SANDBOX=1)"),
    cl::cat(Cat));
cl::opt<std::string> Events("events",
                            cl::desc("Write the run's events (attempts, exact model "
                                     "requests and answers, tokens, cost) as JSON Lines"),
                            cl::value_desc("events.jsonl"), cl::cat(Cat));
cl::opt<std::string> MetricsAt("metrics",
                               cl::desc("Serve Prometheus metrics (GET /metrics) on this "
                                        "loopback address during the run (port 0: any; "
                                        "IPv6 in brackets: [::1]:PORT)"),
                               cl::value_desc("127.0.0.1:PORT"), cl::cat(Cat));
cl::opt<double> MaxCost("max-cost-usd",
                        cl::desc("Stop calling models once they cost this much"),
                        cl::value_desc("USD"), cl::init(0), cl::cat(Cat));
cl::opt<uint64_t> MaxTokens("max-tokens",
                            cl::desc("Stop calling models once they used this many "
                                     "tokens"),
                            cl::value_desc("N"), cl::init(0), cl::cat(Cat));
cl::opt<std::string> OnBudget("on-budget",
                              cl::desc("abort (default: stop the run, exit 3) or warn"),
                              cl::init("abort"), cl::cat(Cat));
cl::opt<bool> BatchMode(
    "batch",
    cl::desc("Send each level's ready model steps through the providers' batch APIs "
             "(half price, results within hours; also the plan's "
             "context.execution: batch)"),
    cl::cat(Cat));
cl::opt<bool> TimeRun("time", cl::desc("Print the load and run times to stderr"),
                      cl::cat(Cat));
}  // namespace

namespace {
/// Subcommands, by their first argument; anything else runs a plan.
struct SubCommand {
  llvm::StringLiteral Name;
  int (*Main)(int Argc, char **Argv);
};
const SubCommand SubCommands[] = {
    {"mcp", runMcpCommand},         {"runs", runRunsCommand},
    {"show", runShowCommand},       {"gc", runGcCommand},
    {"inspect", runInspectCommand}, {"timeline", runTimelineCommand},
};
}  // namespace

int main(int Argc, char **Argv) {
  for (const SubCommand &Sub : SubCommands)
    if (Argc > 1 && Sub.Name == Argv[1]) return Sub.Main(Argc - 1, Argv + 1);
  cl::HideUnrelatedOptions(Cat);
  cl::SetVersionPrinter([](raw_ostream &OS) { OS << "orchrt " ORCH_VERSION "\n"; });
  if (!cl::ParseCommandLineOptions(Argc, Argv, "orchrt: runs a plan compiled by orchc\n",
                                   &errs()))
    return ExitUsage;
  RunCommand C;
  C.PlanPath = PlanPath;
  C.Inputs = Inputs;
  C.InputsFile = InputsFile;
  C.AnswersFile = AnswersFile;
  C.Jobs = Jobs.getNumOccurrences() ? Jobs.getValue() : 0;
  if (Jobs.getNumOccurrences() && Jobs == 0) {
    orch::DiagnosticEngine D(nullptr);
    D.setToolName("orchrt");
    D.report(orch::DiagKind::BadArgument, orch::SourceLoc(), 0, "-j must be at least 1");
    D.flush(errs(), /*Color=*/false);
    return ExitUsage;
  }
  C.OutPath = Out;
  C.ResumePath = Resume;
  C.RunDir = RunDir;
  C.DefaultRunDir = RunDir.getNumOccurrences() == 0;
  C.Model = Model;
  C.ModelsFile = Models;
  C.ProgressMode = Quiet ? Progress::None : ProgressOpt.getValue();
  C.RetryBaseMs = RetryBase;
  C.SpillThreshold = SpillThreshold;
  C.Time = TimeRun;
  C.DryRun = DryRun;
  C.NoSandbox = NoSandbox;
  C.NoUserns = NoUserns;
  C.RequireSandbox = RequireSandbox;
  C.StateDir = StateDir;
  C.State = State;
  C.Checkpoint = Checkpoint;
  C.NoCache = NoCache;
  C.Batch = BatchMode;
  C.EventsPath = Events;
  C.MetricsAddress = MetricsAt;
  if (!(MaxCost >= 0) || (OnBudget != "abort" && OnBudget != "warn")) {
    printDiag("orchrt", orch::DiagKind::BadArgument,
              "--max-cost-usd must be at least 0 and --on-budget `abort` or `warn`");
    return ExitUsage;
  }
  C.MaxCostUsd = MaxCost;
  C.MaxTokens = MaxTokens;
  C.BudgetWarnOnly = OnBudget == "warn";
  C.OnBudgetGiven = OnBudget.getNumOccurrences() > 0;
  try {
    return runPlan(C);
  } catch (const std::exception &E) {
    // A bug, not bad input (that is reported as errors): say so, exit 2.
    errs() << "orchrt: internal error: " << E.what() << '\n';
    return ExitUsage;
  }
}
