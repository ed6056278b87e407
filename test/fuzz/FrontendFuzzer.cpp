//===- FrontendFuzzer.cpp - libFuzzer entry for the whole front end -------===//
//
// Any byte string must give diagnostics or an IR, never a crash, a hang or
// an exception escaping a stage. Where the fast YAML reader takes the input,
// its tree must be exactly yaml-cpp's; where the fast expression lexer takes
// the input as expression text, its tokens must be exactly ANTLR's.
//
//===----------------------------------------------------------------------===//
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "frontend/AutoLexer.h"
#include "frontend/FastExprLexer.h"
#include "frontend/Frontend.h"
#include "frontend/YamlReader.h"
#include "ir/Printer.h"
#include "llvm/Support/raw_ostream.h"
#include "passes/Pass.h"

namespace {

/// The fast YAML reader against yaml-cpp on the same rewritten text.
void checkFastReader(const orch::SourceFile &File) {
  using namespace orch;
  DiagnosticEngine D(&File);
  frontend::AutoScan Scan = frontend::scanAutoTags(File, D);
  if (D.hasErrors()) return;
  ir::Arena A1, A2;
  std::optional<frontend::YamlTree> Fast =
      frontend::fastReadYaml(File, Scan.Rewritten, A1, {});
  if (!Fast) return;
  frontend::YamlLimits Slow;
  Slow.FastPath = false;
  DiagnosticEngine D2(&File);
  frontend::YamlTree Ref = frontend::readYaml(File, Scan.Rewritten, A2, D2, Slow);
  std::string Why = "yaml-cpp rejected it";
  if (!Ref.Root || !ast::sameTree(Fast->Root, Ref.Root, Why)) {
    std::fprintf(stderr, "fast YAML reader disagrees with yaml-cpp: %s\n", Why.c_str());
    std::abort();
  }
}

/// The fast expression lexer against ANTLR's on the same text.
void checkFastExprLexer(llvm::StringRef Text) {
  using namespace orch::frontend;
  std::vector<ExprToken> Fast;
  if (Text.size() > 4096 || !fastLexExpr(Text, Fast)) return;
  if (Fast != antlrLexExpr(Text)) {
    std::fprintf(stderr, "fast expression lexer disagrees with ANTLR's\n");
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  using namespace orch;
  auto File = std::make_shared<SourceFile>(
      "fuzz.yaml", std::string(reinterpret_cast<const char *>(Data), Size));
  DiagnosticEngine Diags(File.get());
  std::string Sink;
  llvm::raw_string_ostream OS(Sink);
  checkFastExprLexer(File->text());
  if (frontend::checkSourceBytes(*File, Diags)) {
    checkFastReader(*File);
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
