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
  EXPECT_EQ(writeCsvRows(Rows),
            "a,b,c\r\n\"x,y\",\"line\nbreak\",\"q\"\"q\"\r\n1.5,True,\r\nonly a,,\r\n");
  EXPECT_EQ(writeCsvRows(json::array()), "");
}

}  // namespace
}  // namespace orch::runtime
