//===- Policy.h - What a sandboxed step may use ----------------*- C++ -*-===//
//
// The limits and the view of the file system a `shell` step gets. The
// launcher (Launch.h) turns a policy into a bubblewrap command line; the
// policy itself is plain data, built from config.yaml's
// `sandbox.resource_limits` and the step's own `limits` parameter.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace orch::runtime::sandbox {

/// Resource limits of one step (each applies to every process of the step
/// as an rlimit; 0: the default below).
struct Limits {
  uint64_t MemoryBytes = 0;  ///< RLIMIT_AS (address space).
  uint64_t CpuSeconds = 0;   ///< RLIMIT_CPU (the `cpu_time` form).
  uint64_t Processes = 0;    ///< RLIMIT_NPROC, counted in the step's own user namespace.
  uint64_t FileSizeBytes = 0;  ///< RLIMIT_FSIZE (the `disk` form).
  uint64_t OpenFiles = 0;      ///< RLIMIT_NOFILE.
  double CpuShare = 0;         ///< `cpu`: CPUs' worth of time (a cgroup quota); 0: none.
};

/// The defaults when nothing is configured: 1 GiB, 600 s of CPU time, 256
/// processes, 100 MiB files, 256 descriptors, no CPU share.
Limits defaultLimits();

/// \p Over with every unset (0) field taken from \p Base.
Limits mergeLimits(const Limits &Over, const Limits &Base);

/// How the run directory appears in the sandbox.
enum class RunDirAccess { None, Read, Write };

/// Everything the launcher needs besides the program.
struct Policy {
  bool Enabled = true;  ///< false: `--no-sandbox` / `sandbox.enabled: false`.
  Limits Lim = defaultLimits();
  RunDirAccess RunDir = RunDirAccess::None;
  bool Network = false;  ///< `network: none` (the default) keeps a private, empty one.
};

/// Parses a byte size: a number with an optional unit B, KB, MB, GB, TB
/// (powers of 1024; K, M, G, KiB, ... too). Errors say what was seen.
llvm::Expected<uint64_t> parseByteSize(llvm::StringRef Text);

/// Reads limits in config.yaml's `resource_limits` form, as JSON: `memory`
/// and `disk` (sizes or byte counts), `cpu` (a share of CPUs, the seed's
/// `cpu: 0.5`), `cpu_time` (seconds), `processes`, `open_files`, `network`
/// (`none` or `host`). Unknown keys are errors.
llvm::Error applyLimitsJson(const nlohmann::json &J, Policy &P);

/// Parses `run_dir: none | read | write`.
llvm::Expected<RunDirAccess> parseRunDirAccess(llvm::StringRef Text);

}  // namespace orch::runtime::sandbox
