//===- Type.h - Static types of pipeline values ----------------*- C++ -*-===//
#pragma once

#include <cstdint>

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

namespace orch::ir {

/// The static type of a value or expression. `Any` is the top type: a value
/// known only at run time (a step's output, an undeclared input).
enum class Type : uint8_t { Any, Null, Bool, Int, Float, String, List, Map };

/// The spelling of \p T in the IR dump and in diagnostics.
llvm::StringRef typeName(Type T);

/// The JSON Schema `type` of \p T (`integer`, `array`, `object`, …), or
/// "" for Any (no `type`: any value).
llvm::StringRef jsonSchemaType(Type T);

/// A phrase for messages: "an integer", "a string", "any value".
llvm::StringRef describeType(Type T);

/// Parses a type name as written in `inputs` and `<AUTO type=...>`:
/// string, integer|int, number|float, boolean|bool, list|array,
/// object|map|dict, any. Returns false if \p Name is not one.
bool parseTypeName(llvm::StringRef Name, Type &Out);

/// The type names accepted by parseTypeName, for "did you mean".
llvm::ArrayRef<llvm::StringRef> typeNameSpellings();

/// True if a value of type \p From may be used where \p To is expected
/// (int widens to float; anything fits Any; Any fits anything).
bool isAssignable(Type From, Type To);

}  // namespace orch::ir
