//===- JsonLimits.h - How deep values from outside may nest ----*- C++ -*-===//
//
// Values the tools read from outside (orchc `--inputs`, orchrt `--input`
// and inputs files, `--resume` result files, the `.auto.lock` file, the
// cache and model answers) are walked recursively later on. A limit on
// their nesting, checked on the text before it is parsed, turns a hostile
// 100,000-deep document into a clear error instead of a stack overflow.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>

#include "ir/Json.h"
#include "llvm/ADT/StringRef.h"

namespace orch::ir {

/// The deepest nesting of lists and maps accepted in a value read from
/// outside: the same as the pipeline file's.
inline constexpr unsigned MaxValueDepth = 256;

/// The deepest nesting of `for_each` loops (a loop inside a loop's body is
/// two levels): checked by the compiler and by the plan reader, since the
/// runtime walks loop nesting recursively (docs/control-flow.md).
inline constexpr unsigned MaxLoopDepth = 16;
/// The largest `max_iterations:` of a `while`/`until` loop (compiler and
/// plan reader): each iteration's result is kept in the loop's `results`.
inline constexpr int64_t MaxLoopIterations = 1000000;

/// Checks the nesting of the JSON text \p Text without
/// parsing it: "" if brackets nest at most \p Max deep, else the problem
/// ("nesting deeper than 256 levels at byte 300"). Brackets inside strings
/// do not count.
std::string jsonDepthProblem(llvm::StringRef Text, unsigned Max = MaxValueDepth);

/// Checks the nesting of the flow collections (`[ ]`, `{ }`) of the YAML
/// text \p Text before yaml-cpp parses it (it recurses on them). Knows
/// YAML's quoting: a quote opens a scalar only where one may start (not in
/// `5" tall` or `it's`), single-quoted scalars escape `'` as `''`, and
/// comments are skipped. Block nesting is left to the converters.
std::string yamlDepthProblem(llvm::StringRef Text, unsigned Max = MaxValueDepth);

/// Parses \p Text as JSON after checking its depth. Returns a discarded
/// value on a syntax error, and sets \p Problem (if given) when it is too
/// deep; never throws.
orch::ir::Json parseJsonBounded(llvm::StringRef Text, std::string *Problem = nullptr);

}  // namespace orch::ir
