//===- Graph.cpp - dot and Mermaid ----------------------------------------===//
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "backends/views/Views.h"
#include "ir/Printer.h"

namespace orch::backends {

namespace {

constexpr const char *Palette[] = {"#cfe2ff", "#d1e7dd", "#fff3cd", "#f8d7da",
                                   "#e2d9f3", "#d3f4f4", "#ffe5d0", "#e9ecef"};

/// Dependents of each step.
std::vector<std::vector<uint32_t>> dependents(const ir::Pipeline &P) {
  std::vector<std::vector<uint32_t>> Out(P.Steps.size());
  for (uint32_t I = 0; I < P.Steps.size(); ++I)
    for (const ir::DepEdge &E : P.Steps[I].Deps) Out[E.Target].push_back(I);
  return Out;
}

/// Is there a route `From -> To`?
bool isRoute(const ir::Pipeline &P, uint32_t From, uint32_t To) {
  for (const ir::Route &R : P.Steps[From].Routes)
    if (R.To == static_cast<int32_t>(To)) return true;
  return false;
}

std::string label(const ir::Pipeline &P, const ir::Step &S) {
  std::string L = fmt::format(
      "{}\\n{}", S.Id.Str.str(),
      S.ActionAuto && !S.ActionAuto->Resolved ? "<AUTO>" : S.Action.Str.str());
  if (!S.Model.Str.empty()) L += "\\n" + S.Model.Str.str();
  if (P.Scheduled) L += fmt::format("\\n{} ms, path {} ms", S.EstMs, S.PathMs);
  return L;
}

std::string escape(llvm::StringRef S) {
  std::string Out;
  for (char C : S) {
    if (C == '"')
      Out += "\\\"";
    else
      Out += C;
  }
  return Out;
}

/// A box drawn around steps: a loop's body, or the steps a sub-pipeline
/// call brought in; nested loops and calls inside.
struct Cluster {
  std::string Name, Label;
  bool Loop = false;
  std::vector<uint32_t> Steps;
  std::vector<Cluster> Kids;
};

Cluster loopCluster(const ir::Pipeline &P, uint32_t L) {
  const ir::Step &S = P.Steps[L];
  llvm::StringRef Kind = S.ForEach ? "for_each" : S.LoopUntil ? "until" : "while";
  Cluster C;
  C.Name = fmt::format("loop{}", L);
  C.Label = fmt::format("{} {}", Kind, S.Id.Str.str());
  C.Loop = true;
  for (uint32_t B : S.Body) {
    C.Steps.push_back(B);
    if (P.Steps[B].isLoop()) C.Kids.push_back(loopCluster(P, B));
  }
  return C;
}

/// A sub-pipeline call's step (`<call>`, not `<call>.inputs`).
bool isCall(const ir::Step &S) {
  return S.Action.Str == "pipeline" && !S.Id.Str.ends_with(".inputs");
}

/// The innermost call whose id is \p Id or a prefix of it (`g` for
/// `g.hello`, `g.inputs` and `g`), other than \p Except, or -1.
int32_t callOf(const ir::Pipeline &P, const std::vector<uint32_t> &Calls,
               llvm::StringRef Id, int32_t Except = -1) {
  int32_t Best = -1;
  for (uint32_t C : Calls) {
    llvm::StringRef Call = P.Steps[C].Id.Str;
    if (static_cast<int32_t>(C) == Except ||
        !(Id == Call ||
          (Id.starts_with(Call) && Id.substr(Call.size()).starts_with("."))))
      continue;
    if (Best < 0 || Call.size() > P.Steps[Best].Id.Str.size())
      Best = static_cast<int32_t>(C);
  }
  return Best;
}

/// The top-level boxes: every top-level loop's body, and every call's
/// callee (`<call>.inputs`, the callee's steps, the call step), nested
/// calls inside their caller's box.
std::vector<Cluster> clusters(const ir::Pipeline &P) {
  std::vector<Cluster> Out;
  std::vector<uint32_t> Calls;
  for (uint32_t I = 0; I < P.Steps.size(); ++I)
    if (isCall(P.Steps[I])) Calls.push_back(I);
  std::map<int32_t, Cluster> ByCall;
  for (uint32_t C : Calls) {
    Cluster &K = ByCall[static_cast<int32_t>(C)];
    K.Name = fmt::format("call{}", C);
    K.Label = fmt::format("pipeline {}", P.Steps[C].Id.Str.str());
  }
  for (uint32_t I = 0; I < P.Steps.size(); ++I) {
    if (P.Steps[I].Parent >= 0) continue;  // in its loop's box
    if (int32_t C = callOf(P, Calls, P.Steps[I].Id.Str); C >= 0) {
      ByCall[C].Steps.push_back(I);
      if (P.Steps[I].isLoop()) ByCall[C].Kids.push_back(loopCluster(P, I));
    } else if (P.Steps[I].isLoop()) {
      Out.push_back(loopCluster(P, I));
    }
  }
  // Nested calls go inside their caller's box, the deepest first (each
  // complete when it moves), in source order at each depth.
  std::vector<uint32_t> Deepest = Calls;
  auto Depth = [&](uint32_t C) { return P.Steps[C].Id.Str.count('.'); };
  std::stable_sort(Deepest.begin(), Deepest.end(),
                   [&](uint32_t A, uint32_t B) { return Depth(A) > Depth(B); });
  for (uint32_t C : Deepest) {
    int32_t Outer = callOf(P, Calls, P.Steps[C].Id.Str, static_cast<int32_t>(C));
    if (Outer >= 0) ByCall[Outer].Kids.push_back(ByCall[static_cast<int32_t>(C)]);
  }
  for (uint32_t C : Calls)
    if (callOf(P, Calls, P.Steps[C].Id.Str, static_cast<int32_t>(C)) < 0)
      Out.push_back(std::move(ByCall[static_cast<int32_t>(C)]));
  return Out;
}

/// \p C as a dot cluster (loops rounded, calls dashed).
void dotCluster(llvm::raw_ostream &OS, const ir::Pipeline &P, const Cluster &C,
                const std::string &Indent) {
  OS << Indent << "subgraph cluster_" << C.Name << " { label=\"" << escape(C.Label)
     << "\"; style=" << (C.Loop ? "rounded" : "dashed") << ";\n";
  for (uint32_t I : C.Steps)
    OS << Indent << "  \"" << escape(P.Steps[I].Id.Str) << "\";\n";
  for (const Cluster &K : C.Kids) dotCluster(OS, P, K, Indent + "  ");
  OS << Indent << "}\n";
}

/// \p C as a Mermaid subgraph: its steps leave their level's subgraph.
void mermaidCluster(llvm::raw_ostream &OS, const Cluster &C, const std::string &Indent) {
  OS << Indent << "subgraph " << C.Name << " [\"" << C.Label << "\"]\n";
  for (uint32_t I : C.Steps) OS << Indent << "  s" << I << '\n';
  for (const Cluster &K : C.Kids) mermaidCluster(OS, K, Indent + "  ");
  OS << Indent << "end\n";
}

}  // namespace

std::string routeLabel(const ir::Route &R) {
  if (R.Kind == ir::RouteKind::Default) return "next: default";
  if (R.Kind != ir::RouteKind::When) return ir::routeKindName(R.Kind).str();
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  OS << "next: when ";
  ir::printValue(OS, R.When);
  return Out;
}

std::vector<uint32_t> criticalPath(const ir::Pipeline &P) {
  std::vector<uint32_t> Path;
  if (!P.Scheduled || P.Steps.empty()) return Path;
  auto Out = dependents(P);
  uint32_t Best = 0;
  // Paths stay at the top level: a loop's cost holds its body's (schedule).
  for (uint32_t I = 0; I < P.Steps.size(); ++I)
    if (P.Steps[I].Parent < 0 &&
        (P.Steps[I].PathMs > P.Steps[Best].PathMs ||
         (P.Steps[I].PathMs == P.Steps[Best].PathMs && P.Steps[I].Deps.empty() &&
          !P.Steps[Best].Deps.empty())))
      Best = I;
  for (uint32_t I = Best;;) {
    Path.push_back(I);
    const ir::Step &S = P.Steps[I];
    int Next = -1;
    for (uint32_t J : Out[I])
      if (P.Steps[J].Parent == S.Parent && P.Steps[J].PathMs + S.EstMs == S.PathMs &&
          (Next < 0 || P.Steps[J].PathMs > P.Steps[Next].PathMs))
        Next = static_cast<int>(J);
    if (Next < 0) break;
    I = static_cast<uint32_t>(Next);
  }
  return Path;
}

void writeGraph(llvm::raw_ostream &OS, const ir::Pipeline &P, GraphFormat F) {
  std::vector<uint32_t> Crit = criticalPath(P);
  std::vector<char> OnPath(P.Steps.size(), 0);
  for (uint32_t I : Crit) OnPath[I] = 1;
  auto CritEdge = [&](uint32_t From, uint32_t To) {
    for (size_t K = 0; K + 1 < Crit.size(); ++K)
      if (Crit[K] == From && Crit[K + 1] == To) return true;
    return false;
  };
  std::map<uint32_t, std::vector<uint32_t>> Levels;
  for (uint32_t I = 0; I < P.Steps.size(); ++I) Levels[P.Steps[I].Level].push_back(I);
  if (F == GraphFormat::Dot) {
    OS << "digraph \"" << escape(P.Name.Str) << "\" {\n"
       << "  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fillcolor=white, "
          "fontname=\"Helvetica\"];\n";
    for (size_t G = 0; G < P.Groups.size(); ++G) {
      const ir::ResourceGroup &Gr = P.Groups[G];
      OS << "  // group " << G << ": " << Gr.Name;
      if (Gr.MaxConcurrent) OS << ", max_concurrent " << Gr.MaxConcurrent;
      if (Gr.RequestsPerMinute) OS << ", " << Gr.RequestsPerMinute << "/min";
      if (Gr.TokensPerMinute) OS << ", " << Gr.TokensPerMinute << " tokens/min";
      OS << " (" << Palette[G % 8] << ")\n";
    }
    for (auto &[Level, Steps] : Levels) {
      OS << "  { rank=same; // level " << Level << "\n";
      for (uint32_t I : Steps) {
        const ir::Step &S = P.Steps[I];
        OS << "    \"" << escape(S.Id.Str) << "\" [label=\"" << escape(label(P, S))
           << "\"";
        if (S.Group >= 0) OS << ", fillcolor=\"" << Palette[S.Group % 8] << "\"";
        if (OnPath[I]) OS << ", penwidth=2.5";
        OS << "];\n";
      }
      OS << "  }\n";
    }
    for (const Cluster &C : clusters(P)) dotCluster(OS, P, C, "  ");
    for (size_t G = 0; G < P.ModelFusions.size(); ++G) {
      OS << "  subgraph cluster_request" << G << " { label=\""
         << escape(fusionSummary(P, P.ModelFusions[G])) << "\"; style=dotted;";
      for (uint32_t I : P.ModelFusions[G].Steps)
        OS << " \"" << escape(P.Steps[I].Id.Str) << '"';
      OS << "; }\n";
    }
    for (uint32_t I = 0; I < P.Steps.size(); ++I)
      for (const ir::DepEdge &E : P.Steps[I].Deps) {
        if (E.Order && isRoute(P, E.Target, I)) continue;  // drawn as its route
        OS << "  \"" << escape(P.Steps[E.Target].Id.Str) << "\" -> \""
           << escape(P.Steps[I].Id.Str) << "\"";
        std::vector<std::string> Attrs;
        if (E.Inferred) Attrs.push_back("style=dashed");
        if (E.Order) Attrs.push_back("style=dotted, color=gray");
        if (CritEdge(E.Target, I)) Attrs.push_back("penwidth=2.5");
        if (!Attrs.empty()) {
          OS << " [";
          for (size_t K = 0; K < Attrs.size(); ++K) OS << (K ? ", " : "") << Attrs[K];
          OS << "]";
        }
        OS << ";\n";
      }
    for (uint32_t I = 0; I < P.Steps.size(); ++I)  // routes: labelled, bold
      for (const ir::Route &R : P.Steps[I].Routes)
        if (R.To >= 0)
          OS << "  \"" << escape(P.Steps[I].Id.Str) << "\" -> \""
             << escape(P.Steps[R.To].Id.Str) << "\" [label=\"" << escape(routeLabel(R))
             << "\", style=bold, color=blue];\n";
    OS << "}\n";
    return;
  }
  // Mermaid: a flowchart, a subgraph a level (loop bodies and callees: a
  // subgraph each), a class a group.
  OS << "flowchart LR\n";
  for (auto &[Level, Steps] : Levels) {
    OS << "  subgraph level" << Level << " [\"level " << Level << "\"]\n";
    for (uint32_t I : Steps) {
      std::string L = label(P, P.Steps[I]);
      std::string Text;
      for (size_t K = 0; K < L.size(); ++K) {
        if (L.compare(K, 2, "\\n") == 0) {
          Text += "<br/>";
          ++K;
        } else if (L[K] == '"') {
          Text += "#quot;";
        } else {
          Text += L[K];
        }
      }
      OS << "    s" << I << "[\"" << Text << "\"]\n";
    }
    for (size_t G = 0; G < P.ModelFusions.size(); ++G) {
      const ir::ModelFusionGroup &F = P.ModelFusions[G];
      if (F.Level != Level) continue;
      OS << "    subgraph request" << G << " [\"" << fusionSummary(P, F) << "\"]\n";
      for (uint32_t I : F.Steps) OS << "      s" << I << '\n';
      OS << "    end\n";
    }
    OS << "  end\n";
  }
  // Loop bodies and callees: a node listed again moves into this subgraph.
  for (const Cluster &C : clusters(P)) mermaidCluster(OS, C, "  ");
  for (uint32_t I = 0; I < P.Steps.size(); ++I)
    for (const ir::DepEdge &E : P.Steps[I].Deps) {
      if (E.Order && isRoute(P, E.Target, I)) continue;  // drawn as its route
      OS << "  s" << E.Target
         << (E.Order                 ? " -. \"route order\" .-> "
             : CritEdge(E.Target, I) ? " ==> "
             : E.Inferred            ? " -.-> "
                                     : " --> ")
         << "s" << I << '\n';
    }
  for (uint32_t I = 0; I < P.Steps.size(); ++I)
    for (const ir::Route &R : P.Steps[I].Routes)
      if (R.To >= 0) {
        std::string L = routeLabel(R);
        for (size_t K = 0; (K = L.find('"', K)) != std::string::npos; K += 6)
          L.replace(K, 1, "#quot;");
        OS << "  s" << I << " -- \"" << L << "\" --> s" << R.To << '\n';
      }
  for (size_t G = 0; G < P.Groups.size(); ++G) {
    OS << "  classDef g" << G << " fill:" << Palette[G % 8] << "\n";
    bool Any = false;
    for (uint32_t I = 0; I < P.Steps.size(); ++I)
      if (P.Steps[I].Group == static_cast<int32_t>(G)) {
        OS << (Any ? "," : "  class ") << "s" << I;
        Any = true;
      }
    if (Any) OS << " g" << G << "\n";
  }
}

}  // namespace orch::backends
