//===- Views.h - The pipeline as a graph, and explained --------*- C++ -*-===//
//
// `orchc graph` draws the compiled pipeline (Graphviz dot or Mermaid):
// steps ranked by level, coloured by resource group, the critical path in
// bold. `orchc explain` says in words what the passes decided: levels, the
// critical path, groups and their limits, the model of each model step
// and why, and every AUTO value with where it came from.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "ir/Pipeline.h"
#include "llvm/Support/raw_ostream.h"

namespace orch::backends {

/// Graph notations.
enum class GraphFormat { Dot, Mermaid };

/// Writes \p P as a graph in \p F.
void writeGraph(llvm::raw_ostream &OS, const ir::Pipeline &P, GraphFormat F);

/// A route's label in views: `on_success`, `next: when <cond>`, ...
std::string routeLabel(const ir::Route &R);

/// Writes what the passes decided about \p P, for people.
void writeExplanation(llvm::raw_ostream &OS, const ir::Pipeline &P);

/// The critical path: from the step with the longest path, each time the
/// dependent that continues it. Empty before the schedule pass.
std::vector<uint32_t> criticalPath(const ir::Pipeline &P);

/// A fused model request (fuse-models) in words: its steps, the requests
/// and the estimated prompt tokens it saves.
std::string fusionSummary(const ir::Pipeline &P, const ir::ModelFusionGroup &G);

}  // namespace orch::backends
