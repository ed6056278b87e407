//===- SchedulerLoops.cpp - loops: bodies instantiated per item -----------===//
//
// A loop step's body is in the plan once. When the loop starts, its items
// are rendered; each item in flight gets an Instance: one node per direct
// body step, ordered by the body's own edges, rendered with the item's
// variables. Nodes and instances are reused once an item is done, so
// memory holds the items in flight and each item's collected result.
// A `while`/`until` loop runs the same way, one iteration at a time
// (SchedulerWhile.cpp decides whether another one starts).
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include <algorithm>

#include "ir/Unicode.h"
#include "runtime/exec/Scheduler.h"

namespace orch::runtime {

using json = orch::ir::Json;
namespace pf = orch::plan;

uint32_t Scheduler::nodeFor(uint32_t J, uint32_t K) const {
  if (ParentOf[J] < 0) return J;
  for (; K != NoInst; K = Insts[K].Outer)
    if (static_cast<int32_t>(PlanOf[Insts[K].Loop]) == ParentOf[J])
      return Insts[K].Nodes[BodyPos[J]];
  return NoInst;
}

std::string Scheduler::nodePath(uint32_t I) const {
  if (InstOf[I] == NoInst) return stepId(I).str();
  const Instance &X = Insts[InstOf[I]];
  return fmt::format("{}[{}].{}", nodePath(X.Loop), X.Item, stepId(I).str());
}

uint32_t Scheduler::allocNode(uint32_t J, uint32_t K) {
  uint32_t N;
  if (!FreeNodes.empty()) {
    N = FreeNodes.back();
    FreeNodes.pop_back();
  } else {
    N = static_cast<uint32_t>(States.size());
    States.emplace_back();
    PlanOf.push_back(0);
    InstOf.push_back(NoInst);
  }
  uint64_t Epoch = States[N].Epoch;  // a late callback of the last use stays stale
  States[N] = StepState{};
  States[N].Epoch = Epoch;
  PlanOf[N] = J;
  InstOf[N] = K;
  ++Total;
  return N;
}

void Scheduler::freeNode(uint32_t N) {
  uint64_t Epoch = States[N].Epoch + 1;
  States[N] = StepState{};
  States[N].Epoch = Epoch;
  States[N].Status = StepStatus::Skipped;  // settled: no sweep touches it
  InstOf[N] = NoInst;
  --Settled;
  --Total;
  FreeNodes.push_back(N);
}

void Scheduler::beginLoop(uint32_t I) {
  StepState &St = States[I];
  ++St.Attempts;
  if (!St.HasStarted) {
    St.Started = Exec.now();
    St.HasStarted = true;
  }
  setStatus(I, StepStatus::Running);  // holds no -j slot: its items do
  if (Prog.loopCondition(PlanOf[I])) return beginWhile(I);
  llvm::Expected<json> V = ir::evaluateValue(Prog.forEach(PlanOf[I]), *this);
  std::string Why = renderingDone(V ? "" : llvm::toString(V.takeError()));
  if (!V) {
    St.Finished = Exec.now();
    return finalFail(I, "for_each: " + Why);
  }
  if (!V->is_array()) {
    std::string Text = V->dump(-1, ' ', false, json::error_handler_t::replace);
    if (Text.size() > 60) Text = ir::utf8Prefix(Text, 57).str() + "...";
    St.Finished = Exec.now();
    llvm::StringRef Type = V->type_name();
    return finalFail(I, fmt::format("for_each: the items are not a list but {} {} ({})",
                                    Type == "object" ? "an" : "a", Type.str(), Text));
  }
  LoopRun R;
  R.Items = std::move(*V);
  R.Results.resize(R.Items.size());
  R.Allowed = static_cast<uint32_t>(R.Items.size());
  uint32_t Max = planStep(I)->max_parallel();
  R.Limit = std::max(1u, Max ? Max : Opts.Jobs);
  if (Opts.Commit && top(I)) {
    // What renderedInputHash() gives the loop on a resume: its items too.
    ActionRequest Req;
    Req.Action = planStep(I)->action()->str();
    Req.Params["items"] = R.Items;
    Req.OutsideDigest = outsideDigest(PlanOf[I], Req);
    St.InputHash = inputHash(Req);
  }
  if (tracksItems()) R.Context = loopContext(I);
  Loops.insert_or_assign(I, std::move(R));
  startItems(I);  // zero items: the loop completes at once
}

void Scheduler::startItems(uint32_t L) {
  auto It = Loops.find(L);
  if (It == Loops.end()) return;
  LoopRun &R = It->second;
  while (!Stopping && !R.Failing && R.Next < R.Allowed && R.InFlight < R.Limit)
    if (!takeOverItem(L, R)) startInstance(L, R);
  LoopPeaks[PlanOf[L]] = std::max(LoopPeaks[PlanOf[L]], R.InFlight);
  if (R.InFlight == 0 && (R.Next >= R.Allowed || R.Failing || Stopping)) finishLoop(L);
}

void Scheduler::startInstance(uint32_t L, LoopRun &R) {
  uint32_t K;
  if (!FreeInsts.empty()) {
    K = FreeInsts.back();
    FreeInsts.pop_back();
  } else {
    K = static_cast<uint32_t>(Insts.size());
    Insts.emplace_back();
  }
  const std::vector<uint32_t> &Body = BodyOf[PlanOf[L]];
  {
    Instance &X = Insts[K];
    X = Instance{};
    X.Loop = L;
    X.Outer = InstOf[L];
    X.Item = R.Next++;
    X.Index = X.Item;
    X.First = X.Item == 0;
    X.Last = !R.While && X.Item + 1 == R.Items.size();
    X.Unsettled = static_cast<uint32_t>(Body.size());
    X.Nodes.resize(Body.size());
  }
  ++R.InFlight;
  if (R.While) R.IterationRan = true;
  for (size_t B = 0; B < Body.size(); ++B) Insts[K].Nodes[B] = allocNode(Body[B], K);
  for (size_t B = 0; B < Body.size(); ++B) {
    uint32_t N = Insts[K].Nodes[B];
    if (const auto *Deps = planStep(N)->deps())
      for (uint32_t D : *Deps)
        if (ParentOf[D] == ParentOf[Body[B]]) ++States[N].Waiting;
    if (const auto *Order = planStep(N)->order_deps())  // a sibling's route decision
      States[N].Waiting += Order->size();
  }
  for (uint32_t N : Insts[K].Nodes)
    if (States[N].Waiting == 0) pushReady(N);
}

std::string Scheduler::itemHash(uint32_t L, const LoopRun &R, uint32_t Item) const {
  ActionRequest Req;
  if (R.While) {
    Req.Action = "while iteration";
    Req.Params["iteration"] = Item;
  } else {
    Req.Action = "for_each item";
    Req.Params["item"] = R.Items[Item];
  }
  if (!top(L)) Req.Params["context"] = R.Context;
  // Its body's outside inputs (a `model.select`'s registry): with others,
  // the item runs again.
  Req.OutsideDigest = outsideDigest(PlanOf[L], Req);
  return inputHash(Req);
}

std::string Scheduler::loopContext(uint32_t L) const {
  uint32_t K = InstOf[L];
  if (K == NoInst) return "";
  const Instance &X = Insts[K];
  ActionRequest Req;
  Req.Action = "loop context";
  auto Outer = Loops.find(X.Loop);
  if (Outer != Loops.end()) {
    Req.Params["outer"] = itemHash(X.Loop, Outer->second, X.Item);
    Req.Params["before"] = Outer->second.Chain;  // a `while`'s iterations so far
  }
  json Deps = json::object();
  if (const auto *D = planStep(L)->deps())
    for (uint32_t J : *D)
      if (ParentOf[J] == ParentOf[PlanOf[L]])
        if (uint32_t N = nodeFor(J, K); N != NoInst)
          Deps[stepId(N).str()] = States[N].Result;
  Req.Params["deps"] = std::move(Deps);
  return inputHash(Req);
}

void Scheduler::recordItem(uint32_t K, const json &Result, std::optional<bool> GoesOn) {
  const Instance &X = Insts[K];
  auto It = Loops.find(X.Loop);
  if (!Opts.Commit || !Opts.Commit->recordsItems() || X.Failed || It == Loops.end())
    return;
  Opts.Commit->itemDone(fmt::format("{}[{}]", nodePath(X.Loop), X.Item), Result,
                        itemHash(X.Loop, It->second, X.Item), GoesOn);
}

void Scheduler::presetItem(std::string Name, json Result, std::string InputHash,
                           std::optional<bool> GoesOn) {
  PresetItems[std::move(Name)] = {std::move(InputHash), std::move(Result), GoesOn};
  HadPresets = true;
}

bool Scheduler::takeOverItem(uint32_t L, LoopRun &R) {
  // An iteration ran again: the later ones read its new result, not the
  // one their records were built on (an iteration's hash is its number).
  if (PresetItems.empty() || R.IterationRan) return false;
  auto It = PresetItems.find(fmt::format("{}[{}]", nodePath(L), R.Next));
  if (It == PresetItems.end()) return false;
  PresetItem Rec = std::move(It->second);
  PresetItems.erase(It);
  // Another item now, or an iteration recorded without its verdict: it runs.
  if (Rec.Hash != itemHash(L, R, R.Next) || (R.While && !Rec.GoesOn)) return false;
  ++R.Next;
  ++ItemsTakenOver;
  if (!R.While) {
    R.Results[R.Next - 1] = std::move(Rec.Result);
    return true;
  }
  // A `while` iteration: collected as afterIteration() does, its recorded
  // verdict standing for the condition (which read its body steps).
  chainIteration(R, Rec.Result);
  json &Results = R.Live["results"];
  Results.push_back(std::move(Rec.Result));
  uint32_t Done = static_cast<uint32_t>(Results.size());
  R.Live["iteration"] = Done;
  R.Live["count"] = Done;
  if (*Rec.GoesOn) {
    if (Done < R.Max)
      R.Allowed = Done + 1;
    else
      R.MaxReached = true;
  }
  return true;
}

void Scheduler::itemFailed(uint32_t I) {
  Instance &X = Insts[InstOf[I]];
  std::string Why = fmt::format("step `{}` failed: {}", stepId(I).str(), States[I].Error);
  if (!X.Failed) {
    X.Failed = true;
    X.Error = Why;
  }
  auto It = Loops.find(X.Loop);
  if (It != Loops.end() && !It->second.Failing) {
    // No new item starts; those in flight finish, then the loop fails.
    It->second.Failing = true;
    It->second.Error = fmt::format("item {}: {}", X.Item, Why);
  }
  settle(I);
  skipDependents(I, fmt::format("dependency `{}` failed", stepId(I).str()));
}

json Scheduler::nodeResult(uint32_t N, bool Keep) {
  StepState &St = States[N];
  if ((St.Status == StepStatus::Completed || St.Status == StepStatus::Failed) &&
      St.Result.is_object()) {
    // An inner loop's `output` is its `results` as text: kept in the outer
    // item's result, each level would escape it again and memory would
    // grow exponentially with the nesting.
    if (Prog.isLoop(PlanOf[N])) St.Result.erase("output");
    return Keep ? St.Result : std::move(St.Result);
  }
  json R = json::object();
  R["status"] = stepStatusName(St.Status);
  if (!St.Error.empty()) R["error"] = St.Error;
  return R;
}

void Scheduler::drainFinished() {
  while (!FinishedInsts.empty()) {
    uint32_t K = FinishedInsts.back();
    FinishedInsts.pop_back();
    finishInstance(K);
  }
}

void Scheduler::finishInstance(uint32_t K) {
  ++ItemsDone;
  uint32_t L = Insts[K].Loop;
  auto It = Loops.find(L);
  bool Live = It != Loops.end() && States[L].Status == StepStatus::Running;
  if (Live) {
    // A `while` loop's condition reads this iteration's steps: kept until then.
    bool While = It->second.While;
    json Obj = json::object();
    const std::vector<uint32_t> &Body = BodyOf[PlanOf[L]];
    for (size_t B = 0; B < Body.size(); ++B)
      if (const std::string &Key = ResultKey[Body[B]]; !Key.empty())
        Obj[Key] = nodeResult(Insts[K].Nodes[B], While);
    if (While) {
      afterIteration(L, K, std::move(Obj));
    } else {
      recordItem(K, Obj);
      It->second.Results[Insts[K].Item] = std::move(Obj);
    }
  }
  for (uint32_t N : Insts[K].Nodes) freeNode(N);
  Insts[K] = Instance{};
  FreeInsts.push_back(K);
  if (It == Loops.end()) return;
  LoopRun &R = It->second;
  --R.InFlight;
  if (!Live) {
    if (R.InFlight == 0) Loops.erase(It);
    return;
  }
  startItems(L);  // finishes the loop once nothing is left
}

json Scheduler::partialResults(LoopRun &R) {
  if (R.While) takeIterations(R);
  size_t Count = R.While ? R.Results.size() : R.Items.size();
  json Partial = json::array();
  Partial.get_ref<json::array_t &>() = std::move(R.Results);
  json Fields = json::object();
  Fields["results"] = std::move(Partial);
  Fields["count"] = Count;
  return Fields;
}

void Scheduler::keepPartial(uint32_t L) {
  auto It = Loops.find(L);
  if (It != Loops.end()) States[L].FailedFields = partialResults(It->second);
}

void Scheduler::finishLoop(uint32_t L) {
  auto It = Loops.find(L);
  LoopRun R = std::move(It->second);
  Loops.erase(It);
  StepState &St = States[L];
  if (R.Failing || R.Next < R.Allowed) {
    St.Finished = Exec.now();
    // The items that ran stay readable (null: not started).
    St.FailedFields = partialResults(R);
    if (R.Failing)
      return attemptFailed(L, std::move(R.Error), true, false);  // the loop's own policy
    // The run is failing: the items left never start.
    St.Error = R.While ? fmt::format("stopped after {} iterations: {}", R.Next, RunError)
                       : fmt::format("stopped after {} of {} items: {}", R.Next,
                                     R.Items.size(), RunError);
    setStatus(L, StepStatus::Failed);
    settle(L);
    return;
  }
  if (R.While) takeIterations(R);
  size_t Count = R.Results.size();
  json Results = json::array();
  Results.get_ref<json::array_t &>() = std::move(R.Results);
  json Fields = json::object();
  Fields["output"] = Results.dump(-1, ' ', false, json::error_handler_t::replace);
  Fields["results"] = std::move(Results);
  Fields["count"] = Count;
  if (R.While) {
    Fields["iteration"] = Count;
    Fields["max_reached"] = R.MaxReached;
  }
  if (planStep(L)->cycle_tail() >= 0) {
    // A routing cycle: the step its last step routed forward to, if any
    // (cycleGoesOn() kept it in the iteration's `@next`; takeRoute()).
    const json &Last = Fields["results"].empty() ? json() : Fields["results"].back();
    Fields["next"] = Last.is_object() ? Last.value("@next", json()) : json();
  }
  complete(L, std::move(Fields));
}

}  // namespace orch::runtime
