//===- PromptOptimizeTest.cpp - prompt.optimize's rules --------------------===//
#include <gtest/gtest.h>

#include "ir/Actions.h"
#include "runtime/actions/PromptOptimize.h"

namespace prompt_optimize_test {

using json = orch::ir::Json;
using orch::runtime::runPromptOptimize;

json run(const json &Params) {
  orch::runtime::ActionResult R = runPromptOptimize(Params);
  EXPECT_TRUE(R.Ok) << R.Error;
  return R.Fields;
}

std::string optimized(const std::string &Prompt, json Goals,
                      const std::string &Model = "") {
  json P = {{"prompt", Prompt}, {"optimization_goals", std::move(Goals)}};
  if (!Model.empty()) P["model"] = Model;
  return run(P)["optimized_prompt"].get<std::string>();
}

TEST(PromptOptimize, ClarityLabelsAndAsksForTheCodesForm) {
  EXPECT_EQ(optimized("What is the capital of France?", {"clarity"}),
            "Question: What is the capital of France?");
  EXPECT_EQ(optimized("Write a Python function that adds two numbers", {"clarity"}),
            "Task: Write a Python function that adds two numbers\n\n"
            "Answer with the code in one fenced block.");
  // Already labelled, or several paragraphs: no label; a form is said.
  EXPECT_EQ(optimized("Task: list three colours", {"clarity"}),
            "Task: list three colours");
  EXPECT_EQ(optimized("Write a poem.\n\n\n\nAbout the sea.   ", {"clarity"}),
            "Write a poem.\n\nAbout the sea.");
}

TEST(PromptOptimize, BrevityShortensWordyPhrasesAsWholeWords) {
  EXPECT_EQ(optimized("In order to  win, we must act due to the fact that time is short.",
                      {"brevity"}),
            "To win, we must act because time is short.");
  EXPECT_EQ(optimized("I would like you to write a haiku", {"brevity"}),
            "Please write a haiku");
  // Not inside a word; indentation kept; text past ASCII untouched.
  EXPECT_EQ(optimized("regain order to\n    keep  the café", {"brevity"}),
            "regain order to\n    keep the café");
}

TEST(PromptOptimize, SpecificityAndModelFamilies) {
  EXPECT_EQ(optimized("Please analyze this: 1, 2, 3", {"specificity"}),
            "Please analyze the following text: 1, 2, 3");
  EXPECT_EQ(optimized("Sum 2 and 3", {"model_specific"}, "anthropic/claude-3-5-haiku"),
            "<instructions>\nSum 2 and 3\n</instructions>");
  EXPECT_EQ(
      optimized("Solve x+1=2. Let's think step by step.", {"model_specific"}, "o3-mini"),
      "Solve x+1=2.");
  // No family, or a name that only starts like one: unchanged.
  EXPECT_EQ(optimized("Sum 2 and 3", {"model_specific"}, "o100"), "Sum 2 and 3");
  EXPECT_EQ(optimized("Sum 2 and 3", {"model_specific"}), "Sum 2 and 3");
}

TEST(PromptOptimize, RulesLeaveWhatTheyDoNotMeanAlone) {
  // A vague phrase only where it ends a clause; phrases whose short form
  // would change the sentence are not in the tables.
  EXPECT_EQ(optimized("Improve this essay", {"specificity"}), "Improve this essay");
  EXPECT_EQ(optimized("Explain this.", {"specificity"}),
            "Explain the following step by step.");
  EXPECT_EQ(optimized("Do it as well as possible", {"brevity"}),
            "Do it as well as possible");
  EXPECT_EQ(optimized("A majority of the votes", {"brevity"}), "Most of the votes");
  // Whole words only, and nothing else changes when nothing matched.
  EXPECT_EQ(
      optimized("Don't overthink step by step, just answer.", {"model_specific"}, "o3"),
      "Don't overthink step by step, just answer.");
  json F = run({{"prompt", "Solve x.\n\n\n\nThanks   "},
                {"optimization_goals", {"model_specific"}},
                {"model", "o3"}});
  EXPECT_EQ(F["optimized_prompt"], "Solve x.\n\n\n\nThanks   ");
  EXPECT_TRUE(F["applied_optimizations"].empty());
}

TEST(PromptOptimize, DeeplyNestedGoalTextIsRefusedNotRecursedInto) {
  std::string Deep(200000, '[');
  Deep += std::string(200000, ']');
  orch::runtime::ActionResult R =
      runPromptOptimize({{"prompt", "x"}, {"optimization_goals", Deep}});
  EXPECT_FALSE(R.Ok);  // read as one goal, which it is not
}

TEST(PromptOptimize, GoalsApplyInTableOrderAndReportWhatChanged) {
  json F = run({{"prompt", "Could you please summarize this"},
                {"optimization_goals", "[\"specificity\", \"brevity\", \"clarity\"]"},
                {"model", "gpt-4o"}});
  EXPECT_EQ(F["optimized_prompt"], "Please summarize the following");
  EXPECT_EQ(F["output"], F["optimized_prompt"]);
  EXPECT_EQ(F["applied_optimizations"], json::array({"brevity", "specificity"}));
  EXPECT_EQ(F["model"], "gpt-4o");
  EXPECT_EQ(F["metrics"]["original_tokens"], 8);  // 31 characters
  EXPECT_EQ(F["metrics"]["optimized_tokens"], 8);
  EXPECT_EQ(run({{"prompt", "x"}})["applied_optimizations"], json::array());
}

TEST(PromptOptimize, MaxTokensCutsByCodePoints) {
  std::string Long(40, 'a');
  Long += std::string(40, 'b');
  json F =
      run({{"prompt", Long}, {"optimization_goals", json::array()}, {"max_tokens", 5}});
  EXPECT_EQ(F["optimized_prompt"], "aaaaaa\n[...]\nbbbbbbb");
  EXPECT_EQ(F["applied_optimizations"], json::array({"truncation"}));
  EXPECT_EQ(F["metrics"]["original_tokens"], 20);
  EXPECT_EQ(F["metrics"]["optimized_tokens"], 5);
  EXPECT_DOUBLE_EQ(F["metrics"]["reduction_percentage"].get<double>(), 75.0);
  // Without preserve_intent the end goes; a code point is never split.
  json E = run({{"prompt", "ééééé ééééé"},
                {"optimization_goals", json::array()},
                {"max_tokens", 1},
                {"preserve_intent", false}});
  EXPECT_EQ(E["optimized_prompt"], "éééé");
}

TEST(PromptOptimize, RecommendationsAndBadParameters) {
  EXPECT_EQ(
      run({{"prompt", "Write a story"}})["recommendations"],
      json::array({"Add an example of the answer you want",
                   "Say what form the answer takes (a list, JSON, a paragraph, ...)"}));
  auto Fails = [](const json &P) {
    orch::runtime::ActionResult R = runPromptOptimize(P);
    EXPECT_FALSE(R.Ok);
    EXPECT_FALSE(R.Retryable);
    return R.Error;
  };
  EXPECT_EQ(Fails({{"prompt", " "}}), "parameter `prompt` must be a non-empty string");
  EXPECT_EQ(Fails({{"prompt", "x"}, {"optimization_goals", {"speed"}}}),
            "optimization goal \"speed\" is not one of clarity, brevity, specificity, "
            "model_specific");
  EXPECT_EQ(Fails({{"prompt", "x"}, {"max_tokens", 0}}),
            "parameter `max_tokens` must be a whole number of at least 1");
  // The compiler's list and the runtime's are one.
  for (llvm::StringRef G : orch::ir::promptGoals())
    EXPECT_TRUE(
        runPromptOptimize({{"prompt", "x"}, {"optimization_goals", {G.str()}}}).Ok);
}

}  // namespace prompt_optimize_test
