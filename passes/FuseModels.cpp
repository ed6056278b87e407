//===- FuseModels.cpp - Same-level model steps share one request ----------===//
//
// Model steps of one level are independent of each other (a dependency
// puts its dependent a level later). When they opt in (`context.fusion:
// models`, or `fuse: true` on the step), ask the same model with the same
// system instructions, and want a small answer (a structured one, or a
// declared `max_tokens` up to LargeOutputTokens), orchrt can send them as
// one request whose structured answer has one property per step: the
// instructions are paid once and the provider's rate limit counts one
// request. The groups respect the model's registry limits (output tokens,
// context window) and `context.fusion_max_steps`. docs/fusion.md.
//
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <map>
#include <tuple>

#include "ir/Actions.h"
#include "ir/FusedNote.h"
#include "passes/ModelCatalog.h"
#include "passes/Pass.h"

namespace orch::passes {

namespace {

using namespace ir;

/// A declared answer above this many tokens is not small: it keeps its
/// own request.
constexpr int64_t LargeOutputTokens = 1024;
/// The answer a structured part is assumed to need without `max_tokens`.
constexpr int64_t SchemaOutputTokens = 256;
/// Limits when the registry says nothing about the model.
constexpr int64_t DefaultOutputLimit = 4096;
constexpr int64_t DefaultContextWindow = 128000;
constexpr int64_t DefaultMaxSteps = 20;
/// Tokens of a request's framing (roles, format), and of a part's label
/// and property wrapper in a fused request.
constexpr int64_t RequestOverhead = 8;
constexpr int64_t PartOverhead = 12;

int64_t tokensOf(size_t Chars) { return static_cast<int64_t>((Chars + 3) / 4); }

const Value *param(const Step &S, llvm::StringRef Key) {
  if (!S.Params) return nullptr;
  for (const MapEntry &E : S.Params->entries())
    if (E.Key == Key) return E.V;
  return nullptr;
}

/// A parameter's text as written, placeholders included: equal texts
/// render equally for every run.
std::string textOf(const Value *V) {
  if (!V) return "";
  if (auto *S = llvm::dyn_cast<ScalarValue>(V)) return scalarText(S);
  std::string Out;
  if (auto *T = llvm::dyn_cast<TemplateValue>(V))
    for (const Segment &Seg : T->segments())
      Out += Seg.K == Segment::Kind::Text ? Seg.Text.str() : "{{" + Seg.Text.str() + "}}";
  return Out;
}

/// The answer step \p S asks for, in tokens, or 0 if it is not small.
int64_t smallOutput(const Step &S) {
  int64_t Declared = S.MaxTokens ? S.MaxTokens->Val : 0;
  if (auto *M = llvm::dyn_cast_or_null<ScalarValue>(param(S, "max_tokens"));
      M && M->scalar().Ty == Type::Int)
    Declared = M->scalar().I;
  if (Declared > 0) return Declared <= LargeOutputTokens ? Declared : 0;
  return S.OutputSchema.empty() ? 0 : SchemaOutputTokens;
}

bool optedIn(const Pipeline &P, const Step &S) {
  return S.Fuse ? *S.Fuse : P.Context.FuseModels;
}

/// May step \p S share a request at all?
bool fusible(const Pipeline &P, const Step &S) {
  if (!optedIn(P, S) || (S.ActionAuto && !S.ActionAuto->Resolved)) return false;
  if (!batchable(S.Action.Str) || S.Model.Str.empty() || S.UcbExploration != 0)
    return false;  // (`extract` asks alone)
  // A condition, a loop body or a loop decides per run whether and how
  // often the step asks: it keeps its own request.
  if (S.Condition || S.isLoop() || S.Parent >= 0) return false;
  // Fallback models: a fused request asks one model; a step that would try
  // others when its model fails keeps its own request (docs/fusion.md).
  if (!S.FallbackModels.empty()) return false;
  // JSON mode asks the service for one JSON object as the whole answer: a
  // fused answer is one object of parts, so such a step asks alone.
  if (const Value *F = param(S, "response_format"); F && S.Action.Str == "generate") {
    auto *C = llvm::dyn_cast<ScalarValue>(F);
    if (!C || C->scalar().Ty != Type::String || C->scalar().S != "text") return false;
  }
  return param(S, "prompt") && smallOutput(S) > 0;
}

/// The system text step \p S is sent with: a `generate` step's `system`,
/// every other model action orchrt's task instructions (one key for all).
std::string effectiveSystem(const Step &S) {
  return S.Action.Str == "generate" ? textOf(param(S, "system"))
                                    : std::string("\x01task");
}

class FuseModelsPass : public Pass {
 public:
  llvm::StringRef name() const override { return "fuse-models"; }

