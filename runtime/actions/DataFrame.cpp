//===- DataFrame.cpp - Tables as ContextLab's data tools build them -------===//
#include "runtime/actions/DataFrame.h"

#include <fmt/format.h>

#include <cmath>

#include "ir/Eval.h"
#include "ir/JsonLimits.h"
#include "ir/PyText.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "runtime/actions/DataFilter.h"
#include "runtime/actions/Validate.h"

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

llvm::Error tooBig(size_t Rows, size_t Columns) {
  return llvm::createStringError(fmt::format(
      "the data has {} rows of {} columns; a data action takes at most {} rows, {} "
      "columns and {} cells",
      Rows, Columns, MaxDataRows, MaxDataColumns, MaxDataCells));
}

llvm::Error checkSize(size_t Rows, size_t Columns) {
  if (Rows > MaxDataRows || Columns > MaxDataColumns ||
      (Columns && Rows > MaxDataCells / Columns))
    return tooBig(Rows, Columns);
  return llvm::Error::success();
}

/// Rows of objects, their columns named as they first appear.
llvm::Expected<DataFrame> fromRecords(const json &List) {
  DataFrame F;
  llvm::StringMap<size_t> Index;
  std::vector<std::vector<std::pair<size_t, const json *>>> Sparse;
  for (const json &Row : List) {
    std::vector<std::pair<size_t, const json *>> Cells;
    for (auto It = Row.begin(); It != Row.end(); ++It) {
      auto [Slot, New] = Index.try_emplace(It.key(), F.Columns.size());
      if (New) {
        F.Columns.push_back(It.key());
        if (F.Columns.size() > MaxDataColumns)
          return tooBig(List.size(), F.Columns.size());
      }
      Cells.push_back({Slot->second, &It.value()});
    }
    Sparse.push_back(std::move(Cells));
  }
  if (llvm::Error E = checkSize(Sparse.size(), F.Columns.size())) return E;
  for (auto &Cells : Sparse) {
    std::vector<json> Row(F.Columns.size(), nanCell());
    for (auto &[I, V] : Cells) Row[I] = *V;
    F.Rows.push_back(std::move(Row));
  }
  return F;
}

/// An object whose values are lists or objects: one column a key.
llvm::Expected<DataFrame> fromColumns(const json &Obj) {
  DataFrame F;
  bool Nested =
      llvm::any_of(Obj.items(), [](const auto &KV) { return KV.value().is_object(); });
  if (Nested) {
    // Each object's keys are row labels; the rows are their union.
    std::vector<std::string> Labels;
    llvm::StringMap<size_t> Row;
    for (auto &[K, V] : Obj.items()) {
      if (!V.is_object())
        return llvm::createStringError(fmt::format(
            "column `{}` is not an object while others are (pandas cannot mix them)", K));
      for (auto &[L, Cell] : V.items())
        if (Row.try_emplace(L, Labels.size()).second) Labels.push_back(L);
    }
    if (llvm::Error E = checkSize(Labels.size(), Obj.size())) return E;
    F.Rows.assign(Labels.size(), std::vector<json>(Obj.size(), nanCell()));
    for (auto &[K, V] : Obj.items()) {
      size_t C = F.Columns.size();
      F.Columns.push_back(K);
      for (auto &[L, Cell] : V.items()) F.Rows[Row[L]][C] = Cell;
    }
    return F;
  }
  size_t Length = 0;
  bool Any = false;
  for (auto &[K, V] : Obj.items())
    if (V.is_array()) {
      if (Any && V.size() != Length)
        return llvm::createStringError(fmt::format(
            "the columns of `data` have different lengths ({} and {} in `{}`): pandas "
            "needs them equal",
            Length, V.size(), K));
      Length = V.size();
      Any = true;
    }
  if (llvm::Error E = checkSize(Length, Obj.size())) return E;
  F.Rows.assign(Length, std::vector<json>(Obj.size()));
  for (auto &[K, V] : Obj.items()) {
    size_t C = F.Columns.size();
    F.Columns.push_back(K);
    for (size_t R = 0; R < Length; ++R) F.Rows[R][C] = V.is_array() ? V[R] : V;
  }
  return F;
}

/// pandas' default missing markers in CSV text.
bool csvMissing(llvm::StringRef S) {
  static constexpr llvm::StringLiteral Markers[] = {
      "",     "#N/A",   "#N/A N/A", "#NA",  "-1.#IND", "-1.#QNAN", "-NaN",
      "-nan", "1.#IND", "1.#QNAN",  "<NA>", "N/A",     "NA",       "NULL",
      "NaN",  "None",   "n/a",      "nan",  "null"};
  return llvm::is_contained(Markers, S);
}

