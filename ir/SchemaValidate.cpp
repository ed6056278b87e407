//===- SchemaValidate.cpp - JSON Schema (draft 7) validation --------------===//
#include "ir/SchemaValidate.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <cmath>
#include <optional>

#include "ir/Regex.h"
#include "ir/Unicode.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"

namespace orch::ir {

namespace {
using json = Json;

/// Keywords that only annotate: JSON Schema gives them no validation meaning.
constexpr llvm::StringLiteral Annotations[] = {
    "$id",     "$schema",          "$comment",       "title",     "description",
    "default", "examples",         "readOnly",       "writeOnly", "definitions",
    "$defs",   "contentMediaType", "contentEncoding"};

constexpr llvm::StringLiteral TypeNames[] = {"null",   "boolean", "object", "array",
                                             "number", "string",  "integer"};

/// Appends one reference token to a JSON pointer (`~` and `/` escaped).
std::string child(const std::string &Ptr, llvm::StringRef Token) {
  std::string Out = Ptr + "/";
  for (char C : Token) {
    if (C == '~')
      Out += "~0";
    else if (C == '/')
      Out += "~1";
    else
      Out += C;
  }
  return Out;
}
std::string child(const std::string &Ptr, size_t Index) {
  return Ptr + "/" + std::to_string(Index);
}

bool isIntegral(const json &V) {
  if (V.is_number_integer() || V.is_number_unsigned()) return true;
  if (!V.is_number_float()) return false;
  double D = V.get<double>();
  return std::isfinite(D) && D == std::floor(D);
}

bool hasType(const json &V, llvm::StringRef T) {
  if (T == "integer") return isIntegral(V);
  if (T == "number") return V.is_number();
  return T == jsonTypeName(V);
}

std::string brief(const json &V) {
  std::string S = V.dump(-1, ' ', false, json::error_handler_t::replace);
  if (codePointCount(S) > 60) {
    CodePoints C = decodeUtf8(S);
    S = encodeUtf8(std::u32string_view(C).substr(0, 57)) + "...";
  }
  return "`" + S + "`";
}

bool isNonNegInt(const json &V) { return isIntegral(V) && V.get<double>() >= 0; }

// --- formats -------------------------------------------------------------

bool digits(llvm::StringRef S, size_t N) {
  return S.size() == N && llvm::all_of(S, llvm::isDigit);
}

bool isDate(llvm::StringRef S) {
  if (S.size() != 10 || S[4] != '-' || S[7] != '-' || !digits(S.substr(0, 4), 4) ||
      !digits(S.substr(5, 2), 2) || !digits(S.substr(8, 2), 2))
    return false;
  int Y = std::stoi(S.substr(0, 4).str()), M = std::stoi(S.substr(5, 2).str()),
      D = std::stoi(S.substr(8, 2).str());
  static constexpr int Days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (M < 1 || M > 12 || D < 1 || D > Days[M - 1]) return false;
  bool Leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
  return !(M == 2 && D == 29 && !Leap);
}

/// RFC 3339 `full-time`: hh:mm:ss[.frac](Z|±hh:mm).
bool isTime(llvm::StringRef S) {
  if (S.size() < 9 || S[2] != ':' || S[5] != ':' || !digits(S.substr(0, 2), 2) ||
      !digits(S.substr(3, 2), 2) || !digits(S.substr(6, 2), 2))
    return false;
  if (std::stoi(S.substr(0, 2).str()) > 23 || std::stoi(S.substr(3, 2).str()) > 59 ||
      std::stoi(S.substr(6, 2).str()) > 60)
    return false;
  S = S.drop_front(8);
  if (S.consume_front(".")) {
    size_t N = 0;
    while (N < S.size() && llvm::isDigit(S[N])) ++N;
    if (N == 0) return false;
    S = S.drop_front(N);
  }
  if (S == "Z" || S == "z") return true;
  if (S.size() != 6 || (S[0] != '+' && S[0] != '-') || S[3] != ':' ||
      !digits(S.substr(1, 2), 2) || !digits(S.substr(4, 2), 2))
    return false;
  return std::stoi(S.substr(1, 2).str()) <= 23 && std::stoi(S.substr(4, 2).str()) <= 59;
}

bool isDateTime(llvm::StringRef S) {
  return S.size() > 11 && isDate(S.substr(0, 10)) && (S[10] == 'T' || S[10] == 't') &&
         isTime(S.drop_front(11));
}

bool isIpv4(llvm::StringRef S) {
  llvm::SmallVector<llvm::StringRef, 4> Parts;
  S.split(Parts, '.');
  if (Parts.size() != 4) return false;
  for (llvm::StringRef P : Parts) {
    if (P.empty() || P.size() > 3 || !llvm::all_of(P, llvm::isDigit)) return false;
    if (P.size() > 1 && P[0] == '0') return false;  // Python refuses leading zeros
    if (std::stoi(P.str()) > 255) return false;
  }
  return true;
}

bool isIpv6(llvm::StringRef S) {
  unsigned char Buf[16];
  return S.size() < 64 && inet_pton(AF_INET6, S.str().c_str(), Buf) == 1;
}

bool isHostname(llvm::StringRef S) {
  if (S.empty() || S.size() > 253) return false;
  llvm::SmallVector<llvm::StringRef, 8> Labels;
  S.split(Labels, '.');
  for (llvm::StringRef L : Labels) {
    if (L.empty() || L.size() > 63 || L.front() == '-' || L.back() == '-') return false;
    if (!llvm::all_of(L, [](char C) { return llvm::isAlnum(C) || C == '-'; }))
      return false;
  }
  return true;
}

bool isUri(llvm::StringRef S) {
  size_t Colon = S.find(':');
  if (Colon == 0 || Colon == llvm::StringRef::npos || !llvm::isAlpha(S[0])) return false;
  for (char C : S.take_front(Colon))
    if (!llvm::isAlnum(C) && C != '+' && C != '-' && C != '.') return false;
  return llvm::none_of(S, [](char C) {
    return static_cast<unsigned char>(C) <= ' ' || C == '"' || C == '<' || C == '>' ||
           C == '\\' || C == '^' || C == '`' || C == '{' || C == '|' || C == '}';
  });
}

/// Whether \p S is in format \p F; formats the checker does not know pass,
/// as JSON Schema says.
bool inFormat(llvm::StringRef F, llvm::StringRef S) {
  if (F == "email" || F == "idn-email") return S.contains('@');
  if (F == "date") return isDate(S);
  if (F == "time") return isTime(S);
  if (F == "date-time") return isDateTime(S);
  if (F == "ipv4") return isIpv4(S);
  if (F == "ipv6") return isIpv6(S);
  if (F == "hostname") return isHostname(S);
  if (F == "uri") return isUri(S);
  if (F == "regex") {
    if (auto R = Regex::compile(S))
      return true;
    else
      return llvm::consumeError(R.takeError()), false;
  }
  return true;
}

/// Resolves a local `$ref` (`#` or `#/a/b`) against \p Root.
const json *resolveRef(const json &Root, llvm::StringRef Ref) {
  if (!Ref.consume_front("#")) return nullptr;
  const json *At = &Root;
  if (Ref.empty()) return At;
  if (!Ref.consume_front("/")) return nullptr;
  llvm::SmallVector<llvm::StringRef, 8> Tokens;
  Ref.split(Tokens, '/');
  for (llvm::StringRef T : Tokens) {
    std::string Key;
    for (size_t I = 0; I < T.size(); ++I) {
      if (T[I] == '~' && I + 1 < T.size() && (T[I + 1] == '0' || T[I + 1] == '1')) {
        Key += T[I + 1] == '0' ? '~' : '/';
        ++I;
      } else if (T[I] == '%' && I + 2 < T.size() && llvm::isHexDigit(T[I + 1]) &&
                 llvm::isHexDigit(T[I + 2])) {
        Key += static_cast<char>(llvm::hexFromNibbles(T[I + 1], T[I + 2]));
        I += 2;
      } else {
        Key += T[I];
      }
    }
    if (At->is_object()) {
      auto It = At->find(Key);
      if (It == At->end()) return nullptr;
      At = &*It;
    } else if (At->is_array() && !Key.empty() && llvm::all_of(Key, llvm::isDigit) &&
               Key.size() < 10) {
      size_t N = std::stoul(Key);
      if (N >= At->size()) return nullptr;
      At = &(*At)[N];
    } else {
      return nullptr;
    }
  }
  return At;
}

// --- the schema's own check ---------------------------------------------

class SchemaChecker {
 public:
  explicit SchemaChecker(const json &Root) : Root(Root) {}
  SchemaProblems Out;

