//===- Pipeline.h - The typed pipeline IR ----------------------*- C++ -*-===//
//
// A pipeline is flat: steps, inputs and outputs are vectors indexed by
// integer ids in source order. Nodes point into the pipeline's bump
// allocator, which also owns every string.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir/SourceFile.h"
#include "ir/ToolMap.h"
#include "ir/Type.h"
#include "ir/Value.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Allocator.h"

namespace orch::ir {

/// A string with the location it was read from.
struct LocString {
  llvm::StringRef Str;
  SourceLoc Loc;
  uint32_t Length = 0;
};

/// An integer with the location it was read from.
struct LocInt {
  int64_t Val = 0;
  SourceLoc Loc;
  uint32_t Length = 0;
};

/// What happens when a step fails.
enum class FailurePolicy : uint8_t { Fail, Continue, Retry, Skip };

/// The spelling of \p P.
llvm::StringRef failurePolicyName(FailurePolicy P);
/// Parses `fail|continue|retry|skip`.
std::optional<FailurePolicy> parseFailurePolicy(llvm::StringRef S);

/// A dependency edge `Step -> Target` (the step waits for Target).
struct DepEdge {
  uint32_t Target;  ///< Index of the step depended on.
  SourceLoc Loc;    ///< Where the edge is written (or first implied).
  uint32_t Length = 0;
  bool Inferred = false;  ///< Added because a template uses Target.
  /// Added by resolve-routes: the step waits for Target's routing
  /// decision only; Target's skip does not skip it (docs/language.md §6.4).
  bool Order = false;
};

/// Which end of a step a route follows (docs/language.md §6.4).
enum class RouteKind : uint8_t {
  Success,  ///< `on_success: T`: the step completed.
  Failure,  ///< `on_failure: T`: the step failed (after its retries).
  False,    ///< `on_false: T`: the step's condition was false.
  When,     ///< `next: [{when: C, goto: T}]`: completed and C holds.
  Default,  ///< `next: [..., {goto: T}]`: completed and no `when` held.
};

/// The key a route kind is written with (`on_success`, `next`, ...).
llvm::StringRef routeKindName(RouteKind K);

/// A route `step -> Target`, taken at the step's end.
struct Route {
  RouteKind Kind = RouteKind::Success;
  LocString Target;       ///< The step id as written.
  Value *When = nullptr;  ///< RouteKind::When: the condition.
  int32_t To = -1;        ///< Resolved by resolve-routes: the target step.
  bool Goto = false;      ///< Written as ContextLab's step key `goto` (a Success route).
  /// A backward route (to its step or an earlier one): the source is the
  /// last body step of a routing cycle's loop (Step::CycleTail).
  bool Back = false;
};

/// The key \p R was written with, for messages: `goto`, or routeKindName().
llvm::StringRef routeKeyName(const Route &R);

/// What a use site tells about the shape of the field it reads; it types
/// the structured output asked of LLM steps.
enum class UseShape : uint8_t {
  Text,    ///< Printed or passed on: a string.
  List,    ///< Indexed, joined, `first`/`last`: a list of strings.
  Number,  ///< In arithmetic, compared with `<`, or converted with `int`.
  Bool,    ///< A condition, or an operand of `and`, `or`, `not`.
  Object,  ///< Read further by key: a mapping with property Sub.
};

/// A reference to another step's output from a template.
struct StepUse {
  uint32_t Target;
  llvm::StringRef Field;  ///< `output`, `results`, ... ("" for the whole step)
  SourceLoc Loc;
  uint32_t Length = 0;
  UseShape Shape = UseShape::Text;
  llvm::StringRef Sub{};  ///< The key read from an Object-shaped field.
  SourceLoc FieldLoc{};   ///< Where Field is written, for carets.
  uint32_t FieldLength = 0;
  SourceLoc SubLoc{};  ///< Where Sub is written, for carets.
  uint32_t SubLength = 0;
  /// Reads a step at or after the reader in their routing cycle
  /// (docs/control-flow.md §5): its previous iteration, so no edge.
  bool Previous = false;
};

/// One step of the pipeline.
struct Step {
  LocString Id;
  SourceLoc Loc;  ///< Start of the step's mapping.
  LocString Name;
  LocString Description;
  LocString Action;
  AutoTag *ActionAuto = nullptr;  ///< `action: <AUTO>..</AUTO>`
  /// ContextLab's `tool:` as written (empty if absent), and the row of
  /// ir/ToolMap.h the step was mapped by (a `tool:` or a tool-less
  /// ContextLab action such as `generate_text`), else null.
  LocString Tool;
  const ToolRow *ToolMap = nullptr;
  /// `metadata:`, and ContextLab's `produces:` and `location:`: what the
  /// step says about itself and its output; kept, never run.
  Value *Metadata = nullptr;
  LocString Produces;
  Value *Location = nullptr;
  MapValue *Params = nullptr;
  Value *Condition = nullptr;  ///< `condition:` template, if any.
  /// Dependencies as written, in order; resolved to Deps by the passes.
  std::vector<LocString> DepNames;
  AutoTag *DepsAuto = nullptr;  ///< `dependencies: <AUTO>..</AUTO>`
  bool HasDepsKey = false;
  /// Resolved edges: explicit ones in written order, then inferred ones.
  std::vector<DepEdge> Deps;
  /// Other steps' outputs this step's templates use, in source order.
  std::vector<StepUse> Uses;
  FailurePolicy OnFailure = FailurePolicy::Fail;
  LocString OnFailureText;  ///< As written; empty if absent.
  /// Routes in source order (`on_success`, `on_failure` naming a step,
  /// `on_false`, `next`); resolve-routes resolves their targets.
  std::vector<Route> Routes;
  std::optional<LocInt> Timeout;
  std::optional<LocInt> MaxRetries;
  /// `max_tokens:`: the longest answer a model step asks for; unset, the
  /// model's registry entry decides at run time.
  std::optional<LocInt> MaxTokens;
  /// `budget: {max_cost_usd, max_tokens}` (docs/observability.md §3): what
  /// the step's model calls (retries included) may spend; 0: no limit.
  double BudgetMaxCostUsd = 0;
  int64_t BudgetMaxTokens = 0;
  SourceLoc BudgetLoc;  ///< The `budget` key, if written.
  uint32_t BudgetLength = 0;
  /// `cache:` (docs/state.md): seconds a result stays valid (0: no expiry;
  /// -1: `cache: false`); unset: the pipeline's.
  std::optional<LocInt> CacheTtl;
  AutoTag *TimeoutAuto = nullptr;
  AutoTag *MaxRetriesAuto = nullptr;
  LocString Model;               ///< `model:` pins the step's model.
  AutoTag *ModelAuto = nullptr;  ///< `model: <AUTO>..</AUTO>`
  /// `model:` with a template (`{{ pick.selected_model }}`): rendered when
  /// the step starts, it names the model then; Model stays empty.
  Value *ModelValue = nullptr;
  /// For model steps whose fields other steps read: the JSON schema of the
  /// structured answer (set by infer-outputs), else empty.
  llvm::StringRef OutputSchema;
  /// `requires_model:`: what the step's model must offer (a mapping).
  Value *RequiresModel = nullptr;
  /// Set by select-models: why Model was chosen (or why it is left to the
  /// run), and the models to fall back to, best first.
  llvm::StringRef ModelWhy;
  std::vector<llvm::StringRef> FallbackModels;
  /// Model was chosen by select-models, not written: `--model` at run
  /// time overrides it.
  bool ModelSelected = false;
  /// Policy `ucb`: the exploration factor orchrt ranks Model and the
  /// fallbacks with, at run time, from recorded outcomes (0: not ucb).
  double UcbExploration = 0;
  /// Set by schedule: ASAP level (0: no dependencies), the estimated
  /// duration, and the longest estimated path from this step to the end
  /// (its own duration included): the runtime's priority.
  uint32_t Level = 0;
  uint64_t EstMs = 0;
  uint64_t PathMs = 0;
  /// Set by group-resources: index into Pipeline::Groups, or -1.
  int32_t Group = -1;
  /// `fuse:` (docs/fusion.md): true opts a model step into fuse-models,
  /// false opts it out of `context.fusion: models`; unset: the pipeline's.
  std::optional<bool> Fuse;
  SourceLoc FuseLoc;
  uint32_t FuseLength = 0;
  /// Set by fuse-models: index into Pipeline::ModelFusions, or -1.
  int32_t ModelFusion = -1;
  /// A `for_each` loop (docs/control-flow.md): the items template; the
  /// step runs Body once per item. Null for other steps.
  Value *ForEach = nullptr;
  /// `max_parallel:`: items whose bodies run at once (unset: no limit
  /// beyond -j).
  std::optional<LocInt> MaxParallel;
  /// A loop's direct body steps (indices into Pipeline::Steps), in source
  /// order; they follow the loop step in Steps.
  std::vector<uint32_t> Body;
  /// The loop whose body holds this step, or -1 at the top level.
  int32_t Parent = -1;
  /// A `while`/`until` loop (docs/control-flow.md §2): the condition,
  /// checked before each iteration (`while`) or after it (`until`). The
  /// step runs Body once per iteration, one at a time. Null otherwise.
  Value *LoopCond = nullptr;
  bool LoopUntil = false;  ///< `until:` (else `while:` or `loop_condition:`).
  /// `max_iterations:` of a `while`/`until` loop (required, at least 1).
  std::optional<LocInt> MaxIterations;
  /// `max_iterations: "{{ expr }}"`: the bound, rendered when the loop
  /// starts from the run's inputs (an integer from 1 to MaxLoopIterations);
  /// MaxIterations is then that ceiling. Null: the bound is MaxIterations.
  Value *MaxIterationsValue = nullptr;
  /// `expected_items:` of a loop: how many items (or iterations) the
  /// passes assume when they estimate its cost (docs/control-flow.md §3).
  std::optional<LocInt> ExpectedItems;
  /// A routing cycle's loop (docs/control-flow.md §5): the body step whose
  /// backward route repeats the body (its last), or -1 for other steps.
  /// The loop is an `until: false` whose iterations go on while that step
  /// takes its backward route.
  int32_t CycleTail = -1;
  /// A `for_each` or a `while`/`until` loop: a step with a Body.
  bool isLoop() const { return ForEach || LoopCond; }
  /// A routing cycle's loop (CycleTail).
  bool isCycle() const { return CycleTail >= 0; }
};

/// The step a route of step \p I leaves from: \p I itself, or for a routing
/// cycle's last step the cycle's loop, which takes its forward routes as
/// it ends (docs/control-flow.md §5). Its siblings are the steps a forward
/// route jumps over.
uint32_t routeSource(const std::vector<Step> &Steps, uint32_t I);

/// What name resolution appends to a read of a routing cycle's step that
/// means its previous iteration (`review@previous`); orchrt reads such a
/// name from the cycle's last finished iteration.
inline constexpr llvm::StringLiteral PreviousSuffix = "@previous";

/// The loops that hold step \p I, innermost first.
std::vector<uint32_t> enclosingLoops(const std::vector<Step> &Steps, uint32_t I);

/// How step \p From (-1: the pipeline's outputs) may read step \p Target.
enum class Reach : uint8_t {
  Visible,     ///< At the top level, or in a loop body that holds From.
  InsideLoop,  ///< In a loop body that does not hold From: read `loop.results`.
  OwnLoop,     ///< A loop that holds From: its results come after From runs.
};
/// Where \p Target stands as seen from \p From.
Reach reach(const std::vector<Step> &Steps, int32_t From, uint32_t Target);

/// How messages name loop step \p S: its kind ("`for_each` loop",
/// "`while` loop", "`until` loop"), what its body runs once per ("item",
/// "iteration") and when its results are whole.
struct LoopWords {
  llvm::StringRef Kind, Unit, Whole;
};
LoopWords loopWords(const Step &S);

/// "a `while` loop", "an `until` loop": a loop named by its key \p Key
/// (`for_each`, `while`, `until`, `loop_condition`) with its article.
std::string aLoop(llvm::StringRef Key);

/// A step id as written (`^[a-zA-Z][a-zA-Z0-9_-]*$`).
bool isStepId(llvm::StringRef S);

/// The type of loop variable \p Name (`item`, `index`, `is_first`,
/// `is_last` of a `for_each`; `iteration` of a `while`/`until`) as seen
/// from the loops that start at \p Loop and go outwards (-1: none), or
/// nothing if no such loop gives it. A loop variable hides a step or an
/// input of the same name.
std::optional<Type> loopVariableType(const std::vector<Step> &Steps, int32_t Loop,
                                     llvm::StringRef Name);

/// Steps that use one resource (a provider's model, subprocesses, a host)
/// and the limits the runtime enforces on them together.
struct ResourceGroup {
  llvm::StringRef Name;        ///< `model:openai/gpt-4o`, `subprocess`, `http:api.x.com`
  unsigned MaxConcurrent = 0;  ///< 0: no limit beyond -j.
  unsigned RequestsPerMinute = 0;  ///< 0: no rate limit.
  unsigned Burst = 0;              ///< Starts allowed at once under the rate.
  /// Model tokens a minute for the provider's requests (a model group's
  /// `tokens_per_minute`); 0: none. Enforced per request by the LLM client.
  uint64_t TokensPerMinute = 0;
  llvm::StringRef LimitsFrom;  ///< Where the limits come from.
};

/// A name and a value, each where it was written (`env:`, `headers:`).
struct LocPair {
  LocString Key;
  LocString Val;
};

/// An MCP server the pipeline's `mcp` steps call (`mcp_servers:`; see
/// docs/backends/mcp.md): a program over stdio, or a Streamable HTTP URL.
struct McpServer {
  LocString Name;
  LocString Command;  ///< stdio: the program (looked up on PATH).
  std::vector<LocString> Args;
  /// stdio: the server's whole environment. A value `${VAR}` names a
  /// variable of orchrt's environment, read at run time (the plan holds
  /// the name only); any other value is literal text.
  std::vector<LocPair> Env;
  LocString Url;                 ///< HTTP: the endpoint.
  std::vector<LocPair> Headers;  ///< HTTP: values as for Env.
  /// `max_concurrent:`: calls in flight at once on this server (0: -j).
  std::optional<LocInt> MaxConcurrent;
};

/// A pipeline input: declared in `inputs`, or implied by a template.
struct Input {
  LocString Name;
  Type Ty = Type::Any;
  Value *Default = nullptr;
  bool Required = true;
  LocString Description;
  /// `enum:` / `choices:` (ContextLab): the values the input may take.
  ListValue *Choices = nullptr;
  bool Implicit = false;  ///< Not declared; found in a template.
  /// Bound at compile time by `--set` or `--inputs`.
  Value *Bound = nullptr;
  /// Template uses, in source order (for implicit inputs' warning).
  std::vector<SourceLoc> Uses;
};

/// A constant scalar value as a literal (`"deep"`, `3`); "" for anything
/// else (a template, a list, a map).
std::string scalarText(const Value *V);

/// May input \p In take \p V? False only when \p V is a constant scalar
/// outside the input's `enum` / `choices`; then \p List holds the choices,
/// for the message. Other values are checked when they are known.
bool inputAllows(const Input &In, const Value *V, std::string &List);

/// A compile-time input value from `--set name=value` or `--inputs FILE`.
struct InputBinding {
  std::string Name;
  Value *V = nullptr;  ///< Allocated in the pipeline's arena.
  std::string Origin;  ///< `--set topic=x` or the file name, for messages.
};

/// A declared pipeline output: a name and a template.
struct Output {
  LocString Name;
  Value *V = nullptr;
};

/// Pipeline-wide execution settings (`context:`).
struct ExecContext {
  std::optional<LocInt> Timeout;
  std::optional<LocInt> MaxRetries;
  LocString CheckpointStrategy;
  /// `context.budget` (docs/observability.md §3); 0: no limit.
  double BudgetMaxCostUsd = 0;
  int64_t BudgetMaxTokens = 0;
  bool BudgetWarnOnly = false;  ///< `on_budget: warn`.
  /// `context.fusion: models` (docs/fusion.md): model steps fuse unless
  /// they say `fuse: false`.
  bool FuseModels = false;
  /// `context.fusion_max_steps`: steps a fused request holds at most.
  std::optional<LocInt> FusionMaxSteps;
  /// `context.execution: batch` (docs/fusion.md §8): orchrt sends model
  /// steps through the providers' batch APIs, as with `--batch`.
  bool BatchExecution = false;
};

//===- Model fusion (fuse-models, docs/fusion.md) -------------------------===//

/// Model steps of one level that fuse-models joins into one request: one
/// structured answer with a property per step. Token figures are the
/// pass's estimates (characters / 4), for `orchc explain` and `graph`.
struct ModelFusionGroup {
  std::vector<uint32_t> Steps;  ///< In source order.
  llvm::StringRef Model;
  uint32_t Level = 0;
  int64_t EstPromptTokens = 0;       ///< The fused request's prompt.
  int64_t EstPromptTokensSaved = 0;  ///< Against one request a step.
  int64_t EstOutputTokens = 0;       ///< The parts' answers together.
};

//===----------------------------------------------------------------------===//

/// Storage for IR and AST nodes and strings: everything allocated here is
/// trivially destructible and freed at once with the arena.
class Arena {
 public:
  /// Allocates a node.
  template <typename T, typename... Args>
  T *create(Args &&...A) {
    return new (Alloc.Allocate<T>()) T(std::forward<Args>(A)...);
  }
  /// Copies \p S into the arena.
  llvm::StringRef save(llvm::StringRef S) {
    if (S.empty()) return {};
    char *Mem = Alloc.Allocate<char>(S.size());
    std::memcpy(Mem, S.data(), S.size());
    return {Mem, S.size()};
  }
  /// Copies \p Items into the arena.
  template <typename T>
  llvm::ArrayRef<T> copyArray(llvm::ArrayRef<T> Items) {
    if (Items.empty()) return {};
    T *Mem = Alloc.Allocate<T>(Items.size());
    std::uninitialized_copy(Items.begin(), Items.end(), Mem);
    return {Mem, Items.size()};
  }
  /// Bytes allocated so far.
  size_t bytesAllocated() const { return Alloc.getBytesAllocated(); }

