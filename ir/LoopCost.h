//===- LoopCost.h - What the passes assume a loop costs ----------*- C++ -*-===//
//
// A loop's estimated duration is its body's longest path times the waves
// its items run in: the expected count (`expected_items:`, else a default)
// over the items in flight at once (`max_parallel`; one for `while` and
// `until`). docs/control-flow.md §3.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>

#include "ir/Pipeline.h"

namespace orch::ir {

/// Items (or iterations) assumed for a loop without `expected_items:`; a
/// `while`/`until` loop assumes at most its `max_iterations`.
inline constexpr uint64_t DefaultExpectedItems = 10;

/// How the passes see loop step \p S.
struct LoopCost {
  uint64_t Expected = 0;   ///< Items or iterations assumed.
  bool Defaulted = false;  ///< Expected is the default (no `expected_items:`).
  uint64_t Width = 1;      ///< Items in flight at once.
  uint64_t Waves = 0;      ///< ceil(Expected / Width).
};

/// The expected count, width and waves of loop step \p S.
LoopCost loopCost(const Step &S);

}  // namespace orch::ir
