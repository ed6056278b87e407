//===- YamlReader.h - YAML text to document nodes --------------*- C++ -*-===//
#pragma once

#include <vector>

#include "frontend/Ast.h"
#include "ir/Diagnostics.h"

namespace orch::frontend {

/// Limits that keep hostile input bounded.
struct YamlLimits {
  unsigned MaxDepth = 256;               ///< Nesting of mappings/sequences.
  uint64_t MaxAliasExpansion = 1000000;  ///< Nodes that aliases may repeat.
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

}  // namespace orch::frontend
