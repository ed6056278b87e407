//===- Fuse.cpp - Chains of cheap local steps become one task -------------===//
//
// A chain of local steps (echo, transform, file.read, file.write) where
// each step's only dependent is the next, and each next step depends on
// nothing else, runs as one runtime task: when a step of the chain
// completes, orchrt starts the next at once in the same slot, without the
// ready queue. Every fused step keeps its id, policy, condition and
// record; only the scheduling between them goes away.
//
//===----------------------------------------------------------------------===//
#include "ir/Actions.h"
#include "passes/Pass.h"

namespace orch::passes {

namespace {

using namespace ir;

bool isLocal(const Step &S) {
  if (S.ActionAuto && !S.ActionAuto->Resolved) return false;
  const ActionInfo *A = findBuiltinAction(S.Action.Str);
  return A && A->Local;
}

class FusePass : public Pass {
 public:
  llvm::StringRef name() const override { return "fuse"; }

  bool run(Pipeline &P, PassContext &) override {
    size_t N = P.Steps.size();
    std::vector<std::vector<uint32_t>> Out(N);
    for (uint32_t I = 0; I < N; ++I)
      for (const DepEdge &E : P.Steps[I].Deps) Out[E.Target].push_back(I);
    P.FusedChains.clear();
    for (Step &S : P.Steps) S.FuseNext = -1;
    auto Link = [&](uint32_t I) -> int {  // the step I fuses with, or -1
      if (!isLocal(P.Steps[I]) || Out[I].size() != 1) return -1;
      uint32_t J = Out[I][0];
      if (!isLocal(P.Steps[J]) || P.Steps[J].Deps.size() != 1) return -1;
      if (P.Steps[J].Parent != P.Steps[I].Parent) return -1;  // not across a loop's body
      return static_cast<int>(J);
    };
    std::vector<char> HasPrev(N, 0);
    for (uint32_t I = 0; I < N; ++I)
      if (int J = Link(I); J >= 0) HasPrev[J] = 1;
    for (uint32_t I = 0; I < N; ++I) {
      if (HasPrev[I] || Link(I) < 0) continue;  // not a chain head
      std::vector<uint32_t> Chain{I};
      for (int J = Link(I); J >= 0; J = Link(static_cast<uint32_t>(J))) {
        P.Steps[Chain.back()].FuseNext = J;
        Chain.push_back(static_cast<uint32_t>(J));
      }
      P.FusedChains.push_back(std::move(Chain));
    }
    return true;
  }
};

}  // namespace

std::unique_ptr<Pass> createFusePass() { return std::make_unique<FusePass>(); }

}  // namespace orch::passes
