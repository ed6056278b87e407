//===- PlanTool.cpp - Tool definitions from a plan, and its runs ----------===//
#include "runtime/mcp/PlanTool.h"

#include <fmt/format.h>

#include "ir/Eval.h"
#include "ir/Type.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "runtime/actions/ModelSelect.h"
#include "runtime/actions/ModelStats.h"
#include "runtime/actions/Runner.h"
#include "runtime/exec/EventLoop.h"
#include "runtime/exec/RunInputs.h"
#include "runtime/llm/Providers.h"
#include "runtime/mcp/JsonRpc.h"

namespace orch::runtime::mcp {

using json = orch::ir::Json;
namespace pf = orch::plan;

namespace {

/// The schema of one value of plan type \p T; `any` accepts everything.
json typeSchema(pf::Type T) {
  llvm::StringRef Name =
      ir::jsonSchemaType(static_cast<ir::Type>(static_cast<uint8_t>(T)));
  if (Name.empty()) return json::object();
  return {{"type", Name.str()}};
}

/// The schema of an output's value. A template that is one whole
/// expression yields the expression's value, whatever its type; one with
/// text around it yields text.
json valueSchema(const pf::Value *V) {
  if (!V) return json::object();
  if (V->kind() != pf::ValueKind::Template) return typeSchema(V->type());
  const auto *Segs = V->segments();
  if (Segs && Segs->size() == 1 && Segs->Get(0)->kind() != pf::SegmentKind::Text)
    return json::object();
  return typeSchema(pf::Type::String);
}

/// Defaults are constants in practice; one that needs a run is left out.
class NoScope : public ir::EvalScope {
 public:
  const json *input(llvm::StringRef) const override { return nullptr; }
  const json *step(llvm::StringRef) const override { return nullptr; }
};

/// Input errors are worded for the command line (`--inputs: …`, `pass
/// --input x=...`); here the inputs are the call's arguments.
std::string argumentErrors(const std::string &Msg) {
  std::string Out;
  llvm::SmallVector<llvm::StringRef, 4> Lines;
  llvm::StringRef(Msg).split(Lines, '\n');
  for (llvm::StringRef L : Lines) {
    L.consume_front("--inputs: ");
    L = L.split(": pass --input ").first;
    Out += (Out.empty() ? "invalid arguments: " : "; ") + L.str();
  }
  return Out;
}

/// Counts settled steps for `notifications/progress`.
class ProgressObserver : public RunObserver {
 public:
  ProgressObserver(const ProgressFn &Fn, size_t Total) : Fn(Fn), Total(Total) {}
  void attach(const Scheduler &S) { Sched = &S; }
  void stepSettled(uint32_t Step) override {
    if (!Sched) return;
    const StepState &St = Sched->state(Step);
    Fn(static_cast<double>(++Settled), static_cast<double>(Total),
       fmt::format("step `{}` {}", Sched->stepId(Step).str(), stepStatusName(St.Status)));
  }

