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

}  // namespace orch::passes
