//===- Regex.h - Python `re` patterns on a Pike VM -------------*- C++ -*-===//
//
// The regular expressions of the `regex_*` filters: a subset of Python's
// `re` syntax, compiled to a program that a Pike VM runs in time linear in
// the text for one search (no catastrophic backtracking; findall and sub
// search again after each match, so they can be quadratic, and their
// callers bound the work). The VM keeps thread priorities, so a match and
// its groups are the leftmost-first ones Python's backtracking engine
// finds. Syntax outside the subset (backreferences, lookaround, flags,
// named groups, possessive quantifiers, an unbounded repeat of a part that
// can match empty, where sre's empty-iteration rule differs) is an error,
// never a different match. See docs/language.md, "Regular expressions".
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ir/Unicode.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace orch::ir {

/// A compiled pattern.
class Regex {
 public:
  /// Compiles \p Pattern (each distinct pattern once per thread; later
  /// calls return the cached program). Errors say what is unsupported.
  static llvm::Expected<std::shared_ptr<const Regex>> compile(llvm::StringRef Pattern);

  /// The number of capturing groups.
  unsigned groups() const { return Groups; }

  /// Finds the leftmost-first match starting at or after code point \p From
  /// of \p S. \p Caps receives, for group 0 (the match) and each group, its
  /// start and end (-1 if the group did not take part). An empty match at
  /// \p NoEmptyAt is skipped (Python's rule after an empty match). With
  /// \p Budget, each VM thread step takes one from it; when it runs out the
  /// search gives up (returns false, *Budget is 0).
  bool search(const CodePoints &S, size_t From, std::vector<int64_t> &Caps,
              int64_t NoEmptyAt = -1, uint64_t *Budget = nullptr) const;

  /// One instruction of the program (public for the compiler).
  struct Inst {
    enum Op : uint8_t { Char, Any, Class, Split, Jmp, Save, Assert, Match } K;
    uint32_t X = 0, Y = 0;  ///< Char: the code point; Class: its index;
                            ///< Split: both targets (X preferred); Jmp: X;
                            ///< Save: the slot; Assert: the kind.
  };
  /// A character class: ranges, Python's `\d \w \s` (and negations).
  struct CharClass {
    std::vector<std::pair<char32_t, char32_t>> Ranges;
    bool Digit = false, Word = false, Space = false;
    bool NotDigit = false, NotWord = false, NotSpace = false;
    bool Negated = false;
    bool matches(char32_t C) const;
  };

  std::vector<Inst> Prog;
  std::vector<CharClass> Classes;
  unsigned Groups = 0;
};

/// Applies Python's re.sub replacement template \p Repl for a match of
/// \p R in \p S (groups `\1`, `\g<1>`, escapes `\n`...), appending to
/// \p Out. Errors name a bad escape or group.
llvm::Error expandReplacement(const Regex &R, llvm::StringRef Repl, const CodePoints &S,
                              const std::vector<int64_t> &Caps, CodePoints &Out);

}  // namespace orch::ir
