//===- Validate.cpp - The validate action ---------------------------------===//
#include "runtime/actions/Validate.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

#include "ir/Actions.h"
#include "ir/Eval.h"
#include "ir/JsonLimits.h"
#include "ir/SchemaValidate.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

/// The most problems one step reports (all rows together).
constexpr size_t MaxReported = 1000;

ActionResult bad(std::string Msg) { return ActionResult::failure(std::move(Msg), false); }

/// \p S, or what its root `$ref`s lead to (the schema that applies).
const json &rootSchema(const json &S) {
  const json *At = &S;
  for (int I = 0; I < 16 && At->is_object(); ++I) {
    auto R = At->find("$ref");
    if (R == At->end() || !R->is_string()) break;
    const json *T = ir::resolveSchemaRef(S, R->get<std::string>());
    if (!T) break;
    At = T;
  }
  return *At;
}

/// Whether \p S describes one object (a CSV row), not a list of them.
bool isObjectSchema(const json &S) {
  const json &R = rootSchema(S);
  if (!R.is_object()) return false;
  auto T = R.find("type");
  if (T != R.end()) return *T == json("object");
  return R.contains("properties") || R.contains("required");
}

/// Whether \p S describes a list (`type: array`).
bool isListSchema(const json &S) {
  const json &R = rootSchema(S);
  auto T = R.is_object() ? R.find("type") : R.end();
  return R.is_object() && T != R.end() && *T == json("array");
}

/// Python's float(): surrounding spaces, no hexadecimal.
std::optional<json> toNumber(llvm::StringRef S) {
  S = S.trim();
  if (S.empty() || S.contains_insensitive("x")) return std::nullopt;
  std::string Z = S.str();
  char *End = nullptr;
  double D = std::strtod(Z.c_str(), &End);
  if (End != Z.c_str() + Z.size() || !std::isfinite(D)) return std::nullopt;
  return json(D);
}

/// Python's int(): surrounding spaces and a sign, decimal digits.
std::optional<json> toInteger(llvm::StringRef S) {
  S = S.trim();
  bool Plus = S.consume_front("+");
  int64_t N;
  if (S.empty() || (Plus && S.starts_with("-")) || S.getAsInteger(10, N))
    return std::nullopt;
  return json(N);
}

/// ContextLab's lenient coercions of a scalar to \p Type, if one applies.
std::optional<json> coerce(const json &V, llvm::StringRef Type) {
  if (V.is_string()) {
    llvm::StringRef S = V.get_ref<const std::string &>();
    if (Type == "number") return toNumber(S);
    if (Type == "integer") return toInteger(S);
    if (Type == "boolean") {
      std::string L = S.lower();
      if (L == "true" || L == "yes" || L == "1") return json(true);
      if (L == "false" || L == "no" || L == "0") return json(false);
    }
    return std::nullopt;
  }
  if (Type == "string" && V.is_number()) return json(ir::displayString(V));
  return std::nullopt;
}

json entry(const ir::SchemaViolation &V) {
  return json{{"message", V.Message},
              {"path", V.Path},
              {"schema_path", V.SchemaPath},
              {"validator", V.Keyword}};
}

/// What checking one value found.
struct Outcome {
  bool Valid = true;
  json Errors = json::array();
  json Warnings = json::array();
  json Data;
};

/// The `type` keyword a violation names, when it is one type's name.
std::optional<std::string> expectedType(const json &Schema, const std::string &Ptr) {
  const json *T = ir::atJsonPointer(Schema, Ptr);
  if (T && T->is_string()) return T->get<std::string>();
  return std::nullopt;
}

Outcome checkOne(const json &Data, const json &Schema, llvm::StringRef Mode,
                 uint64_t &Budget) {
  Outcome O;
  O.Data = Data;
  std::vector<ir::SchemaViolation> Found =
      ir::validateSchema(Data, Schema, MaxReported, &Budget);
  if (Found.empty()) return O;
  if (Mode == "report_only") {
    for (const ir::SchemaViolation &V : Found) {
      json E = entry(V);
      E["severity"] = "info";
      O.Warnings.push_back(std::move(E));
    }
    return O;
  }
  O.Valid = false;
  if (Mode == "lenient") {
    json Copy = Data;
    bool Any = false;
    for (const ir::SchemaViolation &V : Found) {
      if (V.Keyword != "type") continue;
      std::optional<std::string> T = expectedType(Schema, V.SchemaPath);
      if (!T) continue;
      json::json_pointer At(V.Path);
      std::optional<json> C = coerce(Copy.at(At), *T);
      if (!C) continue;
      json W = entry(V);
      W["coerced_to"] = *C;
      W["severity"] = "warning";
      O.Warnings.push_back(std::move(W));
      Copy.at(At) = std::move(*C);
      Any = true;
    }
    if (Any) {
      Found = ir::validateSchema(Copy, Schema, MaxReported, &Budget);
      if (Found.empty()) {
        O.Valid = true;
        O.Data = std::move(Copy);
        return O;
      }
    }
  }
  for (const ir::SchemaViolation &V : Found) O.Errors.push_back(entry(V));
  return O;
}

