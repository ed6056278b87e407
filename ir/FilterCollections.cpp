//===- FilterCollections.cpp - map, selectattr, dictsort, batch, indent ---===//
//
// Jinja2 3.1's filters over lists and mappings that look items up by
// attribute or apply another filter or test, and `indent`. Jinja2 returns
// generators for map/selectattr/rejectattr/batch; here they are lists (the
// same items when iterated, joined or read through `list`).
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include <algorithm>

#include "ir/Eval.h"
#include "ir/FilterImpls.h"
#include "ir/Filters.h"
#include "ir/MakeError.h"
#include "ir/PyOps.h"
#include "ir/PyText.h"
#include "ir/Tests.h"
#include "ir/Unicode.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"

namespace orch::ir::filter {

using json = orch::ir::Json;

namespace {

/// The items Python iterates over: a list's items, a string's characters,
/// a mapping's keys.
llvm::Expected<std::vector<json>> iterate(const json &V) {
  Result R = list(V, {});
  if (!R) return R.takeError();
  return (**R).get<std::vector<json>>();
}

/// Jinja2's make_attrgetter: `a.b.0` looks up `a`, then `b`, then item 0
/// (digit parts are integers). Nothing if a part is missing; \p Default
/// (if not null) replaces a missing part, as Jinja2 does.
std::optional<json> attribute(const json &Item, const json &Path, const json &Default) {
  llvm::SmallVector<std::string, 4> Parts;
  if (Path.is_string()) {
    llvm::SmallVector<llvm::StringRef, 4> Split;
    llvm::StringRef(Path.get_ref<const std::string &>()).split(Split, '.');
    for (llvm::StringRef P : Split) Parts.push_back(P.str());
  } else if (std::optional<int64_t> I = asInt(Path)) {
    Parts.push_back(std::to_string(*I));
  } else {
    return std::nullopt;
  }
  json Cur = Item;
  for (const std::string &P : Parts) {
    std::optional<json> Next;
    bool Digits = !P.empty() && llvm::all_of(P, llvm::isDigit);
    if (Cur.is_object() && !Digits) {
      auto It = Cur.find(P);
      if (It != Cur.end()) Next = *It;
    } else if ((Cur.is_array() || Cur.is_string()) && Digits && P.size() < 18) {
      uint64_t N = std::stoull(P);
      if (Cur.is_array() && N < Cur.size()) Next = Cur[N];
      if (Cur.is_string()) {
        CodePoints C = decodeUtf8(Cur.get_ref<const std::string &>());
        if (N < C.size()) Next = encodeUtf8(C.substr(N, 1));
      }
    }
    if (!Next && !Default.is_null()) Next = Default;
    if (!Next) return std::nullopt;
    Cur = std::move(*Next);
  }
  return Cur;
}

/// The attribute \p Path of item \p I, or an error naming it.
llvm::Expected<json> attributeOf(const json &Item, size_t I, const json &Path,
                                 const json &Default = nullptr) {
  if (std::optional<json> V = attribute(Item, Path, Default)) return std::move(*V);
  std::string P;
  if (TextStatus S = appendPyStr(P, Path); S != TextStatus::Ok)
    return makeError(describe(S));
  return makeError(fmt::format("attribute `{}` of item {} is undefined", P, I));
}

/// `selectattr` and `rejectattr`: items whose attribute passes test
/// `A[1]` (with A[2] as its argument), or is true without a test.
Result selectOrReject(const json &V, Args A, bool Select) {
  llvm::Expected<std::vector<json>> Xs = iterate(V);
  if (!Xs) return Xs.takeError();
  const TestInfo *Test = nullptr;
  bool HasTest = A.size() > 1 && !A[1].is_null();
  if (HasTest) {
    if (!A[1].is_string()) return makeError("the test's name must be a string");
    Test = findTest(A[1].get_ref<const std::string &>());
    if (!Test)
      return makeError(fmt::format("no test named `{}`", A[1].get<std::string>()));
  }
  llvm::SmallVector<json, 1> TestArgs;
  if (A.size() > 2) TestArgs.push_back(A[2]);
  if (Test && (TestArgs.size() < Test->MinArgs || TestArgs.size() > Test->MaxArgs))
    return makeError(fmt::format("test `{}` takes {} to {} arguments, {} given",
                                 Test->Name.str(), Test->MinArgs, Test->MaxArgs,
                                 TestArgs.size()));
  json Out = json::array();
  for (size_t I = 0; I < Xs->size(); ++I) {
    const json &Item = (*Xs)[I];
    std::optional<json> Attr = attribute(Item, A[0], nullptr);
    bool Pass;
    if (Test && !Test->Fn) {  // `defined`, `undefined`
      Pass = Attr.has_value() == (Test->Name == "defined");
    } else {
      if (!Attr) return attributeOf(Item, I, A[0]).takeError();
      if (Test) {
        llvm::Expected<bool> R = Test->Fn(*Attr, TestArgs);
        if (!R) return R.takeError();
        Pass = *R;
      } else {
        Pass = truthy(*Attr);
      }
    }
    if (Pass == Select) Out.push_back(Item);
  }
  return std::optional<json>(std::move(Out));
}

/// Python's str.splitlines() on code points.
std::vector<CodePoints> splitLines(const CodePoints &S) {
  std::vector<CodePoints> Out;
  size_t Start = 0;
  for (size_t I = 0; I < S.size(); ++I) {
    char32_t C = S[I];
    bool Break = C == '\n' || C == '\r' || C == 0x0B || C == 0x0C || C == 0x1C ||
                 C == 0x1D || C == 0x1E || C == 0x85 || C == 0x2028 || C == 0x2029;
    if (!Break) continue;
    Out.push_back(S.substr(Start, I - Start));
    if (C == '\r' && I + 1 < S.size() && S[I + 1] == '\n') ++I;
    Start = I + 1;
  }
  if (Start < S.size()) Out.push_back(S.substr(Start));
  return Out;
}

}  // namespace

Result map(const json &V, Args A) {
  llvm::Expected<std::vector<json>> Xs = iterate(V);
  if (!Xs) return Xs.takeError();
  json Out = json::array();
  if (A.empty() || A[0].is_null()) {
    // map(attribute='x', default=...)
    if (A.size() < 2 || A[1].is_null())
      return makeError("map requires a filter argument");
    json Default = A.size() > 2 ? A[2] : json();
    for (size_t I = 0; I < Xs->size(); ++I) {
      llvm::Expected<json> X = attributeOf((*Xs)[I], I, A[1], Default);
      if (!X) return X.takeError();
      Out.push_back(std::move(*X));
    }
    return std::optional<json>(std::move(Out));
  }
  // map('filter', args...)
  if (!A[0].is_string()) return makeError("the filter's name must be a string");
  const std::string &Name = A[0].get_ref<const std::string &>();
  const FilterInfo *F = findFilter(Name);
  if (!F) return makeError(fmt::format("no filter named `{}`", Name));
  if (F->Name == "tojson" || F->Name == "to_json")
    return makeError(
        "a `tojson` result inside a list is not supported (Jinja prints it as "
        "`Markup(...)`)");
  // A result per item a list cannot hold as Jinja2 prints it.
  if (F->Name == "dictsort" || isGeneratorFilter(F->Name))
    return makeError(fmt::format(
        "`map('{}')` is not supported: Jinja2 answers each item with {}, which "
        "a list here cannot hold; read each item in a `{{% for %}}` loop",
        F->Name.str(),
        F->Name == "dictsort" ? "a list of Python tuples" : "a generator"));
  Args Rest = A.drop_front();
  while (!Rest.empty() && Rest.back().is_null()) Rest = Rest.drop_back();
  if (Rest.size() < F->MinArgs || Rest.size() > F->MaxArgs)
    return makeError(fmt::format("filter `{}` takes {} to {} arguments, {} given", Name,
                                 F->MinArgs, F->MaxArgs, Rest.size()));
  if (F->Name == "default") {
    // An item is a value, never undefined (none included): Jinja2's
    // `default` gives it back, or with its `boolean` flag the default in
    // place of a falsy one. (The row's own function is the transform
    // action's, where null is missing.)
    bool Falsy = Rest.size() > 1 && truthy(Rest[1]);
    for (json &X : *Xs) Out.push_back(Falsy && !truthy(X) ? Rest[0] : std::move(X));
    return std::optional<json>(std::move(Out));
  }
  for (json &X : *Xs) {
    Result R = F->Fn(X, Rest);
    if (!R) return R.takeError();
    if (!*R) return makeError(fmt::format("`{}` of an item is undefined", Name));
    Out.push_back(std::move(**R));
  }
  return std::optional<json>(std::move(Out));
}

Result selectattr(const json &V, Args A) { return selectOrReject(V, A, true); }
Result rejectattr(const json &V, Args A) { return selectOrReject(V, A, false); }

/// Sorts \p Items stably by \p Less with a top-down merge sort: its
/// comparisons come in an order fixed by the number of items alone, so
/// where two keys do not compare, the first comparison that fails (and its
/// message) is the same in the LangGraph runtime, which sorts the same way
/// (orch_collections.mjs, `dictsort`). Each merge step asks only whether
/// the right item goes first.
template <class T, class LessFn>
void mergeSort(std::vector<T> &Items, LessFn Less) {
  std::vector<T> Tmp(Items.size());
  auto Sort = [&](auto &Self, size_t Lo, size_t Hi) -> void {
    if (Hi - Lo < 2) return;
    size_t Mid = Lo + (Hi - Lo) / 2;
    Self(Self, Lo, Mid);
    Self(Self, Mid, Hi);
    size_t I = Lo, J = Mid, K = Lo;
    while (I < Mid && J < Hi)
      Tmp[K++] = Less(Items[J], Items[I]) ? std::move(Items[J++]) : std::move(Items[I++]);
    while (I < Mid) Tmp[K++] = std::move(Items[I++]);
    while (J < Hi) Tmp[K++] = std::move(Items[J++]);
    std::move(Tmp.begin() + Lo, Tmp.begin() + Hi, Items.begin() + Lo);
  };
  Sort(Sort, 0, Items.size());
}

Result dictsort(const json &V, Args A) {
  if (!V.is_object())
    return makeError(fmt::format("`dictsort` needs a mapping, not {}", pyTypeName(V)));
  bool CaseSensitive = !A.empty() && truthy(A[0]);
  size_t Pos = 0;
  if (A.size() > 1) {
    if (A[1] == json("value"))
      Pos = 1;
    else if (A[1] != json("key"))
      return makeError("You can only sort by either \"key\" or \"value\"");
  }
  bool Reverse = A.size() > 2 && truthy(A[2]);
  std::vector<std::pair<json, json>> Items;  // (sort key, [k, v])
  for (auto It = V.begin(); It != V.end(); ++It) {
    json Pair = json::array({It.key(), *It});
    json K = Pair[Pos];
    if (!CaseSensitive && K.is_string())
      K = encodeUtf8(toLower(decodeUtf8(K.get_ref<const std::string &>())));
    Items.emplace_back(std::move(K), std::move(Pair));
  }
  std::optional<llvm::Error> Err;
  auto Less = [&](const std::pair<json, json> &X, const std::pair<json, json> &Y) {
    if (Err) return false;
    llvm::Expected<bool> L =
        pyOrder(BinaryOp::Lt, Reverse ? Y.first : X.first, Reverse ? X.first : Y.first);
    if (!L) {
      Err = L.takeError();
      return false;
    }
    return *L;
  };
  mergeSort(Items, Less);
  if (Err) return std::move(*Err);
  json Out = json::array();
  for (auto &P : Items) Out.push_back(std::move(P.second));
  return std::optional<json>(std::move(Out));
}

Result batch(const json &V, Args A) {
  llvm::Expected<std::vector<json>> Xs = iterate(V);
  if (!Xs) return Xs.takeError();
  std::optional<int64_t> N = asInt(A[0]);
  if (!N)
    return makeError(
        fmt::format("the size of `batch` must be an integer, not {}", pyTypeName(A[0])));
  json Fill = A.size() > 1 ? A[1] : json();
  json Out = json::array(), Tmp = json::array();
  for (json &X : *Xs) {
    if (static_cast<int64_t>(Tmp.size()) == *N) {
      Out.push_back(std::move(Tmp));
      Tmp = json::array();
    }
    Tmp.push_back(std::move(X));
  }
  if (!Tmp.empty()) {
    if (!Fill.is_null() && static_cast<int64_t>(Tmp.size()) < *N) {
      // The padding is bounded like any other built value.
      uint64_t Missing = static_cast<uint64_t>(*N) - Tmp.size();
      uint64_t Each = std::max<uint64_t>(approxBytes(Fill), 1);
      if (Missing > MaxValueBytes / Each)
        return makeError(describe(TextStatus::TooLarge));
      while (static_cast<int64_t>(Tmp.size()) < *N) Tmp.push_back(Fill);
    }
    Out.push_back(std::move(Tmp));
  }
  return std::optional<json>(std::move(Out));
}

Result indent(const json &V, Args A) {
  if (!V.is_string())
    return makeError(fmt::format("`indent` needs a str, not {}", pyTypeName(V)));
  CodePoints Ind;
  if (!A.empty() && A[0].is_string()) {
    Ind = decodeUtf8(A[0].get_ref<const std::string &>());
  } else {
    std::optional<int64_t> W = A.empty() ? std::optional<int64_t>(4) : asInt(A[0]);
    if (!W)
      return makeError(
          fmt::format("the width of `indent` must be an integer or a str, "
                      "not {}",
                      pyTypeName(A[0])));
    if (*W > 0 && static_cast<uint64_t>(*W) > MaxValueBytes)
      return makeError(describe(TextStatus::TooLarge));
    Ind.assign(static_cast<size_t>(std::max<int64_t>(*W, 0)), U' ');
  }
  bool First = A.size() > 1 && truthy(A[1]);
  bool Blank = A.size() > 2 && truthy(A[2]);
  CodePoints S = decodeUtf8(V.get_ref<const std::string &>());
  S += U'\n';
  std::vector<CodePoints> Lines = splitLines(S);
  CodePoints Out;
  size_t Bytes = 0;
  for (size_t I = 0; I < Lines.size(); ++I) {
    if (I) Out += U'\n';
    if (I && (Blank || !Lines[I].empty())) Out += Ind;
    Out += Lines[I];
    Bytes += Lines[I].size() + Ind.size() + 1;
    if (Bytes > MaxValueBytes) return makeError(describe(TextStatus::TooLarge));
  }
  if (First) Out = Ind + Out;
  return std::optional<json>(json(encodeUtf8(Out)));
}

}  // namespace orch::ir::filter
