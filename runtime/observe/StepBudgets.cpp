//===- StepBudgets.cpp ----------------------------------------------------===//
#include "runtime/observe/StepBudgets.h"

#include <string>

#include "llvm/ADT/StringMap.h"

namespace orch::observe {

llvm::StringRef budgetedStep(llvm::StringRef Caller) {
  size_t At = Caller.rfind("].");
  return At == llvm::StringRef::npos ? Caller : Caller.drop_front(At + 2);
}

StepBudgetLookup stepBudgetsOf(const plan::Plan &P) {
  llvm::StringMap<BudgetLimits> ById;
  if (P.steps())
    for (const plan::Step *S : *P.steps()) {
      BudgetLimits L;
      L.MaxCostUsd = S->budget_max_cost_usd();
      L.MaxTokens = S->budget_max_tokens();
      if (L.any() && S->id()) ById[S->id()->string_view()] = L;
    }
  if (ById.empty()) return nullptr;
  return [ById = std::move(ById)](llvm::StringRef Caller) {
    auto It = ById.find(budgetedStep(Caller));
    return It == ById.end() ? BudgetLimits() : It->second;
  };
}

}  // namespace orch::observe