 private:
  const ProgressFn &Fn;
  size_t Total;
  size_t Settled = 0;
  const Scheduler *Sched = nullptr;
};

}  // namespace

std::string toolName(const pf::Plan &P) {
  std::string Name = P.name() && P.name()->size() ? P.name()->str() : "pipeline";
  for (char &C : Name)
    if (!llvm::isAlnum(C) && C != '_' && C != '-' && C != '.') C = '_';
  if (Name.size() > 128) Name.resize(128);
  return Name;
}

json inputSchema(const LoadedPlan &Plan, const PlanProgram &Prog) {
  const pf::Plan &P = Plan.plan();
  json Props = json::object();
  json Required = json::array();
  NoScope Scope;
  uint32_t N = P.inputs() ? P.inputs()->size() : 0;
  for (uint32_t I = 0; I < N; ++I) {
    const pf::Input *In = P.inputs()->Get(I);
    if (In->bound()) continue;
    json S = typeSchema(In->type());
    if (In->description() && In->description()->size())
      S["description"] = In->description()->str();
    if (In->default_value()) {
      if (llvm::Expected<json> V = ir::evaluateValue(Prog.inputValue(I), Scope))
        S["default"] = std::move(*V);
      else
        llvm::consumeError(V.takeError());
    } else if (In->required()) {
      Required.push_back(In->name()->str());
    }
    Props[In->name()->str()] = std::move(S);
  }
  json Schema = {{"type", "object"}, {"properties", std::move(Props)}};
  if (!Required.empty()) Schema["required"] = std::move(Required);
  Schema["additionalProperties"] = false;
  return Schema;
}

std::vector<uint32_t> finalSteps(const pf::Plan &P) {
  uint32_t N = P.steps() ? P.steps()->size() : 0;
  std::vector<char> HasDependent(N, 0);
  for (uint32_t I = 0; I < N; ++I)
    if (const auto *Deps = P.steps()->Get(I)->deps())
      for (uint32_t D : *Deps)
        if (D < N) HasDependent[D] = 1;
  std::vector<uint32_t> Out;
  for (uint32_t I = 0; I < N; ++I)
    if (!HasDependent[I]) Out.push_back(I);
  return Out;
}

json outputSchema(const pf::Plan &P) {
  json Props = json::object();
  json Required = json::array();
  if (!P.outputs() || P.outputs()->size() == 0) {
    for (uint32_t I : finalSteps(P))
      Props[P.steps()->Get(I)->id()->str()] = json::object();
    return {{"type", "object"}, {"properties", std::move(Props)}};
  }
  if (P.outputs())
    for (const pf::Output *O : *P.outputs()) {
      Props[O->name()->str()] = valueSchema(O->value());
      Required.push_back(O->name()->str());
    }
  json Schema = {{"type", "object"}, {"properties", std::move(Props)}};
  if (!Required.empty()) Schema["required"] = std::move(Required);
  return Schema;
}

namespace {
RunOutcome runOn(EventLoop &Loop, const LoadedPlan &Plan, const PlanProgram &Prog,
                 json Inputs, const PlanRunSettings &S, RunObserver *Observer,
                 const std::function<void(Scheduler &, Executor &)> &OnStart) {
  const pf::Plan &P = Plan.plan();
  // Outcomes for `ucb` steps are kept for this run only.
  ModelStats Stats;
  RunnerConfig RC;
  RC.Process = S.Process;
  RC.RunDir = S.RunDir;
  RC.Llm.DefaultModel = S.Model;
  RC.Llm.Registry = S.ModelsFile;
  RC.Llm.Stats = &Stats;
  RC.Llm.Calls = S.Calls;
  RC.McpServers = mcpServersOf(P);
  RC.Llm.TokensPerMinute = tokenLimitsOf(P);
  BuiltinRunner Runner(Loop, RC);
  RunOptions Opts;
  Opts.Jobs = jobsFor(P, S.Jobs);
  Opts.RetryBase = std::chrono::milliseconds(S.RetryBaseMs);
  Opts.ProviderOf = llm::providerNamesIn(S.ModelsFile);
  Opts.OutsideInputs = modelSelectInputs(S.ModelsFile);
  Scheduler Sched(Plan, Prog, std::move(Inputs), Loop, Runner, Opts, Observer);
  if (OnStart) OnStart(Sched, Loop);
  Loop.updateTime();
  Sched.start();
  Loop.runUntil([&] { return Sched.finished(); });
  RunOutcome R;
  R.Status = Sched.status();
  R.Error = Sched.runError();
  R.OutputErrors = json::object();
  R.Outputs = Sched.outputs(R.OutputErrors);
  R.FinalSteps = json::object();
  if (!P.outputs() || P.outputs()->size() == 0)
    for (uint32_t I : finalSteps(P)) {
      const StepState &St = Sched.state(I);
      if (St.Status == StepStatus::Completed && St.Result.is_object())
        R.FinalSteps[Sched.stepId(I).str()] = St.Result.value("output", json());
    }
  return R;
}

/// The loop the thread's last run left idle (EventLoop::resetIfIdle).
thread_local std::unique_ptr<EventLoop> SpareLoop;
}  // namespace

RunOutcome runPlanOnce(const LoadedPlan &Plan, const PlanProgram &Prog, json Inputs,
                       const PlanRunSettings &S, RunObserver *Observer,
                       const std::function<void(Scheduler &, Executor &)> &OnStart,
                       const std::function<void(Executor &)> &OnEnd) {
  std::unique_ptr<EventLoop> Owned =
      SpareLoop ? std::move(SpareLoop) : std::make_unique<EventLoop>();
  RunOutcome R = runOn(*Owned, Plan, Prog, std::move(Inputs), S, Observer, OnStart);
  if (OnEnd) OnEnd(*Owned);
  // Whatever the run's actions left behind (a timer, a watched pipe, a
  // callback) would outlive them: such a loop goes.
  if (Owned->resetIfIdle()) SpareLoop = std::move(Owned);
  return R;
}

PlanTool::PlanTool(LoadedPlan L, PlanRunSettings S)
    : Plan(std::move(L)),
      Prog(std::make_unique<PlanProgram>(Plan)),
      Settings(std::move(S)) {
  const pf::Plan &P = Plan.plan();
  Def = json::object();
  Def["name"] = toolName(P);
  Def["description"] = P.description() && P.description()->size()
                           ? P.description()->str()
                           : fmt::format("Runs the pipeline `{}`", toolName(P));
  Def["inputSchema"] = inputSchema(Plan, *Prog);
  Def["outputSchema"] = outputSchema(P);
}

ToolResult PlanTool::call(const json &Arguments, const CallContext &Ctx) {
  ToolResult R;
  llvm::Expected<json> Inputs = resolveRunInputs(Plan, *Prog, Arguments, {});
  if (!Inputs) {
    R.IsError = true;
    R.Text = argumentErrors(llvm::toString(Inputs.takeError()));
    return R;
  }
  // Concurrent calls each get a run directory of their own.
  PlanRunSettings Run = Settings;
  llvm::SmallString<128> CallDir;
  if (Settings.CallDirs) {
    // Absolute: createUniqueDirectory puts a relative prefix in /tmp.
    llvm::SmallString<128> Parent(Settings.RunDir);
    std::error_code EC = llvm::sys::fs::make_absolute(Parent);
    llvm::sys::path::append(Parent, "calls");
    if (!EC) EC = llvm::sys::fs::create_directories(Parent);
    if (!EC) EC = llvm::sys::fs::createUniqueDirectory(Parent + "/call", CallDir);
    if (EC) {
      R.IsError = true;
      R.Text = fmt::format("cannot create the call's run directory in `{}`: {}",
                           Parent.str().str(), EC.message());
      return R;
    }
    Run.RunDir = CallDir.str().str();
  }
  struct RemoveDir {
    llvm::SmallString<128> &Dir;
    ~RemoveDir() {
      if (!Dir.empty()) (void)llvm::sys::fs::remove_directories(Dir);
    }
  } Cleanup{CallDir};
  size_t Steps = Plan.plan().steps() ? Plan.plan().steps()->size() : 0;
  std::unique_ptr<ProgressObserver> Obs;
  if (Ctx.Progress) Obs = std::make_unique<ProgressObserver>(Ctx.Progress, Steps);
  // Input that arrives during the run may cancel it. After a cancel or the
  // end of input (which stays readable) the descriptor is let go, outside
  // its own callback. A descriptor epoll cannot watch (a file) cancels
  // nothing.
  CallWatch W;
  if (Settings.Watch) W = Settings.Watch(Plan, Obs.get());
  RunObserver *Observer = W.Observer ? W.Observer : Obs.get();
  Run.Calls = W.Calls;
  bool Cancelled = false, Done = false, Watching = false;
  auto OnStart = [&](Scheduler &S, Executor &Loop) {
    if (Obs) Obs->attach(S);
    if (W.Attach) W.Attach(S);
    if (Ctx.InputFd < 0 || !Ctx.OnInput) return;
    Watching = Loop.watchFd(Ctx.InputFd, [&] {
      if (Done) return;
      InputEvent E = Ctx.OnInput();
      if (E == InputEvent::Nothing) return;
      Done = true;
      Loop.post([&] { Loop.unwatchFd(Ctx.InputFd); });
      if (E != InputEvent::Cancel) return;
      Cancelled = true;
      S.stop("cancelled by the client", true);
    });
  };
  // The loop may serve the next call: it must not watch the input then.
  auto OnEnd = [&](Executor &Loop) {
    if (Watching && !Done) Loop.unwatchFd(Ctx.InputFd);
  };
  RunOutcome Out =
      runPlanOnce(Plan, *Prog, std::move(*Inputs), Run, Observer, OnStart, OnEnd);
  if (Cancelled) {
    R.Cancelled = true;
    R.IsError = true;
    R.Text = "run interrupted: cancelled by the client";
    return R;
  }
  if (Out.Status != RunStatus::Completed) {
    R.IsError = true;
    R.Text = fmt::format("run {}: {}", runStatusName(Out.Status), Out.Error);
    return R;
  }
  if (!Out.OutputErrors.empty()) {
    R.IsError = true;
    R.Text = "run completed, but outputs did not evaluate:";
    for (auto &[K, V] : Out.OutputErrors.items())
      R.Text += fmt::format(" output `{}`: {};", K, V.get<std::string>());
    R.Text.pop_back();
    return R;
  }
  bool Declared = Plan.plan().outputs() && Plan.plan().outputs()->size();
  R.Structured = !Declared                 ? Out.FinalSteps
                 : Out.Outputs.is_object() ? Out.Outputs
                                           : json::object();
  R.Text = messageText(R.Structured);
  return R;
}

}  // namespace orch::runtime::mcp
