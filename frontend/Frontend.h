//===- Frontend.h - Pipeline file to AST, and AST to IR --------*- C++ -*-===//
//
// The front end's contract. Each function is one stage: it reports every
// problem it finds to the DiagnosticEngine and returns nothing on error.
//
//   checkSourceBytes -> parseDocument -> lowerDocument (Lowering.h)
//
//===----------------------------------------------------------------------===//
#pragma once

#include <memory>
#include <optional>

#include "frontend/Ast.h"
#include "frontend/Lowering.h"
#include "ir/Diagnostics.h"

namespace orch::frontend {

/// Rejects bytes that cannot be a pipeline: an empty file, NUL bytes,
/// invalid UTF-8, tabs in indentation. Reports each offending line.
bool checkSourceBytes(const SourceFile &File, DiagnosticEngine &Diags);

/// Finds AUTO tags, parses the YAML and every template expression.
/// \p FastYaml selects the fast reader for the block subset (with yaml-cpp
/// as the fallback); false reads with yaml-cpp only. \p Arena, if given,
/// holds the document's nodes (a sub-pipeline shares its caller's).
std::optional<ast::Document> parseDocument(std::shared_ptr<const SourceFile> File,
                                           DiagnosticEngine &Diags, bool FastYaml = true,
                                           std::shared_ptr<ir::Arena> Arena = nullptr);

}  // namespace orch::frontend