  void schema(const json &S, const std::string &Ptr) {
    if (S.is_boolean()) return;
    if (!S.is_object()) return error(Ptr, "a schema must be an object or a boolean");
    if (auto R = S.find("$ref"); R != S.end()) {
      if (!R->is_string()) return error(child(Ptr, "$ref"), "must be a string");
      if (!resolveRef(Root, R->get<std::string>()))
        error(child(Ptr, "$ref"),
              fmt::format("`{}` does not resolve to a part of this schema (only local "
                          "references, `#` and `#/...`, are supported)",
                          R->get<std::string>()));
    }
    for (auto &[K, V] : S.items()) keyword(K, V, child(Ptr, K));
  }

 private:
  const json &Root;

  void error(const std::string &Ptr, const std::string &Msg) {
    Out.Errors.push_back((Ptr.empty() ? "/" : Ptr) + ": " + Msg);
  }
  void schemaMap(const json &V, const std::string &Ptr) {
    if (!V.is_object()) return error(Ptr, "must be an object of schemas");
    for (auto &[K, X] : V.items()) schema(X, child(Ptr, K));
  }
  void schemaList(const json &V, const std::string &Ptr) {
    if (!V.is_array() || V.empty())
      return error(Ptr, "must be a non-empty array of schemas");
    for (size_t I = 0; I < V.size(); ++I) schema(V[I], child(Ptr, I));
  }
  void stringList(const json &V, const std::string &Ptr) {
    if (!V.is_array() || !llvm::all_of(V, [](const json &X) { return X.is_string(); }))
      error(Ptr, "must be an array of strings");
  }
  void pattern(const json &V, const std::string &Ptr) {
    if (!V.is_string()) return error(Ptr, "must be a string");
    if (auto R = Regex::compile(V.get<std::string>()); !R)
      error(Ptr, "the pattern is not usable: " + llvm::toString(R.takeError()));
  }

