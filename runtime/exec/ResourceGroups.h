//===- ResourceGroups.h - Limits shared by the steps of a group -*- C++ -*-===//
//
// A resource group (ninja's Pool) bounds the steps that share a resource:
// at most `max_concurrent` of them run at once, and starts follow a token
// bucket of `requests_per_minute` with `burst`. A step the group holds
// back is parked; the scheduler takes the parked steps back when a slot
// frees or when the next token is due. Pure bookkeeping: time is passed
// in, and the scheduler owns the timers.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "runtime/exec/Executor.h"

namespace orch::runtime {

/// The limits of one group, as the plan gives them.
struct GroupLimits {
  unsigned MaxConcurrent = 0;      ///< 0: no limit.
  unsigned RequestsPerMinute = 0;  ///< 0: no rate.
  unsigned Burst = 1;              ///< Starts allowed at once under the rate.
};

/// The groups of one run.
class ResourceGroups {
 public:
  using TimePoint = Executor::TimePoint;

  ResourceGroups() = default;
  explicit ResourceGroups(const std::vector<GroupLimits> &Limits);

  size_t size() const { return Groups.size(); }

  /// What tryAcquire decided.
  struct Admission {
    bool Granted = false;
    /// Not granted because no token is left: when the next one is due.
    std::optional<TimePoint> RetryAt;
  };

  /// Takes a slot and a token of group \p G at \p Now if both are free.
  /// A step that is refused should be park()ed.
  Admission tryAcquire(size_t G, TimePoint Now);
  /// Gives back the slot a granted step held. \p Unused: the step never
  /// started after all, so its token returns too.
  void release(size_t G, bool Unused = false);
  /// Keeps step \p Step aside until takeParked(G).
  void park(size_t G, uint32_t Step) {
    Groups[G].Parked.push_back(Step);
    ++Groups[G].Parks;
  }
  /// The first \p Max steps parked in \p G, in the order they were parked,
  /// out of the list (by default all of them).
  std::vector<uint32_t> takeParked(size_t G, size_t Max = SIZE_MAX);
  /// How many parked steps a freed slot of \p G should wake: its free
  /// slots (all of them without a concurrency limit), so that a slot wakes
  /// one step, not every parked one (ninja's Pool does the same).
  size_t freeSlots(size_t G) const;

  /// Steps of \p G holding a slot now.
  unsigned running(size_t G) const { return Groups[G].Running; }
  /// The most steps of \p G that ever held a slot at once.
  unsigned peak(size_t G) const { return Groups[G].Peak; }
  size_t parked(size_t G) const { return Groups[G].Parked.size(); }
  /// How often a step was parked in \p G (for tests: no step bounces).
  uint64_t parks(size_t G) const { return Groups[G].Parks; }
  /// Releases of a slot nobody held, in all groups: a bookkeeping bug,
  /// counted in every build (for tests, which expect 0).
  uint64_t unheldReleases() const { return UnheldReleases; }
  /// Slots held in all groups together (0 once a run has ended).
  unsigned held() const;
  const GroupLimits &limits(size_t G) const { return Groups[G].Limits; }

 private:
  struct Group {
    GroupLimits Limits;
    double PerMs = 0;     ///< Tokens a millisecond (requests_per_minute / 60000).
    double Capacity = 1;  ///< Burst, at least 1.
    double Tokens = 1;
    bool Refilled = false;
    TimePoint RefilledAt{};
    unsigned Running = 0, Peak = 0;
    uint64_t Parks = 0;
    std::vector<uint32_t> Parked;
  };
  std::vector<Group> Groups;
  uint64_t UnheldReleases = 0;
};

}  // namespace orch::runtime
