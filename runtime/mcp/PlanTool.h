//===- PlanTool.h - A compiled plan served as one MCP tool -----*- C++ -*-===//
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ir/Json.h"
#include "llvm/Support/Error.h"
#include "runtime/actions/Shell.h"
#include "runtime/exec/Scheduler.h"
#include "runtime/llm/CallObserver.h"
#include "runtime/mcp/Tool.h"
#include "runtime/plan/PlanProgram.h"
#include "runtime/plan/PlanReader.h"

namespace orch::runtime::mcp {

/// A call's watchers (PlanRunSettings::Watch): kept for the call's life.
struct CallWatch {
  RunObserver *Observer = nullptr;     ///< The run's observer.
  llm::CallObserver *Calls = nullptr;  ///< Its model calls' observer.
  /// Sees the call's scheduler before the first step starts.
  std::function<void(const Scheduler &)> Attach;
  std::shared_ptr<void> Keep;  ///< Owns what the pointers point to.
};

/// How each call runs its plan: the settings of `orchrt plan.bin`.
struct PlanRunSettings {
  unsigned Jobs = 0;  ///< 0: the plan's max_concurrent_tasks, else 32.
  std::string RunDir = ".";
  /// Each call runs in a fresh directory of its own, RunDir/calls/call-XXXXXX,
  /// removed when the call ends: calls that run at once (over HTTP) never
  /// see each other's files.
  bool CallDirs = false;
  std::string Model;       ///< --model, else ORCH_MODEL (resolved by the caller).
  std::string ModelsFile;  ///< --models, else ORCH_MODELS.
  unsigned RetryBaseMs = 250;
  /// How process steps run: from processConfig() for this plan.
  ProcessConfig Process;
  /// Told of every model call (null: none; a call's own, from Watch).
  llm::CallObserver *Calls = nullptr;
  /// What watches each call's run besides its client (`orchrt mcp
  /// --metrics`), made for the call: given the plan and the call's own
  /// observer (its progress, or null), it returns the observer to use
  /// (which passes events on to that one) and what to tell of model calls.
  std::function<CallWatch(const LoadedPlan &, RunObserver *)> Watch;
};

/// How one run ended.
struct RunOutcome {
  RunStatus Status = RunStatus::Running;
  std::string Error;            ///< The run's error: ``step `x` failed: …``.
  orch::ir::Json Outputs;       ///< The declared outputs that evaluated.
  orch::ir::Json OutputErrors;  ///< name → why it did not evaluate.
  /// For a plan without declared outputs: the `output` of each final step
  /// that completed, by step id.
  orch::ir::Json FinalSteps;
};

/// Runs \p Plan once with \p Inputs (already checked) on an event loop of
/// its own, with the built-in actions and the scheduler `orchrt` uses.
/// \p OnStart, if set, sees the scheduler and its loop before the first
/// step starts (to watch descriptors, or stop the run later); \p OnEnd
/// sees the loop when the run has ended (to stop watching them). A loop
/// that a run leaves idle serves the thread's next run (a new epoll and
/// eventfd a call cost a third of a call's time).
RunOutcome runPlanOnce(const LoadedPlan &Plan, const PlanProgram &Prog,
                       orch::ir::Json Inputs, const PlanRunSettings &S,
                       RunObserver *Observer,
                       const std::function<void(Scheduler &, Executor &)> &OnStart = {},
                       const std::function<void(Executor &)> &OnEnd = {});

/// The tool name of \p P: its pipeline name, with every character outside
/// `[A-Za-z0-9_.-]` made `_`, at most 128 characters.
std::string toolName(const plan::Plan &P);
/// The JSON Schema of the plan's inputs that a caller may give: one flat
/// object (no `$ref`, no top-level `anyOf`). Inputs bound at compile time
/// are left out.
orch::ir::Json inputSchema(const LoadedPlan &Plan, const PlanProgram &Prog);
/// The JSON Schema of the plan's declared outputs, an object. A plan
/// without declared outputs answers the outputs of its final steps (those
/// no step depends on), each optional: a final step may be skipped.
orch::ir::Json outputSchema(const plan::Plan &P);
/// The indexes of the plan's final steps, in plan order.
std::vector<uint32_t> finalSteps(const plan::Plan &P);

/// One plan as a tool: `tools/call` binds the arguments as the run's
/// inputs, runs the plan, and answers its outputs.
class PlanTool : public Tool {
 public:
  PlanTool(LoadedPlan Plan, PlanRunSettings S);
  const orch::ir::Json &definition() const override { return Def; }
  ToolResult call(const orch::ir::Json &Arguments, const CallContext &Ctx) override;

 private:
  LoadedPlan Plan;
  std::unique_ptr<PlanProgram> Prog;
  PlanRunSettings Settings;
  orch::ir::Json Def;
};

}  // namespace orch::runtime::mcp
