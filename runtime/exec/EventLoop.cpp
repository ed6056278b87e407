//===- EventLoop.cpp ------------------------------------------------------===//
#include "runtime/exec/EventLoop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace orch::runtime {

EventLoop::EventLoop() {
  // Timers are the schedule: do not let the kernel add its default 50 us of
  // slack to every wake-up.
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  Epoll = epoll_create1(EPOLL_CLOEXEC);
  Wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (Epoll < 0 || Wake < 0) {
    // No epoll means no runtime at all; this is not recoverable.
    std::perror("orchrt: cannot create the event loop");
    std::abort();
  }
  epoll_event Ev{};
  Ev.events = EPOLLIN;
  Ev.data.fd = Wake;
  epoll_ctl(Epoll, EPOLL_CTL_ADD, Wake, &Ev);
}

EventLoop::~EventLoop() {
  close(Wake);
  close(Epoll);
}

Executor::TimerId EventLoop::addTimer(TimePoint When, Callback Fn) {
  TimerId Id = NextId++;
  Heap.push({When, Id});
  Timers.emplace(Id, std::move(Fn));
  return Id;
}

void EventLoop::cancelTimer(TimerId Id) { Timers.erase(Id); }

bool EventLoop::resetIfIdle() {
  {
    std::lock_guard<std::mutex> L(PostM);
    if (!Posted.empty()) return false;
  }
  if (!Timers.empty() || !Watches.empty()) return false;
  Heap = {};
  BeforeSleep = nullptr;  // the last run's, and what it captured
  return true;
}

void EventLoop::post(Callback Fn) {
  {
    std::lock_guard<std::mutex> L(PostM);
    Posted.push_back(std::move(Fn));
  }
  uint64_t One = 1;
  // A full counter still wakes the loop; nothing to handle.
  [[maybe_unused]] ssize_t N = write(Wake, &One, sizeof One);
}

bool EventLoop::watchFd(int Fd, Callback Fn) {
  epoll_event Ev{};
  Ev.events = EPOLLIN | EPOLLRDHUP;
  Ev.data.fd = Fd;
  if (epoll_ctl(Epoll, EPOLL_CTL_ADD, Fd, &Ev) != 0) return false;
  Watches[Fd] = std::move(Fn);
  return true;
}

void EventLoop::unwatchFd(int Fd) {
  if (Watches.erase(Fd)) epoll_ctl(Epoll, EPOLL_CTL_DEL, Fd, nullptr);
}

bool EventLoop::runDue(const std::function<bool()> &Done) {
  Now = Clock::now();
  while (!Heap.empty() && Heap.top().When <= Now) {
    TimerId Id = Heap.top().Id;
    Heap.pop();
    auto It = Timers.find(Id);
    if (It == Timers.end()) continue;  // cancelled
    Callback Fn = std::move(It->second);
    Timers.erase(It);
    Fn();
    if (Done()) return true;
  }
  return false;
}

bool EventLoop::drainPosted(const std::function<bool()> &Done) {
  while (true) {
    std::deque<Callback> Batch;
    {
      std::lock_guard<std::mutex> L(PostM);
      if (Posted.empty()) return false;
      Batch.swap(Posted);
    }
    for (size_t I = 0; I < Batch.size(); ++I) {
      Callback Fn = std::move(Batch[I]);
      Fn();
      if (Done()) {
        // Keep what is left, in order, for a later run.
        std::lock_guard<std::mutex> L(PostM);
        Posted.insert(Posted.begin(), std::make_move_iterator(Batch.begin() + I + 1),
                      std::make_move_iterator(Batch.end()));
        return true;
      }
    }
  }
}

void EventLoop::runUntil(const std::function<bool()> &Done) {
  epoll_event Events[64];
  while (!Done()) {
    Now = Clock::now();
    if (drainPosted(Done) || runDue(Done)) return;
    // Drop cancelled timers at the top so they do not shorten the wait.
    while (!Heap.empty() && !Timers.count(Heap.top().Id)) Heap.pop();
    // Sleep exactly until the next timer: epoll_pwait2 takes nanoseconds
    // (milliseconds, rounded up, would make every timer up to 1 ms late).
    bool Forever = false;
    std::chrono::nanoseconds Left{0};
    auto Wait = [&] {
      Forever = Heap.empty();
      Left = std::chrono::nanoseconds(0);
      if (!Forever)
        Left = std::max(std::chrono::nanoseconds(0), Heap.top().When - Clock::now());
      std::lock_guard<std::mutex> L(PostM);
      if (!Posted.empty()) {
        Forever = false;
        Left = std::chrono::nanoseconds(0);
      }
    };
    Wait();
    if (BeforeSleep && (Forever || Left.count() > 0)) {
      // The hook may block (the event log's queue full): the wait is
      // measured again after it, so no timer fires late by that time.
      BeforeSleep();
      Wait();
    }
    int N;
    if (HavePwait2) {
      timespec TS{static_cast<time_t>(Left.count() / 1000000000),
                  static_cast<long>(Left.count() % 1000000000)};
      N = epoll_pwait2(Epoll, Events, 64, Forever ? nullptr : &TS, nullptr);
      if (N < 0 && errno == ENOSYS) {
        HavePwait2 = false;
        continue;
      }
    } else {
      int TimeoutMs =
          Forever ? -1
                  : static_cast<int>(
                        std::chrono::ceil<std::chrono::milliseconds>(Left).count());
      N = epoll_wait(Epoll, Events, 64, TimeoutMs);
    }
    if (N < 0 && errno != EINTR) {
      std::perror("orchrt: epoll_wait");
      std::abort();
    }
    Now = Clock::now();
    for (int I = 0; I < N; ++I) {
      int Fd = Events[I].data.fd;
      if (Fd == Wake) {
        uint64_t V;
        [[maybe_unused]] ssize_t R = read(Wake, &V, sizeof V);
        continue;
      }
      auto It = Watches.find(Fd);
      if (It == Watches.end()) continue;
      Callback Fn = It->second;  // the callback may unwatch itself
      Fn();
      if (Done()) return;
    }
  }
}

}  // namespace orch::runtime
