//===- Lowerer.h - The lowering of a document, inside the front end -*- C++ -*-===//
//
// Private to frontend/: the class behind lowerDocument (Lowering.h). Its
// members are defined in Lowering.cpp (this format's keys) and
// LoweringMcp.cpp (`mcp_servers:`) and
// LoweringContextLab.cpp (ContextLab's: tools, `on_error`, conditions
// without `{{ }}`, `enhanced_outputs`) and SubPipeline.cpp (`action:
// pipeline` calls, inlined).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "frontend/Ast.h"
#include "ir/Diagnostics.h"
#include "ir/Pipeline.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringMap.h"

namespace orch::frontend::lowering {

/// `while`, `until` or `loop_condition` (ContextLab's spelling of `while`).
bool isLoopConditionKey(llvm::StringRef K);
/// `on_success`, `goto`, `on_false` or `next` (LoweringRoutes.cpp).
bool isRouteKey(llvm::StringRef K);

using ast::KeyValue;
using ast::MapNode;
using ast::Node;
using ast::ScalarNode;

/// \p S in backticks, for messages.
inline std::string quoted(llvm::StringRef S) { return "`" + S.str() + "`"; }

/// What the lowering of a pipeline shares with the sub-pipelines it calls
/// (SubPipeline.cpp).
struct CallContext {
  /// The top pipeline's file, where callees are included
  /// (ir/SourceIncludes.h); null: calls are errors (stdin, or a test).
  const SourceFile *Root = nullptr;
  /// The real directory of the top pipeline file: no callee lies outside.
  std::string RootDir;
  /// The real paths of the files being lowered, outermost first.
  std::vector<std::string> Stack;
  /// ContextLab's places (`examples/`, `pipelines/` under orchc's
  /// directory, real paths) a `pipeline-executor` callee was found in:
  /// files under them are callable too.
  std::vector<std::string> PlaceDirs;
  /// Each callee file read so far, by real path: read and included once.
  llvm::StringMap<std::shared_ptr<const SourceFile>> Read;
  /// Calls and callee steps inlined so far, against the limits.
  unsigned CallCount = 0;
  size_t InlinedSteps = 0;
  /// Bytes of the callee files as read, padding included.
  uint64_t PaddedBytes = 0;
};

/// A run variable (`timestamp`, `execution`, `output_path`) a callee
/// reads: checkCalleeRunVariables() refuses it if a step or input of the
/// calling pipeline has its name, which would be read in its place.
struct RunVariableRead {
  llvm::StringRef Name;
  SourceLoc Loc;
  uint32_t Length;
};

/// Whether \p A and \p B start and reach the same MCP server (locations
/// aside).
bool sameServer(const ir::McpServer &A, const ir::McpServer &B);

class Lowerer {
 public:
  Lowerer(const ast::Document &D, DiagnosticEngine &Diags, CallContext *Calls = nullptr)
      : Doc(D),
        Diags(Diags),
        P(std::make_unique<ir::Pipeline>(D.File, D.Arena)),
        A(*D.Arena),
        Calls(Calls) {}

  std::unique_ptr<ir::Pipeline> run();

 private:
  const MapNode *expectMap(const Node *N, llvm::StringRef What) {
    if (auto *M = llvm::dyn_cast<MapNode>(N)) return M;
    Diags.report(DiagKind::TypeMismatch, N->loc(), N->length(), What.str(), "a mapping",
                 N->describe().str());
    return nullptr;
  }

  /// Reports every key of \p M not in \p Allowed; ContextLab's keys of a
  /// step (\p Step) or of the pipeline get their own message.
  /// Returns false if a key is a construct that is not supported yet.
  bool checkKeys(const MapNode *M, llvm::ArrayRef<llvm::StringRef> Allowed,
                 llvm::StringRef Where, std::optional<bool> Step = std::nullopt);

