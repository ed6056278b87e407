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

#include "ir/Diagnostics.h"
#include "ir/Value.h"

namespace orch::passes {

/// Checks \p Schema, the `schema` parameter of a `validate` step.
/// With \p ObjectOnly, a schema that describes no object (`extract`'s
/// fields) is InvalidSchema too.
void checkSchemaParam(const ir::Value *Schema, DiagnosticEngine &D,
                      bool ObjectOnly = false);

}  // namespace orch::passes
