//===- LlmBatch.cpp - Model steps through a provider's batch API ----------===//
//
// Batch mode (docs/fusion.md §8): the first attempt of every model step
// that starts in one loop turn (the ready steps of a level) goes out in
// one batch a model (runtime/llm/Batch.h), at the providers' batch price.
// An item that expired, was cancelled or failed fails its attempt
// (retryable, unless the provider rejected the request: a 4xx): the scheduler applies the
// step's own policy, and a retry is a normal request (batch mode batches first attempts
// only).
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include "ir/Actions.h"
#include "runtime/actions/LlmSteps.h"
#include "runtime/llm/Batch.h"
#include "runtime/llm/FusedRequest.h"

namespace orch::runtime {

using json = orch::ir::Json;

std::string LlmSteps::firstModel(const ActionRequest &R) const {
  return !R.Model.empty() && !R.ModelSelected ? R.Model
         : !S.DefaultModel.empty()            ? S.DefaultModel
                                              : R.Model;
}

bool LlmSteps::batched(const ActionRequest &R) const {
  // The scheduler decides (a first attempt, not `ucb`) and parks the step.
  // `extract` checks its answer against its schema: it asks alone.
  return R.Batched && ir::batchable(R.Action) && !firstModel(R).empty();
}

void LlmSteps::flushBatch(const std::string &Model) {
  std::shared_ptr<FusedCancel> G;
  std::vector<FusedMember> Ms = takeTurn(PendingBatch, BatchCancel, Model, G);
  if (Ms.empty()) return;
  enqueue([this, Model, Ms = std::move(Ms), G] {
    std::vector<ActionResult> Res;
    try {
      Res = runBatch(Model, Ms, &G->Cancel);
    } catch (const std::exception &E) {
      Res.assign(Ms.size(), ActionResult::failure(
                                std::string("internal error: ") + E.what(), false));
    }
    Exec.post([Ms, Res = std::move(Res)]() mutable {
      for (size_t K = 0; K < Ms.size(); ++K)
        if (!*Ms[K].Cancel) Ms[K].Done(std::move(Res[K]));
    });
  });
}

std::vector<ActionResult> LlmSteps::runBatch(const std::string &Model,
                                             const std::vector<FusedMember> &M,
                                             const std::atomic<bool> *Cancel) {
  std::vector<ActionResult> Out(M.size());
  llm::ModelSettings MS;
  llvm::Expected<llm::Client *> C = clientFor(Model, MS);
  if (!C) {
    std::string Why = llvm::toString(C.takeError());
    for (ActionResult &A : Out) A = ActionResult::failure(Why, false);
    return Out;
  }
  std::vector<llm::BatchItem> Items;
  std::vector<size_t> Of;  // item -> member
  for (size_t K = 0; K < M.size(); ++K) {
    llm::BatchItem It;
    if (std::optional<ActionResult> Bad = chatRequestFor(M[K].R, Model, MS, It.Request)) {
      Out[K] = std::move(*Bad);
      continue;
    }
    It.CustomId = llm::fusedKey(K, M[K].R.StepId);
    It.Request.Observer = S.Calls;
    Items.push_back(std::move(It));
    Of.push_back(K);
  }
  if (Items.empty()) return Out;
  llvm::Expected<llm::BatchOutcome> B = llm::runBatch(**C, Transport, Clk, Items, Cancel);
  if (!B) {
    // The batch could not be sent or read: each step's policy decides.
    std::string Why = "batch: " + llvm::toString(B.takeError());
    for (size_t K : Of) Out[K] = ActionResult::failure(Why, true);
    return Out;
  }
  for (size_t J = 0; J < Items.size(); ++J) {
    size_t K = Of[J];
    llm::BatchItemResult &R = B->Items[J];
    if (R.Status == llm::BatchItemStatus::Succeeded && R.Response) {
      Out[K] = answerResult(M[K].R, R.Response->Structured, R.Response->Text);
    } else {
      // A budget's refusal and a request the provider rejected (4xx) are
      // final; an expired, cancelled or failed item may succeed as a
      // normal request (the step's retry policy).
      Out[K] = ActionResult::failure(
          fmt::format("batch {} ({}): {}", B->Id.empty() ? "-" : B->Id,
                      llm::batchItemStatusName(R.Status), R.Error),
          R.Status != llm::BatchItemStatus::Refused &&
              R.Status != llm::BatchItemStatus::Rejected);
    }
    Out[K].Batch = B->Id;
  }
  return Out;
}

}  // namespace orch::runtime
