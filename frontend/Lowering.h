//===- Lowering.h - Document to pipeline IR --------------------*- C++ -*-===//
#pragma once

#include <memory>

#include "frontend/Ast.h"
#include "ir/Diagnostics.h"
#include "ir/Pipeline.h"

namespace orch::frontend {

/// Builds the typed pipeline IR from \p Doc. Reports every shape error
/// (wrong kind of value, unknown or missing key, AUTO tags or templates
/// where values must be fixed) and returns null if there was any.
/// With \p SubPipelines, the files `action: pipeline` steps call are read
/// beside Doc's file, included in it (ir/SourceIncludes.h: keep an
/// IncludeScope on Doc's file while its diagnostics print) and inlined;
/// without it a call is an error.
std::unique_ptr<ir::Pipeline> lowerDocument(const ast::Document &Doc,
                                            DiagnosticEngine &Diags,
                                            bool SubPipelines = false);

/// The keys each mapping of the format accepts, for docs and did-you-mean.
llvm::ArrayRef<llvm::StringRef> pipelineKeys();
llvm::ArrayRef<llvm::StringRef> stepKeys();
llvm::ArrayRef<llvm::StringRef> contextKeys();
llvm::ArrayRef<llvm::StringRef> inputKeys();

}  // namespace orch::frontend
