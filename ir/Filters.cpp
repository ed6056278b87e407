//===- Filters.cpp --------------------------------------------------------===//
#include "ir/Filters.h"

namespace orch::ir {

namespace {
constexpr FilterInfo Table[] = {
    {"abs", 0, 0, Type::Float, "absolute value of a number"},
    {"capitalize", 0, 0, Type::String, "first character upper case, rest lower"},
    {"default", 1, 2, Type::Any,
     "the argument if the value is undefined (or falsy, with true)"},
    {"first", 0, 0, Type::Any, "first item of a list or character of a string"},
    {"float", 0, 1, Type::Float, "converts to a float (argument: fallback)"},
    {"int", 0, 1, Type::Int, "converts to an integer (argument: fallback)"},
    {"join", 0, 1, Type::String, "joins list items with the separator (default \"\")"},
    {"last", 0, 0, Type::Any, "last item of a list or character of a string"},
    {"length", 0, 0, Type::Int, "number of items or characters"},
    {"lower", 0, 0, Type::String, "lower case"},
    {"raw", 0, 0, Type::Any,
     "the value as it is: in a shell `command`, not quoted (warned about)"},
    {"replace", 2, 3, Type::String, "replaces occurrences of the first argument"},
    {"round", 0, 1, Type::Float, "rounds to the given number of digits"},
    {"shell_quote", 0, 0, Type::String,
     "the text as one POSIX shell word (done for every value in a shell `command`)"},
    {"string", 0, 0, Type::String, "converts to a string"},
    {"title", 0, 0, Type::String, "title case"},
    {"tojson", 0, 1, Type::String, "JSON text of the value (argument: indent)"},
    {"trim", 0, 0, Type::String, "strips leading and trailing white space"},
    {"truncate", 1, 2, Type::String, "cuts a string to a length, adding an ellipsis"},
    {"upper", 0, 0, Type::String, "upper case"},
};
}  // namespace

llvm::ArrayRef<FilterInfo> filters() { return Table; }

const FilterInfo *findFilter(llvm::StringRef Name) {
  for (const FilterInfo &F : Table)
    if (F.Name == Name) return &F;
  return nullptr;
}

}  // namespace orch::ir
