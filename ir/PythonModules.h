//===- PythonModules.h - What a forbidden Python module covers -*- C++ -*-===//
//
// security.forbidden_modules names Python modules (and the builtins `eval`,
// `exec`). Each also covers the modules that reach the same thing by
// another name: `os` covers `posix`, `subprocess` covers
// `_posixsubprocess`, `socket` covers `_socket`, `eval`/`exec` cover the
// standard modules that run source text (`code`, `runpy`, `timeit`, ...).
// The compiler's import scan and orchrt's run-time hook share this table.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <vector>

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

namespace orch::ir {

/// The entry of \p Forbidden that importing \p Module (dotted; its top
/// package counts) falls under, directly or by an alias; "" if none.
std::string forbiddenEntryFor(llvm::StringRef Module,
                              llvm::ArrayRef<std::string> Forbidden);

/// Every top-level module name that importing is refused under \p
/// Forbidden: the entries, their aliases and, when anything is forbidden,
/// `ctypes` and `_ctypes` (raw memory would reach around any hook). Sorted.
std::vector<std::string> blockedPythonModules(llvm::ArrayRef<std::string> Forbidden);

}  // namespace orch::ir
