//===- Printer.h - Textual form of the pipeline IR -------------*- C++ -*-===//
#pragma once

#include "ir/Pipeline.h"
#include "llvm/Support/raw_ostream.h"

namespace orch::ir {

/// Options of the IR dump.
struct PrintOptions {
  bool Locations = true;  ///< Append `loc(line:col)` to steps and inputs.
};

/// Prints \p P deterministically, in source order (`--emit=ir`).
void printPipeline(llvm::raw_ostream &OS, const Pipeline &P,
                   const PrintOptions &Opts = {});

/// Prints one value in the dump's notation.
void printValue(llvm::raw_ostream &OS, const Value *V);

}  // namespace orch::ir
