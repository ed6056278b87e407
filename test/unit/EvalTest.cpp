//===- EvalTest.cpp - Template semantics ----------------------------------===//
#include <gtest/gtest.h>

#include "frontend/ExprParser.h"
#include "ir/Eval.h"
#include "ir/PyText.h"

using json = orch::ir::Json;
using namespace orch;

namespace {

class MapScope : public ir::EvalScope {
 public:
  json Inputs = json::object(), Steps = json::object();
  const json *input(llvm::StringRef N) const override {
    auto It = Inputs.find(N.str());
    return It == Inputs.end() ? nullptr : &*It;
  }
  const json *step(llvm::StringRef N) const override {
    auto It = Steps.find(N.str());
    return It == Steps.end() ? nullptr : &*It;
  }
};

struct Fixture {
  ir::Arena A;
  SourceFile F{"t", ""};
  DiagnosticEngine D{&F};
  MapScope S;
  Fixture() {
    S.Inputs = {
        {"topic", "quantum computing"}, {"n", 3}, {"xs", {1, 2, 3}}, {"empty", ""}};
    S.Steps = {{"search", {{"output", "found 2"}, {"results", {"a", "b"}}}},
               {"my-step", {{"output", "dash"}}}};
  }
  /// The value, or "error: ..." with the message.
  std::string eval(const std::string &Text) {
    ir::Expr *E = frontend::parseExpression(Text, SourceLoc(), SourceLoc(), A, D);
    if (!E) return "parse error";
    llvm::Expected<json> V = ir::evaluate(E, S);
    if (!V) return "error: " + llvm::toString(V.takeError());
    return V->dump();
  }
};

TEST(Eval, NamesAndAccess) {
  Fixture X;
  EXPECT_EQ(X.eval("topic"), "\"quantum computing\"");
  EXPECT_EQ(X.eval("inputs.n"), "3");
  EXPECT_EQ(X.eval("steps.search.output"), "\"found 2\"");
  EXPECT_EQ(X.eval("search.results[1]"), "\"b\"");
  EXPECT_EQ(X.eval("steps['my-step'].output"), "\"dash\"");
  EXPECT_EQ(X.eval("xs[-1]"), "3");
  EXPECT_EQ(X.eval("xs.0"), "1");
  EXPECT_EQ(X.eval("steps.search.missing"),
            "error: in `steps.search.missing`: `steps.search.missing` is undefined");
  EXPECT_EQ(X.eval("nope"), "error: in `nope`: `nope` is undefined");
}

/// Jinja2 uses its plain Undefined for an inline `if`'s implicit `else`,
/// even under StrictUndefined: it prints and concatenates as '' and is false.
TEST(Eval, InlineIfWithoutElseIsEmpty) {
  Fixture X;
  EXPECT_EQ(X.eval("'x' if n > 5"), "\"\"");
  EXPECT_EQ(X.eval("('x' if n > 5) ~ 'y'"), "\"y\"");
  EXPECT_EQ(X.eval("'y' ~ ('x' if n > 5)"), "\"y\"");
  EXPECT_EQ(X.eval("not ('x' if n > 5)"), "true");
  EXPECT_EQ(X.eval("('x' if n > 5) or 'o'"), "\"o\"");
  EXPECT_EQ(X.eval("'a' if ('x' if n > 5) else 'b'"), "\"b\"");
  EXPECT_EQ(X.eval("('x' if n > 5) | default('d')"), "\"d\"");
  EXPECT_EQ(X.eval("('x' if n > 5) is defined"), "false");
  // Anything else is still an error, never a silent change of meaning.
  EXPECT_NE(X.eval("('x' if n > 5).y").find("is undefined"), std::string::npos);
  EXPECT_NE(X.eval("('x' if n > 5) + 'y'").find("is undefined"), std::string::npos);
  EXPECT_NE(X.eval("nope ~ 'y'").find("`nope` is undefined"), std::string::npos);
}

/// Counts whole-result lookups: a template naming a field must not need one.
class FieldScope : public MapScope {
 public:
  mutable int WholeLookups = 0, FieldLookups = 0;
  const json *step(llvm::StringRef N) const override {
    ++WholeLookups;
    return MapScope::step(N);
  }
  const json *stepField(llvm::StringRef Id, llvm::StringRef F) const override {
    ++FieldLookups;
    const json *X = MapScope::step(Id);
    return X && X->contains(F.str()) ? &(*X)[F.str()] : nullptr;
  }
};

TEST(Eval, ANamedFieldOfAStepIsLookedUpAlone) {
  ir::Arena A;
  SourceFile F{"t", ""};
  DiagnosticEngine D{&F};
  FieldScope S;
  S.Inputs = {{"topic", "t"}};
  S.Steps = {{"big", {{"output", "huge"}, {"exit_code", 0}}}};
  for (const char *Text : {"steps.big.exit_code", "steps['big'].exit_code",
                           "big.exit_code", "steps.big['exit_code']"}) {
    S.WholeLookups = S.FieldLookups = 0;
    ir::Expr *E = frontend::parseExpression(Text, SourceLoc(), SourceLoc(), A, D);
    ASSERT_TRUE(E) << Text;
    llvm::Expected<json> V = ir::evaluate(E, S);
    ASSERT_TRUE(bool(V)) << Text;
    EXPECT_EQ(*V, 0) << Text;
    EXPECT_EQ(S.FieldLookups, 1) << Text;
    EXPECT_EQ(S.WholeLookups, 0) << Text;  // the spilled `output` stays where it is
  }
  // The whole result, and an input that shadows a step, take the old path.
  S.Inputs["big"] = json{{"exit_code", 7}};
  ir::Expr *E =
      frontend::parseExpression("big.exit_code", SourceLoc(), SourceLoc(), A, D);
  llvm::Expected<json> V = ir::evaluate(E, S);
  ASSERT_TRUE(bool(V));
  EXPECT_EQ(*V, 7);
}

TEST(Eval, Operators) {
  Fixture X;
  EXPECT_EQ(X.eval("n + 2 * 3"), "9");
  EXPECT_EQ(X.eval("n / 2"), "1.5");
  EXPECT_EQ(X.eval("-7 % 3"), "2");
  EXPECT_EQ(X.eval("7 % -3"), "-2");
  EXPECT_EQ(X.eval("-7.5 % 2"), "0.5");
  EXPECT_EQ(X.eval("'a' ~ n ~ true ~ none ~ 1.0 ~ [1, 'b']"),
            "\"a3TrueNone1.0[1, 'b']\"");
  EXPECT_EQ(X.eval("'a' + 'b'"), "\"ab\"");
  EXPECT_EQ(X.eval("xs + [4]"), "[1,2,3,4]");
  EXPECT_EQ(X.eval("n == 3.0 and 'quantum' in topic"), "true");
  EXPECT_EQ(X.eval("2 not in xs"), "false");
  EXPECT_EQ(X.eval("empty or 'fallback'"), "\"fallback\"");
  EXPECT_EQ(X.eval("not empty"), "true");
  // Python: bools are integers, ints and floats compare exactly.
  EXPECT_EQ(X.eval("true + 1"), "2");
  EXPECT_EQ(X.eval("1 in [true]"), "true");
  EXPECT_EQ(X.eval("9007199254740993 == 9007199254740992.0"), "false");
  EXPECT_EQ(X.eval("[1, 2] < [1, 3]"), "true");
  EXPECT_EQ(X.eval("3 > 2 > 1"), "true");  // chained, not (3 > 2) > 1
  EXPECT_EQ(X.eval("'ab' * 2 ~ 1 + 1"),
            "error: in `\"ab\" * 2 ~ 1 + 1`: unsupported operand type(s) for +: 'str' "
            "and 'int'");
  EXPECT_EQ(X.eval("n < 'a'"),
            "error: in `n < \"a\"`: '<' not supported between instances of 'int' and "
            "'str'");
  EXPECT_EQ(X.eval("n / 0"), "error: in `n / 0`: division by zero");
  EXPECT_EQ(X.eval("'%s' % n"),
            "error: in `\"%s\" % n`: string formatting with `%` is not supported");
}

TEST(Eval, IntegerOverflowIsAnError) {
  Fixture X;
  const char *Overflow = "integer overflow: the result does not fit in 64 bits";
  for (const char *E : {"9223372036854775807 + 1", "-9223372036854775807 - 2",
                        "9223372036854775807 * 2", "-(-9223372036854775807 - 1)"})
    EXPECT_NE(X.eval(E).find(Overflow), std::string::npos) << E;
  // INT64_MIN % -1 and / -1 once raised SIGFPE.
  EXPECT_EQ(X.eval("(-9223372036854775807 - 1) % -1"), "0");
  EXPECT_EQ(X.eval("(-9223372036854775807 - 1) / -1"), "9.223372036854776e+18");
  EXPECT_EQ(X.eval("9223372036854775807 / 3"), "3.0744573456182584e+18");
  EXPECT_EQ(X.eval("(-9223372036854775807 - 1) | abs"),
            "error: in `(-9223372036854775807 - 1) | abs`: the integer is too large "
            "(Jinja would use an arbitrary-precision integer; here integers are 64-bit)");
}

TEST(Eval, ValuesAreBounded) {
  Fixture X;
  const char *Limit = "the result would be larger than the limit of 64 MiB";
  for (const char *E :
       {"('a' * 1000000) * 1000000", "[1, 2] * 100000000", "'ab' * 9223372036854775807",
        "[1] | tojson(100000000)", "('a' * 10000000) | replace('a', 'aaaaaaaaaa')",
        "('ab' * 30000000) ~ ('ab' * 30000000)",
        "'x' in (('a' * 40000000), ('a' * 40000000))",
        "[('a' * 40000000), ('a' * 40000000)]",
        "{'a': 'a' * 40000000, 'b': 'a' * 40000000}"})
    EXPECT_NE(X.eval(E).find(Limit), std::string::npos) << E;
  // A large indent is fine while the text stays under the limit.
  EXPECT_EQ(X.eval("[1] | tojson(3) | length"), "8");
  EXPECT_EQ(X.eval("'' * 9223372036854775807"), "\"\"");
  EXPECT_EQ(X.eval("[] * 9223372036854775807"), "[]");
}

TEST(Eval, StringsAreText) {
  Fixture X;
  EXPECT_EQ(X.eval("'éa' | length"), "2");
  EXPECT_EQ(X.eval("'éa' | first"), "\"é\"");
  EXPECT_EQ(X.eval("'aé' | last"), "\"é\"");
  EXPECT_EQ(X.eval("'aéb'[1]"), "\"é\"");
  EXPECT_EQ(X.eval("'aéb'[-1]"), "\"b\"");
  EXPECT_EQ(X.eval("'éa' | upper"), "\"ÉA\"");
  EXPECT_EQ(X.eval("'ÉA' | lower"), "\"éa\"");
  EXPECT_EQ(X.eval("'straße' | upper"), "\"STRASSE\"");
  EXPECT_EQ(X.eval("'ΟΔΥΣΣΕΥΣ' | lower"), "\"οδυσσευς\"");  // final sigma
  EXPECT_EQ(X.eval("'привет мир' | title"), "\"Привет Мир\"");
  EXPECT_EQ(X.eval("'ǆemal' | capitalize"), "\"ǅemal\"");
  EXPECT_EQ(X.eval("'o\\'neil mc-donald' | title"), "\"O'neil Mc-Donald\"");
  EXPECT_EQ(X.eval("'héllo wörld' | truncate(9, true, '…', 0)"), "\"héllo wö…\"");
  EXPECT_EQ(X.eval("'naïve café, déjà vu' | wordcount"), "4");
  EXPECT_EQ(X.eval("'é😀' | tojson"), "\"\\\"\\\\u00e9\\\\ud83d\\\\ude00\\\"\"");
}

TEST(Eval, NumbersFromStrings) {
  Fixture X;
  EXPECT_EQ(X.eval("'nan' | int"), "0");
  EXPECT_EQ(X.eval("'4.7' | int"), "4");
  EXPECT_EQ(X.eval("' 1_000 ' | int"), "1000");
  EXPECT_EQ(X.eval("'١٢' | int"), "12");
  EXPECT_EQ(X.eval("'abc' | float"), "0.0");
  EXPECT_EQ(X.eval("('-Infinity' | float) ~ ''"), "\"-inf\"");
  EXPECT_EQ(X.eval("'inf' | int"),
            "error: in `\"inf\" | int`: cannot convert float infinity to integer");
  EXPECT_NE(X.eval("'1e300' | int").find("the integer is too large"), std::string::npos);
  EXPECT_NE(X.eval("'9223372036854775808' | int").find("too large"), std::string::npos);
  EXPECT_EQ(X.eval("'-9223372036854775808' | int"), "-9223372036854775808");
}

TEST(Eval, Filters) {
  Fixture X;
  EXPECT_EQ(X.eval("topic | upper"), "\"QUANTUM COMPUTING\"");
  EXPECT_EQ(X.eval("topic | title"), "\"Quantum Computing\"");
  EXPECT_EQ(X.eval("topic | replace('quantum', 'classical')"), "\"classical computing\"");
  EXPECT_EQ(X.eval("topic | replace('', '-', 2)"), "\"-q-uantum computing\"");
  EXPECT_EQ(X.eval("topic | truncate(14)"), "\"quantum computing\"");  // leeway 5
  EXPECT_EQ(X.eval("topic | truncate(10)"), "\"quantum...\"");
  EXPECT_EQ(X.eval("topic | truncate(10, false, '...', 0)"), "\"quantum...\"");
  EXPECT_EQ(X.eval("xs | join(', ')"), "\"1, 2, 3\"");
  EXPECT_EQ(X.eval("xs | length"), "3");
  EXPECT_EQ(X.eval("xs | first"), "1");
  EXPECT_EQ(X.eval("steps.search.missing | default('none')"), "\"none\"");
  EXPECT_EQ(X.eval("steps.nostep.output | default('none')"), "\"none\"");
  EXPECT_EQ(X.eval("search.missing.deeper | default('none')"),
            "error: in `search.missing.deeper`: `search.missing` is undefined");
  EXPECT_EQ(X.eval("empty | default('x')"), "\"\"");
  EXPECT_EQ(X.eval("empty | default('x', true)"), "\"x\"");
  EXPECT_EQ(X.eval("'42' | int + 1"), "43");
  EXPECT_EQ(X.eval("'abc' | int(0)"), "0");
  EXPECT_EQ(X.eval("(-2.5) | abs"), "2.5");
  EXPECT_EQ(X.eval("-2.5 | abs"), "2.5");  // Jinja: the filter takes -2.5
  EXPECT_EQ(X.eval("-3 | abs"), "3");
  EXPECT_EQ(X.eval("3.14159 | round(2)"), "3.14");
  EXPECT_EQ(X.eval("2.5 | round"), "2.0");        // half to even
  EXPECT_EQ(X.eval("2.675 | round(2)"), "2.67");  // the double is below 2.675
  EXPECT_EQ(X.eval("25 | round(-1)"), "20");
  EXPECT_EQ(X.eval("steps.search | tojson"),
            "\"{\\\"output\\\": \\\"found 2\\\", \\\"results\\\": [\\\"a\\\", "
            "\\\"b\\\"]}\"");
  EXPECT_EQ(X.eval("(xs | tojson) + '<'"), "\"[1, 2, 3]&lt;\"");  // Markup
  EXPECT_EQ(X.eval("n | upper"), "\"3\"");
  EXPECT_EQ(X.eval("n | length"),
            "error: in `n | length`: object of type 'int' has no len()");
  EXPECT_EQ(X.eval("xs.count"),
            "error: in `xs.count`: `count` of a Python list is a method or attribute in "
            "Jinja, not supported here");
}

TEST(Eval, ArgumentsAreChecked) {
  Fixture X;
  EXPECT_EQ(X.eval("topic | truncate(2)"),
            "error: in `topic | truncate(2)`: expected length >= 3, got 2");
  EXPECT_EQ(X.eval("topic | truncate(5, false, '...', -1)"),
            "error: in `topic | truncate(5, false, \"...\", -1)`: expected leeway >= 0, "
            "got -1");
  EXPECT_EQ(X.eval("topic | replace('a', 'b', 1.5)"),
            "error: in `topic | replace(\"a\", \"b\", 1.5)`: the count of `replace` must "
            "be an integer, not float");
  EXPECT_EQ(X.eval("1.5 | round(1.5)"),
            "error: in `1.5 | round(1.5)`: the precision of `round` must be an integer, "
            "not float");
  EXPECT_EQ(
      X.eval("xs | tojson(1.5)"),
      "error: in `xs | tojson(1.5)`: the indent of `tojson` must be an integer or a "
      "string, not float");
  EXPECT_EQ(X.eval("topic | trim(1)"),
            "error: in `topic | trim(1)`: strip arg must be None or str, not int");
  EXPECT_EQ(X.eval("1e300 | round(-308)"), "0.0");
  EXPECT_EQ(X.eval("1.7976931348623157e308 | round(-300)"), "1.79769313e+308");
  EXPECT_EQ(X.eval("1.7976931348623157e308 | round(-308)"),
            "error: in `1.7976931348623157e+308 | round(-308)`: rounded value too large "
            "to represent");
}

TEST(Eval, BuiltValuesAndRegexWorkAreBounded) {
  Fixture X;
  // `batch` padding past MaxValueBytes is an error, not an allocation.
  EXPECT_NE(
      X.eval("[1] | batch(100000000000, 'x') | length").find("larger than the limit"),
      std::string::npos);
  EXPECT_EQ(X.eval("[1, 2, 3] | batch(2, 0)"), "[[1,2],[3,0]]");
  // findall that rescans the rest of the text after each match is stopped.
  EXPECT_NE(X.eval("('a' * 20000) | regex_findall('a(?:.*X)?') | length")
                .find("`regex_findall` gave up"),
            std::string::npos);
  EXPECT_EQ(X.eval("('a' * 20000) | regex_findall('a') | length"), "20000");
}

TEST(Eval, DeepExpressionsAreBounded) {
  Fixture X;
  std::string Chain = "1";
  for (int I = 0; I < 2000; ++I) Chain += " + 1";
  EXPECT_NE(X.eval(Chain).find("the expression nests deeper than 256 levels"),
            std::string::npos);
}

TEST(Eval, FindHugeIntFindsTheFirstIntegerBeyondInt64AtAnyDepth) {
  // What a model, a lock file or a cache may hold: JSON integers past int64,
  // which jsonToValue would wrap (18446744073709551615 read as -1).
  EXPECT_EQ(
      ir::findHugeInt(json::parse("[1, 9223372036854775807, -9223372036854775808]")),
      nullptr);
  const json Top = json::parse("9223372036854775808");
  ASSERT_NE(ir::findHugeInt(Top), nullptr);
  EXPECT_EQ(ir::findHugeInt(Top)->get<uint64_t>(), 9223372036854775808ull);
  const json Deep =
      json::parse(R"([1, {"a": [2, 18446744073709551615]}, 9223372036854775809])");
  ASSERT_NE(ir::findHugeInt(Deep), nullptr);
  EXPECT_EQ(ir::findHugeInt(Deep)->get<uint64_t>(), 18446744073709551615ull);
  // Beyond uint64 JSON reads a float, which is not an integer here.
  EXPECT_EQ(ir::findHugeInt(json::parse("[18446744073709551616]")), nullptr);
}

}  // namespace
