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

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

/// The answer a part may take: what the pass assumed (docs/fusion.md).
constexpr unsigned SchemaPartTokens = 256;

unsigned partTokens(const ActionRequest &R) {
  if (auto It = R.Params.find("max_tokens");
      R.Action == "generate" && It != R.Params.end() && It->is_number_integer() &&
      It->get<int64_t>() >= 1 && It->get<int64_t>() <= ir::MaxOutputTokens)
    return static_cast<unsigned>(It->get<int64_t>());
  return R.MaxTokens ? R.MaxTokens : SchemaPartTokens;
}

}  // namespace

std::vector<ActionResult> LlmSteps::runFused(const std::vector<FusedMember> &M) {
  // The model run() would try first: a written one, else --model, else the
  // compiler's choice. The pass fused only steps of one model; --model may
  // still part them (it overrides chosen models, not written ones).
  auto FirstModel = [&](const ActionRequest &R) {
    return !R.Model.empty() && !R.ModelSelected ? R.Model
           : !S.DefaultModel.empty()            ? S.DefaultModel
                                                : R.Model;
  };
  std::string Model = FirstModel(M[0].R);
  std::vector<ActionResult> Out(M.size());
  std::string Ids;
  bool OneModel = !Model.empty();
  for (const FusedMember &X : M) {
    Ids += (Ids.empty() ? "" : ",") + X.R.StepId;
    OneModel &= FirstModel(X.R) == Model;
  }
  llm::ModelSettings MS;
  llvm::Expected<llm::Client *> C =
      OneModel ? clientFor(Model, MS)
               : llvm::Expected<llm::Client *>(llvm::createStringError(
                     llvm::inconvertibleErrorCode(), "not one model"));
  if (!C) {
    // Nothing was sent: each step asks alone, with its own error if any.
    llvm::consumeError(C.takeError());
    for (size_t K = 0; K < M.size(); ++K) Out[K] = run(M[K].R, M[K].Cancel.get());
    return Out;
  }
  std::vector<llm::FusedPart> Parts;
  std::string System;
  unsigned MaxTokens = 0;
  for (const FusedMember &X : M) {
    auto [Sys, Prompt] = buildStepPrompt(X.R);
    if (Parts.empty()) System = Sys;
    std::optional<json> Schema;
    if (!X.R.OutputSchema.empty()) Schema = json::parse(X.R.OutputSchema, nullptr, false);
    Parts.push_back({X.R.StepId, std::move(Prompt), std::move(Schema)});
    MaxTokens += partTokens(X.R);
  }
  if (MS.MaxTokens && MaxTokens > MS.MaxTokens) MaxTokens = MS.MaxTokens;
  llm::ChatRequest Req = llm::buildFusedRequest(Model, System, Parts, MaxTokens);
  Req.Reasoning = MS.Reasoning;
  Req.Caller = Ids;
  std::optional<llm::FusedCallObserver> Split;
  if (S.Calls) Req.Observer = &Split.emplace(*S.Calls, Parts);
  llvm::Expected<llm::ChatResponse> Resp = (*C)->chat(Req);
  if (!Resp) {
    bool Final = Resp.errorIsA<llm::RefusalError>() || Resp.errorIsA<llm::CallRefused>();
    std::string Why = "fused request: " + llvm::toString(Resp.takeError());
    for (ActionResult &A : Out) {
      A = ActionResult::failure(Why, !Final);
      A.SharedRequest = Ids;
    }
    return Out;
  }
  std::vector<llm::FusedAnswer> Parts2 =
      Resp->Structured ? llm::splitFusedAnswer(*Resp->Structured, Parts)
                       : std::vector<llm::FusedAnswer>(
                             Parts.size(), {std::nullopt, "no structured answer"});
  for (size_t K = 0; K < M.size(); ++K) {
    const llm::FusedAnswer &A = Parts2[K];
    if (!A.Value) {
      // Asked again alone: its own request, models, retries and accounting.
      Out[K] = run(M[K].R, M[K].Cancel.get());
      Out[K].SharedRequest = Ids + " (asked again alone: " + A.Error + ")";
      continue;
    }
    Out[K] = Parts[K].Schema ? structuredResult(*A.Value)
                             : ActionResult::success(json{{"output", *A.Value}});
    Out[K].SharedRequest = Ids;
  }
  return Out;
}

}  // namespace orch::runtime
