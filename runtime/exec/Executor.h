//===- Executor.h - The event loop seen by the scheduler -------*- C++ -*-===//
//
// The scheduler and the actions never block: they set timers, watch file
// descriptors and receive work posted back from helper threads, all through
// this interface. EventLoop implements it with epoll; tests use a fake with
// virtual time (ninja's pattern of a fake behind the real interface).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace orch::runtime {

/// Time, timers, fd readiness and cross-thread posting, on one thread.
class Executor {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;
  using TimerId = uint64_t;
  using Callback = std::function<void()>;

  virtual ~Executor() = default;
  /// The loop's current time.
  virtual TimePoint now() = 0;
  /// Calls \p Fn on the loop thread at or after \p When. Ids are never 0.
  virtual TimerId addTimer(TimePoint When, Callback Fn) = 0;
  /// Forgets timer \p Id (no effect if it fired or is unknown).
  virtual void cancelTimer(TimerId Id) = 0;
  /// Thread-safe: calls \p Fn on the loop thread soon.
  virtual void post(Callback Fn) = 0;
  /// Calls \p Fn on the loop thread whenever \p Fd is readable (or hung
  /// up). Returns false if \p Fd cannot be watched (the fake cannot).
  virtual bool watchFd(int Fd, Callback Fn) = 0;
  /// Stops watching \p Fd; call before closing it.
  virtual void unwatchFd(int Fd) = 0;
  /// Runs callbacks until \p Done returns true (checked after each one).
  virtual void runUntil(const std::function<bool()> &Done) = 0;
};

}  // namespace orch::runtime
