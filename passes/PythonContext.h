//===- PythonContext.h - Where a value lands in Python code ----*- C++ -*-===//
//
// ContextLab's pipelines put `{{ }}` in the `code` of a Python step:
// `data = """{{ inputs.data }}"""`, `level = {{ inputs.level }}`. Spliced
// in as text, a value would become code. The secure-steps pass instead
// writes each value as Python reads it back unchanged: inside a string
// literal, escaped for that literal (`py_quote`); in code, as a literal of
// the value (`py_literal`: numbers, booleans, None, lists and mappings;
// text there is an error, since ContextLab would run it). PythonContext
// follows the code's literal text and says where each value lands; a place
// where neither keeps the value data (a raw or bytes literal, a comment, a
// value glued to a name or a number, between quotes an empty value would
// join) is refused with the reason, and code with an f-string or t-string
// (whose `{...}` can hold quotes, comments and line breaks since Python
// 3.12) takes no value at all.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <vector>

#include "ir/Value.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

namespace orch::passes {

/// Where a value between two pieces of code lands.
struct PythonSpot {
  enum Kind {
    Code,    ///< in code: a literal of the value
    String,  ///< inside a plain string literal: the text, escaped
    Refused  ///< neither keeps it data (Why says where it is)
  } K = Code;
  char Quote = 0;   ///< String: the literal's quote character
  std::string Why;  ///< Refused: "in a comment", "in an f-string", ...
};

/// A small lexer for Python source: comments, and string literals with
/// their prefixes, quotes and escapes.
class PythonContext {
 public:
  /// Follows \p Text, literal code.
  void text(llvm::StringRef Text);
  /// Counts a value placed here.
  void value();
  /// Where each value (in order of value()) lands, now that the text after
  /// each is known too: a value in code glued to what is before or after it
  /// (a name, a number, a `.`, a quote, another value) is refused.
  const std::vector<PythonSpot> &finish();

 private:
  enum class State { Code, Comment, String } S = State::Code;
  char Quote = 0;
  bool Triple = false, Raw = false, Bytes = false;
  bool Escaped = false;  ///< after a backslash in a string
  /// The string's quote characters right before here (a triple-quoted
  /// string's body), values not counted.
  unsigned QuoteRun = 0;
  /// Values after such quotes, refused if a quote follows them.
  std::vector<size_t> QuoteBefore;
  /// An f-string, a t-string or an unknown prefix: no value is placed.
  bool Unreadable = false;
  std::string Why;
  /// The character right before here, or 0 (a value counts as `0`).
  char Prev = 0;
  /// The identifier characters right before here (a string's prefix).
  std::string Word;
  /// The last value is in code and nothing followed it yet.
  bool OpenCodeValue = false;
  std::vector<PythonSpot> Spots;
};

/// Where each value of the template \p Segs (Python code) lands, in order.
/// Adjacent text segments are read as one text.
std::vector<PythonSpot> pythonSpots(llvm::ArrayRef<ir::Segment> Segs);

/// The code of \p Segs with every value left out (`None` in code, nothing in
/// a string), for checks of its statements (imports).
std::string pythonSkeleton(llvm::ArrayRef<ir::Segment> Segs);

/// Whether \p E is exactly what secure-steps writes for a value at \p Spot:
/// `py_quote` with that literal's quote in a string, `py_literal` in code.
bool isPythonQuoted(const ir::Expr *E, const PythonSpot &Spot);

}  // namespace orch::passes