/// CSV cells are text; ContextLab reads the ones its object schema says
/// are numbers as numbers.
void typeCsvCells(json &Rows, const json &Schema) {
  const json &RowSchema = rootSchema(Schema);
  auto Props = RowSchema.find("properties");
  if (Props == RowSchema.end() || !Props->is_object()) return;
  for (json &Row : Rows)
    for (auto &[K, Cell] : Row.items()) {
      auto P = Props->find(K);
      if (P == Props->end() || !P->is_object() || !Cell.is_string() ||
          Cell.get_ref<const std::string &>().empty())
        continue;
      auto T = P->find("type");
      if (T == P->end() || !T->is_string()) continue;
      std::optional<json> N;
      if (*T == "integer") N = toInteger(Cell.get_ref<const std::string &>());
      if (*T == "number") N = toNumber(Cell.get_ref<const std::string &>());
      if (N) Cell = std::move(*N);
    }
}

}  // namespace

llvm::Expected<json> parseCsvRecords(llvm::StringRef Text) {
  std::vector<std::vector<std::string>> Records;
  std::vector<std::string> Rec;
  std::string Field;
  bool Quoted = false, InQuotes = false, Any = false;
  auto EndField = [&] {
    Rec.push_back(std::move(Field));
    Field.clear();
    Quoted = false;
  };
  auto EndRecord = [&] {
    if (!Any && Rec.empty() && Field.empty() && !Quoted) return;  // a blank line
    EndField();
    Records.push_back(std::move(Rec));
    Rec.clear();
    Any = false;
  };
  for (size_t I = 0; I < Text.size(); ++I) {
    char C = Text[I];
    if (InQuotes) {
      if (C == '"' && I + 1 < Text.size() && Text[I + 1] == '"') {
        Field += '"';
        ++I;
      } else if (C == '"') {
        InQuotes = false;
      } else {
        Field += C;
      }
      continue;
    }
    if (C == '"' && Field.empty() && !Quoted) {
      InQuotes = Quoted = Any = true;
    } else if (C == ',') {
      EndField();
      Any = true;
    } else if (C == '\n' || C == '\r') {
      if (C == '\r' && I + 1 < Text.size() && Text[I + 1] == '\n') ++I;
      EndRecord();
    } else {
      Field += C;
      Any = true;
    }
  }
  // Python's reader (not strict) ends a quoted field left open at the end.
  EndRecord();
  if (Records.empty()) return llvm::createStringError("the CSV text has no header line");
  const std::vector<std::string> &Head = Records.front();
  json Rows = json::array();
  for (size_t R = 1; R < Records.size(); ++R) {
    if (Records[R].size() > Head.size())
      return llvm::createStringError(
          fmt::format("CSV record {} has {} fields, the header {}", R, Records[R].size(),
                      Head.size()));
    json Row = json::object();
    for (size_t F = 0; F < Head.size(); ++F)
      Row[Head[F]] = F < Records[R].size() ? json(Records[R][F]) : json(nullptr);
    Rows.push_back(std::move(Row));
  }
  return Rows;
}

