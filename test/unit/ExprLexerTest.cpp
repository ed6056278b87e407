//===- ExprLexerTest.cpp - The fast expression lexer agrees with ANTLR's --===//
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "frontend/FastExprLexer.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace orch::frontend;

namespace {

/// Checks one text: where the fast lexer takes it, its tokens are ANTLR's.
/// Returns whether the fast lexer took it.
bool agrees(const std::string &Text) {
  std::vector<ExprToken> Fast;
  if (!fastLexExpr(Text, Fast)) return false;
  std::vector<ExprToken> Slow = antlrLexExpr(Text);
  EXPECT_EQ(Fast.size(), Slow.size()) << "text: " << Text;
  for (size_t I = 0; I < std::min(Fast.size(), Slow.size()); ++I)
    EXPECT_TRUE(Fast[I] == Slow[I])
        << "text: " << Text << "\ntoken " << I << ": fast (" << Fast[I].Type << ", "
        << Fast[I].Start << ", " << Fast[I].Stop << "), antlr (" << Slow[I].Type << ", "
        << Slow[I].Start << ", " << Slow[I].Stop << ")";
  return true;
}

TEST(ExprLexer, HandPickedCases) {
  const char *Cases[] = {
      "",
      "   ",
      "steps.a.output",
      "steps.s0.output | upper",
      "steps.a.output ~ steps.b.output",
      "x.0.1",
      "a.0",
      "1.5e3 + 2E-4 - 3e + 4.e5 - 1.",
      "1e+ 1e- 1.5e+x 007",
      "'it''s' \"a\\\"b\" 'x\\'y' \"\\\\\"",
      "\"line\\\nbreak\"",
      "'two\nlines' \"and\r\nthree\rlines\"",
      "a==b != c <= d >= e < f > g",
      "not x and y or z in w not in v",
      "True False true false null none None android order notable inn",
      "xs[0][1]",
      "f(1, 2,) | default('x') | join(', ')",
      "-x + +y * z / w % v",
      "[1, [2, [3]]]",
      "a\tb\r\nc",
      "_x __y x_1",
      "a if b else c is not defined isx ifx elsewhere",
      "x[1:] x[:50] x[::-1] {'k': v, 1: 2} (1, 2,) f(indent=2, a==b)",
  };
  for (const char *C : Cases) EXPECT_TRUE(agrees(C)) << C;
}

TEST(ExprLexer, GivesUpWhereAntlrReportsOrCountsCodePoints) {
  std::vector<ExprToken> T;
  for (const char *C :
       {"!x", "a & b", "'open", "\"open\nx", "'é'", "é", "a $ b", "\"\\", "a; b", "@"})
    EXPECT_FALSE(fastLexExpr(C, T)) << C;
}

TEST(ExprLexer, EveryPlaceholderInTheRepository) {
  // Every `{{ ... }}` body in examples/ and test/.
  unsigned Taken = 0, Seen = 0;
  for (const char *Dir : {"examples", "test"}) {
    std::error_code EC;
    std::string Root = std::string(ORCH_SOURCE_DIR) + "/" + Dir;
    for (llvm::sys::fs::recursive_directory_iterator It(Root, EC), End; It != End && !EC;
         It.increment(EC)) {
      llvm::StringRef Ext = llvm::sys::path::extension(It->path());
      if (Ext != ".yaml" && Ext != ".test") continue;
      std::ifstream In(It->path());
      std::stringstream SS;
      SS << In.rdbuf();
      std::string S = SS.str();
      for (size_t P = S.find("{{"); P != std::string::npos; P = S.find("{{", P + 2)) {
        size_t E = S.find("}}", P + 2);
        if (E == std::string::npos || E - P > 400) continue;
        ++Seen;
        Taken += agrees(S.substr(P + 2, E - P - 2));
      }
    }
  }
  EXPECT_GT(Seen, 500u);
  EXPECT_GT(Taken, 300u);
}

TEST(ExprLexer, RandomTokenSoup) {
  // Random strings over the characters where lexers disagree if anything:
  // numbers with dots and exponents, quotes and escapes, two-character
  // operators, keywords as prefixes of words.
  const std::vector<std::string> Pieces = {
      "a",  "e",   "E",  "1",    "0",    "9",  ".",  "+",  "-", "'",
      "\"", "\\",  " ",  "\n",   "=",    "!",  "<",  ">",  "|", "~",
      "(",  ")",   "[",  "]",    ",",    "*",  "/",  "%",  "_", "and",
      "or", "not", "in", "True", "none", "x1", "\t", "\r", "é", "&"};
  std::mt19937 Rng(20261130);
  unsigned Taken = 0;
  for (int N = 0; N < 20000; ++N) {
    std::string S;
    for (int K = std::uniform_int_distribution<int>(0, 12)(Rng); K > 0; --K)
      S += Pieces[std::uniform_int_distribution<size_t>(0, Pieces.size() - 1)(Rng)];
    Taken += agrees(S);
  }
  EXPECT_GT(Taken, 2000u);  // the comparison is not vacuous
}

}  // namespace
