//===- ModelRoute.cpp - The model.route action ----------------------------===//
#include "runtime/actions/ModelRoute.h"

#include <fmt/format.h>

#include <cmath>
#include <optional>
#include <vector>

#include "ir/Eval.h"
#include "ir/JsonLimits.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "runtime/actions/ModelSelect.h"

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

double rounded6(double D) { return std::round(D * 1e6) / 1e6; }

/// The candidates: `models` (a list of names, or text holding a JSON list
/// or one name, as a rendered template gives it; empty or absent: the
/// registry's models but quantized variants). Sets \p Problem on a bad one.
std::vector<const ir::RegistryModel *> candidates(const json &Params,
                                                  const ir::ModelRegistry &Registry,
                                                  std::string &Problem) {
  std::vector<const ir::RegistryModel *> Pool;
  json Names = Params.contains("models") ? Params["models"] : json(nullptr);
  if (Names.is_string()) {
    std::string Text = llvm::StringRef(Names.get<std::string>()).trim().str();
    json Parsed = ir::parseJsonBounded(Text);
    Names = Parsed.is_array() ? std::move(Parsed)
            : Text.empty()    ? json::array()
                              : json::array({Text});
  }
  if (!Names.is_null() && !Names.is_array()) {
    Problem = "parameter `models` must be a list of model names";
    return {};
  }
  if (Names.is_array() && !Names.empty()) {
    for (const json &N : Names) {
      if (!N.is_string()) {
        Problem = "parameter `models` must list model names";
        return {};
      }
      const ir::RegistryModel *M = Registry.model(N.get<std::string>());
      if (!M || !M->IsMap) {
        Problem = fmt::format("model `{}` is not in the model registry `{}`",
                              N.get<std::string>(), Registry.Path);
        return {};
      }
      if (!llvm::is_contained(Pool, M)) Pool.push_back(M);
    }
    return Pool;
  }
  for (const ir::RegistryModel &M : Registry.Models)
    if (M.IsMap && M.BaseModel.empty() && Registry.model(M.Name) == &M)
      Pool.push_back(&M);
  if (Pool.empty())
    Problem = fmt::format("the model registry `{}` has no models", Registry.Path);
  return Pool;
}

json names(const std::vector<const ir::RegistryModel *> &Ms) {
  json Out = json::array();
  for (const ir::RegistryModel *M : Ms) Out.push_back(M->Name);
  return Out;
}

/// A number, or text that reads as one (a rendered template); nullopt
/// when absent or null. Sets \p Problem when it is neither.
std::optional<double> number(const json &Map, const char *Name, const char *What,
                             std::string &Problem) {
  auto It = Map.find(Name);
  if (It == Map.end() || It->is_null()) return std::nullopt;
  double D = NAN;
  if (It->is_number()) D = It->get<double>();
  if (It->is_string()) {
    llvm::StringRef T = llvm::StringRef(It->get_ref<const std::string &>()).trim();
    if (T.empty() || T.getAsDouble(D)) D = NAN;  // getAsDouble: true on failure
  }
  if (std::isfinite(D) && D >= 0) return D;
  Problem = fmt::format("{} `{}` must be a number of at least 0, found {}", What, Name,
                        ir::toJsonText(*It));
  return std::nullopt;
}

/// The row of \p Table that parameter \p Param names (absent or null: the
/// first), or null with \p Problem set.
template <typename Row, size_t N>
const Row *strategy(const json &Params, const char *Param, const Row (&Table)[N],
                    std::string &Problem) {
  auto It = Params.find(Param);
  if (It == Params.end() || It->is_null()) return &Table[0];
  if (!It->is_string()) {
    Problem = fmt::format("parameter `{}` must be a string", Param);
    return nullptr;
  }
  for (const Row &R : Table)
    if (R.Name == It->template get_ref<const std::string &>()) return &R;
  std::vector<llvm::StringRef> All;
  for (const Row &R : Table) All.push_back(R.Name);
  Problem = fmt::format("routing strategy `{}` is not one of {}",
                        It->template get<std::string>(), llvm::join(All, ", "));
  return nullptr;
}

//===-- One request -------------------------------------------------------===//

struct Choice {
  const ir::RegistryModel *M;
  std::string Reason;
};

using RequestRule = std::optional<Choice> (*)(
    const std::string &Request, const std::vector<const ir::RegistryModel *> &,
    const ir::ModelRegistry &, RouteCounts &, std::string &Problem);

