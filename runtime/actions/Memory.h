//===- Memory.h - The run's key-value memory (memory.* actions) -*- C++ -*-===//
//
// `memory.store`, `memory.retrieve`, `memory.list` and `memory.clear` keep
// values under keys, in namespaces, for the rest of the run: ContextLab's
// `mcp-memory` tool, whose result fields they answer. A key stored with a
// `ttl` (seconds, 0: none) expires that long after it was stored; a read
// or a listing after that removes it. The memory lives in orchrt's process
// and ends with the run (docs/actions.md §14).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ir/Json.h"
#include "llvm/ADT/StringMap.h"
#include "runtime/actions/Action.h"

namespace orch::runtime {

/// The memory of one run.
class MemoryStore {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  /// The most bytes of values (as JSON text), keys and namespace names
  /// the memory holds at once.
  static constexpr size_t MaxBytes = 256u << 20;

  /// A memory of at most \p Limit bytes of values (tests make it small).
  explicit MemoryStore(size_t Limit = MaxBytes) : Limit(Limit) {}

  /// Runs memory action \p Action (`memory.store`, ...) with \p Params at
  /// \p Now (expiry), stamping stores with \p UnixSeconds (metadata).
  ActionResult run(const std::string &Action, const orch::ir::Json &Params, TimePoint Now,
                   double UnixSeconds);

 private:
  struct Entry {
    std::string Key;
    orch::ir::Json Value;
    int64_t Ttl = 0;  ///< Seconds; 0: none.
    TimePoint Expires;
    double StoredAt = 0;
    size_t Bytes = 0;
  };
  /// One namespace: its entries in the order first stored, an index by
  /// key, and the earliest time one of them expires (a scan before it
  /// finds nothing).
  struct Space {
    std::vector<Entry> Entries;
    llvm::StringMap<size_t> Index;
    TimePoint NextExpiry = TimePoint::max();
    Entry *find(llvm::StringRef Key);
  };

  ActionResult store(const std::string &Ns, const orch::ir::Json &Params, TimePoint Now,
                     double UnixSeconds);
  ActionResult retrieve(const std::string &Ns, const std::string &Key, TimePoint Now);
  ActionResult list(const std::string &Ns, TimePoint Now);
  ActionResult clear(const std::string &Ns);
  /// Removes the expired entries of \p S; true if \p Key was one of them.
  bool expire(Space &S, TimePoint Now, const std::string &Key = {});

  std::map<std::string, Space> Spaces;
  size_t Bytes = 0;
  size_t Limit;
};

}  // namespace orch::runtime
