//===- LangGraph.h - The pipeline as a LangGraph JS project ----*- C++ -*-===//
//
// `orchc export --target=langgraph` (docs/backends/langgraph.md; the entry
// point, exportLangGraph, is a row of backends/export/ExportTarget.h): the
// compiled pipeline as JavaScript that runs under @langchain/langgraph with
// orchrt's semantics. graph.mjs builds a StateGraph (one channel per input
// and per step result, one node per step, wired by Topology.h: the
// dependency graph as edges, or all started at once, each waiting for its
// own dependencies); templates become calls of the emitted
// runtime (orch_*.mjs); langgraph.json and package.json make it a project.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <utility>

#include "ir/Json.h"
#include "ir/Value.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

namespace orch::backends::langgraph {

/// The filters orch_filters.mjs implements, sorted; the export refuses any
/// other (a filter added to ir/Filters.cpp needs a row there first).
llvm::ArrayRef<llvm::StringRef> runtimeFilters();

/// The tests orch_tests.mjs implements (`x is odd`), sorted; the export
/// refuses any other, as for filters.
llvm::ArrayRef<llvm::StringRef> runtimeTests();

/// The emitted runtime modules (orch_*.mjs), name and text.
llvm::ArrayRef<std::pair<llvm::StringRef, llvm::StringRef>> runtimeModules();

/// The entries of the model registry \p Path that orchrt's LLM client reads
/// (providers, `max_tokens`, `reasoning`), as JSON for orch_models.mjs;
/// problems orchrt would report become `error` members with its message.
ir::Json registryEntries(const std::string &Path);

/// The part of \p All (registryEntries) that graph.mjs embeds: the entries
/// of \p Models (the models the pipeline's model steps name) and of their
/// providers, so unused providers' URLs stay out of the graph; all of it if
/// \p AnyModel (a step's model is chosen at run time).
ir::Json usedEntries(const ir::Json &All, llvm::ArrayRef<std::string> Models,
                     bool AnyModel);

/// The first member of \p J (below \p At) whose key or string value is not
/// UTF-8, as a dotted path, or "" if there is none.
std::string nonUtf8Member(const ir::Json &J, const std::string &At = "");

/// \p V as a JavaScript expression over a scope `c` (the `E` helpers of
/// orch_eval.mjs): constants as literals, templates as calls.
std::string compileValue(const ir::Value *V);

}  // namespace orch::backends::langgraph
