//===- DataTransform.cpp - The data.transform action ----------------------===//
#include <fmt/format.h>

#include <cmath>
#include <set>

#include "ir/Actions.h"
#include "ir/Eval.h"
#include "ir/JsonLimits.h"
#include "ir/PyOps.h"
#include "ir/PyText.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Regex.h"
#include "runtime/actions/DataActions.h"
#include "runtime/actions/DataFilter.h"
#include "runtime/actions/DataFrame.h"
#include "runtime/actions/Validate.h"

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

llvm::Error fail(std::string Why) { return llvm::createStringError(std::move(Why)); }

/// The rows a transformation works on: the value, or its `records`.
json *recordsOf(json &Result) {
  if (Result.is_array()) return &Result;
  if (Result.is_object())
    if (auto It = Result.find("records"); It != Result.end() && It->is_array())
      return &*It;
  return nullptr;
}

llvm::Error needRows(const json *Rows, llvm::StringRef Type) {
  if (!Rows) return fail(fmt::format("`{}` needs rows (a list of objects)", Type.str()));
  for (size_t I = 0; I < Rows->size(); ++I)
    if (!(*Rows)[I].is_object())
      return fail(fmt::format("`{}`: row {} is not an object", Type.str(), I + 1));
  return llvm::Error::success();
}

std::string textOf(const json &T, llvm::StringRef Key) {
  auto It = T.find(Key);
  return It == T.end() || It->is_null() ? "" : pyText(*It);
}

/// ContextLab's `filter`: rows whose `field` equals `value` (Python's ==),
/// or, with a `condition` (`field == 'x'`, `field != 'x'`), the rows it holds for.
llvm::Error filter(json &Result, const json &T) {
  json *Rows = recordsOf(Result);
  if (llvm::Error E = needRows(Rows, "filter")) return E;
  std::string Field = textOf(T, "field");
  json Want = T.value("value", json());
  bool Equal = true;
  if (T.contains("condition")) {
    std::string Cond = textOf(T, "condition");
    llvm::StringRef C(Cond);
    size_t Op = C.find("!=");
    Equal = Op == llvm::StringRef::npos;
    if (Equal) Op = C.find("==");
    if (Op == llvm::StringRef::npos)
      return fail(fmt::format(
          "`filter` condition `{}` is not `field == value` or `field != value`", Cond));
    Field = C.take_front(Op).trim().str();
    Want = C.drop_front(Op + 2).trim().trim("'\"").str();
  }
  json Kept = json::array();
  for (json &Row : *Rows) {
    auto It = Row.find(Field);
    llvm::Expected<bool> Eq = ir::pyEquals(It == Row.end() ? json() : *It, Want);
    if (!Eq) return Eq.takeError();
    if (*Eq == Equal) Kept.push_back(std::move(Row));
  }
  *Rows = std::move(Kept);
  return llvm::Error::success();
}

/// ContextLab's `aggregate`: the records, and one figure of `field` over
/// them (`sum`; also `count`, `mean`, `min`, `max`) of the number cells.
llvm::Error aggregate(json &Result, const json &T) {
  json *Rows = recordsOf(Result);
  if (llvm::Error E = needRows(Rows, "aggregate")) return E;
  std::string Op = textOf(T, "operation"), Field = textOf(T, "field");
  static constexpr llvm::StringLiteral Ops[] = {"sum", "count", "mean", "min", "max"};
  if (!llvm::is_contained(Ops, Op))
    return fail(
        fmt::format("`aggregate` operation `{}` is not one of sum, count, mean, "
                    "min, max",
                    Op));
  json Total = 0;
  std::vector<json> Numbers;
  for (const json &Row : *Rows)
    // Python's isinstance(v, (int, float)): a bool is an int.
    if (auto It = Row.find(Field); It != Row.end() && It->is_boolean())
      Numbers.push_back(int(It->get<bool>()));
    else if (It != Row.end() && It->is_number())
      Numbers.push_back(*It);
  if (Op == "sum" || Op == "mean") {
    for (const json &N : Numbers) {
      llvm::Expected<json> S = ir::pyArithmetic(ir::BinaryOp::Add, Total, N);
      if (!S) return S.takeError();
      Total = std::move(*S);
    }
    if (Op == "mean")
      Total =
          Numbers.empty() ? json() : json(Total.get<double>() / double(Numbers.size()));
  } else if (Op == "count") {
    Total = Numbers.size();
  } else {
    Total = json();
    for (const json &N : Numbers)
      if (Total.is_null() || (Op == "min" ? N.get<double>() < Total.get<double>()
                                          : N.get<double>() > Total.get<double>()))
        Total = N;
  }
  json Records = std::move(*Rows);
  Result =
      json{{"filtered_records", std::move(Records)},
           {"aggregation", {{"operation", Op}, {"field", Field}, {"result", Total}}}};
  return llvm::Error::success();
}

