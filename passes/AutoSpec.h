//===- AutoSpec.h - What an AUTO tag must answer, and how to ask -*- C++ -*-===//
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ir/Json.h"
#include "ir/Pipeline.h"
#include "passes/AutoText.h"

namespace orch::passes {

/// The question for one tag: the JSON schema its answer must satisfy and
/// the prompt that carries the pipeline context.
struct AutoSpec {
  /// Schema of the answer; null when nothing fixes the type (then the
  /// format is asked for first: the two-step approach).
  std::optional<orch::ir::Json> Schema;
  ir::Type Ty = ir::Type::Any;
  std::vector<std::string> Choices;  ///< From `choices=` or the tag text.
  std::string Why;                   ///< Where the type came from (tests, docs).
  std::string System;
  std::string Prompt;
};

/// Facts about the pipeline the tag's field may be constrained by.
struct AutoDomain {
  std::vector<std::string> Actions;     ///< Known action names.
  std::vector<std::string> ModelNames;  ///< The model registry's names.
};

/// Builds the spec of tag \p T of pipeline \p P. \p Step is the step the
/// tag belongs to, or -1; \p Field names what the tag fills: "action",
/// "dependencies", "for_each", "timeout", "max_retries", "model" or
/// "parameter".
AutoSpec buildAutoSpec(const ir::Pipeline &P, const ir::AutoTag &T, int Step,
                       llvm::StringRef Field, const AutoDomain &D);

/// A list a `for_each: <AUTO>` may choose: a field path of a step.
struct LoopList {
  uint32_t Step;                    ///< The step that answers it.
  std::vector<std::string> Fields;  ///< `items`; `data`, `claims` (extract).
  std::string Text;                 ///< As the model sees it: `step.field`.
};

/// The lists a `for_each: <AUTO>` of loop \p Step may iterate: each list
/// a step of its `dependencies` always answers (a built-in action's list
/// fields other than `errors` and `warnings`, the required array
/// properties of a `generate` step's `schema`, and of an `extract` step's
/// under `data`), in the order written. Steps of the loop's own body are
/// not visible to it and are skipped.
std::vector<LoopList> loopListChoices(const ir::Pipeline &P, int Step);

/// A schema for the schema asked for in the first of the two steps.
orch::ir::Json formatSpecSchema();

}  // namespace orch::passes
