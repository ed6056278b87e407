//===- RunId.h - Who a run is, for templates and messages ------*- C++ -*-===//
//
// orchrt fixes a run's identity at start (a new id, or the one resumed).
// Template variables such as `execution.run_id` read it from here.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>

#include "llvm/ADT/StringRef.h"

namespace orch::state {

/// A run's identity, fixed when it starts.
struct RunIdentity {
  std::string RunId;      ///< `r-20261130T160203-1a2b3c4d`
  std::string Pipeline;   ///< The pipeline's name.
  int64_t StartedMs = 0;  ///< Unix time, ms, of the first start.
  bool Resumed = false;   ///< Taken over from an earlier orchrt.
};

/// A new run id: `r-<UTC time of \p StartedMs>-<8 random hex digits>`
/// (sorts by time; names the same second as the run's `execution.timestamp`).
std::string newRunId(int64_t StartedMs);

/// This process as a lease holder: `<host>:<pid>`.
std::string leaseHolder();

/// Is the holder \p Holder (leaseHolder()) a process of this host that is
/// gone? (A holder on another host is never judged dead: its lease expires.)
bool holderIsDead(llvm::StringRef Holder);

}  // namespace orch::state
