//===- LlmSchemaTest.cpp --------------------------------------------------===//
#include <gtest/gtest.h>

#include "ir/JsonSchema.h"

using json = orch::ir::Json;
using namespace orch::ir;

namespace {

TEST(LlmSchema, WrapsNonObjectRoots) {
  StrictSchema S = makeStrict(json{{"type", "string"}, {"enum", {"a", "b"}}});
  EXPECT_TRUE(S.Wrapped);
  EXPECT_EQ(S.Schema["type"], "object");
  EXPECT_EQ(S.Schema["required"], json({"value"}));
  EXPECT_EQ(S.Schema["additionalProperties"], false);
  EXPECT_EQ(S.Schema["properties"]["value"]["enum"], json({"a", "b"}));
}

TEST(LlmSchema, ClosesEveryObject) {
  json In = {
      {"type", "object"},
      {"properties",
       {{"a", {{"type", "integer"}}},
        {"b",
         {{"type", "array"},
          {"items",
           {{"type", "object"}, {"properties", {{"c", {{"type", "string"}}}}}}}}}}}};
  StrictSchema S = makeStrict(In);
  EXPECT_FALSE(S.Wrapped);
  EXPECT_EQ(S.Schema["required"], json({"a", "b"}));
  EXPECT_EQ(S.Schema["additionalProperties"], false);
  const json &Item = S.Schema["properties"]["b"]["items"];
  EXPECT_EQ(Item["required"], json({"c"}));
  EXPECT_EQ(Item["additionalProperties"], false);
  EXPECT_FALSE(In.contains("required"));  // input untouched
}

TEST(LlmSchema, Names) {
  EXPECT_TRUE(isValidSchemaName("auto_value-1"));
  EXPECT_FALSE(isValidSchemaName("has space"));
  EXPECT_FALSE(isValidSchemaName(""));
  EXPECT_FALSE(isValidSchemaName(std::string(65, 'a')));
}

TEST(LlmSchema, Validates) {
  json S = {{"type", "object"},
            {"properties",
             {{"depth", {{"type", "string"}, {"enum", {"shallow", "deep"}}}},
              {"n", {{"type", "integer"}, {"minimum", 1}, {"maximum", 10}}},
              {"tags", {{"type", "array"}, {"items", {{"type", "string"}}}}}}},
            {"required", {"depth", "n"}},
            {"additionalProperties", false}};
  EXPECT_EQ(validateJson({{"depth", "deep"}, {"n", 3}}, S), "");
  EXPECT_EQ(validateJson({{"depth", "huge"}, {"n", 3}}, S),
            "/depth: `\"huge\"` is not one of [\"shallow\",\"deep\"]");
  EXPECT_EQ(validateJson({{"depth", "deep"}, {"n", 11}}, S),
            "/n: `11` is greater than the maximum 10");
  EXPECT_EQ(validateJson({{"depth", "deep"}}, S), "/: missing property `n`");
  EXPECT_EQ(validateJson({{"depth", "deep"}, {"n", 2}, {"x", 1}}, S),
            "/: unexpected property `x`");
  EXPECT_EQ(validateJson({{"depth", "deep"}, {"n", 2}, {"tags", {"a", 1}}}, S),
            "/tags/1: `1` is integer, expected \"string\"");
  EXPECT_EQ(validateJson({{"depth", "deep"}, {"n", 2.0}}, S), "");
}

}  // namespace

namespace {
TEST(LlmSchema, ToleratesMalformedKeywords) {
  // A schema a model proposed may hold anything; validation must not throw.
  json S = {{"type", "string"}, {"minLength", "3"}, {"maxItems", -1}, {"properties", 5}};
  EXPECT_EQ(validateJson(json("ab"), S), "");
  EXPECT_EQ(validateJson(json({{"a", 1}}),
                         {{"properties", "x"}, {"additionalProperties", false}}),
            "/: unexpected property `a`");
}
}  // namespace
