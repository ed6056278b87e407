//===- ToolError.h - orchc's errors about its own arguments ----*- C++ -*-===//
//
// Errors without a source location (`orchc: error: ... [Kind]`), and the
// flag-or-environment lookup (tools/EnvOr.h) the driver's stages share.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdlib>
#include <string>
#include <utility>

#include "ir/Diagnostics.h"
#include "llvm/Support/raw_ostream.h"
#include "tools/EnvOr.h"

namespace orch::tools {

/// Prints one diagnostic about the tool's own arguments or files, without a
/// source location (`orchc: error: ... [Kind]`), and returns \p Code.
template <typename... Args>
int toolError(llvm::raw_ostream &Err, bool Color, int Code, DiagKind K, Args &&...A) {
  DiagnosticEngine D(nullptr);
  D.report(K, SourceLoc(), 0, std::forward<Args>(A)...);
  D.flush(Err, Color);
  return Code;
}

}  // namespace orch::tools
