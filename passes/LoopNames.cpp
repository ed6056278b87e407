//===- LoopNames.cpp - Names a loop gives its body and condition ----------===//
#include "passes/LoopNames.h"

namespace orch::passes {

bool conditionReadsBody(const std::vector<ir::Step> &Steps, uint32_t Loop,
                        uint32_t Target) {
  return Steps[Loop].LoopCond &&
         (Target == Loop || Steps[Target].Parent == static_cast<int32_t>(Loop));
}

bool readsOwnWhileLoop(const std::vector<ir::Step> &Steps, int32_t From,
                       uint32_t Target) {
  if (From < 0 || !Steps[Target].LoopCond) return false;
  for (int32_t L = Steps[From].Parent; L >= 0; L = Steps[L].Parent)
    if (static_cast<uint32_t>(L) == Target) return true;
  return false;
}

CycleRead cycleRead(const std::vector<ir::Step> &Steps, int32_t From, uint32_t Target) {
  int32_t L = Steps[Target].Parent;
  if (L < 0 || !Steps[L].isCycle()) return CycleRead::None;
  // The step of the cycle's body that holds From (or From itself).
  int32_t A = From;
  while (A >= 0 && Steps[A].Parent != L) A = Steps[A].Parent;
  if (A < 0) {
    // Outside: the loop must be visible from From as a step would be.
    return ir::reach(Steps, From, static_cast<uint32_t>(L)) == ir::Reach::Visible
               ? CycleRead::Last
               : CycleRead::None;
  }
  // Inside: a later step of the body reads this iteration's (as in any
  // loop body); an earlier one, and the step itself, the previous
  // iteration's. A step in Target's own body: LoopReadsItself.
  if (static_cast<uint32_t>(A) < Target || From == static_cast<int32_t>(Target))
    return CycleRead::Previous;
  return CycleRead::None;
}

std::string previousName(llvm::StringRef Id) { return (Id + ir::PreviousSuffix).str(); }

}  // namespace orch::passes
