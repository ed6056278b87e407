//===- Human.h - Answers a person gives a run (human.* actions) -*- C++ -*-===//
//
// `human.input` (a value), `human.approval` (a yes or no, with a reason or
// a changed text) and `human.feedback` (a form's answers) take what a
// person answered for the step, from the run's answers file (`orchrt
// --answers`, an object by step id): ContextLab's `user-prompt`,
// `approval-gate` and `feedback-collection` tools, whose result fields
// they answer. orchrt asks nothing on a terminal; a step without an
// answer takes its `default` (`human.input`) or fails, naming what to
// write (docs/actions.md §17).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>

#include "ir/Json.h"
#include "runtime/actions/Action.h"

namespace orch::runtime {

/// Runs human action \p R with \p Answers (the answers file: step id ->
/// answer; null: none given). `human.feedback` writes `save_to_file`
/// inside \p RunDir as `file.write` does.
ActionResult runHuman(const ActionRequest &R, const orch::ir::Json &Answers,
                      const std::string &RunDir);

}  // namespace orch::runtime
