//===- ValidateTest.cpp - The validate action and its schema checker ------===//
#include <gtest/gtest.h>

#include "ir/SchemaValidate.h"
#include "runtime/actions/Validate.h"

namespace {
using json = orch::ir::Json;
using orch::runtime::parseCsvRecords;
using orch::runtime::runValidate;

TEST(ValidateTest, CsvQuotesNewlinesAndShortRecords) {
  auto Rows = parseCsvRecords("a,b\r\n1,\"x, \"\"y\"\"\nz\"\n\n2\n");
  ASSERT_TRUE(static_cast<bool>(Rows)) << llvm::toString(Rows.takeError());
  EXPECT_EQ(*Rows, json::parse(R"([{"a":"1","b":"x, \"y\"\nz"},{"a":"2","b":null}])"));
  auto Long = parseCsvRecords("a\n1,2\n");
  ASSERT_FALSE(static_cast<bool>(Long));
  EXPECT_EQ(llvm::toString(Long.takeError()), "CSV record 1 has 2 fields, the header 1");
  // Python's reader ends a quoted field left open with the text.
  auto Open = parseCsvRecords("a\n\"1\n");
  ASSERT_TRUE(static_cast<bool>(Open));
  EXPECT_EQ(*Open, json::parse(R"([{"a":"1\n"}])"));
}