/// The value of CSV cell \p S in a column of kind \p K.
json csvCell(llvm::StringRef S, ColumnKind K) {
  if (csvMissing(S)) return nanCell();
  switch (K) {
    case ColumnKind::Int: {
      int64_t N = 0;
      ir::parsePyInt(S.trim(), N);
      return N;
    }
    case ColumnKind::Float:
      return *ir::parsePyFloat(S.trim());
    case ColumnKind::Bool:
      return S == "True" || S == "TRUE" || S == "true";
    case ColumnKind::Object:
      break;
  }
  return S.str();
}

json csvBoolCell(llvm::StringRef S) {
  if (csvMissing(S)) return nanCell();
  return S == "True" || S == "TRUE" || S == "true";
}

bool csvBool(llvm::StringRef S) {
  static constexpr llvm::StringLiteral Words[] = {"True",  "TRUE",  "true",
                                                  "False", "FALSE", "false"};
  return llvm::is_contained(Words, S);
}

void appendCsvField(std::string &Out, llvm::StringRef T) {
  if (T.find_first_of(",\"\r\n") == llvm::StringRef::npos) return Out += T, void();
  Out += '"';
  for (char C : T) Out += C == '"' ? std::string("\"\"") : std::string(1, C);
  Out += '"';
}

}  // namespace

std::optional<size_t> DataFrame::column(llvm::StringRef Name) const {
  for (; Indexed < Columns.size(); ++Indexed)
    Index.try_emplace(Columns[Indexed], Indexed);
  auto It = Index.find(Name);
  if (It == Index.end()) return std::nullopt;
  return It->second;
}

size_t DataFrame::addColumn(llvm::StringRef Name) {
  if (std::optional<size_t> C = column(Name)) return *C;
  Columns.push_back(Name.str());
  Kinds.push_back(ColumnKind::Object);
  for (auto &Row : Rows) Row.push_back(nanCell());
  return Columns.size() - 1;
}

void DataFrame::inferKinds() {
  Kinds.assign(Columns.size(), ColumnKind::Object);
  for (size_t C = 0; C < Columns.size(); ++C) {
    bool Ints = true, Numbers = true, Bools = true, Missing = false, Any = false,
         Nan = false;
    for (const auto &Row : Rows) {
      const json &V = Row[C];
      if (missingCell(V)) {
        Missing = true;
        Nan |= V.is_discarded();
        continue;
      }
      Any = true;
      Ints &= V.is_number_integer();
      Numbers &= V.is_number();
      Bools &= V.is_boolean();
    }
    // No value at all: all None is an object column; with a NaN, pandas
    // makes it float64 (all NaN).
    if (!Any && !Nan) continue;
    if (!Any)
      Kinds[C] = ColumnKind::Float;
    else if (Bools && !Missing)
      Kinds[C] = ColumnKind::Bool;
    else if (Ints && !Missing)
      Kinds[C] = ColumnKind::Int;
    else if (Numbers)
      Kinds[C] = ColumnKind::Float;
    castColumn(*this, C);
  }
}

ColumnKind commonKind(ColumnKind A, ColumnKind B) {
  if (A == B) return A;
  if (A == ColumnKind::Object || B == ColumnKind::Object || A == ColumnKind::Bool ||
      B == ColumnKind::Bool)
    return ColumnKind::Object;
  return ColumnKind::Float;  // Int and Float
}

ColumnKind withMissing(ColumnKind K) {
  if (K == ColumnKind::Int) return ColumnKind::Float;
  if (K == ColumnKind::Bool) return ColumnKind::Object;
  return K;
}

void castColumn(DataFrame &F, size_t C) {
  ColumnKind K = F.Kinds[C];
  if (K != ColumnKind::Float && K != ColumnKind::Int) return;
  for (auto &Row : F.Rows) {
    json &V = Row[C];
    if (V.is_boolean())
      V = K == ColumnKind::Float ? json(V.get<bool>() ? 1.0 : 0.0)
                                 : json(int(V.get<bool>()));
    else if (K == ColumnKind::Float && V.is_number_integer())
      V = V.get<double>();
    else if (V.is_null())
      V = nanCell();
  }
}

bool looksLikeCsv(llvm::StringRef Text) {
  Text = Text.trim();
  if (Text.empty() || Text.starts_with("{") || Text.starts_with("[")) return false;
  llvm::SmallVector<llvm::StringRef, 4> Lines;
  Text.split(Lines, '\n', 3);
  size_t Commas = Lines[0].count(',');
  if (!Commas) return false;
  for (size_t I = 1; I < Lines.size() && I < 3; ++I) {
    llvm::StringRef L = Lines[I].split('\n').first;
    size_t N = L.count(',');
    if (!L.trim().empty() && (N > Commas + 1 || Commas > N + 1)) return false;
  }
  return true;
}

