//===- Export.cpp - graph.mjs, run.mjs and the manifests ------------------===//
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "backends/export/ExportTarget.h"
#include "backends/langgraph/JsText.h"
#include "backends/langgraph/LangGraph.h"
#include "backends/langgraph/Topology.h"
#include "ir/Actions.h"
#include "ir/Eval.h"
#include "ir/Filters.h"
#include "ir/JsonSchema.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"

namespace orch::backends::langgraph {

using json = orch::ir::Json;

namespace {

/// The pinned versions of the packages the export needs (as
/// test/langgraph/node/package.json, where the tests run them).
constexpr const char *LangGraphVersion = "1.7.3";
constexpr const char *CoreVersion = "1.4.0";
constexpr const char *OpenAIVersion = "1.6.0";
constexpr const char *AnthropicVersion = "1.5.11";

/// orchrt's default `max_retries` (docs/runtime.md §4.4).
constexpr int64_t DefaultMaxRetries = 3;

/// A schema name the services accept (runtime/actions/LlmSteps.cpp).
std::string schemaName(llvm::StringRef StepId) {
  std::string S = "step_";
  for (char C : StepId) S += llvm::isAlnum(C) || C == '_' || C == '-' ? C : '_';
  return S.substr(0, 64);
}

std::string where(const ir::Pipeline &P, SourceLoc Loc) {
  return fmt::format("{}:{}", jsComment(llvm::sys::path::filename(P.file().name())),
                     P.file().lineCol(Loc).Line);
}

/// Reports what the export cannot express; true if all is well.
class Checker {
 public:
  Checker(const ir::Pipeline &P, DiagnosticEngine &D, bool AllowShell)
      : P(P), Diags(D), AllowShell(AllowShell) {}

  bool run() {
    for (const ir::Step &S : P.Steps) checkStep(S);
    for (const ir::Input &I : P.Inputs)
      if (I.Default && !I.Bound && hasExpr(I.Default))
        Diags.report(DiagKind::ExportUnsupported, I.Default->loc(), I.Default->length(),
                     "a template as an input's default", I.Name.Str.str());
    for (const ir::Output &O : P.Outputs) checkFilters(O.V, O.Name.Str);
    return !Diags.hasErrors();
  }

 private:
  static bool hasExpr(const ir::Value *V) {
    bool Any = false;
    ir::forEachExpr(V, [&](const ir::Expr *) { Any = true; });
    return Any;
  }

  void checkFilters(const ir::Value *V, llvm::StringRef Step) {
    ir::forEachExpr(V, [&](const ir::Expr *E) { walk(E, Step); });
  }

  /// `map('name', ...)` applies filter `name` to each item: it needs a JS
  /// row too, so the name must be a constant the export can check.
  void checkMappedFilter(const ir::FilterExpr *F, llvm::StringRef Step) {
    // The filter's name is map's first argument, by position only
    // (ir/Filters.cpp: `filter=` is refused before the export).
    for (size_t I = 0; I < std::min<size_t>(F->args().size(), 1); ++I) {
      if (!F->argName(I).empty()) continue;
      const ir::Expr *A = F->args()[I];
      auto *L = llvm::dyn_cast<ir::LiteralExpr>(A);
      if (L && L->value().Ty == ir::Type::Null) return;
      if (!L || L->value().Ty != ir::Type::String) {
        Diags.report(DiagKind::ExportUnsupported, A->loc(), A->length(),
                     "`map` with a filter named at run time (the export checks the "
                     "filter's JS row when compiling)",
                     Step.str());
        return;
      }
      llvm::StringRef Inner = L->value().S;
      // `map('map', f)`: the inner map's filter is an argument the outer
      // binding moves; refused rather than followed.
      if (Inner == "map")
        Diags.report(DiagKind::ExportUnsupported, A->loc(), A->length(),
                     "`map` of `map` (the inner filter is not checked by the export)",
                     Step.str());
      else if (!llvm::is_contained(runtimeFilters(), Inner))
        Diags.report(DiagKind::ExportUnsupported, A->loc(), A->length(),
                     fmt::format("the filter `{}` inside `map` (orch_filters.mjs has "
                                 "no row for it)",
                                 Inner.str()),
                     Step.str());
      return;
    }
  }

