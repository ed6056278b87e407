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
#include <cmath>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "runtime/actions/Action.h"
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

// Attempt events travel as records and JSON text (observe8): parsing the
// text must give back a value that dumps as the original does.
TEST(EventLogText, ValuesRoundTripToTheSameDump) {
  std::vector<json> Values = {
      json(nullptr),
      json(true),
      json(false),
      json(0),
      json(-7),
      json(int64_t(INT64_MIN)),
      json(uint64_t(UINT64_MAX)),
      json(3.0),
      json(-0.0),
      json(0.1),
      json(1e300),
      json(-2.5e-310),
      json(123456789.125),
      json(""),
      json("plain"),
      json("quote \" backslash \\ slash / nl \n tab \t nul " + std::string(1, '\0')),
      json("\x01\x1f\x7f"),
      json("é ü 中文 😀"),
      json::array(),
      json::object(),
      json::parse(R"({"b":1,"a":[1,2.0,{"z":null,"y":"x"}],"":{}})")};
  for (const json &V : Values) {
    std::string Text;
    ASSERT_TRUE(appendJsonText(Text, V)) << V.dump();
    json Back = json::parse(Text);
    EXPECT_EQ(Back.dump(), V.dump()) << Text;
    EXPECT_EQ(Back.is_number_float(), V.is_number_float()) << Text;
  }
  std::string Out;
  EXPECT_FALSE(appendJsonText(Out, json(std::nan(""))));
  EXPECT_FALSE(appendJsonText(Out, json::binary({1, 2, 3})));
}

TEST(EventLogText, RefusesExactlyTheStringsThatAreNotUtf8) {
  // Random short byte strings, biased to UTF-8's lead and continuation
  // bytes: appendJsonText accepts a string iff nlohmann (strict) can dump
  // it, i.e. iff the writer thread can parse the text back.
  std::mt19937 Rng(42);
  const uint8_t Bytes[] = {'a',  '"',  '\\', 0x00, 0x1f, 0x7f, 0x80, 0x8f, 0x90, 0x9f,
                           0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed,
                           0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff};
  for (int N = 0; N < 20000; ++N) {
    std::string S(Rng() % 6, ' ');
    for (char &C : S) C = char(Bytes[Rng() % sizeof Bytes]);
    bool Valid = true;
    std::string Dumped;
    try {
      Dumped = json(S).dump();
    } catch (const std::exception &) {
      Valid = false;
    }
    std::string Text;
    ASSERT_EQ(appendJsonText(Text, json(S)), Valid) << llvm::toHex(S);
    if (Valid) {
      EXPECT_EQ(json::parse(Text).dump(), Dumped);
    }
  }
}

TEST(EventLogText, EscapesEachSpecialByteAtEveryPositionOfALongString) {
  // appendJsonString scans eight bytes at a time: one byte that needs
  // escaping (or starts a UTF-8 sequence) at each position of strings up
  // to 40 bytes long, next to the bytes that are just plain, must give
  // nlohmann's text.
  const std::string Specials[] = {std::string(1, '\0'),
                                  "\x1f",
                                  "\"",
                                  "\\",
                                  "\x7f",
                                  "\xc3\xa9",
                                  "\xe2\x82\xac",
                                  "\xf0\x9f\x98\x80",
                                  " ",
                                  "!",
                                  "#",
                                  "[",
                                  "]",
                                  "~",
                                  "\x21\x22"};
  for (size_t Len = 0; Len <= 40; ++Len)
    for (const std::string &Special : Specials)
      for (size_t At = 0; At <= Len; ++At) {
        std::string S(Len, 'a');
        for (size_t I = 0; I < Len; ++I) S[I] = char('0' + I % 40);  // '0'..'W'
        S.insert(At, Special);
        std::string Text = "x";  // appended to, not replaced
        ASSERT_TRUE(appendJsonText(Text, json(S))) << llvm::toHex(S);
        EXPECT_EQ(Text, "x" + json(S).dump()) << llvm::toHex(S);
      }
  // An invalid byte anywhere in a long string is refused.
  for (size_t At = 0; At < 40; ++At) {
    std::string S(40, 'b');
    S[At] = char(0xff);
    std::string Text;
    EXPECT_FALSE(appendJsonText(Text, json(S))) << At;
  }
}

