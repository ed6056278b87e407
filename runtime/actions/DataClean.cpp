//===- DataClean.cpp - The data.clean action ------------------------------===//
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "ir/Actions.h"
#include "ir/Eval.h"
#include "ir/JsonLimits.h"
#include "runtime/actions/DataActions.h"
#include "runtime/actions/DataFrame.h"

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

/// clean reads text as JSON first, else as CSV (pandas' read_csv).
llvm::Expected<DataFrame> cleanInput(const json &Data) {
  if (!Data.is_string()) return frameOf(Data);
  const std::string &Text = Data.get_ref<const std::string &>();
  std::string Deep;
  json Parsed = ir::parseJsonBounded(Text, &Deep);
  if (!Deep.empty()) return llvm::createStringError("the data is too deep: " + Deep);
  if (!Parsed.is_discarded()) return frameOf(Parsed);
  return frameOfCsv(Text);
}

/// A row as drop_duplicates compares it. pandas 1.5 tells None from NaN
/// when the frame has one column (Series.duplicated), not when it has
/// more (the columns are factorized, every missing value alike).
std::string rowKey(const std::vector<json> &Row) {
  std::string K;
  for (const json &V : Row) {
    K += V.is_discarded()                  ? std::string("NaN")
         : V.is_null() && Row.size() > 1   ? std::string("NaN")
         : V.is_number() || V.is_boolean() ? numberKey(V)
                                           : ir::toJsonText(V);
    K += '\x1f';
  }
  return K;
}

void dropDuplicates(DataFrame &F) {
  if (F.Columns.empty()) return;  // pandas keeps rows of no columns
  std::set<std::string> Seen;
  std::vector<std::vector<json>> Kept;
  for (auto &Row : F.Rows)
    if (Seen.insert(rowKey(Row)).second) Kept.push_back(std::move(Row));
  F.Rows = std::move(Kept);
}

void dropMissing(DataFrame &F) {
  std::erase_if(F.Rows, [](const std::vector<json> &Row) {
    return std::any_of(Row.begin(), Row.end(), missingCell);
  });
}

/// Fills each missing cell from the nearest value before it (\p Forward)
/// or after it, in its column.
void fillAlong(DataFrame &F, bool Forward) {
  size_t N = F.Rows.size();
  for (size_t C = 0; C < F.Columns.size(); ++C) {
    json Last = nanCell();
    for (size_t I = 0; I < N; ++I) {
      json &V = F.Rows[Forward ? I : N - 1 - I][C];
      if (missingCell(V)) {
        if (!Last.is_discarded()) V = Last;
      } else {
        Last = V;
      }
    }
  }
}

/// What pandas 1.5 does to an object column after a forward or backward
/// fill (Block._maybe_downcast: a soft conversion): one of numbers alone
/// becomes integers (none missing) or floats, one of booleans alone (none
/// missing) booleans.
void softConvert(DataFrame &F) {
  for (size_t C = 0; C < F.Columns.size(); ++C) {
    if (F.Kinds[C] != ColumnKind::Object) continue;
    bool Ints = true, Numbers = true, Bools = true, Missing = false, Any = false;
    for (const auto &Row : F.Rows) {
      const json &V = Row[C];
      if (missingCell(V)) {
        Missing = true;
        continue;
      }
      Any = true;
      Ints &= V.is_number_integer() || V.is_number_unsigned();
      Numbers &= V.is_number();
      Bools &= V.is_boolean();
    }
    if (!Any) continue;
    if (Numbers)
      F.Kinds[C] = Ints && !Missing ? ColumnKind::Int : ColumnKind::Float;
    else if (Bools && !Missing)
      F.Kinds[C] = ColumnKind::Bool;
    castColumn(F, C);
  }
}

/// pandas' interpolate(): linear between known values by position; a gap
/// at the end takes the last value, one at the start stays missing.
void interpolate(DataFrame &F) {
  for (size_t C = 0; C < F.Columns.size(); ++C) {
    if (!F.numeric(C)) continue;
    std::optional<size_t> Prev;
    for (size_t I = 0; I < F.Rows.size(); ++I) {
      if (missingCell(F.Rows[I][C])) continue;
      if (Prev && I > *Prev + 1) {
        double A = F.Rows[*Prev][C].get<double>(), B = F.Rows[I][C].get<double>();
        for (size_t K = *Prev + 1; K < I; ++K)
          F.Rows[K][C] = A + (B - A) * double(K - *Prev) / double(I - *Prev);
      }
      Prev = I;
    }
    if (Prev)
      for (size_t K = *Prev + 1; K < F.Rows.size(); ++K)
        F.Rows[K][C] = F.Rows[*Prev][C].get<double>();
  }
}

