//===- Methods.cpp - Python's str, list and dict methods ------------------===//
#include "ir/Methods.h"

#include <fmt/format.h>

#include <string>

#include "ir/FilterImpls.h"
#include "ir/MakeError.h"
#include "ir/PyFormat.h"
#include "ir/PyOps.h"
#include "ir/PyText.h"
#include "ir/Unicode.h"

namespace orch::ir {

namespace {
using json = Json;
using Args = llvm::ArrayRef<json>;
using Result = llvm::Expected<json>;

const std::string &str(const json &V) { return V.get_ref<const std::string &>(); }

/// A str argument, or Python's TypeError naming the method.
llvm::Expected<CodePoints> strArg(const json &V, llvm::StringRef Method,
                                  bool NoneOk = false) {
  if (V.is_string()) return decodeUtf8(str(V));
  if (NoneOk && V.is_null()) return CodePoints();
  return makeError(fmt::format("{}() argument must be str{}, not {}", Method.str(),
                               NoneOk ? " or None" : "", pyTypeName(V)));
}

Result text(std::u32string_view S) {
  std::string Out = encodeUtf8(S);
  if (Out.size() > MaxValueBytes) return makeError(describe(TextStatus::TooLarge));
  return json(std::move(Out));
}

Result caseOf(const json &Self, CodePoints (*Fn)(std::u32string_view)) {
  return text(Fn(decodeUtf8(str(Self))));
}
Result lower(const json &S, Args) { return caseOf(S, toLower); }
Result upper(const json &S, Args) { return caseOf(S, toUpper); }
Result title(const json &S, Args) { return caseOf(S, pyTitle); }
Result capitalizeStr(const json &S, Args) { return caseOf(S, capitalize); }

/// str.strip/lstrip/rstrip: white space, or the characters of the argument.
Result stripSides(const json &Self, Args A, bool Left, bool Right, llvm::StringRef Name) {
  CodePoints S = decodeUtf8(str(Self));
  std::optional<CodePoints> Chars;
  if (!A.empty() && !A[0].is_null()) {
    llvm::Expected<CodePoints> C = strArg(A[0], Name, /*NoneOk=*/true);
    if (!C) return C.takeError();
    Chars = std::move(*C);
  }
  auto Strip = [&](char32_t C) {
    return Chars ? Chars->find(C) != CodePoints::npos : isSpace(C);
  };
  size_t B = 0, E = S.size();
  while (Left && B < E && Strip(S[B])) ++B;
  while (Right && E > B && Strip(S[E - 1])) --E;
  return text(std::u32string_view(S).substr(B, E - B));
}
Result strip(const json &S, Args A) { return stripSides(S, A, true, true, "strip"); }
Result lstrip(const json &S, Args A) { return stripSides(S, A, true, false, "lstrip"); }
Result rstrip(const json &S, Args A) { return stripSides(S, A, false, true, "rstrip"); }

/// str.split(sep=None, maxsplit=-1).
Result split(const json &Self, Args A) {
  CodePoints S = decodeUtf8(str(Self));
  int64_t Max = -1;
  if (A.size() > 1) {
    std::optional<int64_t> M = asInt(A[1]);
    if (!M)
      return makeError(fmt::format("'{}' object cannot be interpreted as an integer",
                                   pyTypeName(A[1])));
    Max = *M;
  }
  json Out = json::array();
  size_t Bytes = 0;
  auto Push = [&](std::u32string_view Piece) {
    std::string P = encodeUtf8(Piece);
    Bytes += P.size() + 16;
    Out.push_back(std::move(P));
  };
  bool Whitespace = A.empty() || A[0].is_null();
  if (Whitespace) {
    // Runs of white space separate; none at either end gives an empty item.
    size_t I = 0, N = S.size();
    while (I < N) {
      while (I < N && isSpace(S[I])) ++I;
      if (I == N) break;
      if (Max >= 0 && static_cast<int64_t>(Out.size()) == Max) {
        Push(std::u32string_view(S).substr(I));  // the rest, as it is
        break;
      }
      size_t J = I;
      while (J < N && !isSpace(S[J])) ++J;
      Push(std::u32string_view(S).substr(I, J - I));
      I = J;
      if (Bytes > MaxValueBytes) return makeError(describe(TextStatus::TooLarge));
    }
    return Out;
  }
  llvm::Expected<CodePoints> Sep = strArg(A[0], "split", /*NoneOk=*/true);
  if (!Sep) return Sep.takeError();
  if (Sep->empty()) return makeError("empty separator");
  size_t P = 0;
  while (true) {
    size_t Q = Max >= 0 && static_cast<int64_t>(Out.size()) == Max ? CodePoints::npos
                                                                   : S.find(*Sep, P);
    if (Q == CodePoints::npos) {
      Push(std::u32string_view(S).substr(P));
      break;
    }
    Push(std::u32string_view(S).substr(P, Q - P));
    P = Q + Sep->size();
    if (Bytes > MaxValueBytes) return makeError(describe(TextStatus::TooLarge));
  }
  return Out;
}

/// str.replace(old, new, count=-1): the `replace` filter on str arguments.
Result replace(const json &Self, Args A) {
  for (size_t I = 0; I < 2; ++I)
    if (!A[I].is_string())
      return makeError(fmt::format("replace() argument {} must be str, not {}", I + 1,
                                   pyTypeName(A[I])));
  json Count = A.size() > 2 ? A[2] : json(-1);
  if (!asInt(Count))
    return makeError(fmt::format("'{}' object cannot be interpreted as an integer",
                                 pyTypeName(Count)));
  json Three[] = {A[0], A[1], Count};
  llvm::Expected<std::optional<json>> R = filter::replace(Self, Three);
  if (!R) return R.takeError();
  return std::move(**R);
}

/// str.startswith / str.endswith with one str argument.
Result affix(const json &Self, Args A, bool Start) {
  llvm::StringRef Name = Start ? "startswith" : "endswith";
  if (!A[0].is_string())
    return makeError(fmt::format("{} first arg must be str or a tuple of str, not {}",
                                 Name.str(), pyTypeName(A[0])));
  llvm::StringRef S = str(Self), X = str(A[0]);
  return json(Start ? S.starts_with(X) : S.ends_with(X));
}
Result startswith(const json &S, Args A) { return affix(S, A, true); }
Result endswith(const json &S, Args A) { return affix(S, A, false); }

/// str.join(iterable): the items must be str.
Result join(const json &Self, Args A) {
  const json &It = A[0];
  std::vector<std::string> Items;
  if (It.is_string()) {
    for (char32_t C : decodeUtf8(str(It))) Items.push_back(encodeUtf8({&C, 1}));
  } else if (It.is_object()) {
    for (auto I = It.begin(); I != It.end(); ++I) Items.push_back(I.key());
  } else if (It.is_array()) {
    for (size_t I = 0; I < It.size(); ++I) {
      if (!It[I].is_string())
        return makeError(fmt::format("sequence item {}: expected str instance, {} found",
                                     I, pyTypeName(It[I])));
      Items.push_back(str(It[I]));
    }
  } else {
    return makeError(
        fmt::format("can only join an iterable, not a Python {}", pyTypeName(It)));
  }
  std::string Out;
  for (size_t I = 0; I < Items.size(); ++I) {
    if (I) Out += str(Self);
    Out += Items[I];
    if (Out.size() > MaxValueBytes) return makeError(describe(TextStatus::TooLarge));
  }
  return json(std::move(Out));
}

Result keys(const json &Self, Args) {
  json Out = json::array();
  for (auto I = Self.begin(); I != Self.end(); ++I) Out.push_back(I.key());
  return Out;
}
Result values(const json &Self, Args) {
  json Out = json::array();
  for (auto I = Self.begin(); I != Self.end(); ++I) Out.push_back(*I);
  return Out;
}
Result items(const json &Self, Args) {
  json Out = json::array();
  for (auto I = Self.begin(); I != Self.end(); ++I)
    Out.push_back(json::array({I.key(), *I}));
  return Out;
}

/// dict.get(key, default=None): a key that is not a str is never present
/// (mappings here have str keys), as in Python.
Result get(const json &Self, Args A) {
  json Default = A.size() > 1 ? A[1] : json(nullptr);
  if (A[0].is_array() || A[0].is_object())
    return makeError(fmt::format("unhashable type: '{}'", pyTypeName(A[0])));
  if (!A[0].is_string()) return Default;
  auto It = Self.find(str(A[0]));
  return It == Self.end() ? Default : *It;
}

/// list.index(x) / list.count(x) with Python's ==.
Result listFind(const json &Self, const json &X, bool Count) {
  int64_t N = 0;
  for (size_t I = 0; I < Self.size(); ++I) {
    llvm::Expected<bool> Eq = pyEquals(Self[I], X);
    if (!Eq) return Eq.takeError();
    if (!*Eq) continue;
    if (!Count) return json(static_cast<int64_t>(I));
    ++N;
  }
  if (Count) return json(N);
  std::string R;
  if (TextStatus S = appendPyRepr(R, X); S != TextStatus::Ok)
    return makeError(describe(S));
  return makeError(fmt::format("{} is not in list", R));
}
Result index(const json &S, Args A) { return listFind(S, A[0], false); }

/// Jinja2's `loop.cycle(a, b, ...)`: the argument at the iteration's index
/// modulo their number.
Result cycle(const json &Loop, Args A) {
  int64_t I = Loop.value("index0", int64_t(0));
  return A[static_cast<size_t>(I % static_cast<int64_t>(A.size()))];
}
Result count(const json &S, Args A) { return listFind(S, A[0], true); }

/// Jinja2's `loop.changed(*values)`: whether \p Last, the arguments of the
/// loop's last call (null before the first), differ from these (Python's
/// tuple `!=`). The evaluator keeps \p Last.
Result changed(const json &Last, Args A) {
  if (Last.is_null()) return json(true);
  llvm::Expected<bool> Eq = pyEquals(Last, json(A.vec()));
  if (!Eq) return Eq.takeError();
  return json(!*Eq);
}

/// str.format(*args, **kwargs): the keyword arguments come last, as one
/// object (the row's Keywords).
Result format(const json &Self, Args A) {
  llvm::Expected<std::string> Out = pyStrFormat(str(Self), A.drop_back(), A.back());
  if (!Out) return Out.takeError();
  return json(std::move(*Out));
}

using R = MethodReceiver;
using K = MethodResult;
constexpr MethodInfo MethodTable[] = {
    {"capitalize", R::Str, 0, 0, Type::String, K::Value,
     "first character title case, the rest lower case", capitalizeStr},
    {"changed", R::Loop, 0, 255, Type::Bool, K::Value,
     "whether the arguments differ from those of the loop's last call (true at "
     "the first)",
     changed},
    {"count", R::List, 1, 1, Type::Int, K::Value, "how many items equal the argument",
     count},
    {"cycle", R::Loop, 1, 255, Type::Any, K::Value,
     "the argument at the loop's index modulo their number", cycle},
    {"endswith", R::Str, 1, 1, Type::Bool, K::Value, "whether it ends with the argument",
     endswith},
    {"format", R::Str, 0, 255, Type::String, K::Value,
     "Python's str.format: `{}`, `{0}`, `{name}` fields with format specs", format,
     /*Keywords=*/true},
    {"get", R::Dict, 1, 2, Type::Any, K::Value,
     "the value of a key, or the default (none)", get},
    {"index", R::List, 1, 1, Type::Int, K::Value,
     "the position of the first item equal to the argument", index},
    {"items", R::Dict, 0, 0, Type::List, K::PairView, "the (key, value) pairs", items},
    {"join", R::Str, 1, 1, Type::String, K::Value,
     "the argument's strings with this one between them", join},
    {"keys", R::Dict, 0, 0, Type::List, K::View, "the keys", keys},
    {"lower", R::Str, 0, 0, Type::String, K::Value, "lower case", lower},
    {"lstrip", R::Str, 0, 1, Type::String, K::Value,
     "without leading white space (or the argument's characters)", lstrip},
    {"replace", R::Str, 2, 3, Type::String, K::Value,
     "each (or the first count) `old` replaced by `new`", replace},
    {"rstrip", R::Str, 0, 1, Type::String, K::Value,
     "without trailing white space (or the argument's characters)", rstrip},
    {"split", R::Str, 0, 2, Type::List, K::Value,
     "the parts between separators (sep=None: runs of white space; maxsplit)", split},
    {"startswith", R::Str, 1, 1, Type::Bool, K::Value,
     "whether it starts with the argument", startswith},
    {"strip", R::Str, 0, 1, Type::String, K::Value,
     "without white space (or the argument's characters) at either end", strip},
    {"title", R::Str, 0, 0, Type::String, K::Value,
     "Python's str.title: title case after an uncased character", title},
    {"upper", R::Str, 0, 0, Type::String, K::Value, "upper case", upper},
    {"values", R::Dict, 0, 0, Type::List, K::View, "the values", values},
};

}  // namespace

llvm::ArrayRef<MethodInfo> methods() { return MethodTable; }

const MethodInfo *findMethod(llvm::StringRef Name, MethodReceiver Rc) {
  for (const MethodInfo &M : MethodTable)
    if (M.Name == Name && M.Receiver == Rc) return &M;
  return nullptr;
}

bool isKnownMethod(llvm::StringRef Name) {
  for (const MethodInfo &M : MethodTable)
    if (M.Name == Name) return true;
  return false;
}

std::optional<MethodReceiver> receiverOf(const json &V) {
  if (V.is_string()) return R::Str;
  if (V.is_array()) return R::List;
  if (V.is_object()) return R::Dict;
  return std::nullopt;
}

std::optional<MethodReceiver> receiverOf(Type T) {
  switch (T) {
    case Type::String:
      return R::Str;
    case Type::List:
      return R::List;
    case Type::Map:
      return R::Dict;
    default:
      return std::nullopt;
  }
}

llvm::StringRef receiverName(MethodReceiver Rc) {
  return Rc == R::Str ? "str" : Rc == R::List ? "list" : Rc == R::Dict ? "dict" : "loop";
}

std::string methodNames(std::optional<MethodReceiver> Rc) {
  std::string Out;
  for (const MethodInfo &M : MethodTable) {
    if (Rc && M.Receiver != *Rc) continue;
    if (!Out.empty()) Out += ", ";
    Out += "`" + M.Name.str() + "`";
  }
  return Out;
}

}  // namespace orch::ir
