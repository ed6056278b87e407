//===- Functions.h - Jinja's global functions ------------------*- C++ -*-===//
//
// The names a template may call without a receiver (`range(3)`): a table
// of Jinja2's globals that this compiler implements. Any other call is
// `UnknownFunction` at its name, never a different value.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <vector>

#include "ir/Json.h"
#include "ir/Type.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace orch::ir {

/// Calls a function with its (positional) argument values.
using FunctionFn =
    llvm::Expected<orch::ir::Json> (*)(llvm::ArrayRef<orch::ir::Json> Args);

/// One global function.
struct FunctionInfo {
  llvm::StringRef Name;
  uint8_t MinArgs;
  uint8_t MaxArgs;
  Type Result;
  llvm::StringRef Summary;
  FunctionFn Fn;
  /// The value is Python's range object, which the list holds: iterated,
  /// tested with `in`, indexed and read by list filters, never printed or
  /// compared (Python prints `range(0, 3)`).
  bool PythonRange = false;
};

/// The most items `range` makes (Jinja2's sandbox limit, MAX_RANGE).
inline constexpr int64_t MaxRangeItems = 100000;

/// Every global function, sorted by name.
llvm::ArrayRef<FunctionInfo> functions();

/// The function called \p Name, or null.
const FunctionInfo *findFunction(llvm::StringRef Name);

}  // namespace orch::ir
