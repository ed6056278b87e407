//===- Policy.h - What a sandboxed step may use ----------------*- C++ -*-===//
//
// The limits and the view of the file system a `shell` step gets. The
// launcher (Launch.h) turns a policy into a bubblewrap command line; the
// policy itself is plain data, built from config.yaml's
// `sandbox.resource_limits` (the run's ceilings) and the step's own
// `limits` parameter (which may only tighten them).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "ir/ResourceLimits.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace orch::runtime::sandbox {

/// Resource limits of one step: `memory` bounds the step's cgroup (and
/// each process's address space), `cpu_time`, `disk`, `open_files` are
/// rlimits, `processes` the cgroup's pids.max, `cpu` a cgroup quota.
using Limits = ir::ResourceLimits;

/// The defaults when nothing is configured (ir::defaultResourceLimits).
inline Limits defaultLimits() { return ir::defaultResourceLimits(); }

using ir::parseByteSize;

/// How the run directory appears in the sandbox.
enum class RunDirAccess { None, Read, Write };

/// Everything the launcher needs besides the program.
struct Policy {
  bool Enabled = true;  ///< false: `--no-sandbox` / `sandbox.enabled: false`.
  /// Unsandboxed and not root: may a step get a user namespace of its own
  /// (false: `--no-userns` / `sandbox.user_namespace: false`, so setuid
  /// tools work)?
  bool UserNamespace = true;
  Limits Lim = defaultLimits();
  RunDirAccess RunDir = RunDirAccess::None;
  bool Network = false;  ///< `network: none` (the default) keeps a private, empty one.
};

/// Applies config.yaml's `resource_limits` (JSON) to \p P: each key given
/// replaces the default, and the result is the ceiling of every step.
/// Unknown keys and bad values are errors.
llvm::Error applyLimitsJson(const nlohmann::json &J, Policy &P);

/// Applies a step's own `limits` to \p P: each may tighten \p P's, never
/// loosen it (more memory, time, processes, disk or descriptors, a larger
/// CPU share, `network: host` where \p P has none are errors that say so).
llvm::Error applyStepLimitsJson(const nlohmann::json &J, Policy &P);

/// Parses `run_dir: none | read | write`.
llvm::Expected<RunDirAccess> parseRunDirAccess(llvm::StringRef Text);

}  // namespace orch::runtime::sandbox