void fillMean(DataFrame &F) {
  for (size_t C = 0; C < F.Columns.size(); ++C) {
    if (!F.numeric(C)) continue;
    double Sum = 0;
    size_t N = 0;
    for (const auto &Row : F.Rows)
      if (!missingCell(Row[C])) Sum += Row[C].get<double>(), ++N;
    if (!N) continue;
    for (auto &Row : F.Rows)
      if (missingCell(Row[C])) Row[C] = Sum / double(N);
  }
}

/// pandas' quantile (linear) of \p Sorted (not empty).
double quantile(const std::vector<double> &Sorted, double Q) {
  double Pos = Q * double(Sorted.size() - 1);
  size_t Lo = size_t(std::floor(Pos));
  size_t Hi = std::min(Lo + 1, Sorted.size() - 1);
  return Sorted[Lo] + (Sorted[Hi] - Sorted[Lo]) * (Pos - double(Lo));
}

/// Keeps, column after column, the rows within 1.5 IQR of the quartiles;
/// a row missing the column's value goes (NaN compares false in pandas).
void dropOutliers(DataFrame &F) {
  for (size_t C = 0; C < F.Columns.size(); ++C) {
    if (!F.numeric(C)) continue;
    std::vector<double> V;
    for (const auto &Row : F.Rows)
      if (!missingCell(Row[C])) V.push_back(Row[C].get<double>());
    if (V.empty()) {
      F.Rows.clear();
      continue;
    }
    std::sort(V.begin(), V.end());
    double Q1 = quantile(V, 0.25), Q3 = quantile(V, 0.75), Iqr = Q3 - Q1;
    double Lo = Q1 - 1.5 * Iqr, Hi = Q3 + 1.5 * Iqr;
    std::erase_if(F.Rows, [&](const std::vector<json> &Row) {
      if (missingCell(Row[C])) return true;
      double X = Row[C].get<double>();
      return !(X >= Lo && X <= Hi);
    });
  }
}

llvm::Expected<bool> flag(const json &Params, llvm::StringRef Name, bool Default) {
  auto It = Params.find(Name);
  if (It == Params.end() || It->is_null()) return Default;
  if (!It->is_boolean())
    return llvm::createStringError(
        fmt::format("parameter `{}` must be true or false, found {}", Name.str(),
                    ir::toJsonText(*It)));
  return It->get<bool>();
}

json shape(const DataFrame &F) {
  return json{{"rows", F.Rows.size()}, {"columns", F.Columns.size()}};
}

}  // namespace

ActionResult runDataClean(const json &Params) {
  llvm::Expected<std::string> Format =
      dataChoice(Params, "format", "json", ir::paramChoices("data.clean", "format"));
  if (!Format) return ActionResult::badParam(llvm::toString(Format.takeError()));
  llvm::Expected<std::string> Missing = dataChoice(
      Params, "handle_missing", "drop", ir::paramChoices("data.clean", "handle_missing"));
  if (!Missing) return ActionResult::badParam(llvm::toString(Missing.takeError()));
  llvm::Expected<bool> Dups = flag(Params, "remove_duplicates", true);
  if (!Dups) return ActionResult::badParam(llvm::toString(Dups.takeError()));
  llvm::Expected<bool> Outliers = flag(Params, "remove_outliers", false);
  if (!Outliers) return ActionResult::badParam(llvm::toString(Outliers.takeError()));
  llvm::Expected<DataFrame> F = cleanInput(dataInput(Params));
  if (!F)
    return ActionResult::badParam("cannot read `input` as rows: " +
                                  llvm::toString(F.takeError()));
  json Original = shape(*F);
  if (*Dups) dropDuplicates(*F);
  if (*Missing == "drop")
    dropMissing(*F);
  else if (*Missing == "forward_fill" || *Missing == "backward_fill") {
    fillAlong(*F, *Missing == "forward_fill");
    softConvert(*F);
  } else if (*Missing == "interpolate")
    interpolate(*F);
  else if (*Missing == "mean")
    fillMean(*F);
  if (*Outliers) dropOutliers(*F);
  json Out = *Format == "csv" ? json(frameCsv(*F)) : frameRecords(*F);
  json Value = {
      {"action", "clean"},
      {"data", std::move(Out)},
      {"original_shape", Original},
      {"cleaned_shape", shape(*F)},
      {"rows_removed", Original["rows"].get<int64_t>() - int64_t(F->Rows.size())}};
  return ActionResult::success(dataFields(Value));
}

}  // namespace orch::runtime
