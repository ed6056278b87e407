//===- FrontendFuzzer.cpp - libFuzzer entry for the whole front end -------===//
//
// Any byte string must give diagnostics or an IR, never a crash, a hang or
// an exception escaping a stage.
//
//===----------------------------------------------------------------------===//
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "frontend/Frontend.h"
#include "ir/Printer.h"
#include "llvm/Support/raw_ostream.h"
#include "passes/Pass.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  using namespace orch;
  auto File = std::make_shared<SourceFile>(
      "fuzz.yaml", std::string(reinterpret_cast<const char *>(Data), Size));
  DiagnosticEngine Diags(File.get());
  std::string Sink;
  llvm::raw_string_ostream OS(Sink);
  if (frontend::checkSourceBytes(*File, Diags)) {
    if (auto Doc = frontend::parseDocument(File, Diags)) {
      ast::printDocument(OS, *Doc, true);
      if (auto P = frontend::lowerDocument(*Doc, Diags)) {
        passes::PassContext Ctx{Diags, {}};
        if (passes::runPasses(*P, Ctx)) ir::printPipeline(OS, *P);
      }
    }
  }
  Diags.flush(OS, false);
  return 0;
}