ActionResult runValidate(const json &Params) {
  auto DataIt = Params.find("data");
  if (DataIt == Params.end() || DataIt->is_null())
    return bad("parameter `data` is missing (null): there is nothing to check");
  auto SchemaIt = Params.find("schema");
  if (SchemaIt == Params.end() || SchemaIt->is_null())
    return bad("parameter `schema` is missing");
  json Schema = *SchemaIt;
  if (Schema.is_string()) Schema = ir::parseJsonBounded(Schema.get<std::string>());
  if (!Schema.is_object() && !Schema.is_boolean())
    return bad(
        "parameter `schema` must be a JSON Schema: an object (or JSON text of one)");
  ir::SchemaProblems Problems = ir::checkSchema(Schema);
  if (!Problems.Errors.empty()) {
    std::vector<std::string> First;
    for (const ir::SchemaProblem &E : llvm::ArrayRef(Problems.Errors).take_front(3))
      First.push_back(E.text());
    return bad(fmt::format("the schema is not usable: {}", llvm::join(First, "; ")));
  }
  std::string Mode = "strict";
  if (auto M = Params.find("mode"); M != Params.end() && !M->is_null()) {
    Mode = ir::displayString(*M);
    if (!llvm::is_contained(ir::validationModes(), llvm::StringRef(Mode)))
      return bad(fmt::format("`mode` is `{}`; it must be one of {}", Mode,
                             llvm::join(ir::validationModes(), ", ")));
  }
  bool FailOnInvalid = false;
  if (auto F = Params.find("fail_on_invalid"); F != Params.end() && !F->is_null()) {
    if (!F->is_boolean()) return bad("parameter `fail_on_invalid` must be true or false");
    FailOnInvalid = F->get<bool>();
  }

  json Data = *DataIt;
  bool Csv = false;
  if (Data.is_string()) {
    const std::string &Text = Data.get_ref<const std::string &>();
    json Parsed = ir::parseJsonBounded(Text);
    if (!Parsed.is_discarded()) {
      Data = std::move(Parsed);
    } else if (llvm::StringRef(Text).contains(',') &&
               llvm::StringRef(Text).contains('\n') &&
               (isObjectSchema(Schema) || isListSchema(Schema))) {
      llvm::Expected<json> Rows = parseCsvRecords(Text);
      if (!Rows)
        return bad("`data` is neither JSON nor CSV: " + llvm::toString(Rows.takeError()));
      Data = std::move(*Rows);
      Csv = true;
    }  // other text is checked as the string it is
  }
  // CSV rows are rows even when there are none (a header line alone).
  bool PerRow = Data.is_array() && (Csv || !Data.empty()) && isObjectSchema(Schema) &&
                llvm::all_of(Data, [](const json &R) { return R.is_object(); });
  // One budget for the whole step: every row, and lenient's second check.
  uint64_t Budget = ir::schemaStepBudget(Data);
  if (Csv && PerRow) typeCsvCells(Data, Schema);

  Outcome All;
  if (PerRow) {
    All.Data = json::array();
    for (size_t I = 0; I < Data.size(); ++I) {
      Outcome Row = checkOne(Data[I], Schema, Mode, Budget);
      All.Valid &= Row.Valid;
      for (json *List : {&Row.Errors, &Row.Warnings})
        for (json &E : *List) E["row"] = I + 1;
      for (json &E : Row.Errors)
        if (All.Errors.size() < MaxReported) All.Errors.push_back(std::move(E));
      for (json &W : Row.Warnings)
        if (All.Warnings.size() < MaxReported) All.Warnings.push_back(std::move(W));
      All.Data.push_back(std::move(Row.Data));
    }
  } else {
    All = checkOne(Data, Schema, Mode, Budget);
  }

  json Fields = json::object();
  Fields["valid"] = All.Valid;
  Fields["errors"] = std::move(All.Errors);
  Fields["warnings"] = std::move(All.Warnings);
  Fields["data"] = std::move(All.Data);
  Fields["mode"] = Mode;
  Fields["rows_validated"] = PerRow ? Data.size() : 0;
  Fields["output"] = ir::toJsonText(Fields);
  if (FailOnInvalid && !All.Valid) {
    std::vector<std::string> Lines;
    for (const json &E : Fields["errors"]) {
      if (Lines.size() == 3) break;
      std::string Where = E["path"].get<std::string>();
      if (E.contains("row")) Where = fmt::format("row {}{}", E["row"].dump(), Where);
      Lines.push_back(fmt::format("{}: {}", Where.empty() ? "/" : Where,
                                  E["message"].get<std::string>()));
    }
    size_t N = Fields["errors"].size();
    return bad(fmt::format(
        "the data does not conform to the schema: {}{}", llvm::join(Lines, "; "),
        N > Lines.size() ? fmt::format(" (and {} more)", N - Lines.size()) : ""));
  }
  return ActionResult::success(std::move(Fields));
}

}  // namespace orch::runtime
