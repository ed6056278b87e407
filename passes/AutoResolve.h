//===- AutoResolve.h - Resolving AUTO tags at compile time -----*- C++ -*-===//
#pragma once

#include <string>
#include <vector>

#include "ir/Json.h"
#include "llvm/Support/Error.h"
#include "passes/AutoSpec.h"
#include "passes/AutoStore.h"

namespace orch::passes {

/// Asks a model for a JSON value under a schema. tools/orchc implements it
/// over the LLM client; tests hand the pass a fake. Must be thread-safe.
class AutoOracle {
 public:
  virtual ~AutoOracle() = default;
  /// `provider/model`, part of every cache key and lock entry.
  virtual std::string modelId() const = 0;
  virtual llvm::Expected<orch::ir::Json> ask(const std::string &System,
                                             const std::string &Prompt,
                                             const orch::ir::Json &Schema,
                                             const std::string &SchemaName) = 0;
};

/// How the auto-resolve pass may answer tags.
struct AutoOptions {
  AutoOracle *Oracle = nullptr;  ///< Null: no model may be asked.
  /// `provider/model` of the configured model, even when none may be
  /// asked (`check`, `--offline`): the cache is keyed by it.
  std::string ModelId;
  std::string NoModelReason;  ///< Why, for the diagnostic.
  LockFile *Lock = nullptr;   ///< Read, then rewritten with every tag.
  const DiskCache *Cache = nullptr;
  bool CheckOnly = false;            ///< `orchc check`: never ask, only note.
  bool Offline = false;              ///< Fail on tags the lock and cache lack.
  bool RefreshAll = false;           ///< Ask again for every tag...
  std::vector<std::string> Refresh;  ///< ...or for these paths.
  unsigned Jobs = 64;                ///< Concurrent model requests.
  AutoDomain Domain;
  /// Filled by the pass: tags it sent to the model.
  unsigned Requests = 0;
};

}  // namespace orch::passes
