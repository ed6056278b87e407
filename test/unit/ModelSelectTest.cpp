//===- ModelSelectTest.cpp - model.select over a registry -----------------===//
#include <gtest/gtest.h>

#include "ir/ModelRegistryYaml.h"
#include "runtime/actions/ModelSelect.h"

namespace {

using json = orch::ir::Json;
using orch::runtime::selectModel;

/// Three models: a cheap fast coder, an accurate dear analyst, and a
/// quantized variant of the analyst (never a default candidate).
orch::ir::ModelRegistry registry() {
  return orch::ir::readModelRegistry(YAML::Load(R"(
models:
  cheap:
    capabilities: {tasks: [code_generation, general], supports_structured_output: true}
    metrics: {accuracy: 0.8, latency_p50: 0.5}
    pricing: {input_usd_per_mtok: 1, output_usd_per_mtok: 3}
  dear:
    capabilities: {tasks: [analysis, reasoning], supports_function_calling: true}
    metrics: {accuracy: 0.95, latency_p50: 3}
    pricing: {input_usd_per_mtok: 10, output_usd_per_mtok: 30}
  dear-q4:
    base_model: dear
    quantization: int4
)"),
                                     "models.yaml");
}

json run(const json &Params) {
  orch::runtime::ActionResult R = selectModel(Params, registry());
  EXPECT_TRUE(R.Ok) << R.Error;
  return R.Fields;
}

std::string failure(const json &Params) {
  orch::runtime::ActionResult R = selectModel(Params, registry());
  EXPECT_FALSE(R.Ok);
  EXPECT_FALSE(R.Retryable);
  return R.Error;
}

TEST(ModelSelect, ReadsTheTaskKindAndSizeFromItsText) {
  json F = run({{"task", "Write a Python function that parses dates"}});
  EXPECT_EQ(F["task_analysis"]["task_type"], "code_generation");
  EXPECT_EQ(F["task_analysis"]["complexity"], "simple");
  EXPECT_EQ(F["selected_model"], "cheap");
  EXPECT_EQ(F["output"], "cheap");
  EXPECT_EQ(F["fallback_models"], json::array({"dear"}));
  // The variant stands in for nothing unless named.
  EXPECT_EQ(F["all_scores"].size(), 2u);
  EXPECT_DOUBLE_EQ(F["estimated_cost"].get<double>(), 0.004);
  EXPECT_DOUBLE_EQ(F["estimated_latency"].get<double>(), 0.5);

  json A = run({{"task", "Give a comprehensive analysis of sales trends"}});
  EXPECT_EQ(A["task_analysis"]["task_type"], "analysis");
  EXPECT_EQ(A["task_analysis"]["complexity"], "moderate");  // one size up
  EXPECT_EQ(run({{"task", "Translate this"}})["task_analysis"]["task_type"],
            "translation");
  EXPECT_EQ(run({{"task", "hello"}})["task_analysis"]["task_type"], "general");
  // Short words match themselves and their plural only: "planet" is no plan.
  EXPECT_EQ(run({{"task", "Name a planet"}})["task_analysis"]["task_type"], "general");
  EXPECT_EQ(run({{"task", "Make plans"}})["task_analysis"]["task_type"], "reasoning");
}

TEST(ModelSelect, WeightsDecide) {
  // A simple task doubles the price's weight: the cheap generalist wins.
  json Params = {{"task", "Analyze the quarterly figures"}};
  EXPECT_EQ(run(Params)["selected_model"], "cheap");
  // At moderate size, quality (0.7: accuracy and the listed task) wins.
  Params["requirements"] = {{"complexity", "moderate"}};
  EXPECT_EQ(run(Params)["selected_model"], "dear");
  Params["cost_weight"] = 1;
  Params["quality_weight"] = 0;
  json F = run(Params);
  EXPECT_EQ(F["selected_model"], "cheap");
  EXPECT_DOUBLE_EQ(F["score"].get<double>(), 1.0);
  Params["cost_weight"] = 0;
  Params["latency_weight"] = 2;
  EXPECT_EQ(run(Params)["selected_model"], "cheap");
  Params["latency_weight"] = 0;
  EXPECT_NE(failure(Params).find("all 0"), std::string::npos);
  Params["latency_weight"] = -1;
  EXPECT_EQ(failure(Params), "parameter `latency_weight` must be a number of at least 0");
}

TEST(ModelSelect, RequirementsOverTheText) {
  json F = run({{"task", "Write code"},
                {"requirements",
                 {{"task_type", "Analysis"},
                  {"complexity", "Complex."},  // a sentence naming the size
                  {"domain", "finance"},
                  {"max_tokens", 100},
                  {"budget", 1}}}});
  EXPECT_EQ(F["task_analysis"], json({{"task_type", "analysis"},
                                      {"complexity", "complex"},
                                      {"required_capabilities", json::array()},
                                      {"max_tokens", 100},
                                      {"domain", "finance"},
                                      {"response_format", nullptr},
                                      {"other_requirements", {{"budget", 1}}}}));
  EXPECT_EQ(F["selected_model"], "dear");
  EXPECT_EQ(
      failure({{"task", "x"}, {"requirements", {{"complexity", "huge"}}}}),
      "`requirements.complexity` must name one of simple, moderate or complex, found "
      "\"huge\"");
  EXPECT_NE(
      failure({{"task", "x"}, {"requirements", {{"complexity", "simple or complex"}}}})
          .find("must name one of"),
      std::string::npos);
}

TEST(ModelSelect, CodeWordsDoNotMatchLongerWords) {
  // `class`, `compile`, `function`, `implement` are whole words; stems
  // (`classif*`) match longer ones.
  EXPECT_EQ(run({{"task",
                  "Classify these reviews by sentiment"}})["task_analysis"]["task_type"],
            "analysis");
  EXPECT_EQ(
      run({{"task", "Compile a list of restaurants"}})["task_analysis"]["task_type"],
      "general");
  EXPECT_EQ(run({{"task", "Describe the functionality"}})["task_analysis"]["task_type"],
            "general");
  EXPECT_EQ(run({{"task", "Refactoring the parser"}})["task_analysis"]["task_type"],
            "code_generation");
}

TEST(ModelSelect, WhatAModelDoesNotGiveRanksBelowEveryModelThatDoes) {
  orch::ir::ModelRegistry R = orch::ir::readModelRegistry(YAML::Load(R"(
models:
  unmeasured: {capabilities: {tasks: [general]}}
  measured:
    capabilities: {tasks: [general]}
    metrics: {latency_p50: 0.3, accuracy: 0.5}
    pricing: {input_usd_per_mtok: 1, output_usd_per_mtok: 1}
  free:
    capabilities: {tasks: [general]}
    pricing: {input_usd_per_mtok: 0, output_usd_per_mtok: 0}
)"),
                                                          "models.yaml");
  auto Pick = [&](json Params) {
    orch::runtime::ActionResult A = selectModel(Params, R);
    EXPECT_TRUE(A.Ok) << A.Error;
    return A.Fields["selected_model"];
  };
  json Only = {{"task", "hello"}, {"cost_weight", 0}, {"quality_weight", 0}};
  Only["latency_weight"] = 1;
  EXPECT_EQ(Pick(Only), "measured");
  Only["latency_weight"] = 0;
  Only["cost_weight"] = 1;
  EXPECT_EQ(Pick(Only), "free");  // a written 0 is free, not unknown
  Only["cost_weight"] = 0;
  Only["quality_weight"] = 1;
  EXPECT_EQ(Pick(Only), "measured");
  // Below the worst that gives it, not tied with it: the unpriced model,
  // listed first, ranks under the dearest priced one.
  orch::runtime::ActionResult A =
      selectModel({{"task", "hello"},
                   {"cost_weight", 1},
                   {"quality_weight", 0},
                   {"models", {"unmeasured", "measured", "free"}}},
                  R);
  ASSERT_TRUE(A.Ok) << A.Error;
  std::vector<std::string> Order;
  for (const json &S : A.Fields["all_scores"]) Order.push_back(S["model"]);
  EXPECT_EQ(Order, (std::vector<std::string>{"free", "measured", "unmeasured"}));
}

TEST(ModelSelect, ANullRequirementIsNotGiven) {
  // A template that rendered nothing: the text decides, as without it.
  json F =
      run({{"task", "Write a function"},
           {"requirements",
            {{"complexity", nullptr}, {"task_type", nullptr}, {"audience", nullptr}}}});
  EXPECT_EQ(F["task_analysis"]["complexity"], "simple");
  EXPECT_EQ(F["task_analysis"]["task_type"], "code_generation");
  EXPECT_EQ(F["task_analysis"]["other_requirements"], json({{"audience", nullptr}}));
}

TEST(ModelSelect, WeightsCountByTheirRatios) {
  // 1e308 is a weight like 1: no sum overflows, scores stay numbers, and
  // the price decides, as its weight says.
  orch::ir::ModelRegistry R = registry();
  for (double Big : {1.0, 1e308}) {
    orch::runtime::ActionResult A =
        selectModel({{"task", "Write a function"},
                     {"cost_weight", Big},
                     {"quality_weight", Big / 1e6},
                     {"requirements", {{"complexity", "simple"}}}},
                    R);
    ASSERT_TRUE(A.Ok) << A.Error;
    EXPECT_EQ(A.Fields["selected_model"], "cheap");
    for (const json &S : A.Fields["all_scores"]) EXPECT_TRUE(S["score"].is_number()) << S;
  }
}

TEST(ModelSelect, JsonInTheTextNeedsADeclaredStructuredOutput) {
  // No candidate says it has structured output: the word `json` excludes
  // none of them (an explicit requirement still does).
  orch::ir::ModelRegistry R = orch::ir::readModelRegistry(YAML::Load(R"(
models:
  one: {capabilities: {tasks: [summarization]}}
  two: {capabilities: {tasks: [general]}}
)"),
                                                          "models.yaml");
  orch::runtime::ActionResult A =
      selectModel({{"task", "Summarize the attached JSON log"}}, R);
  ASSERT_TRUE(A.Ok) << A.Error;
  EXPECT_EQ(A.Fields["selected_model"], "one");
  EXPECT_EQ(A.Fields["task_analysis"]["response_format"], "json");
  EXPECT_EQ(A.Fields["task_analysis"]["required_capabilities"], json::array());
  EXPECT_FALSE(selectModel({{"task", "Summarize the log"},
                            {"requirements", {{"capabilities", {"json"}}}}},
                           R)
                   .Ok);
}

TEST(ModelSelect, CapabilitiesExcludeModels) {
  // JSON in the text asks for structured output: only `cheap` has it.
  json F = run({{"task", "Analyze this and answer in JSON"}});
  EXPECT_EQ(F["selected_model"], "cheap");
  EXPECT_EQ(F["task_analysis"]["required_capabilities"],
            json::array({"structured_output"}));
  EXPECT_EQ(F["excluded"],
            json::array({{{"model", "dear"}, {"reasons", {"no structured output"}}}}));
  // A task some candidate lists is required; a name no model lists is not.
  json G = run({{"task", "x"},
                {"requirements", {{"capabilities", {"reasoning", "data-analysis"}}}}});
  EXPECT_EQ(G["selected_model"], "dear");
  EXPECT_EQ(G["excluded"][0]["reasons"], json::array({"no task reasoning"}));
  EXPECT_EQ(
      failure(
          {{"task", "x"}, {"requirements", {{"capabilities", {"tools", "json_mode"}}}}}),
      "no model of the registry `models.yaml` can take the task: cheap (no function "
      "calling); dear (no structured output)");
}

TEST(ModelSelect, CandidatesAreNamed) {
  json F = run({{"task", "Analyze"}, {"models", {"dear-q4", "cheap", "cheap"}}});
  EXPECT_EQ(F["all_scores"].size(), 2u);
  EXPECT_EQ(failure({{"task", "x"}, {"models", {"nope"}}}),
            "model `nope` is not in the model registry `models.yaml`");
  EXPECT_EQ(failure({{"task", "x"}, {"models", json::array()}}),
            "parameter `models` must be a non-empty list of model names");
  EXPECT_EQ(failure({{"task", ""}}), "parameter `task` must be a non-empty string");
}

TEST(ModelSelect, NoRegistrySaysHowToGiveOne) {
  orch::runtime::ActionResult R = orch::runtime::runModelSelect({{"task", "x"}}, "");
  EXPECT_FALSE(R.Ok);
  EXPECT_NE(R.Error.find("--models"), std::string::npos);
  R = orch::runtime::runModelSelect({{"task", "x"}}, "/nonexistent/models.yaml");
  EXPECT_FALSE(R.Ok);
  EXPECT_NE(R.Error.find("model registry `/nonexistent/models.yaml`"), std::string::npos);
}

}  // namespace
