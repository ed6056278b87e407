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
/// (TemplateExpr.g4). \p Base is the file location of Text[0], or invalid if
/// the text does not appear verbatim in the file; then diagnostics point at
/// \p Fallback. Returns null after reporting a syntax error. Thread-safe:
/// each thread reuses its own lexer and parser.
ir::Expr *parseExpression(llvm::StringRef Text, SourceLoc Base, SourceLoc Fallback,
                          ir::Arena &A, DiagnosticEngine &Diags,
                          const ExprLimits &Limits = {});

}  // namespace orch::frontend
