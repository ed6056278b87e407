//===- SelectModels.cpp - A model for every model step --------------------===//
//
// For each step that calls a model (`generate`, LLM tasks) and does not pin
// one with `model:`, choose from the registry:
//   1. the candidates: models that meet the step's `requires_model`
//      (tasks, context_window, structured_output, function_calling,
//      languages) and, when later steps read its fields, structured output;
//   2. a local model that needs more memory than the machine has gives way
//      to its quantized variant (`base_model`), if that fits;
//   3. the policy scores the rest: `weighted` policies normalise cost,
//      accuracy and latency over the candidates (the best is the step's
//      model, the next two its fallbacks); `ucb` leaves the choice to
//      orchrt, which ranks every candidate by upper confidence bound over
//      the outcomes it recorded (the most accurate leads before any). No
// candidate is an error that lists the closest models and why each fails.
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include <algorithm>

#include "ir/Actions.h"
#include "ir/StableSort.h"
#include "llvm/ADT/StringExtras.h"
#include "passes/ModelCatalog.h"
#include "passes/Pass.h"

namespace orch::passes {

namespace {

using namespace ir;

constexpr llvm::StringRef RequirementKeys[] = {
    "tasks",     "context_window", "structured_output", "function_calling",
    "languages", "policy"};

/// A step's requirements, read from `requires_model`.
struct Requirements {
  std::vector<std::string> Tasks, Languages;
  int64_t ContextWindow = 0;
  bool Structured = false, FunctionCalling = false;
  std::string Policy;
};

std::vector<std::string> missing(const std::vector<std::string> &Want,
                                 const std::vector<std::string> &Have) {
  std::vector<std::string> Out;
  for (const std::string &W : Want)
    if (!llvm::is_contained(Have, W)) Out.push_back(W);
  return Out;
}

/// Why \p M does not meet \p R (empty: it does).
std::vector<std::string> failures(const ModelInfo &M, const Requirements &R) {
  std::vector<std::string> F;
  if (auto T = missing(R.Tasks, M.Tasks); !T.empty())
    F.push_back("no task " + llvm::join(T, ", "));
  if (M.ContextWindow < R.ContextWindow)
    F.push_back(fmt::format("context window {} < {}", M.ContextWindow, R.ContextWindow));
  if (R.Structured && !M.StructuredOutput) F.push_back("no structured output");
  if (R.FunctionCalling && !M.FunctionCalling) F.push_back("no function calling");
  if (auto L = missing(R.Languages, M.Languages); !L.empty())
    F.push_back("no language " + llvm::join(L, ", "));
  return F;
}

class SelectModelsPass : public Pass {
 public:
  llvm::StringRef name() const override { return "select-models"; }

  bool run(Pipeline &P, PassContext &Ctx) override {
    D = &Ctx.Diags;
    Cat = Ctx.Models;
    unsigned Before = D->errorCount();
    std::string PolicyName = Ctx.Policy;
    if (PolicyName.empty() && Ctx.Config) PolicyName = Ctx.Config->SelectionPolicy;
    if (PolicyName.empty()) PolicyName = "default";
    for (Step &S : P.Steps) {
      S.ModelWhy = {};
      S.FallbackModels.clear();
      if (S.ModelSelected) {  // running again: choose afresh
        S.Model = {};
        S.ModelSelected = false;
        S.UcbExploration = 0;
      }
      if (S.ActionAuto && !S.ActionAuto->Resolved) continue;
      if (!isModelAction(S.Action.Str)) continue;
      if (S.ModelValue) {
        S.ModelWhy = P.arena().save("named by `model:` when the step starts");
        continue;
      }
      if (!S.Model.Str.empty()) {
        S.ModelWhy = P.arena().save("pinned by `model:`");
        if (Cat && !Cat->find(S.Model.Str)) {
          std::vector<llvm::StringRef> Names;
          for (const ModelInfo &M : Cat->Models) Names.push_back(M.Name);
          D->report(DiagKind::UnknownModel, S.Model.Loc, S.Model.Length,
                    S.Model.Str.str(), Cat->Path, didYouMean(S.Model.Str, Names));
        }
        continue;
      }
      Requirements R;
      if (!readRequirements(S, R)) continue;
      if (!Cat) {
        if (S.RequiresModel)
          D->report(DiagKind::NoModelRegistry, S.RequiresModel->loc(),
                    S.RequiresModel->length(), S.Id.Str.str());
        continue;  // no registry: the run's model (--model, ORCH_MODEL) answers
      }
      R.Structured |= !S.OutputSchema.empty() || S.Action.Str == "extract";
      choose(P, S, R, R.Policy.empty() ? PolicyName : R.Policy, Ctx.MachineMemoryGb);
    }
    return D->errorCount() == Before;
  }

