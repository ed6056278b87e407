//===- SchemaParamCheck.h - A `validate` step's constant schema -*- C++ -*-===//
//
// A `schema` written in the pipeline is checked when compiling, each
// problem reported at the key or value it is about: a keyword whose value
// has the wrong shape, a `$ref` that does not resolve, a pattern outside
// the regex subset (InvalidSchema), and a key JSON Schema does not define,
// which would check nothing (SchemaKeywordIgnored, a warning). A schema
// with templates is checked when the step runs.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <optional>

#include "ir/Diagnostics.h"
#include "ir/Json.h"
#include "ir/Pipeline.h"
#include "ir/Value.h"

namespace orch::passes {

/// Checks \p Schema, the `schema` parameter of a `validate` step.
/// With \p ObjectOnly set to the action's name, a schema that describes
/// no object (`extract`'s fields, `generate`'s answer) is InvalidSchema too.
void checkSchemaParam(const ir::Value *Schema, DiagnosticEngine &D,
                      llvm::StringRef ObjectOnly = {});

/// Checks \p Schema, the constant `schema` of a `generate` step, as the
/// fields of a step's result: it must list `properties`, none of them a
/// name every result has (`status`, `error`, `output`). InvalidSchema.
void checkAnswerSchema(const ir::Value *Schema, DiagnosticEngine &D);

/// \p V as JSON, if it holds no template and no AUTO tag, at any depth.
std::optional<ir::Json> constantJson(const ir::Value *V);

/// The schema of a `generate` step's answer: its `schema` parameter when
/// that is a constant object schema (JSON text or a mapping), else none.
std::optional<ir::Json> generateSchema(const ir::Step &S);

}  // namespace orch::passes