llvm::Expected<const json *> mappingOf(const json &T, llvm::StringRef Key,
                                       llvm::StringRef Type) {
  auto It = T.find(Key);
  if (It == T.end() || It->is_null()) {
    static const json Empty = json::object();
    return &Empty;
  }
  if (!It->is_object())
    return fail(fmt::format("`{}` needs `{}`: a mapping", Type.str(), Key.str()));
  return &*It;
}

llvm::Error renameFields(json &Result, const json &T) {
  llvm::Expected<const json *> Map = mappingOf(T, "mapping", "rename_fields");
  if (!Map) return Map.takeError();
  auto Rename = [&](const json &Obj) {
    json Out = json::object();
    for (auto &[K, V] : Obj.items()) {
      auto It = (*Map)->find(K);
      std::string To =
          It != (*Map)->end() && It->is_string() ? It->get<std::string>() : K;
      Out[To] = V;
    }
    return Out;
  };
  if (Result.is_object()) {
    Result = Rename(Result);
  } else if (Result.is_array()) {
    if (llvm::Error E = needRows(&Result, "rename_fields")) return E;
    for (json &Row : Result) Row = Rename(Row);
  }
  return llvm::Error::success();
}

llvm::Error addField(json &Result, const json &T) {
  std::string Field = textOf(T, "field");
  json Value = T.value("value", json(""));
  if (Result.is_object()) {
    Result[Field] = Value;
  } else if (Result.is_array()) {
    if (llvm::Error E = needRows(&Result, "add_field")) return E;
    for (json &Row : Result) Row[Field] = Value;
  }
  return llvm::Error::success();
}

/// ContextLab's `deduplicate`: by `columns` (compared as text), keeping
/// the `first` row of each key or the `last` (where the last one is).
llvm::Error deduplicate(json &Result, const json &T) {
  json Cols = T.value("columns", json::array());
  if (!Result.is_array() || !Cols.is_array() || Cols.empty())
    return llvm::Error::success();
  if (llvm::Error E = needRows(&Result, "deduplicate")) return E;
  bool Last = textOf(T, "keep") == "last";
  auto Key = [&](const json &Row) {
    std::string K;
    for (const json &C : Cols) {
      auto It = C.is_string() ? Row.find(C.get<std::string>()) : Row.end();
      if (It != Row.end()) ir::appendPyStr(K, *It);
      K += '\x1f';
    }
    return K;
  };
  std::vector<std::string> Keys;
  for (const json &Row : Result) Keys.push_back(Key(Row));
  json Kept = json::array();
  std::set<std::string> Seen;
  if (!Last) {
    for (size_t I = 0; I < Result.size(); ++I)
      if (Seen.insert(Keys[I]).second) Kept.push_back(std::move(Result[I]));
  } else {
    std::vector<size_t> Order;
    for (size_t I = Result.size(); I-- > 0;)
      if (Seen.insert(Keys[I]).second) Order.push_back(I);
    for (size_t I = Order.size(); I-- > 0;) Kept.push_back(std::move(Result[Order[I]]));
  }
  Result = std::move(Kept);
  return llvm::Error::success();
}

