//===- EventLoop.h - epoll-based Executor ----------------------*- C++ -*-===//
#pragma once

#include <deque>
#include <mutex>
#include <queue>
#include <unordered_map>
#include <vector>

#include "runtime/exec/Executor.h"

namespace orch::runtime {

/// One thread's event loop: epoll for descriptors, a timer heap whose
/// earliest deadline bounds epoll_wait, and an eventfd that wakes the loop
/// when another thread posts. Thousands of waiting steps cost a heap entry
/// or a descriptor each, never a thread.
class EventLoop : public Executor {
 public:
  EventLoop();
  ~EventLoop() override;
  EventLoop(const EventLoop &) = delete;
  EventLoop &operator=(const EventLoop &) = delete;

  /// The loop's time, read once an iteration (as libuv does): every step
  /// started in one iteration starts at the same instant, so their timers
  /// and timeouts line up instead of drifting by the launch work.
  TimePoint now() override { return Now; }
  /// Reads the clock now (the loop does so every iteration).
  void updateTime() { Now = Clock::now(); }
  TimerId addTimer(TimePoint When, Callback Fn) override;
  void cancelTimer(TimerId Id) override;
  void post(Callback Fn) override;
  bool watchFd(int Fd, Callback Fn) override;
  void unwatchFd(int Fd) override;
  void runUntil(const std::function<bool()> &Done) override;
  /// True when no timer, watched descriptor or posted callback is left, so
  /// the loop can serve another run as if new (stale timer entries are
  /// dropped); false leaves it as it is.
  bool resetIfIdle();
  /// Calls \p Fn (on the loop thread) each time the loop is about to
  /// sleep: to wait for a descriptor, a timer or a post, with nothing
  /// ready. What a caller holds back while it is busy (the event log's
  /// batch of attempt records) goes out before a wait. Empty: none;
  /// resetIfIdle() empties it.
  void setBeforeSleep(Callback Fn) { BeforeSleep = std::move(Fn); }

 private:
  struct Timer {
    TimePoint When;
    TimerId Id;
    bool operator>(const Timer &O) const {
      return When != O.When ? When > O.When : Id > O.Id;
    }
  };
  bool runDue(const std::function<bool()> &Done);
  bool drainPosted(const std::function<bool()> &Done);

  TimePoint Now = Clock::now();
  int Epoll = -1;
  bool HavePwait2 = true;  ///< Kernels before 5.11 lack epoll_pwait2.
  int Wake = -1;
  TimerId NextId = 1;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> Heap;
  std::unordered_map<TimerId, Callback> Timers;
  std::unordered_map<int, Callback> Watches;
  std::mutex PostM;
  std::deque<Callback> Posted;
  Callback BeforeSleep;
};

}  // namespace orch::runtime
