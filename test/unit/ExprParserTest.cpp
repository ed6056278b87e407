//===- ExprParserTest.cpp -------------------------------------------------===//
#include <gtest/gtest.h>

#include "frontend/ExprParser.h"
#include "llvm/Support/raw_ostream.h"

using namespace orch;

namespace {

struct Parsed {
  std::string Printed, Tree, Error;
  uint32_t ErrorCol = 0;
};

Parsed parse(const std::string &Text) {
  // The expression sits at column 5 of a one-line file: `x: "{{ ... }}"`.
  std::string Line = "x: \"" + Text + "\"";
  SourceFile F("t.yaml", Line);
  DiagnosticEngine D(&F);
  ir::Arena A;
  ir::Expr *E = frontend::parseExpression(Text, SourceLoc(4), SourceLoc(0), A, D);
  Parsed P;
  if (E) {
    llvm::raw_string_ostream OS(P.Printed), TS(P.Tree);
    ir::printExpr(OS, E);
    ir::dumpExprTree(TS, E);
  }
  if (!D.pending().empty()) {
    P.Error = llvm::StringRef(D.pending()[0].Message)
                  .drop_front(sizeof("invalid template expression: ") - 1)
                  .str();
    P.ErrorCol = F.lineCol(D.pending()[0].Loc).Col;
  }
  return P;
}

TEST(ExprParser, Precedence) {
  EXPECT_EQ(parse("a or b and not c").Tree,
            "(or (name a) (and (name b) (not (name c))))");
  EXPECT_EQ(parse("1 + 2 * 3").Tree, "(+ (lit 1) (* (lit 2) (lit 3)))");
  // Jinja2: `~` binds tighter than `+`; filters apply to the signed operand.
  EXPECT_EQ(parse("a ~ b + c").Tree, "(+ (~ (name a) (name b)) (name c))");
  EXPECT_EQ(parse("a + b ~ c * d").Tree,
            "(+ (name a) (~ (name b) (* (name c) (name d))))");
  EXPECT_EQ(parse("-x | abs").Tree, "(filter abs (neg (name x)))");
  EXPECT_EQ(parse("- - x.y | abs").Tree, "(filter abs (neg (neg (attr (name x) y))))");
  // Python's chained comparisons.
  EXPECT_EQ(parse("a < b <= c").Tree,
            "(and (< (name a) (name b)) (<= (name b) (name c)))");
  EXPECT_EQ(parse("(a < b) < c").Tree, "(< (< (name a) (name b)) (name c))");
  EXPECT_EQ(parse("a == b or c in d").Tree,
            "(or (== (name a) (name b)) (in (name c) (name d)))");
  EXPECT_EQ(parse("x not in [1, 'two']").Tree,
            "(not in (name x) (list (lit 1) (lit \"two\")))");
}

TEST(ExprParser, AccessAndFilters) {
  EXPECT_EQ(parse("steps.search.results[0].title").Tree,
            "(attr (index (attr (attr (name steps) search) results) (lit 0)) title)");
  EXPECT_EQ(parse("steps['my-step'].output").Tree,
            "(attr (index (name steps) (lit \"my-step\")) output)");
  EXPECT_EQ(parse("xs.0").Tree, "(attr (name xs) 0)");
  EXPECT_EQ(parse("x | default('n/a') | upper").Tree,
            "(filter upper (filter default (name x) (lit \"n/a\")))");
  EXPECT_EQ(parse("items | join(\", \")").Printed, "items | join(\", \")");
}

TEST(ExprParser, LiteralsAndEscapes) {
  EXPECT_EQ(parse("True").Tree, "(lit true)");
  EXPECT_EQ(parse("None").Tree, "(lit null)");
  EXPECT_EQ(parse("2.5e3").Tree, "(lit 2500.0)");
  EXPECT_EQ(parse("'it\\'s'").Tree, "(lit \"it's\")");
  // Python's escapes, as Jinja2 decodes them; unknown ones stay.
  EXPECT_EQ(parse("'\\x41\\u00e9\\101\\d'").Tree, "(lit \"A\u00e9A\\\\d\")");
  EXPECT_EQ(parse("'\\x4'").Error, "truncated `\\x` escape: it needs 2 hex digits");
  EXPECT_EQ(parse("'\\ud800'").Error, "`\\ud800` is a surrogate, not a character");
  EXPECT_EQ(parse("'\\N{DASH}'").Error,
            "named Unicode escapes (`\\N{...}`) are not supported");
  // Jinja2's integer literals: no leading zeros; here no bigints.
  EXPECT_EQ(parse("007").Error, "integer literal `007` has a leading zero");
  EXPECT_EQ(parse("00").Tree, "(lit 0)");
  EXPECT_EQ(parse("9223372036854775808").Error,
            "integer literal `9223372036854775808` is larger than 9223372036854775807");
  EXPECT_EQ(parse("1e309").Error, "float literal `1e309` is too large");
}

TEST(ExprParser, PrintingRoundTrips) {
  for (const char *Src :
       {"(a or b) and c", "a - (b - c)", "not (a and b)", "(a ~ b) | upper", "-(x + 1)",
        "[1, 2][0]", "(a < b) < c", "-(x | abs)", "(-x) | abs", "(a + b) ~ c",
        "a ~ (b + c)", "a < b < c"}) {
    std::string Once = parse(Src).Printed;
    EXPECT_EQ(parse(Once).Tree, parse(Src).Tree) << Src;
  }
}

TEST(ExprParser, ErrorsPointAtTheColumn) {
  Parsed P = parse("a +");
  EXPECT_EQ(P.Error, "unexpected end of expression");
  P = parse("a $ b");
  EXPECT_EQ(P.Error, "unexpected character `$`");
  EXPECT_EQ(P.ErrorCol, 7u);  // 4 bytes of `x: "` + 2
  P = parse("'open");
  EXPECT_EQ(P.Error, "unterminated string literal");
  P = parse("f(x");
  EXPECT_EQ(P.Error, "unexpected end of expression");
}

TEST(ExprParser, NestingIsBounded) {
  std::string Deep(100, '(');
  Deep += "x" + std::string(100, ')');
  EXPECT_EQ(parse(Deep).Error, "expression nests deeper than 64 levels");
  std::string Nots;
  for (int I = 0; I < 100; ++I) Nots += "not ";
  EXPECT_EQ(parse(Nots + "x").Error, "expression nests deeper than 64 levels");
  EXPECT_TRUE(parse("a - - b").Error.empty());
}

TEST(ExprParser, NonAsciiColumnsAreBytes) {
  // `é` is two bytes; the error column counts bytes like the rest.
  Parsed P = parse("'é' $");
  EXPECT_EQ(P.Error, "unexpected character `$`");
  EXPECT_EQ(P.ErrorCol, 5u + 5u);
}

}  // namespace
