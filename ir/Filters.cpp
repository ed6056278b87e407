//===- Filters.cpp --------------------------------------------------------===//
#include "ir/Filters.h"

#include <fmt/format.h>

#include "ir/Diagnostics.h"
#include "ir/FilterImpls.h"
#include "llvm/ADT/StringExtras.h"

namespace orch::ir {

namespace {
namespace f = filter;
using P = FilterParam;
constexpr P DefaultParams[] = {{"default_value", "\"\""}, {"boolean", "false"}};
constexpr P FloatParams[] = {{"default", "0.0"}};
constexpr P IntParams[] = {{"default", "0"}};
constexpr P JoinParams[] = {{"d", "\"\""}};
constexpr P ReplaceParams[] = {{"old", ""}, {"new", ""}, {"count", "null"}};
constexpr P RoundParams[] = {{"precision", "0"}, {"method", "\"common\""}};
constexpr P TojsonParams[] = {{"indent", "null"}};
constexpr P TrimParams[] = {{"chars", "null"}};
constexpr P ExtremeParams[] = {{"case_sensitive", "false"}, {"attribute", "null"}};
constexpr P SumParams[] = {{"attribute", "null"}, {"start", "0"}};
constexpr P CenterParams[] = {{"width", "80"}};
constexpr P TruncateParams[] = {
    {"length", "255"}, {"killwords", "false"}, {"end", "\"...\""}, {"leeway", "null"}};
constexpr P BatchParams[] = {{"linecount", ""}, {"fill_with", "null"}};
constexpr P DateParams[] = {{"format", "\"%Y-%m-%d\""}};
constexpr P StrftimeParams[] = {{"format", ""}};
constexpr P DictsortParams[] = {
    {"case_sensitive", "false"}, {"by", "\"key\""}, {"reverse", "false"}};
constexpr P IndentParams[] = {{"width", "4"}, {"first", "false"}, {"blank", "false"}};
constexpr P MapParams[] = {{"filter", "null", /*PositionalOnly=*/true},
                           {"attribute", "null"},
                           {"default", "null"},
                           {"arg", "null", /*PositionalOnly=*/true}};
constexpr P SelectParams[] = {{"attribute", ""}, {"test", "null"}, {"value", "null"}};
constexpr P RegexParams[] = {{"pattern", ""}};
constexpr P PyQuoteParams[] = {{"quote", ""}};
constexpr P RegexReplaceParams[] = {{"pattern", ""}, {"replacement", "\"\""}};
constexpr llvm::ArrayRef<P> NoKeywords{};

constexpr FilterInfo Table[] = {
    {"abs", 0, 0, NoKeywords, Type::Any,
     "absolute value of a number (keeps int or float)", f::abs, false},
    {"basename", 0, 0, NoKeywords, Type::String,
     "the last path component, as os.path.basename (an extension)", f::basename, false},
    {"batch", 1, 2, BatchParams, Type::List,
     "lists of the given size, the last filled with fill_with", f::batch, false},
    {"capitalize", 0, 0, NoKeywords, Type::String,
     "first character title case, rest lower", f::capitalize, true},
    {"center", 0, 1, CenterParams, Type::String, "centred in the width (default 80)",
     f::center, false},
    {"date", 0, 1, DateParams, Type::String,
     "a moment (Unix seconds, ISO 8601 text) in a strftime format, UTC (an extension)",
     f::date, false},
    {"default", 0, 2, DefaultParams, Type::Any,
     "the argument if the value is undefined (or falsy, with true)", f::defaultValue,
     true},
    {"dictsort", 0, 3, DictsortParams, Type::List,
     "[key, value] pairs sorted by key or value (case_sensitive, by, reverse)",
     f::dictsort, false},
    {"dirname", 0, 0, NoKeywords, Type::String,
     "the path without its last component, as os.path.dirname (an extension)", f::dirname,
     false},
    {"first", 0, 0, NoKeywords, Type::Any,
     "first item of a list, character of a string, key", f::first, false},
    {"float", 0, 1, FloatParams, Type::Float,
     "converts to a float (argument: fallback, 0.0)", f::toFloat, false},
    {"from_json", 0, 0, NoKeywords, Type::Any,
     "the value of JSON text (an extension, ContextLab's)", f::fromJson, false},
    {"indent", 0, 3, IndentParams, Type::String,
     "indents lines after the first (width, first, blank)", f::indent, true},
    {"int", 0, 1, IntParams, Type::Int, "converts to an integer (argument: fallback, 0)",
     f::toInt, false},
    {"join", 0, 1, JoinParams, Type::String,
     "joins items with the separator (default \"\")", f::join, false},
    {"last", 0, 0, NoKeywords, Type::Any,
     "last item of a list, character of a string, key", f::last, false},
    {"length", 0, 0, NoKeywords, Type::Int, "number of items or characters", f::length,
     false},
    {"list", 0, 0, NoKeywords, Type::List,
     "characters of a string, keys of a mapping, items of a list", f::list, false},
    {"lower", 0, 0, NoKeywords, Type::String, "lower case", f::lower, true},
    {"map", 0, 4, MapParams, Type::List,
     "each item through a filter, or its attribute (attribute=, default=)", f::map,
     false},
    {"max", 0, 2, ExtremeParams, Type::Any,
     "greatest item (strings without case unless case_sensitive)", f::max, false},
    {"min", 0, 2, ExtremeParams, Type::Any,
     "least item (strings without case unless case_sensitive)", f::min, false},
    {"py_literal", 0, 0, NoKeywords, Type::String,
     "the value as a Python literal, never text (done for a `{{ }}` in Python code)",
     f::pyLiteral, false},
    {"py_quote", 1, 1, PyQuoteParams, Type::String,
     "the text escaped inside a Python string literal of that quote (done for a `{{ "
     "}}` there)",
     f::pyQuote, false},
    {"raw", 0, 0, NoKeywords, Type::Any,
     "the value as it is: in a shell `command`, not quoted (warned about)", f::raw, true},
    {"regex_findall", 1, 1, RegexParams, Type::List,
     "every match of a regular expression, as re.findall (an extension)", f::regexFindall,
     false},
    {"regex_replace", 1, 2, RegexReplaceParams, Type::String,
     "replaces every match, as re.sub (an extension)", f::regexReplace, false},
    {"regex_search", 1, 1, RegexParams, Type::Any,
     "the first match of a regular expression, or none (an extension)", f::regexSearch,
     false},
    {"rejectattr", 1, 3, SelectParams, Type::List,
     "items whose attribute fails the test (or is false)", f::rejectattr, false},
    {"replace", 2, 3, ReplaceParams, Type::String,
     "replaces occurrences of the first argument", f::replace, false},
    {"round", 0, 2, RoundParams, Type::Any,
     "rounds to the given number of digits: half to even (common), floor or ceil",
     f::round, false},
    {"selectattr", 1, 3, SelectParams, Type::List,
     "items whose attribute passes the test (or is true)", f::selectattr, false},
    {"shell_quote", 0, 0, NoKeywords, Type::String,
     "the text as one POSIX shell word (done for every value in a shell `command`)",
     f::shellQuote, false},
    {"slugify", 0, 0, NoKeywords, Type::String,
     "lower case, runs of non-alphanumerics as `-`, trimmed (an extension)", f::slugify,
     false},
    {"strftime", 1, 1, StrftimeParams, Type::String,
     "the same as date, with a required format (an extension)", f::date, false},
    {"string", 0, 0, NoKeywords, Type::String, "converts to a string", f::string, true},
    {"sum", 0, 2, SumParams, Type::Any, "sum of the items plus start (attribute, start)",
     f::sum, false},
    {"title", 0, 0, NoKeywords, Type::String, "title case", f::title, false},
    {"to_json", 0, 1, TojsonParams, Type::String,
     "the same as tojson (an extension, ContextLab's name)", f::tojson, false},
    {"tojson", 0, 1, TojsonParams, Type::String,
     "JSON text of the value (argument: indent)", f::tojson, false},
    {"trim", 0, 1, TrimParams, Type::String,
     "strips white space (or the given characters)", f::trim, true},
    {"truncate", 0, 4, TruncateParams, Type::Any,
     "cuts a string to a length: (length, killwords, end, leeway)", f::truncate, true},
    {"unique", 0, 2, ExtremeParams, Type::List,
     "items without repeats, first ones kept (case_sensitive, attribute)", f::unique,
     false},
    {"upper", 0, 0, NoKeywords, Type::String, "upper case", f::upper, true},
    {"wordcount", 0, 0, NoKeywords, Type::Int, "number of words", f::wordcount, false},
};
}  // namespace

llvm::ArrayRef<FilterInfo> filters() { return Table; }

bool isGeneratorFilter(llvm::StringRef Name) {
  static const llvm::StringRef Gen[] = {"batch", "map", "rejectattr", "selectattr",
                                        "unique"};
  return llvm::is_contained(Gen, Name);
}

llvm::Expected<std::vector<int>> bindKeywords(const FilterInfo &F, size_t NumArgs,
                                              llvm::ArrayRef<llvm::StringRef> Names) {
  std::vector<int> Slots;
  for (size_t I = 0; I < NumArgs; ++I) {
    llvm::StringRef K = I < Names.size() ? Names[I] : llvm::StringRef();
    if (K.empty()) {
      if (Slots.size() != I)
        return llvm::createStringError(
            "a positional argument follows a keyword argument");
      Slots.push_back(static_cast<int>(I));
      continue;
    }
    // `map('f', ..., k=v)`: Jinja2 hands k=v to the filter `f`, not to
    // map's own `attribute`/`default` (helper-168).
    if (F.Name == "map" && !Slots.empty() && Slots[0] == 0)
      return llvm::createStringError(fmt::format(
          "`map('filter', ...)` passes the keyword argument `{}` to that filter, "
          "which is not supported here; pass the filter's arguments by position",
          K.str()));
    size_t At = 0;
    while (At < F.Params.size() && F.Params[At].Name != K) ++At;
    if (At < F.Params.size() && F.Params[At].PositionalOnly)
      return llvm::createStringError(fmt::format(
          "filter `{}` takes `{}` by position only, not as a keyword (Jinja2 refuses it)",
          F.Name.str(), K.str()));
    if (At == F.Params.size()) {
      std::vector<llvm::StringRef> Known;
      for (const FilterParam &Pm : F.Params)
        if (!Pm.PositionalOnly) Known.push_back(Pm.Name);
      std::string Takes =
          Known.empty() ? "it takes none" : "it takes " + llvm::join(Known, ", ");
      return llvm::createStringError(
          fmt::format("filter `{}` has no keyword argument `{}` "
                      "({}){}",
                      F.Name.str(), K.str(), Takes, didYouMean(K, Known)));
    }
    if (At < Slots.size() && Slots[At] >= 0)
      return llvm::createStringError(
          fmt::format("filter `{}` got argument `{}` twice", F.Name.str(), K.str()));
    if (Slots.size() <= At) Slots.resize(At + 1, -1);
    Slots[At] = static_cast<int>(I);
  }
  for (size_t At = 0; At < Slots.size(); ++At)
    if (Slots[At] < 0 && F.Params[At].Default.empty())
      return llvm::createStringError(fmt::format("filter `{}` needs argument `{}`",
                                                 F.Name.str(), F.Params[At].Name.str()));
  return Slots;
}

const FilterInfo *findFilter(llvm::StringRef Name) {
  for (const FilterInfo &F : Table)
    if (F.Name == Name) return &F;
  return nullptr;
}

}  // namespace orch::ir
