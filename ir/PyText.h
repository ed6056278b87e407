//===- PyText.h - Values as Python (and so Jinja2) prints them -*- C++ -*-===//
//
// Jinja2 renders with Python's str(): `True`, `None`, `1.0`, `['a', 1]`.
// The evaluator's values are JSON; these functions give their Python text,
// Python's JSON dump (the `tojson` filter) and Python's int()/float()
// parsing of strings. Every builder stops at MaxValueBytes.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ir/Json.h"
#include "llvm/ADT/StringRef.h"

namespace orch::ir {

/// The largest string or list a template may build: 64 MiB.
constexpr size_t MaxValueBytes = size_t(64) << 20;
/// The deepest value a template may print or compare.
constexpr unsigned MaxEvalValueDepth = 512;

/// Why building a text stopped.
enum class TextStatus : uint8_t { Ok, TooLarge, TooDeep };

/// A message for a status other than Ok.
std::string describe(TextStatus S);

/// Appends Python's str() of \p V: strings as they are, `None`, `True`,
/// floats in repr form, lists and mappings as Python literals.
TextStatus appendPyStr(std::string &Out, const orch::ir::Json &V);
/// Appends Python's repr() of \p V (strings quoted).
TextStatus appendPyRepr(std::string &Out, const orch::ir::Json &V, unsigned Depth = 0);
/// Python's repr() of a float: `1.0`, `1e+16`, `nan`, `-inf`.
void appendFloatRepr(std::string &Out, double D);

/// Appends json.dumps(V, sort_keys=True) made HTML-safe, as Jinja2's
/// `tojson` does: non-ASCII as `\uXXXX`, `<>&'` escaped, `NaN`. \p Indent
/// null: one line with `, ` and `: `; else one item a line.
TextStatus appendPyJson(std::string &Out, const orch::ir::Json &V,
                        const std::string *Indent);

/// About how many bytes \p V holds (its strings and one a scalar), counting
/// only up to \p Cap: a cheap check against MaxValueBytes.
size_t approxBytes(const orch::ir::Json &V, size_t Cap = MaxValueBytes + 1);

/// Python's int(S) for base 10: white space around, a sign, decimal digits
/// of any script with single `_` between them.
enum class IntParse : uint8_t { Ok, Invalid, TooLarge };
IntParse parsePyInt(llvm::StringRef S, int64_t &Out);
/// Python's float(S): also `inf`, `infinity`, `nan` in any case.
std::optional<double> parsePyFloat(llvm::StringRef S);

/// The integer value of \p V if it is an int64 (or a bool, which Python
/// counts as an int).
std::optional<int64_t> asInt(const orch::ir::Json &V);
/// True for an integer that does not fit in int64 (from JSON input).
bool isHugeInt(const orch::ir::Json &V);
/// The first integer in \p V (itself, or an item or entry at any depth, in
/// order) that does not fit in int64, or null.
const orch::ir::Json *findHugeInt(const orch::ir::Json &V);
/// The message for an integer \p Digits beyond int64, wherever a value
/// enters (`--set`, a lock, a cache, a model's answer).
std::string describeHugeInt(llvm::StringRef Digits);

}  // namespace orch::ir
