//===- DiagnosticsTest.cpp ------------------------------------------------===//
#include <gtest/gtest.h>

#include "ir/Diagnostics.h"

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
