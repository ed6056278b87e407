//===- ModelRoute.h - The model.route action -------------------*- C++ -*-===//
//
// `model.route` spreads requests over the models of the run's registry
// (`orchrt --models`): one `request` by a strategy (its ranking for the
// request, the lowest price, turns, the fewest routed so far), or each of
// a list of `tasks` by model.select's ranking under a budget. ContextLab's
// `multi-model-routing` tool runs it and reads its result fields
// (docs/actions.md §19).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "ir/Json.h"
#include "ir/ModelRegistry.h"
#include "runtime/actions/Action.h"

namespace orch::runtime {

/// What the `model.route` steps of one run have routed: the turn of the
/// next `round_robin` request and the requests sent to each model.
struct RouteCounts {
  uint64_t NextTurn = 0;
  std::map<std::string, uint64_t> Routed;
};

/// `model.route` over \p Registry: with `tasks`, a recommendation for each
/// (`routing_strategy`, `constraints`); else one `request` (`strategy`,
/// `max_concurrent`), counted in \p Counts. `models` lists the candidates
/// (default: the registry's models but quantized variants).
ActionResult routeModels(const orch::ir::Json &Params, const ir::ModelRegistry &Registry,
                         RouteCounts &Counts);

/// The text a task of `tasks` stands for: a string, or a mapping's `task`
/// with its `context` added (`Context: ...`); "" when it is neither.
std::string routeTaskText(const orch::ir::Json &Task);

/// `model.route` over the registry file \p RegistryPath ("" when the run
/// has none: the step fails and says how to give one).
ActionResult runModelRoute(const orch::ir::Json &Params, const std::string &RegistryPath,
                           RouteCounts &Counts);

}  // namespace orch::runtime
