//===- PdfCompile.h - The pdf.compile action -------------------*- C++ -*-===//
//
// `pdf.compile` lays Markdown out on PDF pages (PdfWriter.h) and writes the
// file in the run directory: ContextLab's `pdf-compiler` `compile`, without
// pandoc or LaTeX. The Markdown read is a subset: headings, paragraphs,
// lists, block quotes, code blocks, tables kept as written, rules, and
// inline marks taken out. docs/actions.md §23.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <vector>

#include "runtime/actions/Action.h"
#include "runtime/actions/PdfWriter.h"

namespace orch::runtime {

/// \p Markdown as lines for writePdf, after a title block of \p Title and
/// \p Author (when given).
std::vector<PdfLine> layoutMarkdown(llvm::StringRef Markdown, llvm::StringRef Title,
                                    llvm::StringRef Author);

/// Runs a `pdf.compile` step with rendered parameters \p Params in
/// \p RunDir.
ActionResult runPdfCompile(const std::string &RunDir, const orch::ir::Json &Params);

}  // namespace orch::runtime
