//===- BudgetStop.h - Stops a run once its budget is reached ---*- C++ -*-===//
//
// With `on_budget: abort`, the run stops after the attempt whose call
// reached the budget has ended: that step keeps the answer it paid for,
// and no model call starts after it (the Ledger refuses them meanwhile).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <functional>

#include "runtime/exec/Scheduler.h"
#include "runtime/observe/Ledger.h"

namespace orch::observe {

/// A RunObserver that calls \p Stop once, at the end of the first attempt
/// after \p L recorded a breach.
class BudgetStop : public runtime::RunObserver {
 public:
  BudgetStop(const Ledger &L, std::function<void(const BudgetBreach &)> Stop)
      : L(L), Stop(std::move(Stop)) {}
  void attemptEnded(uint32_t /*Step*/, unsigned /*Attempt*/,
                    const runtime::ActionResult & /*R*/) override {
    if (Stopped) return;
    if (std::optional<BudgetBreach> B = L.breach()) {
      Stopped = true;
      Stop(*B);
    }
  }

 private:
  const Ledger &L;
  std::function<void(const BudgetBreach &)> Stop;
  bool Stopped = false;
};

}  // namespace orch::observe
