//===- TemplateStatements.h - Nesting `{% ... %}` statements ---*- C++ -*-===//
//
// The segmenter reads a scalar into a flat list: text, `{{ }}` placeholders,
// AUTO tags and statement tags. This nests the statements into the
// template expressions of ir/Expr.h (CompoundOp::Block, For, Let, and Cond
// for `if`), so the one evaluator renders them.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <optional>

#include "ir/Diagnostics.h"
#include "ir/Pipeline.h"
#include "ir/Value.h"
#include "llvm/ADT/SmallVector.h"

namespace orch::frontend {

/// One `{% ... %}` tag that the evaluator supports.
struct StatementTag {
  enum class Kind : uint8_t { If, Elif, Else, EndIf, For, EndFor, Set };
  Kind K;
  SourceLoc Loc;  ///< The tag's `{%`.
  uint32_t Len = 1;
  /// If, Elif: the condition. For: the iterable. Set: the value.
  ir::Expr *E = nullptr;
  /// For: the loop filter (`for x in xs if cond`), or null.
  ir::Expr *Filter = nullptr;
  /// For: the loop variables. Set: the name.
  llvm::SmallVector<llvm::StringRef, 2> Names;
};

/// The segment that stands for the \p N-th statement tag in a flat list
/// (an AUTO segment without a tag).
inline ir::Segment statementMarker() {
  return {ir::Segment::Kind::Auto, {}, nullptr, nullptr};
}

/// True if \p S is a statement marker.
inline bool isStatementMarker(const ir::Segment &S) {
  return S.K == ir::Segment::Kind::Auto && !S.Tag;
}

/// How deep `if`, `for` and `elif` may nest (an `elif` nests the rest of
/// its chain). Each level costs the evaluator two of its 256, which leaves
/// room for a 64-level expression.
inline constexpr unsigned MaxStatementDepth = 96;

/// How many `{% set %}` statements one template may have. A set nests the
/// rest of its block in the IR, but the evaluator reads a run of sets in
/// one loop (ir/Eval.cpp), so they cost it no depth; the limit bounds the
/// recursion of the passes that walk the tree.
inline constexpr unsigned MaxSetStatements = 1024;

/// Nests the statements of \p Flat, whose markers stand for \p Tags in
/// order. Text and placeholders outside statements stay segments; each
/// top-level statement becomes one expression segment (a `set` takes the
/// rest of the template). Reports unmatched and unclosed tags, `set`
/// inside `if`, AUTO tags inside statements, nesting deeper than
/// MaxStatementDepth and more than MaxSetStatements sets; returns nothing
/// then.
std::optional<llvm::SmallVector<ir::Segment, 4>> nestStatements(
    llvm::ArrayRef<ir::Segment> Flat, llvm::ArrayRef<StatementTag> Tags, ir::Arena &A,
    DiagnosticEngine &Diags);

}  // namespace orch::frontend
