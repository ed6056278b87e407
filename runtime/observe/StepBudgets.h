//===- StepBudgets.h - Steps' own budgets, from the plan -------*- C++ -*-===//
//
// A step's `budget: {max_cost_usd, max_tokens}` limits what its model calls
// spend (retries included), next to the run's `context.budget`
// (docs/observability.md §3). The ledger asks for a caller's limits by the
// caller's name: a step id, or a loop item's path (`each[1].say`), which
// goes by its body step's budget, one budget per item.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "ir/plan/Plan_generated.h"
#include "runtime/observe/Ledger.h"

namespace orch::observe {

/// The step id a caller's calls are budgeted by: \p Caller itself, or for a
/// loop item's path (`outer[0].each[1].say`) the part after the last `].`.
llvm::StringRef budgetedStep(llvm::StringRef Caller);

/// The lookup of \p P's steps' budgets (null when no step has one); on_budget
/// comes from the run's limits.
StepBudgetLookup stepBudgetsOf(const plan::Plan &P);

}  // namespace orch::observe
