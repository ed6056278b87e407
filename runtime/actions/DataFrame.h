//===- DataFrame.h - Tables as ContextLab's data tools build them -*- C++ -*-===//
//
// ContextLab's `data-processing` tool builds pandas frames from a step's
// data. DataFrame is the part of that model its actions rely on: columns in
// the order they first appear, one cell a column per row (null is pandas'
// missing value, NaN or None), and each column's kind, which decides what
// counts as a number (select_dtypes) and whether integers became floats
// when a value was missing. The data.* actions read their input through
// readData() and frameOf(), and write their rows back with frameRecords()
// or frameCsv() (docs/actions.md §24).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ir/Json.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace orch::runtime {

/// pandas' NaN: a cell a row does not have, or a missing number. It differs
/// from None (JSON null) only in an object column, where drop_duplicates
/// tells them apart; both are written as null.
inline orch::ir::Json nanCell() {
  return orch::ir::Json(orch::ir::Json::value_t::discarded);
}

/// Is \p V missing (NaN or None), as pandas' isna()?
inline bool missingCell(const orch::ir::Json &V) {
  return V.is_null() || V.is_discarded();
}

/// What a column holds, as pandas types it.
enum class ColumnKind {
  Int,     ///< integers only (int64)
  Float,   ///< numbers, at least one not an integer or missing (float64)
  Bool,    ///< booleans only
  Object,  ///< anything else (text, mixes, lists, objects)
};

/// A table: Columns[i] names the i-th cell of every row.
struct DataFrame {
  std::vector<std::string> Columns;
  std::vector<ColumnKind> Kinds;
  std::vector<std::vector<orch::ir::Json>> Rows;

  /// Is column \p C a number column (pandas' select_dtypes(np.number))?
  bool numeric(size_t C) const {
    return Kinds[C] == ColumnKind::Int || Kinds[C] == ColumnKind::Float;
  }
  /// The position of column \p Name (its first), if there is one.
  std::optional<size_t> column(llvm::StringRef Name) const;
  /// Appends column \p Name (null in every row) unless it exists; its position.
  size_t addColumn(llvm::StringRef Name);
  /// Sets each column's kind from its cells, as pandas does when it builds
  /// a frame: a number column with a missing cell holds floats.
  void inferKinds();

 private:
  /// Columns' positions, indexed up to Indexed (columns are only appended).
  mutable llvm::StringMap<size_t> Index;
  mutable size_t Indexed = 0;
};

/// The kind pandas 1.5 gives a column that joins columns of kinds \p A and
/// \p B (concat, merge): integers beside floats are floats; booleans beside
/// numbers, and anything beside text, are object (each cell as it was).
ColumnKind commonKind(ColumnKind A, ColumnKind B);

/// The kind of a column of kind \p K once it has a missing cell: integers
/// become floats, booleans objects.
ColumnKind withMissing(ColumnKind K);

/// Converts the cells of column \p C to its kind (F.Kinds[C]): in a float
/// column integers and booleans become floats and None NaN; in an integer
/// column booleans become 0 and 1.
void castColumn(DataFrame &F, size_t C);

/// The most rows, columns and cells a data action takes.
constexpr size_t MaxDataRows = 1'000'000, MaxDataColumns = 10'000,
                 MaxDataCells = 2'000'000;

/// ContextLab's guess that text in JSON format is CSV: a comma in the first
/// line, about as many in the next two, and no `{` or `[` first.
bool looksLikeCsv(llvm::StringRef Text);

/// The number \p V stands for, as ContextLab's _parse_numeric reads it: a
/// JSON number (not a boolean), or text that is one once `,` and `$` are
/// taken out; null, "" and anything else is none.
std::optional<double> parseNumeric(const orch::ir::Json &V);

/// ContextLab's _parse_input_data, without file paths: a value that is not
/// text is itself; text is read as CSV (strings, as csv.DictReader reads
/// it) when \p Format is csv or it looks like CSV, else as JSON.
llvm::Expected<orch::ir::Json> readData(const orch::ir::Json &Data,
                                        llvm::StringRef Format);

/// pandas' DataFrame(\p Data): a list of objects (rows; a list of other
/// values is one column `0`), an object of lists (columns; a value that is
/// no list is repeated down its column), an object of objects (columns,
/// their keys the rows), or one object (one row).
llvm::Expected<DataFrame> frameOf(const orch::ir::Json &Data);

/// pandas' read_csv: the header names the columns; a cell that is empty or
/// one of pandas' missing markers (NA, null, NaN, ...) is missing; a column
/// whose cells all read as integers (or numbers, or True/False) holds those.
llvm::Expected<DataFrame> frameOfCsv(llvm::StringRef Text);

/// to_dict(orient='records'): one object a row, its cells in column order
/// (NaN as null).
orch::ir::Json frameRecords(const DataFrame &F);

/// to_csv(index=False): a header line, then a line a row ("\n" ends each);
/// a missing cell is empty, a float is written as Python writes it (`2.0`),
/// a field with a comma, a quote or a line break is quoted.
std::string frameCsv(const DataFrame &F);

/// ContextLab's `data or input_data or {}`: the `input` parameter, or an
/// empty object for a value Python reads as false.
orch::ir::Json dataInput(const orch::ir::Json &Params);

/// Python's str() of \p V (text as it is), as ContextLab keys and writes
/// values.
std::string pyText(const orch::ir::Json &V);

/// A number as Python hashes it: `1`, `1.0` and `True` are one key; an
/// integer exactly (2^53 + 1 is not the float 2^53).
std::string numberKey(const orch::ir::Json &V);

/// How an action reads text (`format`, default json) and writes rows
/// (`output_format`, default the same).
struct DataFormats {
  std::string In, Out;
};
llvm::Expected<DataFormats> dataFormats(const orch::ir::Json &Params);

/// A data action's fields from ContextLab's result object \p Value: its
/// keys, `value` (the object; ContextLab's `processed_data`) and `output`
/// (its `data` as text: JSON unless it is text already).
orch::ir::Json dataFields(const orch::ir::Json &Value);

/// The text parameter \p Name of \p Params, \p Default when absent or
/// null, an error naming it when it is not text or not one of \p Allowed
/// (when given).
llvm::Expected<std::string> dataChoice(const orch::ir::Json &Params, llvm::StringRef Name,
                                       llvm::StringRef Default,
                                       llvm::ArrayRef<llvm::StringRef> Allowed = {});

/// Parameter \p Key of \p Params as column names: one name, or a list of
/// them; none when absent or null.
llvm::Expected<std::vector<std::string>> dataColumns(const orch::ir::Json &Params,
                                                     llvm::StringRef Key);

/// ContextLab's output of rows: CSV text (as `csv.DictWriter` writes it)
/// when \p Format is csv and there are rows, else the rows as they are.
llvm::Expected<orch::ir::Json> rowsOut(orch::ir::Json Rows, llvm::StringRef Format);

}  // namespace orch::runtime
