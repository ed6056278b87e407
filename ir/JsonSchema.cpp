//===- Schema.cpp ---------------------------------------------------------===//
#include "ir/JsonSchema.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "ir/SchemaValidate.h"
#include "llvm/ADT/StringExtras.h"

namespace orch::ir {

using json = orch::ir::Json;

namespace {
json strictCopy(const json &S) {
  if (!S.is_object()) return S;
  json Out = S;
  if (Out.contains("properties") && Out["properties"].is_object()) {
    json Required = json::array();
    for (auto &[K, V] : Out["properties"].items()) {
      V = strictCopy(V);
      Required.push_back(K);
    }
    Out["required"] = Required;
    Out["additionalProperties"] = false;
    if (!Out.contains("type")) Out["type"] = "object";
  } else if (Out.contains("type") && Out["type"] == "object") {
    Out["properties"] = json::object();
    Out["required"] = json::array();
    Out["additionalProperties"] = false;
  }
  if (Out.contains("items")) Out["items"] = strictCopy(Out["items"]);
  for (const char *K : {"anyOf", "oneOf", "allOf"})
    if (Out.contains(K) && Out[K].is_array())
      for (json &X : Out[K]) X = strictCopy(X);
  return Out;
}

/// The names \p S requires.
std::vector<std::string> requiredOf(const json &S) {
  std::vector<std::string> Out;
  if (auto R = S.find("required"); R != S.end() && R->is_array())
    for (const json &N : *R)
      if (N.is_string()) Out.push_back(N.get<std::string>());
  return Out;
}

bool isObjectSchema(const json &S) {
  return S.is_object() &&
         ((S.contains("type") && S["type"] == "object") || S.contains("properties"));
}

bool hasType(const json &V, const std::string &T) {
  std::string Actual = jsonTypeName(V);
  if (T == Actual) return true;
  if (T == "number" && Actual == "integer") return true;
  // 3.0 is an integer for JSON Schema; here integers are int64, so a
  // whole float beyond it (-9223372036854775809 reads as one) is not (and
  // casting it would be undefined).
  if (T == "integer" && V.is_number_float()) {
    double D = V.get<double>();
    return D > -9223372036854775808.0 && D < 9223372036854775808.0 && D == std::trunc(D);
  }
  return false;
}

std::string brief(const json &V) {
  std::string S = V.dump();
  if (S.size() > 60) S = S.substr(0, 57) + "...";
  return "`" + S + "`";
}

/// A non-negative integer keyword, if \p S has it with that type (a schema
/// a model proposed may hold anything).
std::optional<size_t> count(const json &S, const char *K) {
  auto It = S.find(K);
  if (It == S.end() || !It->is_number_unsigned()) return std::nullopt;
  return It->get<size_t>();
}

std::string validateAt(const json &V, const json &S, const std::string &Path) {
  if (!S.is_object()) return "";
  auto At = [&](const std::string &Msg) {
    return (Path.empty() ? "/" : Path) + ": " + Msg;
  };
  if (S.contains("type")) {
    const json &T = S["type"];
    bool Ok = false;
    if (T.is_string()) Ok = hasType(V, T.get<std::string>());
    if (T.is_array())
      for (const json &X : T) Ok |= X.is_string() && hasType(V, X.get<std::string>());
    if (!Ok) return At(brief(V) + " is " + jsonTypeName(V) + ", expected " + T.dump());
  }
  if (S.contains("enum") && S["enum"].is_array()) {
    bool Found = false;
    for (const json &E : S["enum"]) Found |= E == V;
    if (!Found) return At(brief(V) + " is not one of " + S["enum"].dump());
  }
  if (S.contains("const") && S["const"] != V)
    return At(brief(V) + " is not " + S["const"].dump());
  if (V.is_number()) {
    double D = V.get<double>();
    if (S.contains("minimum") && S["minimum"].is_number() &&
        D < S["minimum"].get<double>())
      return At(brief(V) + " is less than the minimum " + S["minimum"].dump());
    if (S.contains("maximum") && S["maximum"].is_number() &&
        D > S["maximum"].get<double>())
      return At(brief(V) + " is greater than the maximum " + S["maximum"].dump());
  }
  if (V.is_string()) {
    size_t N = V.get<std::string>().size();
    if (count(S, "minLength") && N < *count(S, "minLength"))
      return At("string is shorter than " + S["minLength"].dump());
    if (count(S, "maxLength") && N > *count(S, "maxLength"))
      return At("string is longer than " + S["maxLength"].dump());
  }
  if (V.is_array()) {
    if (count(S, "minItems") && V.size() < *count(S, "minItems"))
      return At("fewer than " + S["minItems"].dump() + " items");
    if (count(S, "maxItems") && V.size() > *count(S, "maxItems"))
      return At("more than " + S["maxItems"].dump() + " items");
    if (S.contains("items"))
      for (size_t I = 0; I < V.size(); ++I)
        if (std::string E = validateAt(V[I], S["items"], Path + "/" + std::to_string(I));
            !E.empty())
          return E;
  }
  if (V.is_object()) {
    if (S.contains("required") && S["required"].is_array())
      for (const json &R : S["required"])
        if (R.is_string() && !V.contains(R.get<std::string>()))
          return At("missing property `" + R.get<std::string>() + "`");
    const json Props = S.contains("properties") && S["properties"].is_object()
                           ? S["properties"]
                           : json::object();
    for (auto &[K, X] : V.items()) {
      if (Props.contains(K)) {
        if (std::string E = validateAt(X, Props[K], Path + "/" + K); !E.empty()) return E;
      } else if (S.contains("additionalProperties") &&
                 S["additionalProperties"] == json(false)) {
        return At("unexpected property `" + K + "`");
      }
    }
  }
  return "";
}
}  // namespace

json withNullableOptionals(const json &S) {
  if (!S.is_object()) return S;
  json Out = S;
  if (auto P = Out.find("properties"); P != Out.end() && P->is_object()) {
    std::vector<std::string> Req = requiredOf(S);
    for (auto &[K, V] : P->items()) {
      V = withNullableOptionals(V);
      bool Optional = std::find(Req.begin(), Req.end(), K) == Req.end();
      if (Optional && validateJson(json(), V) != "")  // null not allowed yet
        V = json{{"anyOf", json::array({V, json{{"type", "null"}}})}};
    }
  }
  if (auto I = Out.find("items"); I != Out.end()) *I = withNullableOptionals(*I);
  for (const char *K : {"anyOf", "oneOf", "allOf"})
    if (auto B = Out.find(K); B != Out.end() && B->is_array())
      for (json &X : *B) X = withNullableOptionals(X);
  return Out;
}

void dropNullOptionals(json &Answer, const json &S) {
  if (!S.is_object()) return;
  for (const char *K : {"anyOf", "oneOf", "allOf"})
    if (auto B = S.find(K); B != S.end() && B->is_array())
      for (const json &X : *B) dropNullOptionals(Answer, X);
  if (Answer.is_object()) {
    auto P = S.find("properties");
    if (P == S.end() || !P->is_object()) return;
    std::vector<std::string> Req = requiredOf(S);
    for (auto &[K, Sub] : P->items()) {
      auto It = Answer.find(K);
      if (It == Answer.end()) continue;
      // A null the field's own schema allows is an answer; another null on
      // a field the object does not require stands for "not there".
      if (It->is_null() && std::find(Req.begin(), Req.end(), K) == Req.end() &&
          validateJson(json(), Sub) != "")
        Answer.erase(It);
      else
        dropNullOptionals(*It, Sub);
    }
  } else if (Answer.is_array()) {
    if (auto I = S.find("items"); I != S.end())
      for (json &X : Answer) dropNullOptionals(X, *I);
  }
}

StrictSchema makeStrict(const json &Schema) {
  StrictSchema Out;
  if (isObjectSchema(Schema)) {
    Out.Schema = strictCopy(Schema);
    return Out;
  }
  Out.Wrapped = true;
  Out.Schema = strictCopy(json{{"type", "object"}, {"properties", {{"value", Schema}}}});
  return Out;
}

bool isValidSchemaName(llvm::StringRef Name) {
  return !Name.empty() && Name.size() <= 64 && llvm::all_of(Name, [](char C) {
    return llvm::isAlnum(C) || C == '_' || C == '-';
  });
}

std::string validateJson(const json &Value, const json &Schema) {
  return validateAt(Value, Schema, "");
}

}  // namespace orch::ir