  void walk(const ir::Expr *E, llvm::StringRef Step) {
    if (auto *C = llvm::dyn_cast<ir::CompoundExpr>(E)) {
      if (ir::isStatement(C)) {
        Diags.report(DiagKind::ExportUnsupported, C->loc(), C->length(),
                     "this template statement (`{% if %}`, `{% for %}`, `{% set %}`)",
                     Step.str());
        return;
      }
      for (const ir::Expr *X : C->parts())
        if (X) walk(X, Step);
    } else if (auto *F = llvm::dyn_cast<ir::FilterExpr>(E)) {
      llvm::StringRef Name = F->name();
      if (F->isCall()) {
        // The JS evaluator has no global functions.
        Diags.report(DiagKind::ExportUnsupported, F->nameLoc(),
                     static_cast<uint32_t>(F->name().size()),
                     fmt::format("the function call `{}()` (the JS evaluator has no "
                                 "global functions)",
                                 F->name().str()),
                     Step.str());
        for (const ir::Expr *A : F->args()) walk(A, Step);
        return;
      }
      if (F->isMethod()) {
        // The JS evaluator has no method table: `s.lower()` is refused.
        Diags.report(DiagKind::ExportUnsupported, F->nameLoc(),
                     static_cast<uint32_t>(F->name().size()),
                     fmt::format("the Python method call `.{}()` (the JS evaluator has "
                                 "no methods; use a filter)",
                                 F->name().str()),
                     Step.str());
        walk(F->base(), Step);
        return;
      }
      if (F->isTest() && (Name == "==" || Name == "equalto")) Name = "eq";
      llvm::ArrayRef<llvm::StringRef> Known =
          F->isTest() ? runtimeTests() : runtimeFilters();
      if (!llvm::is_contained(Known, Name))
        Diags.report(DiagKind::ExportUnsupported, F->nameLoc(),
                     static_cast<uint32_t>(F->name().size()),
                     fmt::format("the {} `{}` ({} has no row for it)",
                                 F->isTest() ? "test" : "filter", F->name().str(),
                                 F->isTest() ? "orch_tests.mjs" : "orch_filters.mjs"),
                     Step.str());
      if (!F->isTest() && Name == "map") checkMappedFilter(F, Step);
      walk(F->base(), Step);
      for (const ir::Expr *A : F->args()) walk(A, Step);
    } else if (auto *A = llvm::dyn_cast<ir::AttrExpr>(E)) {
      walk(A->base(), Step);
    } else if (auto *I = llvm::dyn_cast<ir::IndexExpr>(E)) {
      walk(I->base(), Step);
      walk(I->index(), Step);
    } else if (auto *U = llvm::dyn_cast<ir::UnaryExpr>(E)) {
      walk(U->operand(), Step);
    } else if (auto *B = llvm::dyn_cast<ir::BinaryExpr>(E)) {
      walk(B->lhs(), Step);
      walk(B->rhs(), Step);
    } else if (auto *L = llvm::dyn_cast<ir::ListExpr>(E)) {
      for (const ir::Expr *X : L->items()) walk(X, Step);
    } else if (auto *N = llvm::dyn_cast<ir::NameExpr>(E)) {
      // orchrt gives these per run; the JS runtime would read an input.
      if (ir::isRunVariable(N->name()) && !P.findInput(N->name()) &&
          !P.findStep(N->name()))
        Diags.report(DiagKind::ExportUnsupported, N->loc(), N->length(),
                     fmt::format("the run-time variable `{}`", N->name().str()),
                     Step.str());
    }
  }

