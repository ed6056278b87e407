//===- Tests.h - The template test table (`x is defined`) -------*- C++ -*-===//
//
// Every test is one row here and one function in Tests.cpp, following
// Jinja2 3.1's tests on Python values (docs/language.md).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>

#include "ir/Json.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace orch::ir {

/// A test's implementation on a defined value. Errors say what was wrong.
using TestFn = llvm::Expected<bool> (*)(const Json &V, llvm::ArrayRef<Json> Args);

/// A test usable as `value is name(args)` or `value is not name`.
struct TestInfo {
  llvm::StringRef Name;
  uint8_t MinArgs;
  uint8_t MaxArgs;
  llvm::StringRef Summary;
  /// Null for `defined` and `undefined`, which the evaluator answers: they
  /// are the only tests that see an undefined value.
  TestFn Fn;
  /// Compares the value with its argument (`eq`, `ne`, `in`), where Python
  /// tells a tuple from a list: a `dictsort` result is refused there.
  bool Compares = false;
};

/// Every test, sorted by name.
llvm::ArrayRef<TestInfo> tests();
/// The test called \p Name, if it exists.
const TestInfo *findTest(llvm::StringRef Name);

}  // namespace orch::ir
