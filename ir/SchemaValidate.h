//===- SchemaValidate.h - JSON Schema (draft 7) validation ----*- C++ -*-===//
//
// The `validate` action's checker: every draft-7 validation keyword (type,
// enum, const, the number, string, array and object keywords, the
// combinators, if/then/else, dependencies, local `$ref`s and `format` for
// the common formats), all violations of a value collected, not just the
// first. Lengths count code points; `pattern` is a Python `re` pattern run
// by ir/Regex (outside its subset it is a schema problem, never a different
// match). A schema's own problems (a keyword with a value of the wrong
// shape, a `$ref` that does not resolve or is not local) are found before
// any data is checked.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/Json.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

namespace orch::ir {

/// One place where a value does not conform to a schema.
struct SchemaViolation {
  std::string Path;        ///< JSON pointer into the value ("" is the root).
  std::string SchemaPath;  ///< JSON pointer to the failing keyword.
  std::string Keyword;     ///< The failing keyword: `type`, `required`, ...
  std::string Message;     ///< For people: "`\"x\"` is a string, expected integer".
};

/// One problem of a schema itself.
struct SchemaProblem {
  std::string Pointer;  ///< JSON pointer to the keyword (or key) at fault.
  std::string Message;  ///< "must be a non-negative integer".
  /// The problem is the map key Pointer names (a `patternProperties`
  /// pattern), not its value.
  bool AtKey = false;
  /// "/properties/a/minLength: must be a non-negative integer".
  std::string text() const { return (Pointer.empty() ? "/" : Pointer) + ": " + Message; }
};

/// What is wrong with a schema itself.
struct SchemaProblems {
  /// Keywords with values of the wrong shape, unresolvable or non-local
  /// `$ref`s, patterns outside the regex subset. Empty: the schema can be
  /// used. A `$ref` target is checked as a schema too.
  std::vector<SchemaProblem> Errors;
  /// Pointers to keys JSON Schema does not define, which it ignores (so
  /// does the checker): "/properties/a/requried". A typo shows up here.
  std::vector<std::string> Unknown;
};

/// The JSON Schema type of \p V: null, boolean, integer (an integral
/// JSON number written without a fraction), number, string, array, object.
std::string jsonTypeName(const orch::ir::Json &V);

/// The keywords draft 7 defines (validation and annotation), for
/// did-you-mean hints.
llvm::ArrayRef<llvm::StringRef> schemaKeywords();

/// Checks \p Schema (an object or a boolean schema) before it is used.
SchemaProblems checkSchema(const orch::ir::Json &Schema);

/// The reference tokens of JSON pointer \p Pointer, `~1` and `~0`
/// unescaped (`/a~1b/0` is `a/b`, `0`); none for "" (the root).
std::vector<std::string> pointerTokens(llvm::StringRef Pointer);

/// The value JSON pointer \p Pointer names in \p Root, or null.
const orch::ir::Json *atJsonPointer(const orch::ir::Json &Root, llvm::StringRef Pointer);

/// The schema a local `$ref` (`#`, `#/definitions/a`, percent-encoded or
/// not) of \p Root names, or null.
const orch::ir::Json *resolveSchemaRef(const orch::ir::Json &Root, llvm::StringRef Ref);

/// Keyword evaluations one validation may take besides 64 per JSON value
/// in the data (schemaStepBudget): combinators over `$ref`s can grow
/// exponentially with the schema's size, data only linearly.
inline constexpr uint64_t SchemaStepBudget = 1'000'000;

/// The default budget for checking \p Data: SchemaStepBudget plus 64 a
/// value in it (its items and members, at every depth).
uint64_t schemaStepBudget(const orch::ir::Json &Data);

/// Validates \p Value against \p Schema, which checkSchema() accepted.
/// Returns the violations in the order of the schema's keywords (nested
/// ones where their keyword is), at most \p Limit of them (a `not`,
/// `anyOf` or `oneOf` that fails is one violation). \p Budget, when given,
/// is the keyword evaluations left, shared by several calls (and
/// decreased); else the call has schemaStepBudget(Value). Running out, and nesting
/// deeper than the checker's stack allows, end with a `budget` or `depth`
/// violation at the root.
std::vector<SchemaViolation> validateSchema(const orch::ir::Json &Value,
                                            const orch::ir::Json &Schema,
                                            size_t Limit = 100,
                                            uint64_t *Budget = nullptr);

}  // namespace orch::ir
