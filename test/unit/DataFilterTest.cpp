//===- DataFilterTest.cpp - data.filter and the CSV writer ----------------===//
#include <gtest/gtest.h>

#include "runtime/actions/DataFilter.h"

namespace orch::runtime {
namespace {

using json = orch::ir::Json;

TEST(DataFilter, Errors) {
  ActionResult R =
      runDataFilter({{"input", "[]"}, {"criteria", {{"a", 1}}}, {"format", "xml"}});
  EXPECT_FALSE(R.Ok);
  EXPECT_FALSE(R.Retryable);
  EXPECT_EQ(R.Error, "parameter `format` must be json or csv, found \"xml\"");
  R = runDataFilter({{"input", "[]"}, {"criteria", "a"}});
  EXPECT_FALSE(R.Ok);
  EXPECT_NE(R.Error.find("`criteria`"), std::string::npos);
  R = runDataFilter({{"input", "not json"}, {"criteria", json::object()}});
  EXPECT_FALSE(R.Ok);
  EXPECT_EQ(R.Error, "cannot read `input` as JSON or CSV");
  R = runDataFilter(
      {{"input", "a,b\n1,2,3\n"}, {"criteria", json::object()}, {"format", "csv"}});
  EXPECT_FALSE(R.Ok);
  EXPECT_NE(R.Error.find("cannot read `input` as CSV"), std::string::npos);
}

TEST(DataFilter, OperationFormAndEmptyCriteria) {
  json Rows = json::parse(R"([{"a": 1}, {"a": 2}])");
  ActionResult R =
      runDataFilter({{"input", Rows}, {"operation", {{"criteria", {{"a", 2}}}}}});
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_EQ(R.Fields["data"], json::parse(R"([{"a": 2}])"));
  // No criteria: every row stays.
  R = runDataFilter({{"input", Rows}, {"criteria", json::object()}});
  EXPECT_EQ(R.Fields["filtered_count"], 2);
  // CSV with nothing kept stays an empty list, as ContextLab's.
  R = runDataFilter({{"input", "a\n1\n"}, {"criteria", {{"a", "9"}}}, {"format", "csv"}});
  EXPECT_EQ(R.Fields["data"], json::array());
}

TEST(CsvWriter, QuotesLikePython) {
  json Rows = json::parse(R"([{"a": "x,y", "b": "line\nbreak", "c": "q\"q"},
                              {"a": 1.5, "b": true, "c": null},
                              {"a": "only a"}])");
  EXPECT_EQ(*writeCsvRows(Rows),
            "a,b,c\r\n\"x,y\",\"line\nbreak\",\"q\"\"q\"\r\n1.5,True,\r\nonly a,,\r\n");
  EXPECT_EQ(*writeCsvRows(json::array()), "");
  // One column: an empty field is quoted, as Python's writer does.
  EXPECT_EQ(*writeCsvRows(json::parse(R"([{"a": ""}, {"a": "x"}, {"a": null}])")),
            "a\r\n\"\"\r\nx\r\n\"\"\r\n");
  // DictWriter refuses a field the header lacks, and a row that is no dict.
  llvm::Expected<std::string> Extra =
      writeCsvRows(json::parse(R"([{"a": 1}, {"a": 2, "b": 3}])"));
  ASSERT_FALSE(Extra);
  EXPECT_EQ(llvm::toString(Extra.takeError()),
            "row 2 has field `b`, which the header (the first row's fields) lacks");
  llvm::Expected<std::string> Scalars = writeCsvRows(json::parse("[1, 2]"));
  ASSERT_FALSE(Scalars);
  llvm::consumeError(Scalars.takeError());
}

TEST(DataFilter, PythonTruthOfTheInputAndTheCount) {
  // `{}` kept is no row (Python's `1 if kept else 0`); a false input is `{}`.
  ActionResult R =
      runDataFilter({{"input", json::object()}, {"criteria", json::object()}});
  EXPECT_EQ(R.Fields["filtered_count"], 0);
  R = runDataFilter({{"input", 0}, {"criteria", json::object()}});
  EXPECT_EQ(R.Fields["data"], json::object());
  EXPECT_EQ(R.Fields["filtered_count"], 0);
  R = runDataFilter({{"input", json::parse("[1, 2]")},
                     {"criteria", json::object()},
                     {"format", "csv"}});
  EXPECT_FALSE(R.Ok);
}

}  // namespace
}  // namespace orch::runtime
