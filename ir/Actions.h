//===- Actions.h - Signatures of the built-in actions ----------*- C++ -*-===//
//
// What the compiler checks and the runtime implements: each built-in
// action's parameters and typed outputs. Every other action name is an LLM
// task (see docs/actions.md). The implementations live in runtime/actions.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>

#include "ir/Type.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

namespace orch::ir {

/// One parameter of a built-in action.
struct ActionParam {
  llvm::StringRef Name;
  Type Ty;  ///< Any: every JSON value is accepted.
  bool Required;
  llvm::StringRef Summary;
  /// Another name of parameter SameAs (the seed's spelling): checked like
  /// it, and a step gives one of the two, never both.
  llvm::StringRef SameAs = {};
};

/// One field of a built-in action's result (`steps.<id>.<field>`).
struct ActionField {
  llvm::StringRef Name;
  Type Ty;
  llvm::StringRef Summary;
};

/// A built-in action.
struct ActionInfo {
  llvm::StringRef Name;
  llvm::StringRef Summary;
  llvm::ArrayRef<ActionParam> Params;
  llvm::ArrayRef<ActionField> Fields;
  /// Calls a model: `generate`. Its result also has the fields later steps
  /// reference, as for LLM tasks.
  bool UsesModel = false;
  /// Pure or local-file work that finishes at once (echo, transform,
  /// file.read, file.write): what the fuse pass chains.
  bool Local = false;
  /// Starts a process (shell): runs in the sandbox; `command` values are
  /// quoted by the secure-steps pass.
  bool RunsProcess = false;
  /// Its result has fields the compiler cannot list (`mcp`: the keys of a
  /// tool's structured result): templates may read any field.
  bool OpenFields = false;
  /// Keeps state in orchrt's process (the run's memory): a resumed run
  /// runs it again, and so the steps after it, instead of taking over its
  /// recorded result.
  bool ProcessState = false;
  /// Acts on the run (its memory, a server connection), so a stored
  /// result must never stand in for it: never taken from the step cache,
  /// and `cache:` on such a step is CacheNotAllowed.
  bool NotCached = false;
  /// A model action that asks alone (never fused, never batched) and
  /// answers only the fields listed (`extract`).
  bool Alone = false;
  /// Not a model step (no `model:`, no answer schema) that still asks
  /// models when it runs (`model.batch`): events and accounting treat its
  /// attempts as model calls.
  bool AsksModels = false;
};

/// The largest `max_tokens` a step, a `generate` parameter or a registry
/// entry may ask for.
constexpr int64_t MaxOutputTokens = 1'000'000;

/// The longest `sleep` (`ms`): one day.
constexpr int64_t MaxSleepMs = 86'400'000;

/// Every built-in action, sorted by name.
llvm::ArrayRef<ActionInfo> builtinActions();
/// The built-in action called \p Name, or null: then \p Name is an LLM task.
const ActionInfo *findBuiltinAction(llvm::StringRef Name);
/// Is \p Param an integer parameter of \p A (`ms`, `max_results`,
/// `max_tokens`)? A whole number rendered there is passed as the integer
/// (ir::wholeToInteger).
bool isIntegerParam(const ActionInfo &A, llvm::StringRef Param);
/// Does a step with action \p Name call a model (`generate` or an LLM task)?
bool isModelAction(llvm::StringRef Name);
/// Does a step with action \p Name send model requests when it runs: a
/// model action, or one that asks models itself (ActionInfo::AsksModels)?
bool asksModels(llvm::StringRef Name);
/// May a step with action \p Name go out in a provider's batch (a model
/// action that does not ask alone)?
bool batchable(llvm::StringRef Name);
/// Does action \p Name talk to an MCP server of the pipeline (`mcp`,
/// `mcp.call`, `mcp.connect`, ...)? Its `server` parameter names one.
bool isMcpAction(llvm::StringRef Name);

/// The methods `http.request` sends, in upper case.
llvm::ArrayRef<llvm::StringRef> httpMethods();

/// The values of `generate`'s `response_format`: `text` (the default) and
/// `json_object` (the answer is one JSON object, the service's JSON mode).
llvm::ArrayRef<llvm::StringRef> responseFormats();

/// The values of `validate`'s `mode`: `strict` (the default), `lenient` and
/// `report_only`, as ContextLab's validation tool names them.
llvm::ArrayRef<llvm::StringRef> validationModes();

/// The values of `model.route`'s `strategy` (one `request`), the default
/// first: `capability_based`, `cost_optimized`, `round_robin`,
/// `least_loaded`.
llvm::ArrayRef<llvm::StringRef> requestRouteStrategies();

/// The values of `model.route`'s `routing_strategy` (a list of `tasks`),
/// the default first: `balanced`, `cost`, `cost_optimized`, `quality`,
/// `quality_optimized`, `capability_based`, `speed`.
llvm::ArrayRef<llvm::StringRef> taskRouteStrategies();

/// The values of `model.batch`'s `optimization_goal`, the default first:
/// `minimize_cost`, `balanced`, `maximize_quality`.
llvm::ArrayRef<llvm::StringRef> batchGoals();

/// The values of `prompt.optimize`'s `optimization_goals`, in the order
/// they apply: `clarity`, `brevity`, `specificity`, `model_specific`.
llvm::ArrayRef<llvm::StringRef> promptGoals();

/// The chart types `chart` draws (`chart_types` also takes `auto`).
llvm::ArrayRef<llvm::StringRef> chartTypeNames();

/// The values of `chart`'s `theme`: `default` and `seaborn` (one light
/// look here) and `dark`.
llvm::ArrayRef<llvm::StringRef> chartThemes();

/// The smallest and largest `width` and `height` of a chart, in pixels.
constexpr int64_t MinChartPixels = 100, MaxChartPixels = 10000;

/// The search services `web.search` asks, in the order a step without
/// `backend:` tries them (the first one configured answers).
llvm::ArrayRef<llvm::StringRef> searchBackends();
/// The bounds of web.scrape's `max_content_length`, in bytes.
constexpr int64_t MinScrapeBytes = 1024;
constexpr int64_t MaxScrapeBytes = int64_t(64) << 20;

/// The most results a `web.search` step may ask for.
constexpr int64_t MaxSearchResults = 100;

/// What a piece of text is in an HTTP request.
enum class HttpPart : uint8_t { Url, HeaderName, HeaderValue };

/// What in \p Text an HTTP request cannot carry as \p Part, as words ("a
/// line feed (LF)"), or "" if nothing: CR, LF and NUL anywhere (a line break
/// in a header would start another header or request), and in a header
/// name any byte that is not an RFC 9110 token character.
std::string httpTextProblem(HttpPart Part, llvm::StringRef Text);

/// The operations of the `transform` action besides the template filters,
/// the seed's names (`uppercase`) included.
llvm::ArrayRef<llvm::StringRef> transformOps();

/// The transformation types of `data.transform` (ContextLab's and
/// `normalize`), in order.
llvm::ArrayRef<llvm::StringRef> dataTransformTypes();

/// The values one text parameter of a built-in action takes.
struct ParamChoices {
  llvm::StringRef Action;
  llvm::StringRef Param;
  llvm::ArrayRef<llvm::StringRef> Values;
};

/// Every parameter with a fixed set of values (a table).
llvm::ArrayRef<ParamChoices> paramChoices();

/// The values parameter \p Param of \p Action takes, or none (any text).
llvm::ArrayRef<llvm::StringRef> paramChoices(llvm::StringRef Action,
                                             llvm::StringRef Param);

/// The operation a `transform` name runs: the filter a seed name stands for
/// (`uppercase` -> `upper`), else \p Name itself.
llvm::StringRef canonicalTransformOp(llvm::StringRef Name);
/// Why \p Name may not be a variable in a process step's `env`, or empty
/// when it may: it must match `[A-Za-z_][A-Za-z0-9_]*` and not be one the
/// dynamic loader or the C library act on (LD_*, GCONV_PATH, GLIBC_TUNABLES,
/// ...). The compiler checks constant names, the runtime rendered ones.
std::string envNameProblem(llvm::StringRef Name);

}  // namespace orch::ir
