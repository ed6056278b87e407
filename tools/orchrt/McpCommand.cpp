//===- McpCommand.cpp - `orchrt mcp`'s options and stdio serving ----------===//
#include "McpCommand.h"

#include <signal.h>
#include <unistd.h>

#include <set>

#include "Run.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"
#include "runtime/actions/ProcessPolicy.h"
#include "runtime/mcp/PlanTool.h"
#include "runtime/mcp/Stdio.h"

namespace orch::tools {

using namespace llvm;
using namespace orch::runtime;

namespace {

int usage(const Twine &Msg) {
  printDiag("orchrt mcp", DiagKind::BadArgument, Msg.str());
  return ExitUsage;
}

}  // namespace

int runMcpCommand(int Argc, char **Argv) {
  // The options of `orchrt plan.bin` stay out of this command's parser.
  cl::ResetCommandLineParser();
  cl::OptionCategory Cat("orchrt mcp options");
  cl::list<std::string> Plans(cl::Positional, cl::desc("<plan.bin>..."), cl::OneOrMore,
                              cl::cat(Cat));
  cl::opt<unsigned> Jobs("j",
                         cl::desc("Steps running at once in each call (default: the "
                                  "plan's max_concurrent_tasks, else 32)"),
                         cl::value_desc("N"), cl::init(0), cl::Prefix, cl::cat(Cat));
  cl::opt<std::string> RunDir("run-dir",
                              cl::desc("Directory for file actions and shell commands"),
                              cl::value_desc("dir"), cl::init("."), cl::cat(Cat));
  cl::opt<std::string> Model("model", cl::desc("Model for LLM steps (else ORCH_MODEL)"),
                             cl::cat(Cat));
  cl::opt<std::string> Models("models", cl::desc("Model registry (else ORCH_MODELS)"),
                              cl::value_desc("models.yaml"), cl::cat(Cat));
  cl::opt<unsigned> RetryBase("retry-base-ms",
                              cl::desc("First retry delay; it doubles each retry"),
                              cl::init(250), cl::cat(Cat));
  cl::opt<bool> NoSandbox("no-sandbox",
                          cl::desc("Run shell, python and node steps unsandboxed, with "
                                   "orchrt's own rights (warned about)"),
                          cl::cat(Cat));
  cl::HideUnrelatedOptions(Cat);
  std::vector<char *> Args(Argv, Argv + Argc);
  std::string Prog = "orchrt mcp";
  Args[0] = Prog.data();
  if (!cl::ParseCommandLineOptions(
          Argc, Args.data(),
          "orchrt mcp: serves plans as MCP tools over stdio (JSON-RPC on stdout, "
          "logs on stderr)\n",
          &errs()))
    return ExitUsage;
  if (Jobs.getNumOccurrences() && Jobs == 0) return usage("-j must be at least 1");
  if (!sys::fs::is_directory(RunDir))
    return usage("--run-dir `" + RunDir + "` is not a directory");

  mcp::PlanRunSettings S;
  S.Jobs = Jobs;
  S.RunDir = RunDir;
  S.Model = envOr(Model, "ORCH_MODEL");
  S.ModelsFile = envOr(Models, "ORCH_MODELS");
  S.RetryBaseMs = RetryBase;
  std::vector<std::unique_ptr<mcp::Tool>> Tools;
  std::set<std::string> Names;
  for (const std::string &Path : Plans) {
    auto Buf = MemoryBuffer::getFile(Path, /*IsText=*/false,
                                     /*RequiresNullTerminator=*/false);
    if (!Buf) return usage("cannot read `" + Path + "`: " + Buf.getError().message());
    Expected<LoadedPlan> Plan = readPlan((*Buf)->getBuffer().str());
    if (!Plan) {
      printDiag("orchrt mcp", DiagKind::BadPlan, Path, toString(Plan.takeError()));
      return ExitUsage;
    }
    // The same sandbox decision as `orchrt plan.bin`, per plan.
    Expected<ProcessConfig> Process = processConfig(Plan->plan(), NoSandbox, errs());
    if (!Process) return usage(Path + ": " + toString(Process.takeError()));
    mcp::PlanRunSettings PS = S;
    PS.Process = std::move(*Process);
    auto T = std::make_unique<mcp::PlanTool>(std::move(*Plan), std::move(PS));
    std::string Name = T->definition().at("name").get<std::string>();
    if (!Names.insert(Name).second)
      return usage(Path + ": a second tool named `" + Name +
                   "`: each plan's pipeline needs its own name");
    Tools.push_back(std::move(T));
  }
  // A client that goes away is a failed write, not a signal.
  signal(SIGPIPE, SIG_IGN);
  mcp::FdSink Out(STDOUT_FILENO);
  mcp::Server Server(std::move(Tools), {"orchrt", ORCH_VERSION}, Out, errs());
  return mcp::serveStdio(Server, STDIN_FILENO, Out) == 0 ? ExitOk : ExitRunFailed;
}

}  // namespace orch::tools
