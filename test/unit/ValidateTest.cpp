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
  auto Open = parseCsvRecords("a\n\"1\n");
  ASSERT_FALSE(static_cast<bool>(Open));
  EXPECT_EQ(llvm::toString(Open.takeError()), "the CSV text ends inside a quoted field");
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
