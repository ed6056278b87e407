//===- AtomicFile.h - Writing a file all at once ---------------*- C++ -*-===//
#pragma once

#include <string>

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace orch {

/// Writes \p Data to \p Path through a temporary file in the same folder and
/// a rename, so a reader never sees half a file (lock files, the cache, the
/// run result, the model record).
llvm::Error writeFileAtomically(const std::string &Path, llvm::StringRef Data);

}  // namespace orch
