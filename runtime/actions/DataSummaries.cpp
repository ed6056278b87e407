//===- DataSummaries.cpp - data.profile, data.aggregate, data.pivot -------===//
//
// ContextLab computes these three in plain Python (not pandas): numbers are
// what its _parse_numeric reads (floats), groups are keyed by Python's str()
// of a value, and rows are read by ContextLab's _parse_input_data.
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "ir/Actions.h"
#include "ir/Eval.h"
#include "ir/PyText.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "runtime/actions/DataActions.h"
#include "runtime/actions/DataFilter.h"
#include "runtime/actions/DataFrame.h"

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

/// The rows of `input`: a list of objects.
llvm::Expected<json> rowsParam(const json &Params, llvm::StringRef Format,
                               llvm::StringRef What) {
  llvm::Expected<json> Read = readData(dataInput(Params), Format);
  if (!Read)
    return llvm::createStringError("Could not parse input data: " +
                                   llvm::toString(Read.takeError()));
  if (!Read->is_array())
    return llvm::createStringError(
        fmt::format("{} needs rows: a list, found {}", What.str(),
                    Read->is_object() ? "an object" : "a value"));
  for (size_t I = 0; I < Read->size(); ++I)
    if (!(*Read)[I].is_object())
      return llvm::createStringError(
          fmt::format("{}: row {} is not an object", What.str(), I + 1));
  return Read;
}

/// Python's statistics.median.
double median(std::vector<double> V) {
  std::sort(V.begin(), V.end());
  size_t N = V.size();
  return N % 2 ? V[N / 2] : (V[N / 2 - 1] + V[N / 2]) / 2;
}

/// Python's statistics.stdev (the sample deviation; two values at least).
double stdev(const std::vector<double> &V) {
  double Mean = 0;
  for (double X : V) Mean += X;
  Mean /= double(V.size());
  double Sum = 0;
  for (double X : V) Sum += (X - Mean) * (X - Mean);
  return std::sqrt(Sum / double(V.size() - 1));
}

/// One aggregation of \p Items' \p Column, or null when ContextLab sets
/// none (a number function with no numbers).
llvm::Expected<json> aggregateOne(llvm::StringRef Fn, const json &Items,
                                  const std::string &Column, bool GroupCount) {
  std::vector<double> Nums;
  size_t Present = 0;
  std::set<std::string> Distinct;
  for (const json &Item : Items) {
    auto It = Item.find(Column);
    if (It == Item.end()) continue;
    ++Present;
    if (std::optional<double> D = parseNumeric(*It)) Nums.push_back(*D);
    // ContextLab's groups count str() of each present value; its whole-
    // table form counts the distinct numbers read.
    if (GroupCount)
      Distinct.insert(pyText(*It));
    else if (std::optional<double> D = parseNumeric(*It))
      Distinct.insert(pyText(json(*D)));
  }
  if (Fn == "count") return json(GroupCount ? Items.size() : Present);
  if (Fn == "count_distinct") return json(Distinct.size());
  static constexpr llvm::StringLiteral Known[] = {"sum",     "total", "avg", "mean",
                                                  "average", "min",   "max", "median"};
  if (!llvm::is_contained(Known, Fn))
    return llvm::createStringError(fmt::format(
        "aggregation function `{}` is not one of sum, total, avg, mean, average, count, "
        "count_distinct, min, max, median",
        Fn.str()));
  if (Nums.empty()) return json();
  double Sum = 0;
  for (double X : Nums) Sum += X;
  if (Fn == "sum" || Fn == "total") return json(Sum);
  if (Fn == "min") return json(*std::min_element(Nums.begin(), Nums.end()));
  if (Fn == "max") return json(*std::max_element(Nums.begin(), Nums.end()));
  if (Fn == "median") return json(median(Nums));
  return json(Sum / double(Nums.size()));
}

}  // namespace

