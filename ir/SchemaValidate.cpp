//===- SchemaValidate.cpp - JSON Schema (draft 7) validation --------------===//
#include "ir/SchemaValidate.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "ir/ConnUrl.h"
#include "ir/Regex.h"
#include "ir/Unicode.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/StringSet.h"

namespace orch::ir {

namespace {
using json = Json;
using Int = __int128;

/// What a keyword's value must be, for checkSchema.
enum class Shape : uint8_t {
  Annotation,      ///< anything: JSON Schema gives it no validation meaning
  Ref,             ///< `$ref`: a local reference (SchemaChecker::schema)
  Any,             ///< `const`
  Array,           ///< `enum`
  Type,            ///< a type name or a non-empty array of them
  Format,          ///< a format name (`regex` is refused)
  Number,          ///< a number
  PositiveNumber,  ///< a number above 0
  Count,           ///< a non-negative integer
  Pattern,         ///< a pattern the regex engine takes
  Bool,            ///< true or false
  StringList,      ///< an array of strings
  Schema,          ///< a schema
  SchemaList,      ///< a non-empty array of schemas
  SchemaMap,       ///< an object of schemas
  PatternMap,      ///< an object of schemas keyed by patterns
  Items,           ///< a schema or an array of schemas
  Dependencies,    ///< an object of schemas or arrays of strings
};

/// Every keyword of draft 7, sorted by name.
struct KeywordRule {
  llvm::StringLiteral Name;
  Shape Value;
};
constexpr KeywordRule Keywords[] = {
    {"$comment", Shape::Annotation},
    {"$defs", Shape::SchemaMap},
    {"$id", Shape::Annotation},
    {"$ref", Shape::Ref},
    {"$schema", Shape::Annotation},
    {"additionalItems", Shape::Schema},
    {"additionalProperties", Shape::Schema},
    {"allOf", Shape::SchemaList},
    {"anyOf", Shape::SchemaList},
    {"const", Shape::Any},
    {"contains", Shape::Schema},
    {"contentEncoding", Shape::Annotation},
    {"contentMediaType", Shape::Annotation},
    {"default", Shape::Annotation},
    {"definitions", Shape::SchemaMap},
    {"dependencies", Shape::Dependencies},
    {"description", Shape::Annotation},
    {"else", Shape::Schema},
    {"enum", Shape::Array},
    {"examples", Shape::Annotation},
    {"exclusiveMaximum", Shape::Number},
    {"exclusiveMinimum", Shape::Number},
    {"format", Shape::Format},
    {"if", Shape::Schema},
    {"items", Shape::Items},
    {"maxItems", Shape::Count},
    {"maxLength", Shape::Count},
    {"maxProperties", Shape::Count},
    {"maximum", Shape::Number},
    {"minItems", Shape::Count},
    {"minLength", Shape::Count},
    {"minProperties", Shape::Count},
    {"minimum", Shape::Number},
    {"multipleOf", Shape::PositiveNumber},
    {"not", Shape::Schema},
    {"oneOf", Shape::SchemaList},
    {"pattern", Shape::Pattern},
    {"patternProperties", Shape::PatternMap},
    {"properties", Shape::SchemaMap},
    {"propertyNames", Shape::Schema},
    {"readOnly", Shape::Annotation},
    {"required", Shape::StringList},
    {"then", Shape::Schema},
    {"title", Shape::Annotation},
    {"type", Shape::Type},
    {"uniqueItems", Shape::Bool},
    {"writeOnly", Shape::Annotation},
};

const KeywordRule *findKeyword(llvm::StringRef Name) {
  for (const KeywordRule &R : Keywords)
    if (R.Name == Name) return &R;
  return nullptr;
}

constexpr llvm::StringLiteral TypeNames[] = {"null",   "boolean", "object", "array",
                                             "number", "string",  "integer"};

/// Nested check() calls one validation may make: a schema whose combinators
/// lead back to themselves through `$ref`s nests without reading deeper
/// into the value, and every call is a stack frame.
constexpr unsigned MaxCheckDepth = 1024;
/// `$ref`s followed in a row on one value: `{"$ref": "#"}` refers to itself.
constexpr unsigned RefDepth = 64;

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

/// The exact value of an integral JSON number (a float too, when it holds
/// an integer below 2^100), or nullopt.
std::optional<Int> exactInt(const json &V) {
  if (V.is_number_unsigned()) return static_cast<Int>(V.get<uint64_t>());
  if (V.is_number_integer()) return static_cast<Int>(V.get<int64_t>());
  if (!V.is_number_float()) return std::nullopt;
  double D = V.get<double>();
  if (!std::isfinite(D) || D != std::floor(D) || std::fabs(D) >= 0x1p100)
    return std::nullopt;
  return static_cast<Int>(D);
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

/// -1, 0 or 1 as \p A is below, equal to or above \p B (both numbers):
/// exact for integers, as doubles otherwise.
int compareNumbers(const json &A, const json &B) {
  std::optional<Int> X = exactInt(A), Y = exactInt(B);
  if (X && Y) return *X < *Y ? -1 : *X > *Y;
  double P = A.get<double>(), Q = B.get<double>();
  return P < Q ? -1 : P > Q;
}

/// A text that is equal for two values exactly when they are equal for JSON
/// Schema: numbers by value, object keys sorted.
void canonical(const json &V, std::string &Out) {
  if (V.is_number()) {
    if (std::optional<Int> I = exactInt(V)) {
      Int X = *I;
      bool Neg = X < 0;
      std::string Digits;
      do {
        int D = static_cast<int>(X % 10);
        Digits += static_cast<char>('0' + (D < 0 ? -D : D));
        X /= 10;
      } while (X != 0);
      Out += Neg ? "i-" : "i";
      Out.append(Digits.rbegin(), Digits.rend());
    } else {
      Out += fmt::format("d{:.17g}", V.get<double>());
    }
  } else if (V.is_array()) {
    Out += '[';
    for (const json &X : V) canonical(X, Out), Out += ',';
    Out += ']';
  } else if (V.is_object()) {
    std::vector<const std::string *> Keys;
    for (auto &[K, X] : V.items()) Keys.push_back(&K);
    std::sort(Keys.begin(), Keys.end(),
              [](const std::string *A, const std::string *B) { return *A < *B; });
    Out += '{';
    for (const std::string *K : Keys) {
      // Raw bytes behind their length: invalid UTF-8 stays distinct.
      Out += std::to_string(K->size()) + ':' + *K;
      Out += ':';
      canonical(V.at(*K), Out);
      Out += ',';
    }
    Out += '}';
  } else if (V.is_string()) {
    const std::string &S = V.get_ref<const std::string &>();
    Out += 's' + std::to_string(S.size()) + ':' + S;
  } else {
    Out += V.dump();  // null, true, false
  }
}

/// \p V's canonical text: JSON Schema's equality (1 equals 1.0, true is not
/// 1, objects compare by key in any order) is equality of these.
std::string canonicalText(const json &V) {
  std::string Out;
  canonical(V, Out);
  return Out;
}

/// JSON Schema's equality: strings, booleans and null directly (their
/// texts are their values), the rest by canonical text.
bool sameValue(const json &A, const json &B) {
  bool Simple = A.is_string() || A.is_boolean() || A.is_null();
  if (Simple || B.is_string() || B.is_boolean() || B.is_null()) return A == B;
  return canonicalText(A) == canonicalText(B);
}

/// \p V as M·2^E with M odd (M = 0 for zero), sign dropped: exact for
/// doubles and 64-bit integers.
struct Binary {
  unsigned __int128 M = 0;
  int E = 0;
};
std::optional<Binary> binaryOf(const json &V) {
  Binary B;
  if (V.is_number_unsigned()) {
    B.M = V.get<uint64_t>();
  } else if (V.is_number_integer()) {
    int64_t I = V.get<int64_t>();
    B.M = I < 0 ? static_cast<unsigned __int128>(-static_cast<Int>(I))
                : static_cast<unsigned __int128>(I);
  } else {
    double D = V.get<double>();
    if (!std::isfinite(D)) return std::nullopt;
    int Exp = 0;
    double Frac = std::frexp(std::fabs(D), &Exp);  // |D| = Frac * 2^Exp
    B.M = static_cast<unsigned __int128>(std::ldexp(Frac, 53));
    B.E = Exp - 53;
  }
  if (B.M == 0) return B;
  while ((B.M & 1) == 0) B.M >>= 1, ++B.E;
  return B;
}

/// Whether \p V / \p X is an integer, exactly (Python's Fraction).
bool exactlyDivisible(const json &V, const json &X) {
  std::optional<Binary> A = binaryOf(V), B = binaryOf(X);
  if (!A || !B || B->M == 0) return false;
  if (A->M == 0) return true;
  return A->M % B->M == 0 && A->E >= B->E;
}

std::string brief(const json &V) {
  std::string S = V.dump(-1, ' ', false, json::error_handler_t::replace);
  if (codePointCount(S) > 60) {
    CodePoints C = decodeUtf8(S);
    S = encodeUtf8(std::u32string_view(C).substr(0, 57)) + "...";
  }
  return "`" + S + "`";
}

bool isNonNegInt(const json &V) {
  std::optional<Int> I = exactInt(V);
  return (I && *I >= 0) || (V.is_number_float() && V.get<double>() >= 0x1p100 &&
                            std::isfinite(V.get<double>()));
}

/// A size limit (`maxLength: 1e20`), saturated to what a size can be.
uint64_t sizeLimit(const json &V) {
  std::optional<Int> I = exactInt(V);
  if (!I) return UINT64_MAX;  // past 2^100
  return *I > static_cast<Int>(UINT64_MAX) ? UINT64_MAX : static_cast<uint64_t>(*I);
}

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

  return true;
}

/// Percent-decodes a `$ref` fragment (after `#`): the JSON pointer it holds.
std::optional<std::string> refPointer(llvm::StringRef Ref) {
  if (!Ref.consume_front("#")) return std::nullopt;
  std::string Out = percentDecode(Ref);
  if (!Out.empty() && Out[0] != '/') return std::nullopt;
  return Out;
}

// --- the schema's own check ---------------------------------------------

class SchemaChecker {
 public:
  explicit SchemaChecker(const json &Root) : Root(Root) {}
  SchemaProblems Out;

