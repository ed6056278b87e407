//===- RunReport.cpp ------------------------------------------------------===//
#include "runtime/exec/RunReport.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "ir/Actions.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace orch::runtime {

using json = orch::ir::Json;
using ordered_json = orch::ir::Json;
using SysClock = std::chrono::system_clock;

std::string isoTime(SysClock::time_point T) {
  auto Ms = std::chrono::duration_cast<std::chrono::milliseconds>(T.time_since_epoch());
  std::time_t Secs = static_cast<std::time_t>(Ms.count() / 1000);
  std::tm Tm{};
  gmtime_r(&Secs, &Tm);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", Tm,
                     static_cast<int>(Ms.count() % 1000));
}

ordered_json stepEntry(const Scheduler &S, uint32_t I, SysClock::time_point WallStart) {
  auto Wall = [&](Executor::TimePoint T) {
    return WallStart + std::chrono::duration_cast<SysClock::duration>(T - S.startTime());
  };
  const StepState &St = S.state(I);
  ordered_json E;
  E["status"] = stepStatusName(St.Status);
  const json *Out = St.Status == StepStatus::Completed && St.Result.is_object() &&
                            St.Result.contains("output")
                        ? &St.Result["output"]
                        : nullptr;
  E["output"] = Out ? *Out : json();
  if (St.Status == StepStatus::Completed && St.Result.is_object()) {
    json Fields = St.Result;
    Fields.erase("output");
    Fields.erase("status");
    if (!Fields.empty()) E["fields"] = std::move(Fields);
  } else if (St.Status == StepStatus::Failed && St.FailedFields.is_object()) {
    E["fields"] = St.FailedFields;  // a loop's finished items (docs/control-flow.md)
  }
  if (!St.Spilled.empty()) E["spilled"] = describeSpilled(St.Spilled);
  if (St.Cached) E["cached"] = true;   // from the step-result cache; not run
  if (St.CutOff) E["cut_off"] = true;  // stopped in flight: a resume runs it
  E["attempts"] = St.Attempts;
  if (!St.SharedRequest.empty()) E["shared_request"] = St.SharedRequest;  // fuse-models
  if (!St.Batch.empty()) E["batch"] = St.Batch;  // batch mode (docs/fusion.md §8)
  if (!St.AttemptTimeouts.empty()) E["attempt_timeouts_ms"] = St.AttemptTimeouts;
  E["started_at"] = St.HasStarted ? json(isoTime(Wall(St.Started))) : json();
  bool Settled = St.Status == StepStatus::Completed || St.Status == StepStatus::Failed ||
                 (St.Status == StepStatus::Skipped && St.HasStarted);
  E["finished_at"] = Settled ? json(isoTime(Wall(St.Finished))) : json();
  if (St.Resumed) {
    E["started_at"] = St.PriorStarted;
    E["finished_at"] = St.PriorFinished;
    E["resumed"] = true;
  }
  E["duration_ms"] =
      Settled && !St.Resumed
          ? json(std::chrono::duration<double, std::milli>(St.Finished - St.Started)
                     .count())
          : json();
  E["error"] = St.Error.empty() ? json() : json(St.Error);
  return E;
}

ordered_json buildReport(const Scheduler &S, const LoadedPlan &Plan,
                         SysClock::time_point WallStart) {
  auto Wall = [&](Executor::TimePoint T) {
    return WallStart + std::chrono::duration_cast<SysClock::duration>(T - S.startTime());
  };
  ordered_json R;
  R["pipeline"] = Plan.plan().name() ? Plan.plan().name()->str() : "";
  R["status"] = runStatusName(S.status());
  if (!S.runError().empty()) R["error"] = S.runError();
  R["plan_hash"] = Plan.contentHash();
  R["inputs"] = S.inputs();
  R["started_at"] = isoTime(WallStart);
  Executor::TimePoint End = S.startTime();
  ordered_json Steps = ordered_json::object();
  for (uint32_t I = 0; I < S.size(); ++I) {
    const StepState &St = S.state(I);
    if (St.HasStarted && St.Finished > End) End = St.Finished;
    Steps[S.stepId(I).str()] = stepEntry(S, I, WallStart);
  }
  R["finished_at"] = isoTime(Wall(End));
  R["steps"] = std::move(Steps);
  // Outputs once the run has finished: a checkpoint a second must not read
  // spilled fields back each time.
  if (S.finished()) {
    json Errors = json::object();
    R["outputs"] = S.outputs(Errors);
    if (!Errors.empty()) R["output_errors"] = Errors;
  }
  return R;
}

