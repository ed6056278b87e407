//===- EventSinkTest.cpp - The event log's second copy (the run's record) -===//
//
// A log without a file hands its lines, scrubbed, to its sink; the sink
// the store gets (CappedSink) keeps a prefix of the log up to its cap,
// then only `run_end` after a line that counts what it dropped; an append
// that fails is reported once, at the run's end.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/observe/CappedSink.h"
#include "runtime/observe/EventLog.h"

using json = orch::ir::Json;
using namespace orch::observe;

namespace {

/// Records what reaches the store.
struct Appended {
  std::vector<std::string> Batches;
  std::string all() const {
    std::string S;
    for (const std::string &B : Batches) S += B;
    return S;
  }
};

std::vector<json> linesOf(const std::string &Text) {
  std::vector<json> Out;
  llvm::StringRef Rest = Text;
  while (!Rest.empty()) {
    auto [Line, Tail] = Rest.split('\n');
    Rest = Tail;
    Out.push_back(json::parse(Line.str()));
  }
  return Out;
}

TEST(EventSink, ALogWithoutAFileHandsItsScrubbedLinesToTheSink) {
  Appended A;
  auto Log = EventLog::withoutFile({"sk-live-VERYSECRET"});
  Log->setSink(std::make_unique<CappedSink>([&A](llvm::StringRef L) {
    A.Batches.push_back(L.str());
    return llvm::Error::success();
  }));
  Log->emit(json{{"event", "run_start"}, {"plan", "p"}});
  Log->emit(json{{"event", "attempt_start"},
                 {"step", "s"},
                 {"action", "http.request"},
                 {"attempt", 1},
                 {"parameters",
                  {{"url", "http://x"},
                   {"headers", {{"Authorization", "Bearer tok-1234567890"}}}}}});
  Log->emit(json{{"event", "attempt_end"},
                 {"step", "s"},
                 {"output", "key sk-live-VERYSECRET and tok-1234567890"}});
  Log->emit(json{{"event", "run_end"}, {"status", "completed"}});
  EXPECT_EQ(Log->error(), "");
  std::string All = A.all();
  EXPECT_EQ(All.find("VERYSECRET"), std::string::npos) << All;
  EXPECT_EQ(All.find("tok-1234567890"), std::string::npos) << All;
  std::vector<json> Lines = linesOf(All);
  ASSERT_EQ(Lines.size(), 4u);
  EXPECT_EQ(Lines[0]["event"], "run_start");
  EXPECT_EQ(Lines[1]["parameters"]["headers"]["Authorization"], "[redacted]");
  EXPECT_EQ(Lines[2]["output"], "key [redacted] and [redacted]");
  EXPECT_EQ(Lines[3]["event"], "run_end");
}

TEST(EventSink, PastItsCapTheSinkKeepsAPrefixAndRunEnd) {
  Appended A;
  const std::string Line =
      std::string(R"({"event":"attempt_end","step":"s","n":)") + "1" + "}\n";  // 41 bytes
  CappedSink S(
      [&A](llvm::StringRef L) {
        A.Batches.push_back(L.str());
        return llvm::Error::success();
      },
      /*Cap=*/100);
  EXPECT_EQ(S.write(Line), "");         // 41
  EXPECT_EQ(S.write(Line + Line), "");  // 82 more: only the first fits (82 <= 100)
  EXPECT_EQ(S.write(Line), "");         // dropped, though it would fit again
  EXPECT_EQ(
      S.write(Line + R"({"event":"run_end","t_ms":7.5,"status":"completed"})" + "\n"),
      "");
  std::vector<json> Lines = linesOf(A.all());
  ASSERT_EQ(Lines.size(), 4u) << A.all();
  EXPECT_EQ(Lines[0]["event"], "attempt_end");
  EXPECT_EQ(Lines[1]["event"], "attempt_end");
  EXPECT_EQ(Lines[2]["event"], "events_dropped");
  EXPECT_EQ(Lines[2]["dropped"], 3);
  EXPECT_EQ(Lines[2]["limit_bytes"], 100);
  EXPECT_EQ(Lines[2]["t_ms"], 7.5);
  EXPECT_EQ(Lines[3]["event"], "run_end");
}

TEST(EventSink, AFailedAppendIsReportedOnceAndLaterOnesAreStillTried) {
  int Calls = 0;
  std::string Got;
  CappedSink S([&](llvm::StringRef Lines) -> llvm::Error {
    if (++Calls == 1) return llvm::createStringError("disk full");
    Got += Lines.str();
    return llvm::Error::success();
  });
  EXPECT_EQ(S.write("{\"event\":\"a\"}\n{\"event\":\"b\"}\n"), "disk full");
  EXPECT_EQ(S.write("{\"event\":\"run_end\"}\n"), "");
  EXPECT_EQ(Calls, 2);
  // The lost lines are counted before the next that go in; run_end is kept.
  std::vector<json> Lines;
  for (llvm::StringRef Rest = Got; !Rest.empty();) {
    auto [Line, Tail] = Rest.split('\n');
    Rest = Tail;
    Lines.push_back(json::parse(Line.str()));
  }
  ASSERT_EQ(Lines.size(), 2u);
  EXPECT_EQ(Lines[0]["event"], "events_dropped");
  EXPECT_EQ(Lines[0]["dropped"], 2);
  EXPECT_EQ(Lines[0]["unwritten"], true);
  EXPECT_EQ(Lines[1]["event"], "run_end");
  // Through a log: the error reaches sinkError(), apart from the file's.
  auto Log = EventLog::withoutFile({});
  Log->setSink(std::make_unique<CappedSink>(
      [](llvm::StringRef) { return llvm::createStringError("the store is gone"); }));
  Log->emit(json{{"event", "run_end"}});
  EXPECT_EQ(Log->sinkError(), "the store is gone");
  EXPECT_EQ(Log->error(), "");
}

}  // namespace
