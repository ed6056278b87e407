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
/// The most text the inclusions of one pipeline file may add, in all.
inline constexpr uint64_t MaxIncludedBytes = 64u << 20;

/// Reads the file \p Path names for an inclusion in \p From (the including
/// pipeline's path as given). The path is relative to that pipeline's
/// directory, then to its `prompts`, `templates`, `includes` and `content`
/// subdirectories (ContextLab's search order), and the file it finds must
/// lie inside the pipeline's directory (opened beneath it, so a component
/// changed after the check cannot lead out), be no hidden or password file
/// (a component starting with `.`, or holding `passwd` or `shadow`), and
/// be a regular UTF-8 file. On failure, returns false and sets
/// \p Why to a message that completes "cannot read `path`: ...".
bool readInclude(llvm::StringRef From, llvm::StringRef Path, std::string &Text,
                 std::string &Why);

/// The position of the first `<< path >>` at or after \p From in \p S, or
/// npos: `<<` (not part of `<<<`), blanks, a path of letters, digits, `_`,
/// `-`, `.` and `/` with a `.` or a `/` in it, blanks, `>>` (not `>>>`).
/// \p End is set to just past the `>>`. Linear in the size of \p S.
size_t findBracketInclude(llvm::StringRef S, size_t From, size_t &End);

/// What in an included file's text would be template syntax (`{{`, `{%`,
/// `{#`, `<<...>>`, `<AUTO`), or an empty string.
llvm::StringRef templateSyntaxIn(llvm::StringRef Text);

}  // namespace orch::frontend