namespace {
/// The top-level step holding plan step \p I (\p I itself at top level).
uint32_t topOf(const flatbuffers::Vector<flatbuffers::Offset<plan::Step>> &PSteps,
               uint32_t I) {
  for (size_t Hops = 0; PSteps.Get(I)->parent() >= 0 && Hops < PSteps.size(); ++Hops)
    I = static_cast<uint32_t>(PSteps.Get(I)->parent());
  return I;
}

/// Does plan step \p I keep state in orchrt's process (`memory.*`)?
bool keepsProcessState(const flatbuffers::Vector<flatbuffers::Offset<plan::Step>> &PSteps,
                       uint32_t I) {
  const ir::ActionInfo *A = ir::findBuiltinAction(PSteps.Get(I)->action()->string_view());
  return A && A->ProcessState;
}

/// The items of unfinished loops recorded one by one (`each[3]`, an inner
/// loop's `each[3].inner[1]`, a `while` iteration's `refine[2]`:
/// StepCommitter::itemDone) go to the scheduler, whose loops take over
/// those whose inputs are unchanged (docs/control-flow.md §1.2). Only
/// under a top-level loop whose every dependency (its own and its body's,
/// outside the loop) was taken over: a step that runs again may answer
/// otherwise, and a top-level item's hash covers the item's value, not
/// what its body read (an inner loop's covers what it reads in the item).
void presetItems(Scheduler &S, const LoadedPlan &Plan, const json &Steps,
                 const std::vector<char> &Take) {
  const auto &PSteps = *Plan.plan().steps();
  std::vector<char> Stale(S.size(), 0);
  for (uint32_t J = 0; J < S.size(); ++J) {
    uint32_t L = topOf(PSteps, J);
    if (keepsProcessState(PSteps, J)) Stale[L] = 1;  // its items run again
    if (const auto *Deps = PSteps.Get(J)->deps())
      for (uint32_t D : *Deps)
        if (D < S.size() && topOf(PSteps, D) != L && !Take[D]) Stale[L] = 1;
  }
  llvm::StringMap<uint32_t> Loops;
  for (uint32_t I = 0; I < S.size(); ++I)
    if (!Take[I] && !Stale[I] && S.isLoop(I)) Loops[S.stepId(I)] = I;
  if (Loops.empty()) return;
  for (auto It = Steps.begin(); It != Steps.end(); ++It) {
    llvm::StringRef Key = It.key();
    if (!Key.ends_with("]") || !It->is_object()) continue;
    auto [Id, Rest] = Key.split('[');
    if (Rest.empty() || !Loops.count(Id)) continue;
    auto F = It->find("fields");
    auto H = It->find("input_hash");
    auto G = It->find("goes_on");
    if (F == It->end() || !F->is_object() || H == It->end() || !H->is_string()) continue;
    std::optional<bool> GoesOn;
    if (G != It->end() && G->is_boolean()) GoesOn = G->get<bool>();
    S.presetItem(Key.str(), *F, H->get<std::string>(), GoesOn);
  }
}
}  // namespace

