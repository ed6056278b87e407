//===- EventLogTest.cpp - The event log's writer thread -------------------===//
//
// Events from several threads, more than the queue holds, all land in
// order per thread; flush() makes them visible before the log closes; a
// write error is reported, not lost.
//
//===----------------------------------------------------------------------===//
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "llvm/Support/FileSystem.h"
#include "runtime/observe/EventLog.h"

using json = orch::ir::Json;
using namespace orch::observe;

namespace {

std::string readAll(llvm::SmallString<128> &Path) {
  std::ifstream In(Path.c_str());
  std::stringstream Text;
  Text << In.rdbuf();
  return Text.str();
}

TEST(EventLogWriter, EveryEventInOrderAfterFlush) {
  llvm::SmallString<128> Path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("events", "jsonl", Path));
  constexpr unsigned Threads = 3;
  const unsigned PerThread = unsigned(EventLog::QueueLimit) + 1000;  // overfills
  auto Log = EventLog::open(Path.str().str(), {"not-in-the-log"});
  ASSERT_TRUE(bool(Log));
  std::vector<std::thread> Ts;
  for (unsigned T = 0; T < Threads; ++T)
    Ts.emplace_back([&, T] {
      for (unsigned I = 0; I < PerThread; ++I)
        (*Log)->emit(json{{"event", "e"}, {"thread", T}, {"seq", I}});
    });
  for (auto &T : Ts) T.join();
  EXPECT_EQ((*Log)->error(), "");  // flushes: the file is complete now
  std::string Text = readAll(Path);
  std::vector<unsigned> Next(Threads, 0);
  std::istringstream Lines(Text);
  unsigned N = 0;
  for (std::string Line; std::getline(Lines, Line); ++N) {
    json E = json::parse(Line);
    unsigned T = E.at("thread").get<unsigned>();
    ASSERT_LT(T, Threads);
    EXPECT_EQ(E.at("seq").get<unsigned>(), Next[T]++) << Line;
    EXPECT_TRUE(E.contains("t_ms"));
  }
  EXPECT_EQ(N, Threads * PerThread);
  Log->reset();
  llvm::sys::fs::remove(Path);
}

TEST(EventLogWriter, TheQueueIsBoundedByBytes) {
  // A disk that does not keep up: a FIFO nobody reads (the writer blocks
  // in write(2) once the pipe is full). 1 MB outputs stop the producer
  // after about QueueBytesLimit of them queued, far below QueueLimit.
  llvm::SmallString<128> Dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("evfifo", Dir));
  std::string Fifo = (Dir + "/events").str();
  ASSERT_EQ(::mkfifo(Fifo.c_str(), 0600), 0);
  int Rd = ::open(Fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(Rd, 0);
  constexpr int N = 300, Mb = 1 << 20;
  static_assert(N * size_t(Mb) > 2 * orch::observe::EventLog::QueueBytesLimit);
  std::atomic<int> Emitted{0};
  {
    auto Log = orch::observe::EventLog::open(Fifo, {});
    ASSERT_TRUE(bool(Log));
    std::thread Producer([&] {
      for (int I = 0; I < N; ++I) {
        (*Log)->emit(json{{"event", "attempt_end"}, {"output", std::string(Mb, 'x')}});
        ++Emitted;
      }
    });
    // Wait until the producer stops making progress (or is done).
    int Last = -1;
    for (int Still = 0; Still < 40 && Emitted < N;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      int Now = Emitted;
      Still = Now == Last ? Still + 1 : 0;
      Last = Now;
    }
    int Blocked = Emitted;
    // The queue's limit, plus the batch the writer holds, plus one.
    size_t Most = 2 * (orch::observe::EventLog::QueueBytesLimit / Mb) + 2;
    EXPECT_LT(Blocked, N);
    EXPECT_LE(static_cast<size_t>(Blocked), Most);
    // Read everything: the producer finishes.
    std::vector<char> Buf(1 << 16);
    size_t Got = 0;
    while (Emitted < N || Got < size_t(N) * Mb) {
      pollfd P{Rd, POLLIN, 0};
      ::poll(&P, 1, 100);
      ssize_t R = ::read(Rd, Buf.data(), Buf.size());
      if (R > 0) Got += R;
    }
    Producer.join();
  }
  ::close(Rd);
  ::unlink(Fifo.c_str());
  llvm::sys::fs::remove(Dir);
  EXPECT_EQ(Emitted, N);
}

TEST(EventLogWriter, DestructorWritesWhatIsQueued) {
  llvm::SmallString<128> Path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("events", "jsonl", Path));
  {
    auto Log = EventLog::open(Path.str().str(), {"s3cret-value-here"});
    ASSERT_TRUE(bool(Log));
    for (int I = 0; I < 100; ++I)
      (*Log)->emit(json{{"event", "e"}, {"note", "a s3cret-value-here b"}});
  }
  std::string Text = readAll(Path);
  llvm::sys::fs::remove(Path);
  EXPECT_EQ(std::count(Text.begin(), Text.end(), '\n'), 100);
  EXPECT_EQ(Text.find("s3cret"), std::string::npos);
  EXPECT_NE(Text.find("a [redacted] b"), std::string::npos);
}

}  // namespace
