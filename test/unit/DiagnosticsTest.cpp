//===- DiagnosticsTest.cpp ------------------------------------------------===//
#include <gtest/gtest.h>

#include "ir/Diagnostics.h"
#include "ir/SourceIncludes.h"

using namespace orch;

namespace {

TEST(Diagnostics, PrintsClangStyleInSourceOrder) {
  SourceFile F("p.yaml", "name: x\nsteps:\n  - id: a\n");
  DiagnosticEngine D(&F);
  D.report(DiagKind::UnknownStep, SourceLoc(22), 1, "b", "");
  Diagnostic &First = D.report(DiagKind::DuplicateStepId, SourceLoc(6), 1, "x");
  DiagnosticEngine::note(First, DiagKind::NoteFirstDefined, SourceLoc(0), 4);
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  D.flush(OS, false);
  D.printSummary(OS);
  EXPECT_EQ(Out,
            "p.yaml:1:7: error: duplicate step id `x` [DuplicateStepId]\n"
            "name: x\n"
            "      ^\n"
            "p.yaml:1:1: note: first defined here\n"
            "name: x\n"
            "^~~~\n"
            "p.yaml:3:8: error: unknown step `b` [UnknownStep]\n"
            "  - id: a\n"
            "       ^\n"
            "2 errors generated.\n");
}

// A sub-pipeline's file (docs/control-flow.md §2) is read after a comment
// as long as the files before it: its locations point past the root's text
// and print with its own name, line and column, until the scope ends.
TEST(Diagnostics, IncludedFilesPrintWithTheirOwnName) {
  SourceFile Root("main.yaml", "name: x\n");  // 8 bytes: the callee starts at 9
  std::string Out;
  {
    IncludeScope Scope(Root);
    EXPECT_EQ(includeBase(Root), 9u);
    auto Sub = std::make_shared<SourceFile>("sub.yaml", "name: y\nsteps: []\n");
    auto Parsed = std::make_shared<SourceFile>(
        "sub.yaml", "#" + std::string(7, ' ') + "\n" + Sub->text().str());
    includeFile(Root, Sub, Parsed);
    EXPECT_EQ(includeBase(Root), 9u + 18u + 1u);
    EXPECT_EQ(Parsed->text().substr(9 + 8, 5), "steps");
    auto [F, L] = locateSource(Root, SourceLoc(9 + 8));
    EXPECT_EQ(F, Sub.get());
    EXPECT_EQ(L.Offset, 8u);
    EXPECT_EQ(Root.lineCol(SourceLoc(9 + 8)).Line, 2u);
    EXPECT_EQ(locateSource(Root, SourceLoc(3)).first, &Root);
    DiagnosticEngine D(&Root);
    D.report(DiagKind::UnknownStep, SourceLoc(9 + 8), 5, "b", "");
    D.report(DiagKind::UnknownStep, SourceLoc(6), 1, "a", "");
    llvm::raw_string_ostream OS(Out);
    D.flush(OS, false);
  }
  EXPECT_EQ(Out,
            "main.yaml:1:7: error: unknown step `a` [UnknownStep]\n"
            "name: x\n"
            "      ^\n"
            "sub.yaml:2:1: error: unknown step `b` [UnknownStep]\n"
            "steps: []\n"
            "^~~~~\n");
  // The scope ended: the root has no included files any more.
  EXPECT_EQ(includeBase(Root), 9u);
}

TEST(Diagnostics, DidYouMean) {
  llvm::StringRef C[] = {"search", "synthesize", "plan"};
  EXPECT_EQ(didYouMean("serch", C), "; did you mean `search`?");
  EXPECT_EQ(didYouMean("xyz", C), "");
  EXPECT_EQ(didYouMean("plna", C), "; did you mean `plan`?");
}

// A guess only when the name is a typo of it, not another word nearby.
TEST(Diagnostics, DidYouMeanOnlyWhenClose) {
  llvm::StringRef Keys[] = {"id", "name", "action", "parameters"};
  EXPECT_EQ(didYouMean("location", Keys), "");
  EXPECT_EQ(didYouMean("acton", Keys), "; did you mean `action`?");
  EXPECT_EQ(didYouMean("paramters", Keys), "; did you mean `parameters`?");
  llvm::StringRef Filters[] = {"join", "last", "length", "lower", "default"};
  EXPECT_EQ(didYouMean("json", Filters), "");
  EXPECT_EQ(didYouMean("list", Filters), "");
  EXPECT_EQ(didYouMean("lenght", Filters), "; did you mean `length`?");
  EXPECT_EQ(didYouMean("lsat", Filters), "; did you mean `last`?");
  EXPECT_EQ(didYouMean("defualt", Filters), "; did you mean `default`?");
}

TEST(Diagnostics, ErrorLimitStopsPrinting) {
  SourceFile F("p.yaml", "a\nb\nc\n");
  DiagnosticEngine D(&F);
  D.setErrorLimit(2);
  for (uint32_t I = 0; I < 3; ++I) D.report(DiagKind::NoSteps, SourceLoc(I * 2), 1);
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  D.flush(OS, false);
  EXPECT_NE(Out.find("too many errors emitted"), std::string::npos);
  EXPECT_EQ(D.errorCount(), 3u);
}

}  // namespace