  /// Checks the root, then every `$ref` target once (a target may sit
  /// where no schema is expected: `#/properties`).
  void run() {
    schema(Root, "");
    for (size_t I = 0; I < Targets.size(); ++I) {
      std::string Ptr = Targets[I];
      if (const json *T = atJsonPointer(Root, Ptr)) schema(*T, Ptr, /*Quiet=*/true);
    }
  }

  void schema(const json &S, const std::string &Ptr, bool Quiet = false) {
    // A target that is checked where it sits is checked once.
    if (!Checked.insert(Ptr).second) return;
    if (S.is_boolean()) return;
    if (!S.is_object()) return error(Ptr, "a schema must be an object or a boolean");
    if (auto R = S.find("$ref"); R != S.end()) {
      if (!R->is_string()) return error(child(Ptr, "$ref"), "must be a string");
      std::optional<std::string> P = refPointer(R->get<std::string>());
      if (!P || !atJsonPointer(Root, *P))
        error(child(Ptr, "$ref"),
              fmt::format("`{}` does not resolve to a part of this schema (only local "
                          "references, `#` and `#/...`, are supported)",
                          R->get<std::string>()));
      else
        Targets.push_back(*P);
    }
    for (auto &[K, V] : S.items()) keyword(K, V, child(Ptr, K), Quiet);
  }

