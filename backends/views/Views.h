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

#include <map>
#include <string>

#include "ir/Pipeline.h"
#include "llvm/Support/raw_ostream.h"

namespace orch::backends {

/// What the model registry says a model costs, for explain's estimate.
struct ModelPrice {
  double InputUsdPerToken = 0, OutputUsdPerToken = 0;  ///< 0, 0: unpriced.
  double BatchPriceShare = 0.5;  ///< The share a batched request costs.
  int64_t MaxTokens = 0;         ///< The registry's `max_tokens` (0: unset).
};
/// By model name.
using ModelPrices = std::map<std::string, ModelPrice, std::less<>>;

/// Prompt tokens assumed for each `{{ }}` placeholder whose value is known
/// only at run time (an input, another step's output).
inline constexpr uint64_t RuntimeValueTokens = 250;
/// Answer tokens assumed for a call whose step, `generate` parameters and
/// registry entry set no `max_tokens`.
inline constexpr uint64_t DefaultAnswerTokens = 1024;

/// Graph notations.
enum class GraphFormat { Dot, Mermaid };

/// Writes \p P as a graph in \p F.
void writeGraph(llvm::raw_ostream &OS, const ir::Pipeline &P, GraphFormat F);

/// A route's label in views: `on_success`, `next: when <cond>`, ...
std::string routeLabel(const ir::Route &R);

/// Writes what the passes decided about \p P, for people, and with \p
/// Prices (the registry's models; null: none read) what its model calls
/// are expected to cost.
void writeExplanation(llvm::raw_ostream &OS, const ir::Pipeline &P,
                      const ModelPrices *Prices = nullptr);

/// The cost estimate of \p P's model steps (docs/observability.md §1.1):
/// calls (loops: their expected count) x estimated tokens x the registry's
/// price, per step and in all; "unpriced" where \p Prices has none.
void writeCostEstimate(llvm::raw_ostream &OS, const ir::Pipeline &P,
                       const ModelPrices *Prices);

/// The critical path: from the step with the longest path, each time the
/// dependent that continues it. Empty before the schedule pass.
std::vector<uint32_t> criticalPath(const ir::Pipeline &P);

/// A fused model request (fuse-models) in words: its steps, the requests
/// and the estimated prompt tokens it saves.
std::string fusionSummary(const ir::Pipeline &P, const ir::ModelFusionGroup &G);

}  // namespace orch::backends
