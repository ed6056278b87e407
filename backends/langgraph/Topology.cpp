//===- Topology.cpp - How graph.mjs wires the steps -----------------------===//
#include "backends/langgraph/Topology.h"

#include <algorithm>
#include <utility>

namespace orch::backends::langgraph {

namespace {

/// The longest-path level of each step (0: no dependencies); the pipeline
/// is acyclic after cycle-check.
std::vector<uint32_t> levels(const ir::Pipeline &P) {
  std::vector<uint32_t> L(P.Steps.size(), 0);
  std::vector<uint8_t> Done(P.Steps.size(), 0);
  for (uint32_t Root = 0; Root < P.Steps.size(); ++Root) {
    std::vector<std::pair<uint32_t, size_t>> Stack{{Root, 0}};
    while (!Stack.empty()) {
      auto &[I, K] = Stack.back();
      if (Done[I]) {
        Stack.pop_back();
        continue;
      }
      const auto &Deps = P.Steps[I].Deps;
      if (K < Deps.size()) {
        uint32_t T = Deps[K++].Target;
        if (!Done[T]) Stack.push_back({T, 0});
        continue;
      }
      for (const ir::DepEdge &E : Deps) L[I] = std::max(L[I], L[E.Target] + 1);
      Done[I] = 1;
      Stack.pop_back();
    }
  }
  return L;
}

}  // namespace

Wiring chooseWiring(const ir::Pipeline &P) {
  Wiring W;
  if (P.Steps.empty()) return W;
  std::vector<uint32_t> L = levels(P);
  W.Depth = *std::max_element(L.begin(), L.end()) + 1;
  std::vector<uint32_t> Width(W.Depth, 0);
  for (uint32_t Lv : L) ++Width[Lv];
  W.Widest = *std::max_element(Width.begin(), Width.end());
  // Each step of level L + 1 must depend on all steps of level L: then all
  // of level L + 1 start when the last of level L settles, in orchrt as
  // after LangGraph's barrier.
  std::vector<uint32_t> Seen(P.Steps.size(), UINT32_MAX);
  for (uint32_t I = 0; I < P.Steps.size(); ++I) {
    if (L[I] == 0) continue;
    uint32_t Below = 0;
    for (const ir::DepEdge &E : P.Steps[I].Deps)
      if (L[E.Target] + 1 == L[I] && Seen[E.Target] != I) {
        Seen[E.Target] = I;
        ++Below;
      }
    if (Below != Width[L[I] - 1]) return W;
  }
  W.Edges = true;
  return W;
}

}  // namespace orch::backends::langgraph
