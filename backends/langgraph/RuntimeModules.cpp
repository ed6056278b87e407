//===- RuntimeModules.cpp - The emitted JavaScript runtime ----------------===//
//
// The orch_*.mjs files of backends/langgraph/runtime, embedded at build time
// (cmake/EmbedText.cmake), and the filters they implement.
//
//===----------------------------------------------------------------------===//
#include "backends/langgraph/LangGraph.h"

namespace orch::backends::langgraph {

namespace {
const std::pair<llvm::StringRef, llvm::StringRef> Modules[] = {
#include "backends/langgraph/RuntimeModules.inc"
};

/// The keys of FILTERS in orch_filters.mjs (LangGraphTest checks both agree).
constexpr llvm::StringRef Filters[] = {
    "abs",           "basename",      "batch",        "capitalize", "center",
    "date",          "default",       "dictsort",     "dirname",    "first",
    "float",         "from_json",     "indent",       "int",        "join",
    "last",          "length",        "list",         "lower",      "map",
    "max",           "min",           "py_literal",   "py_quote",   "raw",
    "regex_findall", "regex_replace", "regex_search", "rejectattr", "replace",
    "round",         "selectattr",    "shell_quote",  "slugify",    "strftime",
    "string",        "sum",           "title",        "to_json",    "tojson",
    "trim",          "truncate",      "unique",       "upper",      "wordcount"};

/// The keys of TESTS in orch_tests.mjs (LangGraphTest checks both agree).
constexpr llvm::StringRef Tests[] = {
    "boolean", "defined", "divisibleby", "eq",     "even",    "false",     "float",
    "in",      "integer", "iterable",    "lower",  "mapping", "ne",        "none",
    "number",  "odd",     "sequence",    "string", "true",    "undefined", "upper"};
}  // namespace

llvm::ArrayRef<llvm::StringRef> runtimeFilters() { return Filters; }

llvm::ArrayRef<llvm::StringRef> runtimeTests() { return Tests; }

llvm::ArrayRef<std::pair<llvm::StringRef, llvm::StringRef>> runtimeModules() {
  return Modules;
}

}  // namespace orch::backends::langgraph