/// ContextLab's `cast`: `columns` maps a column to integer, float or
/// datetime (kept as text); an empty cell is 0, a cell that does not read
/// as a number stays as it is.
llvm::Error cast(json &Result, const json &T) {
  llvm::Expected<const json *> Cols = mappingOf(T, "columns", "cast");
  if (!Cols) return Cols.takeError();
  for (auto &[Col, Type] : (*Cols)->items()) {
    std::string Ty = Type.is_string() ? Type.get<std::string>() : "";
    if (Ty != "integer" && Ty != "float" && Ty != "datetime" && Ty != "string")
      return fail(
          fmt::format("`cast` of `{}`: type `{}` is not integer, float, datetime "
                      "or string",
                      Col, ir::toJsonText(Type)));
  }
  if (!Result.is_array()) return llvm::Error::success();
  if (llvm::Error E = needRows(&Result, "cast")) return E;
  for (json &Row : Result)
    for (auto &[Col, Type] : (*Cols)->items()) {
      auto It = Row.find(Col);
      if (It == Row.end()) continue;
      const std::string &Ty = Type.get_ref<const std::string &>();
      if (Ty == "datetime" || Ty == "string") {
        *It = pyText(*It);
        continue;
      }
      bool Empty = !ir::truthy(*It);
      double Num = 0;
      bool Have = true;
      if (It->is_boolean())
        Num = It->get<bool>();
      else if (It->is_number())
        Num = It->get<double>();
      else if (std::optional<double> P =
                   It->is_string()
                       ? ir::parsePyFloat(
                             llvm::StringRef(It->get_ref<const std::string &>()).trim())
                       : std::nullopt)
        Num = *P;
      else
        Have = false;
      if (Ty == "integer") {
        if (Empty)
          *It = 0;
        else if (Have && std::isfinite(Num) && std::fabs(Num) < 9.2e18)
          *It = int64_t(std::trunc(Num));
      } else if (Empty) {
        *It = 0.0;
      } else if (Have) {
        *It = Num;
      }
    }
  return llvm::Error::success();
}

llvm::Error fillMissing(json &Result, const json &T) {
  llvm::Expected<const json *> Strategy = mappingOf(T, "strategy", "fill_missing");
  if (!Strategy) return Strategy.takeError();
  if (!Result.is_array()) return llvm::Error::success();
  if (llvm::Error E = needRows(&Result, "fill_missing")) return E;
  for (json &Row : Result)
    for (auto &[Col, Fill] : (*Strategy)->items()) {
      auto It = Row.find(Col);
      if (It == Row.end() || It->is_null() ||
          (It->is_string() && It->get_ref<const std::string &>().empty()))
        Row[Col] = Fill;
    }
  return llvm::Error::success();
}

/// ContextLab's `calculate`: `expressions` maps a new column to `a * b`
/// (the product of two columns, missing ones 0) or
/// `DATE_FORMAT(column, '...')` (its year and month, `2024-03`).
llvm::Error calculate(json &Result, const json &T) {
  llvm::Expected<const json *> Exprs = mappingOf(T, "expressions", "calculate");
  if (!Exprs) return Exprs.takeError();
  llvm::Regex Date("DATE_FORMAT\\(([A-Za-z0-9_]+),[[:space:]]*'([^']+)'\\)");
  for (auto &[Col, Expr] : (*Exprs)->items()) {
    std::string E = Expr.is_string() ? Expr.get<std::string>() : "";
    llvm::StringRef S(E);
    if (!(S.count('*') == 1 || Date.match(S)))
      return fail(
          fmt::format("`calculate` of `{}`: `{}` is neither `a * b` nor "
                      "DATE_FORMAT(column, 'format')",
                      Col, E));
  }
  if (!Result.is_array()) return llvm::Error::success();
  if (llvm::Error Err = needRows(&Result, "calculate")) return Err;
  for (json &Row : Result)
    for (auto &[Col, Expr] : (*Exprs)->items()) {
      llvm::StringRef S(Expr.get_ref<const std::string &>());
      llvm::SmallVector<llvm::StringRef, 3> M;
      if (Date.match(S, &M)) {
        auto It = Row.find(M[1].str());
        if (It == Row.end()) continue;
        std::string D = pyText(*It);
        llvm::SmallVector<llvm::StringRef, 3> Parts;
        llvm::StringRef(D).split(Parts, '-');
        if (Parts.size() >= 2) Row[Col] = (Parts[0] + "-" + Parts[1]).str();
        continue;
      }
      auto [L, R] = S.split('*');
      double Product = 1;
      bool Ok = true;
      for (llvm::StringRef Name : {L.trim(), R.trim()}) {
        // Python's float(): `1,000` and `$2` are not numbers there.
        auto It = Row.find(Name.str());
        std::optional<double> D =
            It == Row.end()    ? std::optional<double>(0)
            : It->is_boolean() ? std::optional<double>(It->get<bool>())
            : It->is_number()  ? std::optional<double>(It->get<double>())
            : It->is_string()
                ? ir::parsePyFloat(
                      llvm::StringRef(It->get_ref<const std::string &>()).trim())
                : std::nullopt;
        if (!D)
          Ok = false;
        else
          Product *= *D;
      }
      if (Ok) Row[Col] = Product;
    }
  return llvm::Error::success();
}

