//===- ChartTest.cpp - The chart action's table reader and drawing --------===//
#include <gtest/gtest.h>

#include "ir/Actions.h"
#include "runtime/actions/Chart.h"

namespace {
using json = orch::ir::Json;
using orch::runtime::autoChartTypes;
using orch::runtime::chartSvg;
using orch::runtime::chartTable;
using orch::runtime::chartTypes;

TEST(ChartTest, TablesFromRowsCsvJsonTextAndObjects) {
  // Columns in order of first appearance; a row without one is null there.
  auto T = chartTable(json::parse(R"([{"a": 1, "b": "x"}, {"c": 2.5, "a": 3}])"));
  ASSERT_TRUE(static_cast<bool>(T)) << llvm::toString(T.takeError());
  EXPECT_EQ(T->Columns, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(T->Rows[1][1], json(nullptr));
  EXPECT_EQ(T->Numeric, (std::vector<bool>{true, false, true}));
  // CSV cells that read as numbers make a number column; an empty one is a gap.
  auto Csv = chartTable(json("n,name\n1,a\n,b\n2.5e1,c\n"));
  ASSERT_TRUE(static_cast<bool>(Csv));
  EXPECT_EQ(Csv->Numeric, (std::vector<bool>{true, false}));
  // JSON text; an object of objects (its keys label the rows, as pandas'
  // index, and are no column); values (`value`).
  auto Nested = chartTable(json(R"({"q1": {"sales": 3}, "q2": {"sales": 4}})"));
  ASSERT_TRUE(static_cast<bool>(Nested));
  EXPECT_EQ(Nested->Columns, (std::vector<std::string>{"sales"}));
  EXPECT_EQ(Nested->RowLabels, (std::vector<std::string>{"q1", "q2"}));
  EXPECT_NE(chartSvg(*Nested, "bar", "", 400, 300).find("<title>q2: 4</title>"),
            std::string::npos);
  auto Values = chartTable(json::parse("[3, 1, 2]"));
  ASSERT_TRUE(static_cast<bool>(Values));
  EXPECT_EQ(Values->Columns, (std::vector<std::string>{"value"}));
}

TEST(ChartTest, WhatIsNotATableIsAnError) {
  for (const char *Bad : {R"([1, {"a": 1}])", "[]", "[{}]", "true"}) {
    auto T = chartTable(json::parse(Bad));
    EXPECT_FALSE(static_cast<bool>(T)) << Bad;
    if (!T) llvm::consumeError(T.takeError());
  }
  auto Text = chartTable(json("report.csv"));
  ASSERT_FALSE(static_cast<bool>(Text));
  EXPECT_NE(llvm::toString(Text.takeError()).find("neither JSON nor CSV"),
            std::string::npos);
}

TEST(ChartTest, NumbersAreJsonNumbersOrCsvTextThatReadsAsOne) {
  // As pandas: a JSON string is text, even "7"; a CSV cell is a number if
  // it reads as one. Booleans, NaN and infinities are no numbers.
  auto T = chartTable(json::parse(R"([{"a": "nan", "b": true, "c": 1e300, "d": "7"}])"));
  ASSERT_TRUE(static_cast<bool>(T));
  EXPECT_EQ(T->Numeric, (std::vector<bool>{false, false, true, false}));
  auto Csv = chartTable(json("a,b,c,d\nnan,true,7,1e999\n"));
  ASSERT_TRUE(static_cast<bool>(Csv));
  EXPECT_EQ(Csv->Numeric, (std::vector<bool>{false, false, true, false}));
}

TEST(ChartTest, ManyColumnsAreRefusedNotSlow) {
  // Each row a new column: a table of rows x columns cells, bounded.
  json Rows = json::array();
  for (int I = 0; I < 1001; ++I) Rows.push_back(json{{"k" + std::to_string(I), I}});
  auto T = chartTable(Rows);
  ASSERT_FALSE(static_cast<bool>(T));
  EXPECT_NE(llvm::toString(T.takeError()).find("more than 1000 columns"),
            std::string::npos);
  Rows.erase(Rows.size() - 1);
  for (int I = 0; I < 3000; ++I) Rows.push_back(json{{"k0", I}});
  auto Cells = chartTable(Rows);  // 4000 rows of 1000 columns
  ASSERT_FALSE(static_cast<bool>(Cells));
  EXPECT_NE(llvm::toString(Cells.takeError()).find("at most 2000000 cells"),
            std::string::npos);
}

TEST(ChartTest, DegenerateRangesDrawFiniteNumbers) {
  // One huge value, values closer than a double can divide, a range of one
  // value: the axes are padded, never NaN.
  for (const char *Data :
       {R"([{"ts": 1733530000000000000}])", R"([{"v": 0}, {"v": 5e-324}])",
        R"([{"v": 3}, {"v": 3}])", R"([{"v": -1e300}, {"v": 1e300}])"}) {
    auto T = chartTable(json::parse(Data));
    ASSERT_TRUE(static_cast<bool>(T)) << Data;
    for (llvm::StringRef Type : chartTypes()) {
      std::string S = chartSvg(*T, Type, "", 400, 300);
      EXPECT_EQ(S.find("nan"), std::string::npos) << Data << " " << Type.str();
      EXPECT_EQ(S.find("inf"), std::string::npos) << Data << " " << Type.str();
    }
  }
}

TEST(ChartTest, TheChartTypesAreTheCompilersList) {
  auto Ir = orch::ir::chartTypeNames();
  auto Rt = chartTypes();
  EXPECT_EQ(std::vector<llvm::StringRef>(Ir.begin(), Ir.end()),
            std::vector<llvm::StringRef>(Rt.begin(), Rt.end()));
}

TEST(ChartTest, AutoPicksWhatTheColumnsSuit) {
  auto T = chartTable(json::parse(
      R"([{"region": "n", "sales": 1, "units": 2}, {"region": "s", "sales": 3, "units": 4}])"));
  ASSERT_TRUE(static_cast<bool>(T));
  EXPECT_EQ(autoChartTypes(*T),
            (std::vector<std::string>{"bar", "scatter", "histogram", "pie"}));
  // A date column is no category; text only draws a bar chart of counts.
  auto Dates = chartTable(json::parse(R"([{"date": "2026-01-01", "v": 1}])"));
  ASSERT_TRUE(static_cast<bool>(Dates));
  EXPECT_EQ(autoChartTypes(*Dates), (std::vector<std::string>{"histogram"}));
  auto Words = chartTable(json::parse(R"([{"w": "a"}, {"w": "b"}])"));
  ASSERT_TRUE(static_cast<bool>(Words));
  EXPECT_EQ(autoChartTypes(*Words), (std::vector<std::string>{"pie"}));
}

TEST(ChartTest, EveryTypeDrawsEscapedWellFormedText) {
  auto T = chartTable(json::parse(
      R"([{"k": "<a&b>", "v": 1e15}, {"k": "\u0001x", "v": 1e15}, {"k": "z", "v": -2}])"));
  ASSERT_TRUE(static_cast<bool>(T));
  for (llvm::StringRef Type : chartTypes()) {
    std::string S = chartSvg(*T, Type, "T \"1\"", 400, 300);
    EXPECT_EQ(S.rfind("<svg ", 0), 0u) << Type.str();
    EXPECT_NE(S.find("</svg>\n"), std::string::npos) << Type.str();
    EXPECT_EQ(S.find("<a&b>"), std::string::npos) << Type.str();
    EXPECT_EQ(S.find('\x01'), std::string::npos) << Type.str();
    EXPECT_NE(S.find("T &quot;1&quot;"), std::string::npos) << Type.str();
  }
}

}  // namespace