ActionResult runDataProfile(const json &Params) {
  llvm::Expected<std::string> Format = dataChoice(Params, "format", "json");
  if (!Format) return ActionResult::badParam(llvm::toString(Format.takeError()));
  llvm::Expected<json> Rows = rowsParam(Params, *Format, "profile");
  if (!Rows) return ActionResult::badParam(llvm::toString(Rows.takeError()));
  llvm::Expected<std::vector<std::string>> Asked =
      dataColumns(Params, "profiling_options");
  if (!Asked) return ActionResult::badParam(llvm::toString(Asked.takeError()));
  std::vector<std::string> Options = *Asked;
  if (Options.empty())
    Options = {"missing_values", "data_types", "statistical_summary", "outlier_detection",
               "duplicate_detection"};
  auto Has = [&](llvm::StringRef O) { return llvm::is_contained(Options, O.str()); };
  json Profile;
  if (Rows->empty()) {
    Profile = {{"row_count", 0},
               {"column_count", 0},
               {"columns", json::object()},
               {"message", "No data to profile"}};
  } else {
    double N = double(Rows->size());
    Profile = {{"row_count", Rows->size()},
               {"column_count", (*Rows)[0].size()},
               {"columns", json::object()}};
    for (auto &[Column, First] : (*Rows)[0].items()) {
      json Col = {{"name", Column}};
      std::vector<json> Values;
      for (const json &Row : *Rows) {
        auto It = Row.find(Column);
        Values.push_back(It == Row.end() ? json() : *It);
      }
      auto Blank = [](const json &V) {
        return V.is_null() || (V.is_string() && V.get_ref<const std::string &>().empty());
      };
      if (Has("missing_values")) {
        size_t Missing = llvm::count_if(Values, [&](const json &V) {
          return Blank(V) || (V.is_string() && V == "null");
        });
        Col["missing_count"] = Missing;
        Col["missing_percentage"] = double(Missing) / N * 100;
      }
      if (Has("data_types")) {
        std::vector<double> Nums;
        size_t Dates = 0;
        for (const json &V : Values) {
          if (Blank(V)) continue;
          if (std::optional<double> D = parseNumeric(V)) Nums.push_back(*D);
          if (V.is_string() &&
              V.get_ref<const std::string &>().find_first_of("-/") != std::string::npos)
            ++Dates;
        }
        Col["data_type"] = double(Nums.size()) > N * 0.8 ? "numeric"
                           : double(Dates) > N * 0.8     ? "date"
                                                         : "string";
        if (Has("statistical_summary") && !Nums.empty()) {
          double Sum = 0;
          for (double X : Nums) Sum += X;
          Col["min"] = *std::min_element(Nums.begin(), Nums.end());
          Col["max"] = *std::max_element(Nums.begin(), Nums.end());
          Col["mean"] = Sum / double(Nums.size());
          if (Nums.size() > 1) {
            Col["median"] = median(Nums);
            Col["std_dev"] = stdev(Nums);
          }
          if (Has("outlier_detection") && Nums.size() > 3) {
            std::vector<double> S = Nums;
            std::sort(S.begin(), S.end());
            double Q1 = S[S.size() / 4], Q3 = S[3 * S.size() / 4], Iqr = Q3 - Q1;
            size_t Out = llvm::count_if(
                Nums, [&](double X) { return X < Q1 - 1.5 * Iqr || X > Q3 + 1.5 * Iqr; });
            Col["outlier_count"] = Out;
            Col["outlier_percentage"] = double(Out) / double(Nums.size()) * 100;
          }
        }
      }
      std::set<std::string> Unique;
      for (const json &V : Values)
        if (!Blank(V)) Unique.insert(pyText(V));
      Col["unique_count"] = Unique.size();
      Col["unique_percentage"] = double(Unique.size()) / N * 100;
      Profile["columns"][Column] = std::move(Col);
    }
    if (Has("duplicate_detection")) {
      // A row's values in the order of its sorted keys, as ContextLab joins them.
      std::set<std::string> Seen;
      for (const json &Row : *Rows) {
        std::vector<std::string> Keys;
        for (auto &[K, V] : Row.items()) Keys.push_back(K);
        std::sort(Keys.begin(), Keys.end());
        std::string Line;
        for (size_t I = 0; I < Keys.size(); ++I)
          Line += (I ? "|" : "") + pyText(Row[Keys[I]]);
        Seen.insert(Line);
      }
      size_t Dups = Rows->size() - Seen.size();
      Profile["duplicate_rows"] = Dups;
      Profile["duplicate_percentage"] = double(Dups) / N * 100;
    }
  }
  json Value = {{"action", "profile"}, {"data", Profile}};
  return ActionResult::success(dataFields(Value));
}

