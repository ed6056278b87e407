//===- SchedulerWhile.cpp - while/until: one iteration after another ------===//
//
// A `while`/`until` loop runs its body through the same instances as a
// `for_each` (SchedulerLoops.cpp), one iteration at a time. R.Allowed
// counts the iterations its condition let start: `while` renders it before
// each iteration, `until` after each one. The loop's `iteration` and the
// `results` so far (R.Live) are readable from its body and its condition;
// the condition also reads the last iteration's body steps.
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "ir/JsonLimits.h"
#include "ir/PyText.h"
#include "ir/Unicode.h"
#include "runtime/exec/Scheduler.h"

namespace orch::runtime {

using json = orch::ir::Json;

void Scheduler::beginWhile(uint32_t I) {
  const plan::Step *S = planStep(I);
  LoopRun R;
  R.While = true;
  R.Until = S->loop_until();
  R.Max = S->max_iterations();
  if (const ir::Value *Bound = Prog.loopBound(PlanOf[I])) {
    std::string Why;
    std::optional<uint32_t> N = loopBound(I, Bound, Why);
    if (!N) {
      States[I].Finished = Exec.now();
      return finalFail(I, "max_iterations: " + Why);
    }
    R.Max = *N;
  }
  R.Limit = 1;
  R.Live = json::object();
  R.Live["iteration"] = 0;
  R.Live["count"] = 0;
  R.Live["results"] = json::array();
  if (tracksItems()) R.Context = loopContext(I);
  Loops.insert_or_assign(I, std::move(R));
  LoopRun &Run = Loops.find(I)->second;
  if (Run.Until) {
    Run.Allowed = 1;  // `until` checks after each iteration
  } else {
    std::optional<bool> More = loopGoesOn(I, InstOf[I], 0);
    if (!More) {
      std::string Why = std::move(Run.Error);
      Loops.erase(I);
      States[I].Finished = Exec.now();
      return finalFail(I, "while: " + Why);
    }
    Run.Allowed = *More ? 1 : 0;
  }
  if (Run.Allowed == 0) return finishLoop(I);
  startItems(I);
}

std::optional<uint32_t> Scheduler::loopBound(uint32_t L, const ir::Value *Bound,
                                             std::string &Why) {
  uint32_t Saved = Ctx;
  Ctx = InstOf[L];  // an enclosing loop's item or iteration
  llvm::Expected<json> V = ir::evaluateValue(Bound, *this);
  Ctx = Saved;
  Why = renderingDone(V ? "" : llvm::toString(V.takeError()));
  if (!V) return std::nullopt;
  // An integer (3.0 too), or text Python's int() reads (a template with
  // text around its expression renders text, which ContextLab int()s).
  const int64_t Max = static_cast<int64_t>(ir::MaxLoopIterations);
  std::optional<int64_t> N;
  std::string Shown = V->dump(-1, ' ', false, json::error_handler_t::replace);
  if (V->is_number_integer()) {
    N = V->is_number_unsigned() && V->get<uint64_t>() > static_cast<uint64_t>(Max)
            ? Max + 1
            : V->get<int64_t>();
  } else if (V->is_number_float()) {
    double D = V->get<double>();
    if (std::isfinite(D) && D == std::floor(D))
      N = static_cast<int64_t>(std::clamp(D, -1.0, static_cast<double>(Max + 1)));
  } else if (V->is_string()) {
    llvm::StringRef T = llvm::StringRef(V->get_ref<const std::string &>()).trim();
    int64_t X;
    ir::IntParse Got = ir::parsePyInt(T, X);
    if (Got != ir::IntParse::Invalid) {
      N = Got == ir::IntParse::Ok ? X : Max + 1;
      Shown = T.str();  // the number as written
    }
  }
  if (!N) {
    if (Shown.size() > 200) Shown = ir::utf8Prefix(Shown, 200).str() + "...";
    Why = "must be an integer, found " + Shown;
    return std::nullopt;
  }
  if (*N < 1 || *N > Max) {
    Why = fmt::format("must be between 1 and {}, found {}", Max, Shown);
    return std::nullopt;
  }
  return static_cast<uint32_t>(*N);
}

std::optional<bool> Scheduler::loopGoesOn(uint32_t L, uint32_t K, uint32_t Done) {
  LoopRun &R = Loops.find(L)->second;
  json Iteration = Done;
  uint32_t Saved = Ctx;
  const json *SavedIteration = CondIteration;
  Ctx = K;
  CondIteration = &Iteration;
  llvm::Expected<json> V = ir::evaluateValue(Prog.loopCondition(PlanOf[L]), *this);
  Ctx = Saved;
  CondIteration = SavedIteration;
  std::string Why = renderingDone(V ? "" : llvm::toString(V.takeError()));
  if (!V) {
    R.Error = std::move(Why);
    return std::nullopt;
  }
  return R.Until ? !ir::truthy(*V) : ir::truthy(*V);
}

std::optional<bool> Scheduler::cycleGoesOn(uint32_t K, uint32_t Tail, json &Result,
                                           std::string &Why) {
  uint32_t N = Insts[K].Nodes[BodyPos[Tail]];
  std::string Error;
  int32_t R = chooseRoute(N, Error);
  if (!Error.empty()) {
    Why = std::move(Error);
    return std::nullopt;
  }
  if (R < 0) return false;  // no route: the run goes on after the cycle
  uint32_t To = planStep(N)->routes()->Get(static_cast<uint32_t>(R))->target();
  if (To <= Tail) return true;  // the route back
  // A forward route: the loop ends and takes it (takeRoute()). Kept in
  // the iteration's record, so that a resume that takes the iteration
  // over takes the route too.
  Result["@next"] = stepId(To).str();
  return false;
}

void Scheduler::afterIteration(uint32_t L, uint32_t K, json Result) {
  LoopRun &R = Loops.find(L)->second;
  // A routing cycle (docs/control-flow.md §5): its last step's route decides.
  const int32_t Tail = planStep(L)->cycle_tail();
  std::optional<bool> More;
  if (Tail >= 0 && !R.Failing)
    More = cycleGoesOn(K, static_cast<uint32_t>(Tail), Result, R.Error);
  chainIteration(R, Result);
  json &Results = R.Live["results"];
  Results.push_back(std::move(Result));
  uint32_t Done = static_cast<uint32_t>(Results.size());
  R.Live["iteration"] = Done;
  R.Live["count"] = Done;
  if (R.Failing) return;
  // Also while the run is stopping: the condition decides whether this
  // iteration ended the loop. If it did not, R.Allowed > Done and
  // startItems, which starts nothing more, fails the loop ("stopped after
  // N iterations") instead of completing it short.
  if (Tail < 0) More = loopGoesOn(L, K, Done);
  if (!More) {
    R.Failing = true;
    R.Error = Tail >= 0 ? fmt::format("iteration {}: {}", Done - 1, R.Error)
                        : fmt::format("iteration {}: {}: {}", Done - 1,
                                      R.Until ? "until" : "while", R.Error);
    return;
  }
  // A routing cycle whose last step failed and routes back on failure:
  // out of rounds, the failure stands (its route made it `continue`).
  // Not recorded: a resume runs the round again.
  if (const StepState *T = Tail >= 0 ? &States[Insts[K].Nodes[BodyPos[Tail]]] : nullptr;
      T && *More && Done >= R.Max && T->Status == StepStatus::Failed) {
    R.Failing = true;
    R.Error = fmt::format(
        "iteration {}: step `{}` failed and its route back reached "
        "max_iterations ({}): {}",
        Done - 1, stepId(static_cast<uint32_t>(Tail)).str(), R.Max, T->Error);
    return;
  }
  recordItem(K, R.Live["results"].back(), *More);
  if (!*More) return;
  if (Done < R.Max) {
    R.Allowed = Done + 1;
  } else {
    R.MaxReached = true;  // the loop completes, saying so in `max_reached`
  }
}

void Scheduler::chainIteration(LoopRun &R, const json &Result) const {
  if (!tracksItems()) return;
  ActionRequest Req;
  Req.Action = "while chain";
  Req.Params["before"] = R.Chain;
  Req.Params["iteration"] = Result;
  R.Chain = inputHash(Req);
}

void Scheduler::takeIterations(LoopRun &R) {
  auto It = R.Live.find("results");
  if (It == R.Live.end() || !It->is_array()) return;
  R.Results = std::move(It->get_ref<json::array_t &>());
  It->get_ref<json::array_t &>().clear();
}

const json *Scheduler::liveLoop(llvm::StringRef Id) const {
  auto It = Index.find(Id);
  if (It == Index.end() || !Prog.loopCondition(It->second)) return nullptr;
  uint32_t I = nodeFor(It->second, Ctx);
  if (I == NoInst || States[I].Status != StepStatus::Running) return nullptr;
  auto L = Loops.find(I);
  return L == Loops.end() ? nullptr : &L->second.Live;
}

const json *Scheduler::loopVariable(llvm::StringRef Name) const {
  bool Iteration = Name == "iteration";
  if (Iteration && CondIteration) return CondIteration;
  if (!Iteration && Name != "item" && Name != "index" && Name != "is_first" &&
      Name != "is_last")
    return nullptr;
  // The innermost loop that gives the name: a `while`/`until` for
  // `iteration`, a `for_each` for the others.
  for (uint32_t K = Ctx; K != NoInst; K = Insts[K].Outer) {
    const Instance &X = Insts[K];
    if ((Prog.loopCondition(PlanOf[X.Loop]) != nullptr) != Iteration) continue;
    if (Iteration || Name == "index") return &X.Index;
    if (Name == "is_first") return &X.First;
    if (Name == "is_last") return &X.Last;
    auto L = Loops.find(X.Loop);
    return L == Loops.end() ? nullptr : &L->second.Items[X.Item];
  }
  return nullptr;
}

const json *Scheduler::cycleStep(llvm::StringRef Id) const {
  bool Previous = Id.consume_back(ir::PreviousSuffix);
  auto It = Index.find(Id);
  if (It == Index.end()) return nullptr;
  uint32_t J = It->second;
  int32_t L = ParentOf[J];
  if (L < 0 || P.steps()->Get(static_cast<uint32_t>(L))->cycle_tail() < 0) return nullptr;
  const json *Results = nullptr;
  if (Previous) {
    // The iterations before the one rendering now: the last of them.
    for (uint32_t K = Ctx; K != NoInst && !Results; K = Insts[K].Outer)
      if (PlanOf[Insts[K].Loop] == static_cast<uint32_t>(L)) {
        auto R = Loops.find(Insts[K].Loop);
        if (R == Loops.end()) return nullptr;
        auto F = R->second.Live.find("results");
        if (F != R->second.Live.end()) Results = &*F;
      }
  } else {
    // After the cycle: its loop's results, the last iteration. (Inside an
    // iteration, a step not settled in it is not read from another.)
    if (nodeFor(J, Ctx) != NoInst) return nullptr;
    uint32_t N = nodeFor(static_cast<uint32_t>(L), Ctx);
    if (N == NoInst) return nullptr;
    Results = stepField(stepId(N), "results");
  }
  if (!Results || !Results->is_array() || Results->empty()) return nullptr;
  const json &Last = Results->back();
  if (!Last.is_object()) return nullptr;
  auto F = Last.find(ResultKey[J]);
  if (F == Last.end() || !F->is_object()) return nullptr;
  // Skipped in that iteration: undefined, as a skipped step is.
  auto St = F->find("status");
  return St != F->end() && *St == "skipped" ? nullptr : &*F;
}

}  // namespace orch::runtime