  /// A fixed string: any untemplated scalar, as written.
  std::optional<ir::LocString> getString(const Node *N, llvm::StringRef What,
                                         bool TemplateTextOk = false) {
    auto *S = llvm::dyn_cast<ScalarNode>(N);
    if (!S) {
      Diags.report(DiagKind::TypeMismatch, N->loc(), N->length(), What.str(), "a string",
                   N->describe().str());
      return std::nullopt;
    }
    if (!fixed(S, What, TemplateTextOk)) return std::nullopt;
    return ir::LocString{S->value(), S->loc(), S->length()};
  }

  /// False (after a diagnostic) if \p S holds an AUTO tag, or a template
  /// where one is not allowed.
  bool fixed(const ScalarNode *S, llvm::StringRef What, bool TemplateTextOk) {
    for (const ir::Segment &Seg : S->segments()) {
      if (Seg.K == ir::Segment::Kind::Auto) {
        Diags.report(DiagKind::AutoNotAllowed, Seg.Tag->Loc, Seg.Tag->Length, What.str());
        return false;
      }
      if (Seg.K == ir::Segment::Kind::Expr && !TemplateTextOk) {
        Diags.report(DiagKind::TemplateNotAllowed, Seg.E->loc(), Seg.E->length(),
                     What.str());
        return false;
      }
    }
    // Text alone that is not the scalar as written: a file inclusion, a
    // comment, `{% raw %}`; a fixed field takes the scalar as written.
    if (S->isTemplated() && !TemplateTextOk) {
      Diags.report(DiagKind::TemplateNotAllowed, S->loc(), S->length(), What.str());
      return false;
    }
    return true;
  }

  /// fixed() over every scalar of a value, however deeply nested.
  bool fixedTree(const Node *N, llvm::StringRef What, bool TemplateTextOk) {
    if (auto *S = llvm::dyn_cast<ScalarNode>(N)) return fixed(S, What, TemplateTextOk);
    bool Ok = true;
    if (auto *Q = llvm::dyn_cast<ast::SeqNode>(N))
      for (const Node *I : Q->items()) Ok &= fixedTree(I, What, TemplateTextOk);
    if (auto *M = llvm::dyn_cast<MapNode>(N))
      for (const KeyValue &KV : M->entries())
        Ok &= fixedTree(KV.Value, What, TemplateTextOk);
    return Ok;
  }

  std::optional<ir::LocInt> getInt(const Node *N, llvm::StringRef What) {
    auto *S = llvm::dyn_cast<ScalarNode>(N);
    if (S && !fixed(S, What, false)) return std::nullopt;
    if (!S || S->typedValue().Ty != ir::Type::Int) {
      Diags.report(DiagKind::TypeMismatch, N->loc(), N->length(), What.str(),
                   "an integer", N->describe().str());
      return std::nullopt;
    }
    return ir::LocInt{S->typedValue().I, S->loc(), S->length()};
  }

  std::optional<bool> getBool(const Node *N, llvm::StringRef What) {
    auto *S = llvm::dyn_cast<ScalarNode>(N);
    if (!S || S->isTemplated() || S->typedValue().Ty != ir::Type::Bool) {
      Diags.report(DiagKind::TypeMismatch, N->loc(), N->length(), What.str(), "a boolean",
                   N->describe().str());
      return std::nullopt;
    }
    return S->typedValue().B;
  }

  /// For two keys that say the same (`dependencies` and `depends_on`):
  /// true for the first seen (recorded in \p Seen), an error for another.
  bool firstOf(const KeyValue *&Seen, const KeyValue &KV) {
    if (Seen) {
      Diags.report(DiagKind::DuplicateAlias, KV.Key->loc(), KV.Key->length(),
                   Seen->Key->value().str(), KV.Key->value().str());
      return false;
    }
    Seen = &KV;
    return true;
  }

