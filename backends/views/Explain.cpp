//===- Explain.cpp - What the passes decided, in words --------------------===//
#include <fmt/format.h>

#include <map>

#include "backends/views/Views.h"
#include "ir/Actions.h"
#include "ir/LoopCost.h"
#include "ir/Printer.h"

namespace orch::backends {

std::string fusionSummary(const ir::Pipeline &P, const ir::ModelFusionGroup &G) {
  std::string Ids;
  for (uint32_t I : G.Steps) Ids += (Ids.empty() ? "" : " ") + P.Steps[I].Id.Str.str();
  // The note that frames the parts can cost more than the shared
  // instructions save: then no tokens are saved, only requests.
  std::string Tokens =
      G.EstPromptTokensSaved > 0
          ? fmt::format("~{} prompt tokens saved", G.EstPromptTokensSaved)
          : fmt::format(
                "no prompt tokens saved (the fused request's note costs ~{} "
                "more than the instructions it sends once)",
                -G.EstPromptTokensSaved);
  return fmt::format("{} (level {}, {}): 1 request instead of {}, {}", Ids, G.Level,
                     G.Model.str(), G.Steps.size(), Tokens);
}

/// Each loop's estimate: expected items (or iterations), width, waves and
/// its body's longest path (docs/control-flow.md §3).
void writeLoopCosts(llvm::raw_ostream &OS, const ir::Pipeline &P) {
  bool First = true;
  for (const ir::Step &S : P.Steps) {
    if (!S.isLoop()) continue;
    if (First) OS << "\nloops (estimated cost):\n";
    First = false;
    ir::LoopCost C = ir::loopCost(S);
    uint64_t Body = C.Waves ? S.EstMs / C.Waves : 0;
    OS << fmt::format("  {}: {} {} expected{}, {} at once: {} wave{} of {} ms = {} ms\n",
                      S.Id.Str.str(), C.Expected, S.ForEach ? "items" : "iterations",
                      C.Defaulted ? " (default; set `expected_items`)" : "", C.Width,
                      C.Waves, C.Waves == 1 ? "" : "s", Body, S.EstMs);
  }
}

/// Each route (docs/language.md §6.4) and the steps it jumps over.
void writeRoutes(llvm::raw_ostream &OS, const ir::Pipeline &P) {
  bool First = true;
  for (uint32_t I = 0; I < P.Steps.size(); ++I)
    for (const ir::Route &R : P.Steps[I].Routes) {
      if (R.To < 0) continue;
      if (First)
        OS << "\nroutes (taken at a step's end; levels and the critical path count "
              "every branch):\n";
      First = false;
      OS << "  " << P.Steps[I].Id.Str << " -> " << P.Steps[R.To].Id.Str << " ("
         << routeLabel(R) << ")";
      const char *Sep = ", skips ";
      // The steps of its list (a routing cycle's last step leaves its loop).
      const int32_t Home = P.Steps[ir::routeSource(P.Steps, I)].Parent;
      for (int32_t X = I + 1; X < R.To; ++X) {
        if (P.Steps[X].Parent != Home) continue;
        OS << Sep << P.Steps[X].Id.Str;
        Sep = " ";
      }
      OS << '\n';
    }
}

void writeExplanation(llvm::raw_ostream &OS, const ir::Pipeline &P,
                      const ModelPrices *Prices) {
  OS << "pipeline " << P.Name.Str << ": " << P.Steps.size() << " step"
     << (P.Steps.size() == 1 ? "" : "s") << "\n\n";
  if (P.Scheduled) {
    std::map<uint32_t, std::vector<uint32_t>> Levels;
    for (uint32_t I = 0; I < P.Steps.size(); ++I) Levels[P.Steps[I].Level].push_back(I);
    OS << "levels (steps that may run at once):\n";
    for (auto &[L, Steps] : Levels) {
      OS << "  " << L << ":";
      for (uint32_t I : Steps) OS << ' ' << P.Steps[I].Id.Str;
      OS << '\n';
    }
    std::vector<uint32_t> Crit = criticalPath(P);
    if (!Crit.empty()) {
      OS << "\ncritical path (" << P.Steps[Crit.front()].PathMs << " ms estimated):";
      for (size_t K = 0; K < Crit.size(); ++K)
        OS << (K ? " -> " : " ") << P.Steps[Crit[K]].Id.Str << " ("
           << P.Steps[Crit[K]].EstMs << " ms)";
      OS << "\n  orchrt starts the ready step with the longest remaining path first.\n";
    }
    writeLoopCosts(OS, P);
  }
  writeRoutes(OS, P);
  if (!P.Groups.empty() || P.MaxConcurrentTasks) {
    OS << "\nresource groups:\n";
    if (P.MaxConcurrentTasks)
      OS << "  all steps: at most " << P.MaxConcurrentTasks
         << " at once (execution.max_concurrent_tasks; -j overrides)\n";
    for (size_t G = 0; G < P.Groups.size(); ++G) {
      const ir::ResourceGroup &Gr = P.Groups[G];
      OS << "  " << Gr.Name << ":";
      for (const ir::Step &S : P.Steps)
        if (S.Group == static_cast<int32_t>(G)) OS << ' ' << S.Id.Str;
      if (!Gr.MaxConcurrent && !Gr.RequestsPerMinute && !Gr.TokensPerMinute) {
        OS << "\n    no limit beyond -j\n";
        continue;
      }
      OS << "\n    ";
      if (Gr.MaxConcurrent) OS << "at most " << Gr.MaxConcurrent << " at once";
      if (Gr.MaxConcurrent && Gr.RequestsPerMinute) OS << ", ";
      if (Gr.RequestsPerMinute)
        OS << Gr.RequestsPerMinute << " requests a minute (burst "
           << std::max(1u, Gr.Burst) << ")";
      if ((Gr.MaxConcurrent || Gr.RequestsPerMinute) && Gr.TokensPerMinute) OS << ", ";
      if (Gr.TokensPerMinute) OS << Gr.TokensPerMinute << " model tokens a minute";
      OS << " (" << Gr.LimitsFrom << ")\n";
    }
  }
  if (!P.ModelFusions.empty()) {
    size_t Steps = 0;
    int64_t Saved = 0;
    OS << "\nfused model requests (one structured answer, a property a step):\n";
    for (const ir::ModelFusionGroup &G : P.ModelFusions) {
      OS << "  " << fusionSummary(P, G) << '\n';
      Steps += G.Steps.size();
      Saved += G.EstPromptTokensSaved;
    }
    OS << "  in all: " << P.ModelFusions.size() << " requests instead of " << Steps
       << " (" << Steps - P.ModelFusions.size() << " saved), "
       << (Saved > 0 ? fmt::format("~{} prompt tokens saved", Saved)
                     : std::string("no prompt tokens saved"))
       << " (estimates: characters / 4)\n";
  }
  if (P.Context.BatchExecution)
    OS << "\nexecution: batch (context.execution): the ready model steps of each level "
          "go through their provider's batch API (OpenAI Batch API, Anthropic Message "
          "Batches) at half price; results can take up to 24 hours; a batch holds at "
          "most -j steps, so give a wide level a -j as wide\n";
  bool AnyModel = false;
  for (const ir::Step &S : P.Steps) {
    if (S.ActionAuto && !S.ActionAuto->Resolved) continue;
    if (!ir::isModelAction(S.Action.Str)) continue;
    if (!AnyModel) OS << "\nmodels:\n";
    AnyModel = true;
    OS << "  " << S.Id.Str << " (" << S.Action.Str << "): ";
    if (S.ModelValue) {
      OS << "named by `model:` when the step starts\n";
      continue;
    }
    if (S.Model.Str.empty()) {
      OS << "the run's model (--model or ORCH_MODEL); no registry was found\n";
      continue;
    }
    OS << S.Model.Str;
    if (!S.FallbackModels.empty()) {
      OS << ", falling back to";
      for (size_t K = 0; K < S.FallbackModels.size(); ++K)
        OS << (K ? ", " : " ") << S.FallbackModels[K];
    }
    OS << "\n    why: " << (S.ModelWhy.empty() ? "written in the step" : S.ModelWhy)
       << '\n';
    if (!S.OutputSchema.empty())
      OS << "    answers with structured output: " << S.OutputSchema << '\n';
    if (P.Context.BatchExecution)
      OS << (S.UcbExploration > 0
                 ? "    goes by: its own requests (`ucb` picks a model a call, so "
                   "it is never batched)\n"
                 : "    goes by: its provider's batch API with the level's other "
                   "model steps, at the batch price (half, or the registry's "
                   "`batch_price_share`); a retry is a normal request\n");
  }
  writeCostEstimate(OS, P, Prices);
  if (!P.AutoTags.empty()) {
    OS << "\nAUTO values:\n";
    for (const ir::AutoTag *T : P.AutoTags) {
      OS << "  " << T->Path << " = ";
      if (T->Resolved) {
        ir::printValue(OS, T->Resolved);
        const char *From = T->Origin == ir::AutoOrigin::Lock    ? "the lock file"
                           : T->Origin == ir::AutoOrigin::Cache ? "the cache"
                                                                : "a model";
        OS << "\n    from " << From;
        if (!T->Model.empty()) OS << ", decided by " << T->Model;
        OS << '\n';
      } else {
        OS << "unresolved (`orchc build` asks a model)\n";
      }
    }
  }
}

}  // namespace orch::backends