 private:
  const json &Root;
  std::vector<std::string> Targets;
  llvm::StringSet<> Checked;

  void error(const std::string &Ptr, const std::string &Msg, bool AtKey = false) {
    Out.Errors.push_back({Ptr, Msg, AtKey});
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
  void pattern(const std::string &P, const std::string &Ptr, bool AtKey) {
    if (auto R = Regex::compile(P); !R)
      error(Ptr, "the pattern is not usable: " + llvm::toString(R.takeError()), AtKey);
  }

  void keyword(llvm::StringRef K, const json &V, const std::string &Ptr, bool Quiet) {
    const KeywordRule *Rule = findKeyword(K);
    if (!Rule) {
      // A `$ref` target's keys are not keywords of a schema the author wrote
      // there (`#/properties` holds property names).
      if (!Quiet) Out.Unknown.push_back(Ptr);
      return;
    }
    switch (Rule->Value) {
      case Shape::Annotation:
      case Shape::Ref:
      case Shape::Any:
        return;
      case Shape::Array:
        return V.is_array() ? void() : error(Ptr, "must be an array");
      case Shape::Type: {
        auto Known = [](const json &X) {
          return X.is_string() &&
                 llvm::is_contained(TypeNames,
                                    llvm::StringRef(X.get_ref<const std::string &>()));
        };
        if (Known(V) || (V.is_array() && !V.empty() && llvm::all_of(V, Known))) return;
        return error(Ptr, "must be one of " +
                              llvm::join(llvm::ArrayRef(TypeNames), ", ") +
                              ", or a non-empty array of them");
      }
      case Shape::Format:
        // Python's `re` syntax is larger than the template engine's: whether
        // a string is a valid Python pattern cannot be told here.
        if (V == json("regex"))
          error(Ptr,
                "format `regex` is not supported: Python's pattern syntax is larger "
                "than the checker's regular expressions, so it cannot tell a valid "
                "pattern");
        return;
      case Shape::Number:
        return V.is_number() ? void() : error(Ptr, "must be a number");
      case Shape::PositiveNumber:
        return V.is_number() && V.get<double>() > 0
                   ? void()
                   : error(Ptr, "must be a number above 0");
      case Shape::Count:
        return isNonNegInt(V) ? void() : error(Ptr, "must be a non-negative integer");
      case Shape::Pattern:
        return V.is_string() ? pattern(V.get<std::string>(), Ptr, false)
                             : error(Ptr, "must be a string");
      case Shape::Bool:
        return V.is_boolean() ? void() : error(Ptr, "must be a boolean");
      case Shape::StringList:
        return stringList(V, Ptr);
      case Shape::Schema:
        return schema(V, Ptr);
      case Shape::SchemaList:
        return schemaList(V, Ptr);
      case Shape::SchemaMap:
        return schemaMap(V, Ptr);
      case Shape::PatternMap:
        schemaMap(V, Ptr);
        if (V.is_object())
          for (auto &[P, X] : V.items()) pattern(P, child(Ptr, P), /*AtKey=*/true);
        return;
      case Shape::Items:
        return V.is_array() ? schemaList(V, Ptr) : schema(V, Ptr);
      case Shape::Dependencies:
        if (!V.is_object()) return error(Ptr, "must be an object");
        for (auto &[P, X] : V.items())
          X.is_array() ? stringList(X, child(Ptr, P)) : schema(X, child(Ptr, P));
        return;
    }
  }
};

// --- validation ----------------------------------------------------------

class Validator {
 public:
  Validator(const json &Root, size_t Limit, uint64_t &Steps)
      : Root(Root), Limit(Limit), Steps(Steps) {}

