//===- Driver.cpp ---------------------------------------------------------===//
#include "Driver.h"

#include "frontend/Bindings.h"
#include "frontend/Frontend.h"
#include "ir/Printer.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "passes/Pass.h"

namespace orch::tools {

namespace {
constexpr uint64_t MaxFileBytes = 256u << 20;

int finish(DiagnosticEngine &Diags, llvm::raw_ostream &Err, bool Color, int Code) {
  Diags.flush(Err, Color);
  Diags.printSummary(Err);
  return Code;
}
}  // namespace

int runDriver(const DriverOptions &Opts, llvm::raw_ostream &Err) {
  auto Buf = llvm::MemoryBuffer::getFileOrSTDIN(Opts.Input, /*IsText=*/false,
                                                /*RequiresNullTerminator=*/false);
  if (!Buf) {
    Err << "orchc: error: cannot read `" << Opts.Input
        << "`: " << Buf.getError().message() << " [IoError]\n";
    return ExitUsage;
  }
  if ((*Buf)->getBufferSize() > MaxFileBytes) {
    Err << "orchc: error: `" << Opts.Input << "` is " << (*Buf)->getBufferSize()
        << " bytes; the limit is " << MaxFileBytes << " [FileTooLarge]\n";
    return ExitPipelineErrors;
  }
  std::string Name = Opts.Input == "-" ? "<stdin>" : Opts.Input;
  auto File = std::make_shared<SourceFile>(Name, (*Buf)->getBuffer().str());
  Buf->reset();
  DiagnosticEngine Diags(File.get());
  Diags.setErrorLimit(Opts.ErrorLimit);

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
      Err << "orchc: error: cannot write `" << Opts.Output << "`: " << EC.message()
          << " [IoError]\n";
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

  std::unique_ptr<ir::Pipeline> P = frontend::lowerDocument(*Doc, Diags);
  if (!P) return finish(Diags, Err, Opts.Color, ExitPipelineErrors);

  passes::PassContext Ctx{Diags, {}};
  // The file first: a `--set` on the command line overrides it.
  if (!Opts.InputsFile.empty()) {
    auto Bs = frontend::readBindingsFile(Opts.InputsFile, P->arena());
    if (!Bs) {
      Err << "orchc: error: " << llvm::toString(Bs.takeError()) << '\n';
      return ExitUsage;
    }
    for (auto &B : *Bs) Ctx.Bindings.push_back(std::move(B));
  }
  for (const std::string &S : Opts.Sets) {
    auto B = frontend::parseSetBinding(S, P->arena());
    if (!B) {
      Err << "orchc: error: " << llvm::toString(B.takeError()) << '\n';
      return ExitUsage;
    }
    Ctx.Bindings.push_back(std::move(*B));
  }
  if (!passes::runPasses(*P, Ctx))
    return finish(Diags, Err, Opts.Color, ExitPipelineErrors);
  Diags.flush(Err, Opts.Color);

  if (Opts.Build) {
    auto Out = OpenOut();
    if (!Out) return ExitUsage;
    ir::printPipeline(Out->os(), *P, {Opts.Locations});
    Out->keep();
  }
  return ExitOk;
}

}  // namespace orch::tools
