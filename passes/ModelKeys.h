//===- ModelKeys.h - Model keys on a step that asks no model ---*- C++ -*-===//
//
// `model:` applies to steps that ask a model. `validate` checks it where
// the action is written, `check-actions` once an AUTO action is resolved:
// both ask here.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "ir/Actions.h"
#include "ir/Diagnostics.h"
#include "ir/Pipeline.h"

namespace orch::passes {

/// Reports ModelKeyOnLocalStep at \p S's `model:` (named or templated)
/// when its action asks no model: the model would be dropped, and a
/// templated one rendered for nothing.
inline void checkModelOnLocalStep(const ir::Step &S, DiagnosticEngine &D) {
  if (ir::isModelAction(S.Action.Str)) return;
  if (S.ModelValue)
    D.report(DiagKind::ModelKeyOnLocalStep, S.ModelValue->loc(), S.ModelValue->length(),
             "model", S.Action.Str.str());
  else if (S.Model.Loc.isValid() && !S.Model.Str.empty())
    D.report(DiagKind::ModelKeyOnLocalStep, S.Model.Loc, S.Model.Length, "model",
             S.Action.Str.str());
}

}  // namespace orch::passes
