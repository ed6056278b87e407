//===- Chart.cpp - Reading a table and running the chart action -----------===//
#include "runtime/actions/Chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include "ir/Actions.h"
#include "ir/Eval.h"
#include "ir/JsonLimits.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "runtime/actions/LocalActions.h"
#include "runtime/actions/Validate.h"

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

/// More rows than a chart can show readably, and more than a step should
/// hold in memory as SVG.
constexpr size_t MaxRows = 100'000;

ActionResult bad(std::string Why) { return ActionResult::failure(std::move(Why), false); }

/// Rows read one at a time, their columns named as they first appear.
struct TableBuilder {
  ChartTable T;
  llvm::StringMap<size_t> Index;                             ///< column name -> position
  std::vector<std::vector<std::pair<size_t, json>>> Sparse;  ///< per row

  /// Adds \p Row (an object).
  llvm::Error add(const json &Row) {
    std::vector<std::pair<size_t, json>> Cells;
    for (auto It = Row.begin(); It != Row.end(); ++It) {
      auto [Slot, New] = Index.try_emplace(It.key(), T.Columns.size());
      if (New) {
        if (T.Columns.size() == MaxChartColumns)
          return llvm::createStringError(
              fmt::format("`data` has more than {} columns; a chart takes at most {}",
                          MaxChartColumns, MaxChartColumns));
        T.Columns.push_back(It.key());
      }
      Cells.push_back({Slot->second, It.value()});
    }
    Sparse.push_back(std::move(Cells));
    return llvm::Error::success();
  }

  /// The table, each row one cell a column.
  llvm::Expected<ChartTable> finish() {
    if (Sparse.size() * T.Columns.size() > MaxChartCells)
      return llvm::createStringError(
          fmt::format("`data` has {} rows of {} columns; a chart takes at most {} cells",
                      Sparse.size(), T.Columns.size(), MaxChartCells));
    for (auto &Cells : Sparse) {
      std::vector<json> Row(T.Columns.size());
      for (auto &[I, V] : Cells) Row[I] = std::move(V);
      T.Rows.push_back(std::move(Row));
    }
    return std::move(T);
  }
};

/// An error if \p N rows are more than a chart takes.
llvm::Error rowCount(size_t N) {
  if (N <= MaxRows) return llvm::Error::success();
  return llvm::createStringError(
      fmt::format("`data` has {} rows; a chart takes at most {}", N, MaxRows));
}

llvm::Expected<ChartTable> tableOf(const json &Data, int Depth, bool Csv = false) {
  TableBuilder B;
  if (Data.is_string()) {
    llvm::StringRef Text = Data.get_ref<const std::string &>();
    json Parsed = ir::parseJsonBounded(Text);
    if (!Parsed.is_discarded() && (Parsed.is_array() || Parsed.is_object()) && Depth == 0)
      return tableOf(Parsed, Depth + 1);
    if (!Text.contains(',') && !Text.contains('\n'))
      return llvm::createStringError(
          "`data` is text that is neither JSON nor CSV (a file's text is read with "
          "`file.read`)");
    llvm::Expected<json> Rows = parseCsvRecords(Text);
    if (!Rows)
      return llvm::createStringError("`data` is neither JSON nor CSV: " +
                                     llvm::toString(Rows.takeError()));
    return tableOf(*Rows, Depth + 1, /*Csv=*/true);
  }
  if (Data.is_array()) {
    if (llvm::Error E = rowCount(Data.size())) return E;
    bool Objects = llvm::all_of(Data, [](const json &R) { return R.is_object(); });
    bool Scalars =
        llvm::none_of(Data, [](const json &R) { return R.is_object() || R.is_array(); });
    if (!Objects && !Scalars)
      return llvm::createStringError(
          "`data` must be a list of rows (objects) or of values, not a mix");
    for (const json &R : Data)
      if (llvm::Error E = B.add(Objects ? R : json{{"value", R}})) return E;
  } else if (Data.is_object()) {
    bool Nested = !Data.empty() && llvm::all_of(Data.items(), [](const auto &KV) {
      return KV.value().is_object();
    });
    if (Nested) {
      if (llvm::Error E = rowCount(Data.size())) return E;
      for (auto It = Data.begin(); It != Data.end(); ++It) {
        if (llvm::Error E = B.add(It.value())) return E;
        B.T.RowLabels.push_back(It.key());
      }
    } else if (llvm::Error E = B.add(Data)) {
      return E;
    }
  } else {
    return llvm::createStringError(
        "`data` must be a list of rows, an object, or JSON or CSV text");
  }
  llvm::Expected<ChartTable> Built = B.finish();
  if (!Built) return Built.takeError();
  ChartTable &T = *Built;
  if (T.Rows.empty() || T.Columns.empty())
    return llvm::createStringError("`data` has no rows to draw");
  T.Numeric.assign(T.Columns.size(), false);
  for (size_t C = 0; C < T.Columns.size(); ++C) {
    bool Any = false, All = true;
    for (const std::vector<json> &R : T.Rows) {
      const json &V = R[C];
      if (V.is_null() || (V.is_string() && V.get_ref<const std::string &>().empty()))
        continue;
      if (!chartNumber(V, Csv)) {
        All = false;
        break;
      }
      Any = true;
    }
    T.Numeric[C] = Any && All;
  }
  return std::move(T);
}