  /// `cache:` (docs/state.md): `true` (no expiry, 0), `false` (-1), or
  /// `{ttl: DURATION}`, seconds as an integer or `90s`, `30m`, `1h`, `2d`.
  std::optional<ir::LocInt> getCache(const Node *N);

  ir::AutoTag *soleAuto(const Node *N) {
    auto *S = llvm::dyn_cast<ScalarNode>(N);
    return S ? S->soleAuto() : nullptr;
  }

  ir::Value *value(const Node *N, const std::string &Path);
  /// The pipeline's `name` \p X without `id`: the name if it is an
  /// identifier; else, as ContextLab's id defaults to its name, the title,
  /// with the name derived from it (lower case, `_` for each run of other
  /// characters).
  void nameFromText(const ir::LocString &X);
  void lowerContext(const MapNode *M);
  void lowerMcpServers(const Node *N);
  /// One MCP server's entry \p N, named \p Name (`Where` names it in
  /// diagnostics); nullopt when it is not a mapping.
  std::optional<ir::McpServer> lowerMcpServer(ir::LocString Name, const Node *N,
                                              const std::string &Where);
  /// ContextLab's `mcp-server` `connect` step \p Step, with its
  /// \p Params (null: none): `server_config` declares server
  /// `server_name` (merged by mergeConnectServers).
  void lowerMcpConnect(const MapNode *Step, const MapNode *Params);
  /// Adds the servers `connect` steps declare (McpConnectConflict for a
  /// name declared with another configuration).
  void mergeConnectServers();
  /// ContextLab's dispatch row \p Row (`mcp-memory` `execute`): the row of
  /// the action its parameter names, or null after a diagnostic.
  const ir::ToolRow *subActionRow(const MapNode *M, const ir::ToolRow &Row,
                                  const ir::LocString &Tool);
  /// `context.budget: {max_cost_usd, max_tokens, on_budget}`, or with \p S
  /// a step's `budget: {max_cost_usd, max_tokens}` (the run's `on_budget`
  /// applies to it).
  void lowerBudget(const Node *N, ir::Step *S = nullptr);
  void lowerInputs(const Node *N, llvm::StringRef Key);
  /// Adds input \p In, read under \p Key (`inputs`, `parameters`), a
  /// direct value (ContextLab's `name: value`) if \p Direct. The same name
  /// as a value under one key and a declaration without a default under
  /// the other is one input: the declaration, with the value as default.
  void addInput(ir::Input In, llvm::StringRef Key, bool Direct);
  void lowerEnhancedOutputs(const Node *N);
  void lowerTool(const MapNode *M, ir::Step &S);
  /// Does the pipeline declare an MCP server named \p Name (`mcp_servers:`)?
  bool declaresMcpServer(llvm::StringRef Name) const;
  /// ContextLab's `tool:` that names a declared MCP server, with \p Action
  /// (at \p Loc): `action: mcp`, the server's tool \p Action, the step's
  /// `parameters` its `arguments`.
  void lowerMcpTool(const MapNode *M, ir::Step &S, llvm::StringRef Action, SourceLoc Loc,
                    uint32_t Len);
  void lowerParams(const Node *N, ir::Step &S, bool ModelKey);
  void lowerModel(const Node *V, ir::Step &S);
  void lowerOnError(const KeyValue &KV, const MapNode *M, ir::Step &S);
  /// ContextLab's `continue_on_error: true`: `on_failure: continue`.
  void lowerContinueOnError(const KeyValue &KV, const MapNode *M, ir::Step &S);
  /// ContextLab's `action: echo TEXT` (or print, display, show, output):
  /// `echo` with `message` TEXT as written, quotes and all.
  void lowerEchoProse(const KeyValue &Act, ir::Step &S);
  /// The echo prose row when templated \p Action begins with an echo word
  /// and white space before its first template (`echo {{ x }}`), else null.
  const ir::ToolRow *echoProseRow(const ScalarNode *Action);
  /// The `message` of echo prose \p Action: the text after its first word,
  /// stripped; a template keeps its values (auto tags at \p Path).
  ir::Value *echoMessage(const ScalarNode *Action, const std::string &Path);
  ir::Value *lowerCondition(const Node *V, const std::string &Path);
  void lowerOutputs(const Node *N);
  /// Lowers step \p N (number \p Index of its list) into the body of loop
  /// \p Parent (-1: the top level).
  void lowerStep(const Node *N, size_t Index, int32_t Parent = -1);
  /// A loop's keys (`for_each`/`foreach`, `max_parallel`; or `while`,
  /// `until`, `loop_condition` and `max_iterations`), on the loop step
  /// \p S; false if it is not a loop.
  bool lowerLoopKeys(const MapNode *M, ir::Step &S, const std::string &Prefix);
  /// `max_iterations` of the `while`/`until` loop \p S whose condition is
  /// \p Cond: required, 1 to ir::MaxLoopIterations.
  void lowerIterationBound(const MapNode *M, ir::Step &S, const KeyValue *Cond);
  /// `expected_items` of loop \p S (or of a routing cycle's step \p M).
  void lowerExpectedItems(const MapNode *M, ir::Step &S);
  /// Lowers the nested `steps` of loop \p L, after it is in the pipeline.
  void lowerBody(const MapNode *M, uint32_t L);
  void lowerDeps(const Node *N, ir::Step &S, llvm::StringRef What);
  /// The routes of step \p S (docs/language.md §6.4; LoweringRoutes.cpp).
  void lowerRoutes(const MapNode *M, ir::Step &S, const std::string &Prefix);
  /// A route's target: a step id, or `{goto: STEP}`.
  std::optional<ir::LocString> routeTarget(const Node *V, llvm::StringRef What);

