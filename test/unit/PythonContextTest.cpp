//===- PythonContextTest.cpp - Where a value lands in Python code ---------===//
#include <gtest/gtest.h>

#include "passes/PythonContext.h"

using orch::passes::PythonContext;
using orch::passes::PythonSpot;

namespace {

/// Where a value between \p Before and \p After lands.
PythonSpot pySpot(llvm::StringRef Before, llvm::StringRef After = "") {
  PythonContext C;
  C.text(Before);
  C.value();
  C.text(After);
  return C.finish().front();
}

TEST(PythonContext, StringLiteralsAndTheirQuotes) {
  EXPECT_EQ(pySpot("x = '").K, PythonSpot::String);
  EXPECT_EQ(pySpot("x = '").Quote, '\'');
  EXPECT_EQ(pySpot("x = \"").Quote, '"');
  EXPECT_EQ(pySpot("x = \"\"\"a\n").Quote, '"');
  EXPECT_EQ(pySpot("x = u'").K, PythonSpot::String);
  // The other quote, an escaped quote and a `#` do not end a literal.
  EXPECT_EQ(pySpot("x = \"it's # ").K, PythonSpot::String);
  EXPECT_EQ(pySpot("x = 'a\\' ").K, PythonSpot::String);
  EXPECT_EQ(pySpot("x = '''a '' \"\"\" ").Quote, '\'');
  // A closed literal, a closed triple one: code again.
  EXPECT_EQ(pySpot("x = 'a' + ").K, PythonSpot::Code);
  EXPECT_EQ(pySpot("x = '''a\n''' + ").K, PythonSpot::Code);
  EXPECT_EQ(pySpot("x = ''; y = ").K, PythonSpot::Code);
}

TEST(PythonContext, PrefixesThatKeepNoEscape) {
  // f- and t-strings (PEP 701, 750) make the whole code unreadable here:
  // every value in it is refused, one before them too.
  const char *Unread =
      "in code with an f-string, t-string or string prefix this compiler does not read";
  EXPECT_EQ(pySpot("x = f'").Why, std::string(Unread) + " (`f`)");
  EXPECT_EQ(pySpot("x = rf'").Why, std::string(Unread) + " (`rf`)");
  EXPECT_EQ(pySpot("x = '", "'; y = t'a'").Why, std::string(Unread) + " (`t`)");
  EXPECT_EQ(pySpot("x = R\"").Why, "in a raw string");
  EXPECT_EQ(pySpot("x = Rb'''").Why, "in a bytes literal");
  EXPECT_EQ(pySpot("x = b'").Why, "in a bytes literal");
  // A raw string's backslash keeps the quote after it in the string.
  EXPECT_EQ(pySpot("x = r'\\'' + ").K, PythonSpot::Code);
}

TEST(PythonContext, CommentsAndGluedValues) {
  EXPECT_EQ(pySpot("# a ").Why, "in a comment");
  EXPECT_EQ(pySpot("x = 1  # a\ny = ").K, PythonSpot::Code);
  EXPECT_EQ(pySpot("x = '#'; y = ").K, PythonSpot::Code);
  EXPECT_EQ(pySpot("x = a").Why, "glued to the code before it");
  EXPECT_EQ(pySpot("x = 1.").Why, "glued to the code before it");
  EXPECT_EQ(pySpot("x = ", "e3").Why, "glued to the code after it");
  EXPECT_EQ(pySpot("x = ", ".real").Why, "glued to the code after it");
  EXPECT_EQ(pySpot("x = ", "'s'").Why, "glued to the code after it");
  EXPECT_EQ(pySpot("x = (", ") * 2").K, PythonSpot::Code);
  EXPECT_EQ(pySpot("f(", ", 1)").K, PythonSpot::Code);
  EXPECT_EQ(pySpot("x = '\\").Why, "right after a backslash");
  // An empty value between a triple string's quotes would close it.
  EXPECT_EQ(pySpot("x = '''a''", "' + 1").K, PythonSpot::Refused);
  EXPECT_EQ(pySpot("x = '''", "'''").K, PythonSpot::String);
  // Two values side by side: the second is glued to the first.
  PythonContext C;
  C.text("x = ");
  C.value();
  C.value();
  EXPECT_EQ(C.finish()[1].Why, "glued to the code before it");
}

}  // namespace
