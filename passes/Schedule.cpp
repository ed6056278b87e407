//===- Schedule.cpp - Levels, estimates and critical paths ----------------===//
//
// Every step gets its ASAP level (0 for steps without dependencies, else
// one more than its deepest dependency), an estimated duration and the
// length of the longest estimated path from it to the end of the pipeline,
// its own duration included. orchrt starts the ready step with the longest
// remaining path first when more steps are ready than slots.
//
// Estimates: `sleep` its constant `ms`; model steps the registry's
// latency_p50 of their model (2 s when unknown); `http.request`, `mcp` and
// `web.search` and `web.scrape` 500 ms;
// `shell` 100 ms; local actions 0. A step's timeout caps its estimate.
// A loop: its body's longest path times its waves (ir/LoopCost.h); paths
// stay within a body, so a body step's path ends where its body does.
//
//===----------------------------------------------------------------------===//
#include <deque>

#include "ir/Actions.h"
#include "ir/LoopCost.h"
#include "passes/ModelCatalog.h"
#include "passes/Pass.h"

namespace orch::passes {

namespace {

using namespace ir;

constexpr uint64_t UnknownModelMs = 2000, HttpMs = 500, ShellMs = 100;

uint64_t estimate(const Step &S, const ModelCatalog *Cat) {
  uint64_t Ms = 0;
  llvm::StringRef A = S.Action.Str;
  if (A == "sleep") {
    if (S.Params)
      for (const MapEntry &E : S.Params->entries())
        if (auto *Sc = llvm::dyn_cast<ScalarValue>(E.V))
          if (E.Key == "ms" && Sc->scalar().Ty == Type::Int && Sc->scalar().I > 0)
            Ms = static_cast<uint64_t>(Sc->scalar().I);
  } else if (A == "http.request" || isMcpAction(A) || A == "web.search" ||
             A == "web.scrape") {
    Ms = HttpMs;
  } else if (A == "shell") {
    Ms = ShellMs;
  } else if (isModelAction(A)) {
    Ms = UnknownModelMs;
    if (Cat)
      if (const ModelInfo *M = Cat->find(S.Model.Str); M && M->LatencyP50 > 0)
        Ms = static_cast<uint64_t>(M->LatencyP50 * 1000);
  }
  if (S.Timeout && S.Timeout->Val > 0)
    Ms = std::min<uint64_t>(Ms, static_cast<uint64_t>(S.Timeout->Val) * 1000);
  return Ms;
}

class SchedulePass : public Pass {
 public:
  llvm::StringRef name() const override { return "schedule"; }

  bool run(Pipeline &P, PassContext &Ctx) override {
    size_t N = P.Steps.size();
    std::vector<std::vector<uint32_t>> Out(N);
    std::vector<uint32_t> InDeg(N, 0);
    for (uint32_t I = 0; I < N; ++I)
      for (const DepEdge &E : P.Steps[I].Deps) {
        Out[E.Target].push_back(I);
        ++InDeg[I];
      }
    // Kahn's order (cycle-check ran before: every step is reached).
    std::vector<uint32_t> Order;
    Order.reserve(N);
    std::deque<uint32_t> Ready;
    for (uint32_t I = 0; I < N; ++I) {
      P.Steps[I].Level = 0;
      P.Steps[I].EstMs = estimate(P.Steps[I], Ctx.Models);
      if (InDeg[I] == 0) Ready.push_back(I);
    }
    while (!Ready.empty()) {
      uint32_t I = Ready.front();
      Ready.pop_front();
      Order.push_back(I);
      for (uint32_t J : Out[I]) {
        P.Steps[J].Level = std::max(P.Steps[J].Level, P.Steps[I].Level + 1);
        if (--InDeg[J] == 0) Ready.push_back(J);
      }
    }
    // Paths run within a body (or the top level): a body step's path
    // ends with its body, and a loop costs its body's longest path once a
    // wave (ir/LoopCost.h). Deepest bodies first, so a loop's body is
    // measured before the loop.
    std::vector<uint32_t> Depth(N, 0);
    uint32_t MaxDepth = 0;
    for (uint32_t I = 0; I < N; ++I)
      if (P.Steps[I].Parent >= 0)
        MaxDepth = std::max(MaxDepth, Depth[I] = Depth[P.Steps[I].Parent] + 1);
    for (uint32_t D = MaxDepth + 1; D-- > 0;)
      for (auto It = Order.rbegin(); It != Order.rend(); ++It) {
        if (Depth[*It] != D) continue;
        Step &S = P.Steps[*It];
        if (S.isLoop()) {
          uint64_t Body = 0;
          for (uint32_t B : S.Body) Body = std::max(Body, P.Steps[B].PathMs);
          S.EstMs = loopCost(S).Waves * Body;
        }
        uint64_t Longest = 0;
        for (uint32_t J : Out[*It])
          if (P.Steps[J].Parent == S.Parent)
            Longest = std::max(Longest, P.Steps[J].PathMs);
        S.PathMs = S.EstMs + Longest;
      }
    P.Scheduled = true;
    return true;
  }
};

}  // namespace

std::unique_ptr<Pass> createSchedulePass() { return std::make_unique<SchedulePass>(); }

}  // namespace orch::passes
