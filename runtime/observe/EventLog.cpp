//===- EventLog.cpp -------------------------------------------------------===//
#include "runtime/observe/EventLog.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "ir/Secrets.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/xxhash.h"
#include "runtime/observe/Redact.h"

extern char **environ;

namespace orch::observe {

using json = orch::ir::Json;

llvm::Expected<std::unique_ptr<EventLog>> EventLog::open(
    const std::string &Path, std::vector<std::string> Secrets) {
  // 0600 like the spill files (a step's output may hold a secret), never
  // through a symlink, and one run a file: an exclusive lock taken before
  // the truncation, so a second run on the same file fails instead of
  // cutting the first one's lines.
  auto Fail = [&](const char *What) {
    return llvm::createStringError(
        fmt::format("cannot write events to `{}`: {}", Path, What));
  };
  int Fd = ::open(Path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (Fd < 0) return Fail(std::strerror(errno));
  if (::flock(Fd, LOCK_EX | LOCK_NB) != 0) {
    int Err = errno;
    ::close(Fd);
    return Fail(Err == EWOULDBLOCK ? "another run is writing to it" : std::strerror(Err));
  }
  struct stat St;
  if (::fstat(Fd, &St) == 0 && S_ISREG(St.st_mode)) {
    if (::ftruncate(Fd, 0) != 0 || ((St.st_mode & 077) && ::fchmod(Fd, 0600) != 0)) {
      int Err = errno;
      ::close(Fd);
      return Fail(std::strerror(Err));
    }
  }
  std::FILE *F = ::fdopen(Fd, "w");
  if (!F) {
    int Err = errno;
    ::close(Fd);
    return Fail(std::strerror(Err));
  }
  return std::unique_ptr<EventLog>(new EventLog(F, std::move(Secrets)));
}

std::unique_ptr<EventLog> EventLog::withoutFile(std::vector<std::string> Secrets) {
  return std::unique_ptr<EventLog>(new EventLog(nullptr, std::move(Secrets)));
}

void EventLog::setSink(std::unique_ptr<EventSink> S) {
  std::lock_guard<std::mutex> L(M);  // the writer reads it after taking a batch
  Sink = std::move(S);
}

EventLog::EventLog(std::FILE *F, std::vector<std::string> Secrets)
    : F(F),
      Opened(std::chrono::steady_clock::now()),
      Secrets(std::move(Secrets)),
      Writer([this] { writerLoop(); }) {}

EventLog::~EventLog() {
  {
    std::lock_guard<std::mutex> L(M);
    Stop = true;
  }
  Wake.notify_one();
  Writer.join();
  if (F) std::fclose(F);
}

void EventLog::emit(json Event) {
  auto Now = std::chrono::steady_clock::now();
  Event["t_ms"] = std::chrono::duration<double, std::milli>(Now - Opened).count();
  // A model call is money spent and the end of the run is the last word:
  // those wake the writer at once. Attempts only batch up (the writer
  // looks every WriterPeriod), so a 10,000-step run pays no wake-up a step.
  bool Wakes = false;
  if (auto It = Event.find("event"); It != Event.end() && It->is_string()) {
    const std::string &Name = It->get_ref<const std::string &>();
    Wakes = Name == "model_call" || Name == "run_end";
  }
  size_t Bytes = approxBytes(Event);
  std::unique_lock<std::mutex> L(M);
  Drained.wait(L, [this, Bytes] {
    return Queue.empty() ||
           (Queue.size() < QueueLimit && QueueBytes + Bytes <= QueueBytesLimit);
  });
  Queue.push_back(std::move(Event));
  QueueBytes += Bytes;
  ++Queued;
  if (Wakes) Urgent = true;
  // Only an idle writer needs waking: a busy one takes the queue next.
  bool Notify = WriterIdle &&
                (Wakes || Queue.size() >= WakeBatch || QueueBytes >= QueueBytesLimit / 4);
  if (Notify) WriterIdle = false;
  L.unlock();
  if (Notify) Wake.notify_one();
}

void EventLog::flush() {
  std::unique_lock<std::mutex> L(M);
  FlushTo = std::max(FlushTo, Queued);
  WriterIdle = false;
  Wake.notify_one();
  Drained.wait(L, [this] { return Written >= FlushTo; });
}

std::string EventLog::error() {
  flush();
  std::lock_guard<std::mutex> L(M);
  return Error;
}

std::string EventLog::sinkError() {
  flush();
  std::lock_guard<std::mutex> L(M);
  return SinkError;
}

void EventLog::addSecrets(const std::vector<std::string> &More) {
  std::lock_guard<std::mutex> L(SecretsM);
  for (const std::string &S : More)
    if (S.size() >= 8 && std::find(Secrets.begin(), Secrets.end(), S) == Secrets.end())
      Secrets.push_back(S);
}

size_t approxBytes(const json &J) {
  size_t Bytes = 0;
  // On the stack for an event's usual few nodes: no allocation an event.
  llvm::SmallVector<const json *, 32> Todo{&J};
  while (!Todo.empty()) {
    const json *N = Todo.back();
    Todo.pop_back();
    Bytes += 16;
    if (N->is_string()) {
      Bytes += N->get_ref<const std::string &>().size();
    } else if (N->is_object()) {
      for (auto It = N->begin(); It != N->end(); ++It) {
        Bytes += It.key().size() + 32;
        Todo.push_back(&It.value());
      }
    } else if (N->is_array()) {
      for (const json &V : *N) Todo.push_back(&V);
    } else if (N->is_binary()) {
      Bytes += N->get_binary().size();
    }
  }
  return Bytes;
}

std::string loggedInputHash(const json &AttemptStart) {
  // As runtime::inputHash: action, model and parameters, the same dump.
  std::string Text = AttemptStart.value("action", "");
  Text += '\0';
  Text += AttemptStart.value("model", "");
  Text += '\0';
  if (auto It = AttemptStart.find("parameters"); It != AttemptStart.end())
    Text += It->dump(-1, ' ', false, json::error_handler_t::replace);
  else
    Text += "null";
  llvm::XXH128_hash_t H = llvm::xxh3_128bits(llvm::ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>(Text.data()), Text.size()));
  return fmt::format("{:016x}{:016x}", H.high64, H.low64);
}

void EventLog::format(std::vector<json> &Batch, std::string &Out) {
  for (json &E : Batch) {
    // A step's parameters are redacted by name here, in the order the
    // events were emitted, so the values removed are scrubbed from every
    // event after this one (an output or error that echoes them).
    auto Params = E.find("parameters");
    bool Start = Params != E.end() && E.value("event", "") == "attempt_start";
    if (Start) addSecrets(redactParameters(*Params));
    // Scrubbed as a tree, before serialisation: in the dumped line a value
    // holding `"`, `\`, a control byte or invalid UTF-8 is escaped and
    // would no longer match.
    {
      std::lock_guard<std::mutex> L(SecretsM);
      scrubSecrets(E, Secrets);
    }
    // The hash of the inputs as logged (redacted and scrubbed), never of
    // the rendered ones: a hash of a secret next to everything else it
    // was computed from would let a short secret be found by trying them.
    if (Start) E["input_hash"] = loggedInputHash(E);
    Out += E.dump(-1, ' ', false, json::error_handler_t::replace);
    Out += '\n';
  }
}

void EventLog::writerLoop() {
  std::vector<json> Batch;
  std::string Buf;
  std::unique_lock<std::mutex> L(M);
  for (;;) {
    WriterIdle = true;
    Wake.wait_for(L, WriterPeriod, [this] {
      return Stop || Urgent || Queue.size() >= WakeBatch ||
             QueueBytes >= QueueBytesLimit / 4 || Written < FlushTo;
    });
    WriterIdle = false;
    Urgent = false;
    bool Stopping = Stop && Queue.empty();
    Batch.swap(Queue);
    QueueBytes = 0;
    uint64_t Upto = Written + Batch.size();
    EventSink *ToSink = Sink.get();  // read under the lock (setSink)
    L.unlock();
    Drained.notify_all();  // room in the queue
    Buf.clear();
    format(Batch, Buf);
    Batch.clear();
    // Every batch is flushed: what the writer has taken is in the kernel
    // (one write(2)) before it looks at the queue again.
    int Errno = 0;
    if (!Buf.empty() && F &&
        (std::fwrite(Buf.data(), 1, Buf.size(), F) != Buf.size() || std::fflush(F) != 0 ||
         std::ferror(F)))
      Errno = errno ? errno : EIO;
    std::string SinkFailed = ToSink && !Buf.empty() ? ToSink->write(Buf) : std::string();
    L.lock();
    Written = Upto;
    if (Errno && Error.empty()) Error = std::strerror(Errno);
    if (!SinkFailed.empty() && SinkError.empty()) SinkError = std::move(SinkFailed);
    Drained.notify_all();
    if (Stopping) return;
  }
}

std::vector<std::string> secretsFromEnvironment() {
  std::vector<std::string> Out;
  for (char **E = environ; E && *E; ++E) {
    auto [Name, Value] = llvm::StringRef(*E).split('=');
    if (ir::secretEnvName(Name) && Value.size() >= 8) Out.push_back(Value.str());
  }
  return Out;
}

namespace {

/// Values larger than this (JSON text, counted without building it) are
/// not copied into an event: a step output or parameter that big is held
/// by the run's result or its spill file, and a copy per event would undo
/// the bounded memory of spilling (docs/observability.md §4).
constexpr size_t EventValueLimit = size_t(1) << 20;

/// Adds roughly the length of \p V's JSON text to \p Acc, stopping as soon
/// as it passes \p Limit; true if it did.
bool longerThan(const json &V, size_t Limit, size_t &Acc) {
  if (V.is_string())
    Acc += V.get_ref<const std::string &>().size() + 2;
  else if (V.is_object() || V.is_array()) {
    Acc += 2;
    for (auto It = V.begin(); It != V.end() && Acc <= Limit; ++It) {
      if (V.is_object()) Acc += It.key().size() + 4;
      if (longerThan(*It, Limit, Acc)) return true;
    }
  } else
    Acc += 8;
  return Acc > Limit;
}

/// \p V, or a note saying how it was left out when it is too large.
json boundedValue(const json &V) {
  size_t Acc = 0;
  if (!longerThan(V, EventValueLimit, Acc)) return V;
  return json{{"omitted", "larger than 1 MiB: not copied into the event log"}};
}

/// An empty object with room for \p Keys members: an event's members are
/// added one by one, and the object's vector would otherwise grow (and
/// move its members) several times an event on the run's thread.
json eventObject(size_t Keys) {
  json O = json::object();
  O.get_ptr<json::object_t *>()->reserve(Keys);
  return O;
}

}  // namespace

void AttemptEvents::attemptStarted(uint32_t Step, const runtime::ActionRequest &R,
                                   const std::string &) {
  if (Started.size() <= Step) Started.resize(Step + 1);
  Started[Step] = {R.StepId, std::chrono::steady_clock::now()};
  // The parameters are copied: the writer thread redacts them by name
  // (EventLog::format) before anything else sees them, and adds
  // `input_hash`, the hash of what it logs (loggedInputHash).
  json E = eventObject(10);  // with t_ms and input_hash
  E["event"] = "attempt_start";
  E["step"] = R.StepId;
  E["action"] = R.Action;
  E["attempt"] = R.Attempt;
  json &Params = E["parameters"];
  if (R.Params.is_object()) {
    Params = eventObject(R.Params.size());
    for (auto It = R.Params.begin(); It != R.Params.end(); ++It)
      Params[It.key()] = boundedValue(*It);
  } else {
    Params = boundedValue(R.Params);
  }
  if (!R.Model.empty()) E["model"] = R.Model;
  addWaits(Step, E);
  Log.emit(std::move(E));
}

void AttemptEvents::addWaits(uint32_t Step, json &E) {
  if (WaitedStep != Step) return;
  // From ready (dependencies, backoff, a re-ask) to this start.
  E["queue_wait_ms"] = double(Waited.first.count()) / 1000;
  if (Waited.second.count()) E["group_wait_ms"] = double(Waited.second.count()) / 1000;
  WaitedStep = UINT32_MAX;
}

void AttemptEvents::attemptAskingAgain(uint32_t Step, const runtime::ActionRequest &R,
                                       const std::string &Why) {
  // The attempt's own attempt_start came with the fused request; this
  // one goes on with a request of its own (no new attempt, no new hash).
  json E = eventObject(7);
  E["event"] = "attempt_ask_again";
  E["step"] = R.StepId;
  E["attempt"] = R.Attempt;
  if (!R.Model.empty()) E["model"] = R.Model;
  E["why"] = Why;
  addWaits(Step, E);
  Log.emit(std::move(E));
}

void AttemptEvents::attemptEnded(uint32_t Step, unsigned Attempt,
                                 const runtime::ActionResult &R) {
  json E = eventObject(8);
  E["event"] = "attempt_end";
  E["step"] = Step < Started.size() ? Started[Step].first : std::to_string(Step);
  E["attempt"] = Attempt;
  E["status"] = R.Ok ? "completed" : "failed";
  if (Step < Started.size())
    E["duration_ms"] = std::chrono::duration<double, std::milli>(
                           std::chrono::steady_clock::now() - Started[Step].second)
                           .count();
  if (R.Ok) {
    if (auto It = R.Fields.find("output"); It != R.Fields.end())
      E["output"] = boundedValue(*It);
  } else {
    E["error"] = R.Error;
    E["retryable"] = R.Retryable;
  }
  Log.emit(std::move(E));
}

}  // namespace orch::observe
