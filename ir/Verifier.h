//===- Verifier.h - IR invariants ------------------------------*- C++ -*-===//
#pragma once

#include "ir/Pipeline.h"
#include "llvm/Support/Error.h"

namespace orch::ir {

/// Checks the invariants every pass may rely on and every pass must keep:
/// unique step ids, edges that point at existing other steps with no
/// duplicates and explicit edges before inferred ones, uses covered by
/// edges, AUTO tag ids equal to their index, non-null values. A failure is
/// a compiler bug, not a user error.
llvm::Error verifyPipeline(const Pipeline &P, bool DepsResolved);

}  // namespace orch::ir
