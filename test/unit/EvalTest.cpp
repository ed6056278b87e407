//===- EvalTest.cpp - Template semantics ----------------------------------===//
#include <gtest/gtest.h>

#include "frontend/ExprParser.h"
#include "ir/Eval.h"

using nlohmann::json;
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
  EXPECT_EQ(X.eval("'a' ~ n ~ true"), "\"a3true\"");
  EXPECT_EQ(X.eval("'a' + 'b'"), "\"ab\"");
  EXPECT_EQ(X.eval("xs + [4]"), "[1,2,3,4]");
  EXPECT_EQ(X.eval("n == 3.0 and 'quantum' in topic"), "true");
  EXPECT_EQ(X.eval("2 not in xs"), "false");
  EXPECT_EQ(X.eval("empty or 'fallback'"), "\"fallback\"");
  EXPECT_EQ(X.eval("not empty"), "true");
  EXPECT_EQ(X.eval("n < 'a'"),
            "error: in `n < \"a\"`: `<` does not apply to an integer and a string");
  EXPECT_EQ(X.eval("n / 0"), "error: in `n / 0`: division by zero");
  EXPECT_EQ(X.eval("9223372036854775807 + 1"), "9.223372036854776e+18");
}

TEST(Eval, Filters) {
  Fixture X;
  EXPECT_EQ(X.eval("topic | upper"), "\"QUANTUM COMPUTING\"");
  EXPECT_EQ(X.eval("topic | title"), "\"Quantum Computing\"");
  EXPECT_EQ(X.eval("topic | replace('quantum', 'classical')"), "\"classical computing\"");
  EXPECT_EQ(X.eval("topic | truncate(10)"), "\"quantum...\"");
  EXPECT_EQ(X.eval("xs | join(', ')"), "\"1, 2, 3\"");
  EXPECT_EQ(X.eval("xs | length"), "3");
  EXPECT_EQ(X.eval("xs | first"), "1");
  EXPECT_EQ(X.eval("steps.search.missing | default('none')"), "\"none\"");
  EXPECT_EQ(X.eval("empty | default('x')"), "\"\"");
  EXPECT_EQ(X.eval("empty | default('x', true)"), "\"x\"");
  EXPECT_EQ(X.eval("'42' | int + 1"), "43");
  EXPECT_EQ(X.eval("'abc' | int(0)"), "0");
  EXPECT_EQ(X.eval("(-2.5) | abs"), "2.5");
  EXPECT_EQ(X.eval("-2.5 | abs"), "-2.5");  // filters bind tighter than minus
  EXPECT_EQ(X.eval("3.14159 | round(2)"), "3.14");
  EXPECT_EQ(X.eval("steps.search | tojson"),
            "\"{\\\"output\\\":\\\"found 2\\\",\\\"results\\\":[\\\"a\\\",\\\"b\\\"]}\"");
  EXPECT_EQ(X.eval("n | upper"), "\"3\"");
  EXPECT_EQ(X.eval("n | length"),
            "error: in `n | length`: `length` needs a string, list or mapping, found an "
            "integer");
}

}  // namespace
