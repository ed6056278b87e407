//===- JsonLimitsTest.cpp - Nesting checks on text from outside -----------===//
#include <gtest/gtest.h>

#include <string>

#include "ir/JsonLimits.h"

using namespace orch::ir;

namespace {

std::string nested(unsigned N) { return std::string(N, '[') + std::string(N, ']'); }

TEST(JsonLimits, YamlQuotesAndCommentsDoNotFlipTheScan) {
  // A `"` in a plain scalar or a comment opens no string, so the brackets
  // in the quoted scalar after it are not counted.
  std::string Deep = "\"" + nested(300) + "\"";
  for (const std::string &Text : {
           "a: 5\" tall\nb: \"x\"\nc: " + Deep + "\n",
           "# say \"hi\nb: \"x\"\nc: " + Deep + "\n",
           "a: 'it''s \"quoted'\nb: \"x\"\nc: " + Deep + "\n",
           "a: it's\nb: 'x'\nc: '" + nested(300) + "'\n",
           "{\"a\":\"x\",\"c\":" + Deep + "}",
       })
    EXPECT_EQ(yamlDepthProblem(Text), "") << Text;
  // Real nesting still counts, in flow YAML and in JSON.
  EXPECT_NE(yamlDepthProblem("a: # \"\nb: " + nested(300) + "\n"), "");
  EXPECT_NE(yamlDepthProblem("{\"a\":" + nested(300) + "}"), "");
  EXPECT_EQ(yamlDepthProblem("{\"a\":" + nested(255) + "}"), "");
  // The JSON scan is unchanged: only `"` quotes.
  EXPECT_NE(jsonDepthProblem("[\"it's\", " + nested(300) + "]"), "");
}

}  // namespace
