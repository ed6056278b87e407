//===- McpSchemaCheck.cpp - An `mcp` step against its tool's schemas ------===//
#include "passes/McpSchemaCheck.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "ir/Eval.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

namespace orch::passes {

using namespace ir;
using json = orch::ir::Json;

namespace {

/// Does a constant of type \p T (\p Whole: a number without a fraction)
/// fit JSON schema type \p Want? Unknown schema types fit everything: only
/// what is sure is an error. An integer is any number without a fraction
/// (`2.0` too, as JSON Schema has it since draft 6).
bool fits(Type T, bool Whole, llvm::StringRef Want) {
  if (Want == "string") return T == Type::String;
  if (Want == "integer") return T == Type::Int || (T == Type::Float && Whole);
  if (Want == "number") return T == Type::Int || T == Type::Float;
  if (Want == "boolean") return T == Type::Bool;
  if (Want == "null") return T == Type::Null;
  if (Want == "array") return T == Type::List;
  if (Want == "object") return T == Type::Map;
  return true;
}

/// The static type of \p V when it is a constant or a constant collection.
std::optional<Type> constantType(const Value *V) {
  if (auto *Sc = llvm::dyn_cast<ScalarValue>(V)) return Sc->scalar().Ty;
  if (llvm::isa<ListValue>(V)) return Type::List;
  if (llvm::isa<MapValue>(V)) return Type::Map;
  return std::nullopt;  // a template: known at run time
}

/// The names of schema `type` \p Ty (a string or an array of strings).
std::vector<std::string> typeNames(const json &Ty) {
  std::vector<std::string> Names;
  if (Ty.is_string()) Names.push_back(Ty.get<std::string>());
  if (Ty.is_array())
    for (const json &T : Ty)
      if (T.is_string()) Names.push_back(T.get<std::string>());
  return Names;
}

/// The member \p Key of schema \p S when it is an object, else null.
const json *member(const json &S, const char *Key) {
  if (!S.is_object()) return nullptr;
  auto It = S.find(Key);
  return It == S.end() ? nullptr : &*It;
}

/// True when object schema \p S lists its properties and surely allows no
/// others: `additionalProperties` is `false`, and nothing else in it could
/// allow a name (`patternProperties`, a subschema combined in, a `$ref`).
/// Then a name it does not list is a typo. `additionalProperties` absent
/// allows any other name (JSON Schema), and what else may allow one is left
/// to the server.
bool closedObject(const json &S) {
  const json *Props = member(S, "properties");
  if (!Props || !Props->is_object()) return false;
  const json *Extra = member(S, "additionalProperties");
  if (!Extra || !Extra->is_boolean() || Extra->get<bool>()) return false;
  for (const char *Open :
       {"patternProperties", "allOf", "anyOf", "oneOf", "if", "then", "else",
        "$ref", "$dynamicRef", "$recursiveRef", "unevaluatedProperties",
        "dependentSchemas", "dependencies"})
    if (member(S, Open)) return false;
  return true;
}

/// Hint \p H (`; did you mean `x`?`) naming the whole path `Prefix x`.
std::string withPrefix(std::string H, const std::string &Prefix) {
  static constexpr llvm::StringLiteral Lead = "; did you mean `";
  if (Prefix.empty() || !llvm::StringRef(H).starts_with(Lead)) return H;
  return H.insert(Lead.size(), Prefix);
}

/// A place to report at: a key, or a value.
struct Where {
  SourceLoc Loc;
  uint32_t Length;
};

/// Checks IR values against one tool's input schema.
class ArgumentChecker {
 public:
  ArgumentChecker(llvm::StringRef Tool, DiagnosticEngine &D) : Tool(Tool.str()), D(D) {}

  /// Checks the entries of \p Map (null: none given) against object schema
  /// \p S; names get \p Prefix; a missing required name is reported at \p At.
  void checkObject(const MapValue *Map, const json &S, const std::string &Prefix,
                   Where At) {
    const json *Props = member(S, "properties");
    if (Props && !Props->is_object()) Props = nullptr;
    bool Closed = closedObject(S);
    if (Map)
      for (const MapEntry &E : Map->entries()) {
        std::string Name = Prefix + E.Key.str();
        const json *Prop = nullptr;
        if (Props)
          if (auto It = Props->find(E.Key.str()); It != Props->end()) Prop = &*It;
        if (Prop) {
          checkValue(E.V, *Prop, Name, {E.KeyLoc, static_cast<uint32_t>(E.Key.size())});
          continue;
        }
        if (!Closed) continue;
        std::vector<std::string> Names;
        for (auto &[K, V] : Props->items()) Names.push_back(K);
        std::vector<llvm::StringRef> Refs(Names.begin(), Names.end());
        D.report(DiagKind::McpUnknownArgument, E.KeyLoc,
                 static_cast<uint32_t>(E.Key.size()), Tool, Name,
                 withPrefix(didYouMean(E.Key, Refs), Prefix));
      }
    const json *Required = member(S, "required");
    if (!Required || !Required->is_array()) return;
    for (const json &Need : *Required) {
      if (!Need.is_string()) continue;
      std::string N = Need.get<std::string>();
      bool Given = Map && llvm::any_of(Map->entries(),
                                       [&](const MapEntry &E) { return E.Key == N; });
      if (!Given)
        D.report(DiagKind::McpMissingArgument, At.Loc, At.Length, Tool, Prefix + N);
    }
  }

