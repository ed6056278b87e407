//===- FilterImpls.cpp - Jinja2's filters on JSON values ------------------===//
//
// Each function is Jinja2 3.1's filter of the same name run on Python
// values; where Python has a bigint, the result here is an error.
//
//===----------------------------------------------------------------------===//
#include "ir/FilterImpls.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>

#include "ir/Eval.h"
#include "ir/JsonLimits.h"
#include "ir/MakeError.h"
#include "ir/PyOps.h"
#include "ir/PyText.h"
#include "ir/Unicode.h"
#include "llvm/ADT/StringSet.h"

namespace orch::ir::filter {

using json = orch::ir::Json;

namespace {

llvm::Expected<std::string> pyStr(const json &V) {
  std::string Out;
  if (TextStatus S = appendPyStr(Out, V); S != TextStatus::Ok)
    return makeError(describe(S));
  return Out;
}

Result text(std::string S) {
  if (S.size() > MaxValueBytes) return makeError(describe(TextStatus::TooLarge));
  return std::optional<json>(json(std::move(S)));
}

/// An argument Python uses as an index or count: an int or a bool.
llvm::Expected<int64_t> intArg(const json &V, llvm::StringRef What) {
  if (std::optional<int64_t> I = asInt(V)) return *I;
  if (isHugeInt(V)) return makeError(fmt::format("{} is too large", What.str()));
  return makeError(
      fmt::format("{} must be an integer, not {}", What.str(), pyTypeName(V)));
}

llvm::Error tooLargeInt() {
  return makeError(
      "the integer is too large (Jinja would use an arbitrary-precision "
      "integer; here integers are 64-bit)");
}

/// Code points of Python's str(V).
llvm::Expected<CodePoints> pyChars(const json &V) {
  llvm::Expected<std::string> S = pyStr(V);
  if (!S) return S.takeError();
  return decodeUtf8(*S);
}

Result caseMap(const json &V, CodePoints (*Fn)(std::u32string_view)) {
  llvm::Expected<CodePoints> C = pyChars(V);
  if (!C) return C.takeError();
  return text(encodeUtf8(Fn(*C)));
}

/// Python's len(), or an error for a value without one.
llvm::Expected<size_t> pyLen(const json &V) {
  if (V.is_string()) return codePointCount(V.get_ref<const std::string &>());
  if (V.is_array() || V.is_object()) return V.size();
  return makeError(fmt::format("object of type '{}' has no len()", pyTypeName(V)));
}

/// Rounds the exact decimal digits of a finite \p D half to even at
/// \p Digits after the point (negative: before it), as Python's round().
double roundDecimal(double D, int64_t Digits) {
  // Every double's exact decimal expansion has at most 1074 fraction digits.
  static thread_local std::string Buf(1500, '\0');
  int N = std::snprintf(Buf.data(), Buf.size(), "%.1100f", std::fabs(D));
  std::string Exact(Buf.data(), static_cast<size_t>(N));
  size_t Dot = Exact.find('.');
  std::string Int = Exact.substr(0, Dot), Frac = Exact.substr(Dot + 1);
  // The kept digits as one string with an implied point at Point.
  std::string All = Int + Frac;
  int64_t Point = static_cast<int64_t>(Int.size());
  int64_t Keep = Point + Digits;  // digits kept from the left
  if (Keep < 0) return std::copysign(0.0, D);
  if (Keep >= static_cast<int64_t>(All.size())) return D;
  std::string Kept = All.substr(0, static_cast<size_t>(Keep));
  char Next = All[static_cast<size_t>(Keep)];
  bool RestNonZero =
      All.find_first_not_of('0', static_cast<size_t>(Keep) + 1) != std::string::npos;
  bool Up = Next > '5' ||
            (Next == '5' && (RestNonZero || (!Kept.empty() && (Kept.back() - '0') % 2)));
  if (Up) {
    int64_t I = static_cast<int64_t>(Kept.size()) - 1;
    while (I >= 0 && Kept[static_cast<size_t>(I)] == '9')
      Kept[static_cast<size_t>(I--)] = '0';
    if (I < 0) {
      Kept.insert(Kept.begin(), '1');
    } else {
      ++Kept[static_cast<size_t>(I)];
    }
  }
  if (Kept.empty()) Kept = "0";
  // Kept holds the digits of |D| * 10^Digits, rounded: scale back.
  std::string Text = Kept + "e" + std::to_string(-Digits);
  double R = std::strtod(Text.c_str(), nullptr);
  return std::copysign(R, D);
}

}  // namespace

Result abs(const json &V, Args) {
  if (V.is_number_float()) return std::optional<json>(json(std::fabs(V.get<double>())));
  if (std::optional<int64_t> I = asInt(V)) {
    if (*I == INT64_MIN) return tooLargeInt();
    return std::optional<json>(json(*I < 0 ? -*I : *I));
  }
  if (isHugeInt(V)) return tooLargeInt();
  return makeError(fmt::format("bad operand type for abs(): '{}'", pyTypeName(V)));
}

Result capitalize(const json &V, Args) { return caseMap(V, ir::capitalize); }
Result lower(const json &V, Args) { return caseMap(V, ir::toLower); }
Result upper(const json &V, Args) { return caseMap(V, ir::toUpper); }

Result defaultValue(const json &V, Args A) {
  // Only reached outside templates (the transform action): null is missing.
  if (V.is_null()) return std::optional<json>(A.empty() ? json("") : A[0]);
  return std::optional<json>(V);
}

Result first(const json &V, Args) {
  if (V.is_string()) {
    CodePoints C = decodeUtf8(V.get_ref<const std::string &>());
    if (C.empty()) return std::optional<json>();
    return text(encodeUtf8(C.substr(0, 1)));
  }
  if (V.is_array()) {
    if (V.empty()) return std::optional<json>();
    return std::optional<json>(V.front());
  }
  if (V.is_object()) {
    if (V.empty()) return std::optional<json>();
    return std::optional<json>(json(V.begin().key()));
  }
  return makeError(fmt::format("'{}' object is not iterable", pyTypeName(V)));
}

Result list(const json &V, Args) {
  if (V.is_array()) return std::optional<json>(V);
  json Out = json::array();
  if (V.is_string()) {
    for (char32_t C : decodeUtf8(V.get_ref<const std::string &>())) {
      std::string One;
      appendUtf8(One, C);
      Out.push_back(std::move(One));
    }
  } else if (V.is_object()) {
    // A dict iterates over its keys, in insertion order.
    for (auto It = V.begin(); It != V.end(); ++It) Out.push_back(It.key());
  } else {
    return makeError(fmt::format("'{}' object is not iterable", pyTypeName(V)));
  }
  return std::optional<json>(std::move(Out));
}

namespace {

/// The items Python iterates over: a list's items, a string's characters,
/// a mapping's keys.
llvm::Expected<std::vector<json>> items(const json &V) {
  llvm::Expected<std::optional<json>> R = list(V, {});
  if (!R) return R.takeError();
  return (**R).get<std::vector<json>>();
}

/// Jinja2's ignore_case: strings compare lower-cased unless case_sensitive.
json sortKey(const json &X, bool CaseSensitive) {
  if (CaseSensitive || !X.is_string()) return X;
  return json(encodeUtf8(toLower(decodeUtf8(X.get_ref<const std::string &>()))));
}

/// `min` and `max`: the first item with the least (greatest) key; undefined
/// when there are none.
Result extreme(const json &V, Args A, bool Max) {
  if (A.size() > 1 && !A[1].is_null())
    return makeError("the `attribute` argument is not supported");
  bool CaseSensitive = !A.empty() && truthy(A[0]);
  llvm::Expected<std::vector<json>> Xs = items(V);
  if (!Xs) return Xs.takeError();
  if (Xs->empty()) return std::optional<json>();
  size_t Best = 0;
  json BestKey = sortKey((*Xs)[0], CaseSensitive);
  for (size_t I = 1; I < Xs->size(); ++I) {
    json K = sortKey((*Xs)[I], CaseSensitive);
    llvm::Expected<bool> Better = pyOrder(Max ? BinaryOp::Gt : BinaryOp::Lt, K, BestKey);
    if (!Better) return Better.takeError();
    if (*Better) {
      Best = I;
      BestKey = std::move(K);
    }
  }
  return std::optional<json>((*Xs)[Best]);
}

/// A key equal for values Python's set treats as one (1, 1.0 and true).
llvm::Expected<std::string> hashKey(const json &X, size_t Index) {
  if (X.is_null()) return std::string("n");
  if (X.is_string()) return "s" + X.get<std::string>();
  if (std::optional<int64_t> I = asInt(X)) return "i" + std::to_string(*I);
  if (X.is_number_float()) {
    double D = X.get<double>();
    if (std::isnan(D)) return "nan" + std::to_string(Index);  // never equal
    if (D == std::floor(D) && std::fabs(D) < 9.2e18)
      return "i" + std::to_string(static_cast<int64_t>(D));
    std::string Out = "f";
    appendPyStr(Out, X);
    return Out;
  }
  if (X.is_number()) return "u" + X.dump();
  return makeError(fmt::format("unhashable type: '{}'", pyTypeName(X)));
}

}  // namespace

/// Python's os.path.split on `/`: the head without trailing slashes (unless
/// it is all slashes) and the tail.
std::pair<std::string, std::string> splitPath(const std::string &P) {
  size_t Cut = P.rfind('/');
  size_t I = Cut == std::string::npos ? 0 : Cut + 1;
  std::string Head = P.substr(0, I), Tail = P.substr(I);
  if (Head.find_first_not_of('/') != std::string::npos)
    while (!Head.empty() && Head.back() == '/') Head.pop_back();
  return {Head, Tail};
}

Result basename(const json &V, Args) {
  if (!V.is_string())
    return makeError(fmt::format("expected str, not {}", pyTypeName(V)));
  return text(splitPath(V.get<std::string>()).second);
}

Result dirname(const json &V, Args) {
  if (!V.is_string())
    return makeError(fmt::format("expected str, not {}", pyTypeName(V)));
  return text(splitPath(V.get<std::string>()).first);
}

/// str(value).center(width): CPython puts the odd space on the left when
/// the width is odd.
Result center(const json &V, Args A) {
  llvm::Expected<CodePoints> C = pyChars(V);
  if (!C) return C.takeError();
  int64_t Width = 80;
  if (!A.empty()) {
    llvm::Expected<int64_t> W = intArg(A[0], "the width of `center`");
    if (!W) return W.takeError();
    Width = *W;
  }
  int64_t Len = static_cast<int64_t>(C->size());
  if (Width <= Len) return text(encodeUtf8(*C));
  if (static_cast<uint64_t>(Width) > MaxValueBytes)
    return makeError(describe(TextStatus::TooLarge));
  int64_t Marg = Width - Len;
  int64_t Left = Marg / 2 + (Marg & Width & 1);
  std::string Out(static_cast<size_t>(Left), ' ');
  Out += encodeUtf8(*C);
  Out.append(static_cast<size_t>(Marg - Left), ' ');
  return text(std::move(Out));
}

Result slugify(const json &V, Args) {
  llvm::Expected<CodePoints> C = pyChars(V);
  if (!C) return C.takeError();
  std::string Out;
  bool Dash = false;
  for (char32_t X : toLower(*C)) {
    if ((X >= 'a' && X <= 'z') || (X >= '0' && X <= '9')) {
      if (Dash && !Out.empty()) Out += '-';
      Dash = false;
      Out += static_cast<char>(X);
    } else {
      Dash = true;
    }
  }
  return text(std::move(Out));
}

Result max(const json &V, Args A) { return extreme(V, A, true); }
Result min(const json &V, Args A) { return extreme(V, A, false); }

Result unique(const json &V, Args A) {
  if (A.size() > 1 && !A[1].is_null())
    return makeError("the `attribute` argument is not supported");
  bool CaseSensitive = !A.empty() && truthy(A[0]);
  llvm::Expected<std::vector<json>> Xs = items(V);
  if (!Xs) return Xs.takeError();
  llvm::StringSet<> Seen;
  json Out = json::array();
  for (size_t I = 0; I < Xs->size(); ++I) {
    llvm::Expected<std::string> K = hashKey(sortKey((*Xs)[I], CaseSensitive), I);
    if (!K) return K.takeError();
    if (Seen.insert(*K).second) Out.push_back((*Xs)[I]);
  }
  return std::optional<json>(std::move(Out));
}

/// Python's sum(iterable, start), left to right.
Result sum(const json &V, Args A) {
  if (!A.empty() && !A[0].is_null())
    return makeError("the `attribute` argument is not supported");
  json Total = A.size() > 1 ? A[1] : json(0);
  if (Total.is_string())
    return makeError("sum() can't sum strings [use ''.join(seq) instead]");
  llvm::Expected<std::vector<json>> Xs = items(V);
  if (!Xs) return Xs.takeError();
  for (const json &X : *Xs) {
    llvm::Expected<json> R = pyArithmetic(BinaryOp::Add, Total, X);
    if (!R) return R.takeError();
    Total = std::move(*R);
  }
  return std::optional<json>(std::move(Total));
}

Result fromJson(const json &V, Args) {
  if (!V.is_string())
    return makeError(fmt::format("the JSON object must be str, not {}", pyTypeName(V)));
  std::string Problem;
  json J = parseJsonBounded(V.get_ref<const std::string &>(), &Problem);
  if (!Problem.empty()) return makeError(Problem);
  if (J.is_discarded()) return makeError("the text is not valid JSON");
  return std::optional<json>(std::move(J));
}

Result last(const json &V, Args) {
  if (V.is_string()) {
    CodePoints C = decodeUtf8(V.get_ref<const std::string &>());
    if (C.empty()) return std::optional<json>();
    return text(encodeUtf8(C.substr(C.size() - 1)));
  }
  if (V.is_array()) {
    if (V.empty()) return std::optional<json>();
    return std::optional<json>(V.back());
  }
  if (V.is_object()) {
    if (V.empty()) return std::optional<json>();
    auto It = V.end();
    --It;
    return std::optional<json>(json(It.key()));
  }
  return makeError(fmt::format("'{}' object is not reversible", pyTypeName(V)));
}

Result toFloat(const json &V, Args A) {
  json Fallback = A.empty() ? json(0.0) : A[0];
  if (V.is_number_float()) return std::optional<json>(V);
  if (std::optional<int64_t> I = asInt(V))
    return std::optional<json>(json(static_cast<double>(*I)));
  if (isHugeInt(V))
    return std::optional<json>(json(static_cast<double>(V.get<uint64_t>())));
  if (V.is_string())
    if (std::optional<double> D = parsePyFloat(V.get_ref<const std::string &>()))
      return std::optional<json>(json(*D));
  return std::optional<json>(Fallback);
}

Result toInt(const json &V, Args A) {
  json Fallback = A.empty() ? json(0) : A[0];
  if (std::optional<int64_t> I = asInt(V)) return std::optional<json>(json(*I));
  if (isHugeInt(V)) return tooLargeInt();
  std::optional<double> D;
  if (V.is_number_float()) {
    D = V.get<double>();
  } else if (V.is_string()) {
    int64_t I = 0;
    switch (parsePyInt(V.get_ref<const std::string &>(), I)) {
      case IntParse::Ok:
        return std::optional<json>(json(I));
      case IntParse::TooLarge:
        return tooLargeInt();
      case IntParse::Invalid:
        break;
    }
    // Jinja2: "42.23" | int is 42, through float().
    D = parsePyFloat(V.get_ref<const std::string &>());
  }
  if (!D || std::isnan(*D)) return std::optional<json>(Fallback);
  if (std::isinf(*D)) return makeError("cannot convert float infinity to integer");
  double T = std::trunc(*D);
  if (T < -9223372036854775808.0 || T >= 9223372036854775808.0) return tooLargeInt();
  return std::optional<json>(json(static_cast<int64_t>(T)));
}

Result join(const json &V, Args A) {
  llvm::Expected<std::string> Sep = pyStr(A.empty() ? json("") : A[0]);
  if (!Sep) return Sep.takeError();
  std::string Out;
  auto Add = [&](const json &Item, bool First) -> llvm::Error {
    if (!First) Out += *Sep;
    if (TextStatus S = appendPyStr(Out, Item); S != TextStatus::Ok)
      return makeError(describe(S));
    if (Out.size() > MaxValueBytes) return makeError(describe(TextStatus::TooLarge));
    return llvm::Error::success();
  };
  if (V.is_string()) {
    bool First = true;
    for (char32_t C : decodeUtf8(V.get_ref<const std::string &>())) {
      std::string One;
      appendUtf8(One, C);
      if (llvm::Error E = Add(json(One), First)) return Result(std::move(E));
      First = false;
    }
  } else if (V.is_array()) {
    for (size_t I = 0; I < V.size(); ++I)
      if (llvm::Error E = Add(V[I], I == 0)) return Result(std::move(E));
  } else if (V.is_object()) {
    bool First = true;
    for (auto It = V.begin(); It != V.end(); ++It, First = false)
      if (llvm::Error E = Add(json(It.key()), First)) return Result(std::move(E));
  } else {
    return makeError(fmt::format("can only join an iterable, not '{}'", pyTypeName(V)));
  }
  return text(std::move(Out));
}

Result length(const json &V, Args) {
  llvm::Expected<size_t> N = pyLen(V);
  if (!N) return N.takeError();
  return std::optional<json>(json(static_cast<int64_t>(*N)));
}

Result replace(const json &V, Args A) {
  llvm::Expected<CodePoints> S = pyChars(V), Old = pyChars(A[0]), New = pyChars(A[1]);
  if (!S) return S.takeError();
  if (!Old) return Old.takeError();
  if (!New) return New.takeError();
  int64_t Count = -1;
  if (A.size() > 2 && !A[2].is_null()) {
    llvm::Expected<int64_t> C = intArg(A[2], "the count of `replace`");
    if (!C) return C.takeError();
    Count = *C;
  }
  CodePoints Out;
  auto Room = [&] { return Out.size() <= MaxValueBytes; };
  if (Old->empty()) {
    // Python inserts the replacement before every character and at the end.
    for (size_t I = 0; I <= S->size() && Room(); ++I) {
      if (Count != 0) {
        Out += *New;
        if (Count > 0) --Count;
      }
      if (I < S->size()) Out += (*S)[I];
    }
  } else {
    size_t P = 0;
    while (Room()) {
      size_t Q = Count == 0 ? CodePoints::npos : S->find(*Old, P);
      if (Q == CodePoints::npos) {
        Out += S->substr(P);
        break;
      }
      Out += S->substr(P, Q - P);
      Out += *New;
      P = Q + Old->size();
      if (Count > 0) --Count;
    }
  }
  if (!Room()) return makeError(describe(TextStatus::TooLarge));
  return text(encodeUtf8(Out));
}

/// Jinja2's `round(precision, 'floor'|'ceil')`: math.floor or math.ceil of
/// value * 10**precision, divided by 10**precision: always a float.
Result roundDirected(const json &V, Args A, bool Ceil) {
  llvm::Expected<int64_t> P = intArg(A[0], "the precision of `round`");
  if (!P) return P.takeError();
  if (!V.is_number() && !V.is_boolean())
    return makeError(fmt::format("must be real number, not {}", pyTypeName(V)));
  if (*P > 15 || *P < -15)
    return makeError(
        "a precision beyond 15 digits with `floor` or `ceil` is not supported");
  // Python: 10**p is an exact int for p >= 0 (exact in a double up to
  // 10**15) and libm's pow for p < 0.
  double Scale = std::pow(10.0, static_cast<double>(*P));
  if (isHugeInt(V)) return tooLargeInt();
  double X = V.is_number_float() ? V.get<double>() : static_cast<double>(*asInt(V));
  if (!V.is_number_float() && *P >= 0) return std::optional<json>(json(X));
  if (std::isnan(X)) return makeError("cannot convert float NaN to integer");
  if (std::isinf(X * Scale)) return makeError("cannot convert float infinity to integer");
  // math.floor and math.ceil give an int: no negative zero.
  double R = (Ceil ? std::ceil(X * Scale) : std::floor(X * Scale)) + 0.0;
  return std::optional<json>(json(R / Scale));
}

Result round(const json &V, Args A) {
  if (A.size() > 1) {
    if (!A[1].is_string() || (A[1] != "common" && A[1] != "floor" && A[1] != "ceil"))
      return makeError("method must be common, ceil or floor");
    if (A[1] != "common") return roundDirected(V, A, A[1] == "ceil");
    return round(V, A.take_front(1));
  }
  // `round(none)` is Python's round(x): half to even, an int.
  if (!A.empty() && A[0].is_null()) {
    if (!V.is_number_float()) return round(V, {});
    double D = V.get<double>();
    if (std::isnan(D)) return makeError("cannot convert float NaN to integer");
    if (std::isinf(D)) return makeError("cannot convert float infinity to integer");
    double R = roundDecimal(D, 0);
    if (R >= 9223372036854775808.0 || R < -9223372036854775808.0) return tooLargeInt();
    return std::optional<json>(json(static_cast<int64_t>(R)));
  }
  int64_t Digits = 0;
  if (!A.empty()) {
    llvm::Expected<int64_t> D = intArg(A[0], "the precision of `round`");
    if (!D) return D.takeError();
    Digits = *D;
  }
  if (V.is_number_float()) {
    double D = V.get<double>();
    // Python's NDIGITS_MAX and NDIGITS_MIN.
    if (!std::isfinite(D) || Digits > 323) return std::optional<json>(V);
    if (Digits < -308) return std::optional<json>(json(std::copysign(0.0, D)));
    double R = roundDecimal(D, Digits);
    if (std::isinf(R)) return makeError("rounded value too large to represent");
    return std::optional<json>(json(R));
  }
  if (isHugeInt(V)) return tooLargeInt();
  std::optional<int64_t> I = asInt(V);
  if (!I)
    return makeError(
        fmt::format("type {} doesn't define __round__ method", pyTypeName(V)));
  if (Digits >= 0) return std::optional<json>(json(*I));
  if (Digits < -19) return std::optional<json>(json(0));
  // Half to even at 10^-Digits, in 128 bits.
  __int128 Pow = 1;
  for (int64_t K = 0; K < -Digits; ++K) Pow *= 10;
  __int128 X = *I, Q = X / Pow, R = X % Pow;
  if (R < 0) R += Pow, --Q;  // floor division
  __int128 Twice = 2 * R;
  if (Twice > Pow || (Twice == Pow && (Q % 2 != 0))) ++Q;
  __int128 Out = Q * Pow;
  if (Out > INT64_MAX || Out < INT64_MIN) return tooLargeInt();
  return std::optional<json>(json(static_cast<int64_t>(Out)));
}

Result raw(const json &V, Args) { return std::optional<json>(V); }

Result shellQuote(const json &V, Args) {
  llvm::Expected<std::string> S = pyStr(V);
  if (!S) return S.takeError();
  std::string Out = "'";
  for (char C : *S) Out += C == '\'' ? std::string("'\\''") : std::string(1, C);
  return text(Out + "'");
}

namespace {
/// Whether \p V holds a float Python has no literal for (nan, inf).
bool hasNonFinite(const json &V) {
  if (V.is_number_float()) return !std::isfinite(V.get<double>());
  if (V.is_array() || V.is_object())
    for (const json &X : V)
      if (hasNonFinite(X)) return true;
  return false;
}
}  // namespace

Result pyLiteral(const json &V, Args) {
  if (V.is_string())
    return makeError(
        "a `{{ }}` in Python code outside a string literal must be a number, a "
        "boolean, none, a list or a mapping, not text (ContextLab would run the text "
        "as code): put the placeholder inside quotes");
  if (hasNonFinite(V))
    return makeError("a float that is nan or infinite has no Python literal");
  std::string Out;
  if (TextStatus St = appendPyRepr(Out, V); St != TextStatus::Ok)
    return makeError(describe(St));
  return text(std::move(Out));
}

Result pyQuote(const json &V, Args A) {
  llvm::Expected<std::string> S = pyStr(V);
  if (!S) return S.takeError();
  char Quote =
      !A.empty() && A[0].is_string() && A[0].get_ref<const std::string &>() == "\""
          ? '"'
          : '\'';
  std::string Out;
  for (char C : *S) {
    unsigned char U = static_cast<unsigned char>(C);
    if (C == '\\' || C == Quote) {
      Out += '\\';
      Out += C;
    } else if (C == '\n') {
      Out += "\\n";
    } else if (C == '\r') {
      Out += "\\r";
    } else if (U < 0x20 || U == 0x7F) {
      Out += fmt::format("\\x{:02x}", U);
    } else {
      Out += C;
    }
  }
  return text(std::move(Out));
}

Result string(const json &V, Args) {
  llvm::Expected<std::string> S = pyStr(V);
  if (!S) return S.takeError();
  return text(std::move(*S));
}

Result title(const json &V, Args) {
  // Jinja2: words split before and after runs of `-`, white space, `(`,
  // `{`, `[` and `<`; each piece's first character upper, the rest lower.
  llvm::Expected<CodePoints> S = pyChars(V);
  if (!S) return S.takeError();
  auto IsSep = [](char32_t C) {
    return C == '-' || C == '(' || C == '{' || C == '[' || C == '<' || isSpace(C);
  };
  CodePoints Out;
  for (size_t I = 0; I < S->size();) {
    size_t J = I;
    bool Sep = IsSep((*S)[I]);
    while (J < S->size() && IsSep((*S)[J]) == Sep) ++J;
    std::u32string_view Piece(S->data() + I, J - I);
    Out += toUpper(Piece.substr(0, 1));
    Out += toLower(Piece.substr(1));
    I = J;
  }
  return text(encodeUtf8(Out));
}

Result tojson(const json &V, Args A) {
  std::optional<std::string> Indent;
  // Python builds the indent for anything but a string (json.dumps has a
  // shortcut for strings).
  if (!A.empty() && !A[0].is_null() && !V.is_string()) {
    if (A[0].is_string()) {
      Indent = A[0].get<std::string>();
    } else if (std::optional<int64_t> N = asInt(A[0])) {
      if (*N > static_cast<int64_t>(MaxValueBytes))
        return makeError(describe(TextStatus::TooLarge));
      Indent = std::string(static_cast<size_t>(std::max<int64_t>(0, *N)), ' ');
    } else {
      return makeError(
          fmt::format("the indent of `tojson` must be an integer or a string, "
                      "not {}",
                      pyTypeName(A[0])));
    }
  }
  std::string Out;
  if (TextStatus S = appendPyJson(Out, V, Indent ? &*Indent : nullptr);
      S != TextStatus::Ok)
    return makeError(describe(S));
  return text(std::move(Out));
}

Result trim(const json &V, Args A) {
  llvm::Expected<CodePoints> S = pyChars(V);
  if (!S) return S.takeError();
  std::optional<CodePoints> Chars;
  if (!A.empty() && !A[0].is_null()) {
    if (!A[0].is_string())
      return makeError(
          fmt::format("strip arg must be None or str, not {}", pyTypeName(A[0])));
    Chars = decodeUtf8(A[0].get_ref<const std::string &>());
  }
  auto Strip = [&](char32_t C) {
    return Chars ? Chars->find(C) != CodePoints::npos : isSpace(C);
  };
  size_t B = 0, E = S->size();
  while (B < E && Strip((*S)[B])) ++B;
  while (E > B && Strip((*S)[E - 1])) --E;
  return text(encodeUtf8(std::u32string_view(*S).substr(B, E - B)));
}

Result truncate(const json &V, Args A) {
  // do_truncate(s, length=255, killwords=False, end='...', leeway=5)
  json Length = A.size() > 0 ? A[0] : json(255);
  bool KillWords = A.size() > 1 && truthy(A[1]);
  json End = A.size() > 2 ? A[2] : json("...");
  json Leeway = A.size() > 3 && !A[3].is_null() ? A[3] : json(5);
  auto Num = [](const json &X) -> std::optional<double> {
    if (X.is_boolean()) return X.get<bool>() ? 1.0 : 0.0;
    if (X.is_number()) return X.get<double>();
    return std::nullopt;
  };
  std::optional<double> Len = Num(Length), Lee = Num(Leeway);
  if (!Len)
    return makeError(fmt::format("the length of `truncate` must be a number, not {}",
                                 pyTypeName(Length)));
  if (!Lee)
    return makeError(fmt::format("the leeway of `truncate` must be a number, not {}",
                                 pyTypeName(Leeway)));
  llvm::Expected<size_t> EndLen = pyLen(End);
  if (!EndLen) return EndLen.takeError();
  if (*Len < static_cast<double>(*EndLen))
    return makeError(
        fmt::format("expected length >= {}, got {}", *EndLen, Length.dump()));
  if (*Lee < 0)
    return makeError(fmt::format("expected leeway >= 0, got {}", Leeway.dump()));
  llvm::Expected<size_t> N = pyLen(V);
  if (!N) return N.takeError();
  if (static_cast<double>(*N) <= *Len + *Lee) return std::optional<json>(V);
  if (!V.is_string())
    return makeError(fmt::format("cannot truncate a {}: only strings", pyTypeName(V)));
  std::optional<int64_t> LenInt = asInt(Length);
  if (!LenInt)
    return makeError(
        fmt::format("slice indices must be integers, not {}", pyTypeName(Length)));
  if (!End.is_string())
    return makeError(
        fmt::format("can only concatenate str (not \"{}\") to str", pyTypeName(End)));
  CodePoints S = decodeUtf8(V.get_ref<const std::string &>());
  int64_t Keep = *LenInt - static_cast<int64_t>(*EndLen);
  CodePoints Cut = S.substr(0, static_cast<size_t>(std::max<int64_t>(0, Keep)));
  if (!KillWords) {
    size_t Space = Cut.rfind(U' ');
    if (Space != CodePoints::npos) Cut.resize(Space);
  }
  return text(encodeUtf8(Cut) + End.get<std::string>());
}

Result wordcount(const json &V, Args) {
  llvm::Expected<CodePoints> S = pyChars(V);
  if (!S) return S.takeError();
  int64_t Words = 0;
  bool In = false;
  for (char32_t C : *S) {
    bool W = isWordChar(C);
    if (W && !In) ++Words;
    In = W;
  }
  return std::optional<json>(json(Words));
}

}  // namespace orch::ir::filter
