//===- DataFilter.cpp - The data.filter action ----------------------------===//
#include "runtime/actions/DataFilter.h"

#include <fmt/format.h>

#include "ir/Eval.h"
#include "ir/JsonLimits.h"
#include "ir/PyOps.h"
#include "ir/PyText.h"
#include "llvm/ADT/STLExtras.h"
#include "runtime/actions/DataFrame.h"
#include "runtime/actions/Validate.h"

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

ActionResult filterError(const std::string &Why) {
  return ActionResult::failure(Why, false);
}

/// Does \p Item have every field of \p Criteria, equal to its value?
/// Anything but an object matches, as in ContextLab.
llvm::Expected<bool> matches(const json &Item, const json &Criteria) {
  if (!Item.is_object()) return true;
  for (auto &[Field, Want] : Criteria.items()) {
    auto It = Item.find(Field);
    if (It == Item.end()) return false;
    llvm::Expected<bool> Eq = ir::pyEquals(*It, Want);
    if (!Eq || !*Eq) return Eq;
  }
  return true;
}

}  // namespace

llvm::Expected<std::string> writeCsvRows(const json &Rows) {
  std::string Out;
  if (!Rows.is_array() || Rows.empty()) return Out;
  if (!Rows[0].is_object())
    return llvm::createStringError("the rows kept are not objects: CSV cannot hold them");
  std::vector<std::string> Header;
  for (auto &[K, V] : Rows[0].items()) Header.push_back(K);
  auto Field = [&](const json &V) {
    std::string T;
    if (V.is_string())
      T = V.get<std::string>();
    else if (!V.is_null())
      ir::appendPyStr(T, V);
    // Python quotes a field with a comma, a quote or a line break, and a
    // record that is one empty field (else it would read as a blank line).
    bool Quote = T.find_first_of(",\"\r\n") != std::string::npos ||
                 (T.empty() && Header.size() == 1);
    if (!Quote) return Out += T, void();
    Out += '"';
    for (char C : T) Out += C == '"' ? std::string("\"\"") : std::string(1, C);
    Out += '"';
  };
  for (size_t I = 0; I < Header.size(); ++I) {
    if (I) Out += ',';
    Field(json(Header[I]));
  }
  Out += "\r\n";
  for (size_t R = 0; R < Rows.size(); ++R) {
    const json &Row = Rows[R];
    if (!Row.is_object())
      return llvm::createStringError(
          fmt::format("row {} is not an object: CSV cannot hold it", R + 1));
    for (auto &[K, V] : Row.items())
      if (!llvm::is_contained(Header, K))
        return llvm::createStringError(fmt::format(
            "row {} has field `{}`, which the header (the first row's fields) lacks",
            R + 1, K));
    for (size_t I = 0; I < Header.size(); ++I) {
      if (I) Out += ',';
      auto It = Row.find(Header[I]);
      Field(It != Row.end() ? *It : json(""));
    }
    Out += "\r\n";
  }
  return Out;
}

ActionResult runDataFilter(const json &Params) {
  std::string Format = "json";
  if (auto F = Params.find("format"); F != Params.end() && !F->is_null()) {
    if (!F->is_string() || (*F != "json" && *F != "csv"))
      return filterError(fmt::format("parameter `format` must be json or csv, found {}",
                                     ir::toJsonText(*F)));
    Format = F->get<std::string>();
  }
  json Criteria = Params.value("criteria", json());
  if (Criteria.is_null())
    if (auto Op = Params.find("operation"); Op != Params.end() && Op->is_object())
      Criteria = Op->value("criteria", json());
  if (!Criteria.is_object())
    return filterError(
        "parameter `criteria` (or `operation: {criteria: ...}`) must be a mapping of "
        "field names to the values rows keep");
  json Data = Params.value("input", json());
  // ContextLab's `data or input_data or {}`: a value Python reads as false
  // is an empty object.
  if (!ir::truthy(Data)) Data = json::object();
  if (Data.is_string()) {
    const std::string &Text = Data.get_ref<const std::string &>();
    if (Format == "csv" || looksLikeCsv(Text)) {
      llvm::Expected<json> Rows = parseCsvRecords(Text);
      if (!Rows)
        return filterError("cannot read `input` as CSV: " +
                           llvm::toString(Rows.takeError()));
      Data = std::move(*Rows);
    } else {
      std::string Deep;
      json Parsed = ir::parseJsonBounded(Text, &Deep);
      if (!Deep.empty() || Parsed.is_discarded())
        return filterError("cannot read `input` as JSON or CSV" +
                           (Deep.empty() ? std::string() : ": " + Deep));
      Data = std::move(Parsed);
    }
  }
  json Kept = json::array();
  size_t Total = 1;
  if (Data.is_array()) {
    Total = Data.size();
    for (const json &Item : Data) {
      llvm::Expected<bool> M = matches(Item, Criteria);
      if (!M) return filterError(llvm::toString(M.takeError()));
      if (*M) Kept.push_back(Item);
    }
  } else {
    llvm::Expected<bool> M = matches(Data, Criteria);
    if (!M) return filterError(llvm::toString(M.takeError()));
    Kept = *M ? Data : json();
  }
  // Python's `len(kept)`, or `1 if kept else 0`.
  size_t Count = Kept.is_array() ? Kept.size() : ir::truthy(Kept);
  // CSV in, CSV out, as ContextLab writes it back (an empty list stays one).
  json Out = Kept;
  if (Format == "csv" && Kept.is_array() && !Kept.empty()) {
    llvm::Expected<std::string> Csv = writeCsvRows(Kept);
    if (!Csv)
      return filterError("cannot write the rows as CSV: " +
                         llvm::toString(Csv.takeError()));
    Out = std::move(*Csv);
  }
  json Value = {{"action", "filter"},
                {"criteria", Criteria},
                {"data", Out},
                {"original_count", Total},
                {"filtered_count", Count}};
  json Fields = {{"data", Out},
                 {"original_count", Total},
                 {"filtered_count", Count},
                 {"value", Value}};
  Fields["output"] = Out.is_string() ? Out.get<std::string>() : ir::toJsonText(Out);
  return ActionResult::success(std::move(Fields));
}

}  // namespace orch::runtime
