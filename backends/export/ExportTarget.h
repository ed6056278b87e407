//===- ExportTarget.h - `orchc export`: one row per framework --*- C++ -*-===//
//
// `orchc export pipeline.yaml --target=NAME -o DIR` compiles a pipeline as
// `build` does and hands the result to one export target, which returns the
// files to write into DIR. Targets produce bytes in memory; the driver
// writes them (atomically, one file at a time), so a target never touches the
// file system and its output is easy to test.
//
// A new target is one row in `exportTargets()` (Targets.cpp) plus one
// implementation and its tests.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <vector>

#include "ir/Diagnostics.h"
#include "ir/Pipeline.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

namespace orch::backends {

/// One file of an export, relative to the output directory.
struct ExportFile {
  std::string Path;  ///< Relative, `/`-separated, no `..`.
  std::string Bytes;
  bool Executable = false;  ///< Written with mode 0755 (else 0644).
};

/// What every target is given: the pipeline after all passes ran.
struct ExportInput {
  const ir::Pipeline &P;
  llvm::StringRef ToolVersion;  ///< `orchc --version`'s version, for manifests.
  /// `--allow-unsandboxed-shell`: a target that cannot sandbox `shell` steps
  /// as orchrt does may export them without the sandbox.
  bool AllowUnsandboxedShell = false;
  /// The model registry named by `--models` or ORCH_MODELS (orchrt reads the
  /// same at run time), else empty.
  std::string ModelRegistry;
};

/// Writes \p In's files into \p Out, in a deterministic order. A feature
/// the target cannot express is an error reported at its location in
/// \p Diags (never a silently different program); returns false when it
/// reported an error.
using ExportFn = bool (*)(const ExportInput &In, DiagnosticEngine &Diags,
                          std::vector<ExportFile> &Out);

/// One export target: a row of the table.
struct ExportTarget {
  llvm::StringLiteral Name;         ///< `--target=` value.
  llvm::StringLiteral Description;  ///< One line for `--help` and errors.
  ExportFn Write;
};

/// Every target, in the order `--help` lists them.
llvm::ArrayRef<ExportTarget> exportTargets();

/// The target named \p Name, or null.
const ExportTarget *findExportTarget(llvm::StringRef Name);

/// `--target=plan`: the execution plan, `plan.bin` (what `orchrt` runs).
bool exportPlan(const ExportInput &In, DiagnosticEngine &Diags,
                std::vector<ExportFile> &Out);

/// `--target=langgraph`: a LangGraph JS project (graph.mjs, its runtime,
/// run.mjs, langgraph.json, package.json); backends/langgraph.
bool exportLangGraph(const ExportInput &In, DiagnosticEngine &Diags,
                     std::vector<ExportFile> &Out);

}  // namespace orch::backends