std::optional<double> parseNumeric(const json &V) {
  if (V.is_boolean()) return V.get<bool>() ? 1.0 : 0.0;  // a Python bool is an int
  if (V.is_number()) return V.get<double>();
  if (!V.is_string()) return std::nullopt;
  std::string T;
  for (char C : V.get_ref<const std::string &>())
    if (C != ',' && C != '$') T += C;
  std::optional<double> D = ir::parsePyFloat(llvm::StringRef(T).trim());
  if (D && std::isfinite(*D)) return D;
  return std::nullopt;
}

llvm::Expected<json> readData(const json &Data, llvm::StringRef Format) {
  if (!Data.is_string()) return Data;
  const std::string &Text = Data.get_ref<const std::string &>();
  if (Format == "csv" || (Format == "json" && looksLikeCsv(Text))) {
    if (llvm::StringRef(Text).trim().empty()) return json::array();
    llvm::Expected<json> Rows = parseCsvRecords(Text);
    if (Rows) return Rows;
    llvm::consumeError(Rows.takeError());
  }
  std::string Deep;
  json Parsed = ir::parseJsonBounded(Text, &Deep);
  if (!Deep.empty()) return llvm::createStringError("the data is too deep: " + Deep);
  if (Parsed.is_discarded())
    return llvm::createStringError(
        "could not parse the data: it is neither JSON nor CSV text");
  return Parsed;
}

llvm::Expected<DataFrame> frameOf(const json &Data) {
  llvm::Expected<DataFrame> F = llvm::createStringError("");
  llvm::consumeError(F.takeError());
  if (Data.is_array()) {
    if (llvm::all_of(Data, [](const json &R) { return R.is_object(); })) {
      F = fromRecords(Data);
    } else {
      json Rows = json::array();
      for (const json &V : Data) Rows.push_back(json{{"0", V}});
      F = fromRecords(Rows);
    }
  } else if (Data.is_object()) {
    bool Columns = llvm::any_of(Data.items(), [](const auto &KV) {
      return KV.value().is_array() || KV.value().is_object();
    });
    F = Columns ? fromColumns(Data) : fromRecords(json::array({Data}));
  } else {
    return llvm::createStringError(fmt::format(
        "the data is {}, not rows: a list of objects, an object, or JSON or CSV text",
        Data.is_null() ? "null" : "a " + std::string(Data.type_name())));
  }
  if (F) F->inferKinds();
  return F;
}

llvm::Expected<DataFrame> frameOfCsv(llvm::StringRef Text) {
  llvm::Expected<json> Records = parseCsvRecords(Text);
  if (!Records) return Records.takeError();
  DataFrame F;
  // The header: parseCsvRecords keeps it only through the rows' keys, and
  // needs a row for that; read the first line for a header with no rows.
  if (Records->empty()) {
    llvm::Expected<json> Head = parseCsvRecords(Text.str() + "\n" + "x");
    if (Head && !Head->empty())
      for (auto &[K, V] : (*Head)[0].items()) F.Columns.push_back(K);
    llvm::consumeError(Head.takeError());
    F.Kinds.assign(F.Columns.size(), ColumnKind::Object);
    return F;
  }
  llvm::Expected<DataFrame> Raw = fromRecords(*Records);
  if (!Raw) return Raw.takeError();
  F = std::move(*Raw);
  F.Kinds.assign(F.Columns.size(), ColumnKind::Object);
  for (size_t C = 0; C < F.Columns.size(); ++C) {
    bool Ints = true, Numbers = true, Bools = true, Any = false, Missing = false;
    for (const auto &Row : F.Rows) {
      llvm::StringRef S = Row[C].is_string()
                              ? llvm::StringRef(Row[C].get_ref<const std::string &>())
                              : llvm::StringRef();
      if (csvMissing(S)) {
        Missing = true;
        continue;
      }
      Any = true;
      int64_t N = 0;
      // Python reads `1_000`; pandas' reader does not.
      bool Plain = !S.contains('_');
      Ints &= Plain && ir::parsePyInt(S.trim(), N) == ir::IntParse::Ok;
      Numbers &= Plain && ir::parsePyFloat(S.trim()).has_value();
      Bools &= csvBool(S);
    }
    ColumnKind K = ColumnKind::Object;
    if (!Any || (Numbers && (Missing || !Ints)))
      K = ColumnKind::Float;
    else if (Ints)
      K = ColumnKind::Int;
    else if (Bools && !Missing)
      K = ColumnKind::Bool;
    F.Kinds[C] = K;
    // True/False beside a missing cell: an object column of booleans.
    bool BoolWords = Bools && Any && K == ColumnKind::Object;
    for (auto &Row : F.Rows) {
      llvm::StringRef S = Row[C].is_string()
                              ? llvm::StringRef(Row[C].get_ref<const std::string &>())
                              : llvm::StringRef();
      Row[C] = BoolWords ? csvBoolCell(S) : csvCell(S, K);
    }
  }
  return F;
}

