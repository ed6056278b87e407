//===- FusedRequest.h - Several steps' questions in one request -*- C++ -*-===//
//
// fuse-models (docs/fusion.md) joins model steps of one level into one
// request: the shared system instructions once, each step's prompt under
// its key, and a structured answer with one property per step, each with
// that step's own schema. This file builds that request, splits the answer
// back into each step's part (checking each against its own schema), and
// splits the request's token usage across the steps deterministically.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ir/Json.h"
#include "llvm/ADT/ArrayRef.h"
#include "runtime/llm/CallObserver.h"
#include "runtime/llm/Client.h"

namespace orch::llm {

/// One step's part of a fused request.
struct FusedPart {
  std::string StepId;
  std::string Prompt;  ///< The step's own user prompt.
  /// The step's answer schema; unset: a free-text answer (a string).
  std::optional<orch::ir::Json> Schema;
};

/// The property a part's answer goes in: the step id, made a valid JSON
/// schema key (`[A-Za-z0-9_-]`), `p<index>_` in front so keys stay unique.
std::string fusedKey(size_t Index, llvm::StringRef StepId);

/// The request asking for every part at once: \p System once, then the
/// parts as a JSON object of {key: prompt} (data, so no prompt can forge
/// another part); the answer schema has one required
/// property a part. \p MaxTokens is the request's answer limit (0: the
/// service's).
ChatRequest buildFusedRequest(const std::string &Model, const std::string &System,
                              llvm::ArrayRef<FusedPart> Parts, unsigned MaxTokens);

/// One part's answer, or why it has none.
struct FusedAnswer {
  /// The part's value: its schema's JSON, or the text of a free answer.
  std::optional<orch::ir::Json> Value;
  /// Set when Value is unset: the property is missing or fails the part's
  /// schema. Such a part is asked again, alone.
  std::string Error;
};

/// Splits \p Structured (the fused answer) into one answer a part, in the
/// parts' order.
std::vector<FusedAnswer> splitFusedAnswer(const orch::ir::Json &Structured,
                                          llvm::ArrayRef<FusedPart> Parts);

/// The members of a JSON object that are complete in \p Text, a prefix of
/// its JSON (an answer cut at its token limit): `{"a": 1, "b": "x` gives
/// {"a": 1}. Null when \p Text does not start an object.
orch::ir::Json completeMembers(llvm::StringRef Text);

/// Splits \p Total across the parts: input tokens in proportion to each
/// part's prompt length with its key (the shared instructions follow the
/// same shares), output tokens in
/// proportion to each answer's JSON length (\p Answers, a part's text, ""
/// for a missing one: weight 1). Whole tokens; what rounding leaves goes
/// one token a part from the first. The parts' shares sum to \p Total.
std::vector<Usage> splitUsage(const Usage &Total, llvm::ArrayRef<FusedPart> Parts,
                              llvm::ArrayRef<std::string> Answers);

}  // namespace orch::llm

namespace orch::llm {

/// Tells \p Inner of a fused call: it starts once (one hold for budgets,
/// under the first part's step id) and ends once a part: each part's step
/// id as the caller, its share of the tokens (splitUsage, or of the
/// request's estimate when no usage came) and its own answer, so
/// accounting and events stay per step. The request (calls, latency,
/// retries) counts once, on the first part; every part's CallStart names
/// the steps that shared it. \p Inner sees the parts' shares sum to what
/// it cost.
class FusedCallObserver : public CallObserver {
 public:
  FusedCallObserver(CallObserver &Inner, std::vector<FusedPart> Parts);
  llvm::Error callStarting(const CallStart &S, uint64_t &Id) override;
  void callEnded(uint64_t Id, const CallStart &S, const CallEnd &E) override;
  bool stopping() const override { return Inner.stopping(); }

 private:
  CallObserver &Inner;
  std::vector<FusedPart> Parts;
  std::string Shared;   ///< The parts' step ids, comma-separated.
  uint64_t HoldId = 0;  ///< Inner's id of the request.
};

}  // namespace orch::llm