  void keyword(llvm::StringRef K, const json &V, const std::string &Ptr) {
    if (K == "$ref" || llvm::is_contained(Annotations, K)) {
      if ((K == "definitions" || K == "$defs")) schemaMap(V, Ptr);
      return;
    }
    if (K == "type") {
      auto Known = [](const json &X) {
        return X.is_string() &&
               llvm::is_contained(TypeNames,
                                  llvm::StringRef(X.get_ref<const std::string &>()));
      };
      if (Known(V) || (V.is_array() && llvm::all_of(V, Known))) return;
      return error(Ptr, "must be one of " + llvm::join(llvm::ArrayRef(TypeNames), ", ") +
                            ", or an array of them");
    }
    if (K == "enum") return V.is_array() ? void() : error(Ptr, "must be an array");
    if (K == "const" || K == "format") return;
    if (K == "multipleOf")
      return V.is_number() && V.get<double>() > 0
                 ? void()
                 : error(Ptr, "must be a number above 0");
    if (K == "maximum" || K == "minimum" || K == "exclusiveMaximum" ||
        K == "exclusiveMinimum")
      return V.is_number() ? void() : error(Ptr, "must be a number");
    if (K == "maxLength" || K == "minLength" || K == "maxItems" || K == "minItems" ||
        K == "maxProperties" || K == "minProperties")
      return isNonNegInt(V) ? void() : error(Ptr, "must be a non-negative integer");
    if (K == "pattern") return pattern(V, Ptr);
    if (K == "uniqueItems")
      return V.is_boolean() ? void() : error(Ptr, "must be a boolean");
    if (K == "required") return stringList(V, Ptr);
    if (K == "items") return V.is_array() ? schemaList(V, Ptr) : schema(V, Ptr);
    if (K == "additionalItems" || K == "contains" || K == "additionalProperties" ||
        K == "propertyNames" || K == "not" || K == "if" || K == "then" || K == "else")
      return schema(V, Ptr);
    if (K == "properties") return schemaMap(V, Ptr);
    if (K == "patternProperties") {
      schemaMap(V, Ptr);
      if (V.is_object())
        for (auto &[P, X] : V.items()) pattern(json(P), child(Ptr, P));
      return;
    }
    if (K == "dependencies") {
      if (!V.is_object()) return error(Ptr, "must be an object");
      for (auto &[P, X] : V.items())
        X.is_array() ? stringList(X, child(Ptr, P)) : schema(X, child(Ptr, P));
      return;
    }
    if (K == "allOf" || K == "anyOf" || K == "oneOf") return schemaList(V, Ptr);
    Out.Unknown.push_back(Ptr);
  }
};

// --- validation ----------------------------------------------------------

/// Keyword evaluations one validation may take: combinators over `$ref`s
/// can grow exponentially with the schema's size.
constexpr uint64_t StepBudget = 1'000'000;
/// Nested `$ref`s on one value: `{"$ref": "#"}` refers to itself.
constexpr unsigned RefDepth = 64;

class Validator {
 public:
  Validator(const json &Root, size_t Limit) : Root(Root), Limit(Limit) {}