  /// Checks value \p V (argument \p Name, written at \p At) against \p S.
  void checkValue(const Value *V, const json &S, const std::string &Name, Where At) {
    if (!S.is_object()) return;
    std::optional<Type> Have = constantType(V);
    if (!Have) return;  // a template: the server checks it
    if (const json *Ty = member(S, "type")) {
      std::vector<std::string> Want = typeNames(*Ty);
      bool Whole = false;
      if (auto *Sc = llvm::dyn_cast<ScalarValue>(V); Sc && *Have == Type::Float) {
        double F = Sc->scalar().F;
        Whole = std::isfinite(F) && std::trunc(F) == F;
      }
      if (!Want.empty() && llvm::none_of(Want, [&](const std::string &W) {
            return fits(*Have, Whole, W);
          })) {
        D.report(DiagKind::McpArgumentType, V->loc(), V->length(), Name, Tool,
                 "of JSON type `" + llvm::join(Want, "` or `") + "`",
                 describeType(*Have).str());
        return;
      }
    }
    if (auto *Sc = llvm::dyn_cast<ScalarValue>(V)) {
      checkEnum(*Sc, S, Name);
      return;
    }
    if (auto *Map = llvm::dyn_cast<MapValue>(V)) {
      checkObject(Map, S, Name + ".", At);
      return;
    }
    auto *List = llvm::cast<ListValue>(V);
    const json *Items = member(S, "items");
    if (!Items || !Items->is_object()) return;
    for (size_t I = 0; I < List->items().size(); ++I) {
      const Value *Item = List->items()[I];
      checkValue(Item, *Items, Name + "[" + std::to_string(I) + "]",
                 {Item->loc(), Item->length()});
    }
  }

 private:
  /// A constant not among the schema's `enum` values is an error, with the
  /// closest string value as a hint.
  void checkEnum(const ScalarValue &Sc, const json &S, const std::string &Name) {
    const json *Enum = member(S, "enum");
    if (!Enum || !Enum->is_array() || Enum->empty()) return;
    json Have = scalarToJson(Sc.scalar());
    // (Not llvm::is_contained: on a JSON value it looks up a key.)
    if (std::find(Enum->begin(), Enum->end(), Have) != Enum->end()) return;
    std::vector<std::string> Shown, Strings;
    for (const json &E : *Enum) {
      Shown.push_back("`" + toJsonText(E) + "`");
      if (E.is_string()) Strings.push_back(E.get<std::string>());
    }
    std::string Hint;
    if (Have.is_string()) {
      std::vector<llvm::StringRef> Refs(Strings.begin(), Strings.end());
      Hint = didYouMean(Have.get<std::string>(), Refs);
    }
    D.report(DiagKind::McpArgumentEnum, Sc.loc(), Sc.length(), Name, Tool,
             llvm::join(Shown, ", "), "`" + toJsonText(Have) + "`", Hint);
  }

  std::string Tool;
  DiagnosticEngine &D;
};

}  // namespace

void checkMcpArguments(const Step &S, llvm::StringRef Tool, const json &Schema,
                       DiagnosticEngine &D) {
  if (!Schema.is_object() || !S.Params) return;
  const MapEntry *Args = nullptr, *ToolParam = nullptr;
  for (const MapEntry &E : S.Params->entries()) {
    if (E.Key == "arguments") Args = &E;
    if (E.Key == "tool") ToolParam = &E;
  }
  auto *Map = Args ? llvm::dyn_cast<MapValue>(Args->V) : nullptr;
  if (Args && !Map) return;  // one template: its value is known at run time
  const MapEntry *At = Args ? Args : ToolParam;
  if (!At) return;
  ArgumentChecker(Tool, D).checkObject(
      Map, Schema, "", {At->KeyLoc, static_cast<uint32_t>(At->Key.size())});
}

void checkMcpFieldRead(const StepUse &U, const Step &Target, const json &Output,
                       DiagnosticEngine &D) {
  if (U.Shape != UseShape::Object || U.Sub.empty() || U.Field.empty()) return;
  // `structured` is the whole structuredContent; any other field is one of
  // its properties.
  const json *Field = &Output;
  if (U.Field != "structured") {
    const json *Props = member(Output, "properties");
    Field = Props ? member(*Props, U.Field.str().c_str()) : nullptr;
    if (!Field) return;
  }
  std::string Path = U.Field.str() + "." + U.Sub.str();
  if (const json *Ty = member(*Field, "type")) {
    std::vector<std::string> Want = typeNames(*Ty);
    if (!Want.empty() && !llvm::is_contained(Want, "object")) {
      D.report(DiagKind::UnknownStepField, U.SubLoc, U.SubLength, Target.Id.Str.str(),
               "mcp", Path,
               "; `" + U.Field.str() + "` is of JSON type `" +
                   llvm::join(Want, "` or `") + "`");
      return;
    }
  }
  if (!closedObject(*Field)) return;
  const json &Props = *member(*Field, "properties");
  if (Props.contains(U.Sub.str())) return;
  std::vector<std::string> Names;
  for (auto &[K, V] : Props.items()) Names.push_back(K);
  std::vector<llvm::StringRef> Refs(Names.begin(), Names.end());
  D.report(DiagKind::UnknownStepField, U.SubLoc, U.SubLength, Target.Id.Str.str(), "mcp",
           Path, didYouMean(U.Sub, Refs));
}

}  // namespace orch::passes
