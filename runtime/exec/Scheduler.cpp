//===- Scheduler.cpp ------------------------------------------------------===//
#include "runtime/exec/Scheduler.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string_view>
#include <utility>

#include "ir/Actions.h"
#include "ir/plan/PlanFile.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/xxhash.h"

namespace orch::runtime {

using json = orch::ir::Json;
namespace pf = orch::plan;

namespace {

/// Body step \p Id's key in the `results` of loop \p Loop: its id as
/// written, or nothing for a step the loop's pipeline does not see. A
/// sub-pipeline's steps are `<call>.<id>` (written ids have no dot): a
/// loop in a callee (`c.grow`) keys its body `c.tick` as `tick`, and a
/// loop whose body calls a sub-pipeline keys the call `c` and not the
/// callee's steps (`c.inputs`, `c.hello`), which only `c.outputs` shows.
std::optional<std::string_view> resultKey(std::string_view Loop, std::string_view Id) {
  size_t Dot = Loop.rfind('.');
  std::string_view Prefix = Dot == std::string_view::npos ? "" : Loop.substr(0, Dot + 1);
  if (Id.substr(0, Prefix.size()) != Prefix) return std::nullopt;
  Id.remove_prefix(Prefix.size());
  if (Id.find('.') != std::string_view::npos) return std::nullopt;
  return Id;
}

/// Retries of an `on_failure: retry` step when neither it nor `context`
/// says how many.
constexpr int DefaultMaxRetries = 3;
/// The longest a doubled step timeout grows (a week).
constexpr int64_t MaxStepTimeoutMs = 7 * 24 * 3600 * 1000LL;
}  // namespace

std::string cacheKey(const ActionRequest &R, llvm::StringRef Files) {
  std::string Text =
      fmt::format("plan-format {}\n{}\n{}\n", plan::FormatVersion, R.Action, R.Model);
  Text += R.Params.dump(-1, ' ', true, json::error_handler_t::replace);
  if (!Files.empty()) {  // keys of steps without file inputs stay as they were
    Text += '\n';
    Text += Files;
  }
  std::array<uint8_t, 32> D = llvm::SHA256::hash(llvm::ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>(Text.data()), Text.size()));
  return llvm::toHex(llvm::ArrayRef<uint8_t>(D), /*LowerCase=*/true);
}

std::string inputHash(const ActionRequest &R) {
  std::string Text = R.Action;
  Text += '\0';
  Text += R.Model;
  Text += '\0';
  Text += R.Params.dump(-1, ' ', false, json::error_handler_t::replace);
  if (!R.OutsideDigest.empty()) {
    Text += '\0';
    Text += R.OutsideDigest;
  }
  llvm::XXH128_hash_t H = llvm::xxh3_128bits(llvm::ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>(Text.data()), Text.size()));
  return fmt::format("{:016x}{:016x}", H.high64, H.low64);
}

int64_t doubledTimeout(int64_t Ms) {
  int64_t Twice = Ms > MaxStepTimeoutMs / 2 ? MaxStepTimeoutMs : Ms * 2;
  return std::max(Ms, std::min(Twice, MaxStepTimeoutMs));
}

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
  Execution = executionVariable(Opts.StartedAt == std::chrono::system_clock::time_point{}
                                    ? std::chrono::system_clock::now()
                                    : Opts.StartedAt,
                                Opts.RunId);
  OutputPath = Opts.OutputPath;
  PipelineId = P.name() ? P.name()->str() : std::string();
  size_t N = P.steps() ? P.steps()->size() : 0;
  NPlan = Total = N;
  States.resize(N);
  Dependents.resize(N);
  Counts[static_cast<size_t>(StepStatus::Pending)] = N;
  PathMs.resize(N);
  IsModel.resize(N);
  AsksModels.resize(N);
  PlanOf.resize(N);
  InstOf.assign(N, NoInst);
  ParentOf.assign(N, -1);
  BodyPos.assign(N, 0);
  BodyOf.resize(N);
  ResultKey.assign(N, std::string());
  LoopPeaks.assign(N, 0);
  for (uint32_t I = 0; I < N; ++I) {
    const pf::Step *S = P.steps()->Get(I);
    PlanOf[I] = I;
    Index[S->id()->string_view()] = I;
    PathMs[I] = S->path_ms();
    IsModel[I] = ir::isModelAction(S->action()->string_view());
    AsksModels[I] = ir::asksModels(S->action()->string_view());
    ParentOf[I] = S->parent();
    if (S->parent() >= 0) {
      BodyPos[I] = static_cast<uint32_t>(BodyOf[S->parent()].size());
      BodyOf[S->parent()].push_back(I);
      if (auto Key = resultKey(P.steps()->Get(S->parent())->id()->string_view(),
                               S->id()->string_view()))
        ResultKey[I] = *Key;
    }
  }
  for (uint32_t I = 0; I < N; ++I) {
    const pf::Step *S = P.steps()->Get(I);
    // Only edges within one body (or the top level) order nodes: whatever
    // a body reads from outside settled before its loop started
    // (readPlan checks the loop waits for it).
    if (S->deps())
      for (uint32_t D : *S->deps())
        if (ParentOf[D] == ParentOf[I]) {
          Dependents[D].push_back(I);
          if (ParentOf[I] < 0) ++States[I].Waiting;
        }
    if (ParentOf[I] >= 0) {
      // A template: it runs once per item, as an instance of its own.
      States[I].Error = fmt::format("runs once per item of loop `{}`: see its `results`",
                                    stepId(static_cast<uint32_t>(ParentOf[I])).str());
      setStatus(I, StepStatus::Skipped);
      ++Settled;
      ++Templates;
    }
  }
  if (this->Opts.Jobs == 0) this->Opts.Jobs = 1;
  std::vector<GroupLimits> Limits;
  if (P.groups())
    for (const pf::Group *G : *P.groups())
      Limits.push_back({G->max_concurrent(), G->requests_per_minute(), G->burst()});
  Groups = ResourceGroups(Limits);
  GroupTimers.assign(Groups.size(), 0);
  BatchLease.assign(Groups.size(), 0);
  FusionOf.assign(N, -1);
  Unfused.assign(N, 0);
  if (P.model_fusions()) {
    FusionLease.assign(P.model_fusions()->size(), 0);
    for (uint32_t F = 0; F < P.model_fusions()->size(); ++F)
      for (uint32_t I : *P.model_fusions()->Get(F)->steps()) FusionOf[I] = F;
  }
  initRoutes();
}

