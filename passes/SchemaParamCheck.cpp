//===- SchemaParamCheck.cpp -----------------------------------------------===//
#include "passes/SchemaParamCheck.h"

#include <fmt/format.h>

#include <optional>

#include "ir/Eval.h"
#include "ir/JsonLimits.h"
#include "ir/SchemaValidate.h"
#include "llvm/ADT/StringExtras.h"

namespace orch::passes {

using namespace ir;

std::optional<Json> constantJson(const Value *V) {
  switch (V->kind()) {
    case Value::Kind::Scalar:
      return scalarToJson(llvm::cast<ScalarValue>(V)->scalar());
    case Value::Kind::List: {
      Json L = Json::array();
      for (const Value *I : llvm::cast<ListValue>(V)->items()) {
        std::optional<Json> X = constantJson(I);
        if (!X) return std::nullopt;
        L.push_back(std::move(*X));
      }
      return L;
    }
    case Value::Kind::Map: {
      Json M = Json::object();
      for (const MapEntry &E : llvm::cast<MapValue>(V)->entries()) {
        std::optional<Json> X = constantJson(E.V);
        if (!X) return std::nullopt;
        M[E.Key.str()] = std::move(*X);
      }
      return M;
    }
    default:
      return std::nullopt;
  }
}

namespace {

/// Where a problem at JSON pointer \p Ptr of the schema was written: the
/// value there, and the key that names it (for a map entry).
struct Place {
  const Value *V;
  const MapEntry *Key = nullptr;
};

Place locate(const Value *Root, llvm::StringRef Ptr) {
  Place At{Root};
  for (const std::string &Key : pointerTokens(Ptr)) {
    if (auto *M = llvm::dyn_cast<MapValue>(At.V)) {
      const MapEntry *Found = nullptr;
      for (const MapEntry &E : M->entries())
        if (E.Key == Key) Found = &E;
      if (!Found) return At;
      At = {Found->V, Found};
    } else if (auto *L = llvm::dyn_cast<ListValue>(At.V)) {
      unsigned N;
      if (llvm::StringRef(Key).getAsInteger(10, N) || N >= L->items().size()) return At;
      At = {L->items()[N]};
    } else {
      return At;
    }
  }
  return At;
}
}  // namespace

void checkSchemaParam(const Value *Schema, DiagnosticEngine &D,
                      llvm::StringRef ObjectOnly) {
  std::optional<Json> J = constantJson(Schema);
  if (!J) return;
  bool Text = J->is_string();  // JSON text: problems point at the whole string
  if (Text) {
    Json Parsed = parseJsonBounded(J->get<std::string>());
    if (!Parsed.is_discarded()) J = std::move(Parsed);
  }
  SchemaProblems Problems = checkSchema(*J);
  bool Object = J->is_object() && (J->value("type", Json("object")) == "object" ||
                                   (!J->contains("type") && J->contains("properties")));
  if (!ObjectOnly.empty() && !Object && Problems.Errors.empty()) {
    Place At = Text || !J->is_object() || !J->contains("type") ? Place{Schema}
                                                               : locate(Schema, "/type");
    D.report(DiagKind::InvalidSchema, At.V->loc(), At.V->length(), "schema",
             fmt::format("/type: `{}` reads an object of fields (`type: object`)",
                         ObjectOnly.str()));
  }
  for (const SchemaProblem &E : Problems.Errors) {
    Place At = Text ? Place{Schema} : locate(Schema, E.Pointer);
    if (E.AtKey && At.Key)
      D.report(DiagKind::InvalidSchema, At.Key->KeyLoc, At.Key->Key.size(), "schema",
               E.text());
    else
      D.report(DiagKind::InvalidSchema, At.V->loc(), At.V->length(), "schema", E.text());
  }
  for (const std::string &U : Problems.Unknown) {
    llvm::StringRef Ptr(U);
    std::string Name = pointerTokens(Ptr).back();
    Place At = Text ? Place{Schema} : locate(Schema, Ptr);
    std::string Parent = Ptr.rsplit('/').first.str();
    if (At.Key)
      D.report(DiagKind::SchemaKeywordIgnored, At.Key->KeyLoc, At.Key->Key.size(),
               At.Key->Key.str(), Parent.empty() ? "/" : Parent,
               didYouMean(At.Key->Key, schemaKeywords()));
    else
      D.report(DiagKind::SchemaKeywordIgnored, At.V->loc(), At.V->length(), Name,
               Parent.empty() ? "/" : Parent, didYouMean(Name, schemaKeywords()));
  }
}

void checkAnswerSchema(const Value *Schema, DiagnosticEngine &D) {
  std::optional<Json> J = constantJson(Schema);
  bool Text = J && J->is_string();  // JSON text: problems point at the whole string
  if (Text) J = parseJsonBounded(J->get<std::string>());
  if (!J || !J->is_object() || !checkSchema(*J).Errors.empty()) return;
  if (J->value("type", Json("object")) != "object" &&
      !(!J->contains("type") && J->contains("properties")))
    return;  // checkSchemaParam says it describes no object
  auto Report = [&](const std::string &Ptr, const std::string &Why) {
    Place At = Text ? Place{Schema} : locate(Schema, Ptr);
    if (At.Key && !Ptr.empty())
      D.report(DiagKind::InvalidSchema, At.Key->KeyLoc,
               static_cast<uint32_t>(At.Key->Key.size()), "schema", Why);
    else
      D.report(DiagKind::InvalidSchema, At.V->loc(), At.V->length(), "schema", Why);
  };
  if (!J->contains("properties") || !(*J)["properties"].is_object() ||
      (*J)["properties"].empty()) {
    Report("", "`generate` answers the fields `properties` lists: give at least one");
    return;
  }
  for (const auto &[K, _] : (*J)["properties"].items())
    if (K == "status" || K == "error" || K == "output")
      Report("/properties/" + K,
             fmt::format("/properties/{}: every step's result has `{}` ({}): give the "
                         "field another name",
                         K, K,
                         K == "status"  ? "its run status"
                         : K == "error" ? "why it failed"
                                        : "the answer as JSON text"));
}

std::optional<Json> generateSchema(const Step &S) {
  if (S.Action.Str != "generate" || !S.Params) return std::nullopt;
  for (const MapEntry &E : S.Params->entries()) {
    if (E.Key != "schema") continue;
    std::optional<Json> J = constantJson(E.V);
    if (J && J->is_string()) J = parseJsonBounded(J->get<std::string>());
    bool Object = J && J->is_object() &&
                  (J->value("type", Json("object")) == "object" ||
                   (!J->contains("type") && J->contains("properties")));
    if (!Object || !checkSchema(*J).Errors.empty()) return std::nullopt;
    return J;
  }
  return std::nullopt;
}

}  // namespace orch::passes