Choice leastRouted(const std::vector<const ir::RegistryModel *> &Ms, RouteCounts &C) {
  const ir::RegistryModel *Best = Ms.front();
  for (const ir::RegistryModel *M : Ms)
    if (C.Routed[M->Name] < C.Routed[Best->Name]) Best = M;
  return {Best, fmt::format("fewest requests routed so far ({})", C.Routed[Best->Name])};
}

std::optional<Choice> byRanking(const std::string &Request,
                                const std::vector<const ir::RegistryModel *> &Ms,
                                const ir::ModelRegistry &Registry, RouteCounts &C,
                                std::string &) {
  ActionResult R = selectModel({{"task", Request},
                                {"models", names(Ms)},
                                {"cost_weight", 0.3},
                                {"quality_weight", 0.7}},
                               Registry);
  if (!R.Ok) {
    Choice Fallback = leastRouted(Ms, C);
    Fallback.Reason =
        "no candidate suits the request (" + R.Error + "); " + Fallback.Reason;
    return Fallback;
  }
  std::vector<std::string> Why = R.Fields["reasons"].get<std::vector<std::string>>();
  if (Why.size() > 2) Why.resize(2);
  return Choice{Registry.model(R.Fields["selected_model"].get<std::string>()),
                "best for the request: " + llvm::join(Why, ", ")};
}

std::optional<Choice> byPrice(const std::string &,
                              const std::vector<const ir::RegistryModel *> &Ms,
                              const ir::ModelRegistry &, RouteCounts &, std::string &) {
  // Unpriced models come after every priced one; ties keep list order.
  const ir::RegistryModel *Best = nullptr;
  for (const ir::RegistryModel *M : Ms)
    if (M->PriceGiven && (!Best || requestCost(*M) < requestCost(*Best))) Best = M;
  if (!Best) return Choice{Ms.front(), "no candidate has a price in the registry"};
  return Choice{Best, fmt::format("lowest cost (${:.4f} for 1k tokens in and 1k out)",
                                  requestCost(*Best))};
}

std::optional<Choice> byTurn(const std::string &,
                             const std::vector<const ir::RegistryModel *> &Ms,
                             const ir::ModelRegistry &, RouteCounts &C, std::string &) {
  uint64_t Turn = C.NextTurn++;
  return Choice{Ms[Turn % Ms.size()], fmt::format("round robin (turn {})", Turn + 1)};
}

std::optional<Choice> byLoad(const std::string &,
                             const std::vector<const ir::RegistryModel *> &Ms,
                             const ir::ModelRegistry &, RouteCounts &C, std::string &) {
  return leastRouted(Ms, C);
}

struct RequestStrategy {
  llvm::StringLiteral Name;
  RequestRule Rule;
};
/// `strategy` of one request; the first is the default.
constexpr RequestStrategy RequestStrategies[] = {{"capability_based", byRanking},
                                                 {"cost_optimized", byPrice},
                                                 {"round_robin", byTurn},
                                                 {"least_loaded", byLoad}};

/// A parameter of the other mode given (not null): its name, else "".
std::string otherMode(const json &Params, llvm::ArrayRef<llvm::StringLiteral> Names) {
  for (llvm::StringRef N : Names)
    if (auto It = Params.find(N.str()); It != Params.end() && !It->is_null())
      return N.str();
  return "";
}

