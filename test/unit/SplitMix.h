//===- SplitMix.h - The random tests' generator -----------------*- C++ -*-===//
//
// splitmix64: the same numbers on every platform, so a seed that fails
// replays anywhere (SchedulerRandomTest, SchedulerRoutesTest,
// SchedulerCyclesTest).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <initializer_list>

namespace orch::testing {

/// A splitmix64 generator seeded with S.
struct SplitMix {
  uint64_t S;
  uint64_t next() {
    uint64_t Z = (S += 0x9e3779b97f4a7c15ULL);
    Z = (Z ^ (Z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    Z = (Z ^ (Z >> 27)) * 0x94d049bb133111ebULL;
    return Z ^ (Z >> 31);
  }
  /// A number below \p N.
  unsigned below(unsigned N) { return static_cast<unsigned>(next() % N); }
  /// True \p Percent times in a hundred.
  bool chance(unsigned Percent) { return below(100) < Percent; }
  /// One of \p L.
  template <typename T>
  const T &pick(std::initializer_list<T> L) {
    return L.begin()[below(static_cast<unsigned>(L.size()))];
  }
};

}  // namespace orch::testing
