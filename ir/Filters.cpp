//===- Filters.cpp --------------------------------------------------------===//
#include "ir/Filters.h"

#include "ir/FilterImpls.h"

namespace orch::ir {

namespace {
namespace f = filter;
constexpr FilterInfo Table[] = {
    {"abs", 0, 0, Type::Any, "absolute value of a number (keeps int or float)", f::abs,
     false},
    {"capitalize", 0, 0, Type::String, "first character title case, rest lower",
     f::capitalize, true},
    {"default", 0, 2, Type::Any,
     "the argument if the value is undefined (or falsy, with true)", f::defaultValue,
     true},
    {"first", 0, 0, Type::Any, "first item of a list, character of a string, key",
     f::first, false},
    {"float", 0, 1, Type::Float, "converts to a float (argument: fallback, 0.0)",
     f::toFloat, false},
    {"int", 0, 1, Type::Int, "converts to an integer (argument: fallback, 0)", f::toInt,
     false},
    {"join", 0, 1, Type::String, "joins items with the separator (default \"\")", f::join,
     false},
    {"last", 0, 0, Type::Any, "last item of a list, character of a string, key", f::last,
     false},
    {"length", 0, 0, Type::Int, "number of items or characters", f::length, false},
    {"list", 0, 0, Type::List,
     "characters of a string, keys of a mapping, items of a list", f::list, false},
    {"lower", 0, 0, Type::String, "lower case", f::lower, true},
    {"raw", 0, 0, Type::Any,
     "the value as it is: in a shell `command`, not quoted (warned about)", f::raw, true},
    {"replace", 2, 3, Type::String, "replaces occurrences of the first argument",
     f::replace, false},
    {"round", 0, 1, Type::Any, "rounds half to even to the given number of digits",
     f::round, false},
    {"shell_quote", 0, 0, Type::String,
     "the text as one POSIX shell word (done for every value in a shell `command`)",
     f::shellQuote, false},
    {"string", 0, 0, Type::String, "converts to a string", f::string, true},
    {"title", 0, 0, Type::String, "title case", f::title, false},
    {"tojson", 0, 1, Type::String, "JSON text of the value (argument: indent)", f::tojson,
     false},
    {"trim", 0, 1, Type::String, "strips white space (or the given characters)", f::trim,
     true},
    {"truncate", 0, 4, Type::Any,
     "cuts a string to a length: (length, killwords, end, leeway)", f::truncate, true},
    {"upper", 0, 0, Type::String, "upper case", f::upper, true},
    {"wordcount", 0, 0, Type::Int, "number of words", f::wordcount, false},
};
}  // namespace

llvm::ArrayRef<FilterInfo> filters() { return Table; }

const FilterInfo *findFilter(llvm::StringRef Name) {
  for (const FilterInfo &F : Table)
    if (F.Name == Name) return &F;
  return nullptr;
}

}  // namespace orch::ir
