//===- PyOps.h - Python's operators on JSON values -------------*- C++ -*-===//
//
// Jinja2 evaluates `+`, `==`, `<`, `in`, ... with Python's rules: bools are
// integers, ints and floats compare exactly, lists compare item by item.
// These are those rules on the evaluator's JSON values, with 64-bit
// integers whose overflow is an error instead of a bigint.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>

#include "ir/Expr.h"
#include "ir/Json.h"
#include "llvm/Support/Error.h"

namespace orch::ir {

/// Python's name of the type of \p V (`int`, `str`, `NoneType`).
std::string pyTypeName(const orch::ir::Json &V);

/// Python's `A == B`.
llvm::Expected<bool> pyEquals(const orch::ir::Json &A, const orch::ir::Json &B,
                              unsigned Depth = 0);

/// Python's `A op B` for `<`, `<=`, `>`, `>=`.
llvm::Expected<bool> pyOrder(BinaryOp Op, const orch::ir::Json &A,
                             const orch::ir::Json &B, unsigned Depth = 0);

/// Python's `A in B`.
llvm::Expected<bool> pyContains(const orch::ir::Json &B, const orch::ir::Json &A);

/// Python's `A op B` for `+`, `-`, `*`, `/`, `%` (`%` on strings, which is
/// formatting, is not supported). Integer overflow and results past
/// MaxValueBytes are errors.
llvm::Expected<orch::ir::Json> pyArithmetic(BinaryOp Op, const orch::ir::Json &A,
                                            const orch::ir::Json &B);

/// Python's `-A` and `+A`.
llvm::Expected<orch::ir::Json> pyNegate(const orch::ir::Json &A, bool Minus);

}  // namespace orch::ir
