//===- ResourceLimits.h - A process step's resource limits -----*- C++ -*-===//
//
// The `resource_limits` forms of config.yaml's `sandbox` and of a step's
// `limits` parameter (`memory: 1GB`, `cpu: 0.5`, `cpu_time`, `disk`,
// `processes`, `open_files`, `network: none | host`), parsed the same way
// by the compiler (which checks a step's constant limits against the
// configured ceilings) and by the sandbox (runtime/sandbox/Policy.h).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace orch::ir {

/// Resource limits of a step (0 or nullopt: not given).
struct ResourceLimits {
  uint64_t MemoryBytes = 0;         ///< `memory`: the step's memory.
  uint64_t CpuSeconds = 0;          ///< `cpu_time`: seconds of CPU time.
  uint64_t Processes = 0;           ///< `processes`: processes at once.
  uint64_t FileSizeBytes = 0;       ///< `disk`: file size and each tmpfs.
  uint64_t OpenFiles = 0;           ///< `open_files`: descriptors.
  double CpuShare = 0;              ///< `cpu`: CPUs' worth of time (a cgroup quota).
  std::optional<bool> HostNetwork;  ///< `network`: host (true) or none (false).
};

/// The defaults when nothing is configured: 1 GiB, 600 s of CPU time, 256
/// processes, 100 MiB files, 256 descriptors, no CPU share, no network.
ResourceLimits defaultResourceLimits();

/// Parses a byte size: a number with an optional unit B, KB, MB, GB, TB
/// (powers of 1024; K, M, G, KiB, ... too). Errors say what was seen.
llvm::Expected<uint64_t> parseByteSize(llvm::StringRef Text);

/// Reads limits in the `resource_limits` form, as JSON: `memory` and `disk`
/// (sizes or byte counts), `cpu` (a share of CPUs), `cpu_time` (seconds),
/// `processes`, `open_files`, `network` (`none` or `host`). Unknown keys
/// and bad values are errors naming the key.
llvm::Expected<ResourceLimits> parseResourceLimits(const nlohmann::json &J);

/// \p Over with every field it gives replacing \p Base's.
ResourceLimits overrideLimits(const ResourceLimits &Base, const ResourceLimits &Over);

/// A limit a step asks for beyond its ceiling.
struct LimitExcess {
  std::string Key;      ///< `memory`, `network`, ...
  std::string Message;  ///< "`memory: 2.0 GiB` is above the ceiling 1.0 GiB".
};

/// The limits \p Asked gives that are looser than \p Ceiling (every field
/// of which is set): more memory, time, processes, disk, descriptors, a
/// larger CPU share than a configured one, or the host's network where the
/// ceiling has none.
std::vector<LimitExcess> limitsAboveCeiling(const ResourceLimits &Asked,
                                            const ResourceLimits &Ceiling);

}  // namespace orch::ir
