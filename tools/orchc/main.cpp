//===- main.cpp - orchc: the pipeline compiler's command line -------------===//
#include "Driver.h"
#include "ir/Diagnostics.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;
using namespace orch::tools;

namespace {
cl::SubCommand CheckCmd("check", "Check a pipeline and report every problem");
cl::SubCommand BuildCmd("build", "Compile a pipeline and print or write the result");
cl::SubCommand DumpCmd("dump", "Validate a plan file and print it readably");
cl::SubCommand GraphCmd("graph", "Draw the compiled pipeline (dot or Mermaid)");
cl::SubCommand ExplainCmd("explain",
                          "Say what the passes decided: levels, critical path, groups, "
                          "models, AUTO values");

cl::SubCommand ExportCmd("export", "Compile a pipeline for another framework (--target)");

cl::OptionCategory Cat("orchc options");

cl::opt<std::string> CheckInput(cl::Positional, cl::desc("<pipeline.yaml>"), cl::Required,
                                cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<std::string> BuildInput(cl::Positional, cl::desc("<pipeline.yaml>"), cl::Required,
                                cl::sub(BuildCmd), cl::cat(Cat));
cl::opt<std::string> DumpInput(cl::Positional, cl::desc("<plan.bin>"), cl::Required,
                               cl::sub(DumpCmd), cl::cat(Cat));
cl::opt<std::string> GraphInput(cl::Positional, cl::desc("<pipeline.yaml>"), cl::Required,
                                cl::sub(GraphCmd), cl::cat(Cat));
cl::opt<std::string> ExplainInput(cl::Positional, cl::desc("<pipeline.yaml>"),
                                  cl::Required, cl::sub(ExplainCmd), cl::cat(Cat));
cl::opt<std::string> ExportInput(cl::Positional, cl::desc("<pipeline.yaml>"),
                                 cl::Required, cl::sub(ExportCmd), cl::cat(Cat));
cl::opt<std::string> ExportTargetName("target", cl::desc("What to export"),
                                      cl::value_desc("name"), cl::Required,
                                      cl::sub(ExportCmd), cl::cat(Cat));
cl::opt<std::string> ExportDir("o", cl::desc("Output directory"), cl::value_desc("dir"),
                               cl::Required, cl::sub(ExportCmd), cl::cat(Cat));
cl::opt<View> GraphFormat("format", cl::desc("Graph notation"), cl::init(View::GraphDot),
                          cl::values(clEnumValN(View::GraphDot, "dot", "Graphviz dot"),
                                     clEnumValN(View::GraphMermaid, "mermaid",
                                                "Mermaid")),
                          cl::sub(GraphCmd), cl::cat(Cat));
cl::opt<Emit> EmitKind("emit", cl::desc("What to emit (default: plan with -o, else ir)"),
                       cl::values(clEnumValN(Emit::Ast, "ast", "the parsed document"),
                                  clEnumValN(Emit::Ir, "ir", "the pipeline IR, as text"),
                                  clEnumValN(Emit::Plan, "plan",
                                             "the binary execution plan")),
                       cl::sub(BuildCmd), cl::cat(Cat));
cl::opt<std::string> Output("o", cl::desc("Output file (default: stdout)"),
                            cl::value_desc("file"), cl::init("-"), cl::sub(BuildCmd),
                            cl::cat(Cat));
cl::list<std::string> Sets("set", cl::desc("Bind an input at compile time"),
                           cl::value_desc("name=value"), cl::sub(CheckCmd),
                           cl::sub(GraphCmd), cl::sub(ExplainCmd), cl::sub(BuildCmd),
                           cl::sub(ExportCmd), cl::cat(Cat));
cl::opt<std::string> InputsFile("inputs",
                                cl::desc("Bind inputs from a JSON or YAML file"),
                                cl::value_desc("file"), cl::sub(CheckCmd),
                                cl::sub(GraphCmd), cl::sub(ExplainCmd), cl::sub(BuildCmd),
                                cl::sub(ExportCmd), cl::cat(Cat));
cl::opt<bool> AllowUnsandboxedShell(
    "allow-unsandboxed-shell",
    cl::desc("Export `shell` steps although the target cannot sandbox them"),
    cl::sub(ExportCmd), cl::cat(Cat));
enum class ColorMode { Auto, Always, Never };
cl::opt<ColorMode> Color("color", cl::desc("Colour diagnostics"),
                         cl::init(ColorMode::Auto),
                         cl::values(clEnumValN(ColorMode::Auto, "auto", "on a terminal"),
                                    clEnumValN(ColorMode::Always, "always", "always"),
                                    clEnumValN(ColorMode::Never, "never", "never")),
                         cl::sub(CheckCmd), cl::sub(GraphCmd), cl::sub(ExplainCmd),
                         cl::sub(BuildCmd), cl::sub(ExportCmd), cl::cat(Cat));
cl::opt<bool> NoLocs("no-locs", cl::desc("Leave locations out of the IR dump"),
                     cl::sub(CheckCmd), cl::sub(GraphCmd), cl::sub(ExplainCmd),
                     cl::sub(BuildCmd), cl::sub(ExportCmd), cl::cat(Cat));
cl::opt<unsigned> ErrorLimit("error-limit",
                             cl::desc("Stop printing after N errors (0: all)"),
                             cl::init(20), cl::sub(CheckCmd), cl::sub(GraphCmd),
                             cl::sub(ExplainCmd), cl::sub(BuildCmd), cl::sub(ExportCmd),
                             cl::cat(Cat));
cl::opt<bool> NoAuto("no-auto",
                     cl::desc("Leave AUTO tags unresolved: no lock, cache or model"),
                     cl::sub(CheckCmd), cl::sub(GraphCmd), cl::sub(ExplainCmd),
                     cl::sub(BuildCmd), cl::sub(ExportCmd), cl::cat(Cat));
cl::opt<bool> Offline("offline",
                      cl::desc("Never ask a model; fail on AUTO tags the lock "
                               "and the cache do not cover"),
                      cl::sub(BuildCmd), cl::sub(ExportCmd), cl::cat(Cat));
cl::opt<bool> RefreshMcp("refresh-mcp",
                         cl::desc("Ask each MCP server for its tools again, even "
                                  "when the lock file has them"),
                         cl::sub(BuildCmd), cl::sub(ExportCmd), cl::cat(Cat));
cl::opt<std::string> RefreshAuto(
    "refresh-auto",
    cl::desc("Ask again for every AUTO tag, or for the one at "
             "this path (steps.x.parameters.y)"),
    cl::value_desc("path"), cl::ValueOptional, cl::sub(BuildCmd), cl::sub(ExportCmd),
    cl::cat(Cat));
cl::opt<std::string> ModelName("model", cl::desc("Model for AUTO tags (else ORCH_MODEL)"),
                               cl::value_desc("name"), cl::sub(CheckCmd),
                               cl::sub(GraphCmd), cl::sub(ExplainCmd), cl::sub(BuildCmd),
                               cl::sub(ExportCmd), cl::cat(Cat));
cl::opt<std::string> ModelsFile(
    "models",
    cl::desc("Model registry (else ORCH_MODELS, else models.yaml "
             "beside the pipeline)"),
    cl::value_desc("file"), cl::sub(CheckCmd), cl::sub(GraphCmd), cl::sub(ExplainCmd),
    cl::sub(BuildCmd), cl::sub(ExportCmd), cl::cat(Cat));
cl::opt<std::string> ConfigFile(
    "config",
    cl::desc(
        "Run configuration (else ORCH_CONFIG, else config.yaml beside the pipeline)"),
    cl::value_desc("file"), cl::sub(CheckCmd), cl::sub(GraphCmd), cl::sub(ExplainCmd),
    cl::sub(BuildCmd), cl::sub(ExportCmd), cl::cat(Cat));
cl::opt<std::string> PolicyName("policy",
                                cl::desc("Model selection policy (else config.yaml's, "
                                         "else `default`)"),
                                cl::value_desc("name"), cl::sub(CheckCmd),
                                cl::sub(GraphCmd), cl::sub(ExplainCmd), cl::sub(BuildCmd),
                                cl::sub(ExportCmd), cl::cat(Cat));
cl::opt<unsigned> Jobs("auto-jobs", cl::desc("Concurrent model requests for AUTO tags"),
                       cl::init(64), cl::sub(BuildCmd), cl::sub(ExportCmd), cl::cat(Cat));
cl::list<std::string> PassList("passes",
                               cl::desc("Run these passes, in this order (default: all)"),
                               cl::value_desc("a,b,..."), cl::CommaSeparated,
                               cl::sub(CheckCmd), cl::sub(GraphCmd), cl::sub(ExplainCmd),
                               cl::sub(BuildCmd), cl::sub(ExportCmd), cl::cat(Cat));
cl::list<std::string> PrintAfter("print-after",
                                 cl::desc("Print the IR to stderr after this pass"),
                                 cl::value_desc("pass"), cl::CommaSeparated,
                                 cl::sub(CheckCmd), cl::sub(GraphCmd),
                                 cl::sub(ExplainCmd), cl::sub(BuildCmd),
                                 cl::sub(ExportCmd), cl::cat(Cat));
cl::opt<bool> PrintAfterAll("print-after-all",
                            cl::desc("Print the IR to stderr after every pass"),
                            cl::sub(CheckCmd), cl::sub(GraphCmd), cl::sub(ExplainCmd),
                            cl::sub(BuildCmd), cl::sub(ExportCmd), cl::cat(Cat));
cl::opt<bool> TimePasses("time-passes", cl::desc("Report each pass's wall time"),
                         cl::sub(CheckCmd), cl::sub(GraphCmd), cl::sub(ExplainCmd),
                         cl::sub(BuildCmd), cl::sub(ExportCmd), cl::cat(Cat));
cl::opt<bool> YamlCppOnly("yaml-cpp-only", cl::desc("Read YAML with yaml-cpp only"),
                          cl::Hidden, cl::sub(CheckCmd), cl::sub(GraphCmd),
                          cl::sub(ExplainCmd), cl::sub(BuildCmd), cl::sub(ExportCmd),
                          cl::cat(Cat));
}  // namespace

int main(int argc, char **argv) {
  cl::HideUnrelatedOptions(Cat);
  cl::SetVersionPrinter([](raw_ostream &OS) { OS << "orchc " ORCH_VERSION "\n"; });
  std::string Errors;
  raw_string_ostream ErrOS(Errors);
  if (!cl::ParseCommandLineOptions(argc, argv,
                                   "orchc: compiles AI pipelines written in YAML\n\n"
                                   "  orchc check pipeline.yaml\n"
                                   "  orchc build pipeline.yaml --emit=ir\n"
                                   "  orchc export pipeline.yaml --target=NAME -o DIR\n",
                                   &ErrOS)) {
    errs() << ErrOS.str();
    return ExitUsage;
  }
  DriverOptions Opts;
  if (CheckCmd) {
    Opts.Input = CheckInput;
  } else if (DumpCmd) {
    return runDump(DumpInput, outs(), errs());
  } else if (GraphCmd) {
    Opts.Input = GraphInput;
    Opts.ViewKind = GraphFormat;
  } else if (ExplainCmd) {
    Opts.Input = ExplainInput;
    Opts.ViewKind = View::Explain;
  } else if (BuildCmd) {
    Opts.Input = BuildInput;
    Opts.Build = true;
    Opts.EmitKind = EmitKind.getNumOccurrences() ? EmitKind.getValue()
                    : Output != "-"              ? Emit::Plan
                                                 : Emit::Ir;
    Opts.Output = Output;
  } else if (ExportCmd) {
    Opts.Input = ExportInput;
    Opts.Build = true;
    Opts.EmitKind = Emit::Export;
    Opts.ExportTarget = ExportTargetName;
    Opts.AllowUnsandboxedShell = AllowUnsandboxedShell;
    Opts.Output = ExportDir;
  } else {
    orch::DiagnosticEngine D(nullptr);
    D.report(orch::DiagKind::NoCommand, orch::SourceLoc(), 0);
    D.flush(errs(), /*Color=*/false);
    return ExitUsage;
  }
  Opts.Sets.assign(Sets.begin(), Sets.end());
  Opts.InputsFile = InputsFile;
  Opts.Locations = !NoLocs;
  Opts.ErrorLimit = ErrorLimit;
  Opts.YamlCppOnly = YamlCppOnly;
  Opts.Offline = Offline;
  Opts.RefreshMcp = RefreshMcp;
  Opts.NoAuto = NoAuto;
  if (RefreshAuto.getNumOccurrences()) {
    if (RefreshAuto.empty())
      Opts.RefreshAll = true;
    else
      Opts.Refresh.push_back(RefreshAuto);
  }
  Opts.Model = ModelName;
  Opts.ModelsFile = ModelsFile;
  Opts.ConfigFile = ConfigFile;
  Opts.Policy = PolicyName;
  Opts.Jobs = Jobs;
  Opts.Passes.assign(PassList.begin(), PassList.end());
  Opts.PrintAfter.assign(PrintAfter.begin(), PrintAfter.end());
  Opts.PrintAfterAll = PrintAfterAll;
  Opts.TimePasses = TimePasses;
  Opts.Color = Color == ColorMode::Always ||
               (Color == ColorMode::Auto && sys::Process::StandardErrHasColors());
  return runDriver(Opts, errs());
}
