//===- LoopCost.cpp - What the passes assume a loop costs -----------------===//
#include "ir/LoopCost.h"

#include <algorithm>

namespace orch::ir {

LoopCost loopCost(const Step &S) {
  LoopCost C;
  C.Defaulted = !S.ExpectedItems;
  C.Expected = S.ExpectedItems ? static_cast<uint64_t>(S.ExpectedItems->Val)
                               : DefaultExpectedItems;
  if (S.LoopCond && S.MaxIterations)
    C.Expected = std::min(C.Expected, static_cast<uint64_t>(S.MaxIterations->Val));
  if (S.ForEach)
    C.Width = S.MaxParallel ? static_cast<uint64_t>(S.MaxParallel->Val)
                            : std::max<uint64_t>(C.Expected, 1);
  C.Waves = (C.Expected + C.Width - 1) / C.Width;
  return C;
}

}  // namespace orch::ir
