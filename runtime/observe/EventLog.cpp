//===- EventLog.cpp -------------------------------------------------------===//
#include "runtime/observe/EventLog.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "llvm/ADT/StringRef.h"

extern char **environ;

namespace orch::observe {

using json = orch::ir::Json;

llvm::Expected<std::unique_ptr<EventLog>> EventLog::open(
    const std::string &Path, std::vector<std::string> Secrets) {
  std::FILE *F = std::fopen(Path.c_str(), "we");
  if (!F)
    return llvm::createStringError(
        fmt::format("cannot write events to `{}`: {}", Path, std::strerror(errno)));
  return std::unique_ptr<EventLog>(new EventLog(F, std::move(Secrets)));
}

EventLog::EventLog(std::FILE *F, std::vector<std::string> Secrets)
    : F(F),
      Secrets(std::move(Secrets)),
      Opened(std::chrono::steady_clock::now()),
      Writer([this] { writerLoop(); }) {}

EventLog::~EventLog() {
  {
    std::lock_guard<std::mutex> L(M);
    Stop = true;
  }
  Wake.notify_one();
  Writer.join();
  std::fclose(F);
}

void EventLog::emit(json Event) {
  auto Now = std::chrono::steady_clock::now();
  Event["t_ms"] = std::chrono::duration<double, std::milli>(Now - Opened).count();
  std::unique_lock<std::mutex> L(M);
  Drained.wait(L, [this] { return Queue.size() < QueueLimit; });
  Queue.push_back(std::move(Event));
  ++Queued;
  // Only an idle writer needs waking, and only for a batch worth a wake-up
  // (it looks by itself every WriterPeriod): a busy one takes the queue next.
  bool Notify = WriterIdle && Queue.size() >= WakeBatch;
  if (Notify) WriterIdle = false;
  L.unlock();
  if (Notify) Wake.notify_one();
}

void EventLog::flush() {
  std::unique_lock<std::mutex> L(M);
  FlushTo = Queued;
  WriterIdle = false;
  Wake.notify_one();
  Drained.wait(L, [this] { return Flushed >= FlushTo; });
}

std::string EventLog::error() {
  flush();
  std::lock_guard<std::mutex> L(M);
  return Error;
}

void EventLog::format(const json &Event, std::string &Out) const {
  size_t From = Out.size();
  Out += Event.dump(-1, ' ', false, json::error_handler_t::replace);
  for (const std::string &S : Secrets)
    for (size_t P = Out.find(S, From); P != std::string::npos; P = Out.find(S, P))
      Out.replace(P, S.size(), "[redacted]");
  Out += '\n';
}

void EventLog::writerLoop() {
  std::vector<json> Batch;
  std::string Buf;
  std::unique_lock<std::mutex> L(M);
  for (;;) {
    WriterIdle = true;
    Wake.wait_for(L, WriterPeriod, [this] {
      return Stop || Queue.size() >= WakeBatch || Flushed < FlushTo;
    });
    WriterIdle = false;
    bool Stopping = Stop && Queue.empty();
    Batch.swap(Queue);
    uint64_t Upto = Written + Batch.size();
    bool FlushNow = Upto >= FlushTo && Flushed < FlushTo;
    L.unlock();
    Drained.notify_all();  // room in the queue
    Buf.clear();
    for (const json &E : Batch) format(E, Buf);
    Batch.clear();
    int Errno = 0;
    if (!Buf.empty() && std::fwrite(Buf.data(), 1, Buf.size(), F) != Buf.size())
      Errno = errno;
    if (FlushNow && std::fflush(F) != 0 && !Errno) Errno = errno;
    L.lock();
    Written = Upto;
    if (FlushNow) Flushed = Upto;
    if (Errno && Error.empty()) Error = std::strerror(Errno);
    Drained.notify_all();
    if (Stopping) return;
  }
}

std::vector<std::string> secretsFromEnvironment() {
  std::vector<std::string> Out;
  for (char **E = environ; E && *E; ++E) {
    auto [Name, Value] = llvm::StringRef(*E).split('=');
    std::string Upper = Name.upper();
    llvm::StringRef U(Upper);
    if ((U.ends_with("_KEY") || U.ends_with("_TOKEN") || U.ends_with("_SECRET") ||
         U.contains("PASSWORD")) &&
        Value.size() >= 8)
      Out.push_back(Value.str());
  }
  return Out;
}

void AttemptEvents::attemptStarted(uint32_t Step, const runtime::ActionRequest &R,
                                   const std::string &InputHash) {
  if (Started.size() <= Step) Started.resize(Step + 1);
  Started[Step] = {R.StepId, std::chrono::steady_clock::now()};
  json E{{"event", "attempt_start"}, {"step", R.StepId},       {"action", R.Action},
         {"attempt", R.Attempt},     {"parameters", R.Params}, {"input_hash", InputHash}};
  if (!R.Model.empty()) E["model"] = R.Model;
  Log.emit(std::move(E));
}

void AttemptEvents::attemptEnded(uint32_t Step, unsigned Attempt,
                                 const runtime::ActionResult &R) {
  json E{{"event", "attempt_end"},
         {"step", Step < Started.size() ? Started[Step].first : std::to_string(Step)},
         {"attempt", Attempt},
         {"status", R.Ok ? "completed" : "failed"}};
  if (Step < Started.size())
    E["duration_ms"] = std::chrono::duration<double, std::milli>(
                           std::chrono::steady_clock::now() - Started[Step].second)
                           .count();
  if (R.Ok) {
    if (auto It = R.Fields.find("output"); It != R.Fields.end()) E["output"] = *It;
  } else {
    E["error"] = R.Error;
    E["retryable"] = R.Retryable;
  }
  Log.emit(std::move(E));
}

}  // namespace orch::observe
