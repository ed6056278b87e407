//===- EventLog.cpp -------------------------------------------------------===//
#include "runtime/observe/EventLog.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <iterator>
#include <string_view>

#include "ir/Actions.h"
#include "ir/ModelRegistry.h"
#include "ir/Secrets.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/xxhash.h"
#include "runtime/observe/EventLine.h"
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
  // Nothing else uses the log now: the held-back records go first.
  Owner.store(std::this_thread::get_id(), std::memory_order_relaxed);
  publishPending();
  {
    std::lock_guard<std::mutex> L(M);
    Stop = true;
  }
  Wake.notify_one();
  Writer.join();
  if (F) std::fclose(F);
}

template <class PushFn>
void EventLog::enqueue(size_t Bytes, bool Wakes, PushFn Push, size_t Events) {
  std::unique_lock<std::mutex> L(M);
  Drained.wait(L, [this, Bytes, Events] {
    return Queue.empty() ||
           (Queue.size() + Events <= QueueLimit && QueueBytes + Bytes <= QueueBytesLimit);
  });
  Push();
  QueueBytes += Bytes;
  Queued += Events;
  if (Wakes) Urgent = true;
  // Only an idle writer needs waking: a busy one takes the queue next.
  bool Notify = WriterIdle &&
                (Wakes || Queue.size() >= WakeBatch || QueueBytes >= QueueBytesLimit / 4);
  if (Notify) WriterIdle = false;
  L.unlock();
  if (Notify) Wake.notify_one();
}

void EventLog::emit(json Event) {
  // After the records the run's thread holds back, when it is the emitter.
  publishPending();
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
  enqueue(approxBytes(Event), Wakes, [&] {
    Queue.push_back(QueuedEvent{std::move(Event), AttemptRecord()});
  });
}

/// Moves the pieces of \p R's text by \p Base bytes: to where its text
/// lands in another arena.
static void shiftText(EventLog::AttemptRecord &R, uint32_t Base) {
  for (EventLog::AttemptRecord::Text *T :
       {&R.Step, &R.Action, &R.Model, &R.Group, &R.Value, &R.Error})
    T->Begin += Base;
}

void EventLog::appendRecord(std::vector<QueuedEvent> &To, std::string &ToArena,
                            AttemptRecord R, llvm::StringRef Text) {
  // The record's pieces move with its text to the arena's end.
  shiftText(R, uint32_t(ToArena.size()));
  ToArena.append(Text.data(), Text.size());
  To.push_back(QueuedEvent{json(), R});
}

void EventLog::queueAttempt(AttemptRecord R, llvm::StringRef Text,
                            std::chrono::steady_clock::time_point Now, bool Publish) {
  R.TMs = std::chrono::duration<double, std::milli>(Now - Opened).count();
  const std::thread::id Me = std::this_thread::get_id();
  // The first caller is the run's thread, the owner of the held-back batch.
  std::thread::id O = Owner.load(std::memory_order_relaxed);
  if (O == std::thread::id() &&
      Owner.compare_exchange_strong(O, Me, std::memory_order_relaxed))
    O = Me;
  if (Me != O) {
    // Not the run's thread (none calls it so today): queued at once.
    enqueue(sizeof(QueuedEvent) + Text.size(), /*Wakes=*/false,
            [&] { appendRecord(Queue, Arena, R, Text); });
    return;
  }
  // Held back in the run's thread's own batch: queued when it is full (by
  // records or by bytes), when its oldest record has waited WriterPeriod
  // (a loop that is busy for long without sleeping), or when asked.
  if (Pending.empty()) PendingSince = Now;
  appendRecord(Pending, PendingArena, R, Text);
  if (Publish || Pending.size() >= PendingBatch ||
      PendingArena.size() >= PendingBatchBytes || Now - PendingSince >= PendingAge)
    publishPending();
}

void EventLog::publishPending() {
  // The owner first: Pending is that thread's alone.
  if (std::this_thread::get_id() != Owner.load(std::memory_order_relaxed) ||
      Pending.empty())
    return;
  size_t Bytes = Pending.size() * sizeof(QueuedEvent) + PendingArena.size();
  enqueue(
      Bytes, /*Wakes=*/false,
      [&] {
        uint32_t Base = uint32_t(Arena.size());
        for (QueuedEvent &Q : Pending) {
          shiftText(Q.Record, Base);
          Queue.push_back(std::move(Q));
        }
        Arena += PendingArena;
      },
      Pending.size());
  Pending.clear();
  PendingArena.clear();
}

