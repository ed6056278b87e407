//===- PromptOptimize.h - The prompt.optimize action -----------*- C++ -*-===//
//
// `prompt.optimize` rewrites a prompt by fixed rules, one table a goal
// (clarity, brevity, specificity, model_specific), and can cut it to a
// token budget. It asks no model: the same prompt and parameters give the
// same text. ContextLab's `prompt-optimization` tool runs it and reads its
// result fields (docs/actions.md §20).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "ir/Json.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "runtime/actions/Action.h"

namespace orch::runtime {

/// `prompt.optimize`: `prompt` (text), optional `model` (the model it is
/// for), `optimization_goals` (a list, or text holding a JSON list or one
/// goal; default clarity and model_specific), `max_tokens` and
/// `preserve_intent` (cut the middle, not the end; default true).
ActionResult runPromptOptimize(const orch::ir::Json &Params);

}  // namespace orch::runtime
