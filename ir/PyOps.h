//===- PyOps.h - Python's operators on JSON values -------------*- C++ -*-===//
//
// Jinja2 evaluates `+`, `==`, `<`, `in`, ... with Python's rules: bools are
// integers, ints and floats compare exactly, lists compare item by item.
// These are those rules on the evaluator's JSON values, with 64-bit
// integers whose overflow is an error instead of a bigint.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "ir/Expr.h"
#include "llvm/Support/Error.h"

namespace orch::ir {

/// Python's name of the type of \p V (`int`, `str`, `NoneType`).
std::string pyTypeName(const nlohmann::json &V);

/// Python's `A == B`.
llvm::Expected<bool> pyEquals(const nlohmann::json &A, const nlohmann::json &B,
                              unsigned Depth = 0);

/// Python's `A op B` for `<`, `<=`, `>`, `>=`.
llvm::Expected<bool> pyOrder(BinaryOp Op, const nlohmann::json &A,
                             const nlohmann::json &B, unsigned Depth = 0);

/// Python's `A in B`.
llvm::Expected<bool> pyContains(const nlohmann::json &B, const nlohmann::json &A);

/// Python's `A op B` for `+`, `-`, `*`, `/`, `%` (`%` on strings, which is
/// formatting, is not supported). Integer overflow and results past
/// MaxValueBytes are errors.
llvm::Expected<nlohmann::json> pyArithmetic(BinaryOp Op, const nlohmann::json &A,
                                            const nlohmann::json &B);

/// Python's `-A` and `+A`.
llvm::Expected<nlohmann::json> pyNegate(const nlohmann::json &A, bool Minus);

}  // namespace orch::ir
