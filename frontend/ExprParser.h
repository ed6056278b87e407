//===- ExprParser.h - `{{ expr }}` text to ir::Expr trees ------*- C++ -*-===//
#pragma once

#include "ir/Diagnostics.h"
#include "ir/Expr.h"
#include "ir/Pipeline.h"

namespace orch::frontend {

/// Limits that keep hostile expressions bounded.
struct ExprLimits {
  unsigned MaxLength = 16384;  ///< Bytes of one expression.
  unsigned MaxNesting = 64;    ///< Brackets and prefix operators.
};

/// Parses the text between `{{` and `}}` with the ANTLR grammar
/// (TemplateExpr.g4). \p RawOffsets maps each byte of Text (and its end) to
/// its file offset; if it is empty, locations fall back to \p Fallback.
/// Returns null after reporting a syntax error. Each thread reuses its own
/// lexer, parser and shape cache; \p A and \p Diags must not be shared
/// across threads.
ir::Expr *parseExpression(llvm::StringRef Text, llvm::ArrayRef<uint32_t> RawOffsets,
                          SourceLoc Fallback, ir::Arena &A, DiagnosticEngine &Diags,
                          const ExprLimits &Limits = {});

/// The same with \p Text verbatim at \p Base (invalid: unknown).
ir::Expr *parseExpression(llvm::StringRef Text, SourceLoc Base, SourceLoc Fallback,
                          ir::Arena &A, DiagnosticEngine &Diags,
                          const ExprLimits &Limits = {});

}  // namespace orch::frontend
