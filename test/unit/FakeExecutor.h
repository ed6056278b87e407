//===- FakeExecutor.h - Virtual time for scheduler tests -------*- C++ -*-===//
#pragma once

#include <deque>
#include <map>

#include "runtime/exec/Executor.h"

namespace orch::testing {

/// An Executor whose clock only moves when nothing else can run: posted
/// callbacks first, then the earliest timer, whose time becomes now. A run
/// of a thousand 100 ms steps takes microseconds and is exactly
/// reproducible.
class FakeExecutor : public runtime::Executor {
 public:
  TimePoint now() override { return Now; }
  TimerId addTimer(TimePoint When, Callback Fn) override {
    TimerId Id = Next++;
    Timers.emplace(std::make_pair(std::max(When, Now), Id), std::move(Fn));
    return Id;
  }
  void cancelTimer(TimerId Id) override {
    for (auto It = Timers.begin(); It != Timers.end(); ++It)
      if (It->first.second == Id) {
        Timers.erase(It);
        return;
      }
  }
  void post(Callback Fn) override { Posted.push_back(std::move(Fn)); }
  bool watchFd(int, Callback) override { return false; }
  void unwatchFd(int) override {}
  void runUntil(const std::function<bool()> &Done) override {
    Stalled = false;
    while (!Done()) {
      if (!Posted.empty()) {
        Callback Fn = std::move(Posted.front());
        Posted.pop_front();
        Fn();
        continue;
      }
      if (Timers.empty()) {
        Stalled = true;  // nothing can ever happen: a hang in real life
        return;
      }
      auto It = Timers.begin();
      Now = It->first.first;
      Callback Fn = std::move(It->second);
      Timers.erase(It);
      Fn();
    }
  }
  /// Virtual time since construction.
  std::chrono::milliseconds elapsed() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Now - Start);
  }
  /// Timers set and neither fired nor cancelled.
  size_t pendingTimers() const { return Timers.size(); }
  bool Stalled = false;

 private:
  TimePoint Start{std::chrono::hours(1)};
  TimePoint Now = Start;
  TimerId Next = 1;
  std::map<std::pair<TimePoint, TimerId>, Callback> Timers;
  std::deque<Callback> Posted;
};

}  // namespace orch::testing
