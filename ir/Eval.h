//===- Eval.h - Evaluating template expressions ----------------*- C++ -*-===//
//
// The one implementation of template semantics: the compiler folds
// constants with it and the runtime renders parameters with it, so both
// agree by construction. Values are JSON with Jinja2's (Python's) rules
// for every operator and filter; a missing name, attribute or index is
// *undefined* (an error unless `default` catches it).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>

#include "ir/Expr.h"
#include "ir/Json.h"
#include "ir/Pipeline.h"
#include "ir/Value.h"
#include "llvm/Support/Error.h"

namespace orch::ir {

/// Where names come from when evaluating.
class EvalScope {
 public:
  virtual ~EvalScope() = default;
  /// The value of pipeline input \p Name, or null if there is none.
  virtual const orch::ir::Json *input(llvm::StringRef Name) const = 0;
  /// The result object of step \p Id (`output` and any other fields), or
  /// null if there is no such step or it has not run.
  virtual const orch::ir::Json *step(llvm::StringRef Id) const = 0;
  /// Field \p Field of step \p Id's result (`steps.<Id>.<Field>`), or null
  /// if there is no such step or field. The evaluator asks this rather than
  /// step() when a template names a field, so a scope that keeps large
  /// fields elsewhere fetches only the one asked for. Default: via step().
  virtual const orch::ir::Json *stepField(llvm::StringRef Id,
                                          llvm::StringRef Field) const {
    const orch::ir::Json *S = step(Id);
    if (!S || !S->is_object()) return nullptr;
    auto It = S->find(Field.str());
    return It == S->end() ? nullptr : &*It;
  }
  /// Loop variable \p Name of the loop iteration being rendered (`item`,
  /// `index`, `is_first`, `is_last`, `iteration`), or null. A bare name
  /// reads it before an input or a step of that name; `inputs.<name>`
  /// never does. Default: null (no loops).
  virtual const orch::ir::Json *loopVariable(llvm::StringRef /*Name*/) const {
    return nullptr;
  }
  /// True if \p Id names a step of the pipeline, whether or not it has a
  /// result: a bare name of a step without one (skipped, jumped over) is
  /// undefined all the way down, as `steps.<Id>` is (`| default` works).
  /// Default: false.
  virtual bool stepNamed(llvm::StringRef /*Id*/) const { return false; }
  /// A run-time variable: `execution` (a mapping of `timestamp`, `run_id`
  /// and `date`), `output_path` (the run's directory) or `timestamp`
  /// (ContextLab's name for `execution.timestamp`); null where there
  /// is no run (the compiler: such templates are not folded). Default: null.
  virtual const orch::ir::Json *runVariable(llvm::StringRef /*Name*/) const {
    return nullptr;
  }
};

/// True if \p Name is a run-time variable (`execution`, `output_path`,
/// `timestamp`, `pipeline_id`).
bool isRunVariable(llvm::StringRef Name);

/// The fields of `execution`.
llvm::ArrayRef<llvm::StringLiteral> executionFields();

/// Evaluates \p E. Errors say what was undefined or which operation failed,
/// with the expression's source form.
llvm::Expected<orch::ir::Json> evaluate(const Expr *E, const EvalScope &S);

/// Evaluates a parameter value: constants as they are, a template that is a
/// single placeholder keeps its value's type, other templates render to a
/// string, AUTO tags give their resolved value, lists and maps recursively.
llvm::Expected<orch::ir::Json> evaluateValue(const Value *V, const EvalScope &S);

/// Applies template filter \p Name to \p V (the `transform` action uses
/// this too). `default` replaces null. Errors name the filter.
llvm::Expected<orch::ir::Json> applyFilter(llvm::StringRef Name, const orch::ir::Json &V,
                                           llvm::ArrayRef<orch::ir::Json> Args);

/// How an action prints a parameter value: strings as they are, null as
/// "", numbers and booleans as JSON, lists and maps as compact JSON. (A
/// placeholder inside a template renders with Python's str(), as Jinja2
/// does: see PyText.h.)
std::string displayString(const orch::ir::Json &V);

/// JSON text of \p V. Runtime strings (command output, HTTP bodies) may
/// hold invalid UTF-8: such bytes become U+FFFD instead of an exception.
std::string toJsonText(const orch::ir::Json &V, int Indent = -1);

/// Jinja truthiness: false, null, 0, "", [] and {} are false.
bool truthy(const orch::ir::Json &V);

/// A scalar constant as JSON.
orch::ir::Json scalarToJson(const Scalar &S);

/// The IR value of \p J (scalars, lists, maps), allocated in \p A, every
/// node at \p L: the inverse of evaluateValue for constants. Its integers
/// must fit in int64: a caller with JSON from outside refuses the others
/// first (findHugeInt).
Value *jsonToValue(const orch::ir::Json &J, Arena &A, SourceLoc L, uint32_t Len);

}  // namespace orch::ir
