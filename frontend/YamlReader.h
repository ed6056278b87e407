//===- YamlReader.h - YAML text to document nodes --------------*- C++ -*-===//
#pragma once

#include <optional>
#include <vector>

#include "frontend/Ast.h"
#include "ir/Diagnostics.h"

namespace orch::frontend {

/// Limits that keep hostile input bounded.
struct YamlLimits {
  unsigned MaxDepth = 256;               ///< Nesting of mappings/sequences.
  uint64_t MaxAliasExpansion = 1000000;  ///< Nodes that aliases may repeat.
  /// Try the fast block-subset reader first (FastYaml.cpp).
  bool FastPath = true;
};

/// The tree and, in creation order, every scalar that is a value (not a key).
struct YamlTree {
  ast::Node *Root = nullptr;
  std::vector<ast::ScalarNode *> ValueScalars;
  std::vector<ast::ScalarNode *> KeyScalars;
};

/// Parses \p Text (the AUTO-rewritten copy of \p File, same length and lines)
/// into nodes allocated in \p A. Duplicate keys, over-deep nesting, alias
/// bombs, more than one document and YAML syntax errors are reported to
/// \p Diags; returns a null root on any error.
YamlTree readYaml(const SourceFile &File, llvm::StringRef Text, ir::Arena &A,
                  DiagnosticEngine &Diags, const YamlLimits &Limits = {});

/// The fast reader for the block-style subset pipelines are written in:
/// block mappings and sequences, single-line plain and quoted scalars,
/// single-line flow collections, `|` and simple `>` block scalars and
/// comments. It builds exactly the tree readYaml's yaml-cpp path builds (a
/// differential test and the fuzzer hold it to that) and returns nothing,
/// without diagnostics, for anything outside the subset or anything that
/// may be an error, so that yaml-cpp reads it and reports.
std::optional<YamlTree> fastReadYaml(const SourceFile &File, llvm::StringRef Text,
                                     ir::Arena &A, const YamlLimits &Limits);

/// The index of the quote that closes the quoted scalar opening at
/// \p S[Open] (`\"` escapes in double quotes, `''` in single quotes), or
/// npos if the line ends first.
size_t quotedScalarEnd(llvm::StringRef S, size_t Open);

/// Underline length of a scalar at \p L: a quoted one to its closing quote,
/// a plain one to the end of its value on the first line.
uint32_t yamlScalarLength(const SourceFile &File, SourceLoc L, llvm::StringRef Value,
                          bool Plain);

}  // namespace orch::frontend