/// Runs \p Emit against an event log, then returns its lines, each with
/// `t_ms`, `duration_ms` and `input_hash` (checked) set to 0: the rest is
/// the line as written.
std::vector<std::string> attemptLines(const std::function<void(AttemptEvents &)> &Emit) {
  llvm::SmallString<128> Path;
  EXPECT_FALSE(llvm::sys::fs::createTemporaryFile("events", "jsonl", Path));
  {
    auto Log = EventLog::open(Path.str().str(), {"env-secret-value-1"});
    EXPECT_TRUE(bool(Log));
    AttemptEvents A(**Log);
    Emit(A);
  }
  std::string Text = readAll(Path);
  llvm::sys::fs::remove(Path);
  std::vector<std::string> Out;
  std::istringstream Lines(Text);
  for (std::string Line; std::getline(Lines, Line);) {
    json E = json::parse(Line);
    EXPECT_EQ(E.dump(-1, ' ', false, json::error_handler_t::replace), Line);
    for (const char *K : {"t_ms", "duration_ms"})
      if (E.contains(K)) {
        EXPECT_TRUE(E[K].is_number_float()) << Line;
        E[K] = 0;
      }
    if (E.contains("input_hash")) {
      EXPECT_EQ(E["input_hash"], loggedInputHash(E));
      E["input_hash"] = 0;
    }
    Out.push_back(E.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  return Out;
}

TEST(AttemptEvents, LinesKeepEveryMemberInOrder) {
  // The lines AttemptEvents wrote before observe8 (an event tree built on
  // the run's thread), member for member: the records and text written
  // since must give the same bytes.
  std::vector<std::string> Lines = attemptLines([](AttemptEvents &A) {
    orch::runtime::ActionRequest R;
    R.StepId = "fetch_the_page_with_a_long_id";
    R.Action = "http.request";
    R.Model = "gpt-4o";
    R.Attempt = 2;
    R.Params =
        json::parse(R"({"url":"https://user:pw-secret-1@example.com/?q=1",)"
                    R"("headers":{"Authorization":"Bearer tok-secret-12345","X":"y"},)"
                    R"("n":3,"f":3.0,"z":-0.0,"list":[1,"two",null,true],)"
                    R"("text":"say \"hi\"\n\u0001 é env-secret-value-1"})");
    R.Params["big"] = std::string(size_t(1) << 21, 'x');
    A.attemptWaited(0, std::chrono::microseconds(1500), std::chrono::microseconds(250));
    A.attemptStarted(0, R, "");
    A.attemptEnded(
        0, 2,
        orch::runtime::ActionResult::success(json::parse(
            R"({"output":{"status":200,"body":"tok-secret-12345 ok","t":0.5}})")));
    orch::runtime::ActionRequest Q;
    Q.StepId = "s";
    Q.Action = "echo";
    Q.Params = json("not an object");
    A.attemptWaited(1, std::chrono::microseconds(7), std::chrono::microseconds(0));
    A.attemptStarted(1, Q, "");
    A.attemptEnded(1, 1,
                   orch::runtime::ActionResult::failure("boom tok-secret-12345", false));
    A.attemptEnded(7, 1, orch::runtime::ActionResult::success(json::object()));
    // A value the text cannot carry (not UTF-8): the tree, as before.
    orch::runtime::ActionRequest B;
    B.StepId = "bad";
    B.Action = "echo";
    B.Params = json{{"message", "\xff\xfe"}};
    A.attemptStarted(2, B, "");
    A.attemptEnded(2, 1,
                   orch::runtime::ActionResult::success(json{{"output", "\xc0\x80"}}));
  });
  std::vector<std::string> Want = {
      R"({"event":"attempt_start","step":"fetch_the_page_with_a_long_id","action":"http.request",)"
      R"("attempt":2,"parameters":{"url":"https://[redacted]@example.com/?q=1",)"
      R"("headers":{"Authorization":"[redacted]","X":"y"},"n":3,"f":3.0,"z":-0.0,)"
      R"("list":[1,"two",null,true],"text":"say \"hi\"\n\u0001 é [redacted]",)"
      R"("big":{"omitted":"larger than 1 MiB: not copied into the event log"}},)"
      R"("model":"gpt-4o","queue_wait_ms":1.5,"group_wait_ms":0.25,"t_ms":0,"input_hash":0})",
      R"({"event":"attempt_end","step":"fetch_the_page_with_a_long_id","attempt":2,)"
      R"("status":"completed","duration_ms":0,"output":{"status":200,"body":"[redacted] ok",)"
      R"("t":0.5},"t_ms":0})",
      R"({"event":"attempt_start","step":"s","action":"echo","attempt":1,)"
      R"("parameters":"not an object","queue_wait_ms":0.007,"t_ms":0,"input_hash":0})",
      R"({"event":"attempt_end","step":"s","attempt":1,"status":"failed","duration_ms":0,)"
      R"("error":"boom [redacted]","retryable":false,"t_ms":0})",
      R"({"event":"attempt_end","step":"7","attempt":1,"status":"completed","t_ms":0})",
      R"({"event":"attempt_start","step":"bad","action":"echo","attempt":1,)"
      R"("parameters":{"message":"��"},"t_ms":0,"input_hash":0})",
      R"({"event":"attempt_end","step":"bad","attempt":1,"status":"completed",)"
      R"("duration_ms":0,"output":"��","t_ms":0})"};
  ASSERT_EQ(Lines.size(), Want.size());
  for (size_t I = 0; I < Want.size(); ++I) EXPECT_EQ(Lines[I], Want[I]) << I;
}