TEST(ValidateTest, HostileSchemasAreProblemsNotCrashes) {
  // A `$ref` into a place that holds no schema: its target is checked too.
  json S = json::parse(
      R"({"properties": {"anyOf": {"type": "string"}, "x": {"$ref": "#/properties"}}})");
  auto P = orch::ir::checkSchema(S);
  ASSERT_EQ(P.Errors.size(), 1u);
  EXPECT_EQ(P.Errors[0].text(),
            "/properties/anyOf: must be a non-empty array of schemas");
  // The most negative integer against the largest unsigned one (no
  // overflow), and -1 is not 2^64-1.
  auto V =
      orch::ir::validateSchema(json::parse("-9223372036854775808"),
                               json::parse(R"({"multipleOf": 18446744073709551615})"));
  ASSERT_EQ(V.size(), 1u);
  EXPECT_EQ(V[0].Keyword, "multipleOf");
  EXPECT_TRUE(orch::ir::validateSchema(json::parse("18446744073709551615"),
                                       json::parse(R"({"multipleOf": 5})"))
                  .empty());
  EXPECT_EQ(orch::ir::validateSchema(json(-1),
                                     json::parse(R"({"enum": [18446744073709551615]})"))
                .size(),
            1u);
  EXPECT_EQ(orch::ir::validateSchema(json::parse("9007199254740993"),
                                     json::parse(R"({"maximum": 9007199254740992})"))
                .size(),
            1u);
  // Sizes past any length: 1e20 characters are more than "abc".
  EXPECT_EQ(
      orch::ir::validateSchema(json("abc"), json::parse(R"({"minLength": 1e20})")).size(),
      1u);
  EXPECT_TRUE(orch::ir::validateSchema(json::parse("[1, 2]"),
                                       json::parse(R"({"maxItems": 1e20})"))
                  .empty());
}

TEST(ValidateTest, DeepSchemasAndDataAreBounded) {
  // 150 nested `not`s whose innermost refers back: a depth problem, not a
  // stack overflow.
  json Inner = json::parse(R"({"$ref": "#/definitions/a"})");
  for (int I = 0; I < 150; ++I) Inner = json{{"not", Inner}};
  json S = json{{"definitions", {{"a", Inner}}}, {"$ref", "#/definitions/a"}};
  auto V = orch::ir::validateSchema(json(1), S);
  ASSERT_FALSE(V.empty());
  EXPECT_EQ(V.back().Keyword, "depth");
  // A recursive schema on data 100 deep: every level is a new value.
  json Data = json::object();
  for (int I = 0; I < 100; ++I) Data = json{{"child", Data}};
  EXPECT_TRUE(orch::ir::validateSchema(
                  Data, json::parse(R"({"properties": {"child": {"$ref": "#"}}})"))
                  .empty());
  // 100,000 distinct items are checked for uniqueness in n log n.
  json Items = json::array();
  for (int I = 0; I < 100000; ++I) Items.push_back(I);
  EXPECT_TRUE(
      orch::ir::validateSchema(Items, json::parse(R"({"uniqueItems": true})")).empty());
  Items.push_back(1.0);  // equal to 1
  EXPECT_EQ(
      orch::ir::validateSchema(Items, json::parse(R"({"uniqueItems": true})")).size(),
      1u);
}

TEST(ValidateTest, ReviewRangeFixes) {
  // Invalid UTF-8 keys and strings stay distinct (no exception, no merge).
  json Items = json::array({json::object({{"\xff", 1}}), json::object({{"\xfe", 1}}),
                            json("\xff"), json("\xfe")});
  EXPECT_TRUE(
      orch::ir::validateSchema(Items, json::parse(R"({"uniqueItems": true})")).empty());
  // A float divisor whose quotient overflows is checked exactly.
  EXPECT_TRUE(orch::ir::validateSchema(json(1e308), json::parse(R"({"multipleOf": 0.5})"))
                  .empty());
  EXPECT_TRUE(orch::ir::validateSchema(json(1), json::parse(R"({"multipleOf": 5e-324})"))
                  .empty());
  EXPECT_EQ(
      orch::ir::validateSchema(json(1e308), json::parse(R"({"multipleOf": 3e-300})"))
          .size(),
      1u);
  // `format: regex` cannot be told: the schema is refused.
  auto P = orch::ir::checkSchema(json::parse(R"({"format": "regex"})"));
  ASSERT_EQ(P.Errors.size(), 1u);
  EXPECT_EQ(P.Errors[0].Pointer, "/format");
  // Data 250 deep under a recursive schema is checked, not cut short.
  json Data = json::array();
  for (int I = 0; I < 250; ++I) Data = json::array({Data});
  EXPECT_TRUE(
      orch::ir::validateSchema(Data, json::parse(R"({"items": {"$ref": "#"}})")).empty());
}

TEST(ValidateTest, CsvNeedsARowOrListSchema) {
  json Row = json::parse(R"({"definitions": {"row": {"type": "object",
      "properties": {"id": {"type": "integer"}}}}, "$ref": "#/definitions/row"})");
  // A header line alone: no rows, valid.
  auto R = runValidate(json{{"data", "id,name\n"}, {"schema", Row}});
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_EQ(R.Fields["valid"], true);
  EXPECT_EQ(R.Fields["data"], json::array());
  // The row schema behind a root `$ref` types the cells.
  R = runValidate(json{{"data", "id,name\n7,a\n"}, {"schema", Row}});
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_EQ(R.Fields["valid"], true);
  EXPECT_EQ(R.Fields["data"][0]["id"], 7);
  EXPECT_EQ(R.Fields["rows_validated"], 1);
  // Text with a comma and a line break is text to a string schema.
  R = runValidate(json{{"data", "Hello, world\nbye"}, {"schema", {{"type", "string"}}}});
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_EQ(R.Fields["valid"], true);
}

TEST(ValidateTest, PercentEncodedReferencesAreDecodedFirst) {
  json S = json::parse(R"({"definitions": {"a/b": {"type": "integer"}, "a b": {"type":
      "integer"}}, "properties": {"x": {"$ref": "#/definitions/a~1b"}, "y": {"$ref":
      "#/definitions/a%20b"}}})");
  EXPECT_TRUE(orch::ir::checkSchema(S).Errors.empty());
  auto V = orch::ir::validateSchema(json::parse(R"({"x": "1", "y": "2"})"), S);
  ASSERT_EQ(V.size(), 2u);
  EXPECT_EQ(V[1].SchemaPath, "/definitions/a b/type");
  // Lenient mode finds the type through the decoded pointer.
  auto R = runValidate(json{{"data", {{"y", "2"}}}, {"schema", S}, {"mode", "lenient"}});
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_EQ(R.Fields["valid"], true);
  EXPECT_EQ(R.Fields["data"]["y"], 2);
}

TEST(ValidateTest, SelfReferenceStopsWithAViolation) {
  json S = json::parse(R"({"$ref": "#"})");
  EXPECT_TRUE(orch::ir::checkSchema(S).Errors.empty());
  auto V = orch::ir::validateSchema(json(1), S);
  ASSERT_EQ(V.size(), 1u);
  EXPECT_EQ(V[0].Keyword, "$ref");
}

TEST(ValidateTest, ExponentialSchemasRunOutOfBudget) {
  // Each level tries both branches of the next: 2^40 paths without a budget.
  json S = json::object();
  S["definitions"] = json::object();
  for (int I = 0; I < 40; ++I)
    S["definitions"]["d" + std::to_string(I)] = json::parse(
        "{\"anyOf\": [{\"$ref\": \"#/definitions/d" + std::to_string(I + 1) +
        "\"}, {\"$ref\": \"#/definitions/d" + std::to_string(I + 1) + "\"}]}");
  S["definitions"]["d40"] = json::parse(R"({"type": "string"})");
  S["$ref"] = "#/definitions/d0";
  auto V = orch::ir::validateSchema(json(1), S);
  ASSERT_FALSE(V.empty());
  EXPECT_EQ(V.back().Keyword, "budget");
}

TEST(ValidateTest, BadParametersFailWithoutRetry) {
  auto R = runValidate(json{{"data", 1}});
  EXPECT_FALSE(R.Ok);
  EXPECT_FALSE(R.Retryable);
  EXPECT_EQ(R.Error, "parameter `schema` is missing");
  R = runValidate(
      json{{"data", 1}, {"schema", {{"type", "integer"}}}, {"mode", "loose"}});
  EXPECT_EQ(R.Error, "`mode` is `loose`; it must be one of strict, lenient, report_only");
  R = runValidate(json{{"data", 1}, {"schema", {{"minLength", -1}}}});
  EXPECT_EQ(R.Error,
            "the schema is not usable: /minLength: must be a non-negative integer");
  R = runValidate(json{{"data", 1}, {"schema", "[1]"}});
  EXPECT_EQ(R.Error,
            "parameter `schema` must be a JSON Schema: an object (or JSON text of one)");
}

TEST(ValidateTest, TextThatIsNeitherJsonNorCsvIsCheckedAsText) {
  auto R = runValidate(json{{"data", "hello"}, {"schema", {{"type", "string"}}}});
  ASSERT_TRUE(R.Ok);
  EXPECT_EQ(R.Fields["valid"], true);
  EXPECT_EQ(R.Fields["data"], "hello");
  EXPECT_EQ(R.Fields["rows_validated"], 0);
}

}  // namespace
