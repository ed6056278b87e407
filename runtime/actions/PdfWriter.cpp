//===- PdfWriter.cpp - Text laid out on PDF pages -------------------------===//
#include "runtime/actions/PdfWriter.h"

#include <fmt/format.h>

#include <cmath>

#include "ir/Unicode.h"

namespace orch::runtime {

namespace {
/// A4, in points, and the margins.
constexpr double PageWidth = 595.28, PageHeight = 841.89, Margin = 56.69;
/// Courier's advance, in em (every glyph).
constexpr double CourierEm = 0.6;
/// Line height, in sizes.
constexpr double Leading = 1.35;
/// The footer's baseline, from the bottom.
constexpr double FooterY = 28;

const char *faceName(PdfFace F) {
  switch (F) {
    case PdfFace::Bold:
      return "/F2";
    case PdfFace::Italic:
      return "/F3";
    case PdfFace::Regular:
      break;
  }
  return "/F1";
}

/// \p Text as a PDF literal string in WinAnsiEncoding: `(`, `)` and `\`
/// escaped, every byte outside printable ASCII in octal.
std::string pdfString(llvm::StringRef Text, unsigned &Replaced) {
  std::string Out = "(";
  for (char32_t C : ir::decodeUtf8(Text)) {
    int B = ir::toWindows1252(C);
    // Controls, and the five bytes windows-1252 leaves undefined, have no
    // glyph.
    bool NoGlyph = B < 0 || (B < 0x20 && B != '\t') || B == 0x7F || B == 0x81 ||
                   B == 0x8D || B == 0x8F || B == 0x90 || B == 0x9D;
    if (NoGlyph) {
      ++Replaced;
      B = '?';
    }
    if (B == '\t') B = ' ';
    if (B == '(' || B == ')' || B == '\\')
      Out += fmt::format("\\{}", static_cast<char>(B));
    else if (B >= 0x20 && B < 0x7F)
      Out += static_cast<char>(B);
    else
      Out += fmt::format("\\{:03o}", B);
  }
  return Out + ")";
}

/// \p Text as a PDF text string for the document information: UTF-16BE
/// with its byte order mark, in hex (PDFDocEncoding is not WinAnsi).
std::string pdfTextString(llvm::StringRef Text) {
  std::string Out = "<FEFF";
  for (char32_t C : ir::decodeUtf8(Text)) {
    if (C > 0xFFFF) {
      C -= 0x10000;
      Out += fmt::format("{:04X}{:04X}", 0xD800 + (C >> 10), 0xDC00 + (C & 0x3FF));
    } else {
      Out += fmt::format("{:04X}", static_cast<uint32_t>(C));
    }
  }
  return Out + ">";
}

/// A content stream's operators for one page.
struct Page {
  std::string Ops;
};
}  // namespace

size_t pdfLineChars(double Size, double Indent) {
  double Width = PageWidth - 2 * Margin - Indent;
  return static_cast<size_t>(std::max(1.0, std::floor(Width / (CourierEm * Size))));
}

std::vector<std::string> wrapPdfText(llvm::StringRef Text, size_t Width) {
  std::vector<std::string> Lines;
  ir::CodePoints Line;
  Width = std::max<size_t>(Width, 1);
  auto Flush = [&] {
    while (!Line.empty() && Line.back() == U' ') Line.pop_back();
    Lines.push_back(ir::encodeUtf8(Line));
    Line.clear();
  };
  ir::CodePoints All = ir::decodeUtf8(Text);
  size_t I = 0;
  while (I < All.size()) {
    if (ir::isSpace(All[I])) {
      if (!Line.empty() && Line.back() != U' ' && Line.size() < Width) Line += U' ';
      ++I;
      continue;
    }
    size_t End = I;
    while (End < All.size() && !ir::isSpace(All[End])) ++End;
    size_t Len = End - I;
    if (!Line.empty() && Line.size() + Len > Width) Flush();
    while (Len > Width) {  // longer than a line: split it
      Line.assign(All, I, Width);
      Flush();
      I += Width;
      Len -= Width;
    }
    Line.append(All, I, Len);
    I = End;
  }
  if (!Line.empty() || Lines.empty()) Flush();
  return Lines;
}

PdfDocument writePdf(llvm::ArrayRef<PdfLine> Lines, llvm::StringRef Title,
                     llvm::StringRef Author) {
  PdfDocument Doc;
  std::vector<Page> Pages(1);
  double Y = PageHeight - Margin;
  bool Empty = true;
  for (const PdfLine &L : Lines) {
    double Height = L.Size * Leading + L.SpaceBefore;
    if ((L.PageBreak && !Empty) || (Y - Height < Margin && !Empty)) {
      Pages.emplace_back();
      Y = PageHeight - Margin;
      Empty = true;
    }
    // The space above a line is not kept at the top of a page.
    Y -= Empty ? L.Size * Leading : Height;
    Empty = false;
    Page &P = Pages.back();
    if (L.Rule) {
      double RY = Y + L.Size * 0.4;
      P.Ops += fmt::format("0.5 w {:.2f} {:.2f} m {:.2f} {:.2f} l S\n", Margin + L.Indent,
                           RY, PageWidth - Margin, RY);
      continue;
    }
    if (L.Text.empty()) continue;
    P.Ops += fmt::format("BT {} {:.1f} Tf {:.2f} {:.2f} Td {} Tj ET\n", faceName(L.Face),
                         L.Size, Margin + L.Indent, Y, pdfString(L.Text, Doc.Replaced));
  }
  Doc.Pages = static_cast<unsigned>(Pages.size());
  for (size_t I = 0; I < Pages.size(); ++I) {
    std::string Number = fmt::format("{} / {}", I + 1, Pages.size());
    double X = (PageWidth - Number.size() * CourierEm * 8) / 2;
    unsigned Ignored = 0;
    Pages[I].Ops += fmt::format("BT /F1 8.0 Tf {:.2f} {:.2f} Td {} Tj ET\n", X, FooterY,
                                pdfString(Number, Ignored));
  }

  // Objects: 1 catalog, 2 page tree, 3-5 fonts, 6 information, then a page
  // and its content stream for each page.
  std::vector<std::string> Objects;
  std::string Kids;
  for (size_t I = 0; I < Pages.size(); ++I)
    Kids += fmt::format("{}{} 0 R", I ? " " : "", 7 + 2 * I);
  Objects.push_back("<< /Type /Catalog /Pages 2 0 R >>");
  Objects.push_back(
      fmt::format("<< /Type /Pages /Kids [{}] /Count {} /MediaBox [0 0 {:.2f} "
                  "{:.2f}] >>",
                  Kids, Pages.size(), PageWidth, PageHeight));
  for (const char *Font : {"Courier", "Courier-Bold", "Courier-Oblique"})
    Objects.push_back(fmt::format(
        "<< /Type /Font /Subtype /Type1 /BaseFont /{} /Encoding /WinAnsiEncoding >>",
        Font));
  std::string Info = "<< /Producer (orchrt pdf.compile)";
  if (!Title.empty()) Info += " /Title " + pdfTextString(Title);
  if (!Author.empty()) Info += " /Author " + pdfTextString(Author);
  Objects.push_back(Info + " >>");
  for (size_t I = 0; I < Pages.size(); ++I) {
    Objects.push_back(fmt::format(
        "<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R /F2 4 0 R /F3 5 "
        "0 R >> >> /Contents {} 0 R >>",
        8 + 2 * I));
    Objects.push_back(fmt::format("<< /Length {} >>\nstream\n{}endstream",
                                  Pages[I].Ops.size(), Pages[I].Ops));
  }
  std::string &Out = Doc.Bytes;
  Out = "%PDF-1.4\n";
  std::vector<size_t> Offsets;
  for (size_t I = 0; I < Objects.size(); ++I) {
    Offsets.push_back(Out.size());
    Out += fmt::format("{} 0 obj\n{}\nendobj\n", I + 1, Objects[I]);
  }
  size_t Xref = Out.size();
  Out += fmt::format("xref\n0 {}\n0000000000 65535 f \n", Objects.size() + 1);
  for (size_t O : Offsets) Out += fmt::format("{:010} 00000 n \n", O);
  Out += fmt::format(
      "trailer\n<< /Size {} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{}\n%%EOF\n",
      Objects.size() + 1, Xref);
  return Doc;
}

}  // namespace orch::runtime
