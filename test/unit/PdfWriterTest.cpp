//===- PdfWriterTest.cpp - pdf.compile's layout and PDF writer ------------===//
#include <gtest/gtest.h>

#include "llvm/ADT/StringExtras.h"
#include "runtime/actions/PdfCompile.h"
#include "runtime/actions/PdfWriter.h"

namespace orch::runtime {
namespace pdf_writer_test {

TEST(PdfWriter, WrapsAtSpacesAndSplitsLongWords) {
  EXPECT_EQ(wrapPdfText("aa bb cc", 5), (std::vector<std::string>{"aa bb", "cc"}));
  EXPECT_EQ(wrapPdfText("  aa   bb  ", 10), (std::vector<std::string>{"aa bb"}));
  EXPECT_EQ(wrapPdfText("abcdefgh", 3), (std::vector<std::string>{"abc", "def", "gh"}));
  // Code points, not bytes.
  EXPECT_EQ(wrapPdfText("ééé ééé", 3), (std::vector<std::string>{"ééé", "ééé"}));
  EXPECT_EQ(wrapPdfText("", 3), (std::vector<std::string>{""}));
  EXPECT_EQ(pdfLineChars(10, 0), 80u);  // (595.28 - 2 * 56.69) / 6
}

TEST(PdfWriter, CrossReferencePointsAtEachObject) {
  std::vector<PdfLine> Lines(3);
  Lines[0].Text = "a (paren) and a \\ backslash";
  Lines[1].Text = "caf\xc3\xa9 \xe2\x82\xac \xe6\xb0\xb4";  // café € 水
  Lines[2].PageBreak = true;
  Lines[2].Text = "second page";
  PdfDocument D = writePdf(Lines, "T (1)", "");
  EXPECT_EQ(D.Pages, 2u);
  EXPECT_EQ(D.Replaced, 1u);
  llvm::StringRef B = D.Bytes;
  EXPECT_TRUE(B.starts_with("%PDF-1.4\n"));
  EXPECT_TRUE(B.ends_with("%%EOF\n"));
  EXPECT_NE(B.find("(a \\(paren\\) and a \\\\ backslash) Tj"), llvm::StringRef::npos);
  EXPECT_NE(B.find("(caf\\351 \\200 ?) Tj"), llvm::StringRef::npos);
  // Document information is UTF-16BE (PDFDocEncoding is not WinAnsi).
  EXPECT_NE(B.find("/Title <FEFF00540020002800310029>"), llvm::StringRef::npos);
  EXPECT_EQ(B.find("/Author"), llvm::StringRef::npos);
  for (unsigned char C : B) EXPECT_LT(C, 0x80);
  // startxref names the table; each entry the offset of its object.
  size_t Start = B.rfind("startxref\n");
  uint64_t Xref = 0;
  ASSERT_FALSE(B.substr(Start + 10).split('\n').first.getAsInteger(10, Xref));
  ASSERT_TRUE(B.substr(Xref).starts_with("xref\n0 11\n"));  // 6 + 2 pages * 2
  llvm::StringRef Table = B.substr(Xref).drop_front(strlen("xref\n0 11\n"));
  for (unsigned N = 0; N <= 10; ++N) {
    llvm::StringRef Entry = Table.substr(N * 20, 20);
    ASSERT_EQ(Entry.size(), 20u);
    if (N == 0) continue;
    uint64_t At = 0;
    ASSERT_FALSE(Entry.take_front(10).getAsInteger(10, At));
    EXPECT_TRUE(B.substr(At).starts_with(std::to_string(N) + " 0 obj\n")) << N;
  }
  // The same lines give the same bytes.
  EXPECT_EQ(writePdf(Lines, "T (1)", "").Bytes, D.Bytes);
}

TEST(PdfWriter, MarkdownBlocks) {
  std::vector<PdfLine> L = layoutMarkdown(
      "# Head\n\npara **bold** [t](u)\nmore\n\n- item\n  cont\n2) two\n\n> q\n\n```\n  "
      "x\n```\n---\n| a |\n",
      "Title", "");
  std::vector<std::string> Text;
  for (const PdfLine &X : L) Text.push_back(X.Rule ? "<rule>" : X.Text);
  EXPECT_EQ(Text, (std::vector<std::string>{"Title", "<rule>", "Head",
                                            "para bold t (u) more", "\u2022 item cont",
                                            "2) two", "q", "  x", "<rule>", "| a |"}));
  EXPECT_EQ(L[2].Face, PdfFace::Bold);
  EXPECT_EQ(L[2].Size, 16);
  EXPECT_EQ(L[6].Face, PdfFace::Italic);
  EXPECT_EQ(L[7].Size, 9);
  // A closing `#` run goes only after a space; `[` runs stay text.
  auto First = [](llvm::StringRef Md) { return layoutMarkdown(Md, "", "")[0].Text; };
  EXPECT_EQ(First("# Learn C#"), "Learn C#");
  EXPECT_EQ(First("## Title ##"), "Title");
  EXPECT_EQ(First("[[a] [b](c) ![i](j)"), "[[a] b (c) [image: i]");
  EXPECT_EQ(First(std::string(100000, '[')).size(), 80u);
}

TEST(PdfWriter, CharactersWithoutAGlyphAreCounted) {
  std::vector<PdfLine> Lines(1);
  Lines[0].Text =
      "a\x7f\xc2\x81"
      "b\xf0\x9f\x98\x80";  // DEL, U+0081, an emoji
  PdfDocument D = writePdf(Lines, "\xf0\x9f\x98\x80", "");
  EXPECT_EQ(D.Replaced, 3u);
  EXPECT_NE(llvm::StringRef(D.Bytes).find("(a??b?) Tj"), llvm::StringRef::npos);
  EXPECT_NE(llvm::StringRef(D.Bytes).find("/Title <FEFFD83DDE00>"),
            llvm::StringRef::npos);
}

}  // namespace pdf_writer_test
}  // namespace orch::runtime