/// The names of \p Params' `chart_types`: a list of names, or one name.
llvm::Expected<std::vector<std::string>> typesParam(const json &Params) {
  auto It = Params.find("chart_types");
  if (It == Params.end() || It->is_null()) return std::vector<std::string>{"auto"};
  std::vector<std::string> Types;
  if (It->is_string()) {
    Types.push_back(It->get<std::string>());
  } else if (It->is_array()) {
    for (const json &V : *It) {
      if (!V.is_string())
        return llvm::createStringError("the items of `chart_types` must be names");
      Types.push_back(V.get<std::string>());
    }
  } else {
    return llvm::createStringError("parameter `chart_types` must be a list of names");
  }
  return Types;
}

/// An integer parameter in [Lo, Hi], or \p Default.
llvm::Expected<int> sizeParam(const json &Params, const char *Name, int Default) {
  auto It = Params.find(Name);
  if (It == Params.end() || It->is_null()) return Default;
  std::optional<double> D = chartNumber(*It);
  // The range first: a cast of a double out of int's range is undefined.
  if (!D || *D < ir::MinChartPixels || *D > ir::MaxChartPixels || *D != std::floor(*D))
    return llvm::createStringError(
        fmt::format("parameter `{}` must be a whole number of pixels from {} to {}", Name,
                    ir::MinChartPixels, ir::MaxChartPixels));
  return static_cast<int>(*D);
}

/// A string parameter, or \p Default.
llvm::Expected<std::string> textParam(const json &Params, const char *Name,
                                      std::string Default) {
  auto It = Params.find(Name);
  if (It == Params.end() || It->is_null()) return Default;
  if (It->is_array() || It->is_object())
    return llvm::createStringError(fmt::format("parameter `{}` must be text", Name));
  return ir::displayString(*It);
}

}  // namespace

std::optional<double> chartNumber(const json &C, bool Text) {
  double D;
  if (C.is_number()) {
    D = C.get<double>();
  } else if (C.is_string() && Text) {
    llvm::StringRef S = llvm::StringRef(C.get_ref<const std::string &>()).trim();
    if (S.empty() || S.getAsDouble(D)) return std::nullopt;
  } else {
    return std::nullopt;
  }
  // Not infinities or NaN, and small enough that a range of two is finite.
  if (!std::isfinite(D) || std::abs(D) > 1e300) return std::nullopt;
  return D;
}

llvm::Expected<ChartTable> chartTable(const json &Data) { return tableOf(Data, 0); }

