//===- AutoTextTest.cpp - Choices and ranges read from AUTO tag text ------===//
#include <gtest/gtest.h>

#include "passes/AutoText.h"

using namespace orch::passes;

namespace {

using V = std::vector<std::string>;
using R = std::optional<std::pair<int64_t, int64_t>>;

TEST(AutoText, ChoicesAfterAVerb) {
  EXPECT_EQ(choicesInText("Choose fast or thorough"), (V{"fast", "thorough"}));
  EXPECT_EQ(choicesInText("choose fast or thorough."), (V{"fast", "thorough"}));
  EXPECT_EQ(choicesInText("Pick fast or thorough based on the budget"),
            (V{"fast", "thorough"}));
  EXPECT_EQ(choicesInText("Select one of low, medium or high"),
            (V{"low", "medium", "high"}));
  EXPECT_EQ(choicesInText("Either strict or lenient"), (V{"strict", "lenient"}));
  EXPECT_EQ(choicesInText("Choose between quick scan and deep audit"),
            (V{"quick scan", "deep audit"}));
}

TEST(AutoText, ChoicesInLists) {
  EXPECT_EQ(choicesInText("X, Y or Z"), (V{"X", "Y", "Z"}));
  EXPECT_EQ(choicesInText("voting, averaging, or stacking"),
            (V{"voting", "averaging", "stacking"}));
  EXPECT_EQ(choicesInText("yes or no"), (V{"yes", "no"}));
  EXPECT_EQ(
      choicesInText("Choose appropriate format: bullet_points, narrative, or structured"),
      (V{"bullet_points", "narrative", "structured"}));
  EXPECT_EQ(choicesInText("Based on topic complexity, choose: shallow, medium, or deep"),
            (V{"shallow", "medium", "deep"}));
  EXPECT_EQ(choicesInText("Professional, constructive, or educational"),
            (V{"Professional", "constructive", "educational"}));
}

TEST(AutoText, ChoicesWithSlashes) {
  EXPECT_EQ(choicesInText("one of: a / b / c"), (V{"a", "b", "c"}));
  EXPECT_EQ(choicesInText("One of csv/json/parquet"), (V{"csv", "json", "parquet"}));
  EXPECT_EQ(choicesInText("mode, one of: `fast` | `slow`"), (V{"fast", "slow"}));
}

TEST(AutoText, ProseHasNoChoices) {
  EXPECT_TRUE(choicesInText("Detect data format (csv, json, parquet, etc)").empty());
  EXPECT_TRUE(choicesInText("Full load or sampling based on size").empty());
  EXPECT_TRUE(choicesInText("Determine the best analysis approach").empty());
  EXPECT_TRUE(choicesInText("Summarize the findings or list the open questions").empty());
  EXPECT_TRUE(choicesInText("Enable caching or not").empty());
  EXPECT_TRUE(choicesInText("Use TCP/IP settings that fit").empty());
  EXPECT_TRUE(choicesInText("Write two or three paragraphs about the topic").empty());
  EXPECT_TRUE(choicesInText("Choose the number of retries").empty());
  EXPECT_TRUE(choicesInText("Pick sources and/or mirrors").empty());
  EXPECT_TRUE(choicesInText("").empty());
  EXPECT_TRUE(choicesInText("Choose a value between 3 and 7").empty());
  EXPECT_TRUE(choicesInText("Choose 3 or 4").empty());
  // Prose the reviewer found read as choices.
  for (const char *Prose : {
           "Ratio between precision and recall weight",
           "The time window between start and end dates",
           "Select input/output encoding",
           "Choose a speed in km/h",
           "Which API version to call on https://api.example.com/v1/models",
           "Deadline at 10:30 or later",
           "Note: keep it short or skip it",
           "Pause between polls and retries",
           "Sampling temperature between 0 and 1",
           "Seconds, between 30 and 90",
       })
    EXPECT_TRUE(choicesInText(Prose).empty()) << Prose;
}

TEST(AutoText, ChoicesThatMustKeepWorking) {
  EXPECT_EQ(choicesInText("Choose fast or thorough"), (V{"fast", "thorough"}));
  EXPECT_EQ(choicesInText("X, Y or Z"), (V{"X", "Y", "Z"}));
  EXPECT_EQ(choicesInText("one of: a / b / c"), (V{"a", "b", "c"}));
  EXPECT_EQ(choicesInText("Format: json or yaml"), (V{"json", "yaml"}));
  EXPECT_EQ(choicesInText("Decide between strict and lenient"), (V{"strict", "lenient"}));
  EXPECT_EQ(choicesInText("Pick the cleaning mode: strict, lenient, or none"),
            (V{"strict", "lenient", "none"}));
  EXPECT_EQ(rangeInText("between 3 and 7"), (R{{3, 7}}));
  EXPECT_EQ(rangeInText("3-7"), (R{{3, 7}}));
  EXPECT_EQ(rangeInText("3\xe2\x80\x93"
                        "7"),
            (R{{3, 7}}));
}

TEST(AutoText, Ranges) {
  EXPECT_EQ(rangeInText("between 3 and 7"), (R{{3, 7}}));
  EXPECT_EQ(rangeInText("Pick a number Between 10 and 20 items"), (R{{10, 20}}));
  EXPECT_EQ(rangeInText("3-7"), (R{{3, 7}}));
  EXPECT_EQ(rangeInText("Optimal ensemble size (3-7 models)"), (R{{3, 7}}));
  EXPECT_EQ(rangeInText("3\xe2\x80\x93"
                        "7"),
            (R{{3, 7}}));
  EXPECT_EQ(rangeInText("use 2 \xe2\x80\x93 5 sentences"), (R{{2, 5}}));
  EXPECT_EQ(rangeInText("from 1 to 10"), (R{{1, 10}}));
  EXPECT_EQ(rangeInText("a score of 0-100"), (R{{0, 100}}));
  EXPECT_EQ(rangeInText("Choose a value between 3 and 7"), (R{{3, 7}}));
}

TEST(AutoText, ProseHasNoRange) {
  EXPECT_FALSE(rangeInText("released 2024-01-15"));
  EXPECT_FALSE(rangeInText("version 1.2-3.4"));
  EXPECT_FALSE(rangeInText("between 0.1 and 0.9"));
  EXPECT_FALSE(rangeInText("meet at 10:30-11:00"));
  EXPECT_FALSE(rangeInText("use GPT-4 for 3 passes"));
  EXPECT_FALSE(rangeInText("7-3 is not a range"));
  EXPECT_FALSE(rangeInText("3 and 7"));
  EXPECT_FALSE(rangeInText("top-3 and 5 more"));
  EXPECT_FALSE(rangeInText("a 2,500 word report"));
  EXPECT_FALSE(rangeInText("x3-7y"));
  EXPECT_FALSE(rangeInText("Set based on data quality"));
}

}  // namespace
