//===- Export.h - Writing an export target's files -------------*- C++ -*-===//
#pragma once

#include <string>

#include "ir/Diagnostics.h"
#include "ir/Pipeline.h"
#include "llvm/Support/raw_ostream.h"

namespace orch::tools {

/// Runs the export target \p Target on \p P and writes its files under
/// \p Dir (created when missing). Problems are reported in \p Diags; returns
/// false when one was an error.
bool writeExport(llvm::StringRef Target, const std::string &Dir, const ir::Pipeline &P,
                 bool AllowUnsandboxedShell, const std::string &ModelRegistry,
                 DiagnosticEngine &Diags);

/// Reports `--target=` \p Target as unknown, with a guess and the list.
void reportUnknownTarget(llvm::StringRef Target, DiagnosticEngine &Diags);

/// The `--target=` values, for `--help` and the unknown-target error.
std::string exportTargetList();

}  // namespace orch::tools