json frameRecords(const DataFrame &F) {
  json Out = json::array();
  if (F.Columns.empty()) return Out;  // pandas: no columns, no records
  for (const auto &Row : F.Rows) {
    json R = json::object();
    for (size_t C = 0; C < F.Columns.size(); ++C)
      R[F.Columns[C]] = Row[C].is_discarded() ? json() : Row[C];
    Out.push_back(std::move(R));
  }
  return Out;
}

std::string frameCsv(const DataFrame &F) {
  std::string Out;
  for (size_t C = 0; C < F.Columns.size(); ++C) {
    if (C) Out += ',';
    appendCsvField(Out, F.Columns[C]);
  }
  Out += '\n';
  for (const auto &Row : F.Rows) {
    for (size_t C = 0; C < F.Columns.size(); ++C) {
      if (C) Out += ',';
      const json &V = Row[C];
      std::string T;
      if (V.is_string())
        T = V.get<std::string>();
      else if (V.is_number_float())
        ir::appendFloatRepr(T, V.get<double>());
      else if (!missingCell(V))
        ir::appendPyStr(T, V);
      // One empty field alone would read back as a blank line: pandas
      // quotes it.
      if (T.empty() && F.Columns.size() == 1)
        Out += "\"\"";
      else
        appendCsvField(Out, T);
    }
    Out += '\n';
  }
  return Out;
}

json dataInput(const json &Params) {
  json Data = Params.value("input", json());
  return ir::truthy(Data) ? Data : json::object();
}

std::string pyText(const json &V) {
  std::string S;
  ir::appendPyStr(S, V);
  return S;
}

std::string numberKey(const json &V) {
  if (V.is_boolean()) return V.get<bool>() ? "1" : "0";
  if (V.is_number_integer()) return std::to_string(V.get<int64_t>());
  if (V.is_number_unsigned()) return std::to_string(V.get<uint64_t>());
  double D = V.get<double>();
  if (std::trunc(D) == D && std::fabs(D) < 9.2e18) return std::to_string(int64_t(D));
  std::string T;
  ir::appendFloatRepr(T, D);
  return T;
}

llvm::Expected<DataFormats> dataFormats(const json &Params) {
  llvm::Expected<std::string> In = dataChoice(Params, "format", "json");
  if (!In) return In.takeError();
  llvm::Expected<std::string> Out = dataChoice(Params, "output_format", *In);
  if (!Out) return Out.takeError();
  return DataFormats{*In, *Out};
}

json dataFields(const json &Value) {
  json Fields = Value;
  Fields["value"] = Value;
  const json &Data = Value.contains("data") ? Value["data"] : json();
  Fields["output"] = Data.is_string() ? Data.get<std::string>() : ir::toJsonText(Data);
  return Fields;
}

llvm::Expected<std::string> dataChoice(const json &Params, llvm::StringRef Name,
                                       llvm::StringRef Default,
                                       llvm::ArrayRef<llvm::StringRef> Allowed) {
  auto It = Params.find(Name);
  if (It == Params.end() || It->is_null()) return Default.str();
  if (!It->is_string() ||
      (!Allowed.empty() &&
       !llvm::is_contained(Allowed, It->get_ref<const std::string &>())))
    return llvm::createStringError(fmt::format(
        "parameter `{}` must be {}, found {}", Name.str(),
        Allowed.empty() ? std::string("text") : "one of " + llvm::join(Allowed, ", "),
        ir::toJsonText(*It)));
  return It->get<std::string>();
}

llvm::Expected<std::vector<std::string>> dataColumns(const json &Params,
                                                     llvm::StringRef Key) {
  std::vector<std::string> Out;
  auto It = Params.find(Key);
  if (It == Params.end() || It->is_null()) return Out;
  if (It->is_string()) return std::vector<std::string>{It->get<std::string>()};
  if (It->is_array() && llvm::all_of(*It, [](const json &N) { return N.is_string(); })) {
    for (const json &N : *It) Out.push_back(N.get<std::string>());
    return Out;
  }
  return llvm::createStringError(
      fmt::format("parameter `{}` must be a column name or a list of them, found {}",
                  Key.str(), ir::toJsonText(*It)));
}

llvm::Expected<json> rowsOut(json Rows, llvm::StringRef Format) {
  if (Format != "csv" || !Rows.is_array() || Rows.empty()) return Rows;
  llvm::Expected<std::string> Csv = writeCsvRows(Rows);
  if (!Csv)
    return llvm::createStringError("cannot write the rows as CSV: " +
                                   llvm::toString(Csv.takeError()));
  return json(std::move(*Csv));
}

}  // namespace orch::runtime