ActionResult routeRequest(const json &Params, const ir::ModelRegistry &Registry,
                          RouteCounts &Counts) {
  static constexpr llvm::StringLiteral TaskOnly[] = {"routing_strategy", "constraints"};
  if (std::string N = otherMode(Params, TaskOnly); !N.empty())
    return ActionResult::badParam(
        fmt::format("parameter `{}` routes `tasks`, not a `request`", N));
  auto Rq = Params.find("request");
  if (Rq == Params.end() || !Rq->is_string() ||
      llvm::StringRef(Rq->get_ref<const std::string &>()).trim().empty())
    return ActionResult::badParam(
        "parameter `request` must be a non-empty string (or give `tasks`)");
  std::string Problem;
  const RequestStrategy *S = strategy(Params, "strategy", RequestStrategies, Problem);
  if (!S) return ActionResult::badParam(Problem);
  std::string Name = S->Name.str();
  int64_t Max = 5;
  if (auto It = Params.find("max_concurrent"); It != Params.end() && !It->is_null()) {
    if (!It->is_number_integer() || It->get<int64_t>() < 1)
      return ActionResult::badParam(
          "parameter `max_concurrent` must be a whole number of at least 1");
    Max = It->get<int64_t>();
  }
  std::vector<const ir::RegistryModel *> Pool = candidates(Params, Registry, Problem);
  if (!Problem.empty()) return ActionResult::badParam(Problem);
  std::vector<const ir::RegistryModel *> Open;
  for (const ir::RegistryModel *M : Pool)
    if (Counts.Routed[M->Name] < static_cast<uint64_t>(Max)) Open.push_back(M);
  if (Open.empty())
    return ActionResult::badParam(fmt::format(
        "every candidate has had `max_concurrent` ({}) requests routed to it in this run",
        Max));
  std::optional<Choice> C =
      S->Rule(Rq->get<std::string>(), Open, Registry, Counts, Problem);
  if (!C) return ActionResult::badParam(Problem);
  uint64_t Load = ++Counts.Routed[C->M->Name];
  json Loads = json::object();
  for (const ir::RegistryModel *M : Pool) Loads[M->Name] = Counts.Routed[M->Name];
  return ActionResult::success({{"output", C->M->Name},
                                {"selected_model", C->M->Name},
                                {"routing_reason", C->Reason},
                                {"strategy", Name},
                                {"current_load", Load},
                                {"average_latency", C->M->LatencyP50},
                                {"all_loads", std::move(Loads)}});
}

//===-- A list of tasks ---------------------------------------------------===//

/// `routing_strategy` of a task list: model.select's weights.
struct TaskStrategy {
  llvm::StringLiteral Name;
  double Cost, Quality, Latency;
};
/// The first is the default.
constexpr TaskStrategy TaskStrategies[] = {{"balanced", 0.5, 0.5, 0},
                                           {"cost", 0.9, 0.1, 0},
                                           {"cost_optimized", 0.9, 0.1, 0},
                                           {"quality", 0.1, 0.9, 0},
                                           {"quality_optimized", 0.1, 0.9, 0},
                                           {"capability_based", 0.1, 0.9, 0},
                                           {"speed", 0.1, 0.1, 0.8}};

/// The keys of `constraints`.
constexpr llvm::StringLiteral ConstraintKeys[] = {"total_budget", "max_cost_per_task",
                                                  "max_latency"};

}  // namespace

std::string routeTaskText(const json &T) {
  if (T.is_string()) return T.get<std::string>();
  if (!T.is_object() || !T.contains("task") || !T["task"].is_string()) return "";
  std::string Text = T["task"].get<std::string>();
  if (auto C = T.find("context"); C != T.end() && !C->is_null()) {
    std::string Ctx = C->is_string() ? C->get<std::string>() : ir::toJsonText(*C);
    if (!llvm::StringRef(Ctx).trim().empty()) Text += "\n\nContext: " + Ctx;
  }
  return Text;
}

