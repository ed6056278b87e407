//===- EventLogTest.cpp - The event log's writer thread -------------------===//
//
// Events from several threads, more than the queue holds, all land in
// order per thread; flush() makes them visible before the log closes; a
// write error is reported, not lost.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <algorithm>
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