  std::vector<SchemaViolation> Found;
  bool OverBudget = false;

  /// Checks \p V at \p Path against \p S at \p SPtr; appends violations.
  void check(const json &V, const json &S, const std::string &Path,
             const std::string &SPtr, unsigned Refs = 0) {
    if (full()) return;
    if (++Steps > StepBudget) {
      OverBudget = true;
      return;
    }
    if (S.is_boolean()) {
      if (!S.get<bool>()) add(Path, SPtr, "false", "no value is allowed here");
      return;
    }
    if (!S.is_object()) return;
    // Draft 7: the other keywords beside a `$ref` are ignored.
    if (auto R = S.find("$ref"); R != S.end() && R->is_string()) {
      const json *Target = resolveRef(Root, R->get<std::string>());
      if (!Target) return;
      if (Refs >= RefDepth)
        return add(Path, child(SPtr, "$ref"), "$ref",
                   "the schema refers to itself without reading any deeper");
      return check(V, *Target, Path, R->get<std::string>().substr(1), Refs + 1);
    }
    for (auto &[K, X] : S.items()) {
      keyword(V, S, K, X, Path, child(SPtr, K), Refs);
      if (full()) return;
    }
  }

 private:
  const json &Root;
  size_t Limit;
  uint64_t Steps = 0;

  bool full() const { return Found.size() >= Limit || OverBudget; }

  void add(const std::string &Path, const std::string &SPtr, llvm::StringRef K,
           std::string Msg) {
    Found.push_back({Path, SPtr, K.str(), std::move(Msg)});
  }

  /// Whether \p V conforms to \p S (a nested check whose violations are
  /// not reported one by one).
  bool conforms(const json &V, const json &S, const std::string &Path,
                const std::string &SPtr, unsigned Refs) {
    Validator Sub(Root, 1);
    Sub.Steps = Steps;
    Sub.check(V, S, Path, SPtr, Refs);
    Steps = Sub.Steps;
    OverBudget |= Sub.OverBudget;
    return Sub.Found.empty();
  }

