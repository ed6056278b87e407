//===- FilterRegex.cpp - regex_search, regex_replace, regex_findall -------===//
//
// Python's re.search, re.sub and re.findall on str(value), with the
// patterns of ir/Regex.h (an extension: these are ContextLab's and
// Ansible's filters, not Jinja2's).
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include "ir/FilterImpls.h"
#include "ir/MakeError.h"
#include "ir/PyOps.h"
#include "ir/PyText.h"
#include "ir/Regex.h"

namespace orch::ir::filter {

using json = orch::ir::Json;

namespace {

/// The subject (Python's str() of the value) and the compiled pattern.
struct Subject {
  CodePoints Text;
  std::shared_ptr<const Regex> Re;
};

llvm::Expected<Subject> prepare(const json &V, const json &Pattern, llvm::StringRef Who) {
  if (!Pattern.is_string())
    return makeError(fmt::format("the pattern of `{}` must be a str, not {}", Who.str(),
                                 pyTypeName(Pattern)));
  llvm::Expected<std::shared_ptr<const Regex>> Re =
      Regex::compile(Pattern.get_ref<const std::string &>());
  if (!Re) return Re.takeError();
  std::string S;
  if (TextStatus St = appendPyStr(S, V); St != TextStatus::Ok)
    return makeError(describe(St));
  return Subject{decodeUtf8(S), std::move(*Re)};
}

/// VM thread steps one findall or sub may take: plenty for a linear scan
/// of the largest value, while a pattern that rescans the rest of the text
/// after each match (quadratic) is stopped.
constexpr uint64_t FixedSteps = 20'000'000, StepsPerChar = 64;

/// Calls \p Each for every match, as Python's finditer finds them; \p Who
/// names the filter in the error when the work bound is reached.
template <typename Fn>
llvm::Error eachMatch(const Subject &S, llvm::StringRef Who, Fn Each) {
  std::vector<int64_t> Caps;
  size_t Pos = 0;
  int64_t NoEmpty = -1;
  uint64_t Budget = FixedSteps + StepsPerChar * S.Text.size();
  while (Pos <= S.Text.size() && S.Re->search(S.Text, Pos, Caps, NoEmpty, &Budget)) {
    if (llvm::Error E = Each(Caps)) return E;
    Pos = static_cast<size_t>(Caps[1]);
    NoEmpty = Caps[1] == Caps[0] ? Caps[1] : -1;
  }
  if (Budget == 0)
    return makeError(
        fmt::format("`{}` gave up: the pattern rescans the text after each match, which "
                    "would take more than {} + {} per character VM steps",
                    Who.str(), FixedSteps, StepsPerChar));
  return llvm::Error::success();
}

std::string group(const Subject &S, const std::vector<int64_t> &Caps, unsigned G) {
  int64_t B = Caps[2 * G], E = Caps[2 * G + 1];
  if (B < 0 || E < B) return "";
  return encodeUtf8(std::u32string_view(S.Text).substr(B, E - B));
}

}  // namespace

Result regexSearch(const json &V, Args A) {
  llvm::Expected<Subject> S = prepare(V, A[0], "regex_search");
  if (!S) return S.takeError();
  std::vector<int64_t> Caps;
  if (!S->Re->search(S->Text, 0, Caps)) return std::optional<json>(json(nullptr));
  return std::optional<json>(json(group(*S, Caps, 0)));
}

Result regexReplace(const json &V, Args A) {
  llvm::Expected<Subject> S = prepare(V, A[0], "regex_replace");
  if (!S) return S.takeError();
  std::string Repl;
  if (A.size() > 1) {
    if (!A[1].is_string())
      return makeError(fmt::format(
          "the replacement of `regex_replace` must be a str, not {}", pyTypeName(A[1])));
    Repl = A[1].get<std::string>();
  }
  CodePoints Out;
  size_t Last = 0;
  llvm::Error E = eachMatch(
      *S, "regex_replace", [&](const std::vector<int64_t> &Caps) -> llvm::Error {
        Out += std::u32string_view(S->Text).substr(Last, Caps[0] - Last);
        if (llvm::Error X = expandReplacement(*S->Re, Repl, S->Text, Caps, Out)) return X;
        Last = static_cast<size_t>(Caps[1]);
        if (Out.size() * 4 > MaxValueBytes)
          return makeError(describe(TextStatus::TooLarge));
        return llvm::Error::success();
      });
  if (E) return E;
  Out += std::u32string_view(S->Text).substr(Last);
  return std::optional<json>(json(encodeUtf8(Out)));
}

Result regexFindall(const json &V, Args A) {
  llvm::Expected<Subject> S = prepare(V, A[0], "regex_findall");
  if (!S) return S.takeError();
  if (S->Re->groups() > 1)
    return makeError(
        "`regex_findall` with more than one group is not supported (Python returns "
        "tuples)");
  json Out = json::array();
  size_t Bytes = 0;
  llvm::Error E = eachMatch(
      *S, "regex_findall", [&](const std::vector<int64_t> &Caps) -> llvm::Error {
        std::string G = group(*S, Caps, S->Re->groups() == 1 ? 1 : 0);
        Bytes += G.size() + 8;
        if (Bytes > MaxValueBytes) return makeError(describe(TextStatus::TooLarge));
        Out.push_back(std::move(G));
        return llvm::Error::success();
      });
  if (E) return E;
  return std::optional<json>(std::move(Out));
}

}  // namespace orch::ir::filter
