//===- ModelSelectRandomTest.cpp - model.select on odd input -------------===//
//
// Registries and parameters of random shapes (numbers, text, nulls, lists
// and maps where any of them may stand): model.select never throws, and
// when it chooses, the scores are numbers from 0 to 1, best first, the
// choice is the first of them, and the same input chooses the same model.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <random>
#include <string>

#include "ir/ModelRegistryYaml.h"
#include "runtime/actions/ModelSelect.h"

namespace {

using json = orch::ir::Json;

/// A random JSON value, shallow: what a template may render anywhere.
json anyValue(std::mt19937 &R, int Depth = 0) {
  switch (std::uniform_int_distribution<int>(0, Depth > 1 ? 4 : 6)(R)) {
    case 0:
      return nullptr;
    case 1:
      return std::uniform_int_distribution<int>(0, 1)(R) == 1;
    case 2:
      return std::uniform_int_distribution<int64_t>(-5, 200000)(R);
    case 3:
      return std::uniform_real_distribution<double>(-1, 1e6)(R);
    case 4: {
      static const char *Words[] = {"json",    "complex", "simple",      "summarize",
                                    "analyze", "",        "translation", "poem"};
      return Words[std::uniform_int_distribution<int>(0, 7)(R)];
    }
    case 5: {
      json L = json::array();
      for (int I = std::uniform_int_distribution<int>(0, 3)(R); I > 0; --I)
        L.push_back(anyValue(R, Depth + 1));
      return L;
    }
    default: {
      json M = json::object();
      for (int I = std::uniform_int_distribution<int>(0, 3)(R); I > 0; --I)
        M["k" + std::to_string(I)] = anyValue(R, Depth + 1);
      return M;
    }
  }
}

/// A YAML scalar or list of one of the shapes a registry field may be
/// written in, right or wrong.
YAML::Node anyYaml(std::mt19937 &R) {
  switch (std::uniform_int_distribution<int>(0, 5)(R)) {
    case 0:
      return YAML::Node(std::uniform_real_distribution<double>(-1, 50)(R));
    case 1:
      return YAML::Node(std::uniform_int_distribution<int>(-2, 100000)(R));
    case 2:
      return YAML::Node("text");
    case 3:
      return YAML::Node(YAML::NodeType::Null);
    case 4: {
      YAML::Node L(YAML::NodeType::Sequence);
      L.push_back("summarization");
      L.push_back("general");
      return L;
    }
    default:
      return YAML::Node(std::uniform_int_distribution<int>(0, 1)(R) == 1);
  }
}

YAML::Node anyRegistry(std::mt19937 &R) {
  YAML::Node Models(YAML::NodeType::Map);
  for (int I = std::uniform_int_distribution<int>(1, 5)(R); I > 0; --I) {
    YAML::Node M(YAML::NodeType::Map);
    auto Maybe = [&] { return std::uniform_int_distribution<int>(0, 2)(R) > 0; };
    // Mostly a plausible value (a number in range, a task list), else any.
    auto Num = [&](double Max) {
      return std::uniform_int_distribution<int>(0, 9)(R) == 0
                 ? anyYaml(R)
                 : YAML::Node(std::uniform_real_distribution<double>(0, Max)(R));
    };
    if (Maybe()) M["capabilities"]["tasks"] = anyYaml(R);
    if (Maybe()) M["capabilities"]["supports_structured_output"] = anyYaml(R);
    if (Maybe()) M["metrics"]["accuracy"] = Num(1);
    if (Maybe()) M["metrics"]["latency_p50"] = Num(10);
    if (Maybe()) M["pricing"]["input_usd_per_mtok"] = Num(30);
    if (Maybe()) M["pricing"]["output_usd_per_mtok"] = Num(60);
    if (std::uniform_int_distribution<int>(0, 3)(R) == 0) M["max_tokens"] = anyYaml(R);
    Models["m" + std::to_string(I)] = M;
  }
  YAML::Node Root(YAML::NodeType::Map);
  Root["models"] = Models;
  return Root;
}

TEST(ModelSelectRandom, OddInputNeverThrowsAndChoicesAreConsistent) {
  std::mt19937 R(20261207);
  unsigned Chosen = 0;
  for (int Round = 0; Round < 3000; ++Round) {
    orch::ir::ModelRegistry Reg =
        orch::ir::readModelRegistry(anyRegistry(R), "models.yaml");
    json P = {{"task", std::uniform_int_distribution<int>(0, 3)(R) == 0
                           ? anyValue(R)
                           : json("Summarize this JSON and analyze it in detail")}};
    for (const char *Key :
         {"requirements", "cost_weight", "quality_weight", "latency_weight", "models"})
      if (std::uniform_int_distribution<int>(0, 9)(R) == 0) P[Key] = anyValue(R);
    for (const char *Key : {"cost_weight", "quality_weight", "latency_weight"})
      if (std::uniform_int_distribution<int>(0, 2)(R) == 0)
        P[Key] = std::uniform_int_distribution<int>(0, 5)(R) == 0
                     ? 1e308
                     : std::uniform_real_distribution<double>(0, 3)(R);
    if (std::uniform_int_distribution<int>(0, 3)(R) == 0)
      P["requirements"] = {{"complexity", anyValue(R)},
                           {"capabilities", anyValue(R)},
                           {"max_tokens", anyValue(R)}};
    orch::runtime::ActionResult A;
    ASSERT_NO_THROW(A = orch::runtime::selectModel(P, Reg)) << P.dump();
    if (!A.Ok) {
      EXPECT_FALSE(A.Error.empty()) << P.dump();
      continue;
    }
    ++Chosen;
    const json &All = A.Fields["all_scores"];
    ASSERT_TRUE(All.is_array() && !All.empty()) << A.Fields.dump();
    EXPECT_EQ(A.Fields["selected_model"], All[0]["model"]);
    double Last = 2;
    for (const json &S : All) {
      ASSERT_TRUE(S["score"].is_number()) << A.Fields.dump();
      double V = S["score"].get<double>();
      EXPECT_GE(V, 0) << A.Fields.dump();
      EXPECT_LE(V, 1) << A.Fields.dump();
      EXPECT_LE(V, Last) << A.Fields.dump();
      Last = V;
    }
    orch::runtime::ActionResult Again = orch::runtime::selectModel(P, Reg);
    EXPECT_EQ(Again.Fields, A.Fields);
  }
  EXPECT_GT(Chosen, 300u);  // the checks above ran on many choices
}

}  // namespace
