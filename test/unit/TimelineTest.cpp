// Unit tests for the timeline's XML escaping: what XML 1.0 cannot hold never
// reaches the SVG, and a label is cut on a character's boundary.
#include <gtest/gtest.h>

#include <string>

#include "runtime/observe/Timeline.h"

using orch::observe::labelPrefix;
using orch::observe::xmlEscape;

TEST(TimelineXml, NonCharactersAndInvalidBytesBecomeReplacementCharacters) {
  EXPECT_EQ(xmlEscape("a\xEF\xBF\xBE"
                      "b\xEF\xBF\xBF"
                      "c"),
            "a\uFFFD"
            "b\uFFFD"
            "c");
  EXPECT_EQ(xmlEscape("x\xFFy"), "x\uFFFDy");                            // not UTF-8
  EXPECT_EQ(xmlEscape("x\xC3"), "x\uFFFD");                              // cut sequence
  EXPECT_EQ(xmlEscape("\xC0\xAF"), "\uFFFD\uFFFD");                      // overlong '/'
  EXPECT_EQ(xmlEscape("\xED\xA0\x80"), "\uFFFD");                        // a surrogate
  EXPECT_EQ(xmlEscape("\xF4\x90\x80\x80"), "\uFFFD\uFFFD\uFFFD\uFFFD");  // > U+10FFFF
  EXPECT_EQ(xmlEscape("\xC3\xA9 \xF0\x9F\x98\x80 \xEF\xBF\xBD"),
            "\xC3\xA9 \xF0\x9F\x98\x80 \xEF\xBF\xBD");  // é, an emoji, U+FFFD kept
  EXPECT_EQ(xmlEscape("<&>\"'\x1b\t\n"), "&lt;&amp;&gt;&quot;&#39;\t\n");
}

TEST(TimelineXml, LabelsAreCutOnACharactersBoundary) {
  EXPECT_EQ(labelPrefix("short", 30), "short");
  std::string Long = "ab";
  for (int I = 0; I < 20; ++I) Long += "\xC3\xA9";  // é
  std::string Want = "ab";                          // 28 bytes: byte 29 would split an é
  for (int I = 0; I < 13; ++I) Want += "\xC3\xA9";
  std::string Cut = labelPrefix(Long, 30);
  EXPECT_EQ(Cut, Want + "\xE2\x80\xA6");  // and an ellipsis
  EXPECT_EQ(xmlEscape(Cut), Cut);         // nothing in it was split
}
