//===- ResourceGroupsTest.cpp - Slots, tokens and parked steps ------------===//
#include <gtest/gtest.h>

#include "runtime/exec/ResourceGroups.h"

using namespace orch::runtime;
using std::chrono::milliseconds;

namespace {

const Executor::TimePoint T0{std::chrono::hours(1)};

TEST(ResourceGroups, AConcurrencyLimitRefusesOnceFullAndAdmitsAfterARelease) {
  ResourceGroups G({{2, 0, 1}});
  EXPECT_TRUE(G.tryAcquire(0, T0).Granted);
  EXPECT_TRUE(G.tryAcquire(0, T0).Granted);
  ResourceGroups::Admission A = G.tryAcquire(0, T0);
  EXPECT_FALSE(A.Granted);
  EXPECT_FALSE(A.RetryAt);  // only a release frees a slot: no time to wait for
  EXPECT_EQ(G.running(0), 2u);
  G.release(0);
  EXPECT_EQ(G.running(0), 1u);
  EXPECT_TRUE(G.tryAcquire(0, T0).Granted);
  EXPECT_EQ(G.peak(0), 2u);
  G.release(0);
  G.release(0);
  EXPECT_EQ(G.held(), 0u);
}

TEST(ResourceGroups, NoLimitsAdmitEverything) {
  ResourceGroups G({{0, 0, 1}});
  for (int I = 0; I < 1000; ++I) EXPECT_TRUE(G.tryAcquire(0, T0).Granted);
  EXPECT_EQ(G.peak(0), 1000u);
}

TEST(ResourceGroups, TheTokenBucketAllowsTheBurstThenOneATokenInterval) {
  ResourceGroups G({{0, 600, 2}});  // one token every 100 ms, two at once
  EXPECT_TRUE(G.tryAcquire(0, T0).Granted);
  EXPECT_TRUE(G.tryAcquire(0, T0).Granted);
  ResourceGroups::Admission A = G.tryAcquire(0, T0);
  ASSERT_FALSE(A.Granted);
  ASSERT_TRUE(A.RetryAt);
  // Due 100 ms later (rounded up by a microsecond so the token is there).
  EXPECT_GE(*A.RetryAt, T0 + milliseconds(100));
  EXPECT_LT(*A.RetryAt, T0 + milliseconds(101));
  EXPECT_FALSE(G.tryAcquire(0, T0 + milliseconds(99)).Granted);
  EXPECT_TRUE(G.tryAcquire(0, *A.RetryAt).Granted);
  EXPECT_FALSE(G.tryAcquire(0, *A.RetryAt).Granted);
  // Idle for a long time: the bucket holds no more than the burst.
  Executor::TimePoint Later = T0 + std::chrono::hours(1);
  EXPECT_TRUE(G.tryAcquire(0, Later).Granted);
  EXPECT_TRUE(G.tryAcquire(0, Later).Granted);
  EXPECT_FALSE(G.tryAcquire(0, Later).Granted);
}

TEST(ResourceGroups, ASlotGivenBackUnusedReturnsItsToken) {
  ResourceGroups G({{0, 60, 1}});  // one a second
  EXPECT_TRUE(G.tryAcquire(0, T0).Granted);
  G.release(0, /*Unused=*/true);
  EXPECT_TRUE(G.tryAcquire(0, T0).Granted);  // the token came back
  G.release(0);
  EXPECT_FALSE(G.tryAcquire(0, T0).Granted);  // a used one does not
}

TEST(ResourceGroups, BothLimitsHoldTogether) {
  ResourceGroups G({{1, 600, 5}});
  EXPECT_TRUE(G.tryAcquire(0, T0).Granted);
  ResourceGroups::Admission A = G.tryAcquire(0, T0);
  EXPECT_FALSE(A.Granted);
  EXPECT_FALSE(A.RetryAt);  // full, though tokens are left
  G.release(0);
  EXPECT_TRUE(G.tryAcquire(0, T0).Granted);
}

TEST(ResourceGroups, ParkedStepsComeBackInOrderOnce) {
  ResourceGroups G({{1, 0, 1}, {0, 0, 1}});
  G.park(0, 7);
  G.park(0, 3);
  G.park(1, 9);
  EXPECT_EQ(G.parked(0), 2u);
  EXPECT_EQ(G.takeParked(0), (std::vector<uint32_t>{7, 3}));
  EXPECT_TRUE(G.takeParked(0).empty());
  EXPECT_EQ(G.takeParked(1), (std::vector<uint32_t>{9}));
}

TEST(ResourceGroups, GroupsAreIndependent) {
  ResourceGroups G({{1, 0, 1}, {1, 0, 1}});
  EXPECT_TRUE(G.tryAcquire(0, T0).Granted);
  EXPECT_TRUE(G.tryAcquire(1, T0).Granted);
  EXPECT_FALSE(G.tryAcquire(0, T0).Granted);
  EXPECT_EQ(G.held(), 2u);
  G.release(1);
  EXPECT_EQ(G.running(0), 1u);
  EXPECT_EQ(G.running(1), 0u);
}

}  // namespace

namespace {

TEST(ResourceGroups, AReleaseOfAnUnheldSlotIsCountedInEveryBuild) {
  ResourceGroups G({{1, 0, 1}});
  EXPECT_TRUE(G.tryAcquire(0, {}).Granted);
  G.release(0);
  EXPECT_EQ(G.unheldReleases(), 0u);
  G.release(0);  // twice: a bookkeeping bug, not hidden by NDEBUG
  EXPECT_EQ(G.unheldReleases(), 1u);
  EXPECT_EQ(G.running(0), 0u);
}

TEST(ResourceGroups, AFreedSlotWakesAsManyParkedStepsAsThereAreFreeSlots) {
  ResourceGroups G({{2, 0, 1}, {0, 0, 1}});
  EXPECT_TRUE(G.tryAcquire(0, {}).Granted);
  EXPECT_TRUE(G.tryAcquire(0, {}).Granted);
  for (uint32_t S = 0; S < 5; ++S) G.park(0, S);
  EXPECT_EQ(G.freeSlots(0), 0u);
  G.release(0);
  EXPECT_EQ(G.freeSlots(0), 1u);
  EXPECT_EQ(G.takeParked(0, G.freeSlots(0)), (std::vector<uint32_t>{0}));
  EXPECT_EQ(G.parked(0), 4u);
  EXPECT_EQ(G.parks(0), 5u);
  EXPECT_EQ(G.freeSlots(1), SIZE_MAX);  // no limit
  EXPECT_EQ(G.takeParked(0), (std::vector<uint32_t>{1, 2, 3, 4}));
}

}  // namespace