/// `normalize` (not ContextLab's, which ignores it): each number column
/// (or `columns`) scaled to [0, 1] (`min-max`) or to mean 0 and standard
/// deviation 1 (`z-score`, the sample deviation, as pandas').
llvm::Error normalize(json &Result, const json &T) {
  json *Rows = recordsOf(Result);
  if (llvm::Error E = needRows(Rows, "normalize")) return E;
  std::string Method = T.contains("method") ? textOf(T, "method") : "min-max";
  if (Method != "min-max" && Method != "minmax" && Method != "z-score" &&
      Method != "zscore")
    return fail(fmt::format("`normalize` method `{}` is not min-max or z-score", Method));
  bool MinMax = Method == "min-max" || Method == "minmax";
  // One pass over the cells: each column's numbers, and whether all its
  // cells (but empty ones) are numbers. Booleans are not scaled.
  struct Column {
    std::vector<double> Values;
    bool Other = false;  ///< a cell that is not a number
  };
  llvm::StringMap<Column> Stats;
  std::vector<std::string> Seen;
  for (const json &Row : *Rows)
    for (auto &[K, V] : Row.items()) {
      auto [It, New] = Stats.try_emplace(K);
      if (New) Seen.push_back(K);
      if (V.is_null() || (V.is_string() && V.get_ref<const std::string &>().empty()))
        continue;
      std::optional<double> D =
          V.is_boolean() ? std::optional<double>() : parseNumeric(V);
      if (D)
        It->second.Values.push_back(*D);
      else
        It->second.Other = true;
    }
  std::vector<std::string> Cols;
  if (auto It = T.find("columns"); It != T.end() && !It->is_null()) {
    if (!It->is_array() ||
        !llvm::all_of(*It, [](const json &C) { return C.is_string(); }))
      return fail("`normalize` needs `columns`: a list of column names");
    for (const json &C : *It) Cols.push_back(C.get<std::string>());
  } else {
    // Every column whose cells (but empty ones) all read as numbers.
    for (const std::string &C : Seen)
      if (!Stats[C].Values.empty() && !Stats[C].Other) Cols.push_back(C);
  }
  // Per column scaled: its offset and span (a span of 0 scales to 0).
  llvm::StringMap<std::pair<double, double>> Scale;
  for (const std::string &C : Cols) {
    auto Found = Stats.find(C);
    if (Found == Stats.end() || Found->second.Values.empty()) continue;
    const std::vector<double> &V = Found->second.Values;
    double Lo = *std::min_element(V.begin(), V.end());
    double Hi = *std::max_element(V.begin(), V.end());
    double Mean = 0, Sd = 0;
    for (double X : V) Mean += X;
    Mean /= double(V.size());
    for (double X : V) Sd += (X - Mean) * (X - Mean);
    Sd = V.size() > 1 ? std::sqrt(Sd / double(V.size() - 1)) : 0;
    Scale[C] = MinMax ? std::make_pair(Lo, Hi - Lo) : std::make_pair(Mean, Sd);
  }
  for (json &Row : *Rows)
    for (auto It = Row.begin(); It != Row.end(); ++It) {
      auto S = Scale.find(It.key());
      if (S == Scale.end() || It->is_boolean()) continue;
      std::optional<double> D = parseNumeric(*It);
      if (!D) continue;
      auto [Offset, Span] = S->second;
      *It = Span > 0 ? (*D - Offset) / Span : 0.0;
    }
  return llvm::Error::success();
}

struct TransformType {
  llvm::StringLiteral Name;
  llvm::Error (*Apply)(json &Result, const json &T);
};

constexpr TransformType Types[] = {
    {"add_field", addField},
    {"aggregate", aggregate},
    {"calculate", calculate},
    {"cast", cast},
    {"deduplicate", deduplicate},
    {"fill_missing", fillMissing},
    {"filter", filter},
    {"normalize", normalize},
    {"rename_fields", renameFields},
};

/// The transformations asked for: `operation`'s `transformations` or
/// `operations`, the step's `operations`, or `operation` itself when it
/// is one (it has a `type`).
llvm::Expected<json> transformationsOf(const json &Params) {
  json Op = Params.value("operation", json());
  json List;
  if (Op.is_object()) {
    if (Op.contains("transformations"))
      List = Op["transformations"];
    else if (Op.contains("operations"))
      List = Op["operations"];
    else if (Op.contains("type"))
      List = json::array({Op});
  } else if (!Op.is_null()) {
    return fail(fmt::format("parameter `operation` must be a mapping, found {}",
                            ir::toJsonText(Op)));
  }
  if (List.is_null()) List = Params.value("operations", json::array());
  if (!List.is_array())
    return fail(fmt::format("the transformations must be a list, found {}",
                            ir::toJsonText(List)));
  return List;
}

}  // namespace

