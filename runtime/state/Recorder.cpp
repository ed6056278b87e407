//===- Recorder.cpp -------------------------------------------------------===//
#include "runtime/state/Recorder.h"

#include <fmt/format.h>

#include "ir/Actions.h"
#include "runtime/exec/RunReport.h"
#include "runtime/exec/Spill.h"
#include "runtime/state/EntryCodec.h"

namespace orch::state {

using json = orch::ir::Json;
using runtime::StepStatus;

std::optional<CheckpointStrategy> parseCheckpointStrategy(llvm::StringRef S) {
  if (S.empty() || S == "every_step" || S == "fixed")
    return CheckpointStrategy::EveryStep;
  if (S == "adaptive") return CheckpointStrategy::Adaptive;
  if (S == "none") return CheckpointStrategy::None;
  return std::nullopt;
}

int64_t unixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Recorder::Recorder(std::unique_ptr<StateStore> W, runtime::Executor &Exec,
                   std::string RunId, std::string Holder, CheckpointStrategy Strategy,
                   std::chrono::milliseconds RenewEvery)
    : Store(std::move(W)),
      Exec(Exec),
      RunId(std::move(RunId)),
      Holder(std::move(Holder)),
      Strategy(Strategy),
      RenewEvery(RenewEvery) {
  Writer = std::thread([this] { writerLoop(); });
}

Recorder::~Recorder() {
  {
    std::lock_guard<std::mutex> L(M);
    Quit = true;
  }
  Wake.notify_all();
  if (Writer.joinable()) Writer.join();
}

void Recorder::attach(const runtime::Scheduler &S, const runtime::LoadedPlan &Plan,
                      std::chrono::system_clock::time_point Start) {
  Sched = &S;
  WallStart = Start;
  Queued.assign(S.size(), 0);
  Cheap.assign(S.size(), 0);
  CacheTtl.assign(S.size(), -1);
  const auto *Steps = Plan.plan().steps();
  for (uint32_t I = 0; Steps && I < Steps->size(); ++I) {
    CacheTtl[I] = Steps->Get(I)->cache_ttl_s();
    const ir::ActionInfo *A =
        ir::findBuiltinAction(Steps->Get(I)->action()->string_view());
    Cheap[I] = A && A->Local;
  }
}

void Recorder::recordTakenOver() {
  for (uint32_t I = 0; Sched && I < Sched->size(); ++I)
    if (Sched->state(I).Resumed) enqueue(I, nullptr);
}

bool Recorder::commit(uint32_t Step, std::function<void(std::string)> Ack) {
  switch (Strategy) {
    case CheckpointStrategy::None:
      // A `cache:` step's result is still kept for later runs.
      if (CacheTtl[Step] >= 0 && !Sched->state(Step).Cached) enqueue(Step, nullptr);
      return false;
    case CheckpointStrategy::Adaptive:
      if (Cheap[Step]) {
        enqueue(Step, nullptr);
        return false;
      }
      [[fallthrough]];
    case CheckpointStrategy::EveryStep:
      enqueue(Step, std::move(Ack));
      return true;
  }
  return false;
}

bool Recorder::attemptStarting(uint32_t Step, unsigned Attempt,
                               std::function<void(std::string)> Ack) {
  if (Strategy == CheckpointStrategy::None) return false;
  Job J;
  J.Rec.RunId = RunId;
  J.Rec.StepId = Sched->stepId(Step).str();
  J.Rec.Status = "running";
  J.Rec.Attempts = Attempt;
  J.Entry = json{{"status", "running"}, {"attempts", Attempt}};
  J.Ack = std::move(Ack);
  {
    std::lock_guard<std::mutex> L(M);
    Queue.push_back(std::move(J));
  }
  Wake.notify_one();
  return true;
}

void Recorder::itemDone(const std::string &Name, const json &Result,
                        const std::string &InputHash, std::optional<bool> GoesOn) {
  if (Strategy == CheckpointStrategy::None) return;
  Job J;
  J.Rec.RunId = RunId;
  J.Rec.StepId = Name;
  J.Rec.Status = "completed";
  J.Rec.Attempts = 1;
  J.Rec.InputHash = InputHash;
  // Member by member: an initializer list would copy Result twice.
  J.Entry = json::object();
  J.Entry["status"] = "completed";
  J.Entry["attempts"] = 1;
  J.Entry["fields"] = Result;
  if (GoesOn) J.Entry["goes_on"] = *GoesOn;
  {
    std::lock_guard<std::mutex> L(M);
    Queue.push_back(std::move(J));
  }
  Wake.notify_one();
}

void Recorder::enqueue(uint32_t I, std::function<void(std::string)> Ack) {
  const runtime::StepState &St = Sched->state(I);
  Job J;
  J.Rec.RunId = RunId;
  J.Rec.StepId = Sched->stepId(I).str();
  J.Rec.Status = runtime::stepStatusName(St.Status);
  J.Rec.InputHash = St.InputHash;
  // Attempt numbers used up across the run's processes: a later resume
  // numbers on from it. An attempt cut off by SIGINT is not used up: the
  // resume runs it again under the same key, as one a kill -9 cut off.
  J.Rec.Attempts = St.Resumed ? St.Attempts
                              : Sched->keyAttempt(I) - (St.CutOff && St.Attempts ? 1 : 0);
  J.Entry = runtime::stepEntry(*Sched, I, WallStart);
  J.Entry["attempts"] = J.Rec.Attempts;
  if (UsageOf)
    if (json U = UsageOf(J.Rec.StepId); !U.is_null()) J.Entry["usage"] = std::move(U);
  // A `continue` failure keeps what its attempt produced (stderr, exit
  // code): later steps read it, also after a resume (not in `--out`).
  if (St.Status == StepStatus::Failed && St.Result.is_object()) {
    json Fields = St.Result;
    for (const char *K : {"output", "status", "error"}) Fields.erase(K);
    if (!Fields.empty()) J.Entry["fields"] = std::move(Fields);
  }
  J.Spilled = St.Spilled;
  J.Ack = std::move(Ack);
  if (St.Status == StepStatus::Completed && !St.Cached && !St.CacheKey.empty() &&
      CacheTtl[I] >= 0) {
    J.CacheKey = St.CacheKey;
    J.CacheTtlS = CacheTtl[I];
  }
  Queued[I] = 1;
  {
    std::lock_guard<std::mutex> L(M);
    Queue.push_back(std::move(J));
  }
  Wake.notify_one();
}

void Recorder::lookup(const std::string &Key,
                      std::function<void(std::optional<json>)> Done) {
  Job J;
  J.CacheKey = Key;
  J.LookupDone = std::move(Done);
  J.Lookup = true;
  {
    std::lock_guard<std::mutex> L(M);
    Queue.push_back(std::move(J));
  }
  Wake.notify_one();
}

void Recorder::answer(Job &J) {
  std::optional<json> Fields;
  auto C = Store->getCache(J.CacheKey, unixMs());
  if (C && *C) {
    // An entry that does not decode is a miss: the step runs.
    auto E = decodeEntry((*C)->EntryJson, *Store, "(cache)", J.CacheKey);
    if (E) {
      json F = E->contains("fields") && (*E)["fields"].is_object() ? (*E)["fields"]
                                                                   : json::object();
      F["output"] = E->contains("output") ? (*E)["output"] : json();
      Fields = std::move(F);
    } else {
      llvm::consumeError(E.takeError());
    }
  } else if (!C) {
    llvm::consumeError(C.takeError());
  }
  Exec.post([Done = std::move(J.LookupDone), Fields = std::move(Fields)]() mutable {
    Done(std::move(Fields));
  });
}

std::string Recorder::write(std::vector<Job> &Batch) {
  std::vector<StepRecord> Recs;
  std::vector<CacheRecord> Cache;
  Recs.reserve(Batch.size());
  for (Job &J : Batch) {
    if (J.Lookup) continue;
    // Spilled fields come back from their files: the record holds them all.
    if (!J.Spilled.empty()) {
      json Fields = json::object();
      if (llvm::Error E = runtime::loadSpilled(Fields, J.Spilled))
        return fmt::format("step `{}`: {}", J.Rec.StepId, llvm::toString(std::move(E)));
      for (auto &[K, V] : Fields.items()) {
        if (K == "output")
          J.Entry["output"] = std::move(V);
        else
          J.Entry["fields"][K] = std::move(V);
      }
      J.Entry.erase("spilled");
    }
    EncodedEntry E = encodeEntry(J.Entry);
    // The tree (spilled fields read back: megabytes) is not kept beside
    // its encoding while the rest of the batch is encoded.
    J.Entry = json();
    if (!J.CacheKey.empty()) {
      int64_t Now = unixMs();
      Cache.push_back(
          {J.CacheKey, E.Json, Now, J.CacheTtlS ? Now + J.CacheTtlS * 1000 : 0, E.Blobs});
    }
    J.Rec.EntryJson = std::move(E.Json);
    J.Rec.Blobs = std::move(E.Blobs);
    J.Rec.NewBlobs = std::move(E.NewBlobs);  // in putSteps' transaction
    Recs.push_back(std::move(J.Rec));
  }
  if (llvm::Error Err = Store->putSteps(Recs)) return llvm::toString(std::move(Err));
  // A result that cannot be cached costs a later run only time. Each entry
  // is a transaction that may wait LockWaitMs: the lease is renewed
  // between them when due, as between batches (Recorder.h's bound).
  for (const CacheRecord &C : Cache) {
    if (std::chrono::steady_clock::now() >= NextRenew)
      if (std::string Why = renewLease(); !Why.empty()) return Why;
    llvm::consumeError(Store->putCache(C));
  }
  return "";
}

std::string Recorder::renewLease() {
  auto Other = Store->acquireLease(RunId, Holder, unixMs(), LeaseTtlMs, nullptr);
  NextRenew = std::chrono::steady_clock::now() + RenewEvery;
  if (!Other) return llvm::toString(Other.takeError());
  return Other->empty()
             ? ""
             : fmt::format("the lease of run `{}` went to `{}`", RunId, *Other);
}

void Recorder::writerLoop() {
  using Clock = std::chrono::steady_clock;
  NextRenew = Clock::now() + RenewEvery;
  std::unique_lock<std::mutex> L(M);
  for (;;) {
    Wake.wait_until(L, NextRenew, [&] { return Quit || !Queue.empty(); });
    if (Queue.empty() && Quit) return;
    if (Clock::now() >= NextRenew) {
      L.unlock();
      std::string Why = renewLease();
      L.lock();
      if (!Why.empty() && FirstError.empty()) FirstError = Why;
    }
    if (Queue.empty()) continue;
    std::vector<Job> Batch(std::make_move_iterator(Queue.begin()),
                           std::make_move_iterator(Queue.end()));
    Queue.clear();
    Busy = true;
    std::string Prior = FirstError;
    L.unlock();
    // After one failure nothing more is written: a later step must not be
    // recorded done while an earlier one was lost.
    for (Job &J : Batch)
      if (J.Lookup) answer(J);
    std::string Why = Prior.empty() ? write(Batch) : Prior;
    std::vector<std::function<void(std::string)>> Acks;
    for (Job &J : Batch)
      if (J.Ack) Acks.push_back(std::move(J.Ack));
    if (!Acks.empty())
      Exec.post([Acks = std::move(Acks), Why] {
        for (const auto &A : Acks) A(Why);
      });
    L.lock();
    if (Why.empty())
      for (const Job &J : Batch)
        Written +=
            J.Lookup || J.Rec.Status == "running" || J.Rec.Status == "outputs" ? 0 : 1;
    if (!Why.empty() && FirstError.empty()) FirstError = Why;
    Busy = false;
    Idle.notify_all();
  }
}

size_t Recorder::recorded() const {
  std::lock_guard<std::mutex> L(M);
  return Written;
}

llvm::Error Recorder::finish(llvm::StringRef Status, llvm::StringRef Error) {
  // What settled without a record: failures, skips, and every step under
  // `none` (so that `orchrt show` has the whole run).
  for (uint32_t I = 0; Sched && I < Sched->size(); ++I) {
    const runtime::StepState &St = Sched->state(I);
    if (Queued[I] || St.Resumed) continue;
    if (St.Status == StepStatus::Completed || St.Status == StepStatus::Failed ||
        St.Status == StepStatus::Skipped)
      enqueue(I, nullptr);
  }
  if (Sched && Sched->finished()) {
    // The pipeline's outputs, for `orchrt show` (large ones as blobs).
    Job J;
    json Errors = json::object();
    J.Entry =
        json{{"status", "outputs"}, {"attempts", 0}, {"output", Sched->outputs(Errors)}};
    if (!Errors.empty()) J.Entry["fields"] = json{{"output_errors", std::move(Errors)}};
    J.Rec.RunId = RunId;
    J.Rec.StepId = OutputsRowId;
    J.Rec.Status = "outputs";
    {
      std::lock_guard<std::mutex> G(M);
      Queue.push_back(std::move(J));
    }
    Wake.notify_one();
  }
  std::unique_lock<std::mutex> L(M);
  Idle.wait(L, [&] { return Queue.empty() && !Busy; });
  // The store's connection is the writer thread's (SQLITE_OPEN_NOMUTEX): a
  // lease renewal falling due now would use it beside finishRun below, and
  // two threads in one connection corrupt the database. So the writer
  // stops first; the rest of the run's end is this thread's alone.
  Quit = true;
  L.unlock();
  Wake.notify_all();
  if (Writer.joinable()) Writer.join();
  // After the join: a renewal the writer was making may have failed.
  std::string Why = FirstError;
  if (Why.empty()) {
    if (llvm::Error E = Store->finishRun(RunId, Status, Error, unixMs()))
      Why = llvm::toString(std::move(E));
  }
  llvm::consumeError(Store->releaseLease(RunId, Holder));
  if (!Why.empty()) return llvm::createStringError(Why);
  return llvm::Error::success();
}

}  // namespace orch::state
