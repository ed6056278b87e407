//===- PdfWriter.h - Text laid out on PDF pages -----------------*- C++ -*-===//
//
// A PDF 1.4 file of lines of monospaced text (the standard Courier faces,
// which every PDF reader has, so no font is embedded), on A4 pages with
// page numbers. Text is written in WinAnsiEncoding: a character it cannot
// show is `?`, and counted. The same lines and information give the same
// bytes (no date is written). docs/actions.md §23.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <vector>

#include "llvm/ADT/ArrayRef.h"

namespace orch::runtime {

/// The three faces of Courier.
enum class PdfFace { Regular, Bold, Italic };

/// One line, or a rule across the page.
struct PdfLine {
  PdfFace Face = PdfFace::Regular;
  double Size = 10;        ///< Points.
  double Indent = 0;       ///< Points from the left margin.
  double SpaceBefore = 0;  ///< Points above the line, besides its leading.
  std::string Text;        ///< UTF-8; it must fit (wrapPdfText).
  bool Rule = false;       ///< A horizontal rule instead of text.
  bool PageBreak = false;  ///< Starts a new page (unless the page is empty).
};

/// The page's width for text at \p Indent, in characters of \p Size.
size_t pdfLineChars(double Size, double Indent);

/// \p Text (UTF-8, one paragraph) cut into lines of at most \p Width code
/// points, at spaces where it can; a word longer than a line is split.
std::vector<std::string> wrapPdfText(llvm::StringRef Text, size_t Width);

/// A PDF document.
struct PdfDocument {
  std::string Bytes;  ///< The file: ASCII only.
  unsigned Pages = 0;
  unsigned Replaced = 0;  ///< Characters WinAnsiEncoding cannot show.
};

/// \p Lines on pages, with \p Title and \p Author in the document's
/// information (each may be empty).
PdfDocument writePdf(llvm::ArrayRef<PdfLine> Lines, llvm::StringRef Title,
                     llvm::StringRef Author);

}  // namespace orch::runtime
