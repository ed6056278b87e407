//===- Includes.h - ContextLab's file inclusion in templates ---*- C++ -*-===//
//
// `{{ file:path }}` and `<< path >>` in a string: the file's text, read when
// the pipeline compiles, so the plan holds it and a run never reads it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>

#include "llvm/ADT/StringRef.h"

namespace orch::frontend {

/// The largest file an inclusion may read (ContextLab's limit too).
inline constexpr uint64_t MaxIncludeBytes = 10u << 20;

/// Reads the file \p Path names for an inclusion in \p From (the including
/// pipeline's path as given). The path is relative to that pipeline's
/// directory, then to its `prompts`, `templates`, `includes` and `content`
/// subdirectories (ContextLab's search order), and the file it finds must
/// lie inside the pipeline's directory. On failure, returns false and sets
/// \p Why to a message that completes "cannot read `path`: ...".
bool readInclude(llvm::StringRef From, llvm::StringRef Path, std::string &Text,
                 std::string &Why);

/// The position of the first `<< path >>` at or after \p From in \p S (a
/// `<<`, then one word with a `.` or a `/` in it and no `>`, then `>>`,
/// with white space around the word but no line break), or npos;
/// \p End is set to just past its `>>`.
size_t findBracketInclude(llvm::StringRef S, size_t From, size_t &End);

/// What in an included file's text would be template syntax (`{{`, `{%`,
/// `{#`, `<<...>>`, `<AUTO`), or an empty string.
llvm::StringRef templateSyntaxIn(llvm::StringRef Text);

}  // namespace orch::frontend
