//===- DataActionsTest.cpp - data.transform, read_csv and the dashboard ---===//
//
// data.clean and data.merge are checked against pandas itself
// (test/data/differential.py); these cases cover what pandas does not
// decide: ContextLab's own transformations, CSV typing, the dashboard.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "runtime/actions/Chart.h"
#include "runtime/actions/DataActions.h"
#include "runtime/actions/DataFrame.h"

namespace orch::runtime {
namespace data_actions_test {

using json = orch::ir::Json;

json rowsOf(const ActionResult &R) {
  EXPECT_TRUE(R.Ok) << R.Error;
  json V = R.Fields["value"]["data"];
  return V.is_string() ? json::parse(V.get<std::string>()) : V;
}

json transform(const json &Rows, const json &Ops) {
  return rowsOf(runDataTransform({{"input", Rows}, {"operations", Ops}}));
}

TEST(DataTransform, ContextLabTransformations) {
  json Rows = json::parse(R"([{"k": "a", "n": "3", "d": "2024-03-09"},
                              {"k": "b", "n": "", "d": "2024-04-01"},
                              {"k": "a", "n": "5", "d": "x"}])");
  // deduplicate keeps the last of a key where the last one is.
  EXPECT_EQ(transform(Rows, json::parse(R"([{"type": "deduplicate", "columns": ["k"],
                                              "keep": "last"}])")),
            json::parse(R"([{"k": "b", "n": "", "d": "2024-04-01"},
                            {"k": "a", "n": "5", "d": "x"}])"));
  // cast: an empty cell is 0; fill_missing fills empty and absent cells.
  EXPECT_EQ(transform(Rows, json::parse(R"([{"type": "cast", "columns": {"n": "integer"}},
                                              {"type": "fill_missing",
                                               "strategy": {"z": 1}}])"))[1],
            json::parse(R"({"k": "b", "n": 0, "d": "2024-04-01", "z": 1})"));
  // calculate: a product and DATE_FORMAT's year and month.
  json C = transform(Rows, json::parse(R"J([{"type": "cast", "columns": {"n": "float"}},
      {"type": "calculate", "expressions": {"twice": "n * n", "month": "DATE_FORMAT(d, '%Y-%m')"}}])J"));
  EXPECT_EQ(C[0]["twice"], 9.0);
  EXPECT_EQ(C[0]["month"], "2024-03");
  EXPECT_FALSE(C[2].contains("month"));  // `x` has no month
  // filter by condition; aggregate wraps the records.
  json A = rowsOf(runDataTransform(
      {{"input", Rows},
       {"operation",
        json::parse(R"({"transformations": [{"type": "filter", "condition": "k != 'b'"},
                                            {"type": "cast", "columns": {"n": "integer"}},
                                            {"type": "aggregate", "operation": "sum",
                                             "field": "n"}]})")}}));
  EXPECT_EQ(A["aggregation"],
            json::parse(R"({"operation": "sum", "field": "n", "result": 8})"));
  EXPECT_EQ(A["filtered_records"].size(), 2u);
}

TEST(DataTransform, NormalizeAndErrors) {
  json Rows =
      json::parse(R"([{"v": 2, "t": "x"}, {"v": 4, "t": "y"}, {"v": 6, "t": "z"}])");
  json N = transform(Rows, json::parse(R"([{"type": "normalize"}])"));
  EXPECT_EQ(N[0]["v"], 0.0);
  EXPECT_EQ(N[1]["v"], 0.5);
  EXPECT_EQ(N[2]["t"], "z");  // text columns stay
  json Z =
      transform(Rows, json::parse(R"([{"type": "normalize", "method": "z-score"}])"));
  EXPECT_DOUBLE_EQ(Z[0]["v"].get<double>(), -1.0);  // sample deviation 2
  ActionResult R =
      runDataTransform({{"input", Rows}, {"operations", {{{"type", "pivot"}}}}});
  EXPECT_FALSE(R.Ok);
  EXPECT_NE(R.Error.find("unknown type `pivot`"), std::string::npos);
  R = runDataTransform(
      {{"input", Rows},
       {"operations",
        json::parse(R"([{"type": "calculate", "expressions": {"x": "v + 1"}}])")}});
  EXPECT_FALSE(R.Ok);
  EXPECT_NE(R.Error.find("neither `a * b`"), std::string::npos);
  R = runDataTransform({{"input", "not json"}, {"operations", json::array()}});
  EXPECT_FALSE(R.Ok);
  EXPECT_NE(R.Error.find("Could not parse input data"), std::string::npos);
}

TEST(DataFrame, ReadCsvTypes) {
  llvm::Expected<DataFrame> F =
      frameOfCsv("i,f,s,b,m\n1,1.5,x,True,1\n2,,y,False,NA\n3,2,\"z, q\",True,3\n");
  ASSERT_TRUE(bool(F)) << llvm::toString(F.takeError());
  json R = frameRecords(*F);
  EXPECT_EQ(R[0], json::parse(R"({"i": 1, "f": 1.5, "s": "x", "b": true, "m": 1.0})"));
  EXPECT_EQ(R[1]["f"], nullptr);
  EXPECT_EQ(R[1]["m"], nullptr);
  EXPECT_EQ(R[2]["s"], "z, q");
  EXPECT_EQ(frameCsv(*F),
            "i,f,s,b,m\n1,1.5,x,True,1.0\n2,,y,False,\n3,2.0,\"z, q\",True,3.0\n");
  EXPECT_EQ(parseNumeric(json("$1,250.5")), 1250.5);
  EXPECT_FALSE(parseNumeric(json("nan")).has_value());
}

TEST(DataFrame, ReadCsvEdges) {
  // Cells of 16 characters and more (past the short-string buffer).
  llvm::Expected<DataFrame> F = frameOfCsv(
      "name,city,flag,n\nAlexander Hamilton Jr,New York City NY,True,1_000\n"
      "Bob,Paris,,2\n");
  ASSERT_TRUE(bool(F)) << llvm::toString(F.takeError());
  json R = frameRecords(*F);
  EXPECT_EQ(R[0]["name"], "Alexander Hamilton Jr");
  EXPECT_EQ(R[0]["city"], "New York City NY");
  EXPECT_EQ(R[0]["flag"], true);  // True beside a missing cell: a boolean
  EXPECT_EQ(R[1]["flag"], nullptr);
  EXPECT_EQ(R[0]["n"], "1_000");  // pandas reads no underscores in numbers
  llvm::Expected<DataFrame> One = frameOfCsv("a\nx\n\"\"\n");
  ASSERT_TRUE(bool(One)) << llvm::toString(One.takeError());
  EXPECT_EQ(frameCsv(*One), "a\nx\n\"\"\n");  // an empty cell alone is quoted
}

TEST(DataSummaries, ContextLabNumbersAndLimits) {
  // ContextLab's _parse_numeric reads True as 1.0 (a Python bool is an int).
  json Rows = json::parse(R"([{"a": true}, {"a": 2}, {"a": false}])");
  ActionResult R = runDataAggregate({{"input", Rows}, {"aggregations", {{"a", "sum"}}}});
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_EQ(R.Fields["data"]["aggregations"]["a_sum"], 3.0);
  // ContextLab's `operation: {group_by, aggregations}` form.
  R = runDataAggregate(
      {{"input", Rows},
       {"operation", {{"group_by", "a"}, {"aggregations", {{"n", "count"}}}}}});
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_EQ(R.Fields["row_count"], 3);
  // A pivot table past the cell limit fails instead of filling memory.
  json Wide = json::array();
  for (int I = 0; I < 1500; ++I) Wide.push_back({{"i", I}, {"c", I}, {"v", 1}});
  R = runDataPivot({{"input", Wide}, {"index", "i"}, {"columns", "c"}, {"values", "v"}});
  EXPECT_FALSE(R.Ok);
  EXPECT_NE(R.Error.find("the pivot table would have 1500 rows"), std::string::npos);
}

TEST(DataMerge, KeysAndLimits) {
  // Integer keys compare exactly (2^53 + 1 is not 2^53) when both key
  // columns hold integers; missing keys join one another, as in pandas.
  auto Join = [](const char *A, const char *B) {
    return runDataMerge({{"datasets",
                          {{{"name", "a"}, {"data", json::parse(A)}},
                           {{"name", "b"}, {"data", json::parse(B)}}}},
                         {"merge_strategy", "join"},
                         {"join_on", "k"}});
  };
  ActionResult R = Join(R"([{"k": 9007199254740993, "x": 1}, {"k": 1, "x": 2}])",
                        R"([{"k": 9007199254740992, "y": 1}, {"k": 1, "y": 2}])");
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_EQ(R.Fields["total_rows"], 1);
  EXPECT_EQ(R.Fields["data"][0]["y"], 2);
  R = Join(R"([{"k": "p", "x": 1}, {"k": null, "x": 2}])",
           R"([{"k": null, "y": 4}, {"y": 5}])");
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_EQ(R.Fields["total_rows"], 2);  // None and NaN keys alike
  // A join of one key on both sides stops at the row limit at once.
  json Same = json::array();
  for (int I = 0; I < 2000; ++I) Same.push_back({{"k", 1}, {"v", I}});
  R = runDataMerge(
      {{"datasets", {{{"name", "a"}, {"data", Same}}, {{"name", "b"}, {"data", Same}}}},
       {"merge_strategy", "join"},
       {"join_on", "k"}});
  EXPECT_FALSE(R.Ok);
  EXPECT_NE(R.Error.find("more than a data action takes"), std::string::npos);
}

TEST(ChartDashboard, EmbedsSvgChartsOnly) {
  std::string Dir = testing::TempDir() + "dash_test";
  std::filesystem::remove_all(Dir);
  std::filesystem::create_directories(Dir + "/charts");
  std::ofstream(Dir + "/charts/a.svg") << "<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
  ActionResult R = runChartDashboard(
      Dir, {{"charts", "[\"charts/a.svg\"]"}, {"title", "T & <U>"}, {"layout", "grid"}});
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_EQ(R.Fields["url"], "dashboard.html");
  std::ifstream In(Dir + "/dashboard.html");
  std::string Page((std::istreambuf_iterator<char>(In)),
                   std::istreambuf_iterator<char>());
  EXPECT_NE(Page.find("<title>T &amp; &lt;U&gt;</title>"), std::string::npos);
  EXPECT_NE(Page.find("grid-template-columns: repeat(2, 1fr)"), std::string::npos);
  EXPECT_NE(Page.find("data:image/svg+xml;base64,PHN2Zy"), std::string::npos);
  R = runChartDashboard(Dir, {{"charts", {"charts/a.png"}}});
  EXPECT_FALSE(R.Ok);
  EXPECT_NE(R.Error.find("not an SVG file"), std::string::npos);
  R = runChartDashboard(Dir, {{"charts", {"charts/missing.svg"}}});
  EXPECT_FALSE(R.Ok);
  R = runChartDashboard(Dir, {{"charts", json::array()}});
  EXPECT_FALSE(R.Ok);
  EXPECT_EQ(R.Error, "No charts provided");
  R = runChartDashboard(Dir, {{"charts", {"../x.svg"}}});
  EXPECT_FALSE(R.Ok);  // outside the run directory
  std::filesystem::remove_all(Dir);
}

}  // namespace data_actions_test
}  // namespace orch::runtime