  //===- Routing cycles (LoweringCycles.cpp) --------------------------------===//
  /// Steps Head..Tail of a `steps:` list, repeated while Tail takes its
  /// backward route to \p Target (docs/control-flow.md §5).
  struct CycleSpan {
    size_t Head, Tail;
    const ScalarNode *Target;  ///< The backward route's target, as written.
  };
  /// The routing cycles of the top-level list \p Seq, in order; reports
  /// those it cannot lower (overlapping, from a loop, no `max_iterations`).
  std::vector<CycleSpan> findCycles(const ast::SeqNode *Seq);
  /// Lowers the top-level steps \p Seq, each cycle as a loop step.
  void lowerSteps(const ast::SeqNode *Seq);
  /// Lowers cycle \p C of \p Seq: its loop step `cycle:<tail>`, then its steps.
  void lowerCycle(const ast::SeqNode *Seq, const CycleSpan &C);
  /// Reports each route back in the loop body \p Seq (NotSupportedYet).
  void refuseBodyCycles(const ast::SeqNode *Seq);
  /// Reports an unknown route target of a step of \p Seq that has
  /// `max_iterations` but is no loop and no cycle's last step.
  void checkStrayBounds(const ast::SeqNode *Seq);
  /// The steps whose route back makes a routing cycle (findCycles()).
  llvm::SmallPtrSet<const MapNode *, 4> CycleTails;
  /// While a cycle's steps are lowered: the step that routes back.
  const MapNode *CycleTail = nullptr;
  /// Steps whose route back was refused (in a loop body, overlapping):
  /// their `max_iterations` is the refused cycle's, no second error.
  llvm::SmallPtrSet<const MapNode *, 4> RefusedTails;

