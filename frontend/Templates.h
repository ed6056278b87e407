//===- Templates.h - Splitting scalars into template segments --*- C++ -*-===//
#pragma once

#include <vector>

#include "frontend/AutoLexer.h"
#include "frontend/YamlReader.h"

namespace orch::frontend {

/// Splits every value scalar of \p Tree into text, `{{ expr }}` and AUTO
/// segments (ast::ScalarNode::segments), parsing each expression. AUTO tags
/// are created in the order scalars hold them and appended to \p Tags.
/// Reports every malformed placeholder; returns false if any.
bool segmentScalars(const SourceFile &File, const AutoScan &Scan, YamlTree &Tree,
                    ir::Arena &A, std::vector<ir::AutoTag *> &Tags,
                    DiagnosticEngine &Diags);

}  // namespace orch::frontend
