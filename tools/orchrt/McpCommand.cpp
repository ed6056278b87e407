//===- McpCommand.cpp - `orchrt mcp`'s options and stdio serving ----------===//
#include "McpCommand.h"

#include <fmt/format.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <set>

#include "McpMetrics.h"
#include "Run.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"
#include "runtime/actions/ProcessPolicy.h"
#include "runtime/exec/EventLoop.h"
#include "runtime/mcp/PlanTool.h"
#include "runtime/mcp/Stdio.h"
#include "runtime/mcp/StreamableHttp.h"

namespace orch::tools {

using namespace llvm;
using namespace orch::runtime;

namespace {

int mcpUsage(const Twine &Msg) {
  printDiag("orchrt mcp", DiagKind::BadArgument, Msg.str());
  return ExitUsage;
}

/// Where `--http` listens.
struct HttpFlags {
  std::string Listen;  ///< HOST:PORT
  bool AllowRemote = false;
  std::vector<std::string> Origins;
  mcp::HttpServerOptions Server;
};

/// Serves \p Tools over Streamable HTTP until SIGINT or SIGTERM; running
/// calls are cancelled and answered before the exit.
int serveHttp(std::vector<std::shared_ptr<mcp::Tool>> Tools, const HttpFlags &F) {
  llvm::StringRef L(F.Listen);
  size_t Colon = L.rfind(':');
  unsigned Port = 0;
  if (Colon == llvm::StringRef::npos || L.substr(Colon + 1).getAsInteger(10, Port) ||
      Port > 65535)
    return mcpUsage(
        "--http needs HOST:PORT, such as 127.0.0.1:8080 (port 0: any free one)");
  std::string Host = L.substr(0, Colon).trim("[]").str();
  int SigFd = blockSignals();
  raiseFdLimit();
  EventLoop Loop;
  mcp::StreamableHttpOptions MO;
  MO.AllowedOrigins = F.Origins;
  mcp::StreamableHttp App(Loop, std::move(Tools), {"orchrt", ORCH_VERSION}, MO, errs());
  mcp::HttpServer Http(Loop, App, F.Server, errs());
  App.attach(Http);
  if (Error E = Http.listen(Host, Port, F.AllowRemote))
    return mcpUsage(toString(std::move(E)));
  std::string Shown = Host.find(':') != std::string::npos ? "[" + Host + "]" : Host;
  // One write: a reader must never see the address without its port.
  errs() << fmt::format("orchrt mcp: serving on http://{}:{}/mcp\n", Shown, Http.port());
  bool Stop = false;
  if (SigFd >= 0)
    Loop.watchFd(SigFd, [&] {
      signalfd_siginfo Info;
      while (read(SigFd, &Info, sizeof Info) == sizeof Info) Stop = true;
    });
  Loop.runUntil([&] { return Stop; });
  // Stop accepting; let running calls see their cancellation and answer
  // (new calls on open connections are answered 503).
  Http.stopListening();
  App.cancelAll();
  Loop.runUntil([&] { return App.idle(); });
  Http.stop();
  if (SigFd >= 0) {
    Loop.unwatchFd(SigFd);
    close(SigFd);
  }
  return ExitOk;
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
  cl::opt<bool> RequireSandbox(
      "require-sandbox",
      cl::desc("Refuse plans whose process steps would run unsandboxed (also "
               "ORCH_REQUIRE_SANDBOX=1)"),
      cl::cat(Cat));
  cl::opt<std::string> Http("http",
                            cl::desc("Serve over Streamable HTTP at HOST:PORT (loopback "
                                     "only, unless --allow-remote) instead of stdio"),
                            cl::value_desc("host:port"), cl::cat(Cat));
  cl::opt<bool> AllowRemote("allow-remote",
                            cl::desc("Let --http bind an address that is not loopback"),
                            cl::cat(Cat));
  cl::list<std::string> AllowOrigin(
      "allow-origin", cl::desc("An Origin allowed besides loopback ones (repeatable)"),
      cl::value_desc("origin"), cl::cat(Cat));
  cl::opt<unsigned> MaxBody("max-body",
                            cl::desc("The largest HTTP request body, in bytes"),
                            cl::init(4u << 20), cl::cat(Cat));
  cl::opt<unsigned> RequestTimeout(
      "request-timeout-ms",
      cl::desc("Time for an HTTP request to arrive, from its first byte"),
      cl::init(10000), cl::cat(Cat));
  cl::opt<std::string> Metrics(
      "metrics",
      cl::desc("Serve Prometheus metrics of every call's run at HOST:PORT (loopback "
               "only) for the server's life"),
      cl::value_desc("host:port"), cl::cat(Cat));
  cl::HideUnrelatedOptions(Cat);
  std::vector<char *> Args(Argv, Argv + Argc);
  std::string Prog = "orchrt mcp";
  Args[0] = Prog.data();
  if (!cl::ParseCommandLineOptions(
          Argc, Args.data(),
          "orchrt mcp: serves plans as MCP tools over stdio (JSON-RPC on stdout, "
          "logs on stderr) or Streamable HTTP (--http)\n",
          &errs()))
    return ExitUsage;
  if (Jobs.getNumOccurrences() && Jobs == 0) return mcpUsage("-j must be at least 1");
  if (!sys::fs::is_directory(RunDir))
    return mcpUsage("--run-dir `" + RunDir + "` is not a directory");

  mcp::PlanRunSettings S;
  S.Jobs = Jobs;
  S.RunDir = RunDir;
  S.Model = envOr(Model, "ORCH_MODEL");
  S.ModelsFile = envOr(Models, "ORCH_MODELS");
  S.RetryBaseMs = RetryBase;
  S.CallDirs = Http.getNumOccurrences() != 0;  // HTTP calls run at once.
  if (!Http.getNumOccurrences() &&
      (AllowRemote || AllowOrigin.getNumOccurrences() || MaxBody.getNumOccurrences() ||
       RequestTimeout.getNumOccurrences()))
    return mcpUsage(
        "--allow-remote, --allow-origin, --max-body and --request-timeout-ms "
        "need --http");
  if (RequestTimeout == 0) return mcpUsage("--request-timeout-ms must be at least 1");
  // --metrics: served from a thread of its own until the server exits.
  std::unique_ptr<McpMetrics> Meters;
  if (Metrics.getNumOccurrences()) {
    auto M = McpMetrics::start(Metrics, S.ModelsFile);
    if (!M) return mcpUsage(toString(M.takeError()));
    Meters = std::move(*M);
    S.Watch = [&Meters](const LoadedPlan &Plan, RunObserver *Next) {
      return Meters->watch(Plan, Next);
    };
    // One write: a reader must never see the address without its port.
    errs() << fmt::format("orchrt mcp: metrics on {}\n", Meters->url());
  }
  std::vector<std::unique_ptr<mcp::Tool>> Tools;
  std::set<std::string> Names;
  for (const std::string &Path : Plans) {
    auto Buf = MemoryBuffer::getFile(Path, /*IsText=*/false,
                                     /*RequiresNullTerminator=*/false);
    if (!Buf) return mcpUsage("cannot read `" + Path + "`: " + Buf.getError().message());
    Expected<LoadedPlan> Plan = readPlan((*Buf)->getBuffer().str());
    if (!Plan) {
      printDiag("orchrt mcp", DiagKind::BadPlan, Path, toString(Plan.takeError()));
      return ExitUsage;
    }
    // The same sandbox decision as `orchrt plan.bin`, per plan.
    ProcessOptions PO;
    PO.NoSandbox = NoSandbox;
    PO.RequireSandbox = RequireSandbox;
    PO.DefaultRunDir = RunDir.getNumOccurrences() == 0;
    Expected<ProcessConfig> Process = processConfig(Plan->plan(), PO, errs());
    if (!Process) return mcpUsage(Path + ": " + toString(Process.takeError()));
    mcp::PlanRunSettings PS = S;
    PS.Process = std::move(*Process);
    auto T = std::make_unique<mcp::PlanTool>(std::move(*Plan), std::move(PS));
    std::string Name = T->definition().at("name").get<std::string>();
    if (!Names.insert(Name).second)
      return mcpUsage(Path + ": a second tool named `" + Name +
                      "`: each plan's pipeline needs its own name");
    Tools.push_back(std::move(T));
  }
  if (Http.getNumOccurrences()) {
    HttpFlags F;
    F.Listen = Http;
    F.AllowRemote = AllowRemote;
    F.Origins.assign(AllowOrigin.begin(), AllowOrigin.end());
    F.Server.Limits.MaxBody = MaxBody;
    F.Server.RequestTimeoutMs = RequestTimeout;
    std::vector<std::shared_ptr<mcp::Tool>> Shared;
    for (auto &T : Tools) Shared.push_back(std::move(T));
    return serveHttp(std::move(Shared), F);
  }
  // A client that goes away is a failed write, not a signal.
  signal(SIGPIPE, SIG_IGN);
  mcp::FdSink Out(STDOUT_FILENO);
  mcp::Server Server(std::move(Tools), {"orchrt", ORCH_VERSION}, Out, errs());
  return mcp::serveStdio(Server, STDIN_FILENO, Out) == 0 ? ExitOk : ExitRunFailed;
}

}  // namespace orch::tools
