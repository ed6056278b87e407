//===- RegexTest.cpp - The regex_* filters' engine ------------------------===//
#include <gtest/gtest.h>

#include <string>

#include "ir/Regex.h"

using namespace orch::ir;

namespace {

/// The first match of \p Pattern in \p Text with its groups, as
/// "match|g1|g2" ("-" for a group that did not take part), or "none", or
/// "error: ...".
std::string search(const std::string &Pattern, const std::string &Text) {
  llvm::Expected<std::shared_ptr<const Regex>> R = Regex::compile(Pattern);
  if (!R) return "error: " + llvm::toString(R.takeError());
  CodePoints S = decodeUtf8(Text);
  std::vector<int64_t> Caps;
  if (!(*R)->search(S, 0, Caps)) return "none";
  std::string Out;
  for (unsigned G = 0; G <= (*R)->groups(); ++G) {
    if (G) Out += '|';
    int64_t B = Caps[2 * G], E = Caps[2 * G + 1];
    Out += B < 0 ? std::string("-") : encodeUtf8(S.substr(B, E - B));
  }
  return Out;
}

TEST(RegexTest, LeftmostFirstLikePython) {
  // POSIX (llvm::Regex) would take the longest: `ab`, `abcd`.
  EXPECT_EQ(search("a|ab", "xab"), "a");
  EXPECT_EQ(search("(a|ab)(c|bcd)", "abcd"), "abcd|a|bcd");
  EXPECT_EQ(search("a+?", "aaa"), "a");
  EXPECT_EQ(search("a{2,3}?", "aaaa"), "aa");
  EXPECT_EQ(search("(.*?) (.*)", "one two three"), "one two three|one|two three");
  EXPECT_EQ(search("(o)(r)?", "Hello"), "o|o|-");
}

TEST(RegexTest, ClassesAnchorsAndUnicode) {
  EXPECT_EQ(search("\\d+", "ab ١٢3x"), "١٢3");
  EXPECT_EQ(search("\\w+", "  éa_1 b"), "éa_1");
  EXPECT_EQ(search("[^aeiou ]+", "aei xyz"), "xyz");
  EXPECT_EQ(search("[\\w-]+", "  ab-c d"), "ab-c");
  EXPECT_EQ(search("\\bfox\\b", "foxes fox"), "fox");
  EXPECT_EQ(search("dog$", "dog\n"), "dog");
  EXPECT_EQ(search("^b", "ab"), "none");
  EXPECT_EQ(search("a.c", "a\nc abc"), "abc");
  EXPECT_EQ(search("\\u00e9+", "xéé"), "éé");
  EXPECT_EQ(search("a{2", "a{2"), "a{2");
  // sre: `\B` never matches in an empty string (but does between non-words).
  EXPECT_EQ(search("\\B", ""), "none");
  EXPECT_EQ(search("^\\B", ""), "none");
  EXPECT_EQ(search("\\B", " "), "");
}

TEST(RegexTest, EmptyMatchesSkippedWhereAsked) {
  llvm::Expected<std::shared_ptr<const Regex>> R = Regex::compile("x*");
  ASSERT_TRUE(static_cast<bool>(R));
  CodePoints S = decodeUtf8("ab");
  std::vector<int64_t> Caps;
  ASSERT_TRUE((*R)->search(S, 0, Caps, /*NoEmptyAt=*/0));
  EXPECT_EQ(Caps[0], 1);  // the empty match at 0 is skipped; the next is at 1
}

TEST(RegexTest, NoCatastrophicBacktracking) {
  // A backtracking engine takes exponential time here; the VM is linear.
  std::string Text(20000, 'a');
  EXPECT_EQ(search("(a+)+b", Text), "none");
  EXPECT_EQ(search("(a|aa)+$", Text).size(), Text.size() + 2);
}

TEST(RegexTest, UnsupportedSyntaxIsAnError) {
  for (const char *P : {"(?i)a", "(?=a)", "(?P<n>a)", "(a)\\1", "a++", "\\q", "(a", "a)",
                        "*a", "[a-", "a{3,1}", "a{2000}"})
    EXPECT_EQ(search(P, "a").rfind("error: ", 0), 0u) << P;
}

TEST(RegexTest, NullableLoopBodiesAreRefused) {
  // Python's sre takes one empty iteration and leaves the loop: on these it
  // finds '' ('abc abc', 'ab', 'ab'), which this VM would not; refused.
  for (const char *P :
       {"(([ab])?" "?)*", "(|a)+", "(a|)+", "(a*)*", "(?:)*", "(\\b)+", "(a?b?){2,}"})
    EXPECT_EQ(search(P, "ab").rfind("error: ", 0), 0u) << P;
  // Loops whose body always consumes, and bounded repeats, stay supported.
  EXPECT_EQ(search("(a|b)+", "xab"), "ab|b");
  EXPECT_EQ(search("(a?){0,3}", "aa"), "aa|");
}

TEST(RegexTest, Replacement) {
  llvm::Expected<std::shared_ptr<const Regex>> R = Regex::compile("(\\w+) (\\w+)");
  ASSERT_TRUE(static_cast<bool>(R));
  CodePoints S = decodeUtf8("hello world");
  std::vector<int64_t> Caps;
  ASSERT_TRUE((*R)->search(S, 0, Caps));
  CodePoints Out;
  ASSERT_FALSE(static_cast<bool>(expandReplacement(**R, "\\2-\\g<1>\\n", S, Caps, Out)));
  EXPECT_EQ(encodeUtf8(Out), "world-hello\n");
  CodePoints Bad;
  llvm::Error E = expandReplacement(**R, "\\3", S, Caps, Bad);
  EXPECT_TRUE(static_cast<bool>(E));
  llvm::consumeError(std::move(E));
}

}  // namespace
