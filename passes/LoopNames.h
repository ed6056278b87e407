//===- LoopNames.h - Names a loop gives its body and condition -*- C++ -*-===//
//
// What a `while`/`until` loop's condition and body may read of the loop
// itself (docs/control-flow.md); loop variables: ir::loopVariableType.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <vector>

#include "ir/Pipeline.h"

namespace orch::passes {

/// Whether the condition of `while`/`until` loop \p Loop may read step
/// \p Target: the loop itself (`loop.iteration`, `loop.results`) or one of
/// its direct body steps (its last iteration's result). Such a read adds
/// no edge: it is what the body changes.
bool conditionReadsBody(const std::vector<ir::Step> &Steps, uint32_t Loop,
                        uint32_t Target);

/// Whether a body step may read `while`/`until` loop \p Target that holds
/// it: its `iteration` and the `results` of the iterations done so far.
bool readsOwnWhileLoop(const std::vector<ir::Step> &Steps, int32_t From, uint32_t Target);

/// How step \p From (-1: the pipeline's outputs) reads \p Target, a step of
/// a routing cycle (docs/control-flow.md §5).
enum class CycleRead : uint8_t {
  None,      ///< Not a cycle's step, or read as any body step is.
  Previous,  ///< From is Target, or in the cycle before it: the previous iteration.
  Last,      ///< From is outside the cycle: its last iteration (an edge to the loop).
};
CycleRead cycleRead(const std::vector<ir::Step> &Steps, int32_t From, uint32_t Target);

/// The name a cycle's previous-iteration read of step \p Id is rewritten
/// to (`review@previous`): orchrt reads it from the loop's last iteration.
std::string previousName(llvm::StringRef Id);

}  // namespace orch::passes
