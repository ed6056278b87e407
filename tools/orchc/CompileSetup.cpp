//===- CompileSetup.cpp - What a compilation reads besides its pipeline ---===//
#include "CompileSetup.h"

#include <unistd.h>

#include "ToolError.h"
#include "ir/Actions.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "runtime/llm/Providers.h"

namespace orch::tools {

namespace {

/// `pipeline.yaml` -> `pipeline.auto.lock`, beside it.
std::string lockPathFor(llvm::StringRef Input) {
  llvm::SmallString<256> P(Input);
  llvm::StringRef Ext = llvm::sys::path::extension(P);
  if (Ext == ".yaml" || Ext == ".yml") llvm::sys::path::replace_extension(P, "");
  return (P + ".auto.lock").str();
}

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

}  // namespace

std::optional<int> CompileSetup::load(const DriverOptions &Opts, ir::Pipeline &P,
                                      passes::PassContext &Ctx, llvm::raw_ostream &Err) {
  // AUTO tags: the lock beside the pipeline, the shared cache, a model.
  LockPath = Opts.Input == "-" || Opts.NoAuto ? "" : lockPathFor(Opts.Input);
  if (!LockPath.empty()) {
    auto L = passes::LockFile::read(LockPath);
    if (!L)
      return toolError(Err, Opts.Color, ExitPipelineErrors, DiagKind::BadLockFile,
                       llvm::toString(L.takeError()));
    Lock = std::move(*L);
    Auto.Lock = &*Lock;
  }
  Auto.Cache = &Cache;
  Auto.CheckOnly = !Opts.Build;
  Auto.Offline = Opts.Offline;
  Auto.RefreshAll = Opts.RefreshAll;
  Auto.Refresh = Opts.Refresh;
  Auto.Jobs = Opts.Jobs;
  if (std::optional<int> Code = loadRegistryAndConfig(Opts, P, Ctx, Err)) return Code;
  Ctx.Policy = Opts.Policy;
  Ctx.MachineMemoryGb = machineMemoryGb();
  // The registry was read once, above: its models are the `model` domain.
  if (Catalog)
    for (const passes::ModelInfo &M : Catalog->Models)
      Auto.Domain.ModelNames.push_back(M.Name);
  for (const ir::ActionInfo &A : ir::builtinActions())
    if (A.Name != "pipeline")  // a sub-pipeline call's steps: the front end's
      Auto.Domain.Actions.push_back(A.Name.str());
  for (const ir::Step &S : P.Steps)
    if (!S.ActionAuto && !llvm::is_contained(Auto.Domain.Actions, S.Action.Str.str()))
      Auto.Domain.Actions.push_back(S.Action.Str.str());
  chooseModel(Opts);
  if (!Opts.NoAuto) Ctx.Auto = &Auto;
  // MCP tools: their schemas from the lock, else (build) from the servers.
  Mcp.Lock = Lock ? &*Lock : nullptr;
  Mcp.Lister = Opts.Build ? &Lister : nullptr;
  Mcp.Offline = Opts.Offline;
  Mcp.Refresh = Opts.RefreshMcp;
  Ctx.Mcp = &Mcp;
  return std::nullopt;
}

std::optional<int> CompileSetup::loadRegistryAndConfig(const DriverOptions &Opts,
                                                       ir::Pipeline &P,
                                                       passes::PassContext &Ctx,
                                                       llvm::raw_ostream &Err) {
  Registry = envOr(Opts.ModelsFile, "ORCH_MODELS");
  if (Registry.empty()) Registry = beside(Opts.Input, "models.yaml");
  std::string ConfigPath = envOr(Opts.ConfigFile, "ORCH_CONFIG");
  if (ConfigPath.empty()) ConfigPath = beside(Opts.Input, "config.yaml");
  if (!Registry.empty()) {
    llvm::Expected<passes::ModelCatalog> C = passes::loadModelCatalog(Registry);
    if (!C)
      return toolError(Err, Opts.Color, ExitUsage, DiagKind::BadModelRegistry,
                       llvm::toString(C.takeError()));
    Catalog = std::move(*C);
    Ctx.Models = &*Catalog;
  }
  if (!ConfigPath.empty()) {
    llvm::Expected<passes::RunConfig> C = passes::loadRunConfig(ConfigPath);
    if (!C)
      return toolError(Err, Opts.Color, ExitUsage, DiagKind::BadRunConfig,
                       llvm::toString(C.takeError()));
    Config = std::move(*C);
    Ctx.Config = &*Config;
    P.StorageConnection = Config->StorageConnection;
    P.StorageRetentionDays = Config->RetentionDays;
    P.MetricsPort = Config->MetricsPort;
    P.MetricsHost = Config->MetricsHost;
    P.TracingEndpoint = Config->TracingEndpoint;
  }
  return std::nullopt;
}

void CompileSetup::chooseModel(const DriverOptions &Opts) {
  std::string Model = envOr(Opts.Model, "ORCH_MODEL");
  if (!Model.empty()) {
    const passes::ModelInfo *M = Catalog ? Catalog->find(Model) : nullptr;
    std::string Provider = M && !M->Provider.empty()
                               ? M->Provider
                               : llm::providerNameFor(Model, /*Registry=*/"");
    Auto.ModelId = Provider + "/" + Model;
  }
  if (!Opts.Build || Opts.Offline) return;
  if (Model.empty()) {
    Auto.NoModelReason =
        "name one with `--model` or ORCH_MODEL, and point OPENAI_BASE_URL and "
        "OPENAI_API_KEY (or ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY) at a server";
    return;
  }
  auto Provider = llm::resolveProvider(Model, Registry);
  if (!Provider) {
    Auto.NoModelReason = llvm::toString(Provider.takeError());
    return;
  }
  llvm::Expected<llm::ModelSettings> Settings = llm::modelSettings(Model, Registry);
  if (!Settings) {
    Auto.NoModelReason = llvm::toString(Settings.takeError());
    return;
  }
  Oracle = std::make_unique<LlmOracle>(std::move(*Provider), Model, Settings->Reasoning);
  Auto.Oracle = Oracle.get();
}

std::optional<int> CompileSetup::updateLock(const DriverOptions &Opts,
                                            const ir::Pipeline &P,
                                            llvm::raw_ostream &Err) {
  if (!Opts.Build || Opts.NoAuto || !Lock) return std::nullopt;
  if (Lock->Entries.empty() && Lock->McpServers.empty()) {
    // The pipeline has no tags any more: its lock is stale.
    if (P.AutoTags.empty() && llvm::sys::fs::exists(LockPath))
      llvm::sys::fs::remove(LockPath);
    return std::nullopt;
  }
  std::string Text = Lock->render(P.Name.Str);
  auto Old = llvm::MemoryBuffer::getFile(LockPath);
  if (!Old || (*Old)->getBuffer() != Text)
    if (llvm::Error E = passes::writeFileAtomically(LockPath, Text))
      return toolError(Err, Opts.Color, ExitUsage, DiagKind::WriteError, LockPath,
                       llvm::toString(std::move(E)));
  return std::nullopt;
}

}  // namespace orch::tools
