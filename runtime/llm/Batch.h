//===- Batch.h - Many chat requests through a provider's batch API -*- C++ -*-===//
//
// `orchrt --batch` (docs/llm.md §10, docs/fusion.md §8) sends the model
// steps that are ready together through the provider's batch API, priced
// at half by both providers:
//
// - OpenAI's Batch API: the requests as a JSONL file uploaded to /files
//   (purpose `batch`), a batch created on /batches for
//   /v1/chat/completions, polled on /batches/{id} until `completed`,
//   `expired`, `failed` or `cancelled`; the answers are read from its
//   `output_file_id` and the failures from its `error_file_id`
//   (/files/{id}/content), matched by `custom_id`;
// - Anthropic's Message Batches: the requests posted to
//   /v1/messages/batches, polled until `processing_status` is `ended`, the
//   results read from its `results_url` (JSONL, one `result` a
//   `custom_id`: succeeded, errored, canceled or expired).
//
// Polling backs off from BatchPollInitial, doubling up to BatchPollMax.
// Cancelling (every step waiting on the batch was cancelled) cancels the
// batch through its cancel endpoint. Each item's answer is parsed like
// the client's own (Client::parseAnswer). The call observer hears of each
// item as its own call (a hold before the batch goes out, settled with
// the item's usage), marked with the batch id and priced at the batch
// discount.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "llvm/ADT/ArrayRef.h"
#include "runtime/llm/Client.h"

namespace orch::llm {

/// One request of a batch.
struct BatchItem {
  /// Unique within the batch, `^[a-zA-Z0-9_-]{1,64}$` (both providers).
  std::string CustomId;
  ChatRequest Request;  ///< Its Observer and Caller are honoured.
};

/// How one item ended.
enum class BatchItemStatus {
  Succeeded,
  Errored,   ///< The provider answered the item with an error that may pass.
  Rejected,  ///< The provider refused the request itself (a 4xx other than
             ///< 408, 409, 429; Anthropic's invalid_request_error): asking
             ///< again would fail the same way.
  Expired,   ///< The batch's window closed before the item ran.
  Canceled,  ///< The batch was cancelled before the item ran.
  Refused,   ///< The call observer refused it (a budget): never sent.
};

/// One item's outcome.
struct BatchItemResult {
  BatchItemStatus Status = BatchItemStatus::Errored;
  std::optional<ChatResponse> Response;  ///< When Succeeded.
  std::string Error;                     ///< Otherwise: why (redacted).
};

/// A batch's outcome.
struct BatchOutcome {
  std::string Id;            ///< The provider's batch id ("" if none was created).
  std::string Status;        ///< Its final status as the provider names it.
  unsigned Polls = 0;        ///< Status requests sent.
  unsigned CancelTries = 0;  ///< Cancel requests sent (at most 3, within 10 s).
  /// OpenAI: look-up requests sent after a create that failed in a way
  /// that leaves open whether the batch was made (GET /batches by the
  /// create's `metadata` marker).
  unsigned Lookups = 0;
  bool Adopted = false;  ///< The batch was found by its marker, not created.
  std::vector<BatchItemResult> Items;  ///< In the items' order.
};

/// The name of \p S ("succeeded", "errored", ...).
const char *batchItemStatusName(BatchItemStatus S);

/// Sends \p Items (all for \p C's provider) as one batch and waits for it
/// on \p Clk. An error means the batch as a whole could not be sent or
/// read (every item is then unanswered); item failures are in the
/// outcome. \p Cancel, when it becomes true, cancels the batch.
llvm::Expected<BatchOutcome> runBatch(Client &C, HttpTransport &T, Clock &Clk,
                                      llvm::ArrayRef<BatchItem> Items,
                                      const std::atomic<bool> *Cancel);

}  // namespace orch::llm
