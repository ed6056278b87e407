//===- Clock.h - Time, behind an interface for tests -----------*- C++ -*-===//
#pragma once

#include <chrono>
#include <thread>

namespace orch::llm {

/// Steady time and sleeping. Tests use a fake that records sleeps.
class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint now() = 0;
  virtual void sleepFor(std::chrono::milliseconds D) = 0;
};

/// The real steady clock.
class SystemClock : public Clock {
 public:
  TimePoint now() override { return std::chrono::steady_clock::now(); }
  void sleepFor(std::chrono::milliseconds D) override { std::this_thread::sleep_for(D); }
};

}  // namespace orch::llm
