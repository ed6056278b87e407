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
    "abs",    "capitalize", "default", "first", "float",    "int",   "join",
    "last",   "length",     "lower",   "raw",   "replace",  "round", "shell_quote",
    "string", "title",      "tojson",  "trim",  "truncate", "upper", "wordcount"};
}  // namespace

llvm::ArrayRef<llvm::StringRef> runtimeFilters() { return Filters; }

llvm::ArrayRef<std::pair<llvm::StringRef, llvm::StringRef>> runtimeModules() {
  return Modules;
}

}  // namespace orch::backends::langgraph
