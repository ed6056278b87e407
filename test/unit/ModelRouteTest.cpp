//===- ModelRouteTest.cpp - model.route over a registry -------------------===//
#include <gtest/gtest.h>

#include "ir/Actions.h"
#include "ir/ModelRegistryYaml.h"
#include "runtime/actions/ModelRoute.h"

namespace model_route_test {

using json = orch::ir::Json;
using orch::runtime::RouteCounts;
using orch::runtime::routeModels;

/// A cheap fast coder, a dear accurate analyst, an unpriced local model
/// and a quantized variant of the analyst (never a default candidate).
orch::ir::ModelRegistry registry() {
  return orch::ir::readModelRegistry(YAML::Load(R"(
models:
  cheap:
    capabilities: {tasks: [code_generation, general]}
    metrics: {accuracy: 0.8, latency_p50: 0.5}
    pricing: {input_usd_per_mtok: 1, output_usd_per_mtok: 3}
  dear:
    capabilities: {tasks: [analysis, reasoning]}
    metrics: {accuracy: 0.95, latency_p50: 3}
    pricing: {input_usd_per_mtok: 10, output_usd_per_mtok: 30}
  local:
    capabilities: {tasks: [general]}
  dear-q4:
    base_model: dear
    quantization: int4
)"),
                                     "models.yaml");
}

json run(const json &Params, RouteCounts &C) {
  orch::runtime::ActionResult R = routeModels(Params, registry(), C);
  EXPECT_TRUE(R.Ok) << R.Error;
  return R.Fields;
}

std::string failure(const json &Params) {
  RouteCounts C;
  orch::runtime::ActionResult R = routeModels(Params, registry(), C);
  EXPECT_FALSE(R.Ok);
  EXPECT_FALSE(R.Retryable);
  return R.Error;
}

TEST(ModelRoute, ARequestGoesToTheModelItsStrategyNames) {
  RouteCounts C;
  json F = run({{"request", "Analyze the quarter's sales trends in depth"}}, C);
  EXPECT_EQ(F["strategy"], "capability_based");
  EXPECT_EQ(F["selected_model"], "dear");
  EXPECT_EQ(F["output"], "dear");
  EXPECT_EQ(F["current_load"], 1);
  EXPECT_DOUBLE_EQ(F["average_latency"].get<double>(), 3);
  EXPECT_EQ(F["all_loads"], json({{"cheap", 0}, {"dear", 1}, {"local", 0}}));
  EXPECT_NE(F["routing_reason"].get<std::string>().find("best for the request"),
            std::string::npos);

  json P = run({{"request", "anything"}, {"strategy", "cost_optimized"}}, C);
  EXPECT_EQ(P["selected_model"], "cheap");  // the unpriced local model comes last
  EXPECT_EQ(P["routing_reason"], "lowest cost ($0.0040 for 1k tokens in and 1k out)");
}

TEST(ModelRoute, TurnsAndLoadsAreTheRunsOwn) {
  RouteCounts C;
  json Models = json::array({"cheap", "dear"});
  std::vector<std::string> Got;
  for (int I = 0; I < 3; ++I)
    Got.push_back(run({{"request", "x"}, {"strategy", "round_robin"}, {"models", Models}},
                      C)["selected_model"]);
  EXPECT_EQ(Got, (std::vector<std::string>{"cheap", "dear", "cheap"}));
  // cheap has 2 routed, dear 1: the least loaded is dear, then a tie
  // keeps list order.
  EXPECT_EQ(run({{"request", "x"}, {"strategy", "least_loaded"}, {"models", Models}},
                C)["selected_model"],
            "dear");
  json F = run({{"request", "x"}, {"strategy", "least_loaded"}, {"models", Models}}, C);
  EXPECT_EQ(F["selected_model"], "cheap");
  EXPECT_EQ(F["current_load"], 3);
  // max_concurrent: a model with that many routes is no candidate.
  EXPECT_EQ(run({{"request", "x"},
                 {"strategy", "cost_optimized"},
                 {"models", Models},
                 {"max_concurrent", 3}},
                C)["selected_model"],
            "dear");
  orch::runtime::ActionResult Full = routeModels(
      {{"request", "x"}, {"models", Models}, {"max_concurrent", 1}}, registry(), C);
  ASSERT_FALSE(Full.Ok);
  EXPECT_NE(Full.Error.find("`max_concurrent` (1)"), std::string::npos);
}

TEST(ModelRoute, ModelsMayBeTextARenderedTemplateGave) {
  RouteCounts C;
  EXPECT_EQ(run({{"request", "x"}, {"models", "[\"dear\"]"}}, C)["selected_model"],
            "dear");
  EXPECT_EQ(run({{"request", "x"}, {"models", "dear"}}, C)["selected_model"], "dear");
  // An empty list is every model, as no list is.
  EXPECT_EQ(run({{"request", "x"}, {"models", json::array()}}, C)["all_loads"].size(),
            3u);
}

TEST(ModelRoute, TasksGetARecommendationEachWithinTheBudget) {
  RouteCounts C;
  json F = run(
      {{"tasks",
        json::array({json({{"task", "Write a Python function"}, {"context", "fast"}}),
                     "Give a comprehensive analysis of the market", "Summarize this"})},
       {"routing_strategy", "quality"},
       {"constraints", {{"total_budget", "0.05"}, {"max_latency", 5}}}},
      C);
  EXPECT_EQ(F["tasks_count"], 3);
  EXPECT_EQ(F["routing_strategy"], "quality");
  const json &R = F["recommendations"];
  ASSERT_EQ(R.size(), 3u);
  EXPECT_EQ(R[0]["task_index"], 0);
  EXPECT_EQ(R[0]["model"], "cheap");
  EXPECT_EQ(R[1]["model"], "dear");
  EXPECT_DOUBLE_EQ(R[1]["estimated_cost"].get<double>(), 0.04);
  // $0.044 spent of $0.05: the best-ranked model that still fits.
  EXPECT_NE(R[2]["model"], "dear");
  EXPECT_DOUBLE_EQ(F["total_estimated_cost"].get<double>(),
                   0.044 + R[2]["estimated_cost"].get<double>());
  EXPECT_EQ(F["models_selected"][0], "cheap");
  EXPECT_EQ(F["output"][1], "dear");
  // Nothing no budget left fits: the task has no model, and says why.
  json G = run({{"tasks", json::array({"Analyze it"})},
                {"models", json::array({"dear"})},
                {"constraints", {{"total_budget", 0.01}}}},
               C);
  EXPECT_TRUE(G["recommendations"][0]["model"].is_null());
  EXPECT_EQ(G["recommendations"][0]["reasons"][0],
            "no candidate fits the budget left ($0.01 of $0.01)");
  EXPECT_TRUE(G["models_selected"].empty());
  // A latency limit no candidate meets.
  json L = run({{"tasks", json::array({"x"})},
                {"models", json::array({"dear"})},
                {"constraints", {{"max_latency", 1}}}},
               C);
  EXPECT_EQ(L["recommendations"][0]["reasons"][0],
            "no candidate has a median latency of at most 1 s");
}

TEST(ModelRoute, ABudgetHoldsOnlyPricedModels) {
  RouteCounts C;
  json Local = json::array({"local"});
  json F = run({{"tasks", json::array({"x"})},
                {"models", Local},
                {"constraints", {{"total_budget", 0}}}},
               C);
  EXPECT_EQ(F["recommendations"][0]["reasons"][0],
            "no candidate has a price in the registry, and a budget is set");
  // Without a budget it is a candidate like any other.
  EXPECT_EQ(run({{"tasks", json::array({"x"})}, {"models", Local}}, C)["output"][0],
            "local");
  // The per-task limit, not the total, is what no model meets.
  json P = run({{"tasks", json::array({"x"})},
                {"constraints", {{"total_budget", 100}, {"max_cost_per_task", 0.001}}}},
               C);
  EXPECT_EQ(P["recommendations"][0]["reasons"][0],
            "no candidate costs at most $0.001 a task");
}

TEST(ModelRoute, DeeplyNestedModelTextIsRefusedNotRecursedInto) {
  std::string Deep(200000, '[');
  Deep += std::string(200000, ']');
  RouteCounts C;
  orch::runtime::ActionResult R =
      routeModels({{"request", "x"}, {"models", Deep}}, registry(), C);
  EXPECT_FALSE(R.Ok);
}

TEST(ModelRoute, BadParametersFailWithoutRetry) {
  EXPECT_EQ(failure({{"strategy", "cost_optimized"}}),
            "parameter `request` must be a non-empty string (or give `tasks`)");
  EXPECT_EQ(failure({{"request", "x"}, {"strategy", "fastest"}}),
            "routing strategy `fastest` is not one of capability_based, cost_optimized, "
            "round_robin, least_loaded");
  EXPECT_EQ(failure({{"tasks", json::array({"x"})}, {"routing_strategy", "cheap"}}),
            "routing strategy `cheap` is not one of balanced, cost, cost_optimized, "
            "quality, quality_optimized, capability_based, speed");
  EXPECT_EQ(failure({{"tasks", json::array({"x"})}, {"constraints", {{"budget", 1}}}}),
            "constraint `budget` is not one of total_budget, max_cost_per_task, "
            "max_latency");
  EXPECT_EQ(failure({{"tasks", json::array({"x"})},
                     {"constraints", {{"total_budget", "lots"}}}}),
            "constraint `total_budget` must be a number of at least 0, found \"lots\"");
  EXPECT_EQ(failure({{"tasks", json::array({json({{"context", "c"}})})}}),
            "task 0 must be text or a mapping with `task` (text) and `context`");
  EXPECT_EQ(failure({{"tasks", json::array()}}),
            "parameter `tasks` must be a non-empty list");
  EXPECT_EQ(failure({{"request", "x"}, {"models", json::array({"nope"})}}),
            "model `nope` is not in the model registry `models.yaml`");
  EXPECT_EQ(failure({{"tasks", json::array({"x"})}, {"request", "y"}}),
            "give `request` (one request) or `tasks` (a list), not both");
  // A parameter of the other mode is never silently ignored.
  EXPECT_EQ(failure({{"request", "x"}, {"constraints", {{"total_budget", 0}}}}),
            "parameter `constraints` routes `tasks`, not a `request`");
  EXPECT_EQ(failure({{"tasks", json::array({"x"})}, {"strategy", "round_robin"}}),
            "parameter `strategy` routes a `request`, not `tasks`");
}

TEST(ModelRoute, EveryStrategyTheCompilerAcceptsRuns) {
  // The compiler checks constant strategies against ir/Actions.h's lists:
  // each of them routes here.
  RouteCounts C;
  for (llvm::StringRef S : orch::ir::requestRouteStrategies())
    EXPECT_EQ(run({{"request", "x"}, {"strategy", S.str()}}, C)["strategy"], S.str());
  for (llvm::StringRef S : orch::ir::taskRouteStrategies())
    EXPECT_EQ(run({{"tasks", json::array({"x"})}, {"routing_strategy", S.str()}},
                  C)["routing_strategy"],
              S.str());
}

}  // namespace model_route_test
