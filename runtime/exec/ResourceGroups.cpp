//===- ResourceGroups.cpp -------------------------------------------------===//
#include "runtime/exec/ResourceGroups.h"

#include <algorithm>
#include <cmath>

namespace orch::runtime {

ResourceGroups::ResourceGroups(const std::vector<GroupLimits> &Limits) {
  Groups.reserve(Limits.size());
  for (const GroupLimits &L : Limits) {
    Group G;
    G.Limits = L;
    if (L.RequestsPerMinute) {
      G.PerMs = L.RequestsPerMinute / 60000.0;
      G.Capacity = std::max(1u, L.Burst);
      G.Tokens = G.Capacity;
    }
    Groups.push_back(std::move(G));
  }
}

ResourceGroups::Admission ResourceGroups::tryAcquire(size_t G, TimePoint Now) {
  Group &S = Groups[G];
  Admission A;
  if (S.Limits.MaxConcurrent && S.Running >= S.Limits.MaxConcurrent) return A;
  if (S.PerMs > 0) {
    if (S.Refilled) {
      double Ms = std::chrono::duration<double, std::milli>(Now - S.RefilledAt).count();
      S.Tokens = std::min(S.Capacity, S.Tokens + std::max(0.0, Ms) * S.PerMs);
    }
    S.Refilled = true;
    S.RefilledAt = Now;
    if (S.Tokens < 1) {
      // The next token, rounded up to a microsecond so that it is there.
      auto Wait = std::chrono::microseconds(
          static_cast<int64_t>(std::ceil((1 - S.Tokens) / S.PerMs * 1000)) + 1);
      A.RetryAt = Now + Wait;
      return A;
    }
    S.Tokens -= 1;
  }
  ++S.Running;
  S.Peak = std::max(S.Peak, S.Running);
  A.Granted = true;
  return A;
}

void ResourceGroups::release(size_t G, bool Unused) {
  Group &S = Groups[G];
  if (S.Running == 0) {
    ++UnheldReleases;  // a slot released twice; the tests look
    return;
  }
  --S.Running;
  if (Unused && S.PerMs > 0) S.Tokens = std::min(S.Capacity, S.Tokens + 1);
}

std::vector<uint32_t> ResourceGroups::takeParked(size_t G, size_t Max) {
  std::vector<uint32_t> &P = Groups[G].Parked;
  if (Max >= P.size()) {
    std::vector<uint32_t> Back;
    Back.swap(P);
    return Back;
  }
  std::vector<uint32_t> Back(P.begin(), P.begin() + static_cast<ptrdiff_t>(Max));
  P.erase(P.begin(), P.begin() + static_cast<ptrdiff_t>(Max));
  return Back;
}

size_t ResourceGroups::freeSlots(size_t G) const {
  const Group &S = Groups[G];
  if (S.Limits.MaxConcurrent == 0) return SIZE_MAX;
  return S.Limits.MaxConcurrent > S.Running ? S.Limits.MaxConcurrent - S.Running : 0;
}

unsigned ResourceGroups::held() const {
  unsigned N = 0;
  for (const Group &G : Groups) N += G.Running;
  return N;
}

}  // namespace orch::runtime
