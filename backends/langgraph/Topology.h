//===- Topology.h - How graph.mjs wires the steps --------------*- C++ -*-===//
//
// LangGraph runs a graph in super-steps: a node reached by an edge starts
// only when every node of the previous super-step finished. orchrt starts a
// step as soon as its own dependencies are done. The two give the same step
// results exactly when they start every step at the same time, which this
// unit decides (docs/backends/langgraph.md, "Nodes and edges").
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <vector>

#include "ir/Pipeline.h"

namespace orch::backends::langgraph {

/// How graph.mjs wires a pipeline's steps.
struct Wiring {
  /// True: real LangGraph edges (START to the roots, one edge per
  /// dependency, a join as one multi-source edge), a super-step per level.
  /// False: every node starts in the first super-step and waits for its own
  /// dependencies (per-step readiness).
  bool Edges = false;
  /// The number of levels (longest dependency path, in steps); the graph's
  /// recursion limit is one more.
  uint32_t Depth = 0;
  /// The number of steps of the widest level (the most nodes of one
  /// super-step with edges).
  uint32_t Widest = 0;
};

/// The wiring of \p P: edges when the super-step barrier cannot start a step
/// later than orchrt would, i.e. when every step of level L + 1 depends on
/// every step of level L (chains, fan-outs, fan-out then fan-in); per-step
/// readiness otherwise.
Wiring chooseWiring(const ir::Pipeline &P);

}  // namespace orch::backends::langgraph