ActionResult runDataAggregate(const json &Params) {
  llvm::Expected<DataFormats> Formats = dataFormats(Params);
  if (!Formats) return ActionResult::badParam(llvm::toString(Formats.takeError()));
  llvm::Expected<json> Rows = rowsParam(Params, Formats->In, "aggregate");
  if (!Rows) return ActionResult::badParam(llvm::toString(Rows.takeError()));
  // ContextLab's `operation: {group_by, aggregations}` form; the step's
  // own parameters come first.
  json Op = Params.value("operation", json::object());
  if (!Op.is_object())
    return ActionResult::badParam(fmt::format(
        "parameter `operation` must be a mapping, found {}", ir::toJsonText(Op)));
  json Spec = Op;
  for (const char *K : {"group_by", "aggregations"})
    if (auto It = Params.find(K); It != Params.end()) Spec[K] = *It;
  llvm::Expected<std::vector<std::string>> GroupBy = dataColumns(Spec, "group_by");
  if (!GroupBy) return ActionResult::badParam(llvm::toString(GroupBy.takeError()));
  json Aggs = Spec.value("aggregations", json::object());
  if (!Aggs.is_object())
    return ActionResult::badParam(fmt::format(
        "parameter `aggregations` must be a mapping of names to functions, found {}",
        ir::toJsonText(Aggs)));
  // Each aggregation: its function and column (`name: sum`, or `name:
  // {function, column}`).
  struct Agg {
    std::string Name, Fn, Column;
    bool Spec;
  };
  std::vector<Agg> List;
  for (auto &[Name, Spec] : Aggs.items()) {
    if (Spec.is_string()) {
      List.push_back({Name, Spec.get<std::string>(), Name, false});
    } else if (Spec.is_object()) {
      json Fn = Spec.value("function", json("sum")),
           Col = Spec.value("column", json(Name));
      if (!Fn.is_string() || !Col.is_string())
        return ActionResult::badParam(
            fmt::format("aggregation `{}`: `function` and `column` must be text", Name));
      List.push_back({Name, Fn.get<std::string>(), Col.get<std::string>(), true});
    } else {
      return ActionResult::badParam(fmt::format(
          "aggregation `{}` must be a function name or `{{function, column}}`", Name));
    }
  }
  json Value;
  if (GroupBy->empty()) {
    json Out = {{"count", Rows->size()}, {"aggregations", json::object()}};
    for (const Agg &A : List) {
      llvm::Expected<json> R = aggregateOne(A.Fn, *Rows, A.Column, false);
      if (!R) return ActionResult::badParam(llvm::toString(R.takeError()));
      if (!R->is_null()) Out["aggregations"][A.Spec ? A.Name : A.Name + "_" + A.Fn] = *R;
    }
    Value = {{"action", "aggregate"}, {"data", std::move(Out)}};
    return ActionResult::success(dataFields(Value));
  }
  // Groups in the order their keys first appear.
  std::vector<std::vector<std::string>> Keys;
  std::vector<json> Groups;
  std::map<std::vector<std::string>, size_t> Index;
  for (const json &Row : *Rows) {
    std::vector<std::string> K;
    for (const std::string &F : *GroupBy) {
      auto It = Row.find(F);
      K.push_back(It == Row.end() ? "" : pyText(*It));
    }
    auto [Slot, New] = Index.try_emplace(K, Groups.size());
    if (New) {
      Keys.push_back(K);
      Groups.push_back(json::array());
    }
    Groups[Slot->second].push_back(Row);
  }
  json Result = json::array();
  for (size_t G = 0; G < Groups.size(); ++G) {
    json Row = json::object();
    for (size_t I = 0; I < GroupBy->size(); ++I) Row[(*GroupBy)[I]] = Keys[G][I];
    for (const Agg &A : List) {
      llvm::Expected<json> R = aggregateOne(A.Fn, Groups[G], A.Column, true);
      if (!R) return ActionResult::badParam(llvm::toString(R.takeError()));
      if (!R->is_null()) Row[A.Name] = *R;
    }
    Result.push_back(std::move(Row));
  }
  llvm::Expected<json> Out = rowsOut(Result, Formats->Out);
  if (!Out) return ActionResult::badParam(llvm::toString(Out.takeError()));
  Value = {
      {"action", "aggregate"}, {"data", std::move(*Out)}, {"row_count", Result.size()}};
  return ActionResult::success(dataFields(Value));
}

