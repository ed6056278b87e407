//===- Driver.cpp ---------------------------------------------------------===//
#include "Driver.h"

#include <fmt/format.h>

#include <memory>
#include <optional>

#include "CompileSetup.h"
#include "Export.h"
#include "ToolError.h"
#include "backends/export/ExportTarget.h"
#include "backends/plan/PlanWriter.h"
#include "backends/views/Views.h"
#include "frontend/Bindings.h"
#include "frontend/Frontend.h"
#include "ir/Printer.h"
#include "ir/SourceIncludes.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/ToolOutputFile.h"
#include "passes/Pass.h"
#include "runtime/plan/PlanReader.h"

namespace orch::tools {

namespace {
constexpr uint64_t MaxFileBytes = 256u << 20;

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

/// One `orchc check`/`build`/`export`/`graph`/`explain`: its stages, in
/// the order runDriver calls them. A stage returns the exit code to stop
/// with, or nothing to go on. The members outlive the diagnostics that
/// point into them (the file, the pipeline).
class Compilation {
 public:
  Compilation(const DriverOptions &Opts, llvm::raw_ostream &Err) : Opts(Opts), Err(Err) {}

  /// Pass names and the export target, before any file is read.
  std::optional<int> checkArguments();
  /// The pipeline file, its bytes checked; `build --emit=ast` ends here.
  std::optional<int> parse();
  /// The IR, with the inputs of `--inputs` and `--set` bound.
  std::optional<int> lower();
  /// The lock, registry, configuration and model for the passes.
  std::optional<int> setUp() { return Setup.load(Opts, *P, *Ctx, Err); }
  std::optional<int> runPasses();
  /// `orchc graph` and `orchc explain` end here.
  std::optional<int> showView();
  std::optional<int> updateLock() { return Setup.updateLock(Opts, *P, Err); }
  /// The export, the plan or the IR.
  int writeOutput();

 private:
  int finish(int Code) {
    Diags->flush(Err, Opts.Color);
    Diags->printSummary(Err);
    return Code;
  }
  template <typename... Args>
  int error(int Code, DiagKind K, Args &&...A) {
    return toolError(Err, Opts.Color, Code, K, std::forward<Args>(A)...);
  }
  std::unique_ptr<llvm::ToolOutputFile> openOutput(llvm::sys::fs::OpenFlags Flags);