ActionResult runDataTransform(const json &Params) {
  llvm::Expected<DataFormats> Formats = dataFormats(Params);
  if (!Formats) return ActionResult::badParam(llvm::toString(Formats.takeError()));
  llvm::Expected<json> List = transformationsOf(Params);
  if (!List) return ActionResult::badParam(llvm::toString(List.takeError()));
  llvm::Expected<json> Read = readData(dataInput(Params), Formats->In);
  if (!Read)
    return ActionResult::badParam("Could not parse input data: " +
                                  llvm::toString(Read.takeError()));
  json Result = std::move(*Read);
  for (size_t I = 0; I < List->size(); ++I) {
    const json &T = (*List)[I];
    if (!T.is_object())
      return ActionResult::badParam(
          fmt::format("transformation {} is not a mapping with a `type`", I + 1));
    std::string Type = textOf(T, "type");
    const TransformType *Found =
        llvm::find_if(Types, [&](const TransformType &X) { return X.Name == Type; });
    if (Found == std::end(Types))
      return ActionResult::badParam(
          fmt::format("transformation {}: unknown type `{}`; expected {}", I + 1, Type,
                      llvm::join(ir::dataTransformTypes(), ", ")));
    if (llvm::Error E = Found->Apply(Result, T))
      return ActionResult::badParam(fmt::format("transformation {} ({}): {}", I + 1, Type,
                                                llvm::toString(std::move(E))));
  }
  llvm::Expected<json> Written = rowsOut(Result, Formats->Out);
  if (!Written) return ActionResult::badParam(llvm::toString(Written.takeError()));
  json Out = std::move(*Written);
  if (Formats->Out == "json" && !Result.is_string()) Out = ir::toJsonText(Result, 2);
  json Value = {{"action", "transform"}, {"transformations", *List}, {"data", Out}};
  if (Result.is_array()) Value["row_count"] = Result.size();
  return ActionResult::success(dataFields(Value));
}

ActionResult runDataConvert(const json &Params) {
  // ContextLab's target: `output_format`, else `format`, else JSON.
  llvm::Expected<DataFormats> Formats = dataFormats(Params);
  if (!Formats) return ActionResult::badParam(llvm::toString(Formats.takeError()));
  const std::string &Target = Formats->Out;
  json Data = dataInput(Params);
  // Text that is CSV (by ContextLab's test) or JSON is read; other text
  // stays text.
  if (Data.is_string()) {
    const std::string &Text = Data.get_ref<const std::string &>();
    llvm::Expected<json> Rows =
        looksLikeCsv(Text) ? parseCsvRecords(Text) : llvm::Expected<json>(json());
    if (Rows && !Rows->is_null() && !Rows->empty()) {
      Data = std::move(*Rows);
    } else {
      if (!Rows) llvm::consumeError(Rows.takeError());
      std::string Deep;
      json Parsed = ir::parseJsonBounded(Text, &Deep);
      if (!Deep.empty()) return ActionResult::badParam("the data is too deep: " + Deep);
      if (!Parsed.is_discarded()) Data = std::move(Parsed);
    }
  }
  std::string Type = Data.is_array()            ? "list"
                     : Data.is_object()         ? "dict"
                     : Data.is_string()         ? "str"
                     : Data.is_boolean()        ? "bool"
                     : Data.is_number_integer() ? "int"
                     : Data.is_number()         ? "float"
                                                : "NoneType";
  std::string Out;
  if (Target == "json" && Data.is_string()) {
    Out = Data.get<std::string>();
  } else if (Target == "json") {
    Out = ir::toJsonText(Data, 2);
  } else if (Target == "csv" && Data.is_array() && !Data.empty()) {
    llvm::Expected<json> Csv = rowsOut(Data, "csv");
    if (!Csv) return ActionResult::badParam(llvm::toString(Csv.takeError()));
    Out = Csv->get<std::string>();
  } else if (Data.is_string()) {
    Out = Data.get<std::string>();
  } else {
    ir::appendPyStr(Out, Data);  // Python's str(), as ContextLab writes it
  }
  json Value = {{"action", "convert"},
                {"target_format", Target},
                {"data", Out},
                {"original_type", Type}};
  return ActionResult::success(dataFields(Value));
}

}  // namespace orch::runtime