namespace {

ActionResult routeTasks(const json &Params, const ir::ModelRegistry &Registry) {
  const json &Tasks = Params["tasks"];
  if (!Tasks.is_array() || Tasks.empty())
    return ActionResult::badParam("parameter `tasks` must be a non-empty list");
  if (Params.contains("request") && !Params["request"].is_null())
    return ActionResult::badParam(
        "give `request` (one request) or `tasks` (a list), not both");
  static constexpr llvm::StringLiteral RequestOnly[] = {"strategy", "max_concurrent"};
  if (std::string N = otherMode(Params, RequestOnly); !N.empty())
    return ActionResult::badParam(
        fmt::format("parameter `{}` routes a `request`, not `tasks`", N));
  std::string Problem;
  const TaskStrategy *S = strategy(Params, "routing_strategy", TaskStrategies, Problem);
  if (!S) return ActionResult::badParam(Problem);
  std::string Name = S->Name.str();
  json Limits = Params.value("constraints", json(nullptr));
  if (Limits.is_null()) Limits = json::object();
  if (!Limits.is_object())
    return ActionResult::badParam("parameter `constraints` must be a mapping");
  for (auto &[K, V] : Limits.items())
    if (!llvm::is_contained(ConstraintKeys, K))
      return ActionResult::badParam(
          fmt::format("constraint `{}` is not one of {}", K,
                      llvm::join(llvm::ArrayRef(ConstraintKeys), ", ")));
  std::optional<double> Budget = number(Limits, "total_budget", "constraint", Problem);
  std::optional<double> PerTask =
      number(Limits, "max_cost_per_task", "constraint", Problem);
  std::optional<double> MaxLatency = number(Limits, "max_latency", "constraint", Problem);
  if (!Problem.empty()) return ActionResult::badParam(Problem);
  std::vector<const ir::RegistryModel *> Pool = candidates(Params, Registry, Problem);
  if (!Problem.empty()) return ActionResult::badParam(Problem);
  // A latency limit excludes the models known to be slower.
  std::vector<const ir::RegistryModel *> Fast;
  for (const ir::RegistryModel *M : Pool)
    if (!MaxLatency || M->LatencyP50 <= *MaxLatency) Fast.push_back(M);

  json Recs = json::array(), Chosen = json::array(), Out = json::array();
  double Total = 0;
  for (size_t I = 0; I < Tasks.size(); ++I) {
    std::string Text = routeTaskText(Tasks[I]);
    if (llvm::StringRef(Text).trim().empty())
      return ActionResult::badParam(fmt::format(
          "task {} must be text or a mapping with `task` (text) and `context`", I));
    auto Unrouted = [&](std::string Why) {
      Recs.push_back({{"task_index", I},
                      {"model", nullptr},
                      {"estimated_cost", 0.0},
                      {"estimated_latency", 0.0},
                      {"reasons", json::array({std::move(Why)})}});
      Out.push_back(nullptr);
    };
    if (Fast.empty()) {
      Unrouted(fmt::format("no candidate has a median latency of at most {:g} s",
                           *MaxLatency));
      continue;
    }
    ActionResult R = selectModel({{"task", Text},
                                  {"models", names(Fast)},
                                  {"cost_weight", S->Cost},
                                  {"quality_weight", S->Quality},
                                  {"latency_weight", S->Latency}},
                                 Registry);
    if (!R.Ok) {
      Unrouted(R.Error);
      continue;
    }
    // The best-ranked candidate whose price fits what is left.
    const json *Pick = nullptr;
    const ir::RegistryModel *M = nullptr;
    // A model without a price cannot be held to a budget: with one, it is
    // no candidate.
    bool Priced = false, PerTaskFits = false;
    for (const json &E : R.Fields["all_scores"]) {
      const ir::RegistryModel *X = Registry.model(E["model"].get<std::string>());
      double Cost = requestCost(*X);
      if ((Budget || PerTask) && !X->PriceGiven) continue;
      Priced = true;
      if (PerTask && Cost > *PerTask + 1e-12) continue;
      PerTaskFits = true;
      if (Budget && Total + Cost > *Budget + 1e-12) continue;
      Pick = &E;
      M = X;
      break;
    }
    if (!Pick) {
      Unrouted(!Priced ? std::string("no candidate has a price in the registry, and a "
                                     "budget is set")
               : !PerTaskFits
                   ? fmt::format("no candidate costs at most ${:g} a task", *PerTask)
                   : fmt::format("no candidate fits the budget left (${:g} of ${:g})",
                                 rounded6(*Budget - Total), *Budget));
      continue;
    }
    json Reasons = (*Pick)["reasons"];
    if (Pick != &R.Fields["all_scores"][0])
      Reasons.push_back("the best candidates did not fit the budget");
    double Cost = requestCost(*M);
    Total += Cost;
    Recs.push_back({{"task_index", I},
                    {"model", M->Name},
                    {"score", (*Pick)["score"]},
                    {"estimated_cost", rounded6(Cost)},
                    {"estimated_latency", M->LatencyP50},
                    {"reasons", std::move(Reasons)}});
    Out.push_back(M->Name);
    if (std::find(Chosen.begin(), Chosen.end(), json(M->Name)) == Chosen.end())
      Chosen.push_back(M->Name);
  }
  return ActionResult::success({{"output", std::move(Out)},
                                {"recommendations", std::move(Recs)},
                                {"total_estimated_cost", rounded6(Total)},
                                {"models_selected", std::move(Chosen)},
                                {"routing_strategy", Name},
                                {"tasks_count", Tasks.size()}});
}

}  // namespace

ActionResult routeModels(const json &Params, const ir::ModelRegistry &Registry,
                         RouteCounts &Counts) {
  if (Params.contains("tasks") && !Params["tasks"].is_null())
    return routeTasks(Params, Registry);
  return routeRequest(Params, Registry, Counts);
}

ActionResult runModelRoute(const json &Params, const std::string &RegistryPath,
                           RouteCounts &Counts) {
  llvm::Expected<ir::ModelRegistry> R = runRegistry("model.route", RegistryPath);
  if (!R) return ActionResult::badParam(llvm::toString(R.takeError()));
  return routeModels(Params, *R, Counts);
}

}  // namespace orch::runtime