  //===- Sub-pipelines (SubPipeline.cpp) -----------------------------------===//
  /// If \p M is a call (`action: pipeline`, or ContextLab's `tool:
  /// pipeline-executor`), the map that holds its `pipeline` and `inputs`
  /// (the step, or the executor's `parameters`); else null. Reports call
  /// keys on other steps and step keys a call cannot take.
  const MapNode *lowerCallKeys(const MapNode *M);
  /// The `parameters` of ContextLab's `pipeline-executor` step \p M,
  /// checked, with its settings kept in Executor for inlineCall; or null.
  const MapNode *lowerExecutorCall(const MapNode *M);
  /// Reads, lowers and inlines the callee named in \p Keys (lowerCallKeys)
  /// of call \p S: appends the `<id>.inputs` step and the callee's steps,
  /// and makes \p S the step that returns the callee's outputs.
  void inlineCall(const MapNode *Keys, ir::Step &S);
  /// The callee text of a ContextLab call whose `pipeline:` is the
  /// pipeline itself (\p V, inline YAML), included in the sources, or null.
  std::shared_ptr<const SourceFile> inlineCallee(const ScalarNode *V,
                                                 llvm::StringRef Call);
  /// Includes callee text \p Text (shown as \p Shown, keyed by \p Key)
  /// in the compilation's sources, padded so its offsets are its own.
  std::shared_ptr<const SourceFile> includeCallee(const std::string &Shown,
                                                  std::string Text,
                                                  const ir::LocString &At);
  /// Renames the route targets of a callee's steps into call \p Call
  /// (`<call>.<id>`); a target the callee lacks is an error naming \p Shown.
  void renameCalleeRoutes(ir::Pipeline &Callee, llvm::StringRef Call,
                          llvm::StringRef Shown);
  /// The callee file of \p Path (relative to this file; for a \p
  /// ContextLab executor also ContextLab's places under orchc's directory),
  /// read and included in the sources, or null after a diagnostic.
  std::shared_ptr<const SourceFile> readCallee(const ir::LocString &Path,
                                               std::string &RealPath,
                                               bool ContextLab = false);

  /// A ContextLab `pipeline-executor` call's settings (lowerExecutorCall),
  /// for the inlineCall of the same step.
  struct ExecutorCall {
    const MapNode *OutputMapping = nullptr;
    std::optional<ir::LocInt> RetryCount;   ///< Attempts of each callee step.
    std::optional<ir::LocInt> Timeout;      ///< Seconds, each callee step.
    std::optional<ir::LocString> Continue;  ///< `error_handling: continue`.
  };
  std::optional<ExecutorCall> Executor;
  /// Reports reads of `<call>.outputs.<name>` that name no output.
  void checkCallOutputs();
  void checkCalleeRunVariables();
  /// Adds the callees' MCP servers to the pipeline's (McpServerConflict
  /// for a name the pipeline gives another server).
  void mergeCalleeServers();
  /// Whether this lowers a sub-pipeline (a callee), not the root pipeline.
  bool lowersCallee() const { return Calls && Calls->Stack.size() > 1; }

  /// A call lowered here: its id and its callee's output names.
  struct CallMade {
    llvm::StringRef Id;
    std::string Path;
    std::vector<llvm::StringRef> Outputs;
    /// `output_mapping` targets whose source output the callee lacks: never
    /// defined (ContextLab maps nothing for them and logs a warning).
    std::vector<llvm::StringRef> Undefined;
  };

  const ast::Document &Doc;
  DiagnosticEngine &Diags;
  std::unique_ptr<ir::Pipeline> P;
  ir::Arena &A;
  CallContext *Calls;
  std::vector<CallMade> CallsMade;
  std::vector<RunVariableRead> CalleeRunVariables;
  /// The MCP servers of the sub-pipelines called, with the path shown.
  std::vector<std::pair<ir::McpServer, std::string>> CalleeServers;
  /// The MCP servers ContextLab's `connect` steps declare, in step order.
  std::vector<ir::McpServer> ConnectServers;
  /// Where each name of `inputs`/`parameters` was read first.
  struct InputSeen {
    size_t Index;
    bool FromParameters;
    bool Direct;
  };
  llvm::StringMap<InputSeen> InputsSeen;
};

}  // namespace orch::frontend::lowering
