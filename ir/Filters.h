//===- Filters.h - The template filter table -------------------*- C++ -*-===//
//
// Every filter is one row here and one function in FilterImpls.cpp. The
// functions follow Jinja2 3.1 (Python semantics): see docs/language.md.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ir/Json.h"
#include "ir/Type.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace orch::ir {

/// A filter's implementation: the input and the arguments. Errors say what
/// was wrong, without the expression (the evaluator adds it). An empty
/// first/last gives std::nullopt: the evaluator makes that undefined.
using FilterFn = llvm::Expected<std::optional<orch::ir::Json>> (*)(
    const orch::ir::Json &V, llvm::ArrayRef<orch::ir::Json> Args);

/// A parameter of a filter, for keyword arguments (`tojson(indent=2)`).
struct FilterParam {
  llvm::StringLiteral Name;
  /// JSON text of Jinja2's default, given when a later parameter is passed
  /// by keyword and this one is not; "" if the parameter is required.
  llvm::StringLiteral Default;
  /// Given by position only: Jinja2 refuses it as a keyword (`map`'s
  /// filter name: `map(filter='upper')` fails with "map requires a filter
  /// argument").
  bool PositionalOnly = false;
};

/// A filter usable as `value | name(args)`.
struct FilterInfo {
  llvm::StringRef Name;
  uint8_t MinArgs;
  uint8_t MaxArgs;
  /// Jinja2's names of the MaxArgs parameters, in order.
  llvm::ArrayRef<FilterParam> Params;
  /// Result type; Any where it follows the input (`default`, `first`).
  Type Result;
  llvm::StringRef Summary;
  FilterFn Fn;
  /// A `tojson` result keeps being markup through this filter (Jinja2's
  /// Markup: `+` escapes the other operand).
  bool KeepsMarkup;
};

/// Puts keyword arguments in their positions: \p Names holds each argument's
/// keyword ("" for positional ones, which come first). Returns the argument
/// index for each of the filter's positions in use (-1: Jinja2's default),
/// or an error naming the keyword (with a did-you-mean).
/// Whether Jinja2 answers filter \p Name with a generator (`map`,
/// `batch`, ...), which prints as `<generator ...>`.
bool isGeneratorFilter(llvm::StringRef Name);

llvm::Expected<std::vector<int>> bindKeywords(const FilterInfo &F, size_t NumArgs,
                                              llvm::ArrayRef<llvm::StringRef> Names);

/// Every filter, sorted by name.
llvm::ArrayRef<FilterInfo> filters();
/// The filter called \p Name, if it exists.
const FilterInfo *findFilter(llvm::StringRef Name);

}  // namespace orch::ir
