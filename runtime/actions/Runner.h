//===- Runner.h - The built-in actions and LLM steps, by name --*- C++ -*-===//
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/actions/Action.h"
#include "runtime/actions/LlmSteps.h"
#include "runtime/actions/McpSteps.h"
#include "runtime/actions/Memory.h"
#include "runtime/actions/ModelRoute.h"
#include "runtime/actions/Shell.h"
#include "runtime/exec/Executor.h"
#include "runtime/llm/CurlTransport.h"

namespace orch::runtime {

/// What the actions of one run share.
struct RunnerConfig {
  std::string RunDir = ".";  ///< Files and shell commands stay here.
  /// How `shell` steps run (RunDir is copied in by the runner).
  ProcessConfig Process;
  LlmSettings Llm;
  /// The plan's `mcp_servers:` (the `mcp` action).
  std::vector<McpServerSpec> McpServers;
  /// A person's answers (`--answers`): step id -> answer; null: none.
  orch::ir::Json Answers;
  /// Tracing (runtime/observe): the W3C `traceparent` value for a request
  /// of the step with this id, passed on by `http.request`; empty: none.
  std::function<std::string(llvm::StringRef StepId)> TraceParent;
  /// The caller's W3C `tracestate`, passed on with that traceparent
  /// (unless the step sets its own); empty: none.
  std::string TraceState;
};

/// Starts each action by its name (ir/Actions.h); any other name is an LLM
/// task. HTTP (http.request and model calls) goes through one CurlMulti.
class BuiltinRunner : public ActionRunner {
 public:
  BuiltinRunner(Executor &Exec, RunnerConfig Config);
  ~BuiltinRunner() override;
  std::unique_ptr<ActionTask> start(const ActionRequest &R, ActionDone Done) override;
  /// Does the runner have a row for action \p Name? (Every built-in action
  /// but the loops, which the scheduler runs; other names are LLM tasks.)
  static bool runsAction(llvm::StringRef Name);
  /// The actions the runner has a row for, in its table's order.
  static std::vector<llvm::StringRef> actionNames();
  /// The run started at \p UnixNs, before this process (`--resume`): the
  /// import hook's cut-off for modules written during the run.
  void runStartedAt(int64_t UnixNs) { Config.Process.RunStartNs = UnixNs; }

 private:
  /// A row of the action table: an action's name and how it starts.
  struct Starter;
  static llvm::ArrayRef<Starter> starters();
  /// An action that reads only its parameters and finishes in the call.
  template <ActionResult (*Run)(const orch::ir::Json &)>
  static std::unique_ptr<ActionTask> startLocal(BuiltinRunner &, const ActionRequest &R,
                                                ActionDone &Done) {
    return Done(Run(R.Params)), nullptr;
  }
  /// An action on the run directory's files that finishes in the call.
  template <ActionResult (*Run)(const std::string &, const orch::ir::Json &)>
  static std::unique_ptr<ActionTask> startInRunDir(BuiltinRunner &B,
                                                   const ActionRequest &R,
                                                   ActionDone &Done) {
    return Done(Run(B.Config.RunDir, R.Params)), nullptr;
  }
  /// LLM tasks and `generate`.
  static std::unique_ptr<ActionTask> startModel(BuiltinRunner &B, const ActionRequest &R,
                                                ActionDone &Done);
  /// `shell`, `python`, `node`.
  static std::unique_ptr<ActionTask> startProcess(BuiltinRunner &B,
                                                  const ActionRequest &R,
                                                  ActionDone &Done);
  std::unique_ptr<ActionTask> startHttp(const ActionRequest &R, ActionDone &Done);
  /// `memory.*`: the run's memory.
  static std::unique_ptr<ActionTask> startMemory(BuiltinRunner &B, const ActionRequest &R,
                                                 ActionDone &Done);
  /// `human.*`: a person's answers.
  static std::unique_ptr<ActionTask> startHuman(BuiltinRunner &B, const ActionRequest &R,
                                                ActionDone &Done);
  /// `mcp`, `mcp.connect`, `mcp.list`, `mcp.disconnect`.
  static std::unique_ptr<ActionTask> startMcp(BuiltinRunner &B, const ActionRequest &R,
                                              ActionDone &Done);

  llm::CurlMulti &http();
  LlmSteps &llm();
  McpSteps &mcp();

  Executor &Exec;
  RunnerConfig Config;
  std::unique_ptr<llm::CurlMulti> Http;
  llm::SystemClock Clock;
  std::unique_ptr<LlmSteps> Llm;
  /// The HTTP of `url:` MCP servers (over Http); outlives Mcp.
  std::unique_ptr<mcp::CurlSender> McpHttp;
  std::unique_ptr<McpSteps> Mcp;
  MemoryStore Memory;
  /// What this run's `model.route` steps have routed.
  RouteCounts Routes;
};

}  // namespace orch::runtime