  void keyword(const json &V, const json &S, llvm::StringRef K, const json &X,
               const std::string &Path, const std::string &SPtr, unsigned Refs) {
    if (K == "type") {
      bool Ok = X.is_string()
                    ? hasType(V, X.get<std::string>())
                    : llvm::any_of(X, [&](const json &T) {
                        return T.is_string() && hasType(V, T.get<std::string>());
                      });
      if (!Ok) {
        std::string Want = X.is_string() ? X.get<std::string>() : X.dump();
        add(Path, SPtr, K,
            fmt::format("{} is {}, expected {}", brief(V),
                        jsonTypeName(V) == "integer" || jsonTypeName(V) == "array"
                            ? "an " + jsonTypeName(V)
                            : "a " + jsonTypeName(V),
                        Want));
      }
    } else if (K == "enum") {
      if (X.is_array() && llvm::none_of(X, [&](const json &E) { return E == V; }))
        add(Path, SPtr, K, fmt::format("{} is not one of {}", brief(V), brief(X)));
    } else if (K == "const") {
      if (X != V) add(Path, SPtr, K, fmt::format("{} is not {}", brief(V), brief(X)));
    } else if (V.is_number() && !V.is_boolean()) {
      numberKeyword(V, K, X, Path, SPtr);
    } else if (V.is_string()) {
      stringKeyword(V.get_ref<const std::string &>(), K, X, Path, SPtr);
    } else if (V.is_array()) {
      arrayKeyword(V, S, K, X, Path, SPtr, Refs);
    } else if (V.is_object()) {
      objectKeyword(V, S, K, X, Path, SPtr, Refs);
    }
    if (K == "allOf") {
      for (size_t I = 0; I < X.size() && !full(); ++I)
        check(V, X[I], Path, child(SPtr, I), Refs);
    } else if (K == "anyOf") {
      bool Any = false;
      for (size_t I = 0; I < X.size() && !Any; ++I)
        Any = conforms(V, X[I], Path, child(SPtr, I), Refs);
      if (!Any)
        add(Path, SPtr, K, fmt::format("{} matches none of the schemas", brief(V)));
    } else if (K == "oneOf") {
      std::vector<size_t> Matches;
      for (size_t I = 0; I < X.size(); ++I)
        if (conforms(V, X[I], Path, child(SPtr, I), Refs)) Matches.push_back(I);
      if (Matches.empty())
        add(Path, SPtr, K, fmt::format("{} matches none of the schemas", brief(V)));
      else if (Matches.size() > 1)
        add(Path, SPtr, K,
            fmt::format("{} matches more than one schema ({} and {})", brief(V),
                        Matches[0], Matches[1]));
    } else if (K == "not") {
      if (conforms(V, X, Path, SPtr, Refs))
        add(Path, SPtr, K, fmt::format("{} must not match the schema", brief(V)));
    } else if (K == "if") {
      std::string Base = SPtr.substr(0, SPtr.rfind('/'));
      bool Then = conforms(V, X, Path, SPtr, Refs);
      if (auto Next = S.find(Then ? "then" : "else"); Next != S.end())
        check(V, *Next, Path, child(Base, Then ? "then" : "else"), Refs);
    }
  }

  void numberKeyword(const json &V, llvm::StringRef K, const json &X,
                     const std::string &Path, const std::string &SPtr) {
    if (!X.is_number()) return;
    double D = V.get<double>(), L = X.get<double>();
    if (K == "minimum" && D < L)
      add(Path, SPtr, K,
          fmt::format("{} is less than the minimum {}", brief(V), X.dump()));
    if (K == "maximum" && D > L)
      add(Path, SPtr, K,
          fmt::format("{} is greater than the maximum {}", brief(V), X.dump()));
    if (K == "exclusiveMinimum" && D <= L)
      add(Path, SPtr, K, fmt::format("{} is not greater than {}", brief(V), X.dump()));
    if (K == "exclusiveMaximum" && D >= L)
      add(Path, SPtr, K, fmt::format("{} is not less than {}", brief(V), X.dump()));
    if (K == "multipleOf" && L > 0) {
      bool Fails;
      if (isIntegral(V) && isIntegral(X) && V.is_number_integer() &&
          X.is_number_integer())
        Fails = V.get<int64_t>() % X.get<int64_t>() != 0;
      else {
        double Q = D / L;
        Fails = !std::isfinite(Q) || Q != std::floor(Q);
      }
      if (Fails)
        add(Path, SPtr, K, fmt::format("{} is not a multiple of {}", brief(V), X.dump()));
    }
  }

  void stringKeyword(const std::string &Str, llvm::StringRef K, const json &X,
                     const std::string &Path, const std::string &SPtr) {
    if ((K == "minLength" || K == "maxLength") && isNonNegInt(X)) {
      size_t N = codePointCount(Str), B = X.get<size_t>();
      if (K == "minLength" && N < B)
        add(Path, SPtr, K,
            fmt::format("{} is shorter than {} characters", brief(json(Str)), B));
      if (K == "maxLength" && N > B)
        add(Path, SPtr, K,
            fmt::format("{} is longer than {} characters", brief(json(Str)), B));
    } else if (K == "pattern" && X.is_string()) {
      auto R = Regex::compile(X.get<std::string>());
      if (!R) return llvm::consumeError(R.takeError());
      std::vector<int64_t> Caps;
      if (!(*R)->search(decodeUtf8(Str), 0, Caps))
        add(Path, SPtr, K,
            fmt::format("{} does not match {}", brief(json(Str)), brief(X)));
    } else if (K == "format" && X.is_string()) {
      if (!inFormat(X.get<std::string>(), Str))
        add(Path, SPtr, K,
            fmt::format("{} is not a valid {}", brief(json(Str)), X.get<std::string>()));
    }
  }

