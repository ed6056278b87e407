//===- Chart.h - The chart action ------------------------------*- C++ -*-===//
//
// `chart` draws charts of tabular data (a list of rows, CSV or JSON text)
// as SVG files in the run directory: ContextLab's visualization tool's
// `create_charts`, whose result it answers (`charts`, `files`, `count`,
// `output_dir`, `chart_types`). docs/actions.md §13.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ir/Json.h"
#include "llvm/Support/Error.h"
#include "runtime/actions/Action.h"

namespace orch::runtime {

/// A table of data: column names in order of first appearance, and per row
/// one cell per column (null where the row has none).
struct ChartTable {
  std::vector<std::string> Columns;
  std::vector<std::vector<orch::ir::Json>> Rows;
  /// Per row, its name where the data gave one (the keys of an object of
  /// objects, pandas' index); empty: rows are numbered from 0.
  std::vector<std::string> RowLabels;
  /// Per column: every cell that is not null or empty is a number (from CSV
  /// text, also text that reads as one), and one is.
  std::vector<bool> Numeric;
};

/// The most columns, and cells (rows times columns), a chart's data may have.
constexpr size_t MaxChartColumns = 1000, MaxChartCells = 2'000'000;

/// The number a cell holds: a finite JSON number, or (\p Text) text that
/// is one finite number. Booleans are not numbers.
std::optional<double> chartNumber(const orch::ir::Json &Cell, bool Text = true);

/// Reads `data`: a list of objects (rows) or of scalars (one column
/// `value`), an object of objects (one row per key, the key its label),
/// one object (one row), or text holding JSON or CSV.
llvm::Expected<ChartTable> chartTable(const orch::ir::Json &Data);

/// The chart types `auto` stands for, for \p T (ContextLab's choice):
/// `bar` for a category and a number column, `scatter` for two number
/// columns, `histogram` for one, `pie` for a category column with at most
/// ten values; `bar` if none applies.
std::vector<std::string> autoChartTypes(const ChartTable &T);

/// One chart of \p T as an SVG document, \p Width by \p Height pixels,
/// under \p Title (or a title that says what is drawn), on a dark
/// background when \p Dark. \p Type is one of chartTypes().
std::string chartSvg(const ChartTable &T, llvm::StringRef Type, llvm::StringRef Title,
                     int Width, int Height, bool Dark = false);

/// `chart.dashboard`: an HTML page, `dashboard.html` in `output_dir` of
/// \p RunDir, showing the SVG files `charts` (`title`, `layout`):
/// ContextLab's `create_dashboard`, whose fields it answers.
ActionResult runChartDashboard(const std::string &RunDir, const orch::ir::Json &Params);

/// The chart types chartSvg draws (its table's rows, in order).
llvm::SmallVector<llvm::StringRef, 8> chartTypes();

/// `chart`: draws `chart_types` (default `auto`) of `data` into
/// `output_dir` (default `charts`) of \p RunDir, one `<type>_chart.svg`
/// each.
ActionResult runChart(const std::string &RunDir, const orch::ir::Json &Params);

}  // namespace orch::runtime