void EventLog::flush() {
  publishPending();
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

json EventLog::eventOf(const AttemptRecord &R, llvm::StringRef Arena) {
  // Member by member as AttemptEvents built the tree before observe8 (and
  // still does when a value's text cannot carry it), so the line is the
  // same byte for byte.
  auto Str = [&](AttemptRecord::Text T) { return Arena.substr(T.Begin, T.Size).str(); };
  auto Value = [&](AttemptRecord::Text T) {
    llvm::StringRef P = Arena.substr(T.Begin, T.Size);
    json V = json::parse(P.begin(), P.end(), nullptr, /*allow_exceptions=*/false);
    // Never a `<discarded>` in a line: the text is valid JSON by
    // construction (appendJsonText), this guards a change to it.
    if (V.is_discarded()) V = json{{"omitted", "unreadable value text"}};
    return V;
  };
  json E = json::object();
  if (R.Start) {
    E["event"] = "attempt_start";
    E["step"] = Str(R.Step);
    E["action"] = Str(R.Action);
    E["attempt"] = R.Attempt;
    E["parameters"] = Value(R.Value);
    if (R.Model.Size) E["model"] = Str(R.Model);
    if (R.Group.Size) E["group"] = Str(R.Group);
    if (R.HasWait) {
      E["queue_wait_ms"] = double(R.QueueWaitUs) / 1000;
      if (R.GroupWaitUs) E["group_wait_ms"] = double(R.GroupWaitUs) / 1000;
    }
  } else {
    E["event"] = "attempt_end";
    E["step"] = Str(R.Step);
    E["attempt"] = R.Attempt;
    E["status"] = R.Ok ? "completed" : "failed";
    if (R.HasDuration) E["duration_ms"] = R.DurationMs;
    if (R.Ok) {
      if (R.HasValue) E["output"] = Value(R.Value);
    } else {
      E["error"] = Str(R.Error);
      E["retryable"] = R.Retryable;
    }
  }
  E["t_ms"] = R.TMs;
  return E;
}

void EventLog::format(std::vector<QueuedEvent> &Batch, llvm::StringRef Arena,
                      std::string &Out) {
  for (QueuedEvent &Q : Batch) {
    if (Q.Tree.is_null()) {
      // Most attempts need no tree: nothing to redact, scrub or reformat.
      {
        std::lock_guard<std::mutex> L(SecretsM);
        if (appendPlainAttemptLine(Q.Record, Arena, Secrets, Out)) continue;
      }
      Q.Tree = eventOf(Q.Record, Arena);
    }
    json &E = Q.Tree;
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
  std::vector<QueuedEvent> Batch;
  std::string BatchArena;  // swapped with Arena: both keep their capacity
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
    BatchArena.swap(Arena);
    QueueBytes = 0;
    uint64_t Upto = Written + Batch.size();
    EventSink *ToSink = Sink.get();  // read under the lock (setSink)
    L.unlock();
    Drained.notify_all();  // room in the queue
    Buf.clear();
    format(Batch, BatchArena, Buf);
    Batch.clear();
    BatchArena.clear();
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

std::vector<std::string> secretsFromRegistry(const std::string &RegistryPath) {
  std::vector<std::string> Out;
  if (RegistryPath.empty()) return Out;
  llvm::Expected<ir::ModelRegistry> R = ir::readModelRegistry(RegistryPath);
  if (!R) {
    llvm::consumeError(R.takeError());
    return Out;
  }
  for (const ir::RegistryProvider &P : R->Providers)
    if (const char *V = P.ApiKeyEnv.empty() ? nullptr : std::getenv(P.ApiKeyEnv.c_str());
        V && std::strlen(V) >= 8)
      Out.push_back(V);
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

/// The length of \p S's longest prefix that a JSON string holds as it is:
/// printable ASCII other than `"` and `\\`. Eight bytes at a time: a
/// word has such a byte iff one of its bytes is below 0x20, at or above
/// 0x80, or equal to `"` or `\\` (each test exact for the whole word).
size_t plainPrefix(std::string_view S) {
  constexpr uint64_t Ones = 0x0101010101010101u, High = 0x8080808080808080u;
  auto HasZero = [](uint64_t W) { return (W - Ones) & ~W & High; };
  size_t I = 0;
  for (; I + 8 <= S.size(); I += 8) {
    uint64_t W;
    std::memcpy(&W, S.data() + I, 8);
    uint64_t Special = (W & High) | ((W - 0x20 * Ones) & ~W & High) |
                       HasZero(W ^ ('"' * Ones)) | HasZero(W ^ ('\\' * Ones));
    if (Special) break;
  }
  while (I < S.size()) {
    auto C = uint8_t(S[I]);
    if (C < 0x20 || C >= 0x80 || C == '"' || C == '\\') break;
    ++I;
  }
  return I;
}

/// Appends \p S as a JSON string; false if it is not valid UTF-8 (as
/// nlohmann's parser reads it: RFC 3629, no overlong forms or surrogates).
bool appendJsonString(std::string &Out, std::string_view S) {
  size_t Plain = plainPrefix(S);
  if (Plain == S.size()) {  // the usual case: one copy between the quotes
    size_t At = Out.size();
    Out.resize(At + S.size() + 2);
    char *P = Out.data() + At;
    P[0] = '"';
    std::memcpy(P + 1, S.data(), S.size());
    P[S.size() + 1] = '"';
    return true;
  }
  Out += '"';
  size_t Run = 0;  // start of the bytes not yet copied
  auto Flush = [&](size_t I) { Out.append(S.data() + Run, I - Run); };
  for (size_t I = Plain; I < S.size();) {
    auto C = uint8_t(S[I]);
    if (C >= 0x20 && C < 0x80 && C != '"' && C != '\\') {
      ++I;
      continue;
    }
    if (C < 0x80) {
      Flush(I);
      static constexpr char Hex[] = "0123456789abcdef";
      char Esc[6] = {'\\', 'u', '0', '0', Hex[C >> 4], Hex[C & 15]};
      if (C == '"' || C == '\\')
        Out.append({'\\', char(C)});
      else
        Out.append(Esc, 6);
      Run = ++I;
      continue;
    }
    size_t Len = utf8SequenceLength(S, I);
    if (!Len) return false;
    I += Len;
  }
  Flush(S.size());
  Out += '"';
  return true;
}

/// Appends \p V's text, or the note boundedValue puts in its place.
bool appendBounded(std::string &Out, const json &V) {
  size_t Acc = 0;
  if (longerThan(V, EventValueLimit, Acc)) return appendJsonText(Out, boundedValue(V));
  return appendJsonText(Out, V);
}

}  // namespace

bool appendJsonText(std::string &Out, const json &V) {
  using T = json::value_t;
  switch (V.type()) {
    case T::null:
    case T::discarded:
      Out += "null";
      return true;
    case T::boolean:
      Out += V.get<bool>() ? "true" : "false";
      return true;
    case T::number_integer:
      fmt::format_to(std::back_inserter(Out), "{}", V.get<int64_t>());
      return true;
    case T::number_unsigned:
      fmt::format_to(std::back_inserter(Out), "{}", V.get<uint64_t>());
      return true;
    case T::number_float: {
      double D = V.get<double>();
      if (!std::isfinite(D)) return false;
      char Buf[32];
      auto [End, Ec] = std::to_chars(Buf, Buf + sizeof Buf, D);
      if (Ec != std::errc()) return false;
      Out.append(Buf, End);
      // Shortest round-trip digits; a `.` or exponent keeps it a double.
      if (std::find_if(Buf, End, [](char C) { return C == '.' || C == 'e'; }) == End)
        Out += ".0";
      return true;
    }
    case T::string:
      return appendJsonString(Out, V.get_ref<const std::string &>());
    case T::array: {
      Out += '[';
      bool First = true;
      for (const json &E : V) {
        if (!First) Out += ',';
        First = false;
        if (!appendJsonText(Out, E)) return false;
      }
      Out += ']';
      return true;
    }
    case T::object: {
      Out += '{';
      bool First = true;
      for (auto It = V.begin(); It != V.end(); ++It) {
        if (!First) Out += ',';
        First = false;
        if (!appendJsonString(Out, It.key())) return false;
        Out += ':';
        if (!appendJsonText(Out, It.value())) return false;
      }
      Out += '}';
      return true;
    }
    case T::binary:
      return false;
  }
  return false;
}

EventLog::AttemptRecord::Text AttemptEvents::text(llvm::StringRef S) {
  EventLog::AttemptRecord::Text T{uint32_t(Scratch.size()), uint32_t(S.size())};
  Scratch.append(S.data(), S.size());
  return T;
}

void AttemptEvents::attemptStarted(uint32_t Step, const runtime::ActionRequest &R,
                                   const std::string &) {
  if (Started.size() <= Step) Started.resize(Step + 1);
  StartedAttempt &S = Started[Step];
  S.Id = R.StepId;  // reuses the string's room
  const auto Now = std::chrono::steady_clock::now();
  S.At = Now;
  if (!S.Model && callsModel(Step, R)) {
    S.Model = true;
    ++ModelsRunning;
  }
  bool Waits = WaitedStep == Step;  // from ready (dependencies, backoff) to this start
  if (Waits) WaitedStep = UINT32_MAX;
  // The parameters are copied as JSON text: the writer thread rebuilds
  // the tree and redacts it by name (EventLog::format) before anything
  // else sees it, and adds `input_hash`, the hash of what it logs
  // (loggedInputHash).
  EventLog::AttemptRecord Rec;
  Scratch.clear();
  Rec.Value = {0, 0};
  bool Fits = true;
  if (R.Params.is_object()) {
    Scratch += '{';
    for (auto It = R.Params.begin(); It != R.Params.end() && Fits; ++It) {
      if (It != R.Params.begin()) Scratch += ',';
      Fits = appendJsonString(Scratch, It.key());
      Scratch += ':';
      Fits = Fits && appendBounded(Scratch, *It);
    }
    Scratch += '}';
  } else {
    Fits = appendBounded(Scratch, R.Params);
  }
  Rec.Value.Size = uint32_t(Scratch.size());
  if (Fits && Scratch.size() < UINT32_MAX / 2) {
    Rec.Start = true;
    Rec.Attempt = R.Attempt;
    Rec.Step = text(R.StepId);
    Rec.Action = text(R.Action);
    Rec.Model = text(R.Model);
    Rec.Group = text(groupOf(Step));
    Rec.HasWait = Waits;
    Rec.QueueWaitUs = Waited.first.count();
    Rec.GroupWaitUs = Waited.second.count();
    Log.queueAttempt(Rec, Scratch, Now, /*Publish=*/ModelsRunning > 0);
    return;
  }
  startTree(Step, R, Waits);
}

llvm::StringRef AttemptEvents::groupOf(uint32_t Step) const {
  if (!Sched || Step >= Sched->nodes()) return "";
  // The group it took (a templated model's provider's), not the plan's.
  int32_t G = Sched->groupIndexOf(Step);
  const auto *PlanGroups = Sched->plan().groups();
  if (G < 0 || !PlanGroups || static_cast<uint32_t>(G) >= PlanGroups->size()) return "";
  const auto *Name = PlanGroups->Get(static_cast<uint32_t>(G))->name();
  return Name ? llvm::StringRef(Name->c_str(), Name->size()) : "";
}

void AttemptEvents::attach(const runtime::Scheduler &S) { Sched = &S; }

bool AttemptEvents::callsModel(uint32_t Step, const runtime::ActionRequest &R) const {
  if (!R.Model.empty()) return true;
  if (Sched && Step < Sched->nodes()) return Sched->callsModel(Step);
  return ir::asksModels(R.Action);  // not attached (a test): looked up
}

void AttemptEvents::startTree(uint32_t Step, const runtime::ActionRequest &R,
                              bool Waits) {
  json E = eventObject(11);  // with t_ms and input_hash
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
  if (llvm::StringRef G = groupOf(Step); !G.empty()) E["group"] = G.str();
  if (Waits) {
    E["queue_wait_ms"] = double(Waited.first.count()) / 1000;
    if (Waited.second.count()) E["group_wait_ms"] = double(Waited.second.count()) / 1000;
  }
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
  EventLog::AttemptRecord Rec;
  Rec.Start = false;
  Rec.Attempt = Attempt;
  Rec.Ok = R.Ok;
  Scratch.clear();
  bool Fits = true;
  const json *Output = nullptr;
  if (R.Ok)
    if (auto It = R.Fields.find("output"); It != R.Fields.end()) Output = &*It;
  if (Output) {
    Rec.HasValue = true;
    Fits = appendBounded(Scratch, *Output);
    Rec.Value = {0, uint32_t(Scratch.size())};
  }
  bool Known = Step < Started.size();
  // Its model call, if any, was logged before this end (the client's
  // thread emits it, then hands the result to the run's).
  bool Publish = ModelsRunning > 0;
  if (Known && Started[Step].Model) {
    Started[Step].Model = false;
    --ModelsRunning;
  }
  if (Fits && Scratch.size() < UINT32_MAX / 2) {
    Rec.Step = Known ? text(Started[Step].Id) : text(std::to_string(Step));
    const auto Now = std::chrono::steady_clock::now();
    if (Known) {
      Rec.HasDuration = true;
      Rec.DurationMs =
          std::chrono::duration<double, std::milli>(Now - Started[Step].At).count();
    }
    if (!R.Ok) {
      Rec.Error = text(R.Error);
      Rec.Retryable = R.Retryable;
    }
    Log.queueAttempt(Rec, Scratch, Now, Publish);
    return;
  }
  endTree(Step, Attempt, R, Output);
}

void AttemptEvents::endTree(uint32_t Step, unsigned Attempt,
                            const runtime::ActionResult &R, const json *Output) {
  bool Known = Step < Started.size();
  json E = eventObject(8);
  E["event"] = "attempt_end";
  E["step"] = Known ? Started[Step].Id : std::to_string(Step);
  E["attempt"] = Attempt;
  E["status"] = R.Ok ? "completed" : "failed";
  if (Known)
    E["duration_ms"] = std::chrono::duration<double, std::milli>(
                           std::chrono::steady_clock::now() - Started[Step].At)
                           .count();
  if (R.Ok) {
    if (Output) E["output"] = boundedValue(*Output);
  } else {
    E["error"] = R.Error;
    E["retryable"] = R.Retryable;
  }
  Log.emit(std::move(E));
}

}  // namespace orch::observe
