//===- LoopNames.cpp - Names a loop gives its body and condition ----------===//
#include "passes/LoopNames.h"

namespace orch::passes {

std::optional<ir::Type> loopVariableType(const std::vector<ir::Step> &Steps, int32_t Loop,
                                         llvm::StringRef Name) {
  static const std::pair<llvm::StringRef, ir::Type> ItemVars[] = {
      {"item", ir::Type::Any},
      {"index", ir::Type::Int},
      {"is_first", ir::Type::Bool},
      {"is_last", ir::Type::Bool}};
  for (int32_t L = Loop; L >= 0; L = Steps[L].Parent) {
    if (Steps[L].ForEach)
      for (const auto &[N, T] : ItemVars)
        if (N == Name) return T;
    if (Steps[L].LoopCond && Name == "iteration") return ir::Type::Int;
  }
  return std::nullopt;
}

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