  void checkStep(const ir::Step &S) {
    std::string Id = S.Id.Str.str();
    if (S.ForEach)
      Diags.report(DiagKind::ExportUnsupported, S.Action.Loc, S.Action.Length,
                   "a `for_each` loop (docs/control-flow.md)", Id);
    if (S.isCycle())  // its route back is reported at the route
      return;
    if (S.LoopCond)
      Diags.report(DiagKind::ExportUnsupported, S.Action.Loc, S.Action.Length,
                   ir::aLoop(S.LoopUntil ? "until" : "while") + " (docs/control-flow.md)",
                   Id);
    for (const ir::Route &R : S.Routes)  // docs/language.md §6.4
      Diags.report(
          DiagKind::ExportUnsupported, R.Target.Loc, R.Target.Length,
          fmt::format("{} (`{}` -> `{}`; {})", R.Back ? "a routing cycle" : "a route",
                      ir::routeKeyName(R).str(), R.Target.Str.str(),
                      R.Back ? "docs/control-flow.md §5" : "docs/language.md §6.4"),
          Id);
    const ir::ActionInfo *A = ir::findBuiltinAction(S.Action.Str);
    if (A && A->RunsProcess && S.Action.Str != "shell")
      Diags.report(
          DiagKind::ExportUnsupported, S.Action.Loc, S.Action.Length,
          fmt::format("the `{}` action (a sandboxed interpreter)", S.Action.Str.str()),
          Id);
    // Built-in actions the emitted runtime does not implement.
    static constexpr std::pair<llvm::StringLiteral, llvm::StringLiteral> NotEmitted[] = {
        {"chart", "the `chart` action (SVG charts)"},
        {"data.filter", "the `data.filter` action (rows by criteria)"},
        {"extract", "the `extract` action (structured extraction)"},
        {"human.approval", "the `human.approval` action (a person's answers)"},
        {"human.feedback", "the `human.feedback` action (a person's answers)"},
        {"human.input", "the `human.input` action (a person's answers)"},
        {"mcp", "the `mcp` action (MCP tools)"},
        {"mcp.call", "the `mcp.call` action (MCP tools)"},
        {"mcp.connect", "the `mcp.connect` action (MCP servers)"},
        {"mcp.disconnect", "the `mcp.disconnect` action (MCP servers)"},
        {"mcp.list", "the `mcp.list` action (MCP servers)"},
        {"model.batch", "the `model.batch` action (tasks routed and asked at run time)"},
        {"model.route", "the `model.route` action (models routed at run time)"},
        {"model.select", "the `model.select` action (a model chosen at run time)"},
        {"memory.clear", "the `memory.clear` action (the run's memory)"},
        {"memory.list", "the `memory.list` action (the run's memory)"},
        {"memory.retrieve", "the `memory.retrieve` action (the run's memory)"},
        {"memory.store", "the `memory.store` action (the run's memory)"},
        {"validate", "the `validate` action (JSON Schema checks)"},
        {"web.search", "the `web.search` action (a web search service)"}};
    if (S.ModelValue)
      Diags.report(DiagKind::ExportUnsupported, S.ModelValue->loc(),
                   S.ModelValue->length(),
                   "a `model` a template names when the step starts", Id);
    bool Described = false;
    for (const auto &[Name, What] : NotEmitted)
      if (S.Action.Str == Name) {
        Diags.report(DiagKind::ExportUnsupported, S.Action.Loc, S.Action.Length,
                     What.str(), Id);
        Described = true;
      }
    // The built-in actions the emitted runtime has (ACTIONS in
    // runtime/orch_actions.mjs); model actions go to its model node. Any
    // other is refused, so that a new action is never exported to fail
    // when the graph runs.
    static constexpr llvm::StringLiteral Emitted[] = {
        "echo",     "file.read", "file.write", "http.request",
        "pipeline", "shell",     "sleep",      "transform"};
    if (A && !A->UsesModel && !A->RunsProcess && !S.ForEach && !S.LoopCond &&
        !Described && !llvm::is_contained(Emitted, S.Action.Str))
      Diags.report(
          DiagKind::ExportUnsupported, S.Action.Loc, S.Action.Length,
          fmt::format("the `{}` action ({})", S.Action.Str.str(), A->Summary.str()), Id);
    // The emitted runtime has no token window: said once a group, at its
    // first step.
    if (S.Group >= 0 && P.Groups[size_t(S.Group)].TokensPerMinute &&
        TokenGroupsReported.insert(S.Group).second) {
      const ir::ResourceGroup &G = P.Groups[size_t(S.Group)];
      Diags.report(DiagKind::ExportUnsupported, S.Action.Loc, S.Action.Length,
                   fmt::format("`tokens_per_minute` ({} of group `{}`, from {})",
                               G.TokensPerMinute, G.Name.str(), G.LimitsFrom.str()),
                   Id);
    }
    if (S.Action.Str == "shell" && !AllowShell)
      Diags.report(DiagKind::ExportUnsandboxedShell, S.Action.Loc, S.Action.Length, Id);
    if (S.Action.Str == "generate" && S.Params)
      for (const ir::MapEntry &E : S.Params->entries()) {
        auto *V = llvm::dyn_cast<ir::ScalarValue>(E.V);
        if (E.Key == "response_format" &&
            (!V || V->scalar().Ty != ir::Type::String || V->scalar().S != "text"))
          Diags.report(DiagKind::ExportUnsupported, E.KeyLoc,
                       static_cast<uint32_t>(E.Key.size()),
                       "JSON mode (`response_format` other than `text`)", Id);
        if (E.Key == "schema")  // the answer's check against it is orchrt's
          Diags.report(DiagKind::ExportUnsupported, E.KeyLoc,
                       static_cast<uint32_t>(E.Key.size()),
                       "an answer checked against a `schema` (generate_structured)", Id);
      }
    if (S.Action.Str == "shell" && S.Params)
      for (const ir::MapEntry &E : S.Params->entries())
        if (E.Key == "argv" || E.Key == "limits")
          Diags.report(DiagKind::ExportUnsupported, E.KeyLoc,
                       static_cast<uint32_t>(E.Key.size()),
                       fmt::format("the `{}` parameter of `shell`", E.Key.str()), Id);
    // orchrt looks a `cache:` step's key up in its state store before it runs
    // (on the writer thread, so even `echo` completes after the dispatch),
    // and a hit skips the action; the export has no such store (review 6,
    // finding 3). A step's own `cache:`, else the pipeline's, located once.
    const ir::LocInt *Cache = S.CacheTtl   ? &*S.CacheTtl
                              : P.CacheTtl ? &*P.CacheTtl
                                           : nullptr;
    if (Cache && Cache->Val >= 0 && (S.CacheTtl || !PipelineCacheReported)) {
      PipelineCacheReported |= !S.CacheTtl;
      Diags.report(DiagKind::ExportUnsupported, Cache->Loc, Cache->Length,
                   "a cached step (`cache:`, orchrt's result cache in its state store)",
                   Id);
    }
    if (S.Params) checkFilters(S.Params, Id);
    if (S.Condition) checkFilters(S.Condition, Id);
  }