/// A request for step \p Id, a model step when \p Model is not empty.
orch::runtime::ActionRequest request(const char *Id, const char *Model = "") {
  orch::runtime::ActionRequest R;
  R.StepId = Id;
  R.Action = *Model ? "generate" : "echo";
  R.Model = Model;
  R.Params = json{{"message", Id}};
  return R;
}

/// The `event` and `step` of each line of \p Path, as "event:step".
std::vector<std::string> eventsOf(llvm::SmallString<128> &Path) {
  std::vector<std::string> Out;
  std::istringstream Lines(readAll(Path));
  for (std::string Line; std::getline(Lines, Line);) {
    json E = json::parse(Line);
    Out.push_back(E["event"].get<std::string>() + ":" + E.value("step", ""));
  }
  return Out;
}

/// The text of \p Path once it holds \p Needle and ends a line: the writer
/// writes by itself within WriterPeriod. Gives up after a minute (the
/// caller's expectation then fails).
std::string waitForText(llvm::SmallString<128> &Path, const std::string &Needle) {
  std::string Text;
  for (int I = 0;
       I < 12000 && (Text.find(Needle) == std::string::npos || Text.back() != '\n');
       ++I) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    Text = readAll(Path);
  }
  return Text;
}

/// A temporary event log file for each AttemptBatch test, removed after.
class AttemptBatch : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("events", "jsonl", Path));
  }
  void TearDown() override { llvm::sys::fs::remove(Path); }
  /// The log at Path (null, after a failed expectation, if it cannot open).
  std::unique_ptr<EventLog> open() {
    auto Log = EventLog::open(Path.str().str(), {});
    EXPECT_TRUE(bool(Log)) << llvm::toString(Log.takeError());
    return Log ? std::move(*Log) : nullptr;
  }
  llvm::SmallString<128> Path;
};

// The run's thread holds its attempt records back (one lock a batch):
// none reaches the writer, however long the writer waits, until that
// thread publishes them, emits, flushes, fills a batch or queues a record
// after the oldest has waited its age (an hour here).
TEST_F(AttemptBatch, HeldBackUntilTheRunsThreadPublishes) {
  {
    auto Log = open();
    ASSERT_TRUE(Log);
    // No age limit: a paused test thread must not publish the batch.
    Log->setPendingAge(std::chrono::hours(1));
    AttemptEvents A(*Log);
    A.attemptStarted(0, request("a"), "");
    A.attemptEnded(0, 1, orch::runtime::ActionResult::success(json::object()));
    // The writer wakes every WriterPeriod: five of them find nothing.
    std::this_thread::sleep_for(5 * EventLog::WriterPeriod);
    EXPECT_EQ(readAll(Path), "");
    // Another thread cannot publish the run's thread's batch.
    std::thread([&] { Log->publishPending(); }).join();
    std::this_thread::sleep_for(3 * EventLog::WriterPeriod);
    EXPECT_EQ(readAll(Path), "");
    Log->publishPending();
    std::string Text = waitForText(Path, "attempt_end");
    EXPECT_EQ(std::count(Text.begin(), Text.end(), '\n'), 2) << Text;
  }
  EXPECT_EQ(eventsOf(Path),
            (std::vector<std::string>{"attempt_start:a", "attempt_end:a"}));
}

TEST_F(AttemptBatch, AFullBatchIsQueuedByItself) {
  {
    auto Log = open();
    ASSERT_TRUE(Log);
    Log->setPendingAge(std::chrono::hours(1));
    AttemptEvents A(*Log);
    // One record short of a batch, then the one that fills it.
    for (uint32_t I = 0; I + 1 < EventLog::PendingBatch; ++I)
      A.attemptStarted(I, request("s"), "");
    std::this_thread::sleep_for(3 * EventLog::WriterPeriod);
    EXPECT_EQ(readAll(Path), "");
    A.attemptStarted(EventLog::PendingBatch, request("last"), "");
    std::string Text = waitForText(Path, "last");
    EXPECT_EQ(size_t(std::count(Text.begin(), Text.end(), '\n')), EventLog::PendingBatch);
  }
}