  std::vector<SchemaViolation> Found;
  bool OverBudget = false;
  bool TooDeep = false;

  /// Checks \p V at \p Path against \p S at \p SPtr; appends violations.
  /// \p Refs counts the `$ref`s followed on this value in a row.
  void check(const json &V, const json &S, const std::string &Path,
             const std::string &SPtr, unsigned Refs = 0) {
    if (stop()) return;
    if (Steps == 0) {
      OverBudget = true;
      return;
    }
    --Steps;
    if (Depth >= MaxCheckDepth) {
      TooDeep = true;
      return;
    }
    ++Depth;
    auto Leave = llvm::make_scope_exit([&] { --Depth; });
    if (S.is_boolean()) {
      if (!S.get<bool>()) add(Path, SPtr, "false", "no value is allowed here");
      return;
    }
    if (!S.is_object()) return;
    // Draft 7: the other keywords beside a `$ref` are ignored.
    if (auto R = S.find("$ref"); R != S.end() && R->is_string()) {
      std::optional<std::string> P = refPointer(R->get<std::string>());
      const json *Target = P ? atJsonPointer(Root, *P) : nullptr;
      if (!Target) return;
      if (Refs >= RefDepth)
        return add(Path, child(SPtr, "$ref"), "$ref",
                   "the schema refers to itself without reading any deeper");
      return check(V, *Target, Path, *P, Refs + 1);
    }
    for (auto &[K, X] : S.items()) {
      keyword(V, S, K, X, Path, child(SPtr, K), Refs);
      if (stop()) return;
    }
  }