  const DriverOptions &Opts;
  llvm::raw_ostream &Err;
  std::shared_ptr<SourceFile> File;
  std::optional<DiagnosticEngine> Diags;
  std::optional<IncludeScope> Includes;  // sub-pipelines' files, while diagnostics print
  std::optional<ast::Document> Doc;
  std::unique_ptr<ir::Pipeline> P;
  std::optional<passes::PassContext> Ctx;
  CompileSetup Setup;
};

std::optional<int> Compilation::checkArguments() {
  std::vector<std::string> BadNames = passes::checkPassNames(Opts.Passes);
  for (const std::string &N : passes::checkPassNames(Opts.PrintAfter))
    BadNames.push_back(N);
  if (!BadNames.empty()) {
    for (const std::string &M : BadNames) error(ExitUsage, DiagKind::BadArgument, M);
    return ExitUsage;
  }
  if (Opts.EmitKind == Emit::Export && !backends::findExportTarget(Opts.ExportTarget)) {
    DiagnosticEngine D(nullptr);
    reportUnknownTarget(Opts.ExportTarget, D);
    D.flush(Err, Opts.Color);
    return ExitUsage;
  }
  return std::nullopt;
}

std::optional<int> Compilation::parse() {
  auto Buf = llvm::MemoryBuffer::getFileOrSTDIN(Opts.Input, /*IsText=*/false,
                                                /*RequiresNullTerminator=*/false);
  if (!Buf)
    return error(ExitUsage, DiagKind::IoError, Opts.Input, Buf.getError().message());
  if ((*Buf)->getBufferSize() > MaxFileBytes)
    return error(ExitPipelineErrors, DiagKind::FileTooLarge, Opts.Input,
                 (*Buf)->getBufferSize(), MaxFileBytes);
  std::string Name = Opts.Input == "-" ? "<stdin>" : Opts.Input;
  File = std::make_shared<SourceFile>(Name, (*Buf)->getBuffer().str());
  Buf->reset();
  Diags.emplace(File.get());
  Diags->setErrorLimit(Opts.ErrorLimit);
  Includes.emplace(*File);
  if (!frontend::checkSourceBytes(*File, *Diags)) return finish(ExitPipelineErrors);
  Doc = frontend::parseDocument(File, *Diags, /*FastYaml=*/!Opts.YamlCppOnly);
  if (!Doc) return finish(ExitPipelineErrors);
  if (!Opts.Build || Opts.EmitKind != Emit::Ast) return std::nullopt;
  Diags->flush(Err, Opts.Color);
  auto Out = openOutput(llvm::sys::fs::OF_Text);
  if (!Out) return ExitUsage;
  ast::printDocument(Out->os(), *Doc, Opts.Locations);
  Out->keep();
  return ExitOk;
}

std::optional<int> Compilation::lower() {
  P = frontend::lowerDocument(*Doc, *Diags, /*SubPipelines=*/Opts.Input != "-");
  if (!P) return finish(ExitPipelineErrors);
  Ctx.emplace(passes::PassContext{*Diags, {}});
  // The file first: a `--set` on the command line overrides it.
  if (!Opts.InputsFile.empty()) {
    auto Bs = frontend::readBindingsFile(Opts.InputsFile, P->arena());
    if (!Bs)
      return error(ExitUsage, DiagKind::BadArgument, llvm::toString(Bs.takeError()));
    for (auto &B : *Bs) Ctx->Bindings.push_back(std::move(B));
  }
  for (const std::string &S : Opts.Sets) {
    auto B = frontend::parseSetBinding(S, P->arena());
    if (!B) return error(ExitUsage, DiagKind::BadArgument, llvm::toString(B.takeError()));
    Ctx->Bindings.push_back(std::move(*B));
  }
  return std::nullopt;
}

std::optional<int> Compilation::runPasses() {
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
  bool PassesOk = passes::runPasses(*P, *Ctx, Opts.Passes, After,
                                    Opts.TimePasses ? &Timings : nullptr);
  if (Opts.TimePasses) printPassTimings(Err, Timings);
  if (!PassesOk) return finish(ExitPipelineErrors);
  Diags->flush(Err, Opts.Color);
  return std::nullopt;
}

std::optional<int> Compilation::showView() {
  if (Opts.ViewKind == View::None) return std::nullopt;
  if (Opts.ViewKind == View::Explain) {
    // The registry's prices, for the cost estimate.
    const passes::ModelCatalog *Catalog = Setup.catalog();
    backends::ModelPrices Prices;
    if (Catalog)
      for (const passes::ModelInfo &M : Catalog->Models)
        Prices.try_emplace(M.Name,
                           backends::ModelPrice{M.InputUsdPerToken, M.OutputUsdPerToken,
                                                M.BatchPriceShare, M.MaxTokens});
    backends::writeExplanation(llvm::outs(), *P, Catalog ? &Prices : nullptr);
  } else {
    backends::writeGraph(llvm::outs(), *P,
                         Opts.ViewKind == View::GraphDot
                             ? backends::GraphFormat::Dot
                             : backends::GraphFormat::Mermaid);
  }
  return ExitOk;
}

std::unique_ptr<llvm::ToolOutputFile> Compilation::openOutput(
    llvm::sys::fs::OpenFlags Flags) {
  std::error_code EC;
  auto Out = std::make_unique<llvm::ToolOutputFile>(Opts.Output, EC, Flags);
  if (EC) {
    error(ExitUsage, DiagKind::WriteError, Opts.Output, EC.message());
    return nullptr;
  }
  return Out;
}

int Compilation::writeOutput() {
  if (!Opts.Build) return ExitOk;
  if (Opts.EmitKind == Emit::Export) {
    if (!writeExport(Opts.ExportTarget, Opts.Output, *P, Opts.AllowUnsandboxedShell,
                     envOr(Opts.ModelsFile, "ORCH_MODELS"), *Diags))
      return finish(ExitPipelineErrors);
    Diags->flush(Err, Opts.Color);
    return ExitOk;
  }
  if (Opts.EmitKind == Emit::Plan) {
    llvm::Expected<std::string> Bytes = backends::writePlan(*P, ORCH_VERSION);
    if (!Bytes)
      return error(ExitPipelineErrors, DiagKind::PlanWrite,
                   llvm::toString(Bytes.takeError()));
    if (Opts.Output == "-" && llvm::sys::Process::StandardOutIsDisplayed())
      return error(ExitUsage, DiagKind::PlanToTerminal);
    auto Out = openOutput(llvm::sys::fs::OF_None);
    if (!Out) return ExitUsage;
    Out->os() << *Bytes;
    Out->keep();
    return ExitOk;
  }
  auto Out = openOutput(llvm::sys::fs::OF_Text);
  if (!Out) return ExitUsage;
  ir::printPipeline(Out->os(), *P, {Opts.Locations});
  Out->keep();
  return ExitOk;
}

}  // namespace

int runDriver(const DriverOptions &Opts, llvm::raw_ostream &Err) {
  using Stage = std::optional<int> (Compilation::*)();
  static constexpr Stage Stages[] = {
      &Compilation::checkArguments, &Compilation::parse,     &Compilation::lower,
      &Compilation::setUp,          &Compilation::runPasses, &Compilation::showView,
      &Compilation::updateLock,
  };
  Compilation C(Opts, Err);
  for (Stage S : Stages)
    if (std::optional<int> Code = (C.*S)()) return *Code;
  return C.writeOutput();
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