Scheduler::~Scheduler() {
  *Alive = false;
  for (StepState &S : States) {
    if (S.Task) S.Task->cancel();
    if (S.Timer) Exec.cancelTimer(S.Timer);
  }
  if (RunTimer) Exec.cancelTimer(RunTimer);
  for (Executor::TimerId T : GroupTimers)
    if (T) Exec.cancelTimer(T);
}

bool Scheduler::later(uint32_t A, uint32_t B) const {
  uint64_t PA = PathMs[PlanOf[A]], PB = PathMs[PlanOf[B]];
  return PA != PB ? PA < PB : A > B;
}

void Scheduler::pushReady(uint32_t I) {
  if (Obs && States[I].ReadyAt == Executor::TimePoint{}) States[I].ReadyAt = Exec.now();
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

int32_t Scheduler::groupOf(uint32_t I) {
  StepState &St = States[I];
  if (St.Group != kGroupUndecided) return St.Group;
  St.Group = planStep(I)->group();
  if (!Opts.ProviderOf || !IsModel[PlanOf[I]] || !Prog.modelValue(PlanOf[I]) ||
      !P.groups())
    return St.Group;
  llvm::Expected<std::string> M = renderModel(PlanOf[I]);
  renderingDone("");
  if (!M) {
    // beginNode renders it again and fails the step with the reason.
    llvm::consumeError(M.takeError());
    return St.Group;
  }
  std::string Key = "provider:" + Opts.ProviderOf(*M);
  for (uint32_t G = 0; G < P.groups()->size(); ++G)
    if (P.groups()->Get(G)->name()->string_view() == Key) {
      St.Group = static_cast<int32_t>(G);
      break;
    }
  return St.Group;
}

bool Scheduler::admit(uint32_t I, bool Batched) {
  int32_t G = groupOf(I);
  if (G < 0 || static_cast<size_t>(G) >= Groups.size()) return true;
  int32_t F = fusionOf(I);
  StepState &St = States[I];
  // Joins the request a member of its fused group paid for, or this
  // turn's batch.
  uint64_t Joined = F >= 0 && FusionLease[F]   ? FusionLease[F]
                    : Batched && BatchLease[G] ? BatchLease[G]
                                               : 0;
  if (Joined) {
    St.Lease = Joined;
    LeaseRiders[Joined].push_back(I);
    return true;
  }
  ResourceGroups::Admission A = Groups.tryAcquire(G, Exec.now());
  if (A.Granted) {
    St.HeldGroup = G;
    if (St.ParkedAt != Executor::TimePoint{}) {
      St.GroupWaited += Exec.now() - St.ParkedAt;
      St.ParkedAt = {};
    }
    // The lease lasts this loop turn: the steps that start in it share the
    // request (or batch) this one paid for.
    uint64_t *Lease = Batched ? &BatchLease[G] : F >= 0 ? &FusionLease[F] : nullptr;
    if (Lease) {
      *Lease = St.Lease = ++LastLease;
      std::weak_ptr<bool> Live = Alive;
      Exec.post([Live, Lease] {
        if (!Live.expired()) *Lease = 0;
      });
      // The group's other waiting steps may join it in this turn (or park
      // again): a freed slot wakes only as many steps as it has slots.
      unpark(G);
    }
    return true;
  }
  if (Obs && St.ParkedAt == Executor::TimePoint{}) St.ParkedAt = Exec.now();
  Groups.park(G, I);  // back when the group frees a slot or a token is due
  if (A.RetryAt && !GroupTimers[G]) {
    std::weak_ptr<bool> Live = Alive;
    GroupTimers[G] = Exec.addTimer(*A.RetryAt, [this, Live, G] {
      if (Live.expired()) return;
      GroupTimers[G] = 0;
      unpark(G);
      dispatch();
    });
  }
  return false;
}

bool Scheduler::leaseLive(uint32_t I, const ActionRequest &R) const {
  uint64_t L = States[I].Lease;
  int32_t G = States[I].Group;
  if (R.Batched)
    return G >= 0 && static_cast<size_t>(G) < BatchLease.size() && BatchLease[G] == L;
  return R.Fusion >= 0 && FusionLease[R.Fusion] == L;
}

bool Scheduler::admitLate(uint32_t I, ActionRequest &R) {
  StepState &St = States[I];
  St.LateAdmission = true;
  // Its lease's request (or batch) went out in an earlier turn without
  // it: the slot passes to a member still waiting on that one (or is
  // freed), and this attempt's own request is admitted like any other.
  if (St.Lease) releaseGroup(I, false);
  if (!admit(I, R.Batched)) {
    St.LateRequest = std::make_unique<ActionRequest>(std::move(R));
    return false;  // back through groupHasRoom() when the group has room
  }
  St.LateAdmission = false;
  int32_t G = groupOf(I);
  R.FusionRider = R.Fusion >= 0 && G >= 0 && static_cast<size_t>(G) < Groups.size() &&
                  St.HeldGroup < 0;
  return true;
}

void Scheduler::groupHasRoom(uint32_t I) {
  if (States[I].LateRequest)
    LateReady.push_back(I);  // started already: it needs no -j slot
  else
    pushReady(I);
}

void Scheduler::unpark(int32_t G) {
  for (uint32_t I : Groups.takeParked(G)) groupHasRoom(I);
}

llvm::StringRef Scheduler::stepId(uint32_t I) const {
  return planStep(I)->id()->string_view();
}

void Scheduler::setStatus(uint32_t I, StepStatus S) {
  StepStatus Old = States[I].Status;
  Backoffs += (S == StepStatus::Backoff) - (Old == StepStatus::Backoff);
  if (top(I)) {
    --Counts[static_cast<size_t>(Old)];
    ++Counts[static_cast<size_t>(S)];
  }
  States[I].Status = S;
}

RunStatus Scheduler::status() const {
  if (!Done) return RunStatus::Running;
  if (Interrupted) return RunStatus::Interrupted;
  return Failed ? RunStatus::Failed : RunStatus::Completed;
}

const json *Scheduler::input(llvm::StringRef Name) const {
  // Loop variables shadow a bare name of an input (ir::Evaluator asks
  // loopVariable() first), never `inputs.<name>`.
  auto It = Inputs.find(Name.str());
  return It == Inputs.end() ? nullptr : &*It;
}

json executionVariable(std::chrono::system_clock::time_point At,
                       const std::string &RunId) {
  std::time_t T = std::chrono::system_clock::to_time_t(At);
  std::tm Utc = fmt::gmtime(T);
  json E = json::object();
  E["timestamp"] = fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", Utc);
  E["run_id"] = RunId.empty() ? fmt::format("local-{:%Y%m%dT%H%M%S}", Utc) : RunId;
  E["date"] = fmt::format("{:%Y-%m-%d}", Utc);
  return E;
}

const json *Scheduler::runVariable(llvm::StringRef Name) const {
  // A step or an input of that name is what the compiler read the name as:
  // a step without a result or an input without a value is undefined,
  // never the run's variable.
  if (Index.count(Name)) return nullptr;
  if (const auto *Ins = P.inputs())
    for (const pf::Input *In : *Ins)
      if (Name == llvm::StringRef(In->name()->c_str(), In->name()->size()))
        return nullptr;
  if (Name == "execution") return &Execution;
  // ContextLab's bare `timestamp`: the run's `execution.timestamp`.
  if (Name == "timestamp")
    if (auto It = Execution.find("timestamp"); It != Execution.end()) return &*It;
  if (Name == "output_path" && !OutputPath.get_ref<const std::string &>().empty())
    return &OutputPath;
  // ContextLab's `pipeline_id`: the running pipeline's `id`.
  if (Name == "pipeline_id") return &PipelineId;
  return nullptr;
}

const StepState *Scheduler::settledState(llvm::StringRef Id, uint32_t &I) const {
  auto It = Index.find(Id);
  if (It == Index.end()) return nullptr;
  I = nodeFor(It->second, Ctx);
  if (I == NoInst) return nullptr;
  const StepState &S = States[I];
  if (S.Status != StepStatus::Completed && S.Status != StepStatus::Failed) return nullptr;
  if (S.Result.is_null()) return nullptr;
  return &S;
}

void Scheduler::noteReadError(llvm::Error E) const {
  std::string Msg = llvm::toString(std::move(E));
  if (ReadErrors.empty()) ReadErrors = Msg;
}

const json *Scheduler::step(llvm::StringRef Id) const {
  if (const json *L = liveLoop(Id)) return L;
  uint32_t I;
  const StepState *S = settledState(Id, I);
  if (!S) return cycleStep(Id);
  if (S->Spilled.empty()) return &S->Result;
  // The whole result (`steps.x` as a value): every field read back, for
  // this rendering only.
  auto [L, Fresh] = Loaded.try_emplace(I);
  if (Fresh) {
    L->second = S->Result;
    if (llvm::Error E = loadSpilled(L->second, S->Spilled)) noteReadError(std::move(E));
  }
  return &L->second;
}

const json *Scheduler::stepField(llvm::StringRef Id, llvm::StringRef Field) const {
  if (const json *L = liveLoop(Id)) {
    auto F = L->find(Field.str());
    return F == L->end() ? nullptr : &*F;
  }
  uint32_t I;
  const StepState *S = settledState(Id, I);
  if (!S) {
    const json *C = cycleStep(Id);
    if (!C || !C->is_object()) return nullptr;
    auto F = C->find(Field.str());
    return F == C->end() ? nullptr : &*F;
  }
  if (!S->Result.is_object()) return nullptr;
  auto It = S->Result.find(Field.str());
  if (It != S->Result.end()) return &*It;
  for (const SpilledField &F : S->Spilled) {
    if (F.Field != Field) continue;
    // Only this field, for this rendering only.
    auto [L, Fresh] = LoadedFields.try_emplace({I, F.Field});
    if (Fresh) {
      llvm::Expected<json> V = loadField(F);
      if (!V) {
        noteReadError(V.takeError());
        LoadedFields.erase(L);
        return nullptr;
      }
      L->second = std::move(*V);
    }
    return &L->second;
  }
  return nullptr;
}

std::string Scheduler::renderingDone(std::string Error) const {
  Loaded.clear();
  LoadedFields.clear();
  if (!ReadErrors.empty() && !Error.empty()) Error += " (" + ReadErrors + ")";
  ReadErrors.clear();
  return Error;
}

llvm::Expected<json> Scheduler::renderParam(uint32_t J, size_t K) const {
  llvm::Expected<json> V = ir::evaluateValue(Prog.params(J)[K].V, *this);
  if (V && Prog.integerParam(J, K)) ir::wholeToInteger(*V);  // a `number` input
  return V;
}

llvm::Expected<std::string> Scheduler::renderModel(uint32_t J) const {
  llvm::Expected<json> V = ir::evaluateValue(Prog.modelValue(J), *this);
  if (!V) return llvm::createStringError("model: " + llvm::toString(V.takeError()));
  std::string Name =
      V->is_string() ? llvm::StringRef(V->get<std::string>()).trim().str() : "";
  if (Name.empty())
    return llvm::createStringError(
        fmt::format("model: the template rendered {}, not a model's name",
                    V->is_string() ? "no text" : "`" + ir::toJsonText(*V) + "`"));
  return Name;
}

llvm::Expected<std::string> Scheduler::renderedInputHash(uint32_t I) const {
  const pf::Step *S = P.steps()->Get(I);
  ActionRequest R;
  R.Action = S->action()->str();
  if (S->model()) R.Model = S->model()->str();
  if (Prog.modelValue(I)) {
    llvm::Expected<std::string> M = renderModel(I);
    if (!M) return llvm::createStringError(renderingDone(llvm::toString(M.takeError())));
    R.Model = std::move(*M);
  }
  for (size_t K = 0; K < Prog.params(I).size(); ++K) {
    const ir::MapEntry &E = Prog.params(I)[K];
    llvm::Expected<json> V = renderParam(I, K);
    if (!V) {
      std::string Why = renderingDone(llvm::toString(V.takeError()));
      return llvm::createStringError(fmt::format("parameter `{}`: {}", E.Key.str(), Why));
    }
    R.Params[E.Key.str()] = std::move(*V);
  }
  if (const ir::Value *Items = Prog.forEach(I)) {  // as beginLoop records it
    llvm::Expected<json> V = ir::evaluateValue(Items, *this);
    if (!V) {
      std::string Why = renderingDone(llvm::toString(V.takeError()));
      return llvm::createStringError(fmt::format("for_each: {}", Why));
    }
    R.Params["items"] = std::move(*V);
  }
  renderingDone("");
  R.OutsideDigest = outsideDigest(I, R);
  return inputHash(R);
}

std::string Scheduler::outsideDigest(uint32_t J, const ActionRequest &R) const {
  if (!Opts.OutsideInputs) return "";
  if (!Prog.isLoop(J)) return Opts.OutsideInputs(R);
  // A loop: what the steps of its body read (nested bodies too), found
  // once (every item's hash asks).
  if (BodyOutside.empty()) BodyOutside.resize(ParentOf.size());
  std::optional<std::string> &Out = BodyOutside[J];
  if (Out) return *Out;
  Out.emplace();
  for (uint32_t B = 0; B < ParentOf.size(); ++B)
    for (int32_t A = ParentOf[B]; A >= 0; A = ParentOf[static_cast<uint32_t>(A)])
      if (static_cast<uint32_t>(A) == J) {
        ActionRequest Body;
        Body.Action = P.steps()->Get(B)->action()->str();
        *Out += Opts.OutsideInputs(Body);
        break;
      }
  return *Out;
}

void Scheduler::preset(uint32_t I, json Result, unsigned Attempts, std::string StartedAt,
                       std::string FinishedAt, std::vector<SpilledField> Spilled,
                       std::vector<int64_t> AttemptTimeouts) {
  if (ParentOf[I] >= 0) return;  // a body template: never run as such
  StepState &S = States[I];
  S.AttemptTimeouts = std::move(AttemptTimeouts);
  S.Result = std::move(Result);
  S.Spilled = std::move(Spilled);
  S.Resumed = true;
  S.PriorStarted = std::move(StartedAt);
  S.PriorFinished = std::move(FinishedAt);
  S.Attempts = Attempts;
  // A `continue` failure is settled too: its dependents ran on it.
  if (S.Result.is_object() && S.Result.value("status", "") == "failed") {
    S.Error = S.Result.value("error", "");
    setStatus(I, StepStatus::Failed);
  } else {
    setStatus(I, StepStatus::Completed);
  }
  ++Settled;
  for (uint32_t D : Dependents[I]) --States[D].Waiting;
  for (uint32_t D : OrderDependents[I]) --States[D].Waiting;  // I is top-level
}

void Scheduler::start() {
  replayRoutes();  // before Started: wake() leaves the decisions to the loop below
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
  for (uint32_t I = 0; I < NPlan; ++I)
    if (States[I].Status == StepStatus::Pending && States[I].Waiting == 0) {
      ++States[I].Waiting;  // wake() decides: ready, or a target no route reached
      wake(I);
    }
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
  do {
    drainFinished();
    while (!LateReady.empty()) {
      uint32_t I = LateReady.back();
      LateReady.pop_back();
      StepState &St = States[I];
      if (!St.LateRequest || St.Status != StepStatus::Running) continue;
      std::unique_ptr<ActionRequest> R = std::move(St.LateRequest);
      launch(I, std::move(*R), /*NumberRecorded=*/true);
    }
    while (!Ready.empty() && (Stopping || Running < Opts.Jobs)) {
      uint32_t I = popReady();
      if (States[I].Status != StepStatus::Pending) continue;
      if (Stopping) {
        // Left for the final sweep, which says why.
        continue;
      }
      begin(I);
    }
  } while (!FinishedInsts.empty() || !LateReady.empty());
  InDispatch = false;
  checkDone();
}

void Scheduler::begin(uint32_t I) {
  // Templates render in the node's instance: its loop variables, its siblings.
  uint32_t Saved = Ctx;
  Ctx = InstOf[I];
  beginNode(I);
  Ctx = Saved;
}

bool Scheduler::batchedAttempt(uint32_t I) const {
  // A model named when the step starts: its provider's batch is not known
  // when the step is admitted.
  return Opts.Batch && IsModel[PlanOf[I]] && States[I].Attempts == 0 &&
         !Prog.modelValue(PlanOf[I]) &&
         ir::batchable(planStep(I)->action()->string_view()) &&
         planStep(I)->ucb_exploration() <= 0;
}

void Scheduler::beginNode(uint32_t I) {
  const pf::Step *S = planStep(I);
  StepState &St = States[I];
  if (St.Attempts == 0 && !St.ConditionHeld) {
    if (const ir::Value *Cond = Prog.condition(PlanOf[I])) {
      llvm::Expected<json> C = ir::evaluateValue(Cond, *this);
      std::string Why = renderingDone(C ? "" : llvm::toString(C.takeError()));
      if (!C) {
        St.Started = St.Finished = Exec.now();
        St.HasStarted = true;
        finalFail(I, "condition: " + Why);
        return;
      }
      if (!ir::truthy(*C)) {
        St.CondFalse = true;  // its `on_false` route, if any, is taken
        St.Error = "condition is false";
        setStatus(I, StepStatus::Skipped);
        settle(I);
        skipDependents(I, fmt::format("dependency `{}` was skipped", stepId(I).str()));
        return;
      }
    }
    St.ConditionHeld = true;  // not asked again while the step waits for its group
  }
  if (Prog.isLoop(PlanOf[I])) {
    if (Opts.Commit && top(I)) {
      ActionRequest R;  // what renderedInputHash() gives a loop on a resume
      R.Action = S->action()->str();
      R.OutsideDigest = outsideDigest(PlanOf[I], R);
      St.InputHash = inputHash(R);  // a `for_each` adds its items (beginLoop)
    }
    return beginLoop(I);
  }
  if (!admit(I, batchedAttempt(I))) return;
  ActionRequest R;
  R.StepId = nodePath(I);
  R.Action = S->action()->str();
  if (S->model()) R.Model = S->model()->str();
  R.ModelSelected = S->model_selected();
  R.Ucb = S->ucb_exploration();
  R.MaxTokens = S->max_tokens();
  R.Fusion = fusionOf(I);
  R.Batched = batchedAttempt(I);
  {
    int32_t G = groupOf(I);
    R.FusionRider = R.Fusion >= 0 && G >= 0 && static_cast<size_t>(G) < Groups.size() &&
                    St.HeldGroup < 0;
  }
  if (S->fallback_models())
    for (const auto *F : *S->fallback_models()) R.Fallbacks.push_back(F->str());
  if (S->output_schema()) R.OutputSchema = S->output_schema()->str();
  auto RenderFailed = [&](std::string What) {
    releaseGroup(I, /*Unused=*/true);  // nothing started: the token returns too
    if (!St.HasStarted) St.Started = Exec.now();
    St.HasStarted = true;
    ++St.Attempts;
    St.Finished = Exec.now();
    finalFail(I, std::move(What));
  };
  for (size_t K = 0; K < Prog.params(PlanOf[I]).size(); ++K) {
    const ir::MapEntry &E = Prog.params(PlanOf[I])[K];
    llvm::Expected<json> V = renderParam(PlanOf[I], K);
    if (!V) {
      std::string Why = renderingDone(llvm::toString(V.takeError()));
      return RenderFailed(fmt::format("parameter `{}`: {}", E.Key.str(), Why));
    }
    R.Params[E.Key.str()] = std::move(*V);
    if (IsModel[PlanOf[I]]) R.ParamOrder.push_back(E.Key.str());  // for the prompt
  }
  if (Prog.modelValue(PlanOf[I])) {
    llvm::Expected<std::string> M = renderModel(PlanOf[I]);
    if (!M) return RenderFailed(renderingDone(llvm::toString(M.takeError())));
    R.Model = std::move(*M);
  }
  renderingDone("");
  ++St.Attempts;
  R.Attempt = St.Attempts;
  if (!Opts.RunId.empty())
    R.IdempotencyKey = fmt::format("{}:{}:{}", Opts.RunId, R.StepId, keyAttempt(I));
  R.OutsideDigest = outsideDigest(PlanOf[I], R);
  if ((Opts.Commit && top(I)) || (observed(I) && Obs->needsInputHash()))
    St.InputHash = inputHash(R);  // computed once for both
  if (!St.HasStarted) {
    St.Started = Exec.now();
    St.HasStarted = true;
  }
  setStatus(I, StepStatus::Running);
  if (R.Batched) {
    // It waits at the provider: parked, its -j slot stays free for others.
    St.Parked = true;
    ++Parked;
  } else {
    ++Running;
    St.HoldsJob = true;
  }
  if (S->cache_ttl_s() >= 0)
    St.CacheKey = cacheKey(R, Opts.FileInputs ? Opts.FileInputs(R) : std::string());
  if (Opts.Cache && S->cache_ttl_s() >= 0) {
    // Held in its slot while the writer thread looks; a hit completes it.
    std::weak_ptr<bool> A = Alive;
    uint64_t Epoch = St.Epoch;
    Opts.Cache->lookup(St.CacheKey, [this, A, I, Epoch,
                                     R = std::move(R)](std::optional<json> Hit) mutable {
      if (A.expired()) return;
      StepState &T = States[I];
      if (T.Epoch != Epoch || T.Status != StepStatus::Running) return;
      if (!Hit) return launch(I, std::move(R));
      endAttempt(I, /*Cancel=*/false);
      T.Cached = true;
      complete(I, std::move(*Hit));
      dispatch();
    });
    return;
  }
  launch(I, std::move(R));
}

unsigned Scheduler::keyAttempt(uint32_t I) const {
  return States[I].Attempts + (I < Opts.PriorAttempts.size() ? Opts.PriorAttempts[I] : 0);
}

void Scheduler::launch(uint32_t I, ActionRequest R, bool NumberRecorded) {
  StepState &St = States[I];
  uint64_t Epoch = St.Epoch;
  if (Opts.Commit && top(I) && !NumberRecorded && !Opts.RunId.empty() &&
      keyAttempt(I) > 1) {
    // A retry's number is durable before it runs (StepCommitter).
    std::weak_ptr<bool> A = Alive;
    auto Go = [this, A, I, Epoch, R](std::string Error) mutable {
      if (A.expired()) return;
      StepState &T = States[I];
      if (T.Epoch != Epoch || T.Status != StepStatus::Running) return;
      if (!Error.empty())
        return stop(fmt::format("cannot record the attempt of step `{}`: {}",
                                stepId(I).str(), Error),
                    false);
      launch(I, std::move(R), true);
    };
    if (Opts.Commit->attemptStarting(I, keyAttempt(I), Go)) return;
  }
  // A start in a later loop turn than the lease it joined (a `cache:`
  // miss, an attempt number recorded first): admitted again on its own.
  if (St.LateAdmission || (St.Lease && !leaseLive(I, R)))
    if (!admitLate(I, R)) return;
  if (int64_t Ms = attemptTimeout(I); Ms > 0) {
    St.AttemptTimeouts.push_back(Ms);
    std::weak_ptr<bool> A = Alive;
    St.Timer =
        Exec.addTimer(Exec.now() + std::chrono::milliseconds(Ms), [this, A, I, Epoch] {
          if (!A.expired()) onTimeout(I, Epoch);
        });
  }
  if (observed(I)) {
    using std::chrono::duration_cast, std::chrono::microseconds;
    auto Queue = St.ReadyAt == Executor::TimePoint{} ? Executor::Clock::duration{}
                                                     : Exec.now() - St.ReadyAt;
    Obs->attemptWaited(I, duration_cast<microseconds>(Queue),
                       duration_cast<microseconds>(St.GroupWaited));
    St.ReadyAt = {};
    St.GroupWaited = {};
    if (St.AskingAgain) {
      Obs->attemptAskingAgain(I, R, St.SharedRequest);
    } else {
      Obs->stepStarted(I, St.Attempts);
      Obs->attemptStarted(I, R, St.InputHash);
    }
  }
  St.AskingAgain = false;
  std::weak_ptr<bool> A = Alive;
  std::unique_ptr<ActionTask> Task =
      Runner.start(R, [this, A, I, Epoch](ActionResult Res) {
        if (!A.expired()) onDone(I, Epoch, std::move(Res));
      });
  StepState &After = States[I];
  if (After.Status == StepStatus::Running && After.Epoch == Epoch)
    After.Task = std::move(Task);
  else if (Task)
    bury(std::move(Task));  // it reported from inside start()
}

int64_t Scheduler::attemptTimeout(uint32_t I) {
  StepState &St = States[I];
  if (St.TimeoutMs < 0) St.TimeoutMs = std::max<int64_t>(0, planStep(I)->timeout_ms());
  int64_t Ms = St.TimeoutMs;
  if (Ms > 0 && P.timeout_ms() > 0) {
    // Never past the pipeline's own timeout, which stops the run anyway.
    auto Used =
        std::chrono::duration_cast<std::chrono::milliseconds>(Exec.now() - StartTime);
    Ms = std::clamp<int64_t>(P.timeout_ms() - Used.count(), 1, Ms);
  }
  return Ms;
}

void Scheduler::endAttempt(uint32_t I, bool Cancel) {
  StepState &St = States[I];
  ++St.Epoch;  // whatever the attempt still reports is stale
  if (St.Timer) Exec.cancelTimer(St.Timer);
  St.Timer = 0;
  if (St.Task) {
    if (Cancel) St.Task->cancel();
    bury(std::move(St.Task));
  }
  if (St.HoldsJob) {
    St.HoldsJob = false;
    --Running;
  }
  if (St.Parked) {
    St.Parked = false;
    --Parked;
  }
  St.LateAdmission = false;
  St.LateRequest.reset();
  releaseGroup(I, false);
}

void Scheduler::releaseGroup(uint32_t I, bool Unused) {
  StepState &St = States[I];
  int32_t G = St.HeldGroup;
  uint64_t L = std::exchange(St.Lease, 0);
  if (G < 0) return;
  St.HeldGroup = -1;
  // A lease whose holder ends in its own turn (a parameter that fails to
  // render) is over: later steps of the turn take a slot of their own.
  if (L) {
    for (uint64_t &Live : BatchLease)
      if (Live == L) Live = 0;
    for (uint64_t &Live : FusionLease)
      if (Live == L) Live = 0;
  }
  if (auto It = LeaseRiders.find(L); It != LeaseRiders.end()) {
    // The request (or batch) it paid for may still be in flight for the
    // steps that joined it: the first still waiting holds the slot now.
    std::vector<uint32_t> &Rs = It->second;
    while (!Rs.empty()) {
      uint32_t J = Rs.back();
      Rs.pop_back();
      if (States[J].Lease == L && States[J].Status == StepStatus::Running) {
        States[J].HeldGroup = G;
        if (Rs.empty()) LeaseRiders.erase(It);
        return;
      }
    }
    LeaseRiders.erase(It);
  }
  Groups.release(G, Unused);
  for (uint32_t P : Groups.takeParked(G, Groups.freeSlots(G))) groupHasRoom(P);
}

void Scheduler::onTimeout(uint32_t I, uint64_t Epoch) {
  StepState &St = States[I];
  if (St.Epoch != Epoch || St.Status != StepStatus::Running) return;
  St.Timer = 0;  // it fired
  int64_t Ms = St.AttemptTimeouts.empty() ? 0 : St.AttemptTimeouts.back();
  endAttempt(I, /*Cancel=*/true);
  std::string Why = fmt::format("timed out after {} s", Ms / 1000.0);
  if (observed(I)) Obs->attemptEnded(I, St.Attempts, ActionResult::failure(Why));
  attemptFailed(I, std::move(Why), true, true);
  dispatch();
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
  endAttempt(I, /*Cancel=*/false);
  if (R.AskAgain) {
    // fuse-models: the step sends its own request, admitted like any other
    // (its group's token and slot; the fused request's slot is free now
    // that it ended). The same attempt goes on.
    St.SharedRequest = std::move(R.SharedRequest);
    St.AskingAgain = true;
    if (top(I)) Unfused[I] = 1;  // loop-body instances never fuse
    --St.Attempts;
    setStatus(I, StepStatus::Pending);
    pushReady(I);
    dispatch();
    return;
  }
  if (observed(I)) Obs->attemptEnded(I, St.Attempts, R);
  if (!unfused(I) || !R.SharedRequest.empty() || St.SharedRequest.empty())
    St.SharedRequest = std::move(R.SharedRequest);
  St.Batch = std::move(R.Batch);
  if (R.Ok)
    complete(I, std::move(R.Fields));
  else {
    St.FailedFields = std::move(R.Fields);
    attemptFailed(I, std::move(R.Error), R.Retryable, false);
  }
  dispatch();
}

void Scheduler::complete(uint32_t I, json Fields) {
  StepState &St = States[I];
  St.Finished = Exec.now();
  St.Result = std::move(Fields);
  if (!St.Result.is_object()) St.Result = json{{"output", std::move(St.Result)}};
  if (top(I)) spill(I);  // the action's fields; not the scheduler's own
  St.Result["status"] = "completed";
  St.Error.clear();
  St.FailedFields = nullptr;
  setStatus(I, StepStatus::Completed);
  if (Opts.Commit && top(I)) return commitThenRelease(I);
  settle(I);
  release(I);
}

void Scheduler::commitThenRelease(uint32_t I) {
  ++Committing;
  std::weak_ptr<bool> A = Alive;
  bool Waits = Opts.Commit->commit(I, [this, A, I](std::string Error) {
    if (A.expired()) return;
    --Committing;
    if (!Error.empty()) {
      // Not counted done: a resume runs it again.
      stop(fmt::format("cannot record step `{}`: {}", stepId(I).str(), Error), false);
      return;
    }
    settle(I);
    release(I);
    dispatch();
  });
  if (Waits) return;
  --Committing;
  settle(I);
  release(I);
}

namespace {
/// True if step \p S has an `on_failure` route.
bool routesOnFailure(const pf::Step *S) {
  if (S->routes())
    for (const pf::Route *R : *S->routes())
      if (R->kind() == pf::RouteKind::Failure) return true;
  return false;
}
}  // namespace

void Scheduler::attemptFailed(uint32_t I, std::string Error, bool Retryable,
                              bool TimedOut) {
  const pf::Step *S = planStep(I);
  StepState &St = States[I];
  // The step's own limit, else the pipeline's, else 3 (the seed's default).
  int MaxRetries = S->max_retries() >= 0  ? S->max_retries()
                   : P.max_retries() >= 0 ? P.max_retries()
                                          : DefaultMaxRetries;
  // A failure route keeps the retries of the step's own `max_retries`
  // first (docs/language.md §6.4).
  bool Retries = S->on_failure() == pf::FailurePolicy::Retry ||
                 (S->max_retries() > 0 && routesOnFailure(S));
  if (Retries && Retryable && !Stopping &&
      St.Attempts <= static_cast<unsigned>(std::max(0, MaxRetries))) {
    auto Delay = Opts.RetryBase * (1LL << std::min(St.Attempts - 1, 20u));
    Delay = std::min<std::chrono::milliseconds>(Delay, Opts.RetryMax);
    St.Error = std::move(Error);
    // The seed's timeout strategy: twice the time for the next attempt.
    if (TimedOut) St.TimeoutMs = doubledTimeout(St.TimeoutMs);
    setStatus(I, StepStatus::Backoff);
    if (observed(I)) Obs->stepRetrying(I, Delay, St.Error);
    std::weak_ptr<bool> A = Alive;
    uint64_t Epoch = St.Epoch;
    St.Timer = Exec.addTimer(Exec.now() + Delay, [this, A, I, Epoch] {
      if (A.expired()) return;
      StepState &T = States[I];
      if (T.Status != StepStatus::Backoff || T.Epoch != Epoch) return;
      T.Timer = 0;  // it fired
      endAttempt(I, false);
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
  const pf::Step *S = planStep(I);
  StepState &St = States[I];
  St.Finished = Exec.now();
  St.Error = std::move(Error);
  switch (S->on_failure()) {
    case pf::FailurePolicy::Continue:
      // What the failed attempt produced (a command's stderr and exit
      // code) stays readable, with `status` and `error`.
      // A loop's finished items also stay in FailedFields, for the report.
      St.Result = !St.FailedFields.is_object() ? json::object()
                  : Prog.isLoop(PlanOf[I])     ? St.FailedFields
                                               : std::move(St.FailedFields);
      St.Result.erase("output");
      if (top(I)) spill(I);
      St.Result["status"] = "failed";
      St.Result["error"] = St.Error;
      setStatus(I, StepStatus::Failed);
      // Its dependents run: recorded like a completion, before they start.
      if (Opts.Commit && top(I)) return commitThenRelease(I);
      settle(I);
      release(I);
      return;
    case pf::FailurePolicy::Skip:
      St.FailedFields = nullptr;  // nobody reads it
      setStatus(I, StepStatus::Skipped);
      settle(I);
      skipDependents(I, fmt::format("dependency `{}` was skipped", stepId(I).str()));
      return;
    case pf::FailurePolicy::Fail:
    case pf::FailurePolicy::Retry:
      if (!Prog.isLoop(PlanOf[I])) St.FailedFields = nullptr;  // a loop keeps its items
      setStatus(I, StepStatus::Failed);
      if (!top(I)) return itemFailed(I);  // fails its loop, not the run
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
    endAttempt(I, false);
    St.FailedFields = nullptr;  // only a loop's finished items are reported
    St.Finished = Exec.now();
    St.Error += " (" + Why + ")";
    setStatus(I, StepStatus::Failed);
    settle(I);
    skipDependents(I, fmt::format("dependency `{}` failed", stepId(I).str()));
  }
}

void Scheduler::release(uint32_t I) {
  forDependents(I, [&](uint32_t D) { wake(D); });
}

void Scheduler::skipDependents(uint32_t I, const std::string &Why) {
  // Iterative: a long chain must not recurse.
  std::vector<std::pair<uint32_t, std::string>> Work;
  forDependents(I, [&](uint32_t D) { Work.push_back({D, Why}); });
  while (!Work.empty()) {
    auto [D, Reason] = std::move(Work.back());
    Work.pop_back();
    StepState &T = States[D];
    if (T.Status != StepStatus::Pending) continue;
    if (routeTarget(D)) {
      // A route may still lead here: decided once it waits for nothing.
      if (T.DepSkipped.empty()) T.DepSkipped = std::move(Reason);
      wake(D);
      continue;
    }
    T.Error = std::move(Reason);
    setStatus(D, StepStatus::Skipped);
    settle(D);
    std::string Next = fmt::format("dependency `{}` was skipped", stepId(D).str());
    forDependents(D, [&](uint32_t E) { Work.push_back({E, Next}); });
  }
}

void Scheduler::spill(uint32_t I) {
  StepState &St = States[I];
  llvm::Expected<std::vector<SpilledField>> S = spillFields(St.Result, I, Opts.Spill);
  if (S) {
    St.Spilled = std::move(*S);
    return;
  }
  // It stays in memory; the run goes on, and says so once.
  std::string Msg = llvm::toString(S.takeError());
  if (SpillWarning.empty())
    SpillWarning = fmt::format("large fields stay in memory: {}", Msg);
}

void Scheduler::settle(uint32_t I) {
  ++Settled;
  if (Obs && top(I)) Obs->stepSettled(I);
  routeSettled(I);  // a body step's routes join its instance's steps
  if (uint32_t K = InstOf[I]; K != NoInst && --Insts[K].Unsettled == 0)
    FinishedInsts.push_back(K);  // collected by dispatch(), after this step's release
}

void Scheduler::checkDone() {
  if (Done || !Started || InDispatch) return;
  if (!FinishedInsts.empty()) return dispatch();  // it comes back here
  if (Settled == Total ||
      (Stopping && Running == 0 && Parked == 0 && Backoffs == 0 && Committing == 0)) {
    // A loop whose items were left unstarted fails, saying why.
    for (uint32_t I = 0; I < States.size(); ++I)
      if (States[I].Status == StepStatus::Running && Prog.isLoop(PlanOf[I])) {
        keepPartial(I);
        States[I].Finished = Exec.now();
        States[I].Error = Interrupted ? "not finished: the run was interrupted"
                                      : "not finished: " + RunError;
        setStatus(I, StepStatus::Failed);
        settle(I);
      }
    // Whatever never started says why.
    for (uint32_t I = 0; I < States.size(); ++I)
      if (States[I].Status == StepStatus::Pending) {
        if (States[I].HasStarted) States[I].Finished = Exec.now();
        States[I].Error = Interrupted ? "not started: the run was interrupted"
                                      : "not started: " + RunError;
        setStatus(I, StepStatus::Skipped);
        settle(I);
      }
    drainFinished();  // frees the instances that sweep settled
    Done = true;
    if (RunTimer) Exec.cancelTimer(RunTimer);
    RunTimer = 0;
    // Nothing waits any more: no timer or parked step outlives the run.
    for (size_t G = 0; G < Groups.size(); ++G) {
      if (GroupTimers[G]) Exec.cancelTimer(GroupTimers[G]);
      GroupTimers[G] = 0;
      Groups.takeParked(G);
    }
    Ready.clear();
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
    // A fused member waiting to ask again alone is still in the attempt
    // its fused request started (and was billed for): cut off like a
    // running one, not "not started".
    bool ReAsk = St.Status == StepStatus::Pending && St.AskingAgain;
    if (ReAsk) {
      St.AskingAgain = false;
      ++St.Attempts;  // onDone() took it back for the re-ask's begin()
    }
    bool Cut = St.Status == StepStatus::Running || ReAsk;
    if (!Cut && St.Status != StepStatus::Backoff) continue;
    if (Prog.isLoop(PlanOf[I]))
      keepPartial(I);
    else
      St.FailedFields = nullptr;  // the report shows a loop's only
    endAttempt(I, /*Cancel=*/true);
    // Every attempt the observer saw start is told it ended.
    if (observed(I) && Cut)
      Obs->attemptEnded(I, St.Attempts, ActionResult::failure(Why, false));
    St.Finished = Exec.now();
    St.CutOff = Cut;
    St.Error = Cut ? Why : Why + " (while waiting to retry)";
    setStatus(I, StepStatus::Failed);
    settle(I);
  }
  checkDone();
}

json Scheduler::outputs(json &Errors) const {
  if (OutputsCached) {
    for (auto &[K, V] : OutputErrors.items()) Errors[K] = V;
    return OutputValues;
  }
  json Out = json::object(), Errs = json::object();
  for (const ir::MapEntry &E : Prog.outputs()) {
    llvm::Expected<json> V = ir::evaluateValue(E.V, *this);
    std::string Why = renderingDone(V ? "" : llvm::toString(V.takeError()));
    if (V) {
      Out[E.Key.str()] = std::move(*V);
    } else {
      Out[E.Key.str()] = nullptr;
      Errs[E.Key.str()] = Why;
    }
  }
  for (auto &[K, V] : Errs.items()) Errors[K] = V;
  if (Done) {
    // Nothing changes any more: later callers (the result file, stdout)
    // get these without reading spilled fields again.
    OutputsCached = true;
    OutputValues = Out;
    OutputErrors = std::move(Errs);
  }
  return Out;
}

}  // namespace orch::runtime