 private:
  bool readRequirements(const Step &S, Requirements &R) {
    auto *M = llvm::dyn_cast_or_null<MapValue>(S.RequiresModel);
    if (!S.RequiresModel) return true;
    if (!M) {
      D->report(DiagKind::ModelRequirementType, S.RequiresModel->loc(),
                S.RequiresModel->length(), "", "a mapping");
      return false;
    }
    bool Ok = true;
    auto Strings = [&](const MapEntry &E, std::vector<std::string> &Out) {
      auto *L = llvm::dyn_cast<ListValue>(E.V);
      bool Good = L != nullptr;
      if (L)
        for (const Value *I : L->items()) {
          auto *Sc = llvm::dyn_cast<ScalarValue>(I);
          if (Sc && Sc->scalar().Ty == Type::String)
            Out.push_back(Sc->scalar().S.str());
          else
            Good = false;
        }
      if (!Good) {
        D->report(DiagKind::ModelRequirementType, E.V->loc(), E.V->length(),
                  "." + E.Key.str(), "a list of strings");
        Ok = false;
      }
    };
    for (const MapEntry &E : M->entries()) {
      auto *Sc = llvm::dyn_cast<ScalarValue>(E.V);
      if (E.Key == "tasks") {
        Strings(E, R.Tasks);
      } else if (E.Key == "languages") {
        Strings(E, R.Languages);
      } else if (E.Key == "context_window") {
        if (Sc && Sc->scalar().Ty == Type::Int && Sc->scalar().I > 0) {
          R.ContextWindow = Sc->scalar().I;
        } else {
          D->report(DiagKind::ModelRequirementType, E.V->loc(), E.V->length(),
                    "." + E.Key.str(), "a positive integer");
          Ok = false;
        }
      } else if (E.Key == "structured_output" || E.Key == "function_calling") {
        if (Sc && Sc->scalar().Ty == Type::Bool) {
          (E.Key == "structured_output" ? R.Structured : R.FunctionCalling) =
              Sc->scalar().B;
        } else {
          D->report(DiagKind::ModelRequirementType, E.V->loc(), E.V->length(),
                    "." + E.Key.str(), "true or false");
          Ok = false;
        }
      } else if (E.Key == "policy") {
        if (Sc && Sc->scalar().Ty == Type::String) {
          R.Policy = Sc->scalar().S.str();
        } else {
          D->report(DiagKind::ModelRequirementType, E.V->loc(), E.V->length(),
                    "." + E.Key.str(), "a policy name");
          Ok = false;
        }
      } else {
        D->report(DiagKind::UnknownKey, E.KeyLoc, E.Key.size(), E.Key.str(),
                  "`requires_model`", didYouMean(E.Key, RequirementKeys));
        Ok = false;
      }
    }
    return Ok;
  }