  void arrayKeyword(const json &V, const json &S, llvm::StringRef K, const json &X,
                    const std::string &Path, const std::string &SPtr, unsigned Refs) {
    if ((K == "minItems" || K == "maxItems") && isNonNegInt(X)) {
      size_t B = X.get<size_t>();
      if (K == "minItems" && V.size() < B)
        add(Path, SPtr, K, fmt::format("fewer than {} items ({})", B, V.size()));
      if (K == "maxItems" && V.size() > B)
        add(Path, SPtr, K, fmt::format("more than {} items ({})", B, V.size()));
    } else if (K == "uniqueItems" && X == json(true)) {
      for (size_t I = 0; I < V.size(); ++I)
        for (size_t J = I + 1; J < V.size(); ++J)
          if (V[I] == V[J] && V[I].is_boolean() == V[J].is_boolean())
            return add(Path, SPtr, K,
                       fmt::format("items {} and {} are equal ({})", I, J, brief(V[I])));
    } else if (K == "items") {
      if (X.is_array()) {
        for (size_t I = 0; I < V.size() && I < X.size() && !full(); ++I)
          check(V[I], X[I], child(Path, I), child(SPtr, I), Refs);
      } else {
        for (size_t I = 0; I < V.size() && !full(); ++I)
          check(V[I], X, child(Path, I), SPtr, Refs);
      }
    } else if (K == "additionalItems") {
      auto Items = S.find("items");
      if (Items == S.end() || !Items->is_array() || V.size() <= Items->size()) return;
      if (X == json(false))
        return add(
            Path, SPtr, K,
            fmt::format("{} items, where the schema lists {}", V.size(), Items->size()));
      for (size_t I = Items->size(); I < V.size() && !full(); ++I)
        check(V[I], X, child(Path, I), SPtr, Refs);
    } else if (K == "contains") {
      for (size_t I = 0; I < V.size(); ++I)
        if (conforms(V[I], X, child(Path, I), SPtr, Refs)) return;
      add(Path, SPtr, K, "no item matches the `contains` schema");
    }
  }

  void objectKeyword(const json &V, const json &S, llvm::StringRef K, const json &X,
                     const std::string &Path, const std::string &SPtr, unsigned Refs) {
    if ((K == "minProperties" || K == "maxProperties") && isNonNegInt(X)) {
      size_t B = X.get<size_t>();
      if (K == "minProperties" && V.size() < B)
        add(Path, SPtr, K, fmt::format("fewer than {} properties ({})", B, V.size()));
      if (K == "maxProperties" && V.size() > B)
        add(Path, SPtr, K, fmt::format("more than {} properties ({})", B, V.size()));
    } else if (K == "required" && X.is_array()) {
      for (const json &R : X)
        if (R.is_string() && !V.contains(R.get<std::string>()))
          add(Path, SPtr, K,
              fmt::format("missing required property `{}`", R.get<std::string>()));
    } else if (K == "properties" && X.is_object()) {
      for (auto &[P, Sub] : X.items())
        if (auto It = V.find(P); It != V.end() && !full())
          check(*It, Sub, child(Path, P), child(SPtr, P), Refs);
    } else if (K == "patternProperties" && X.is_object()) {
      for (auto &[P, Sub] : X.items())
        for (auto &[Name, Item] : V.items())
          if (!full() && patternMatches(P, Name))
            check(Item, Sub, child(Path, Name), child(SPtr, P), Refs);
    } else if (K == "additionalProperties") {
      // `false`: one violation naming every property it refuses.
      std::vector<std::string> Extra;
      for (auto &[Name, Item] : V.items()) {
        if (full()) return;
        if (isDeclared(S, Name)) continue;
        if (X == json(false))
          Extra.push_back("`" + Name + "`");
        else
          check(Item, X, child(Path, Name), SPtr, Refs);
      }
      if (!Extra.empty())
        add(Path, SPtr, K,
            fmt::format("{} {} not allowed",
                        Extra.size() == 1 ? "property " + Extra[0]
                                          : "properties " + llvm::join(Extra, ", "),
                        Extra.size() == 1 ? "is" : "are"));
    } else if (K == "propertyNames") {
      // Each name is checked as a string; problems are the object's.
      for (auto &[Name, Item] : V.items())
        if (!full()) check(json(Name), X, Path, SPtr, Refs);
    } else if (K == "dependencies" && X.is_object()) {
      for (auto &[P, Dep] : X.items()) {
        if (!V.contains(P) || full()) continue;
        if (Dep.is_array()) {
          for (const json &R : Dep)
            if (R.is_string() && !V.contains(R.get<std::string>()))
              add(Path, child(SPtr, P), K,
                  fmt::format("property `{}` needs property `{}`", P,
                              R.get<std::string>()));
        } else {
          check(V, Dep, Path, child(SPtr, P), Refs);
        }
      }
    }
  }

