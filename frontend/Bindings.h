//===- Bindings.h - Compile-time input values ------------------*- C++ -*-===//
#pragma once

#include <string>
#include <vector>

#include "ir/Pipeline.h"
#include "llvm/Support/Error.h"

namespace orch::frontend {

/// Parses `name=value` from `--set`. The value is typed like a plain YAML
/// scalar: `3` is an int, `true` a bool, anything else a string.
llvm::Expected<ir::InputBinding> parseSetBinding(llvm::StringRef Arg, ir::Arena &A);

/// Reads a JSON or YAML mapping of input values (`--inputs FILE`).
llvm::Expected<std::vector<ir::InputBinding>> readBindingsFile(llvm::StringRef Path,
                                                               ir::Arena &A);

}  // namespace orch::frontend