llvm::Expected<size_t> resumeFrom(Scheduler &S, const LoadedPlan &Plan, const json &R,
                                  llvm::StringRef SpillRoot) {
  if (!R.is_object() || !R.contains("steps") || !R["steps"].is_object())
    return llvm::createStringError("it is not an orchrt result (no `steps`)");
  auto Hash = R.find("plan_hash");
  if (Hash == R.end() || !Hash->is_string() || *Hash != Plan.contentHash())
    return llvm::createStringError(
        "it comes from a different plan (its `plan_hash` differs); run without --resume");
  auto In = R.find("inputs");
  if (In == R.end() || *In != S.inputs())
    return llvm::createStringError(
        "it was run with different inputs; resuming would mix their results");
  const json &Steps = R["steps"];
  auto Text = [](const json &E, const char *K) {
    auto V = E.find(K);
    return V != E.end() && V->is_string() ? V->get<std::string>() : std::string();
  };
  // A step is taken over only if it settled for good and so did every step
  // it depends on: what re-runs must not leave stale results downstream.
  // Settled for good: completed, or failed under `on_failure: continue`
  // (its dependents ran on that failure, so it must not change under them).
  const auto *PSteps = Plan.plan().steps();
  std::vector<char> Take(S.size(), 0), AsFailed(S.size(), 0);
  for (uint32_t I = 0; I < S.size(); ++I) {
    auto It = Steps.find(S.stepId(I).str());
    bool Entry = It != Steps.end() && It->is_object();
    AsFailed[I] = Entry && Text(*It, "status") == "failed" && !It->contains("cut_off") &&
                  PSteps->Get(I)->on_failure() == plan::FailurePolicy::Continue;
    Take[I] = Entry && (Text(*It, "status") == "completed" || AsFailed[I]);

    if (Take[I] && It->contains("spilled")) {
      // Its large fields live in files; a step whose files are gone runs again.
      llvm::Expected<std::vector<SpilledField>> Parsed =
          parseSpilled((*It)["spilled"], SpillRoot);
      Take[I] = bool(Parsed);
      if (!Parsed) llvm::consumeError(Parsed.takeError());
    }
  }
  // The run's memory lived in the process that stopped: its steps run
  // again, rebuilding it (a loop holding one, all of it), and so do the
  // steps after them. A `model.route` that routed `tasks` counted nothing
  // (its result has `recommendations`): it is taken over.
  for (uint32_t I = 0; I < S.size(); ++I) {
    if (!keepsProcessState(*PSteps, I)) continue;
    auto It = Steps.find(S.stepId(I).str());
    const bool RoutedTasks = PSteps->Get(I)->action()->string_view() == "model.route" &&
                             It != Steps.end() && It->is_object() &&
                             It->contains("fields") && (*It)["fields"].is_object() &&
                             (*It)["fields"].contains("recommendations");
    if (!RoutedTasks) Take[I] = Take[topOf(*PSteps, I)] = 0;
  }
  for (bool Changed = true; Changed;) {
    Changed = false;
    for (uint32_t I = 0; I < S.size(); ++I) {
      if (!Take[I] || !PSteps->Get(I)->deps()) continue;
      for (uint32_t D : *PSteps->Get(I)->deps())
        if (!Take[D]) {
          Take[I] = 0;
          Changed = true;
          break;
        }
    }
  }
  size_t N = 0;
  for (uint32_t I = 0; I < S.size(); ++I) {
    if (!Take[I]) continue;
    const json &E = Steps[S.stepId(I).str()];
    json Result = json::object();
    if (auto F = E.find("fields"); F != E.end() && F->is_object()) Result = *F;
    auto Out = E.find("output");
    Result["output"] = Out != E.end() ? *Out : json();
    Result["status"] = AsFailed[I] ? "failed" : "completed";
    if (AsFailed[I]) {
      Result.erase("output");
      Result["error"] = Text(E, "error").empty() ? "failed" : Text(E, "error");
    }
    std::vector<SpilledField> Spilled;
    if (auto Sp = E.find("spilled"); Sp != E.end()) {
      llvm::Expected<std::vector<SpilledField>> Parsed = parseSpilled(*Sp, SpillRoot);
      if (!Parsed) return Parsed.takeError();  // checked above; cannot happen
      Spilled = std::move(*Parsed);
      for (const SpilledField &F : Spilled)
        if (F.Field == "output") Result.erase("output");
    }
    unsigned Attempts = 1;
    if (auto A = E.find("attempts");
        A != E.end() && A->is_number_unsigned() && A->get<uint64_t>() < 1000000)
      Attempts = static_cast<unsigned>(A->get<uint64_t>());
    std::vector<int64_t> Timeouts;
    if (auto T = E.find("attempt_timeouts_ms"); T != E.end() && T->is_array())
      for (const json &Ms : *T)
        if (Ms.is_number_integer() && Ms.get<int64_t>() > 0 && Timeouts.size() < Attempts)
          Timeouts.push_back(Ms.get<int64_t>());
    S.preset(I, std::move(Result), Attempts, Text(E, "started_at"),
             Text(E, "finished_at"), std::move(Spilled), std::move(Timeouts));
    ++N;
  }
  presetItems(S, Plan, Steps, Take);
  // A step taken over must have had the inputs this run gives it: its
  // recorded hash (a state store's records carry one) against a rendering now.
  for (uint32_t I = 0; I < S.size(); ++I) {
    if (!Take[I]) continue;
    std::string Recorded = Text(Steps[S.stepId(I).str()], "input_hash");
    if (Recorded.empty()) continue;
    llvm::Expected<std::string> Now = S.renderedInputHash(I);
    if (!Now)
      return llvm::createStringError(
          fmt::format("step `{}`: its inputs no longer render: {}", S.stepId(I).str(),
                      llvm::toString(Now.takeError())));
    if (*Now != Recorded)
      return llvm::createStringError(fmt::format(
          "step `{}` completed with other inputs: its action, model, rendered "
          "parameters or outside inputs (the registry a `model.*` step reads) differ "
          "from the recorded ones (input hash {}, now {})",
          S.stepId(I).str(), Recorded.substr(0, 12), Now->substr(0, 12)));
  }
  return N;
}

}  // namespace orch::runtime
