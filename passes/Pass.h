//===- Pass.h - The pass interface and registry ----------------*- C++ -*-===//
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ir/Diagnostics.h"
#include "ir/Pipeline.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

namespace orch::passes {

struct AutoOptions;
struct ModelCatalog;
struct RunConfig;
struct McpOptions;

/// What every pass may use besides the pipeline.
struct PassContext {
  DiagnosticEngine &Diags;
  std::vector<ir::InputBinding> Bindings;
  /// How AUTO tags may be answered; null: they are left unresolved.
  AutoOptions *Auto = nullptr;
  /// The model registry and run configuration, if found (ModelCatalog.h).
  const ModelCatalog *Models = nullptr;
  const RunConfig *Config = nullptr;
  /// `--policy`: the selection policy (else config.yaml, else `default`).
  std::string Policy{};
  /// Memory of the machine in GB, for local models (0: unknown).
  double MachineMemoryGb = 0;
  /// Where `mcp` steps' tool schemas come from (McpSteps.h); null: not checked.
  McpOptions *Mcp = nullptr;
};

/// A transformation or check over the pipeline IR.
class Pass {
 public:
  virtual ~Pass() = default;
  /// The name in the registry: `cycle-check`.
  virtual llvm::StringRef name() const = 0;
  /// Runs the pass. Returns false if it reported errors; the pipeline then
  /// stops before the next pass.
  virtual bool run(ir::Pipeline &P, PassContext &Ctx) = 0;
};

/// Checks names, versions, enums, ranges and duplicate ids.
std::unique_ptr<Pass> createValidatePass();
/// Resolves every name in every template: steps, inputs, filters; infers
/// expression types, implicit inputs and compile-time bindings.
std::unique_ptr<Pass> createResolveNamesPass();
/// Resolves AUTO tags from the lock file, the cache or a model, typed by
/// their field, attributes and text (AutoResolve.h).
std::unique_ptr<Pass> createResolveAutoPass();
/// Turns dependency lists into edges and adds implicit edges for uses.
std::unique_ptr<Pass> createResolveDepsPass();
/// Folds templates whose names are all inputs bound at compile time
/// (`--set`, `--inputs`) into constants, with the runtime's evaluator.
std::unique_ptr<Pass> createFoldConstantsPass();
/// Quotes every run-time value in a `shell` command as one shell word
/// (`| raw` opts out, with a warning); checks `python` imports against
/// `security.forbidden_modules`; warns about secrets in `env`; puts
/// config.yaml's sandbox settings in the plan.
std::unique_ptr<Pass> createSecureStepsPass();
/// Checks steps that run built-in actions: parameters and the fields
/// templates read from them.
std::unique_ptr<Pass> createCheckActionsPass();
/// Derives the structured-output schema of model steps from the fields
/// other templates read.
std::unique_ptr<Pass> createInferOutputsPass();
/// Chooses a model for model steps that do not pin one: by `requires_model`
/// and a selection policy over the registry, with fallbacks.
std::unique_ptr<Pass> createSelectModelsPass();
/// ASAP levels, estimated durations and critical-path lengths.
std::unique_ptr<Pass> createSchedulePass();
/// Groups steps by the resource they use, with the limits orchrt enforces.
std::unique_ptr<Pass> createGroupResourcesPass();
/// Joins independent model steps of one level that opt in into fused
/// requests, one structured answer property a step (docs/fusion.md).
std::unique_ptr<Pass> createFuseModelsPass();
/// Reports every dependency cycle once, as its path.
std::unique_ptr<Pass> createCycleCheckPass();
/// Resolves route targets (docs/language.md §6.4), adds their order edges
/// and warns about steps no run reaches.
std::unique_ptr<Pass> createResolveRoutesPass();

/// One entry of the registry.
struct PassInfo {
  llvm::StringRef Name;
  llvm::StringRef Summary;
  std::unique_ptr<Pass> (*Create)();
};

/// Every pass, in the default order of the front-end pipeline.
llvm::ArrayRef<PassInfo> passRegistry();
/// The registry entry called \p Name, or null.
const PassInfo *findPass(llvm::StringRef Name);

/// Called after each pass that succeeded, with its name.
using AfterPassHook = std::function<void(llvm::StringRef, const ir::Pipeline &)>;

/// How long one pass took (`--time-passes`).
struct PassTiming {
  std::string Name;
  double Seconds = 0;
};

/// Runs \p Names (every registered pass if empty) in order, stopping after
/// the first pass that reports errors. Verifies the IR after each pass.
/// With \p Timings, appends each pass's wall time.
bool runPasses(ir::Pipeline &P, PassContext &Ctx, llvm::ArrayRef<std::string> Names = {},
               const AfterPassHook &After = nullptr,
               std::vector<PassTiming> *Timings = nullptr);

/// Checks a `--passes` / `--print-after` list: every name must be a
/// registered pass. Returns one message a bad name, with a guess.
std::vector<std::string> checkPassNames(llvm::ArrayRef<std::string> Names);

}  // namespace orch::passes