 private:
  llvm::BumpPtrAllocator Alloc;
};

/// The whole compiled pipeline.
class Pipeline {
 public:
  Pipeline(std::shared_ptr<const SourceFile> File, std::shared_ptr<Arena> A);

  /// The file this pipeline was read from.
  const SourceFile &file() const { return *File; }
  /// The arena that owns this pipeline's nodes and strings.
  Arena &arena() { return *Mem; }

  LocString Name;
  /// ContextLab's free-text `name:` when the pipeline also has an `id:`
  /// (which is then Name).
  LocString Title;
  LocString Version;
  LocString Description;
  Value *Metadata = nullptr;
  ExecContext Context;
  /// The pipeline's `cache:`, the default of its steps (Step::CacheTtl).
  std::optional<LocInt> CacheTtl;
  /// True if the file has an `inputs:` key (so unknown names are errors).
  bool DeclaresInputs = false;
  std::vector<Input> Inputs;
  std::vector<Output> Outputs;
  std::vector<Step> Steps;
  /// Resource groups (group-resources), in order of first use.
  std::vector<ResourceGroup> Groups;
  /// Fused model requests (fuse-models), in order of their first step.
  std::vector<ModelFusionGroup> ModelFusions;
  /// The schedule pass ran: steps have levels and paths.
  bool Scheduled = false;
  /// execution.max_concurrent_tasks of config.yaml: orchrt's default -j.
  unsigned MaxConcurrentTasks = 0;
  /// config.yaml `sandbox.enabled: false` (secure-steps copies it here).
  bool SandboxDisabled = false;
  /// config.yaml `sandbox.user_namespace: false`: unsandboxed non-root
  /// steps get no user namespace of their own (setuid tools work).
  bool SandboxNoUserns = false;
  /// config.yaml `sandbox.resource_limits` as JSON text, or "".
  std::string SandboxLimits;
  /// config.yaml `security.forbidden_modules` (orchrt's import hook).
  std::vector<std::string> ForbiddenModules;
  /// config.yaml `storage:` (state store; docs/state.md): the connection
  /// as the plan may keep it (`${NAME}`, a URL without password, a
  /// directory; "" unset) and `retention_days` (0 unset).
  std::string StorageConnection;
  unsigned StorageRetentionDays = 0;
  /// config.yaml `monitoring:` (docs/observability.md): the metrics port
  /// (-1: none) and host ("": loopback), the traces endpoint ("": none).
  int MetricsPort = -1;
  std::string MetricsHost;
  std::string TracingEndpoint;
  /// Step outputs the pipeline's `outputs` read, in source order.
  std::vector<StepUse> OutputUses;
  /// `mcp_servers:`, in source order.
  std::vector<McpServer> McpServers;
  /// Every AUTO tag, in source order (index == AutoTag::Id).
  std::vector<AutoTag *> AutoTags;

  /// Index of the step named \p Id, if any (first one on duplicates).
  std::optional<uint32_t> findStep(llvm::StringRef Id) const;
  /// Index of the input named \p N, if any.
  std::optional<uint32_t> findInput(llvm::StringRef N) const;
  /// Appends \p In and indexes it (the first input of a name wins).
  void addInput(Input In);
  /// Rebuilds the name indexes after Steps or Inputs changed.
  void reindex();

 private:
  std::shared_ptr<const SourceFile> File;
  std::shared_ptr<Arena> Mem;
  llvm::StringMap<uint32_t> StepIndex;
  llvm::StringMap<uint32_t> InputIndex;
};

}  // namespace orch::ir
