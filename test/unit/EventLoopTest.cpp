//===- EventLoopTest.cpp - The loop's hook before it sleeps ---------------===//
//
// EventLoop::setBeforeSleep: called once the loop has nothing ready and is
// about to wait (never between ready callbacks), and forgotten by
// resetIfIdle().
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "runtime/exec/EventLoop.h"

namespace {

using orch::runtime::EventLoop;

TEST(EventLoopBeforeSleep, CalledOnlyWhenTheLoopWaits) {
  EventLoop Loop;
  std::vector<std::string> Seen;
  Loop.setBeforeSleep([&] { Seen.push_back("sleep"); });
  bool Fired = false;
  for (int I = 0; I < 3; ++I)
    Loop.post([&, I] { Seen.push_back("post" + std::to_string(I)); });
  // A timer already due runs without a wait; one in the future needs one.
  Loop.addTimer(Loop.now(), [&] { Seen.push_back("due"); });
  // Far enough that a stalled test thread still finds it in the future.
  Loop.addTimer(EventLoop::Clock::now() + std::chrono::milliseconds(300), [&] {
    Seen.push_back("timer");
    Fired = true;
  });
  Loop.runUntil([&] { return Fired; });
  ASSERT_GE(Seen.size(), 6u);
  EXPECT_EQ(std::vector<std::string>(Seen.begin(), Seen.begin() + 5),
            (std::vector<std::string>{"post0", "post1", "post2", "due", "sleep"}));
  EXPECT_EQ(Seen.back(), "timer");
  // An early wake-up may wait again: only hooks between.
  for (size_t I = 5; I + 1 < Seen.size(); ++I) EXPECT_EQ(Seen[I], "sleep");
}

TEST(EventLoopBeforeSleep, NotCalledWhenTheRunEndsWithoutWaiting) {
  EventLoop Loop;
  int Calls = 0;
  Loop.setBeforeSleep([&] { ++Calls; });
  bool Done = false;
  Loop.post([&] { Done = true; });
  Loop.runUntil([&] { return Done; });
  EXPECT_EQ(Calls, 0);
}

TEST(EventLoopBeforeSleep, ResetIfIdleForgetsTheHook) {
  EventLoop Loop;
  int Calls = 0;
  Loop.setBeforeSleep([&] { ++Calls; });
  ASSERT_TRUE(Loop.resetIfIdle());
  bool Fired = false;
  Loop.addTimer(EventLoop::Clock::now() + std::chrono::milliseconds(5),
                [&] { Fired = true; });
  Loop.runUntil([&] { return Fired; });
  EXPECT_EQ(Calls, 0);
}

}  // namespace