  /// Whether \p V conforms to \p S (a nested check whose violations are
  /// not reported one by one).
  bool conforms(const json &V, const json &S, const std::string &Path,
                const std::string &SPtr, unsigned Refs) {
    Validator Sub(Root, 1, Steps);
    Sub.Depth = Depth;
    Sub.check(V, S, Path, SPtr, Refs);
    OverBudget |= Sub.OverBudget;
    TooDeep |= Sub.TooDeep;
    return Sub.Found.empty();
  }

 private:
  const json &Root;
  size_t Limit;
  uint64_t &Steps;
  unsigned Depth = 0;

  bool stop() const { return Found.size() >= Limit || OverBudget || TooDeep; }

  void add(const std::string &Path, const std::string &SPtr, llvm::StringRef K,
           std::string Msg) {
    if (Found.size() < Limit) Found.push_back({Path, SPtr, K.str(), std::move(Msg)});
  }

  void keyword(const json &V, const json &S, llvm::StringRef K, const json &X,
               const std::string &Path, const std::string &SPtr, unsigned Refs) {
    if (K == "type") {
      bool Ok = true;
      if (X.is_string()) Ok = hasType(V, X.get<std::string>());
      if (X.is_array())
        Ok = llvm::any_of(X, [&](const json &T) {
          return T.is_string() && hasType(V, T.get<std::string>());
        });
      if (!Ok) {
        std::string T = jsonTypeName(V);
        add(Path, SPtr, K,
            fmt::format("{} is {} {}, expected {}", brief(V),
                        T == "integer" || T == "array" || T == "object" ? "an" : "a", T,
                        X.is_string() ? X.get<std::string>() : X.dump()));
      }
    } else if (K == "enum") {
      if (X.is_array() &&
          llvm::none_of(X, [&](const json &E) { return sameValue(E, V); }))
        add(Path, SPtr, K, fmt::format("{} is not one of {}", brief(V), brief(X)));
    } else if (K == "const") {
      if (!sameValue(X, V))
        add(Path, SPtr, K, fmt::format("{} is not {}", brief(V), brief(X)));
    } else if (V.is_number()) {
      numberKeyword(V, K, X, Path, SPtr);
    } else if (V.is_string()) {
      stringKeyword(V.get_ref<const std::string &>(), K, X, Path, SPtr);
    } else if (V.is_array()) {
      arrayKeyword(V, S, K, X, Path, SPtr);
    } else if (V.is_object()) {
      objectKeyword(V, S, K, X, Path, SPtr);
    }
    if ((K == "allOf" || K == "anyOf" || K == "oneOf") && !X.is_array()) return;
    if (K == "allOf") {
      for (size_t I = 0; I < X.size() && !stop(); ++I)
        check(V, X[I], Path, child(SPtr, I), Refs);
    } else if (K == "anyOf") {
      bool Any = false;
      for (size_t I = 0; I < X.size() && !Any && !stop(); ++I)
        Any = conforms(V, X[I], Path, child(SPtr, I), Refs);
      if (!Any)
        add(Path, SPtr, K, fmt::format("{} matches none of the schemas", brief(V)));
    } else if (K == "oneOf") {
      std::vector<size_t> Matches;
      for (size_t I = 0; I < X.size() && !stop(); ++I)
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
    int C = compareNumbers(V, X);
    if (K == "minimum" && C < 0)
      add(Path, SPtr, K,
          fmt::format("{} is less than the minimum {}", brief(V), X.dump()));
    if (K == "maximum" && C > 0)
      add(Path, SPtr, K,
          fmt::format("{} is greater than the maximum {}", brief(V), X.dump()));
    if (K == "exclusiveMinimum" && C <= 0)
      add(Path, SPtr, K, fmt::format("{} is not greater than {}", brief(V), X.dump()));
    if (K == "exclusiveMaximum" && C >= 0)
      add(Path, SPtr, K, fmt::format("{} is not less than {}", brief(V), X.dump()));
    if (K == "multipleOf") {
      bool Fails = false;
      std::optional<Int> A = exactInt(V), B = exactInt(X);
      if (X.is_number_float()) {
        // jsonschema: a float divisor checks that the quotient is whole.
        double Q = V.get<double>() / X.get<double>();
        // Exact (Python's Fraction) when the quotient overflows.
        Fails = std::isfinite(Q) ? Q != std::floor(Q) : !exactlyDivisible(V, X);
      } else if (A && B) {
        if (*B <= 0) return;
        Fails = *A % *B != 0;
      } else {
        double L = X.get<double>();
        if (L <= 0) return;
        Fails = std::fmod(V.get<double>(), L) != 0;
      }
      if (Fails)
        add(Path, SPtr, K, fmt::format("{} is not a multiple of {}", brief(V), X.dump()));
    }
  }

  void stringKeyword(const std::string &Str, llvm::StringRef K, const json &X,
                     const std::string &Path, const std::string &SPtr) {
    if ((K == "minLength" || K == "maxLength") && isNonNegInt(X)) {
      uint64_t N = codePointCount(Str), B = sizeLimit(X);
      if (K == "minLength" && N < B)
        add(Path, SPtr, K,
            fmt::format("{} is shorter than {} characters", brief(json(Str)), X.dump()));
      if (K == "maxLength" && N > B)
        add(Path, SPtr, K,
            fmt::format("{} is longer than {} characters", brief(json(Str)), X.dump()));
    } else if (K == "pattern" && X.is_string()) {
      if (!matches(X.get<std::string>(), Str))
        add(Path, SPtr, K,
            fmt::format("{} does not match {}", brief(json(Str)), brief(X)));
    } else if (K == "format" && X.is_string()) {
      if (!inFormat(X.get<std::string>(), Str))
        add(Path, SPtr, K,
            fmt::format("{} is not a valid {}", brief(json(Str)), X.get<std::string>()));
    }
  }

  void arrayKeyword(const json &V, const json &S, llvm::StringRef K, const json &X,
                    const std::string &Path, const std::string &SPtr) {
    if ((K == "minItems" || K == "maxItems") && isNonNegInt(X)) {
      uint64_t B = sizeLimit(X);
      if (K == "minItems" && V.size() < B)
        add(Path, SPtr, K, fmt::format("fewer than {} items ({})", X.dump(), V.size()));
      if (K == "maxItems" && V.size() > B)
        add(Path, SPtr, K, fmt::format("more than {} items ({})", X.dump(), V.size()));
    } else if (K == "uniqueItems" && X == json(true)) {
      uniqueItems(V, Path, SPtr);
    } else if (K == "items") {
      // Each item is a new value: `$ref`s in a row start again.
      if (X.is_array()) {
        for (size_t I = 0; I < V.size() && I < X.size() && !stop(); ++I)
          check(V[I], X[I], child(Path, I), child(SPtr, I));
      } else {
        for (size_t I = 0; I < V.size() && !stop(); ++I)
          check(V[I], X, child(Path, I), SPtr);
      }
    } else if (K == "additionalItems") {
      auto Items = S.find("items");
      if (Items == S.end() || !Items->is_array() || V.size() <= Items->size()) return;
      if (X == json(false))
        return add(
            Path, SPtr, K,
            fmt::format("{} items, where the schema lists {}", V.size(), Items->size()));
      for (size_t I = Items->size(); I < V.size() && !stop(); ++I)
        check(V[I], X, child(Path, I), SPtr);
    } else if (K == "contains") {
      for (size_t I = 0; I < V.size() && !stop(); ++I)
        if (conforms(V[I], X, child(Path, I), SPtr, 0)) return;
      add(Path, SPtr, K, "no item matches the `contains` schema");
    }
  }

  /// Items compared by their canonical text, sorted: n log n, not n^2.
  void uniqueItems(const json &V, const std::string &Path, const std::string &SPtr) {
    if (V.size() < 2) return;
    std::vector<std::pair<std::string, size_t>> Keys;
    Keys.reserve(V.size());
    for (size_t I = 0; I < V.size(); ++I) {
      std::string C = canonicalText(V[I]);
      // Each item costs a step, and one more a 64 bytes of its text.
      uint64_t Cost = 1 + C.size() / 64;
      if (Steps < Cost) {
        OverBudget = true;
        return;
      }
      Steps -= Cost;
      Keys.push_back({std::move(C), I});
    }
    std::sort(Keys.begin(), Keys.end());
    for (size_t I = 1; I < Keys.size(); ++I)
      if (Keys[I].first == Keys[I - 1].first)
        return add(Path, SPtr, "uniqueItems",
                   fmt::format("items {} and {} are equal ({})", Keys[I - 1].second,
                               Keys[I].second, brief(V[Keys[I].second])));
  }

  void objectKeyword(const json &V, const json &S, llvm::StringRef K, const json &X,
                     const std::string &Path, const std::string &SPtr) {
    if ((K == "minProperties" || K == "maxProperties") && isNonNegInt(X)) {
      uint64_t B = sizeLimit(X);
      if (K == "minProperties" && V.size() < B)
        add(Path, SPtr, K,
            fmt::format("fewer than {} properties ({})", X.dump(), V.size()));
      if (K == "maxProperties" && V.size() > B)
        add(Path, SPtr, K,
            fmt::format("more than {} properties ({})", X.dump(), V.size()));
    } else if (K == "required" && X.is_array()) {
      for (const json &R : X)
        if (R.is_string() && !V.contains(R.get<std::string>()))
          add(Path, SPtr, K,
              fmt::format("missing required property `{}`", R.get<std::string>()));
    } else if (K == "properties" && X.is_object()) {
      for (auto &[P, Sub] : X.items())
        if (auto It = V.find(P); It != V.end() && !stop())
          check(*It, Sub, child(Path, P), child(SPtr, P));
    } else if (K == "patternProperties" && X.is_object()) {
      for (auto &[P, Sub] : X.items())
        for (auto &[Name, Item] : V.items())
          if (!stop() && matches(P, Name))
            check(Item, Sub, child(Path, Name), child(SPtr, P));
    } else if (K == "additionalProperties") {
      // `false`: one violation naming every property it refuses.
      std::vector<std::string> Extra;
      for (auto &[Name, Item] : V.items()) {
        if (stop()) return;
        if (isDeclared(S, Name)) continue;
        if (X == json(false))
          Extra.push_back("`" + Name + "`");
        else
          check(Item, X, child(Path, Name), SPtr);
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
        if (!stop()) check(json(Name), X, Path, SPtr);
    } else if (K == "dependencies" && X.is_object()) {
      for (auto &[P, Dep] : X.items()) {
        if (!V.contains(P) || stop()) continue;
        if (Dep.is_array()) {
          for (const json &R : Dep)
            if (R.is_string() && !V.contains(R.get<std::string>()))
              add(Path, child(SPtr, P), K,
                  fmt::format("property `{}` needs property `{}`", P,
                              R.get<std::string>()));
        } else {
          check(V, Dep, Path, child(SPtr, P));
        }
      }
    }
  }

  /// Python's re.search (the pattern cache is per thread); a pattern the
  /// engine refuses matches nothing (checkSchema reported it).
  bool matches(const std::string &Pattern, const std::string &Text) {
    auto R = Regex::compile(Pattern);
    if (!R) return llvm::consumeError(R.takeError()), false;
    if (Steps == 0) return OverBudget = true, false;
    --Steps;
    std::vector<int64_t> Caps;
    return (*R)->search(decodeUtf8(Text), 0, Caps);
  }

  bool isDeclared(const json &S, const std::string &Name) {
    if (auto P = S.find("properties");
        P != S.end() && P->is_object() && P->contains(Name))
      return true;
    if (auto P = S.find("patternProperties"); P != S.end() && P->is_object())
      for (auto &[Pat, Sub] : P->items())
        if (matches(Pat, Name)) return true;
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
  static const std::vector<llvm::StringRef> Names = [] {
    std::vector<llvm::StringRef> Out;
    for (const KeywordRule &R : Keywords) Out.push_back(R.Name);
    return Out;
  }();
  return Names;
}

std::vector<std::string> pointerTokens(llvm::StringRef Pointer) {
  std::vector<std::string> Out;
  if (!Pointer.consume_front("/")) return Out;
  llvm::SmallVector<llvm::StringRef, 8> Parts;
  Pointer.split(Parts, '/');
  for (llvm::StringRef T : Parts) {
    std::string Key;
    for (size_t I = 0; I < T.size(); ++I) {
      if (T[I] == '~' && I + 1 < T.size() && (T[I + 1] == '0' || T[I + 1] == '1')) {
        Key += T[I + 1] == '0' ? '~' : '/';
        ++I;
      } else {
        Key += T[I];
      }
    }
    Out.push_back(std::move(Key));
  }
  return Out;
}

const json *atJsonPointer(const json &Root, llvm::StringRef Pointer) {
  const json *At = &Root;
  for (const std::string &Key : pointerTokens(Pointer)) {
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

const json *resolveSchemaRef(const json &Root, llvm::StringRef Ref) {
  std::optional<std::string> P = refPointer(Ref);
  return P ? atJsonPointer(Root, *P) : nullptr;
}

uint64_t schemaStepBudget(const json &Data) {
  uint64_t Values = 0;
  std::vector<const json *> Work{&Data};
  while (!Work.empty()) {
    const json *V = Work.back();
    Work.pop_back();
    ++Values;
    if (V->is_array() || V->is_object())
      for (const json &X : *V) Work.push_back(&X);
  }
  return SchemaStepBudget + 64 * Values;
}

SchemaProblems checkSchema(const json &Schema) {
  SchemaChecker C(Schema);
  C.run();
  return std::move(C.Out);
}

std::vector<SchemaViolation> validateSchema(const json &Value, const json &Schema,
                                            size_t Limit, uint64_t *Budget) {
  uint64_t Local = Budget ? 0 : schemaStepBudget(Value);
  uint64_t &Steps = Budget ? *Budget : Local;
  Validator V(Schema, Limit ? Limit : 1, Steps);
  V.check(Value, Schema, "", "");
  if (V.OverBudget)
    V.Found.push_back({"", "", "budget",
                       "the check ran out of steps: the schema's combinators and "
                       "references repeat too much work, or the data is too large"});
  if (V.TooDeep)
    V.Found.push_back({"", "", "depth",
                       fmt::format("the check nested more than {} schemas deep: the "
                                   "schema's references lead back to themselves, or the "
                                   "data is nested too deep for its recursive schema",
                                   MaxCheckDepth)});
  return std::move(V.Found);
}

}  // namespace orch::ir
