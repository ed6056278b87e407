//===- Filters.h - The template filter table -------------------*- C++ -*-===//
#pragma once

#include <cstdint>
#include <optional>

#include "ir/Type.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

namespace orch::ir {

/// A filter usable as `value | name(args)`.
struct FilterInfo {
  llvm::StringRef Name;
  uint8_t MinArgs;
  uint8_t MaxArgs;
  /// Result type; Any where it follows the input (`default`, `first`).
  Type Result;
  llvm::StringRef Summary;
};

/// Every filter, sorted by name.
llvm::ArrayRef<FilterInfo> filters();
/// The filter called \p Name, if it exists.
const FilterInfo *findFilter(llvm::StringRef Name);

}  // namespace orch::ir
