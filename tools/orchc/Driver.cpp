//===- Driver.cpp ---------------------------------------------------------===//
#include "Driver.h"

#include <fmt/format.h>
#include <unistd.h>

#include <optional>

#include "Export.h"
#include "LlmOracle.h"
#include "McpLister.h"
#include "backends/export/ExportTarget.h"
#include "backends/plan/PlanWriter.h"
#include "backends/views/Views.h"
#include "frontend/Bindings.h"
#include "frontend/Frontend.h"
#include "ir/Actions.h"
#include "ir/Printer.h"
#include "ir/SourceIncludes.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/ToolOutputFile.h"
#include "passes/AutoResolve.h"
#include "passes/McpSteps.h"
#include "passes/ModelCatalog.h"
#include "passes/Pass.h"
#include "runtime/llm/Providers.h"
#include "runtime/plan/PlanReader.h"

namespace orch::tools {

namespace {
constexpr uint64_t MaxFileBytes = 256u << 20;

std::string envOr(const std::string &Flag, const char *Var) {
  if (!Flag.empty()) return Flag;
  const char *V = std::getenv(Var);
  return V ? V : "";
}

/// `pipeline.yaml` -> `pipeline.auto.lock`, beside it.
std::string lockPathFor(llvm::StringRef Input) {
  llvm::SmallString<256> P(Input);
  llvm::StringRef Ext = llvm::sys::path::extension(P);
  if (Ext == ".yaml" || Ext == ".yml") llvm::sys::path::replace_extension(P, "");
  return (P + ".auto.lock").str();
}

int finish(DiagnosticEngine &Diags, llvm::raw_ostream &Err, bool Color, int Code) {
  Diags.flush(Err, Color);
  Diags.printSummary(Err);
  return Code;
}

/// Prints one diagnostic about the tool's own arguments or files, without a
/// source location (`orchc: error: ... [Kind]`), and returns \p Code.
template <typename... Args>
int toolError(llvm::raw_ostream &Err, bool Color, int Code, DiagKind K, Args &&...A) {
  DiagnosticEngine D(nullptr);
  D.report(K, SourceLoc(), 0, std::forward<Args>(A)...);
  D.flush(Err, Color);
  return Code;
}
}  // namespace

/// \p Name in the directory of \p Input if it exists there, else "".
std::string beside(const std::string &Input, llvm::StringRef Name) {
  if (Input == "-") return "";
  llvm::SmallString<256> Path(llvm::sys::path::parent_path(Input));
  llvm::sys::path::append(Path, Name);
  return llvm::sys::fs::exists(Path) ? Path.str().str() : "";
}

/// The machine's memory in GB (ORCH_MACHINE_MEMORY_GB overrides, for tests
/// and for building on one machine what runs on another).
double machineMemoryGb() {
  if (const char *V = std::getenv("ORCH_MACHINE_MEMORY_GB")) {
    double D;
    if (!llvm::StringRef(V).getAsDouble(D) && D > 0) return D;
  }
  long Pages = sysconf(_SC_PHYS_PAGES), Size = sysconf(_SC_PAGE_SIZE);
  return Pages > 0 && Size > 0 ? static_cast<double>(Pages) * Size / (1u << 30) : 0;
}

/// `--time-passes`: one line a pass, then the total, like LLVM's report.
void printPassTimings(llvm::raw_ostream &Err,
                      const std::vector<passes::PassTiming> &Timings) {
  double Total = 0;
  for (const passes::PassTiming &T : Timings) Total += T.Seconds;
  Err << "===-------------------------------------------------------------------===\n"
      << "                      Pass execution timing report\n"
      << "===-------------------------------------------------------------------===\n"
      << fmt::format("  Total: {:.4f} s\n\n", Total) << "   Wall Time   ---  Name ---\n";
  for (const passes::PassTiming &T : Timings)
    Err << fmt::format("  {:8.4f} s ({:5.1f}%)  {}\n", T.Seconds,
                       Total > 0 ? 100 * T.Seconds / Total : 0.0, T.Name);
  Err << fmt::format("  {:8.4f} s (100.0%)  Total\n", Total);
}

int runDriver(const DriverOptions &Opts, llvm::raw_ostream &Err) {
  std::vector<std::string> BadNames = passes::checkPassNames(Opts.Passes);
  for (const std::string &N : passes::checkPassNames(Opts.PrintAfter))
    BadNames.push_back(N);
  bool Color = Opts.Color;
  if (!BadNames.empty()) {
    for (const std::string &M : BadNames)
      toolError(Err, Color, ExitUsage, DiagKind::BadArgument, M);
    return ExitUsage;
  }
  if (Opts.EmitKind == Emit::Export && !backends::findExportTarget(Opts.ExportTarget)) {
    DiagnosticEngine D(nullptr);
    reportUnknownTarget(Opts.ExportTarget, D);
    D.flush(Err, Color);
    return ExitUsage;
  }
  auto Buf = llvm::MemoryBuffer::getFileOrSTDIN(Opts.Input, /*IsText=*/false,
                                                /*RequiresNullTerminator=*/false);
  if (!Buf)
    return toolError(Err, Color, ExitUsage, DiagKind::IoError, Opts.Input,
                     Buf.getError().message());
  if ((*Buf)->getBufferSize() > MaxFileBytes)
    return toolError(Err, Color, ExitPipelineErrors, DiagKind::FileTooLarge, Opts.Input,
                     (*Buf)->getBufferSize(), MaxFileBytes);
  std::string Name = Opts.Input == "-" ? "<stdin>" : Opts.Input;
  auto File = std::make_shared<SourceFile>(Name, (*Buf)->getBuffer().str());
  Buf->reset();
  DiagnosticEngine Diags(File.get());
  Diags.setErrorLimit(Opts.ErrorLimit);
  IncludeScope Includes(*File);  // sub-pipelines' files, while diagnostics print

  if (!frontend::checkSourceBytes(*File, Diags))
    return finish(Diags, Err, Opts.Color, ExitPipelineErrors);
  std::optional<ast::Document> Doc =
      frontend::parseDocument(File, Diags, /*FastYaml=*/!Opts.YamlCppOnly);
  if (!Doc) return finish(Diags, Err, Opts.Color, ExitPipelineErrors);

  auto OpenOut = [&]() -> std::unique_ptr<llvm::ToolOutputFile> {
    std::error_code EC;
    auto Out =
        std::make_unique<llvm::ToolOutputFile>(Opts.Output, EC, llvm::sys::fs::OF_Text);
    if (EC) {
      toolError(Err, Color, ExitUsage, DiagKind::WriteError, Opts.Output, EC.message());
      return nullptr;
    }
    return Out;
  };

  if (Opts.Build && Opts.EmitKind == Emit::Ast) {
    Diags.flush(Err, Opts.Color);
    auto Out = OpenOut();
    if (!Out) return ExitUsage;
    ast::printDocument(Out->os(), *Doc, Opts.Locations);
    Out->keep();
    return ExitOk;
  }

  std::unique_ptr<ir::Pipeline> P =
      frontend::lowerDocument(*Doc, Diags, /*SubPipelines=*/Opts.Input != "-");
  if (!P) return finish(Diags, Err, Opts.Color, ExitPipelineErrors);

  passes::PassContext Ctx{Diags, {}};
  // The file first: a `--set` on the command line overrides it.
  if (!Opts.InputsFile.empty()) {
    auto Bs = frontend::readBindingsFile(Opts.InputsFile, P->arena());
    if (!Bs)
      return toolError(Err, Color, ExitUsage, DiagKind::BadArgument,
                       llvm::toString(Bs.takeError()));
    for (auto &B : *Bs) Ctx.Bindings.push_back(std::move(B));
  }
  for (const std::string &S : Opts.Sets) {
    auto B = frontend::parseSetBinding(S, P->arena());
    if (!B)
      return toolError(Err, Color, ExitUsage, DiagKind::BadArgument,
                       llvm::toString(B.takeError()));
    Ctx.Bindings.push_back(std::move(*B));
  }

  // AUTO tags: the lock beside the pipeline, the shared cache, a model.
  passes::AutoOptions Auto;
  std::optional<passes::LockFile> Lock;
  std::string LockPath = Opts.Input == "-" || Opts.NoAuto ? "" : lockPathFor(Opts.Input);
  if (!LockPath.empty()) {
    auto L = passes::LockFile::read(LockPath);
    if (!L)
      return toolError(Err, Color, ExitPipelineErrors, DiagKind::BadLockFile,
                       llvm::toString(L.takeError()));
    Lock = std::move(*L);
    Auto.Lock = &*Lock;
  }
  passes::DiskCache Cache(passes::DiskCache::defaultDir());
  Auto.Cache = &Cache;
  Auto.CheckOnly = !Opts.Build;
  Auto.Offline = Opts.Offline;
  Auto.RefreshAll = Opts.RefreshAll;
  Auto.Refresh = Opts.Refresh;
  Auto.Jobs = Opts.Jobs;
  std::string Registry = envOr(Opts.ModelsFile, "ORCH_MODELS");
  if (Registry.empty()) Registry = beside(Opts.Input, "models.yaml");
  std::string ConfigPath = envOr(Opts.ConfigFile, "ORCH_CONFIG");
  if (ConfigPath.empty()) ConfigPath = beside(Opts.Input, "config.yaml");
  std::optional<passes::ModelCatalog> Catalog;
  std::optional<passes::RunConfig> Config;
  if (!Registry.empty()) {
    llvm::Expected<passes::ModelCatalog> C = passes::loadModelCatalog(Registry);
    if (!C)
      return toolError(Err, Color, ExitUsage, DiagKind::BadModelRegistry,
                       llvm::toString(C.takeError()));
    Catalog = std::move(*C);
    Ctx.Models = &*Catalog;
  }
  if (!ConfigPath.empty()) {
    llvm::Expected<passes::RunConfig> C = passes::loadRunConfig(ConfigPath);
    if (!C)
      return toolError(Err, Color, ExitUsage, DiagKind::BadRunConfig,
                       llvm::toString(C.takeError()));
    Config = std::move(*C);
    Ctx.Config = &*Config;
    P->StorageConnection = Config->StorageConnection;
    P->StorageRetentionDays = Config->RetentionDays;
    P->MetricsPort = Config->MetricsPort;
    P->MetricsHost = Config->MetricsHost;
    P->TracingEndpoint = Config->TracingEndpoint;
  }
  Ctx.Policy = Opts.Policy;
  Ctx.MachineMemoryGb = machineMemoryGb();
  // The registry was read once, above: its models are the `model` domain.
  if (Catalog)
    for (const passes::ModelInfo &M : Catalog->Models)
      Auto.Domain.ModelNames.push_back(M.Name);
  for (const ir::ActionInfo &A : ir::builtinActions())
    if (A.Name != "pipeline")  // a sub-pipeline call's steps: the front end's
      Auto.Domain.Actions.push_back(A.Name.str());
  for (const ir::Step &S : P->Steps)
    if (!S.ActionAuto && !llvm::is_contained(Auto.Domain.Actions, S.Action.Str.str()))
      Auto.Domain.Actions.push_back(S.Action.Str.str());
  std::unique_ptr<LlmOracle> Oracle;
  std::string Model = envOr(Opts.Model, "ORCH_MODEL");
  if (!Model.empty()) {
    const passes::ModelInfo *M = Catalog ? Catalog->find(Model) : nullptr;
    std::string Provider = M && !M->Provider.empty()
                               ? M->Provider
                               : llm::providerNameFor(Model, /*Registry=*/"");
    Auto.ModelId = Provider + "/" + Model;
  }
  if (Opts.Build && !Opts.Offline) {
    if (Model.empty()) {
      Auto.NoModelReason =
          "name one with `--model` or ORCH_MODEL, and point OPENAI_BASE_URL and "
          "OPENAI_API_KEY (or ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY) at a server";
    } else if (auto Provider = llm::resolveProvider(Model, Registry)) {
      llvm::Expected<llm::ModelSettings> Settings = llm::modelSettings(Model, Registry);
      if (!Settings) {
        Auto.NoModelReason = llvm::toString(Settings.takeError());
      } else {
        Oracle =
            std::make_unique<LlmOracle>(std::move(*Provider), Model, Settings->Reasoning);
        Auto.Oracle = Oracle.get();
      }
    } else {
      Auto.NoModelReason = llvm::toString(Provider.takeError());
    }
  }
  if (!Opts.NoAuto) Ctx.Auto = &Auto;
  // MCP tools: their schemas from the lock, else (build) from the servers.
  McpLister Lister;
  passes::McpOptions Mcp;
  Mcp.Lock = Lock ? &*Lock : nullptr;
  Mcp.Lister = Opts.Build ? &Lister : nullptr;
  Mcp.Offline = Opts.Offline;
  Mcp.Refresh = Opts.RefreshMcp;
  Ctx.Mcp = &Mcp;

  std::vector<passes::PassTiming> Timings;
  passes::AfterPassHook After;
  if (Opts.PrintAfterAll || !Opts.PrintAfter.empty())
    After = [&](llvm::StringRef Pass, const ir::Pipeline &Pl) {
      if (!Opts.PrintAfterAll && !llvm::is_contained(Opts.PrintAfter, Pass.str())) return;
      Err << "; *** IR Dump After " << Pass << " ***\n";
      ir::PrintOptions PO;
      PO.Locations = Opts.Locations;
      ir::printPipeline(Err, Pl, PO);
    };
  bool PassesOk = passes::runPasses(*P, Ctx, Opts.Passes, After,
                                    Opts.TimePasses ? &Timings : nullptr);
  if (Opts.TimePasses) printPassTimings(Err, Timings);
  if (!PassesOk) return finish(Diags, Err, Opts.Color, ExitPipelineErrors);
  Diags.flush(Err, Opts.Color);
  if (Opts.ViewKind != View::None) {
    if (Opts.ViewKind == View::Explain) {
      // The registry's prices, for the cost estimate.
      backends::ModelPrices Prices;
      if (Catalog)
        for (const passes::ModelInfo &M : Catalog->Models)
          Prices.try_emplace(M.Name,
                             backends::ModelPrice{M.InputUsdPerToken, M.OutputUsdPerToken,
                                                  M.BatchPriceShare, M.MaxTokens});
      backends::writeExplanation(llvm::outs(), *P, Catalog ? &Prices : nullptr);
    } else
      backends::writeGraph(llvm::outs(), *P,
                           Opts.ViewKind == View::GraphDot
                               ? backends::GraphFormat::Dot
                               : backends::GraphFormat::Mermaid);
    return ExitOk;
  }

  // A build keeps the lock in step with the tags; unchanged bytes are not
  // rewritten.
  if (Opts.Build && !Opts.NoAuto && Lock && Lock->Entries.empty() &&
      Lock->McpServers.empty() && P->AutoTags.empty() &&
      llvm::sys::fs::exists(LockPath)) {
    // The pipeline has no tags any more: its lock is stale.
    llvm::sys::fs::remove(LockPath);
  } else if (Opts.Build && !Opts.NoAuto && Lock &&
             (!Lock->Entries.empty() || !Lock->McpServers.empty())) {
    std::string Text = Lock->render(P->Name.Str);
    auto Old = llvm::MemoryBuffer::getFile(LockPath);
    if (!Old || (*Old)->getBuffer() != Text)
      if (llvm::Error E = passes::writeFileAtomically(LockPath, Text))
        return toolError(Err, Color, ExitUsage, DiagKind::WriteError, LockPath,
                         llvm::toString(std::move(E)));
  }

  if (Opts.Build && Opts.EmitKind == Emit::Export) {
    if (!writeExport(Opts.ExportTarget, Opts.Output, *P, Opts.AllowUnsandboxedShell,
                     envOr(Opts.ModelsFile, "ORCH_MODELS"), Diags))
      return finish(Diags, Err, Opts.Color, ExitPipelineErrors);
    Diags.flush(Err, Opts.Color);
  } else if (Opts.Build && Opts.EmitKind == Emit::Plan) {
    llvm::Expected<std::string> Bytes = backends::writePlan(*P, ORCH_VERSION);
    if (!Bytes)
      return toolError(Err, Color, ExitPipelineErrors, DiagKind::PlanWrite,
                       llvm::toString(Bytes.takeError()));
    if (Opts.Output == "-" && llvm::sys::Process::StandardOutIsDisplayed())
      return toolError(Err, Color, ExitUsage, DiagKind::PlanToTerminal);
    std::error_code EC;
    llvm::ToolOutputFile Out(Opts.Output, EC, llvm::sys::fs::OF_None);
    if (EC)
      return toolError(Err, Color, ExitUsage, DiagKind::WriteError, Opts.Output,
                       EC.message());
    Out.os() << *Bytes;
    Out.keep();
  } else if (Opts.Build) {
    auto Out = OpenOut();
    if (!Out) return ExitUsage;
    ir::printPipeline(Out->os(), *P, {Opts.Locations});
    Out->keep();
  }
  return ExitOk;
}

int runDump(const std::string &Path, llvm::raw_ostream &Out, llvm::raw_ostream &Err) {
  auto Buf = llvm::MemoryBuffer::getFileOrSTDIN(Path, /*IsText=*/false,
                                                /*RequiresNullTerminator=*/false);
  if (!Buf)
    return toolError(Err, false, ExitUsage, DiagKind::IoError, Path,
                     Buf.getError().message());
  llvm::Expected<runtime::LoadedPlan> P = runtime::readPlan((*Buf)->getBuffer().str());
  if (!P)
    return toolError(Err, false, ExitUsage, DiagKind::BadPlan, Path,
                     llvm::toString(P.takeError()));
  runtime::dumpPlan(Out, *P);
  return ExitOk;
}

}  // namespace orch::tools