  const ir::Pipeline &P;
  DiagnosticEngine &Diags;
  bool AllowShell;
  std::set<int32_t> TokenGroupsReported;  ///< Groups said to have tokens_per_minute.
  /// The pipeline's own `cache:` is reported once, at the first step it applies to.
  bool PipelineCacheReported = false;
};

std::string stepSpec(const ir::Pipeline &P, const ir::Step &S) {
  const ir::ActionInfo *A = ir::findBuiltinAction(S.Action.Str);
  bool Model = ir::isModelAction(S.Action.Str);
  std::string Out = "{\n";
  auto Field = [&](llvm::StringRef K, const std::string &V) {
    Out += "  " + K.str() + ": " + V + ",\n";
  };
  Field("id", jsString(S.Id.Str));
  Field("action", jsString(S.Action.Str));
  Field("builtin", A && !A->UsesModel ? "true" : "false");
  std::string Deps = "[";
  for (size_t K = 0; K < S.Deps.size(); ++K)
    Deps += (K ? ", " : "") + jsString(P.Steps[S.Deps[K].Target].Id.Str);
  Field("deps", Deps + "]");
  Field("onFailure", jsString(ir::failurePolicyName(S.OnFailure)));
  int64_t Retries = S.MaxRetries           ? S.MaxRetries->Val
                    : P.Context.MaxRetries ? P.Context.MaxRetries->Val
                                           : DefaultMaxRetries;
  Field("maxRetries", std::to_string(Retries));
  Field("timeoutS", S.Timeout ? std::to_string(S.Timeout->Val) : "null");
  Field("group", S.Group >= 0 ? std::to_string(S.Group) : "null");
  // orchrt begins steps made ready together longest path first (its dispatch
  // order), which decides which siblings a render error stops.
  Field("pathMs", std::to_string(S.PathMs));
  // orchrt runs a local action within the step's start (its turn lasts until
  // it completes), and its adaptive checkpoints record the completion
  // without waiting, so its dependents are ready at once (orch_runtime.mjs,
  // orch_failures.mjs).
  Field("local", A && A->Local ? "true" : "false");
  Field("condition", S.Condition ? "(c) => " + compileValue(S.Condition) : "null");
  std::string Params = "[";
  std::string Order = "[";
  if (S.Params)
    for (const ir::MapEntry &E : S.Params->entries()) {
      // An integer parameter takes a whole number as the integer.
      bool Integer = A && ir::isIntegerParam(*A, E.Key);
      Params += "\n    [" + jsString(E.Key) + ", (c) => " + compileValue(E.V) +
                (Integer ? ", true" : "") + "],";
      Order += (Order.size() > 1 ? ", " : "") + jsString(E.Key);
    }
  Field("params", Params + (Params.size() > 1 ? "\n  ]" : "]"));
  if (Model) {
    Field("paramOrder", Order + "]");
    Field("model", jsString(S.Model.Str));
    Field("modelSelected", S.ModelSelected ? "true" : "false");
    // The compiler's fallbacks, asked in turn when a model fails, and for a
    // `ucb` policy its exploration factor: the candidates are ranked before
    // each attempt as orchrt ranks them (orch_models.mjs, modelsToAsk).
    std::string Fallbacks = "[";
    for (size_t K = 0; K < S.FallbackModels.size(); ++K)
      Fallbacks += (K ? ", " : "") + jsString(S.FallbackModels[K]);
    Field("fallbacks", Fallbacks + "]");
    Field("ucb", fmt::format("{}", S.UcbExploration));
    Field("maxTokens", S.MaxTokens ? std::to_string(S.MaxTokens->Val) : "null");
    std::string Schema = "null";
    if (!S.OutputSchema.empty()) {
      json J = json::parse(S.OutputSchema.str(), nullptr, false);
      ir::StrictSchema Strict = ir::makeStrict(J);
      Schema =
          fmt::format("{{ name: {}, wrapped: {}, schema: JSON.parse({}) }}",
                      jsString(schemaName(S.Id.Str)), Strict.Wrapped ? "true" : "false",
                      jsString(Strict.Schema.dump()));
    }
    Field("schema", Schema);
  }
  return Out + "}";
}

bool usesModels(const ir::Pipeline &P) {
  return llvm::any_of(P.Steps,
                      [](const ir::Step &S) { return ir::isModelAction(S.Action.Str); });
}

/// \p S with every byte from 0x80 up as `\xHH`, for a message about bytes
/// that are not UTF-8.
std::string escapeBytes(llvm::StringRef S) {
  std::string Out;
  for (unsigned char C : S)
    Out += C < 0x80 ? std::string(1, static_cast<char>(C)) : fmt::format("\\x{:02X}", C);
  return Out;
}

/// Reads the registry entries graph.mjs embeds for \p P's model steps into
/// \p Out (usedEntries); false after a diagnostic if they cannot be written
/// into graph.mjs: bytes that are not UTF-8, or a provider's base URL that
/// may hold a secret (`https://user:key@host`, a query or a fragment).
bool embedRegistry(const ir::Pipeline &P, const std::string &Path,
                   DiagnosticEngine &Diags, json &Out) {
  std::vector<std::string> Models;
  bool AnyModel = false;
  for (const ir::Step &S : P.Steps)
    if (ir::isModelAction(S.Action.Str)) {
      if (S.Model.Str.empty() || S.ModelSelected)
        AnyModel = true;
      else
        Models.push_back(S.Model.Str.str());
    }
  Out = usedEntries(registryEntries(Path), Models, AnyModel);
  std::string Bad = nonUtf8Member(json(Path)).empty() ? nonUtf8Member(Out) : "path";
  if (!Bad.empty()) {
    Diags.report(
        DiagKind::BadModelRegistry, SourceLoc(), 0,
        fmt::format("`{}`: the {} is not UTF-8 (the LangGraph export writes "
                    "it into graph.mjs as text)",
                    escapeBytes(Path), Bad == "path" ? "path" : "`" + Bad + "`"));
    return false;
  }
  json Providers = Out.value("providers", json::object());
  for (const auto &[Name, Section] : Providers.items()) {
    std::string Url = Section.value("base_url", "");
    size_t Scheme = Url.find("://");
    std::string Authority = Url.substr(Scheme == std::string::npos ? 0 : Scheme + 3);
    Authority = Authority.substr(0, Authority.find_first_of("/?#"));
    const char *Problem = Authority.find('@') != std::string::npos ? "credentials"
                          : Url.find_first_of("?#") != std::string::npos
                              ? "a query or fragment"
                              : nullptr;
    if (!Problem) continue;
    const ir::Step &S = *llvm::find_if(
        P.Steps, [](const ir::Step &X) { return ir::isModelAction(X.Action.Str); });
    Diags.report(
        DiagKind::ExportUnsupported, S.Action.Loc, S.Action.Length,
        fmt::format("the registry's `providers.{}.base_url` with {} in it (a key "
                    "there would be written into graph.mjs)",
                    Name, Problem),
        S.Id.Str.str());
    return false;
  }
  return true;
}

/// The channel that carries a directly invoked graph's run-context key from
/// the first super-step's nodes to the later ones (edges wiring).
constexpr const char *RunCtxChannel =
    "  // The run context's key of a direct invoke (orch_schedule.mjs): the\n"
    "  // roots' write replaces any value a caller passes in.\n"
    "  \"run:ctx\": Annotation({ reducer: R.lastWins, default: () => null }),\n";

/// Every node starts in the first super-step and waits for its own
/// dependencies (orch_schedule.mjs), so a step starts once they are done, as
/// in orchrt, never held back by a super-step barrier. A node's dependents
/// are its `ends`: drawn as edges, never routed (a conditional edge would
/// read the whole state after every node).
std::string readinessGraph(const ir::Pipeline &P) {
  std::vector<std::string> Dependents(P.Steps.size());
  for (uint32_t I = 0; I < P.Steps.size(); ++I)
    for (const ir::DepEdge &E : P.Steps[I].Deps)
      Dependents[E.Target] +=
          (Dependents[E.Target].empty() ? "" : ", ") + jsString(P.Steps[I].Id.Str);
  std::string Out = "\nconst builder = new StateGraph(State);\n";
  for (uint32_t I = 0; I < P.Steps.size(); ++I)
    Out += fmt::format(
        "builder.addNode({0}, S[{0}].node, {{ retryPolicy: S[{0}].retryPolicy, input: "
        "NodeInput, ends: [{1}] }});\n",
        jsString(P.Steps[I].Id.Str), Dependents[I]);
  for (const ir::Step &S : P.Steps)
    Out += "builder.addEdge(START, " + jsString(S.Id.Str) + ");\n";
  for (uint32_t I = 0; I < P.Steps.size(); ++I)
    if (Dependents[I].empty())
      Out += "builder.addEdge(" + jsString(P.Steps[I].Id.Str) + ", END);\n";
  return Out +
         "\n/** The compiled graph: all nodes run in one super-step. */\n"
         "export const graph = R.guardGraph(pipeline, builder.compile().withConfig({ "
         "recursionLimit: 2 }));\n";
}

/// The dependency graph as LangGraph edges: START to the steps without
/// dependencies, an edge per dependency (a join one multi-source edge, which
/// waits for all its sources), the steps nobody depends on to END. Chosen
/// when the super-steps start every step when orchrt would (Topology.h).
std::string edgesGraph(const ir::Pipeline &P, const Wiring &W) {
  std::vector<uint8_t> HasDependent(P.Steps.size(), 0);
  for (const ir::Step &S : P.Steps)
    for (const ir::DepEdge &E : S.Deps) HasDependent[E.Target] = 1;
  std::string Out = "\nconst builder = new StateGraph(State);\n";
  for (const ir::Step &S : P.Steps)
    Out += fmt::format(
        "builder.addNode({0}, S[{0}].node, {{ retryPolicy: S[{0}].retryPolicy, input: "
        "NodeInput }});\n",
        jsString(S.Id.Str));
  for (const ir::Step &S : P.Steps) {
    std::string Sources;
    for (const ir::DepEdge &E : S.Deps)
      Sources += (Sources.empty() ? "" : ", ") + jsString(P.Steps[E.Target].Id.Str);
    if (S.Deps.empty())
      Sources = "START";
    else if (S.Deps.size() > 1)
      Sources = "[" + Sources + "]";
    Out += "builder.addEdge(" + Sources + ", " + jsString(S.Id.Str) + ");\n";
  }
  for (uint32_t I = 0; I < P.Steps.size(); ++I)
    if (!HasDependent[I])
      Out += "builder.addEdge(" + jsString(P.Steps[I].Id.Str) + ", END);\n";
  return Out + fmt::format(
                   "\n/** The compiled graph: a super-step per level ({} levels). */\n"
                   "export const graph = R.guardGraph(pipeline, "
                   "builder.compile().withConfig({{ "
                   "recursionLimit: {} }}));\n",
                   W.Depth, W.Depth + 1);
}

std::string graphModule(const ir::Pipeline &P, const json &Registry) {
  std::string Out;
  std::string File = llvm::sys::path::filename(P.file().name()).str();
  Wiring W = chooseWiring(P);
  Out += fmt::format(
      "// graph.mjs: the pipeline `{}` ({}) as a LangGraph StateGraph.\n"
      "// Generated by `orchc export --target=langgraph`; export again rather than "
      "edit.\n"
      "// Each step is one node (orch_runtime.mjs gives it orchrt's semantics); {}\n",
      jsComment(P.Name.Str), jsComment(File),
      W.Edges ? "each\n// dependency is an edge, a join one multi-source edge."
              : "all\n// start at once and each waits for its own dependencies, drawn as "
                "edges.");
  Out +=
      "import { Annotation, END, START, StateGraph } from \"@langchain/langgraph\";\n"
      "import * as R from \"./orch_runtime.mjs\";\n\n"
      "const { E } = R;\n\n";
  // The pipeline: inputs, outputs, settings.
  Out +=
      "/** The pipeline's inputs, steps and outputs, as run.mjs and the nodes use them. "
      "*/\n";
  Out +=
      "export const pipeline = {\n  name: " + jsString(P.Name.Str) +
      ",\n  // How the nodes are wired (docs/backends/langgraph.md, \"Nodes and "
      "edges\").\n  wiring: " +
      (W.Edges ? "\"edges\"" : "\"readiness\"") +
      ",\n  // The most steps of one level, and the levels (edges wiring).\n  widest: " +
      std::to_string(W.Widest) + ",\n  depth: " + std::to_string(W.Depth) +
      ",\n  // orchrt's -j (execution.max_concurrent_tasks, else 32): under "
      "readiness at most\n  // this many attempts run at once.\n  jobs: " +
      std::to_string(P.MaxConcurrentTasks ? P.MaxConcurrentTasks : 32) +
      ",\n  // context.checkpoint_strategy: when orchrt's state store releases "
      "a\n  // completed step's dependents (orch_failures.mjs).\n  checkpoint: " +
      jsString(P.Context.CheckpointStrategy.Str.empty()
                   ? "every_step"
                   : P.Context.CheckpointStrategy.Str) +
      ",\n  inputs: [\n";
  for (const ir::Input &I : P.Inputs) {
    const ir::Value *D = I.Bound ? I.Bound : I.Default;
    Out += fmt::format(
        "    {{ name: {}, type: {}, required: {}, bound: {}, default: {} }},\n",
        jsString(I.Name.Str), jsString(ir::typeName(I.Ty)),
        I.Required && !I.Bound ? "true" : "false", I.Bound ? "true" : "false",
        D ? compileValue(D) : "undefined");
  }
  Out += "  ],\n  steps: [";
  for (size_t K = 0; K < P.Steps.size(); ++K)
    Out += (K ? ", " : "") + ("{ id: " + jsString(P.Steps[K].Id.Str) + " }");
  Out +=
      "],\n  // Resource groups (orchrt's limits; a step's `group` indexes them).\n  "
      "groups: [\n";
  for (const ir::ResourceGroup &G : P.Groups)
    Out += fmt::format(
        "    {{ name: {}, maxConcurrent: {}, requestsPerMinute: {}, burst: {} }},\n",
        jsString(G.Name), G.MaxConcurrent, G.RequestsPerMinute, G.Burst);
  Out += "  ],\n  outputs: [\n";
  for (const ir::Output &O : P.Outputs)
    Out += "    [" + jsString(O.Name.Str) + ", (c) => " + compileValue(O.V) + "],\n";
  Out +=
      "  ],\n  // context.timeout in seconds: running steps fail, the others do not "
      "start.\n";
  Out +=
      "  timeoutS: " +
      (P.Context.Timeout ? std::to_string(P.Context.Timeout->Val) : std::string("null")) +
      ",\n";
  // The model registry's entries orchrt's client reads (orch_models.mjs).
  std::string Entries = "null";
  if (!Registry.is_null()) Entries = "JSON.parse(" + jsString(Registry.dump()) + ")";
  Out +=
      "  // The model registry (`--models` / ORCH_MODELS when exported), or null.\n"
      "  registry: " +
      Entries + ",\n};\n";
  Out += "pipeline.inputIndex = new Map(pipeline.inputs.map((x, i) => [x.name, i]));\n\n";
  // State.
  Out +=
      "/**\n * A step's result channel: null until the step settles. Never empty, so\n"
      " * LangGraph's reads and checkpoints of it do not throw (EmptyChannelError) in\n"
      " * every super-step before.\n */\n"
      "const StepRecord = () => Annotation({ reducer: R.lastWins, default: () => null "
      "});\n\n"
      "/** One channel per pipeline input and per step result. */\nconst State = "
      "Annotation.Root({\n";
  for (const ir::Input &I : P.Inputs)
    Out += "  " + jsString("input:" + I.Name.Str.str()) + ": Annotation(),\n";
  for (const ir::Step &S : P.Steps)
    Out += "  " + jsString("step:" + S.Id.Str.str()) + ": StepRecord(),\n";
  Out +=
      "  // The run's first failure under `on_failure: fail`: no new step starts.\n"
      "  \"run:error\": Annotation({ reducer: R.firstWins, default: () => null "
      "}),\n" +
      std::string(W.Edges ? RunCtxChannel : "") + "});\n";
  // What a node reads: the inputs only (step results come from the run
  // context), so a node does not copy every step's channel.
  Out +=
      "/** A node's input: the pipeline inputs. */\nconst NodeInput = "
      "Annotation.Root({\n";
  for (const ir::Input &I : P.Inputs)
    Out += "  " + jsString("input:" + I.Name.Str.str()) + ": Annotation(),\n";
  Out += std::string(W.Edges ? RunCtxChannel : "") + "});\n\n";
  // Steps.
  Out += "const S = {};\n";
  for (const ir::Step &S : P.Steps) {
    Out += fmt::format("\n// Step `{}` ({}): `{}`{}.\n", jsComment(S.Id.Str),
                       where(P, S.Loc), jsComment(S.Action.Str),
                       ir::isModelAction(S.Action.Str) ? ", a model step" : "");
    Out += "S[" + jsString(S.Id.Str) + "] = R.step(pipeline, " + stepSpec(P, S) + ");\n";
  }
  Out += W.Edges ? edgesGraph(P, W) : readinessGraph(P);
  return Out;
}

std::string runModule(const ir::Pipeline &P) {
  return fmt::format(
      "// run.mjs: runs the graph of `{}` once, as `orchrt` runs its plan, and writes\n"
      "// orchrt's result document (without times).\n"
      "//   node run.mjs [--input NAME=VALUE]... [--inputs FILE.json] [--model MODEL]\n"
      "//                [--run-dir DIR] [--out FILE]\n"
      "// Generated by `orchc export --target=langgraph`.\n"
      "import {{ setMaxListeners }} from \"node:events\";\n"
      "import {{ graph, pipeline }} from \"./graph.mjs\";\n"
      "import {{ main }} from \"./orch_runtime.mjs\";\n\n"
      "// LangGraph adds an abort listener a running node; wide graphs pass Node's\n"
      "// warning threshold of 10.\n"
      "setMaxListeners(100000);\n"
      "await main(graph, pipeline, process.argv.slice(2));\n",
      jsComment(P.Name.Str));
}

std::string packageJson(const ir::Pipeline &P) {
  json Deps = {{"@langchain/core", CoreVersion},
               {"@langchain/langgraph", LangGraphVersion}};
  if (usesModels(P)) {
    Deps["@langchain/openai"] = OpenAIVersion;
    Deps["@langchain/anthropic"] = AnthropicVersion;
  }
  std::string Name = "orch-";
  for (char C : P.Name.Str) Name += llvm::isAlnum(C) ? llvm::toLower(C) : '-';
  nlohmann::ordered_json J;
  J["name"] = Name;
  J["private"] = true;
  J["description"] =
      fmt::format("The pipeline `{}` exported by `orchc export --target=langgraph`",
                  P.Name.Str.str());
  J["type"] = "module";
  J["main"] = "graph.mjs";
  J["scripts"] = {{"start", "node run.mjs"}};
  J["engines"] = {{"node", ">=20"}};
  J["dependencies"] = Deps;
  return J.dump(2) + "\n";
}

std::string langgraphJson(const ir::Pipeline &P) {
  nlohmann::ordered_json J;
  J["node_version"] = "20";
  J["graphs"] = {{P.Name.Str.str(), "./graph.mjs:graph"}};
  // Keys stay in the deployment's environment, never in the files.
  J["env"] = ".env";
  return J.dump(2) + "\n";
}

}  // namespace

}  // namespace orch::backends::langgraph

namespace orch::backends {

bool exportLangGraph(const ExportInput &In, DiagnosticEngine &Diags,
                     std::vector<ExportFile> &Out) {
  using namespace langgraph;
  const ir::Pipeline &P = In.P;
  if (!Checker(P, Diags, In.AllowUnsandboxedShell).run()) return false;
  json Registry;
  if (!In.ModelRegistry.empty() && usesModels(P) &&
      !embedRegistry(P, In.ModelRegistry, Diags, Registry))
    return false;
  Out.push_back({"graph.mjs", graphModule(P, Registry)});
  Out.push_back({"langgraph.json", langgraphJson(P)});
  for (const auto &[Name, Text] : runtimeModules())
    Out.push_back({Name.str(), Text.str()});
  Out.push_back({"package.json", packageJson(P)});
  Out.push_back({"run.mjs", runModule(P)});
  return true;
}

}  // namespace orch::backends
