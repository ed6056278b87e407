//===- Scheduler.cpp ------------------------------------------------------===//
#include "runtime/exec/Scheduler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "ir/Actions.h"

namespace orch::runtime {

using nlohmann::json;
namespace pf = orch::plan;

namespace {
/// Retries of an `on_failure: retry` step when neither it nor `context`
/// says how many.
constexpr int DefaultMaxRetries = 3;
}  // namespace

const char *stepStatusName(StepStatus S) {
  switch (S) {
    case StepStatus::Pending:
      return "pending";
    case StepStatus::Running:
    case StepStatus::Backoff:
      return "running";
    case StepStatus::Completed:
      return "completed";
    case StepStatus::Failed:
      return "failed";
    case StepStatus::Skipped:
      return "skipped";
  }
  return "pending";
}

const char *runStatusName(RunStatus S) {
  switch (S) {
    case RunStatus::Running:
      return "running";
    case RunStatus::Completed:
      return "completed";
    case RunStatus::Failed:
      return "failed";
    case RunStatus::Interrupted:
      return "interrupted";
  }
  return "running";
}

Scheduler::Scheduler(const LoadedPlan &Plan, const PlanProgram &Program, json In,
                     Executor &Exec, ActionRunner &Runner, RunOptions Opts,
                     RunObserver *Observer)
    : P(Plan.plan()),
      Prog(Program),
      Inputs(std::move(In)),
      Exec(Exec),
      Runner(Runner),
      Opts(Opts),
      Obs(Observer) {
  size_t N = P.steps() ? P.steps()->size() : 0;
  States.resize(N);
  Dependents.resize(N);
  Counts[static_cast<size_t>(StepStatus::Pending)] = N;
  PathMs.resize(N);
  IsModel.resize(N);
  for (uint32_t I = 0; I < N; ++I) {
    const pf::Step *S = P.steps()->Get(I);
    Index[S->id()->string_view()] = I;
    PathMs[I] = S->path_ms();
    IsModel[I] = ir::isModelAction(S->action()->string_view());
    if (S->deps())
      for (uint32_t D : *S->deps()) {
        Dependents[D].push_back(I);
        ++States[I].Waiting;
      }
  }
  if (this->Opts.Jobs == 0) this->Opts.Jobs = 1;
  if (P.groups())
    for (const pf::Group *G : *P.groups()) {
      GroupState GS;
      GS.Max = G->max_concurrent();
      if (G->requests_per_minute()) {
        GS.PerMs = G->requests_per_minute() / 60000.0;
        GS.Capacity = std::max(1u, G->burst());
        GS.Tokens = GS.Capacity;
      }
      Groups.push_back(GS);
    }
  Peaks.assign(Groups.size(), 0);
}

Scheduler::~Scheduler() {
  *Alive = false;
  for (StepState &S : States) {
    if (S.Task) S.Task->cancel();
    if (S.Timer) Exec.cancelTimer(S.Timer);
  }
  if (RunTimer) Exec.cancelTimer(RunTimer);
  for (GroupState &G : Groups)
    if (G.Timer) Exec.cancelTimer(G.Timer);
}

bool Scheduler::later(uint32_t A, uint32_t B) const {
  return PathMs[A] != PathMs[B] ? PathMs[A] < PathMs[B] : A > B;
}

void Scheduler::pushReady(uint32_t I) {
  Ready.push_back(I);
  std::push_heap(Ready.begin(), Ready.end(),
                 [this](uint32_t A, uint32_t B) { return later(A, B); });
}

uint32_t Scheduler::popReady() {
  std::pop_heap(Ready.begin(), Ready.end(),
                [this](uint32_t A, uint32_t B) { return later(A, B); });
  uint32_t I = Ready.back();
  Ready.pop_back();
  return I;
}

bool Scheduler::groupAllows(int32_t G) {
  if (G < 0) return true;
  GroupState &S = Groups[G];
  if (S.Max && S.Running >= S.Max) return false;
  if (S.PerMs > 0) {
    Executor::TimePoint Now = Exec.now();
    if (S.Refilled != Executor::TimePoint{}) {
      double Ms = std::chrono::duration<double, std::milli>(Now - S.Refilled).count();
      S.Tokens = std::min(S.Capacity, S.Tokens + Ms * S.PerMs);
    }
    S.Refilled = Now;
    if (S.Tokens < 1) {
      if (!S.Timer) {
        // Wake when the next token is there.
        auto Wait = std::chrono::microseconds(
            static_cast<int64_t>(std::ceil((1 - S.Tokens) / S.PerMs * 1000)));
        std::weak_ptr<bool> A = Alive;
        S.Timer = Exec.addTimer(Now + Wait, [this, A, G] {
          if (A.expired()) return;
          Groups[G].Timer = 0;
          unpark(G);
          dispatch();
        });
      }
      return false;
    }
  }
  return true;
}

void Scheduler::enterGroup(int32_t G) {
  if (G < 0) return;
  GroupState &S = Groups[G];
  ++S.Running;
  Peaks[G] = std::max(Peaks[G], S.Running);
  if (S.PerMs > 0) S.Tokens -= 1;
}

void Scheduler::leaveGroup(int32_t G) {
  if (G < 0) return;
  --Groups[G].Running;
  unpark(G);
}

void Scheduler::unpark(int32_t G) {
  std::vector<uint32_t> Back;
  Back.swap(Groups[G].Parked);
  for (uint32_t I : Back) pushReady(I);
}

llvm::StringRef Scheduler::stepId(uint32_t I) const {
  return P.steps()->Get(I)->id()->string_view();
}

void Scheduler::setStatus(uint32_t I, StepStatus S) {
  --Counts[static_cast<size_t>(States[I].Status)];
  ++Counts[static_cast<size_t>(S)];
  States[I].Status = S;
}

RunStatus Scheduler::status() const {
  if (!Done) return RunStatus::Running;
  if (Interrupted) return RunStatus::Interrupted;
  return Failed ? RunStatus::Failed : RunStatus::Completed;
}

const json *Scheduler::input(llvm::StringRef Name) const {
  auto It = Inputs.find(Name.str());
  return It == Inputs.end() ? nullptr : &*It;
}

const json *Scheduler::step(llvm::StringRef Id) const {
  auto It = Index.find(Id);
  if (It == Index.end()) return nullptr;
  const StepState &S = States[It->second];
  if (S.Status == StepStatus::Completed || S.Status == StepStatus::Failed)
    return S.Result.is_null() ? nullptr : &S.Result;
  return nullptr;
}

void Scheduler::preset(uint32_t I, json Result, unsigned Attempts, std::string StartedAt,
                       std::string FinishedAt) {
  StepState &S = States[I];
  S.Result = std::move(Result);
  S.Resumed = true;
  S.PriorStarted = std::move(StartedAt);
  S.PriorFinished = std::move(FinishedAt);
  S.Attempts = Attempts;
  setStatus(I, StepStatus::Completed);
  ++Settled;
  for (uint32_t D : Dependents[I]) --States[D].Waiting;
}

void Scheduler::start() {
  Started = true;
  StartTime = Exec.now();
  if (P.timeout_ms() > 0) {
    std::weak_ptr<bool> A = Alive;
    RunTimer = Exec.addTimer(StartTime + std::chrono::milliseconds(P.timeout_ms()), [this,
                                                                                     A] {
      if (A.expired()) return;
      RunTimer = 0;
      stop(fmt::format("the pipeline's timeout of {} s ran out", P.timeout_ms() / 1000.0),
           false);
    });
  }
  for (uint32_t I = 0; I < States.size(); ++I)
    if (States[I].Status == StepStatus::Pending && States[I].Waiting == 0) pushReady(I);
  dispatch();
  checkDone();
}

void Scheduler::ready(uint32_t I) {
  pushReady(I);
  dispatch();
}

void Scheduler::dispatch() {
  if (InDispatch) return;  // the outer loop picks it up: no recursion
  InDispatch = true;
  while ((!Continue.empty() || !Ready.empty()) && (Stopping || Running < Opts.Jobs)) {
    uint32_t I;
    if (!Continue.empty()) {
      I = Continue.back();
      Continue.pop_back();
    } else {
      I = popReady();
    }
    if (States[I].Status != StepStatus::Pending) continue;
    if (Stopping) {
      // Left for the final sweep, which says why.
      continue;
    }
    int32_t G = P.steps()->Get(I)->group();
    if (G >= 0 && !groupAllows(G)) {
      Groups[G].Parked.push_back(I);  // back when the group frees a slot
      continue;
    }
    begin(I);
  }
  InDispatch = false;
  checkDone();
}

void Scheduler::begin(uint32_t I) {
  const pf::Step *S = P.steps()->Get(I);
  StepState &St = States[I];
  if (St.Attempts == 0) {
    if (const ir::Value *Cond = Prog.condition(I)) {
      llvm::Expected<json> C = ir::evaluateValue(Cond, *this);
      if (!C) {
        St.Started = St.Finished = Exec.now();
        St.HasStarted = true;
        finalFail(I, "condition: " + llvm::toString(C.takeError()));
        return;
      }
      if (!ir::truthy(*C)) {
        St.Error = "condition is false";
        setStatus(I, StepStatus::Skipped);
        settle(I);
        skipDependents(I, fmt::format("dependency `{}` was skipped", stepId(I).str()));
        return;
      }
    }
  }
  ActionRequest R;
  R.StepId = stepId(I).str();
  R.Action = S->action()->str();
  if (S->model()) R.Model = S->model()->str();
  R.ModelSelected = S->model_selected();
  R.Ucb = S->ucb_exploration();
  R.MaxTokens = S->max_tokens();
  if (S->fallback_models())
    for (const auto *F : *S->fallback_models()) R.Fallbacks.push_back(F->str());
  if (S->output_schema()) R.OutputSchema = S->output_schema()->str();
  for (const ir::MapEntry &E : Prog.params(I)) {
    llvm::Expected<json> V = ir::evaluateValue(E.V, *this);
    if (!V) {
      if (!St.HasStarted) St.Started = Exec.now();
      St.HasStarted = true;
      ++St.Attempts;
      St.Finished = Exec.now();
      finalFail(I, fmt::format("parameter `{}`: {}", E.Key.str(),
                               llvm::toString(V.takeError())));
      return;
    }
    R.Params[E.Key.str()] = std::move(*V);
    if (IsModel[I]) R.ParamOrder.push_back(E.Key.str());  // for the prompt
  }
  ++St.Attempts;
  R.Attempt = St.Attempts;
  if (!St.HasStarted) {
    St.Started = Exec.now();
    St.HasStarted = true;
  }
  setStatus(I, StepStatus::Running);
  ++Running;
  enterGroup(S->group());
  uint64_t Epoch = ++St.Epoch;
  if (S->timeout_ms() > 0) {
    std::weak_ptr<bool> A = Alive;
    int64_t Ms = S->timeout_ms();
    St.Timer = Exec.addTimer(
        Exec.now() + std::chrono::milliseconds(Ms), [this, A, I, Epoch, Ms] {
          if (A.expired()) return;
          StepState &T = States[I];
          if (T.Epoch != Epoch || T.Status != StepStatus::Running) return;
          T.Timer = 0;
          if (T.Task) {
            T.Task->cancel();
            bury(std::move(T.Task));
          }
          --Running;
          attemptFailed(I, fmt::format("timed out after {} s", Ms / 1000.0), true);
          dispatch();
        });
  }
  if (Obs) Obs->stepStarted(I, St.Attempts);
  std::weak_ptr<bool> A = Alive;
  std::unique_ptr<ActionTask> Task =
      Runner.start(R, [this, A, I, Epoch](ActionResult Res) {
        if (!A.expired()) onDone(I, Epoch, std::move(Res));
      });
  StepState &After = States[I];
  if (After.Status == StepStatus::Running && After.Epoch == Epoch)
    After.Task = std::move(Task);
  else if (Task)
    bury(std::move(Task));
}

void Scheduler::bury(std::unique_ptr<ActionTask> T) {
  // A task may report from inside its own methods; free it later.
  Graveyard.push_back(std::move(T));
  if (GraveyardPosted) return;
  GraveyardPosted = true;
  std::weak_ptr<bool> A = Alive;
  Exec.post([this, A] {
    if (A.expired()) return;
    Graveyard.clear();
    GraveyardPosted = false;
  });
}

void Scheduler::onDone(uint32_t I, uint64_t Epoch, ActionResult R) {
  StepState &St = States[I];
  if (St.Epoch != Epoch || St.Status != StepStatus::Running) return;
  if (St.Timer) Exec.cancelTimer(St.Timer);
  St.Timer = 0;
  if (St.Task) bury(std::move(St.Task));
  --Running;
  leaveGroup(P.steps()->Get(I)->group());
  if (R.Ok)
    complete(I, std::move(R.Fields));
  else {
    St.FailedFields = std::move(R.Fields);
    attemptFailed(I, std::move(R.Error), R.Retryable);
  }
  dispatch();
}

void Scheduler::complete(uint32_t I, json Fields) {
  StepState &St = States[I];
  St.Finished = Exec.now();
  St.Result = std::move(Fields);
  if (!St.Result.is_object()) St.Result = json{{"output", std::move(St.Result)}};
  St.Result["status"] = "completed";
  St.Error.clear();
  setStatus(I, StepStatus::Completed);
  settle(I);
  release(I);
}

void Scheduler::attemptFailed(uint32_t I, std::string Error, bool Retryable) {
  const pf::Step *S = P.steps()->Get(I);
  StepState &St = States[I];
  // The step's own limit, else the pipeline's, else 3 (the seed's default).
  int MaxRetries = S->max_retries() >= 0  ? S->max_retries()
                   : P.max_retries() >= 0 ? P.max_retries()
                                          : DefaultMaxRetries;
  if (S->on_failure() == pf::FailurePolicy::Retry && Retryable && !Stopping &&
      St.Attempts <= static_cast<unsigned>(std::max(0, MaxRetries))) {
    auto Delay = Opts.RetryBase * (1LL << std::min(St.Attempts - 1, 20u));
    Delay = std::min<std::chrono::milliseconds>(Delay, Opts.RetryMax);
    St.Error = std::move(Error);
    setStatus(I, StepStatus::Backoff);
    if (Obs) Obs->stepRetrying(I, Delay, St.Error);
    std::weak_ptr<bool> A = Alive;
    St.Timer = Exec.addTimer(Exec.now() + Delay, [this, A, I] {
      if (A.expired()) return;
      StepState &T = States[I];
      if (T.Status != StepStatus::Backoff) return;
      T.Timer = 0;
      setStatus(I, StepStatus::Pending);
      if (Stopping) {
        checkDone();
        return;
      }
      pushReady(I);
      dispatch();
    });
    return;
  }
  if (St.Attempts > 1) Error += fmt::format(" (after {} attempts)", St.Attempts);
  finalFail(I, std::move(Error));
}

void Scheduler::finalFail(uint32_t I, std::string Error) {
  const pf::Step *S = P.steps()->Get(I);
  StepState &St = States[I];
  St.Finished = Exec.now();
  St.Error = std::move(Error);
  switch (S->on_failure()) {
    case pf::FailurePolicy::Continue:
      // What the failed attempt produced (a command's stderr and exit
      // code) stays readable, with `status` and `error`.
      St.Result =
          St.FailedFields.is_object() ? std::move(St.FailedFields) : json::object();
      St.Result.erase("output");
      St.Result["status"] = "failed";
      St.Result["error"] = St.Error;
      setStatus(I, StepStatus::Failed);
      settle(I);
      release(I);
      return;
    case pf::FailurePolicy::Skip:
      setStatus(I, StepStatus::Skipped);
      settle(I);
      skipDependents(I, fmt::format("dependency `{}` was skipped", stepId(I).str()));
      return;
    case pf::FailurePolicy::Fail:
    case pf::FailurePolicy::Retry:
      setStatus(I, StepStatus::Failed);
      settle(I);
      if (!Failed)
        RunError = fmt::format("step `{}` failed: {}", stepId(I).str(), St.Error);
      Failed = true;
      Stopping = true;
      skipDependents(I, fmt::format("dependency `{}` failed", stepId(I).str()));
      abandonRetries(
          fmt::format("not retried: step `{}` failed the run", stepId(I).str()));
      return;
  }
}

void Scheduler::abandonRetries(const std::string &Why) {
  for (uint32_t I = 0; I < States.size(); ++I) {
    StepState &St = States[I];
    if (St.Status != StepStatus::Backoff) continue;
    if (St.Timer) Exec.cancelTimer(St.Timer);
    St.Timer = 0;
    St.Finished = Exec.now();
    St.Error += " (" + Why + ")";
    setStatus(I, StepStatus::Failed);
    settle(I);
    skipDependents(I, fmt::format("dependency `{}` failed", stepId(I).str()));
  }
}

void Scheduler::release(uint32_t I) {
  int32_t Fused = P.steps()->Get(I)->fuse_next();
  for (uint32_t D : Dependents[I]) {
    StepState &T = States[D];
    if (--T.Waiting != 0 || T.Status != StepStatus::Pending) continue;
    if (static_cast<int32_t>(D) == Fused)
      Continue.push_back(D);  // the rest of a fused chain: next, in this slot
    else
      pushReady(D);
  }
}

void Scheduler::skipDependents(uint32_t I, const std::string &Why) {
  // Iterative: a long chain must not recurse.
  std::vector<std::pair<uint32_t, std::string>> Work;
  for (uint32_t D : Dependents[I]) Work.push_back({D, Why});
  while (!Work.empty()) {
    auto [D, Reason] = std::move(Work.back());
    Work.pop_back();
    StepState &T = States[D];
    if (T.Status != StepStatus::Pending) continue;
    T.Error = std::move(Reason);
    setStatus(D, StepStatus::Skipped);
    settle(D);
    std::string Next = fmt::format("dependency `{}` was skipped", stepId(D).str());
    for (uint32_t E : Dependents[D]) Work.push_back({E, Next});
  }
}

void Scheduler::settle(uint32_t I) {
  ++Settled;
  if (Obs) Obs->stepSettled(I);
}

void Scheduler::checkDone() {
  if (Done || !Started || InDispatch) return;
  size_t Waiting = Counts[static_cast<size_t>(StepStatus::Backoff)];
  if (Settled == States.size() || (Stopping && Running == 0 && Waiting == 0)) {
    // Whatever never started says why.
    for (uint32_t I = 0; I < States.size(); ++I)
      if (States[I].Status == StepStatus::Pending) {
        if (States[I].HasStarted) States[I].Finished = Exec.now();
        States[I].Error = Interrupted ? "not started: the run was interrupted"
                                      : "not started: " + RunError;
        setStatus(I, StepStatus::Skipped);
        settle(I);
      }
    Done = true;
    if (RunTimer) Exec.cancelTimer(RunTimer);
    RunTimer = 0;
  }
}

void Scheduler::stop(const std::string &Why, bool AsInterrupt) {
  if (Done) return;
  if (AsInterrupt) Interrupted = true;
  if (!Failed) RunError = Why;
  Failed = true;
  Stopping = true;
  for (uint32_t I = 0; I < States.size(); ++I) {
    StepState &St = States[I];
    if (St.Status != StepStatus::Running && St.Status != StepStatus::Backoff) continue;
    if (St.Task) {
      St.Task->cancel();
      bury(std::move(St.Task));
    }
    if (St.Timer) Exec.cancelTimer(St.Timer);
    St.Timer = 0;
    if (St.Status == StepStatus::Running) {
      --Running;
      leaveGroup(P.steps()->Get(I)->group());
    }
    St.Finished = Exec.now();
    St.Error = St.Status == StepStatus::Running ? Why : Why + " (while waiting to retry)";
    ++St.Epoch;
    setStatus(I, StepStatus::Failed);
    settle(I);
  }
  checkDone();
}

json Scheduler::outputs(json &Errors) const {
  json Out = json::object();
  for (const ir::MapEntry &E : Prog.outputs()) {
    llvm::Expected<json> V = ir::evaluateValue(E.V, *this);
    if (V) {
      Out[E.Key.str()] = std::move(*V);
    } else {
      Out[E.Key.str()] = nullptr;
      Errors[E.Key.str()] = llvm::toString(V.takeError());
    }
  }
  return Out;
}

}  // namespace orch::runtime
