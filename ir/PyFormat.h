//===- PyFormat.h - Python's str.format for templates ----------*- C++ -*-===//
//
// Jinja2 templates call Python's `str.format`: `'{} of {}'.format(i, n)`,
// `'{name:>8}'.format(name=x)`, `'{:.2f}'.format(f)`. This is its
// semantics over the evaluator's JSON values: automatic and explicit field
// numbers, keyword fields, `{{`/`}}`, the `!s`/`!r` conversions and the
// format-spec mini-language of str, int, float and bool. What it does not
// do (attribute and index access in a field, nested fields in a spec, `!a`,
// zero padding with a thousands separator) is an error, never a different
// text.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>

#include "ir/Json.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace orch::ir {

/// Python's `Format.format(*Positional, **Keywords)`; \p Keywords is a JSON
/// object. Errors read as Python's (ValueError, IndexError, KeyError,
/// TypeError) or name what is not supported.
llvm::Expected<std::string> pyStrFormat(llvm::StringRef Format,
                                        llvm::ArrayRef<orch::ir::Json> Positional,
                                        const orch::ir::Json &Keywords);

}  // namespace orch::ir
