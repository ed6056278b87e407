//===- RecorderTest.cpp - The recorder's use of its store connection -----===//
//
// The recorder's store connection belongs to one thread at a time (SQLite
// opens it SQLITE_OPEN_NOMUTEX): two threads inside it at once corrupt the
// database. A store that notices overlapping calls stands in for it.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "FakeExecutor.h"
#include "runtime/state/Recorder.h"

using namespace orch::state;

namespace {

/// A store that does nothing but note when two threads are inside it at
/// once (each call stays inside a little while to make that likely).
class OverlapStore : public StateStore {
 public:
  explicit OverlapStore(std::atomic<int> &Overlaps) : Overlaps(Overlaps) {}
  llvm::StringRef backend() const override { return "overlap"; }
  std::string where() const override { return "memory"; }
  llvm::Error createRun(const RunRecord &) override { return inside(); }
  llvm::Expected<std::optional<RunRecord>> findRun(llvm::StringRef) override {
    if (llvm::Error E = inside()) return E;
    return std::nullopt;
  }
  llvm::Expected<std::string> latestRun(llvm::StringRef) override {
    if (llvm::Error E = inside()) return E;
    return std::string();
  }
  llvm::Expected<std::vector<RunRecord>> listRuns() override {
    if (llvm::Error E = inside()) return E;
    return std::vector<RunRecord>();
  }
  llvm::Error finishRun(llvm::StringRef, llvm::StringRef, llvm::StringRef,
                        int64_t) override {
    return inside();
  }
  llvm::Error putSteps(llvm::ArrayRef<StepRecord>) override { return inside(); }
  llvm::Expected<std::vector<StepRecord>> steps(llvm::StringRef) override {
    if (llvm::Error E = inside()) return E;
    return std::vector<StepRecord>();
  }
  llvm::Error appendEvents(llvm::StringRef, llvm::StringRef) override { return inside(); }
  llvm::Expected<std::string> events(llvm::StringRef) override {
    if (llvm::Error E = inside()) return E;
    return std::string();
  }
  llvm::Expected<std::string> acquireLease(llvm::StringRef, llvm::StringRef, int64_t,
                                           int64_t, bool (*)(llvm::StringRef)) override {
    if (llvm::Error E = inside()) return E;
    return std::string();
  }
  llvm::Error releaseLease(llvm::StringRef, llvm::StringRef) override { return inside(); }
  llvm::Error putBlob(llvm::StringRef, llvm::StringRef) override { return inside(); }
  llvm::Expected<std::optional<std::string>> getBlob(llvm::StringRef) override {
    if (llvm::Error E = inside()) return E;
    return std::nullopt;
  }
  llvm::Error putCache(const CacheRecord &) override { return inside(); }
  llvm::Expected<std::optional<CacheRecord>> getCache(llvm::StringRef, int64_t) override {
    if (llvm::Error E = inside()) return E;
    return std::nullopt;
  }
  llvm::Expected<GcResult> gc(int64_t, int64_t, bool) override {
    if (llvm::Error E = inside()) return E;
    return GcResult();
  }
  llvm::Expected<std::string> integrityCheck() override {
    if (llvm::Error E = inside()) return E;
    return std::string();
  }

 private:
  llvm::Error inside() {
    if (In.fetch_add(1) != 0) ++Overlaps;
    std::this_thread::sleep_for(std::chrono::microseconds(300));
    In.fetch_sub(1);
    return llvm::Error::success();
  }
  std::atomic<int> In{0};
  std::atomic<int> &Overlaps;
};

// A lease renewal falling due while finish() ends the run used to run on
// the writer thread beside finishRun on the caller's: with renewals every
// millisecond, nearly every one of these finishes overlapped.
TEST(Recorder, FinishNeverSharesTheConnectionWithALeaseRenewal) {
  std::atomic<int> Overlaps{0};
  for (int I = 0; I < 40; ++I) {
    orch::testing::FakeExecutor Exec;
    Recorder R(std::make_unique<OverlapStore>(Overlaps), Exec, "r-1", "host:1",
               CheckpointStrategy::EveryStep, std::chrono::milliseconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    // finishRun and releaseLease: each long enough for a renewal to fall due.
    llvm::Error E = R.finish("completed", "");
    EXPECT_FALSE(static_cast<bool>(E)) << "run " << I;
    llvm::consumeError(std::move(E));
  }
  EXPECT_EQ(Overlaps.load(), 0);
}

}  // namespace
