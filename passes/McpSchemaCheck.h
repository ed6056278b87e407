//===- McpSchemaCheck.h - An `mcp` step against its tool's schemas -*- C++ -*-===//
//
// The compile-time checks of an `mcp` step's `arguments` against the tool's
// input schema, at every depth (objects, arrays, enums, required fields),
// and of later templates' nested reads against its output schema.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "ir/Diagnostics.h"
#include "ir/Json.h"
#include "ir/Pipeline.h"
#include "llvm/ADT/StringRef.h"

namespace orch::passes {

/// Checks the `arguments` of `mcp` step \p S against \p Schema, the input
/// schema of tool \p Tool: unknown names (when the schema lists
/// `properties` and does not allow others), `required` names, JSON types
/// and `enum` values of constants, at every depth of objects and arrays.
/// Each problem is reported at what it is about, with a did-you-mean hint;
/// templates are left to the server.
void checkMcpArguments(const ir::Step &S, llvm::StringRef Tool, const ir::Json &Schema,
                       DiagnosticEngine &D);

/// Checks the nested read `U` (`{{ x.field.key }}`) of `mcp` step \p Target
/// against \p Output, the tool's output schema: `key` must be a property of
/// `field`'s schema when that schema lists its properties, and `field` must
/// be an object when its schema gives a type. `field` itself was checked.
void checkMcpFieldRead(const ir::StepUse &U, const ir::Step &Target,
                       const ir::Json &Output, DiagnosticEngine &D);

}  // namespace orch::passes
