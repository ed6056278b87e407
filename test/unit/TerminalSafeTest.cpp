//===- TerminalSafeTest.cpp - Progress text cannot drive the terminal -----===//
#include <gtest/gtest.h>

#include "runtime/exec/Progress.h"

namespace {

using orch::runtime::terminalSafe;

TEST(TerminalSafe, KeepsPlainTextAndUtf8) {
  EXPECT_EQ(terminalSafe("HTTP 500: boom"), "HTTP 500: boom");
  EXPECT_EQ(terminalSafe("caf\xc3\xa9 \xe2\x9c\x93"), "caf\xc3\xa9 \xe2\x9c\x93");
}

TEST(TerminalSafe, RemovesCsiSequences) {
  EXPECT_EQ(terminalSafe("\x1b[31mred\x1b[0m"), "red");
  EXPECT_EQ(terminalSafe("a\x1b[2J\x1b[1;1Hb"), "ab");
  EXPECT_EQ(terminalSafe("x\x1b[?25l"), "x");
}

TEST(TerminalSafe, RemovesOscAndOtherStrings) {
  // Window title, ended by BEL or by ST.
  EXPECT_EQ(terminalSafe("a\x1b]0;pwned\x07"
                         "b"),
            "ab");
  EXPECT_EQ(terminalSafe("a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\"), "alink");
  EXPECT_EQ(terminalSafe("a\x1bPq#0\x1b\\b"), "ab");
  // Unterminated: everything after the introducer goes.
  EXPECT_EQ(terminalSafe("a\x1b]0;never ends"), "a");
  EXPECT_EQ(terminalSafe("end\x1b"), "end");
  EXPECT_EQ(terminalSafe("a\x1b"
                         "cb"),
            "ab");  // ESC c: reset
}

TEST(TerminalSafe, RemovesControlCharacters) {
  EXPECT_EQ(terminalSafe("one\ntwo\r\tthree"), "one two  three");
  EXPECT_EQ(terminalSafe(llvm::StringRef("a\0b\x07\x08\x7f"
                                         "c",
                                         7)),
            "abc");
  // C1 controls in UTF-8: CSI (U+009B) and OSC (U+009D).
  EXPECT_EQ(terminalSafe("a\xc2\x9b"
                         "31mb\xc2\x9d"),
            "a31mb");
}

}  // namespace
