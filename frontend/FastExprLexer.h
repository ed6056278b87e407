//===- FastExprLexer.h - A hand-written lexer for `{{ }}` text --*- C++ -*-===//
//
// The ANTLR lexer of TemplateExpr.g4 was half of `orchc check`'s time on a
// large pipeline. Its parser only runs once for each distinct sequence of
// token types (ExprParser.cpp caches the parse by that sequence), so what
// each expression needs is its tokens. This lexer produces exactly the
// tokens the ANTLR lexer produces, for the plain ASCII subset, and gives up
// on anything else; ExprParser then uses the ANTLR lexer, which also
// reports the errors. `ExprLexerTest` and the front-end fuzzer compare the
// two lexers.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <vector>

#include "llvm/ADT/StringRef.h"

namespace orch::frontend {

/// One token: its TemplateExprLexer type (EOF is -1) and its first and last
/// character indexes, as ANTLR's getStartIndex()/getStopIndex() give them.
struct ExprToken {
  int Type;
  uint32_t Start, Stop;
  bool operator==(const ExprToken &O) const {
    return Type == O.Type && Start == O.Start && Stop == O.Stop;
  }
};

/// Lexes \p Text into \p Out as the ANTLR lexer does (whitespace skipped,
/// an EOF token last). Returns false, with \p Out unspecified, on anything
/// outside the subset it handles: non-ASCII bytes, an unterminated string,
/// a character that starts no token.
bool fastLexExpr(llvm::StringRef Text, std::vector<ExprToken> &Out);

/// The ANTLR lexer's tokens for \p Text (tests compare the two lexers).
std::vector<ExprToken> antlrLexExpr(llvm::StringRef Text);

}  // namespace orch::frontend
