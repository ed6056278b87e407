//===- JsonLimitsTest.cpp - Nesting checks on text from outside -----------===//
#include <gtest/gtest.h>

#include <string>

#include "ir/JsonLimits.h"

using namespace orch::ir;

namespace {

std::string bracketsDeep(unsigned N) { return std::string(N, '[') + std::string(N, ']'); }

TEST(JsonLimits, YamlQuotesAndCommentsDoNotFlipTheScan) {
  // A `"` in a plain scalar or a comment opens no string, so the brackets
  // in the quoted scalar after it are not counted.
  std::string Deep = "\"" + bracketsDeep(300) + "\"";
  for (const std::string &Text : {
           "a: 5\" tall\nb: \"x\"\nc: " + Deep + "\n",
           "# say \"hi\nb: \"x\"\nc: " + Deep + "\n",
           "a: 'it''s \"quoted'\nb: \"x\"\nc: " + Deep + "\n",
           "a: it's\nb: 'x'\nc: '" + bracketsDeep(300) + "'\n",
           "{\"a\":\"x\",\"c\":" + Deep + "}",
       })
    EXPECT_EQ(yamlDepthProblem(Text), "") << Text;
  // Real nesting still counts, in flow YAML and in JSON.
  EXPECT_NE(yamlDepthProblem("a: # \"\nb: " + bracketsDeep(300) + "\n"), "");
  EXPECT_NE(yamlDepthProblem("{\"a\":" + bracketsDeep(300) + "}"), "");
  EXPECT_EQ(yamlDepthProblem("{\"a\":" + bracketsDeep(255) + "}"), "");
  // The JSON scan is unchanged: only `"` quotes.
  EXPECT_NE(jsonDepthProblem("[\"it's\", " + bracketsDeep(300) + "]"), "");
}

}  // namespace