  void choose(Pipeline &P, Step &S, const Requirements &R, const std::string &PolicyName,
              double MemoryGb) {
    const SelectionPolicy *Pol = Cat->policy(PolicyName);
    if (!Pol && PolicyName != "default") {
      std::vector<llvm::StringRef> Names;
      for (const SelectionPolicy &X : Cat->Policies) Names.push_back(X.Name);
      SourceLoc L = S.RequiresModel ? S.RequiresModel->loc() : S.Id.Loc;
      D->report(DiagKind::UnknownPolicy, L, 1, PolicyName, didYouMean(PolicyName, Names));
      return;
    }
    std::vector<const ModelInfo *> Eligible;
    std::vector<std::pair<const ModelInfo *, std::vector<std::string>>> Rejected;
    for (const ModelInfo &M : Cat->Models) {
      if (!M.BaseModel.empty()) continue;  // variants stand in for their base below
      std::vector<std::string> F = failures(M, R);
      if (F.empty())
        Eligible.push_back(&M);
      else
        Rejected.push_back({&M, std::move(F)});
    }
    if (Eligible.empty()) {
      SourceLoc L = S.RequiresModel ? S.RequiresModel->loc() : S.Id.Loc;
      uint32_t Len = S.RequiresModel ? S.RequiresModel->length() : S.Id.Length;
      Diagnostic &E =
          D->report(DiagKind::ImpossibleModel, L, Len, Cat->Path, S.Id.Str.str());
      orch::stableSort(
          Rejected.begin(), Rejected.end(),
          [](const auto &A, const auto &B) { return A.second.size() < B.second.size(); });
      for (size_t I = 0; I < Rejected.size() && I < 3; ++I)
        DiagnosticEngine::note(E, DiagKind::NoteModelFails, L, Len,
                               Rejected[I].first->Name,
                               llvm::join(Rejected[I].second, "; "));
      return;
    }
    // Score: each metric normalised over the candidates, 1 the best.
    auto Norm = [&](auto Get, bool Lower) {
      double Lo = 1e300, Hi = -1e300;
      for (const ModelInfo *M : Eligible) {
        Lo = std::min(Lo, Get(*M));
        Hi = std::max(Hi, Get(*M));
      }
      return [=](const ModelInfo &M) {
        if (Hi <= Lo) return 1.0;
        double X = (Get(M) - Lo) / (Hi - Lo);
        return Lower ? 1 - X : X;
      };
    };
    auto CostN = Norm([](const ModelInfo &M) { return M.CostPerToken; }, true);
    auto AccN = Norm([](const ModelInfo &M) { return M.Accuracy; }, false);
    auto LatN = Norm([](const ModelInfo &M) { return M.LatencyP50; }, true);
    bool Weighted = Pol && Pol->Strategy == "weighted";
    auto Score = [&](const ModelInfo &M) {
      if (!Weighted) return M.Accuracy;  // ucb before any run: the most accurate
      return Pol->Cost * CostN(M) + Pol->Accuracy * AccN(M) + Pol->Latency * LatN(M);
    };
    orch::stableSort(
        Eligible.begin(), Eligible.end(),
        [&](const ModelInfo *A, const ModelInfo *B) { return Score(*A) > Score(*B); });
    std::vector<std::string> Picks;
    std::string Why;
    for (const ModelInfo *M : Eligible) {
      std::string Name = M->Name, Note;
      if (M->Provider == "local" && MemoryGb > 0 && M->MemoryGb > MemoryGb) {
        const ModelInfo *Variant = nullptr;
        for (const ModelInfo &V : Cat->Models)
          if (V.BaseModel == M->Name && V.MemoryGb <= MemoryGb) {
            Variant = &V;
            break;
          }
        if (!Variant) continue;  // cannot run here at all
        Note = fmt::format(
            "; `{}` needs {} GB and this machine has {:.0f} GB: its {} "
            "variant `{}` needs {} GB",
            M->Name, M->MemoryGb, MemoryGb, Variant->Quantization, Variant->Name,
            Variant->MemoryGb);
        Name = Variant->Name;
      }
      if (Picks.empty()) {
        Why = Weighted ? fmt::format(
                             "policy `{}`: score {:.2f} of {} candidate{} (accuracy "
                             "{}, latency {} s, cost {}/token)",
                             Pol->Name, Score(*M), Eligible.size(),
                             Eligible.size() == 1 ? "" : "s", M->Accuracy, M->LatencyP50,
                             M->CostPerToken)
                       : fmt::format(
                             "policy `{}` (ucb, exploration {}): orchrt ranks the {} "
                             "candidate{} by upper confidence bound over the outcomes "
                             "it recorded; untried ones first, the most accurate ({}) "
                             "leading",
                             PolicyName, Pol ? Pol->Exploration : 2.0, Eligible.size(),
                             Eligible.size() == 1 ? "" : "s", M->Accuracy);
        if (S.RequiresModel || !S.OutputSchema.empty()) Why += "; meets the requirements";
        Why += Note;
      }
      Picks.push_back(Name);
      if (Picks.size() == (Weighted ? 3u : 8u)) break;
    }
    if (Picks.empty()) {
      SourceLoc L = S.RequiresModel ? S.RequiresModel->loc() : S.Id.Loc;
      Diagnostic &E =
          D->report(DiagKind::ImpossibleModel, L, 1, Cat->Path, S.Id.Str.str());
      for (size_t I = 0; I < Eligible.size() && I < 3; ++I)
        DiagnosticEngine::note(E, DiagKind::NoteModelFails, L, 1, Eligible[I]->Name,
                               fmt::format("needs {} GB; this machine has {:.0f} GB",
                                           Eligible[I]->MemoryGb, MemoryGb));
      return;
    }
    S.Model = {P.arena().save(Picks[0]), SourceLoc(), 0};
    S.ModelSelected = true;
    S.UcbExploration = Weighted ? 0 : (Pol ? Pol->Exploration : 2.0);
    S.ModelWhy = P.arena().save(Why);
    for (size_t I = 1; I < Picks.size(); ++I)
      S.FallbackModels.push_back(P.arena().save(Picks[I]));
  }

  DiagnosticEngine *D = nullptr;
  const ModelCatalog *Cat = nullptr;
};

}  // namespace

std::unique_ptr<Pass> createSelectModelsPass() {
  return std::make_unique<SelectModelsPass>();
}

}  // namespace orch::passes
