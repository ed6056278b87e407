//===- LlmFused.cpp - Model steps that share one request ------------------===//
//
// fuse-models (docs/fusion.md) puts independent model steps of one level
// in a fused group; the members that start in one loop turn go out as one
// request (runtime/llm/FusedRequest.h). Each keeps its own id, attempts
// and errors: a part missing from the answer, or failing its schema, is
// asked again alone (the step's own request, models and accounting); when
// the request as a whole fails, every member fails with its error and the
// scheduler applies each step's own policy.
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include "ir/Actions.h"
#include "runtime/actions/LlmSteps.h"
#include "runtime/llm/FusedRequest.h"
#include "runtime/llm/TokenLimiter.h"

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

/// The answer a part may take: what the pass assumed (docs/fusion.md).
constexpr unsigned SchemaPartTokens = 256;
/// Room in the answer for a part's JSON framing: its key, quotes, colon,
/// comma and the escapes of a text answer (docs/fusion.md).
constexpr unsigned PartFramingTokens = 16;

unsigned partTokens(const ActionRequest &R) {
  if (auto It = R.Params.find("max_tokens");
      R.Action == "generate" && It != R.Params.end() && It->is_number_integer() &&
      It->get<int64_t>() >= 1 && It->get<int64_t>() <= ir::MaxOutputTokens)
    return static_cast<unsigned>(It->get<int64_t>());
  return R.MaxTokens ? R.MaxTokens : SchemaPartTokens;
}

/// Parameters ask() refuses: such a step asks alone, to fail as it would
/// unfused.
bool badParams(const ActionRequest &R) {
  if (R.Action != "generate") return false;
  if (auto It = R.Params.find("max_tokens");
      It != R.Params.end() && (!It->is_number_integer() || It->get<int64_t>() < 1 ||
                               It->get<int64_t>() > ir::MaxOutputTokens))
    return true;
  if (auto It = R.Params.find("temperature"); It != R.Params.end() && !It->is_number())
    return true;
  return false;
}

/// The sampling temperature a step asks with, if any.
std::optional<double> temperatureOf(const ActionRequest &R) {
  if (R.Action != "generate") return std::nullopt;
  if (auto It = R.Params.find("temperature"); It != R.Params.end() && It->is_number())
    return It->get<double>();
  return std::nullopt;
}

}  // namespace

ActionResult LlmSteps::alone(const FusedMember &X, bool Extra, std::string Note) {
  // A parameter ask() refuses fails without a request: no admission needed.
  if (badParams(X.R)) return run(X.R, X.Cancel.get());
  // The member that paid its group's token and slot may spend them on its
  // own request, once; any other request goes back to the scheduler.
  if (Extra || X.R.FusionRider) {
    ActionResult A;
    A.AskAgain = true;
    A.SharedRequest = std::move(Note);
    return A;
  }
  ActionResult A = run(X.R, X.Cancel.get());
  if (!Note.empty()) A.SharedRequest = std::move(Note);
  return A;
}

