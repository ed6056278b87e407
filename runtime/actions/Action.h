//===- Action.h - What a step runs -----------------------------*- C++ -*-===//
//
// An action starts, runs without blocking the loop thread, and reports
// exactly one ActionResult through its completion callback, on the loop
// thread. cancel() stops it (a timeout, an interrupt); after cancel() the
// callback is never called.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ir/Json.h"

namespace orch::runtime {

/// One attempt of one step, with its parameters rendered.
struct ActionRequest {
  std::string StepId;
  std::string Action;
  orch::ir::Json Params = orch::ir::Json::object();
  std::vector<std::string> ParamOrder;  ///< Parameter names in source order.
  std::string Model;                    ///< The step's model, or "".
  /// Model was chosen by the compiler (select-models), not written in the
  /// step: the run's --model overrides it; Fallbacks follow it, in order.
  bool ModelSelected = false;
  std::vector<std::string> Fallbacks;
  /// > 0: rank Model and Fallbacks by UCB1 with this exploration factor.
  double Ucb = 0;
  std::string OutputSchema;  ///< Model steps: JSON schema of the answer, or "".
  /// Model steps: the step's `max_tokens:`; 0: the model's default.
  unsigned MaxTokens = 0;
  unsigned Attempt = 1;
  /// `<run id>:<step id>:<attempt>` when the run is recorded (runtime/state):
  /// side effects pass it on (`Idempotency-Key`, `ORCH_IDEMPOTENCY_KEY`).
  std::string IdempotencyKey;
  /// fuse-models (docs/fusion.md): the fused request (an index into the
  /// plan's model_fusions) this model step may share, or -1.
  int32_t Fusion = -1;
  /// Fusion >= 0: admitted on another member's token and slot (its fused
  /// request's). Such a step sends no request of its own: it answers
  /// AskAgain instead (docs/fusion.md).
  bool FusionRider = false;
  /// Batch mode (docs/fusion.md §8): this attempt goes in its provider's
  /// batch with the others that start in the same loop turn; the
  /// scheduler parks it (it holds no -j slot while the batch waits).
  bool Batched = false;
  /// What the attempt reads from outside the plan besides its parameters,
  /// as a digest (RunOptions::OutsideInputs: `model.select`'s registry),
  /// or "". It goes into the attempt's input hash: a resume with other
  /// such inputs is refused for a step that completed (ResumeMismatch), and
  /// a loop item whose body reads them runs again.
  std::string OutsideDigest;
};

/// How an attempt ended.
struct ActionResult {
  bool Ok = false;
  /// The step's result fields: always `output`, plus the action's others.
  orch::ir::Json Fields = orch::ir::Json::object();
  std::string Error;  ///< When !Ok: what went wrong, for people.
  /// When !Ok: may another attempt succeed? (A bad parameter will not.)
  bool Retryable = true;
  /// fuse-models: the ids of the steps whose one request this attempt
  /// shared (its own included, comma-separated), or "".
  std::string SharedRequest;
  /// Batch mode: the provider's batch id this attempt's request went in
  /// (docs/fusion.md §8), or "".
  std::string Batch;
  /// fuse-models: the step needs a request of its own (its part was
  /// missing, or it was not fused after all): the scheduler admits it
  /// again through its resource group (a token, a slot) and restarts it
  /// unfused, in the same attempt.
  bool AskAgain = false;

  static ActionResult success(orch::ir::Json Fields) {
    ActionResult R;
    R.Ok = true;
    R.Fields = std::move(Fields);
    return R;
  }
  /// A failure no retry can mend: a bad parameter, a missing registry.
  static ActionResult badParam(std::string Error) {
    return failure(std::move(Error), false);
  }
  static ActionResult failure(std::string Error, bool Retryable = true) {
    ActionResult R;
    R.Error = std::move(Error);
    R.Retryable = Retryable;
    return R;
  }
};

/// Called once, on the loop thread, when an attempt ends.
using ActionDone = std::function<void(ActionResult)>;

/// A running attempt.
class ActionTask {
 public:
  virtual ~ActionTask() = default;
  /// Stops the attempt; its ActionDone will not be called.
  virtual void cancel() = 0;
};

/// Starts actions by name. The scheduler holds one.
class ActionRunner {
 public:
  virtual ~ActionRunner() = default;
  /// Starts \p R. \p Done may be called before start() returns (actions
  /// that finish at once); then the returned task may be null.
  virtual std::unique_ptr<ActionTask> start(const ActionRequest &R, ActionDone Done) = 0;
};

}  // namespace orch::runtime
