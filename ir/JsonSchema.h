//===- JsonSchema.h - JSON schemas for structured values ------*- C++ -*-===//
#pragma once

#include <string>

#include "ir/Json.h"
#include "llvm/ADT/StringRef.h"

namespace orch::ir {

/// A schema as the services' strict modes take it: the root is an object
/// (a scalar or list schema is wrapped as the property `value`), and every
/// object lists all its properties in `required` and has
/// `additionalProperties: false`.
struct StrictSchema {
  orch::ir::Json Schema;
  bool Wrapped = false;  ///< Unwrap `value` from answers.
};

/// Makes \p Schema strict (see StrictSchema). The input is not modified.
StrictSchema makeStrict(const orch::ir::Json &Schema);

/// \p Schema with each property an object does not require allowed to be
/// null (`anyOf` with `{type: null}`), nested objects and items too: made
/// strict, such a property must be given, and null says "not there".
orch::ir::Json withNullableOptionals(const orch::ir::Json &Schema);

/// Removes from \p Answer each null property \p Schema does not require
/// (the other half of withNullableOptionals).
void dropNullOptionals(orch::ir::Json &Answer, const orch::ir::Json &Schema);

/// True if \p Name is a valid OpenAI schema name: `^[a-zA-Z0-9_-]{1,64}$`.
bool isValidSchemaName(llvm::StringRef Name);

/// Checks \p Value against \p Schema (type, enum, const, minimum, maximum,
/// minLength, maxLength, items, minItems, maxItems, properties, required,
/// additionalProperties). Returns "" if it conforms, else the first problem
/// with its JSON pointer: "/depth: `\"huge\"` is not one of [...]".
std::string validateJson(const orch::ir::Json &Value, const orch::ir::Json &Schema);

}  // namespace orch::ir
