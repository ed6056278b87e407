//===- ModelBatch.cpp - The model.batch action ----------------------------===//
//
// `model.batch` runs a list of tasks, each on the model model.route's task
// mode recommends for it over the run's registry: by default the cheapest
// that fits `max_budget_per_task`. The tasks are asked in order, one
// request each, on a worker thread; the cost is what the answers' token
// counts come to at the registry's prices. ContextLab's
// `multi-model-routing` `optimize_batch` runs it (docs/actions.md §21).
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include <cmath>

#include "ir/Actions.h"
#include "ir/Eval.h"
#include "llvm/ADT/StringExtras.h"
#include "runtime/actions/LlmSteps.h"
#include "runtime/actions/ModelRoute.h"
#include "runtime/actions/ModelSelect.h"

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

/// `optimization_goal` and the routing strategy it asks for.
struct BatchGoal {
  llvm::StringLiteral Name, Strategy;
};
/// The first is the default.
constexpr BatchGoal BatchGoals[] = {
    {"minimize_cost", "cost"}, {"balanced", "balanced"}, {"maximize_quality", "quality"}};

double roundUsd(double D) { return std::round(D * 1e9) / 1e9; }

}  // namespace

ActionResult LlmSteps::runTaskBatch(const ActionRequest &R,
                                    const std::atomic<bool> *Cancel) {
  // The routing: model.route's task mode over the same candidates.
  const BatchGoal *Goal = &BatchGoals[0];
  if (auto G = R.Params.find("optimization_goal"); G != R.Params.end() && !G->is_null()) {
    Goal = nullptr;
    for (const BatchGoal &X : BatchGoals)
      if (G->is_string() && X.Name == G->get_ref<const std::string &>()) Goal = &X;
    if (!Goal)
      return ActionResult::badParam(fmt::format("optimization goal {} is not one of {}",
                                                ir::toJsonText(*G),
                                                llvm::join(ir::batchGoals(), ", ")));
  }
  json Limits = json::object();
  if (auto C = R.Params.find("constraints"); C != R.Params.end() && !C->is_null()) {
    if (!C->is_object())
      return ActionResult::badParam("parameter `constraints` must be a mapping");
    for (auto &[K, V] : C->items()) {
      if (K == "max_budget_per_task")
        Limits["max_cost_per_task"] = V;
      else if (K == "total_budget" || K == "max_latency")
        Limits[K] = V;
      else
        return ActionResult::badParam(
            fmt::format("constraint `{}` is not one of max_budget_per_task, "
                        "total_budget, max_latency",
                        K));
    }
  }
  json Route = {{"tasks", R.Params.value("tasks", json(nullptr))},
                {"routing_strategy", Goal->Strategy.str()},
                {"constraints", std::move(Limits)}};
  if (auto M = R.Params.find("models"); M != R.Params.end()) Route["models"] = *M;
  llvm::Expected<ir::ModelRegistry> Reg = runRegistry("model.batch", S.Registry);
  if (!Reg) return ActionResult::badParam(llvm::toString(Reg.takeError()));
  RouteCounts Unused;
  ActionResult Routed = routeModels(Route, *Reg, Unused);
  if (!Routed.Ok) return Routed;
  const json &Recs = Routed.Fields["recommendations"];
  for (const json &Rec : Recs)
    if (Rec["model"].is_null())
      return ActionResult::badParam(fmt::format("task {} has no model: {}",
                                                Rec["task_index"].get<size_t>(),
                                                Rec["reasons"][0].get<std::string>()));

  // The asking: each task in turn, as a `generate` step of its own.
  const json &Tasks = R.Params["tasks"];
  json Results = json::array(), Used = json::array(), Each = json::array();
  double Total = 0;
  for (size_t I = 0; I < Tasks.size(); ++I) {
    if (Cancel && *Cancel) return ActionResult::failure("cancelled");
    std::string Model = Recs[I]["model"].get<std::string>();
    ActionRequest One = R;
    One.Action = "generate";
    One.Params = json::object();
    One.Params["prompt"] = routeTaskText(Tasks[I]);
    for (const char *K : {"max_tokens", "temperature"})
      if (R.Params.contains(K)) One.Params[K] = R.Params[K];
    One.ParamOrder = {"prompt"};
    One.OutputSchema.clear();
    bool Refused = false;
    llm::Usage Tokens;
    ActionResult Res = ask(One, Model, Cancel, Refused, &Tokens);
    if (!Res.Ok) {
      Res.Error = fmt::format("task {} (model `{}`): {}", I, Model, Res.Error);
      return Res;
    }
    // Priced as routed: the registry read above holds the model.
    const ir::RegistryModel &Priced = *Reg->model(Model);
    double Cost = Tokens.InputTokens * Priced.InputUsdPerToken +
                  Tokens.OutputTokens * Priced.OutputUsdPerToken;
    Total += Cost;
    Results.push_back(Res.Fields.value("output", json("")));
    Each.push_back({{"task_index", I},
                    {"model", Model},
                    {"input_tokens", Tokens.InputTokens},
                    {"output_tokens", Tokens.OutputTokens},
                    {"cost", roundUsd(Cost)}});
    if (std::find(Used.begin(), Used.end(), json(Model)) == Used.end())
      Used.push_back(Model);
  }
  ActionResult Out = ActionResult::success(
      {{"results", Results},
       {"models_used", std::move(Used)},
       {"total_cost", roundUsd(Total)},
       {"average_cost", roundUsd(Total / static_cast<double>(Tasks.size()))},
       {"strategy", Goal->Name.str()},
       {"optimization_goal", Goal->Name.str()},
       {"task_count", Tasks.size()},
       {"tasks", std::move(Each)}});
  Out.Fields["output"] = ir::toJsonText(Results);
  return Out;
}

}  // namespace orch::runtime
