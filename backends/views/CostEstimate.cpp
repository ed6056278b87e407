//===- CostEstimate.cpp - What a pipeline's model calls may cost ----------===//
//
// `orchc explain`'s estimate before a run: for each model step, its calls
// (one, times the expected count of every loop around it) times its
// estimated tokens times the registry's prices. Prompt tokens are the
// step's constant text / 4 plus RuntimeValueTokens for each value known only
// at run time; answer tokens are the step's `max_tokens` (a `generate`
// step's constant parameter, the step's key, the registry's entry), else
// DefaultAnswerTokens. docs/observability.md §1.1.
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include <limits>
#include <string>

#include "backends/views/Views.h"
#include "ir/Actions.h"
#include "ir/LoopCost.h"
#include "ir/Printer.h"
#include "llvm/Support/MathExtras.h"

namespace orch::backends {

namespace {

/// Tokens of the instructions every model step is sent besides its
/// parameters (runtime/actions/LlmSteps.cpp's system message and framing).
constexpr uint64_t FramingTokens = 60;

/// The constant bytes of \p V and its placeholders known only at run time.
void measure(const ir::Value *V, uint64_t &Bytes, uint64_t &Runtime) {
  if (!V) return;
  switch (V->kind()) {
    case ir::Value::Kind::Scalar: {
      std::string S;
      llvm::raw_string_ostream OS(S);
      ir::printValue(OS, V);
      Bytes += OS.str().size();
      return;
    }
    case ir::Value::Kind::Template:
      for (const ir::Segment &S : llvm::cast<ir::TemplateValue>(V)->segments()) {
        if (S.K == ir::Segment::Kind::Text)
          Bytes += S.Text.size();
        else if (S.K == ir::Segment::Kind::Auto && S.Tag && S.Tag->Resolved)
          measure(S.Tag->Resolved, Bytes, Runtime);
        else
          ++Runtime;
      }
      return;
    case ir::Value::Kind::Auto: {
      const ir::AutoTag *T = llvm::cast<ir::AutoValue>(V)->tag();
      if (T->Resolved)
        measure(T->Resolved, Bytes, Runtime);
      else
        ++Runtime;
      return;
    }
    case ir::Value::Kind::List:
      for (const ir::Value *I : llvm::cast<ir::ListValue>(V)->items()) {
        Bytes += 2;
        measure(I, Bytes, Runtime);
      }
      return;
    case ir::Value::Kind::Map:
      for (const ir::MapEntry &E : llvm::cast<ir::MapValue>(V)->entries()) {
        Bytes += E.Key.size() + 4;
        measure(E.V, Bytes, Runtime);
      }
      return;
  }
}

/// A `generate` step's constant `max_tokens` parameter, else 0.
uint64_t generateMaxTokens(const ir::Step &S) {
  if (S.Action.Str != "generate" || !S.Params) return 0;
  for (const ir::MapEntry &E : S.Params->entries())
    if (E.Key == "max_tokens")
      if (const auto *SV = llvm::dyn_cast<ir::ScalarValue>(E.V))
        if (SV->scalar().Ty == ir::Type::Int && SV->scalar().I > 0)
          return uint64_t(SV->scalar().I);
  return 0;
}

/// \p V, or for a saturated count `18446744073709551615 or more`.
std::string count(uint64_t V) {
  return V == std::numeric_limits<uint64_t>::max() ? fmt::format("{} or more", V)
                                                   : std::to_string(V);
}

}  // namespace

void writeCostEstimate(llvm::raw_ostream &OS, const ir::Pipeline &P,
                       const ModelPrices *Prices) {
  uint64_t Calls = 0, Tokens = 0;
  double Cost = 0;
  unsigned Unpriced = 0;
  bool First = true;
  for (const ir::Step &S : P.Steps) {
    if (S.ActionAuto && !S.ActionAuto->Resolved) continue;
    if (!ir::isModelAction(S.Action.Str)) continue;
    if (First)
      OS << fmt::format(
          "\ncost estimate (before the run; prompt: its text / 4 + {} tokens a run-time "
          "value, answer: max_tokens, else {}):\n",
          RuntimeValueTokens, DefaultAnswerTokens);
    First = false;
    // Calls: one, times the expected count of each loop around the step.
    // Saturating (`expected_items` has no upper bound): a count that
    // reaches 2^64 - 1 is printed as "or more".
    uint64_t N = 1;
    double ND = 1;  // the same, unsaturated, for the cost
    std::string Loops;
    for (int32_t L = S.Parent; L >= 0; L = P.Steps[L].Parent) {
      ir::LoopCost C = ir::loopCost(P.Steps[L]);
      N = llvm::SaturatingMultiply(N, C.Expected);
      ND *= double(C.Expected);
      Loops += fmt::format("{}loop `{}`: {} expected", Loops.empty() ? "" : ", ",
                           P.Steps[L].Id.Str.str(), C.Expected);
    }
    uint64_t Bytes = 0, Runtime = 0;
    if (S.Params) measure(S.Params, Bytes, Runtime);
    uint64_t In = FramingTokens + (Bytes + 3) / 4 + Runtime * RuntimeValueTokens;
    const ModelPrice *MP = nullptr;
    if (Prices && !S.Model.Str.empty())
      if (auto It = Prices->find(S.Model.Str); It != Prices->end()) MP = &It->second;
    uint64_t Out = generateMaxTokens(S);
    if (!Out && S.MaxTokens) Out = uint64_t(S.MaxTokens->Val);
    if (!Out && MP && MP->MaxTokens > 0) Out = uint64_t(MP->MaxTokens);
    if (!Out) Out = DefaultAnswerTokens;
    Calls = llvm::SaturatingAdd(Calls, N);
    Tokens = llvm::SaturatingAdd(Tokens, llvm::SaturatingMultiply(N, In + Out));
    OS << fmt::format("  {}: {} call{}{} x (~{} in + {} out tokens)", S.Id.Str.str(),
                      count(N), N == 1 ? "" : "s",
                      Loops.empty() ? "" : " (" + Loops + ")", In, Out);
    if (S.ModelValue) {
      OS << " on a model named when the step starts: unpriced\n";
      ++Unpriced;
      continue;
    }
    if (S.Model.Str.empty()) {
      OS << " on the run's model: unpriced\n";
      ++Unpriced;
      continue;
    }
    OS << " on " << S.Model.Str;
    if (!MP || (MP->InputUsdPerToken == 0 && MP->OutputUsdPerToken == 0)) {
      OS << ": unpriced (no price in the model registry)\n";
      ++Unpriced;
      continue;
    }
    bool Batched =
        P.Context.BatchExecution && S.UcbExploration == 0 && ir::batchable(S.Action.Str);
    double Share = Batched ? MP->BatchPriceShare : 1.0;
    double C = ND *
               (double(In) * MP->InputUsdPerToken + double(Out) * MP->OutputUsdPerToken) *
               Share;
    Cost += C;
    OS << fmt::format(" = ${:.6f}{}\n", C,
                      Batched ? fmt::format(" (batch: {} of the price)", Share) : "");
  }
  if (First) return;
  OS << fmt::format("  in all: {} call{}, ~{} tokens, ${:.6f}", count(Calls),
                    Calls == 1 ? "" : "s", count(Tokens), Cost);
  if (Unpriced)
    OS << fmt::format(" and {} unpriced step{}", Unpriced, Unpriced == 1 ? "" : "s");
  OS << "\n  (an estimate: answers are counted at their limit, fused requests as "
        "separate calls)\n";
}

}  // namespace orch::backends
