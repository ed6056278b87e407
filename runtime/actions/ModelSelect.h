//===- ModelSelect.h - The model.select action -----------------*- C++ -*-===//
//
// `model.select` chooses, when the step runs, the model of the run's
// registry (`orchrt --models`) that suits a task best: it reads the task's
// kind and size from its text (or from `requirements`), keeps the models
// that offer what it needs, and ranks them by accuracy and fit, price and
// latency, as the step weighs them. ContextLab's `task-delegation` tool
// runs it and reads its result fields (docs/actions.md §18).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <functional>
#include <string>

#include "ir/Json.h"
#include "ir/ModelRegistry.h"
#include "llvm/Support/Error.h"
#include "runtime/actions/Action.h"

namespace orch::runtime {

/// `model.select` over the registry \p Registry: `task` (text), optional
/// `requirements` (`task_type`, `complexity`, `capabilities`, `max_tokens`,
/// `domain`), `cost_weight`, `quality_weight`, `latency_weight` and
/// `models` (the candidates; default: the registry's models that are not
/// quantized variants).
ActionResult selectModel(const orch::ir::Json &Params, const ir::ModelRegistry &Registry);

/// The price of 1,000 tokens in and 1,000 out with \p M, in USD (0:
/// unpriced).
double requestCost(const ir::RegistryModel &M);

/// Does \p Action read the run's registry (`model.select`, `model.route`)?
bool readsRegistry(llvm::StringRef Action);

/// The run's registry at \p RegistryPath for a step running \p Action, or
/// why there is none: no `--models`, or a file that cannot be read.
llvm::Expected<ir::ModelRegistry> runRegistry(llvm::StringRef Action,
                                              const std::string &RegistryPath);

/// `model.select` over the registry file \p RegistryPath ("" when the run
/// has none: the step fails and says how to give one).
ActionResult runModelSelect(const orch::ir::Json &Params,
                            const std::string &RegistryPath);

/// What `model.select` and `model.route` attempts read besides their
/// parameters, for RunOptions::OutsideInputs: the registry at \p
/// RegistryPath, as the SHA-256 of its text (read once, at the first such
/// attempt;
/// `none` without one, `unreadable` when it cannot be read). Other
/// actions read nothing ("").
std::function<std::string(const ActionRequest &)> modelSelectInputs(
    const std::string &RegistryPath);

}  // namespace orch::runtime
