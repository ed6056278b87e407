//===- FastExprLexer.cpp --------------------------------------------------===//
#include "frontend/FastExprLexer.h"

#include "TemplateExprLexer.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"

namespace orch::frontend {

using L = grammar::TemplateExprLexer;

namespace {

bool identStart(char C) { return llvm::isAlpha(C) || C == '_'; }
bool identChar(char C) { return llvm::isAlnum(C) || C == '_'; }

/// `and`, `True`, ... as TemplateExpr.g4's keyword rules (listed before
/// IDENT, so they win a tie in length); any other word is an IDENT.
int wordType(llvm::StringRef W) {
  return llvm::StringSwitch<int>(W)
      .Case("and", L::KW_AND)
      .Case("or", L::KW_OR)
      .Case("not", L::KW_NOT)
      .Case("in", L::KW_IN)
      .Case("is", L::KW_IS)
      .Case("if", L::KW_IF)
      .Case("else", L::KW_ELSE)
      .Cases("true", "True", L::KW_TRUE)
      .Cases("false", "False", L::KW_FALSE)
      .Cases("null", "none", "None", L::KW_NULL)
      .Default(L::IDENT);
}

/// The length of EXPONENT (`[eE] [+-]? DIGITS`) at \p I, or 0.
size_t exponent(llvm::StringRef T, size_t I) {
  if (I >= T.size() || (T[I] != 'e' && T[I] != 'E')) return 0;
  size_t J = I + 1;
  if (J < T.size() && (T[J] == '+' || T[J] == '-')) ++J;
  if (J >= T.size() || !llvm::isDigit(T[J])) return 0;
  while (J < T.size() && llvm::isDigit(T[J])) ++J;
  return J - I;
}

}  // namespace

bool fastLexExpr(llvm::StringRef T, std::vector<ExprToken> &Out) {
  Out.clear();
  // ANTLR indexes code points; in ASCII text they are the byte offsets.
  if (!llvm::all_of(T, [](char C) { return static_cast<unsigned char>(C) < 0x80; }))
    return false;
  size_t I = 0;
  auto Emit = [&](int Type, size_t Begin, size_t End) {
    Out.push_back({Type, static_cast<uint32_t>(Begin), static_cast<uint32_t>(End - 1)});
  };
  while (I < T.size()) {
    char C = T[I];
    size_t B = I;
    if (C == ' ' || C == '\t' || C == '\r' || C == '\n') {
      ++I;
      continue;
    }
    if (identStart(C)) {
      while (I < T.size() && identChar(T[I])) ++I;
      Emit(wordType(T.slice(B, I)), B, I);
      continue;
    }
    if (llvm::isDigit(C)) {
      while (I < T.size() && llvm::isDigit(T[I])) ++I;
      int Type = L::INT;
      if (I + 1 < T.size() && T[I] == '.' && llvm::isDigit(T[I + 1])) {
        I += 1;
        while (I < T.size() && llvm::isDigit(T[I])) ++I;
        I += exponent(T, I);
        Type = L::FLOAT;
      } else if (size_t E = exponent(T, I)) {
        I += E;
        Type = L::FLOAT;
      }
      Emit(Type, B, I);
      continue;
    }
    if (C == '"' || C == '\'') {
      for (++I; I < T.size() && T[I] != C; ++I) {
        if (T[I] == '\\') ++I;  // `'\\' .`: any character, a line break too
      }
      if (I >= T.size()) return false;  // unterminated
      Emit(L::STRING, B, ++I);
      continue;
    }
    char N = I + 1 < T.size() ? T[I + 1] : '\0';
    int Two = N != '='   ? 0
              : C == '=' ? L::EQ
              : C == '!' ? L::NE
              : C == '<' ? L::LE
              : C == '>' ? L::GE
                         : 0;
    if (Two) {
      Emit(Two, B, I += 2);
      continue;
    }
    int One;
    switch (C) {
      case '<':
        One = L::LT;
        break;
      case '>':
        One = L::GT;
        break;
      case '+':
        One = L::PLUS;
        break;
      case '-':
        One = L::MINUS;
        break;
      case '*':
        One = L::STAR;
        break;
      case '/':
        One = L::SLASH;
        break;
      case '%':
        One = L::PERCENT;
        break;
      case '~':
        One = L::TILDE;
        break;
      case '|':
        One = L::PIPE;
        break;
      case '.':
        One = L::DOT;
        break;
      case ',':
        One = L::COMMA;
        break;
      case '(':
        One = L::LPAREN;
        break;
      case ')':
        One = L::RPAREN;
        break;
      case '[':
        One = L::LBRACK;
        break;
      case ']':
        One = L::RBRACK;
        break;
      case ':':
        One = L::COLON;
        break;
      case '=':
        One = L::ASSIGN;
        break;
      case '{':
        One = L::LBRACE;
        break;
      case '}':
        One = L::RBRACE;
        break;
      default:
        return false;  // BAD_CHAR: the ANTLR path reports it
    }
    Emit(One, B, ++I);
  }
  Out.push_back(
      {-1, static_cast<uint32_t>(T.size()), static_cast<uint32_t>(T.size() - 1)});
  return true;
}

}  // namespace orch::frontend
