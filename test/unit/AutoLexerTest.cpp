//===- AutoLexerTest.cpp --------------------------------------------------===//
#include <gtest/gtest.h>

#include "frontend/AutoLexer.h"

using namespace orch;
using namespace orch::frontend;

namespace {

AutoScan scan(const std::string &Text, DiagnosticEngine *&DOut,
              std::unique_ptr<SourceFile> &F, std::unique_ptr<DiagnosticEngine> &D) {
  F = std::make_unique<SourceFile>("t.yaml", Text);
  D = std::make_unique<DiagnosticEngine>(F.get());
  DOut = D.get();
  return scanAutoTags(*F, *D);
}

TEST(AutoLexer, ReplacesTagWithSameLengthPlaceholder) {
  std::unique_ptr<SourceFile> F;
  std::unique_ptr<DiagnosticEngine> D;
  DiagnosticEngine *Diags;
  std::string Text = "a: <AUTO>pick: x, y # z</AUTO>\nb: 1\n";
  AutoScan S = scan(Text, Diags, F, D);
  ASSERT_FALSE(Diags->hasErrors());
  ASSERT_EQ(S.Tags.size(), 1u);
  EXPECT_EQ(S.Tags[0].Text, "pick: x, y # z");
  EXPECT_EQ(S.Tags[0].Loc.Offset, 3u);
  EXPECT_EQ(S.Rewritten.size(), Text.size());
  // No YAML indicator of the tag text survives on the first line.
  std::string First = S.Rewritten.substr(3, S.Tags[0].Length);
  EXPECT_EQ(First.find_first_of(":#<>"), std::string::npos);
  size_t B, E;
  auto Idx = findPlaceholder(S.Rewritten, 0, S.Marker, B, E);
  ASSERT_TRUE(Idx.has_value());
  EXPECT_EQ(*Idx, 0u);
  EXPECT_EQ(B, 3u);
  EXPECT_EQ(E, 3u + S.Tags[0].Length);
}

TEST(AutoLexer, KeepsLinesOfMultiLineTags) {
  std::unique_ptr<SourceFile> F;
  std::unique_ptr<DiagnosticEngine> D;
  DiagnosticEngine *Diags;
  std::string Text = "a: <AUTO>\n    long: text\n  </AUTO>\nb: 1\n";
  AutoScan S = scan(Text, Diags, F, D);
  ASSERT_FALSE(Diags->hasErrors());
  ASSERT_EQ(S.Tags.size(), 1u);
  EXPECT_EQ(S.Tags[0].Text, "long: text");
  EXPECT_EQ(std::count(S.Rewritten.begin(), S.Rewritten.end(), '\n'),
            std::count(Text.begin(), Text.end(), '\n'));
  // The folded form YAML produces still names tag 0.
  size_t B, E;
  std::string Folded;
  for (char C : S.Rewritten.substr(3, S.Tags[0].Length)) Folded += C == '\n' ? ' ' : C;
  auto Idx = findPlaceholder(Folded, 0, S.Marker, B, E);
  ASSERT_TRUE(Idx.has_value());
  EXPECT_EQ(*Idx, 0u);
}

TEST(AutoLexer, ParsesAttributes) {
  std::unique_ptr<SourceFile> F;
  std::unique_ptr<DiagnosticEngine> D;
  DiagnosticEngine *Diags;
  AutoScan S = scan(
      "n: <AUTO type=\"integer\" min=\"1\" max='10'>how many</AUTO>\n"
      "c: <AUTO choices=\"a, b,c\">which</AUTO>\n",
      Diags, F, D);
  ASSERT_FALSE(Diags->hasErrors());
  ASSERT_EQ(S.Tags.size(), 2u);
  EXPECT_EQ(S.Tags[0].DeclaredType, ir::Type::Int);
  EXPECT_EQ(S.Tags[0].Min, 1.0);
  EXPECT_EQ(S.Tags[0].Max, 10.0);
  EXPECT_EQ(S.Tags[1].Choices, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(AutoLexer, ReportsEveryMalformedTag) {
  std::unique_ptr<SourceFile> F;
  std::unique_ptr<DiagnosticEngine> D;
  DiagnosticEngine *Diags;
  scan(
      "a: <AUTO tpye=\"int\">x</AUTO>\nb: </AUTO>\nc: <AUTO></AUTO>\n"
      "d: <AUTO>x <AUTO>y</AUTO>\n",
      Diags, F, D);
  std::vector<DiagKind> Kinds;
  for (const Diagnostic &Dg : Diags->pending()) Kinds.push_back(Dg.Kind);
  EXPECT_EQ(Kinds,
            (std::vector<DiagKind>{DiagKind::AutoUnknownAttr, DiagKind::StrayAutoClose,
                                   DiagKind::AutoEmpty, DiagKind::NestedAuto}));
  EXPECT_NE(Diags->pending()[0].Message.find("did you mean `type`?"), std::string::npos);
}

TEST(AutoLexer, IgnoresCommentLines) {
  std::unique_ptr<SourceFile> F;
  std::unique_ptr<DiagnosticEngine> D;
  DiagnosticEngine *Diags;
  AutoScan S = scan("# use <AUTO> tags like this\na: 1\n", Diags, F, D);
  EXPECT_FALSE(Diags->hasErrors());
  EXPECT_TRUE(S.Tags.empty());
}

}  // namespace
