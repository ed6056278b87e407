//===- ExprParser.h - `{{ expr }}` text to ir::Expr trees ------*- C++ -*-===//
#pragma once

#include <optional>
#include <utility>

#include "ir/Diagnostics.h"
#include "ir/Expr.h"
#include "ir/Pipeline.h"
#include "llvm/ADT/SmallVector.h"

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

/// What the head of a `{% for %}` or `{% set %}` statement binds.
struct StatementHead {
  /// The bound names, in order, each with its location.
  llvm::SmallVector<std::pair<llvm::StringRef, SourceLoc>, 2> Names;
  /// Where the statement's expression starts in the text (bytes).
  size_t ExprStart = 0;
};

/// Parses the head of \p Text, a `for` statement's text after `for` (the
/// grammar's forHead: `x in`, `k, v in`) or, without \p IsFor, a `set`
/// statement's after `set` (setHead: `x =`). Names are saved in \p A.
/// Reports a syntax error and returns nothing if the head is malformed.
std::optional<StatementHead> parseStatementHead(bool IsFor, llvm::StringRef Text,
                                                llvm::ArrayRef<uint32_t> RawOffsets,
                                                SourceLoc Fallback, ir::Arena &A,
                                                DiagnosticEngine &Diags);

/// The same with \p Text verbatim at \p Base (invalid: unknown).
ir::Expr *parseExpression(llvm::StringRef Text, SourceLoc Base, SourceLoc Fallback,
                          ir::Arena &A, DiagnosticEngine &Diags,
                          const ExprLimits &Limits = {});

}  // namespace orch::frontend
