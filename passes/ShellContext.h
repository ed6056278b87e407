//===- ShellContext.h - Where a value lands in a shell command -*- C++ -*-===//
//
// The secure-steps pass quotes every `{{ }}` of a `shell` command as one
// word. That keeps a value data only where the shell reads a word: not
// inside '...' or "..." (ShellQuotedValue), not in a here-document's body
// (ShellHeredocValue), and not as the code that `eval` or `sh -c` runs
// (ShellCodeValue). ShellContext follows the command's literal text, one
// piece at a time, and says for each value where it lands.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <vector>

#include "llvm/ADT/StringRef.h"

namespace orch::passes {

/// Where a value between two pieces of command text lands.
struct ShellSpot {
  enum Kind {
    Word,           ///< an ordinary word: quoting keeps it data
    SingleQuoted,   ///< inside '...'
    DoubleQuoted,   ///< inside "..."
    Heredoc,        ///< in the body of an unquoted here-document
    QuotedHeredoc,  ///< in the body of a quoted one (<<'EOF')
    Code,           ///< the code of `eval` or `sh -c` (Runner says which)
  } K = Word;
  std::string Runner;  ///< For Code: `eval`, `sh -c`, `bash -c`, ...
};

/// A small lexer for the literal text of a command: quotes, backslashes,
/// comments, here-documents and the words of the current simple command.
class ShellContext {
 public:
  /// Follows \p Text, literal command text.
  void text(llvm::StringRef Text);
  /// Where a value placed here lands; then counts it as (part of) a word.
  ShellSpot value();

 private:
  void endWord();
  void endCommand();
  void newline();
  size_t heredocOperator(llvm::StringRef Text, size_t I);

  char Quote = 0;  ///< ' or " open, else 0.
  bool Escape = false, Comment = false;
  std::vector<std::string> Words;  ///< Of the current simple command.
  std::string Cur;                 ///< The word being read.
  bool InWord = false;
  struct Doc {
    std::string Delim;
    bool Quoted, StripTabs;
  };
  std::vector<Doc> Pending;  ///< Here-documents whose body starts at the next line.
  std::vector<Doc> Bodies;   ///< Front: the body being read.
  std::string Line;          ///< The body's current line.
};

}  // namespace orch::passes
