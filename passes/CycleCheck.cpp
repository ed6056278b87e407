//===- CycleCheck.cpp - Dependency cycles, each reported once -------------===//
//
// Tarjan's strongly connected components, iteratively (100,000-step
// pipelines must not overflow the stack). For each component with a cycle
// the shortest cycle through its first step in source order is reported at
// the edge that closes it, with a note at every other edge.
//
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <deque>
#include <unordered_map>

#include "passes/Pass.h"

namespace orch::passes {

namespace {

using ir::DepEdge;
using ir::Pipeline;

/// Components of size > 1, each as a sorted list of step indexes.
std::vector<std::vector<uint32_t>> cyclicComponents(const Pipeline &P) {
  const uint32_t N = P.Steps.size(), None = UINT32_MAX;
  std::vector<uint32_t> Index(N, None), Low(N, 0);
  std::vector<bool> OnStack(N, false);
  std::vector<uint32_t> Stack;
  std::vector<std::pair<uint32_t, uint32_t>> Work;  // (node, next edge)
  std::vector<std::vector<uint32_t>> Out;
  uint32_t Counter = 0;
  for (uint32_t Root = 0; Root < N; ++Root) {
    if (Index[Root] != None) continue;
    Work.push_back({Root, 0});
    while (!Work.empty()) {
      auto &[V, EI] = Work.back();
      if (EI == 0 && Index[V] == None) {
        Index[V] = Low[V] = Counter++;
        Stack.push_back(V);
        OnStack[V] = true;
      }
      const auto &Deps = P.Steps[V].Deps;
      if (EI < Deps.size()) {
        uint32_t W = Deps[EI++].Target;
        if (Index[W] == None)
          Work.push_back({W, 0});
        else if (OnStack[W])
          Low[V] = std::min(Low[V], Index[W]);
        continue;
      }
      uint32_t Done = V;
      Work.pop_back();
      if (!Work.empty())
        Low[Work.back().first] = std::min(Low[Work.back().first], Low[Done]);
      if (Low[Done] != Index[Done]) continue;
      std::vector<uint32_t> Comp;
      uint32_t W;
      do {
        W = Stack.back();
        Stack.pop_back();
        OnStack[W] = false;
        Comp.push_back(W);
      } while (W != Done);
      if (Comp.size() > 1) {
        std::sort(Comp.begin(), Comp.end());
        Out.push_back(std::move(Comp));
      }
    }
  }
  return Out;
}

class CycleCheckPass : public Pass {
 public:
  llvm::StringRef name() const override { return "cycle-check"; }

  bool run(Pipeline &P, PassContext &Ctx) override {
    std::vector<std::vector<uint32_t>> Comps = cyclicComponents(P);
    std::vector<int> InComp(P.Steps.size(), -1);
    for (size_t C = 0; C < Comps.size(); ++C)
      for (uint32_t S : Comps[C]) InComp[S] = static_cast<int>(C);
    for (size_t C = 0; C < Comps.size(); ++C) report(P, Ctx.Diags, Comps[C], InComp, C);
    return Comps.empty();
  }

 private:
  /// Breadth-first from the first step back to itself, inside the component.
  void report(Pipeline &P, DiagnosticEngine &D, const std::vector<uint32_t> &Comp,
              const std::vector<int> &InComp, size_t C) {
    uint32_t Start = Comp.front();
    // Parent edge of each reached step: (from step, edge index).
    std::unordered_map<uint32_t, std::pair<uint32_t, uint32_t>> Parent;
    std::deque<uint32_t> Queue{Start};
    std::pair<uint32_t, uint32_t> Closing{UINT32_MAX, 0};
    while (!Queue.empty() && Closing.first == UINT32_MAX) {
      uint32_t V = Queue.front();
      Queue.pop_front();
      const auto &Deps = P.Steps[V].Deps;
      for (uint32_t E = 0; E < Deps.size(); ++E) {
        uint32_t W = Deps[E].Target;
        if (InComp[W] != static_cast<int>(C)) continue;
        if (W == Start) {
          Closing = {V, E};
          break;
        }
        if (Parent.try_emplace(W, std::make_pair(V, E)).second) Queue.push_back(W);
      }
    }
    // Walk back from the closing edge to rebuild the path.
    std::vector<std::pair<uint32_t, uint32_t>> Edges{Closing};
    for (uint32_t V = Closing.first; V != Start; V = Parent[V].first)
      Edges.push_back(Parent[V]);
    std::reverse(Edges.begin(), Edges.end());
    std::string Path;
    for (auto [From, E] : Edges) Path += "`" + P.Steps[From].Id.Str.str() + "` -> ";
    Path += "`" + P.Steps[Start].Id.Str.str() + "`";
    const DepEdge &Close = P.Steps[Closing.first].Deps[Closing.second];
    Diagnostic &Dg = D.report(DiagKind::DependencyCycle, Close.Loc, Close.Length, Path);
    for (size_t I = 0; I + 1 < Edges.size(); ++I) {
      auto [From, E] = Edges[I];
      const DepEdge &Edge = P.Steps[From].Deps[E];
      DiagnosticEngine::note(
          Dg, Edge.Inferred ? DiagKind::NoteImplicitEdge : DiagKind::NoteCycleEdge,
          Edge.Loc, Edge.Length, P.Steps[From].Id.Str.str(),
          P.Steps[Edge.Target].Id.Str.str());
    }
  }
};

}  // namespace

std::unique_ptr<Pass> createCycleCheckPass() {
  return std::make_unique<CycleCheckPass>();
}

}  // namespace orch::passes
