//===- ContextLabRefs.h - ContextLab's ways to read a result ---*- C++ -*-===//
//
// Part of resolve-names. ContextLab pipelines read a step's result as
// `{{ step }}`, `{{ step.result }}`, `{{ step.result.content }}`,
// `{{ step.content }}` or `{{ step.outputs.x }}`, and inputs as
// `{{ parameters.x }}`. For steps mapped by ir/ToolMap.h these are
// rewritten in place to this compiler's forms (`steps.x.output`,
// `inputs.x`) before names are resolved.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "ir/Diagnostics.h"
#include "ir/Pipeline.h"

namespace orch::passes {

/// Rewrites ContextLab's reads of results and parameters in every
/// expression of \p P, and reports `a-b.x` that reads a hyphenated step id
/// as a subtraction (`HyphenatedStepRef`).
void rewriteContextLabRefs(ir::Pipeline &P, DiagnosticEngine &Diags);

/// False if \p V is a constant condition: it reads no name.
bool conditionReadsNames(ir::Value *V);

}  // namespace orch::passes