  bool run(Pipeline &P, PassContext &Ctx) override {
    P.ModelFusions.clear();
    for (Step &S : P.Steps) S.ModelFusion = -1;
    // Candidates by level, model, resource group, effective system text
    // and sampling temperature, in source order; std::map keeps the
    // groups' order deterministic. Steps whose settings differ never share
    // a request: fusing must not change what a step asks.
    using Key = std::tuple<uint32_t, std::string, int32_t, std::string, std::string>;
    std::map<Key, std::vector<uint32_t>> Buckets;
    std::vector<Key> Order;
    for (uint32_t I = 0; I < P.Steps.size(); ++I) {
      const Step &S = P.Steps[I];
      if (!fusible(P, S)) continue;
      Key K{S.Level, S.Model.Str.str(), S.Group, effectiveSystem(S),
            textOf(param(S, "temperature"))};
      auto [It, New] = Buckets.try_emplace(K);
      if (New) Order.push_back(K);
      It->second.push_back(I);
    }
    int64_t MaxSteps =
        P.Context.FusionMaxSteps ? P.Context.FusionMaxSteps->Val : DefaultMaxSteps;
    for (const Key &K : Order) {
      const ModelInfo *M = Ctx.Models ? Ctx.Models->find(std::get<1>(K)) : nullptr;
      Limits L{MaxSteps, M && M->MaxTokens ? M->MaxTokens : DefaultOutputLimit,
               M && M->ContextWindow ? M->ContextWindow : DefaultContextWindow};
      split(P, Buckets[K], tokensOf(std::get<3>(K).size()), L);
    }
    // A step is in one group at most: first steps are unique keys.
    std::sort(P.ModelFusions.begin(), P.ModelFusions.end(),
              [](const ModelFusionGroup &A, const ModelFusionGroup &B) {
                return A.Steps.front() < B.Steps.front();
              });
    for (size_t G = 0; G < P.ModelFusions.size(); ++G)
      for (uint32_t I : P.ModelFusions[G].Steps)
        P.Steps[I].ModelFusion = static_cast<int32_t>(G);
    return true;
  }

 private:
  struct Limits {
    int64_t MaxSteps, Output, Window;
  };

  /// A step's own part of a prompt: its prompt text and answer schema.
  static int64_t partTokens(const Step &S) {
    return tokensOf(textOf(param(S, "prompt")).size() + S.OutputSchema.size());
  }

  /// Cuts one bucket into requests within \p L, greedily in source order;
  /// a request of one step stays unfused.
  static void split(Pipeline &P, const std::vector<uint32_t> &Steps, int64_t System,
                    const Limits &L) {
    ModelFusionGroup G;
    int64_t Alone = 0;  // the group's steps' prompts, one request each
    auto Flush = [&] {
      G.EstPromptTokensSaved = Alone - G.EstPromptTokens;
      if (G.Steps.size() >= 2) P.ModelFusions.push_back(G);
      G = ModelFusionGroup();
      Alone = 0;
    };
    for (uint32_t I : Steps) {
      const Step &S = P.Steps[I];
      int64_t Part = partTokens(S) + PartOverhead, Out = smallOutput(S);
      bool Fits = static_cast<int64_t>(G.Steps.size()) < L.MaxSteps &&
                  G.EstOutputTokens + Out <= L.Output &&
                  G.EstPromptTokens + Part + G.EstOutputTokens + Out <= L.Window;
      if (!G.Steps.empty() && !Fits) Flush();
      if (G.Steps.empty()) {
        G.Model = S.Model.Str;
        G.Level = S.Level;
        // The shared instructions once, and the note that frames the parts.
        G.EstPromptTokens = RequestOverhead + System + tokensOf(ir::FusedNote.size());
      }
      G.Steps.push_back(I);
      G.EstPromptTokens += Part;
      G.EstOutputTokens += Out;
      // Alone, the step pays the framing and the instructions itself.
      Alone += RequestOverhead + System + partTokens(S);
    }
    Flush();
  }
};

}  // namespace

std::unique_ptr<Pass> createFuseModelsPass() {
  return std::make_unique<FuseModelsPass>();
}

}  // namespace orch::passes