std::vector<ActionResult> LlmSteps::runFused(const std::vector<FusedMember> &M,
                                             const std::atomic<bool> *Cancel) {
  // The model run() would try first: a written one, else --model, else the
  // compiler's choice. The pass fused only steps of one model; --model may
  // still part them (it overrides chosen models, not written ones).
  auto FirstModel = [&](const ActionRequest &R) {
    return !R.Model.empty() && !R.ModelSelected ? R.Model
           : !S.DefaultModel.empty()            ? S.DefaultModel
                                                : R.Model;
  };
  std::vector<ActionResult> Out(M.size());
  // Members whose request would differ (system text, temperature, model)
  // or whose parameters are invalid ask alone: fusing never changes what a
  // step asks (docs/fusion.md).
  std::vector<size_t> In;
  std::string Model, System;
  std::optional<double> Temp;
  std::vector<std::pair<std::string, std::string>> Prompts(M.size());
  for (size_t K = 0; K < M.size(); ++K) {
    if (badParams(M[K].R)) continue;
    Prompts[K] = buildStepPrompt(M[K].R);
    if (In.empty()) {
      Model = FirstModel(M[K].R);
      System = Prompts[K].first;
      Temp = temperatureOf(M[K].R);
    } else if (FirstModel(M[K].R) != Model || Prompts[K].first != System ||
               temperatureOf(M[K].R) != Temp) {
      In.clear();
      break;
    }
    In.push_back(K);
  }
  llm::ModelSettings MS;
  llvm::Expected<llm::Client *> C =
      In.size() >= 2 && !Model.empty()
          ? clientFor(Model, MS)
          : llvm::Expected<llm::Client *>(llvm::createStringError(
                llvm::inconvertibleErrorCode(), "not one request"));
  if (!C) {
    // Nothing was sent: each step asks alone, with its own error if any.
    llvm::consumeError(C.takeError());
    for (size_t K = 0; K < M.size(); ++K) Out[K] = alone(M[K], false, "");
    return Out;
  }
  std::vector<bool> Fused(M.size(), false);
  for (size_t K : In) Fused[K] = true;
  for (size_t K = 0; K < M.size(); ++K)
    if (!Fused[K]) Out[K] = alone(M[K], false, "");
  std::string Ids;
  for (size_t K : In) Ids += (Ids.empty() ? "" : ",") + M[K].R.StepId;
  std::vector<llm::FusedPart> Parts;
  unsigned MaxTokens = 0;
  for (size_t K : In) {
    const FusedMember &X = M[K];
    std::optional<json> Schema;
    if (!X.R.OutputSchema.empty()) Schema = json::parse(X.R.OutputSchema, nullptr, false);
    Parts.push_back({X.R.StepId, std::move(Prompts[K].second), std::move(Schema)});
    MaxTokens += partTokens(X.R) + PartFramingTokens;
  }
  if (MS.MaxTokens && MaxTokens > MS.MaxTokens) MaxTokens = MS.MaxTokens;
  llm::ChatRequest Req = llm::buildFusedRequest(Model, System, Parts, MaxTokens);
  Req.Reasoning = MS.Reasoning;
  if (Temp) Req.Temperature = *Temp;
  Req.Caller = Ids;
  Req.Cancel = Cancel;
  Req.AcceptTruncated = true;  // the parts complete before the cut are kept
  std::optional<llm::FusedCallObserver> Split;
  if (S.Calls) Req.Observer = &Split.emplace(*S.Calls, Parts);
  llvm::Expected<llm::ChatResponse> Resp = (*C)->chat(Req);
  if (!Resp) {
    bool Final = Resp.errorIsA<llm::RefusalError>() || Resp.errorIsA<llm::CallRefused>();
    // Larger than the provider's whole tokens_per_minute although each
    // part may fit: the members ask alone.
    bool TooLarge = Resp.errorIsA<llm::TokenLimitExceeded>();
    std::string Why = "fused request: " + llvm::toString(Resp.takeError());
    for (size_t K : In) {
      if (TooLarge && !(M[K].Cancel && *M[K].Cancel)) {
        Out[K] = alone(M[K], true, Ids + " (asked again alone: " + Why + ")");
        continue;
      }
      const ActionRequest &R = M[K].R;
      bool Cancelled = M[K].Cancel && *M[K].Cancel;
      if (!Final && !Cancelled && S.DefaultModel.empty() && R.ModelSelected &&
          !R.Fallbacks.empty()) {
        // The step has fallback models: it asks alone, as unfused.
        Out[K] = alone(M[K], true, Ids + " (asked again alone: " + Why + ")");
        continue;
      }
      Out[K] = ActionResult::failure(Why, !Final);
      Out[K].SharedRequest = Ids;
    }
    return Out;
  }
  // An answer cut at its token limit keeps the parts complete before the
  // cut; the others are asked again alone.
  std::optional<json> Answer = Resp->Structured;
  if (!Answer && Resp->Truncated) Answer = llm::completeMembers(Resp->Text);
  std::vector<llm::FusedAnswer> Parts2 =
      Answer ? llm::splitFusedAnswer(*Answer, Parts)
             : std::vector<llm::FusedAnswer>(Parts.size(),
                                             {std::nullopt, "no structured answer"});
  for (size_t J = 0; J < In.size(); ++J) {
    size_t K = In[J];
    const llm::FusedAnswer &A = Parts2[J];
    if (!A.Value) {
      // Asked again alone: its own request, models, retries and accounting,
      // admitted again by the scheduler (its group's token and slot).
      std::string Why = A.Error;
      if (Resp->Truncated) Why += ", the answer was cut at its token limit";
      Out[K] = alone(M[K], true, Ids + " (asked again alone: " + Why + ")");
      continue;
    }
    Out[K] = Parts[J].Schema ? answerResult(M[K].R, *A.Value, "")
                             : ActionResult::success(json{{"output", *A.Value}});
    Out[K].SharedRequest = Ids;
  }
  return Out;
}

}  // namespace orch::runtime