// A step that asks models itself (`model.batch`: no model of its own) is
// a model step here: its start goes out before the `model_call` its
// requests emit from the client's thread.
TEST_F(AttemptBatch, AStepThatAsksModelsItselfGoesOutAtOnce) {
  {
    auto Log = open();
    ASSERT_TRUE(Log);
    AttemptEvents A(*Log);
    orch::runtime::ActionRequest R = request("batch");
    R.Action = "model.batch";
    A.attemptStarted(0, R, "");
    std::thread([&] {
      Log->emit(json{{"event", "model_call"}, {"step", "batch"}});
    }).join();
    A.attemptEnded(0, 1, orch::runtime::ActionResult::success(json::object()));
  }
  EXPECT_EQ(eventsOf(Path),
            (std::vector<std::string>{"attempt_start:batch", "model_call:batch",
                                      "attempt_end:batch"}));
}

// Every other event of the run's thread comes after the records it holds
// back; a model step's records go out at once, so the `model_call` the
// client's thread emits lands between its start and its end.
TEST_F(AttemptBatch, OrderIsKeptAcrossThreads) {
  {
    auto Log = open();
    ASSERT_TRUE(Log);
    AttemptEvents A(*Log);
    A.attemptStarted(0, request("plain"), "");       // held back
    A.attemptStarted(1, request("ask", "m-1"), "");  // both queued now
    std::thread([&] {
      Log->emit(json{{"event", "model_call"}, {"step", "ask"}});
    }).join();
    A.attemptEnded(1, 1, orch::runtime::ActionResult::success(json::object()));
    A.attemptEnded(0, 1, orch::runtime::ActionResult::success(json::object()));  // held
    Log->emit(json{{"event", "run_end"}});  // after the held end
    // No model step runs: held back again until the log closes.
    A.attemptStarted(2, request("tail"), "");
  }
  EXPECT_EQ(eventsOf(Path), (std::vector<std::string>{
                                "attempt_start:plain", "attempt_start:ask",
                                "model_call:ask", "attempt_end:ask", "attempt_end:plain",
                                "run_end:", "attempt_start:tail"}));
}

// A model action without a model (it comes from `--model`) is a model
// step as well: its `model_call` must follow its start.
TEST_F(AttemptBatch, AModelActionWithoutAModelIsAModelStep) {
  {
    auto Log = open();
    ASSERT_TRUE(Log);
    AttemptEvents A(*Log);
    orch::runtime::ActionRequest Ask = request("ask");
    Ask.Action = "analyze";  // ContextLab's model action; no model named
    A.attemptStarted(0, Ask, "");
    std::thread([&] {
      Log->emit(json{{"event", "model_call"}, {"step", "ask"}});
    }).join();
    A.attemptEnded(0, 1, orch::runtime::ActionResult::success(json::object()));
  }
  EXPECT_EQ(eventsOf(Path),
            (std::vector<std::string>{"attempt_start:ask", "model_call:ask",
                                      "attempt_end:ask"}));
}

// A record held longer than WriterPeriod goes with the next one, even
// while the loop never sleeps.
TEST_F(AttemptBatch, AnOldBatchIsQueuedWithTheNextRecord) {
  {
    auto Log = open();
    ASSERT_TRUE(Log);
    AttemptEvents A(*Log);
    A.attemptStarted(0, request("first"), "");
    std::this_thread::sleep_for(2 * EventLog::WriterPeriod);
    A.attemptStarted(1, request("second"), "");
    std::string Text = waitForText(Path, "second");
    EXPECT_EQ(eventsOf(Path),
              (std::vector<std::string>{"attempt_start:first", "attempt_start:second"}));
  }
}

TEST_F(AttemptBatch, OtherThreadsQueueAtOnce) {
  {
    auto Log = open();
    ASSERT_TRUE(Log);
    AttemptEvents A(*Log);
    A.attemptStarted(0, request("owner"), "");  // this thread owns the batch
    std::thread([&] { A.attemptStarted(1, request("other"), ""); }).join();
    std::string Text = waitForText(Path, "other");
    EXPECT_EQ(eventsOf(Path), (std::vector<std::string>{"attempt_start:other"}));
  }
  EXPECT_EQ(eventsOf(Path),
            (std::vector<std::string>{"attempt_start:other", "attempt_start:owner"}));
}

}  // namespace
