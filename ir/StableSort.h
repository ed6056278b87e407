//===- StableSort.h - A stable sort without temporary buffers --*- C++ -*-===//
//
// Part of orchc/orchrt.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// `orch::stableSort`: sorts an index permutation with `std::sort`, ties
/// broken by position, then moves the elements into place. libstdc++ 12's
/// `std::stable_sort` calls `std::get_temporary_buffer`, deprecated since
/// C++17, and clang reports that at every use; the build has no warnings.
///
//===----------------------------------------------------------------------===//
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <iterator>
#include <numeric>
#include <utility>
#include <vector>

namespace orch {

/// Sorts the random-access range [\p First, \p Last) by \p Less, keeping
/// equal elements in their order. O(n log n) comparisons, n moves.
template <typename It, typename Cmp>
void stableSort(It First, It Last, Cmp Less) {
  using T = typename std::iterator_traits<It>::value_type;
  auto N = static_cast<std::size_t>(std::distance(First, Last));
  if (N < 2) return;
  std::vector<std::size_t> Order(N);
  std::iota(Order.begin(), Order.end(), std::size_t(0));
  std::sort(Order.begin(), Order.end(), [&](std::size_t A, std::size_t B) {
    if (Less(First[A], First[B])) return true;
    if (Less(First[B], First[A])) return false;
    return A < B;
  });
  std::vector<T> Sorted;
  Sorted.reserve(N);
  for (std::size_t I : Order) Sorted.push_back(std::move(First[I]));
  std::move(Sorted.begin(), Sorted.end(), First);
}

/// Sorts [\p First, \p Last) by `<`, keeping equal elements in their order.
template <typename It>
void stableSort(It First, It Last) {
  stableSort(First, Last, std::less<>());
}

}  // namespace orch