std::vector<std::string> autoChartTypes(const ChartTable &T) {
  size_t Numbers = llvm::count(T.Numeric, true);
  std::optional<size_t> Category;
  for (size_t C = 0; C < T.Columns.size() && !Category; ++C) {
    std::string Lower = llvm::StringRef(T.Columns[C]).lower();
    if (!T.Numeric[C] && !llvm::StringRef(Lower).contains("date") &&
        !llvm::StringRef(Lower).contains("time"))
      Category = C;
  }
  std::vector<std::string> Types;
  if (Category && Numbers) Types.push_back("bar");
  if (Numbers >= 2) Types.push_back("scatter");
  if (Numbers >= 1) Types.push_back("histogram");
  if (Category) {
    std::set<std::string> Values;
    for (const std::vector<json> &R : T.Rows)
      Values.insert(ir::displayString(R[*Category]));
    if (Values.size() <= 10) Types.push_back("pie");
  }
  if (Types.empty()) Types.push_back("bar");
  return Types;
}

ActionResult runChart(const std::string &RunDir, const json &Params) {
  auto DataIt = Params.find("data");
  if (DataIt == Params.end() || DataIt->is_null())
    return bad("parameter `data` is missing");
  llvm::Expected<ChartTable> Table = chartTable(*DataIt);
  if (!Table) return bad(llvm::toString(Table.takeError()));
  llvm::Expected<std::vector<std::string>> Asked = typesParam(Params);
  if (!Asked) return bad(llvm::toString(Asked.takeError()));
  llvm::Expected<int> Width = sizeParam(Params, "width", 800);
  if (!Width) return bad(llvm::toString(Width.takeError()));
  llvm::Expected<int> Height = sizeParam(Params, "height", 600);
  if (!Height) return bad(llvm::toString(Height.takeError()));
  llvm::Expected<std::string> Dir = textParam(Params, "output_dir", "charts");
  if (!Dir) return bad(llvm::toString(Dir.takeError()));
  llvm::Expected<std::string> Title = textParam(Params, "title", "");
  if (!Title) return bad(llvm::toString(Title.takeError()));
  llvm::Expected<std::string> Format = textParam(Params, "format", "svg");
  if (!Format) return bad(llvm::toString(Format.takeError()));
  if (*Format != "svg")
    return bad(
        fmt::format("`format: {}` is not drawn here: charts are SVG files "
                    "(`format: svg`)",
                    *Format));
  llvm::Expected<std::string> Theme = textParam(Params, "theme", "default");
  if (!Theme) return bad(llvm::toString(Theme.takeError()));
  if (!llvm::is_contained(ir::chartThemes(), llvm::StringRef(*Theme)))
    return bad(fmt::format("unknown chart theme `{}`; expected {}", *Theme,
                           llvm::join(ir::chartThemes(), ", ")));
  // Each type once, in the order asked; `auto` is the types the data suits.
  std::vector<std::string> Types;
  for (const std::string &T : *Asked) {
    std::vector<std::string> These =
        T == "auto" ? autoChartTypes(*Table) : std::vector<std::string>{T};
    for (const std::string &X : These) {
      if (!llvm::is_contained(chartTypes(), X))
        return bad(fmt::format("unknown chart type `{}`; expected auto, {}", X,
                               llvm::join(chartTypes(), ", ")));
      if (!llvm::is_contained(Types, X)) Types.push_back(X);
    }
  }
  // Trailing slashes go, not a leading one: `/` stays absolute (refused).
  std::string Base = *Dir;
  while (Base.size() > 1 && Base.back() == '/') Base.pop_back();
  json Files = json::array();
  for (const std::string &T : Types) {
    std::string Path =
        Base + (Base.empty() || Base.back() == '/' ? "" : "/") + T + "_chart.svg";
    ActionResult W = runFileWrite(
        RunDir, json{{"path", Path},
                     {"content",
                      chartSvg(*Table, T, *Title, *Width, *Height, *Theme == "dark")}});
    if (!W.Ok) return W;
    Files.push_back(Path);
  }
  json TypesJson = json::array();
  for (const std::string &T : Types) TypesJson.push_back(T);
  return ActionResult::success(json{{"output", ir::toJsonText(Files)},
                                    {"charts", Files},
                                    {"files", Files},
                                    {"count", Files.size()},
                                    {"output_dir", Base.empty() ? "." : Base},
                                    {"chart_types", std::move(TypesJson)},
                                    {"success", true}});
}

}  // namespace orch::runtime