ActionResult runDataPivot(const json &Params) {
  llvm::Expected<DataFormats> Formats = dataFormats(Params);
  if (!Formats) return ActionResult::badParam(llvm::toString(Formats.takeError()));
  llvm::Expected<std::string> Fn =
      dataChoice(Params, "aggfunc", "sum", ir::paramChoices("data.pivot", "aggfunc"));
  if (!Fn) return ActionResult::badParam(llvm::toString(Fn.takeError()));
  llvm::Expected<json> Rows = rowsParam(Params, Formats->In, "pivot");
  if (!Rows) return ActionResult::badParam(llvm::toString(Rows.takeError()));
  llvm::Expected<std::vector<std::string>> Index = dataColumns(Params, "index");
  llvm::Expected<std::vector<std::string>> Cols = dataColumns(Params, "columns");
  llvm::Expected<std::vector<std::string>> Vals = dataColumns(Params, "values");
  // Each checked, so that none is left unchecked when one failed.
  std::string Bad;
  for (auto *E : {&Index, &Cols, &Vals})
    if (!*E) {
      std::string Why = llvm::toString(E->takeError());
      if (Bad.empty()) Bad = Why;
    }
  if (!Bad.empty()) return ActionResult::badParam(Bad);
  if (Index->empty() || Vals->empty())
    return ActionResult::badParam("Index and values parameters are required");
  json Fill = Params.value("fill_value", json(0));
  auto KeyOf = [&](const json &Row, const std::vector<std::string> &Fields) {
    std::string K;
    for (size_t I = 0; I < Fields.size(); ++I) {
      auto It = Row.find(Fields[I]);
      K += (I ? "_" : "") + (It == Row.end() ? std::string() : pyText(*It));
    }
    return K;
  };
  // index key -> (column key -> (value column -> numbers)), in first order.
  std::vector<std::pair<std::vector<std::string>,
                        std::map<std::string, llvm::StringMap<std::vector<double>>>>>
      Table;
  std::map<std::vector<std::string>, size_t> Where;
  std::set<std::string> ColumnKeys;
  for (const json &Row : *Rows) {
    std::vector<std::string> IK;
    for (const std::string &F : *Index) {
      auto It = Row.find(F);
      IK.push_back(It == Row.end() ? "" : pyText(*It));
    }
    std::string CK = Cols->empty() ? "value" : KeyOf(Row, *Cols);
    // A row with no number to add makes no entry, as in ContextLab.
    for (const std::string &V : *Vals) {
      auto It = Row.find(V);
      if (It == Row.end()) continue;
      if (std::optional<double> D = parseNumeric(*It)) {
        auto [Slot, New] = Where.try_emplace(IK, Table.size());
        if (New) Table.push_back({IK, {}});
        Table[Slot->second].second[CK][V].push_back(*D);
        ColumnKeys.insert(CK);
      }
    }
  }
  size_t Width = Index->size() + ColumnKeys.size() * Vals->size();
  if (Width > MaxDataColumns || Table.size() * Width > MaxDataCells)
    return ActionResult::badParam(
        fmt::format("the pivot table would have {} rows of {} columns; a data action "
                    "makes at most {} "
                    "columns and {} cells",
                    Table.size(), Width, MaxDataColumns, MaxDataCells));
  json Result = json::array();
  for (auto &[IK, Cells] : Table) {
    json Row = json::object();
    for (size_t I = 0; I < Index->size(); ++I) Row[(*Index)[I]] = IK[I];
    // ContextLab iterates a Python set (its order varies run to run):
    // here the column keys are sorted.
    for (const std::string &CK : ColumnKeys)
      for (const std::string &V : *Vals) {
        std::string Name = Cols->empty() ? V : Vals->size() == 1 ? CK : CK + "_" + V;
        const std::vector<double> *Nums = nullptr;
        if (auto C = Cells.find(CK); C != Cells.end())
          if (auto X = C->second.find(V); X != C->second.end()) Nums = &X->second;
        if (!Nums || Nums->empty()) {
          Row[Name] = Fill;
          continue;
        }
        double Sum = 0;
        for (double X : *Nums) Sum += X;
        if (*Fn == "sum")
          Row[Name] = Sum;
        else if (*Fn == "mean")
          Row[Name] = Sum / double(Nums->size());
        else if (*Fn == "count")
          Row[Name] = Nums->size();
        else if (*Fn == "min")
          Row[Name] = *std::min_element(Nums->begin(), Nums->end());
        else
          Row[Name] = *std::max_element(Nums->begin(), Nums->end());
      }
    Result.push_back(std::move(Row));
  }
  llvm::Expected<json> Out = rowsOut(Result, Formats->Out);
  if (!Out) return ActionResult::badParam(llvm::toString(Out.takeError()));
  json Value = {
      {"action", "pivot"}, {"data", std::move(*Out)}, {"row_count", Result.size()}};
  return ActionResult::success(dataFields(Value));
}

}  // namespace orch::runtime
