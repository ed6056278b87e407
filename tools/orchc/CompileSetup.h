//===- CompileSetup.h - What a compilation reads besides its pipeline -*- C++ -*-===//
//
// The AUTO lock beside the pipeline, the shared AUTO cache, the model
// registry and run configuration, the model that answers AUTO tags and
// the lister of MCP servers' tools: loaded once for the passes, which the
// PassContext points at them, and owned here for as long as they run.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "Driver.h"
#include "LlmOracle.h"
#include "McpLister.h"
#include "passes/AutoResolve.h"
#include "passes/AutoStore.h"
#include "passes/McpSteps.h"
#include "passes/ModelCatalog.h"
#include "passes/Pass.h"

namespace orch::tools {

/// What the passes read besides the pipeline (see the file comment).
class CompileSetup {
 public:
  CompileSetup() = default;
  CompileSetup(const CompileSetup &) = delete;  // the PassContext points in
  CompileSetup &operator=(const CompileSetup &) = delete;

  /// Loads everything \p Opts names for pipeline \p P and points \p Ctx at
  /// it. Returns the exit code to stop with after a bad lock, registry or
  /// configuration (reported to \p Err), else nothing.
  std::optional<int> load(const DriverOptions &Opts, ir::Pipeline &P,
                          passes::PassContext &Ctx, llvm::raw_ostream &Err);

  /// Brings the lock file up to date with \p P's tags after a build (only
  /// changed bytes are written; a lock with no tags left is removed).
  /// Returns the exit code of a failed write.
  std::optional<int> updateLock(const DriverOptions &Opts, const ir::Pipeline &P,
                                llvm::raw_ostream &Err);

  /// The registry, if one was found.
  const passes::ModelCatalog *catalog() const { return Catalog ? &*Catalog : nullptr; }

 private:
  std::optional<int> loadRegistryAndConfig(const DriverOptions &Opts, ir::Pipeline &P,
                                           passes::PassContext &Ctx,
                                           llvm::raw_ostream &Err);
  void chooseModel(const DriverOptions &Opts);

  std::string LockPath;
  std::string Registry;
  std::optional<passes::LockFile> Lock;
  passes::DiskCache Cache{passes::DiskCache::defaultDir()};
  std::optional<passes::ModelCatalog> Catalog;
  std::optional<passes::RunConfig> Config;
  std::unique_ptr<LlmOracle> Oracle;
  passes::AutoOptions Auto;
  McpLister Lister;
  passes::McpOptions Mcp;
};

}  // namespace orch::tools