  static bool patternMatches(llvm::StringRef Pattern, llvm::StringRef Name) {
    auto R = Regex::compile(Pattern);
    if (!R) return llvm::consumeError(R.takeError()), false;
    std::vector<int64_t> Caps;
    return (*R)->search(decodeUtf8(Name), 0, Caps);
  }

  static bool isDeclared(const json &S, const std::string &Name) {
    if (auto P = S.find("properties");
        P != S.end() && P->is_object() && P->contains(Name))
      return true;
    if (auto P = S.find("patternProperties"); P != S.end() && P->is_object())
      for (auto &[Pat, Sub] : P->items())
        if (patternMatches(Pat, Name)) return true;
    return false;
  }
};
}  // namespace

std::string jsonTypeName(const json &V) {
  if (V.is_null()) return "null";
  if (V.is_boolean()) return "boolean";
  if (V.is_number_integer() || V.is_number_unsigned()) return "integer";
  if (V.is_number()) return "number";
  if (V.is_string()) return "string";
  if (V.is_array()) return "array";
  return "object";
}

llvm::ArrayRef<llvm::StringRef> schemaKeywords() {
  static constexpr llvm::StringRef Names[] = {"$comment",
                                              "$defs",
                                              "$id",
                                              "$ref",
                                              "$schema",
                                              "additionalItems",
                                              "additionalProperties",
                                              "allOf",
                                              "anyOf",
                                              "const",
                                              "contains",
                                              "contentEncoding",
                                              "contentMediaType",
                                              "default",
                                              "definitions",
                                              "dependencies",
                                              "description",
                                              "else",
                                              "enum",
                                              "examples",
                                              "exclusiveMaximum",
                                              "exclusiveMinimum",
                                              "format",
                                              "if",
                                              "items",
                                              "maxItems",
                                              "maxLength",
                                              "maxProperties",
                                              "maximum",
                                              "minItems",
                                              "minLength",
                                              "minProperties",
                                              "minimum",
                                              "multipleOf",
                                              "not",
                                              "oneOf",
                                              "pattern",
                                              "patternProperties",
                                              "properties",
                                              "propertyNames",
                                              "readOnly",
                                              "required",
                                              "then",
                                              "title",
                                              "type",
                                              "uniqueItems",
                                              "writeOnly"};
  return Names;
}

SchemaProblems checkSchema(const json &Schema) {
  SchemaChecker C(Schema);
  C.schema(Schema, "");
  return std::move(C.Out);
}

std::vector<SchemaViolation> validateSchema(const json &Value, const json &Schema,
                                            size_t Limit) {
  Validator V(Schema, Limit ? Limit : 1);
  V.check(Value, Schema, "", "");
  if (V.OverBudget)
    V.Found.push_back({"", "", "budget",
                       fmt::format("the check took more than {} steps: the schema's "
                                   "combinators and references repeat too much work",
                                   StepBudget)});
  return std::move(V.Found);
}

}  // namespace orch::ir
