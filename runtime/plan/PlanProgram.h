//===- PlanProgram.h - A loaded plan's values as IR, for evaluation -*- C++ -*-===//
//
// The runtime renders parameters with ir/Eval, the evaluator the compiler
// folds constants with, so both agree by construction. This rebuilds the
// plan's expression pool and values as IR nodes once, at load time.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <memory>
#include <vector>

#include "ir/Pipeline.h"
#include "runtime/plan/PlanReader.h"

namespace orch::runtime {

/// The parameters, conditions and outputs of a validated plan as IR values.
/// Strings point into the plan's bytes: it must not outlive the LoadedPlan.
class PlanProgram {
 public:
  /// Converts \p P (which readPlan validated, so every index is in range).
  explicit PlanProgram(const LoadedPlan &P);

  /// Step \p I's parameters, in source order.
  llvm::ArrayRef<ir::MapEntry> params(size_t Step) const { return Params[Step]; }
  /// Is parameter \p K of step \p Step an integer parameter of its built-in
  /// action (`ms`, `max_results`, `max_tokens`)? A whole number rendered
  /// there is passed as the integer (ir::wholeToInteger).
  bool integerParam(size_t Step, size_t K) const {
    return K < IntParams[Step].size() && IntParams[Step][K];
  }
  /// Step \p I's condition, or null.
  const ir::Value *condition(size_t Step) const { return Conditions[Step]; }
  /// Loop step \p Step's items (`for_each:`), or null for other steps.
  const ir::Value *forEach(size_t Step) const { return Items[Step]; }
  /// `while`/`until` loop step \p Step's condition, or null for other steps.
  const ir::Value *loopCondition(size_t Step) const { return LoopConds[Step]; }
  /// `while`/`until` loop step \p Step's templated `max_iterations`
  /// (rendered as the loop starts), or null: the plan's number is the bound.
  const ir::Value *loopBound(size_t Step) const { return LoopBounds[Step]; }
  /// Step \p Step's templated `model`, rendered when it starts, or null:
  /// the plan's `model` (or the run's) is the model.
  const ir::Value *modelValue(size_t Step) const { return ModelValues[Step]; }
  /// A loop step (`for_each` or `while`/`until`): it has a body.
  bool isLoop(size_t Step) const { return Items[Step] || LoopConds[Step]; }
  /// Step \p Step's route \p R's `when` condition (docs/language.md
  /// §6.4), or null for routes of another kind.
  const ir::Value *routeWhen(size_t Step, size_t R) const {
    return R < RouteWhens[Step].size() ? RouteWhens[Step][R] : nullptr;
  }
  /// The value of input \p I bound at compile time, or its default, or null.
  const ir::Value *inputValue(size_t Input) const { return InputValues[Input]; }
  /// Declared outputs: name and value.
  llvm::ArrayRef<ir::MapEntry> outputs() const { return Outputs; }

 private:
  ir::Value *value(const plan::Value *V);

  const plan::Plan &P;
  ir::Arena A;
  std::vector<ir::Expr *> Exprs;
  std::vector<ir::AutoTag *> Tags;
  std::vector<std::vector<ir::MapEntry>> Params;
  std::vector<std::vector<bool>> IntParams;  ///< Empty for most steps.
  std::vector<const ir::Value *> Conditions;
  std::vector<const ir::Value *> Items;
  std::vector<const ir::Value *> LoopConds;
  std::vector<const ir::Value *> LoopBounds;
  std::vector<const ir::Value *> ModelValues;
  std::vector<std::vector<const ir::Value *>> RouteWhens;
  std::vector<const ir::Value *> InputValues;
  std::vector<ir::MapEntry> Outputs;
};

}  // namespace orch::runtime
