//===- CheckActions.cpp - Built-in actions: parameters and fields ---------===//
//
// Checks every step that runs a built-in action against its signature
// (ir/Actions.h): unknown and missing parameters, constant parameter types
// and ranges, and every template that reads a field the action does not
// produce. Steps whose action is an LLM task accept any parameter and any
// field (the infer-outputs pass asks the model for those fields).
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include "ir/Actions.h"
#include "ir/Filters.h"
#include "ir/Json.h"
#include "ir/JsonLimits.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/YAMLParser.h"
#include "passes/McpSchemaCheck.h"
#include "passes/McpSteps.h"
#include "passes/ModelKeys.h"
#include "passes/Pass.h"
#include "passes/PythonContext.h"
#include "passes/SchemaParamCheck.h"

namespace orch::passes {

namespace {

using namespace ir;

/// The action a step runs, once known (an unresolved AUTO action is not).
const ActionInfo *builtinOf(const Step &S) {
  if (S.ActionAuto && !S.ActionAuto->Resolved) return nullptr;
  return findBuiltinAction(S.Action.Str);
}

/// A constant string parameter's text, if it is one.
std::optional<llvm::StringRef> constantString(const Value *V) {
  if (auto *S = llvm::dyn_cast<ScalarValue>(V))
    if (S->scalar().Ty == Type::String) return S->scalar().S;
  return std::nullopt;
}

/// A constant scalar parameter's text, whatever its type: an enumerated
/// parameter (`op: 5`) is checked as the text it prints as.
std::optional<std::string> enumText(const Value *V) {
  auto *S = llvm::dyn_cast<ScalarValue>(V);
  if (!S) return std::nullopt;
  const Scalar &C = S->scalar();
  switch (C.Ty) {
    case Type::String:
      return C.S.str();
    case Type::Int:
      return std::to_string(C.I);
    case Type::Bool:
      return std::string(C.B ? "true" : "false");
    case Type::Float: {
      std::string Out;
      llvm::raw_string_ostream OS(Out);
      printNumber(OS, C.F);
      return OS.str();
    }
    default:
      return std::nullopt;
  }
}

/// A parameter whose constant value must be one of a list.
struct EnumParam {
  llvm::StringLiteral Action, Param;
  llvm::StringLiteral What;  ///< What the value is, in messages.
  llvm::ArrayRef<llvm::StringRef> (*Values)();
  /// Also text holding a JSON list of values (a rendered template's form).
  bool ListText = false;
};
constexpr EnumParam EnumParams[] = {
    {"generate", "response_format", "response format", responseFormats},
    {"http.request", "method", "HTTP method", httpMethods},
    {"model.batch", "optimization_goal", "optimization goal", batchGoals},
    {"model.route", "routing_strategy", "routing strategy", taskRouteStrategies},
    {"model.route", "strategy", "routing strategy", requestRouteStrategies},
    {"prompt.optimize", "optimization_goals", "optimization goal", promptGoals, true},
    {"validate", "mode", "validation mode", validationModes},
    {"web.search", "backend", "search backend", searchBackends},
    // The data actions' choices are ir::paramChoices(), which the runtime
    // checks too.
    {"chart.dashboard", "layout", "dashboard layout",
     [] { return paramChoices("chart.dashboard", "layout"); }},
    {"data.clean", "format", "data format",
     [] { return paramChoices("data.clean", "format"); }},
    {"data.clean", "handle_missing", "missing-value strategy",
     [] { return paramChoices("data.clean", "handle_missing"); }},
    {"data.merge", "join_type", "join type",
     [] { return paramChoices("data.merge", "join_type"); }},
    {"data.merge", "merge_strategy", "merge strategy",
     [] { return paramChoices("data.merge", "merge_strategy"); }},
    {"data.pivot", "aggfunc", "pivot function",
     [] { return paramChoices("data.pivot", "aggfunc"); }}};

/// Two parameters of which a step gives exactly one: what it runs, or which
/// mode it is in.
struct OneOfParams {
  llvm::StringLiteral Action, First, Second;
  llvm::StringLiteral Needed;  ///< What is missing, when neither is given.
};
constexpr OneOfParams OneOf[] = {
    {"model.route", "request", "tasks",
     "one request to route, or `tasks`: a list to route each of"},
    {"node", "code", "file",
     "the program's text, or `file`: a script in the run directory"},
    {"python", "code", "file",
     "the program's text, or `file`: a script in the run directory"},
    {"shell", "command", "argv",
     "a command line, or `argv`: a program and its arguments"}};

/// The parameters that belong to another mode than the one parameter
/// Mode selects.
struct ModeParams {
  llvm::StringLiteral Action, Mode;
  llvm::ArrayRef<llvm::StringLiteral> Others;
};
constexpr llvm::StringLiteral TaskModeOnly[] = {"routing_strategy", "constraints"};
constexpr llvm::StringLiteral RequestModeOnly[] = {"strategy", "max_concurrent"};
constexpr ModeParams Modes[] = {{"model.route", "request", TaskModeOnly},
                                {"model.route", "tasks", RequestModeOnly}};

/// The keys a constant mapping parameter may have.
struct MapKeys {
  llvm::StringLiteral Action, Param;
  llvm::ArrayRef<llvm::StringLiteral> Keys;
};
constexpr llvm::StringLiteral RouteLimits[] = {"total_budget", "max_cost_per_task",
                                               "max_latency"};
constexpr llvm::StringLiteral BatchLimits[] = {"max_budget_per_task", "total_budget",
                                               "max_latency"};
constexpr MapKeys KeyedParams[] = {{"model.batch", "constraints", BatchLimits},
                                   {"model.route", "constraints", RouteLimits}};

/// `chart`'s constant `chart_types`, `format`, `theme`, `width` and
/// `height`: what the step would fail on when it runs.
void checkChartParam(llvm::StringRef Name, const Value *V, DiagnosticEngine &D) {
  auto Enum = [&](const Value *X, llvm::StringRef What,
                  llvm::ArrayRef<llvm::StringRef> Ok, llvm::StringRef Extra) {
    std::optional<std::string> T = enumText(X);
    if (!T || llvm::is_contained(Ok, llvm::StringRef(*T)) || *T == Extra) return;
    std::vector<llvm::StringRef> All(Ok.begin(), Ok.end());
    if (!Extra.empty()) All.insert(All.begin(), Extra);
    D.report(DiagKind::InvalidEnum, X->loc(), X->length(), What.str(), *T,
             llvm::join(All, ", "), didYouMean(*T, All));
  };
  if (Name == "chart_types") {
    if (auto *L = llvm::dyn_cast<ListValue>(V))
      for (const Value *I : L->items()) Enum(I, "chart type", chartTypeNames(), "auto");
    else
      Enum(V, "chart type", chartTypeNames(), "auto");
  } else if (Name == "format") {
    static constexpr llvm::StringRef Svg[] = {"svg"};
    Enum(V, "chart format (charts are SVG files)", Svg, "");
  } else if (Name == "theme") {
    Enum(V, "chart theme", chartThemes(), "");
  } else if (Name == "width" || Name == "height") {
    if (auto *S = llvm::dyn_cast<ScalarValue>(V))
      if (S->scalar().Ty == Type::Int &&
          (S->scalar().I < MinChartPixels || S->scalar().I > MaxChartPixels))
        D.report(DiagKind::ActionParamRange, V->loc(), V->length(), Name.str(), "chart",
                 fmt::format("between {} and {}", MinChartPixels, MaxChartPixels),
                 S->scalar().I);
  }
}

/// data.transform's `operation` (one transformation, or `transformations`
/// or `operations` lists) and `operations`: each constant `type` is one
/// the action applies.
void checkTransformations(const Value *V, DiagnosticEngine &D) {
  auto One = [&](const Value *T) {
    auto *M = llvm::dyn_cast<MapValue>(T);
    if (!M) return;
    for (const MapEntry &E : M->entries()) {
      if (E.Key != "type") continue;
      std::optional<std::string> X = enumText(E.V);
      if (X && !llvm::is_contained(dataTransformTypes(), llvm::StringRef(*X)))
        D.report(DiagKind::InvalidEnum, E.V->loc(), E.V->length(), "transformation type",
                 *X, llvm::join(dataTransformTypes(), ", "),
                 didYouMean(*X, dataTransformTypes()));
    }
  };
  auto List = [&](const Value *L) {
    if (auto *Items = llvm::dyn_cast<ListValue>(L))
      for (const Value *I : Items->items()) One(I);
  };
  if (auto *M = llvm::dyn_cast<MapValue>(V)) {
    bool Nested = false;
    for (const MapEntry &E : M->entries())
      if (E.Key == "transformations" || E.Key == "operations") {
        List(E.V);
        Nested = true;
      }
    if (!Nested) One(V);
  } else {
    List(V);
  }
}

class CheckActionsPass : public Pass {
 public:
  llvm::StringRef name() const override { return "check-actions"; }

  bool run(Pipeline &P, PassContext &Ctx) override {
    D = &Ctx.Diags;
    unsigned Before = D->errorCount();
    Mcp = Ctx.Mcp;
    for (uint32_t I = 0; I < P.Steps.size(); ++I)
      if (const ActionInfo *A = builtinOf(P.Steps[I])) {
        const Step &S = P.Steps[I];
        checkParams(S, *A);
        if (isMcpAction(A->Name)) checkMcpStep(P, S, I, *D, Mcp);
        if (A->NotCached && S.CacheTtl && S.CacheTtl->Val >= 0)
          D->report(DiagKind::CacheNotAllowed, S.CacheTtl->Loc, S.CacheTtl->Length,
                    S.Id.Str.str(), A->Name.str());
      }
    // `validate` checks `max_tokens` where the action was written; an AUTO
    // action is known only now.
    for (const Step &S : P.Steps)
      if (S.ActionAuto && S.ActionAuto->Resolved && S.MaxTokens &&
          !isModelAction(S.Action.Str))
        D->report(DiagKind::ModelKeyOnLocalStep, S.MaxTokens->Loc, S.MaxTokens->Length,
                  "max_tokens", S.Action.Str.str());
    for (const Step &S : P.Steps)
      if (S.ActionAuto && S.ActionAuto->Resolved) checkModelOnLocalStep(S, *D);
    for (const Step &S : P.Steps)
      if (S.ActionAuto && S.ActionAuto->Resolved && S.BudgetLoc.isValid() &&
          !isModelAction(S.Action.Str))
        D->report(DiagKind::ModelKeyOnLocalStep, S.BudgetLoc, S.BudgetLength, "budget",
                  S.Action.Str.str());
    for (const Step &S : P.Steps) checkUses(P, S.Uses);
    checkUses(P, P.OutputUses);
    return D->errorCount() == Before;
  }

 private:
  void checkParams(const Step &S, const ActionInfo &A) {
    std::vector<llvm::StringRef> Names;
    for (const ActionParam &Prm : A.Params) Names.push_back(Prm.Name);
    llvm::ArrayRef<MapEntry> Entries;
    if (S.Params) Entries = S.Params->entries();
    for (const MapEntry &E : Entries) {
      const ActionParam *Prm = nullptr;
      for (const ActionParam &C : A.Params)
        if (C.Name == E.Key) Prm = &C;
      if (!Prm) {
        D->report(DiagKind::UnknownActionParam, E.KeyLoc, E.Key.size(), A.Name.str(),
                  E.Key.str(), didYouMean(E.Key, Names));
        continue;
      }
      // Another name of a parameter is checked as that parameter.
      if (!Prm->SameAs.empty()) {
        for (const MapEntry &F : Entries)
          if (F.Key == Prm->SameAs)
            D->report(DiagKind::ActionParamTwice, E.KeyLoc, E.Key.size(), E.Key.str(),
                      A.Name.str(), Prm->SameAs.str());
        for (const ActionParam &C : A.Params)
          if (C.Name == Prm->SameAs) Prm = &C;
      }
      checkValue(A, *Prm, E.V, E.Key);
    }
    auto Find = [&](llvm::StringRef Name) -> const MapEntry * {
      for (const MapEntry &E : Entries)
        if (E.Key == Name) return &E;
      return nullptr;
    };
    for (const OneOfParams &O : OneOf) {
      if (A.Name != O.Action) continue;
      // What the step does: exactly one of two parameters.
      const MapEntry *One = Find(O.First), *Two = Find(O.Second);
      if (One && Two)
        D->report(DiagKind::ActionParamConflict, Two->KeyLoc, Two->Key.size(),
                  A.Name.str(), O.First.str(), O.Second.str());
      if (!One && !Two) {
        const LocString &At = S.Action.Loc.isValid() ? S.Action : S.Id;
        D->report(DiagKind::MissingActionParam, At.Loc, At.Length, A.Name.str(),
                  O.First.str(), O.Needed.str());
      }
      if (One && A.RunsProcess && A.Name != "shell") checkCodeIsConstant(A, *One);
    }
    for (const ModeParams &M : Modes) {
      if (A.Name != M.Action || !Find(M.Mode)) continue;
      for (llvm::StringRef Other : M.Others)
        if (const MapEntry *E = Find(Other))
          D->report(DiagKind::ActionParamConflict, E->KeyLoc, E->Key.size(), A.Name.str(),
                    M.Mode.str(), Other.str());
    }
    for (const ActionParam &Prm : A.Params) {
      if (!Prm.Required) continue;
      bool Found = false;
      for (const MapEntry &E : Entries) {
        Found |= E.Key == Prm.Name;
        for (const ActionParam &C : A.Params)
          Found |= C.SameAs == Prm.Name && E.Key == C.Name;
      }
      if (!Found) {
        const LocString &At = S.Action.Loc.isValid() ? S.Action : S.Id;
        D->report(DiagKind::MissingActionParam, At.Loc, At.Length, A.Name.str(),
                  Prm.Name.str(), Prm.Summary.str());
      }
    }
    // ContextLab's `generate_structured` is `generate` with a `schema`,
    // which it requires.
    if (S.ToolMap && S.ToolMap->Tool.empty() && !Find("schema") &&
        (S.ToolMap->Action == "generate_structured" ||
         S.ToolMap->Action == "generate-structured"))
      D->report(DiagKind::MissingActionParam, S.Action.Loc, S.Action.Length,
                S.ToolMap->Action.str(), "schema",
                "a JSON Schema (draft 7) of an object: the answer's fields");
  }

  /// Data templated into code would become code. In `python` code a
  /// value where Python reads it back unchanged (secure-steps writes it as
  /// a literal, or escaped in a string literal: PythonContext.h) is data;
  /// anywhere else, and in `node` code, it is refused.
  void checkCodeIsConstant(const ActionInfo &A, const MapEntry &Code) {
    auto *T = llvm::dyn_cast<TemplateValue>(Code.V);
    if (!T) return;
    std::vector<PythonSpot> Spots;
    if (A.Name == "python") Spots = pythonSpots(T->segments());
    size_t I = 0;
    for (const Segment &Seg : T->segments()) {
      if (Seg.K == Segment::Kind::Text) continue;
      SourceLoc L = Seg.loc();
      uint32_t Len = Seg.length();
      if (A.Name != "python") {
        D->report(DiagKind::TemplateInCode, L, Len, A.Name.str(),
                  "JSON.parse(require('fs').readFileSync(0))` or `process.argv.slice(1)");
        return;
      }
      const PythonSpot &Spot = Spots[I++];
      if (Spot.K == PythonSpot::Refused) {
        D->report(DiagKind::TemplateInPythonCode, L, Len, Spot.Why);
      } else if (Spot.K == PythonSpot::Code && Seg.K == Segment::Kind::Expr &&
                 Seg.E->type() == Type::String) {
        D->report(DiagKind::TemplateInPythonCode, L, Len,
                  "text in code, which ContextLab would run");
      }
    }
  }

  /// \p Written is the parameter's name as the step wrote it (`transformation`
  /// for `op`): messages name it.
  void checkValue(const ActionInfo &A, const ActionParam &Prm, const Value *V,
                  llvm::StringRef Written) {
    Type T = V->type();
    // Scalars print into string parameters; lists and maps do not. A
    // templated number may feed an integer parameter (ContextLab declares
    // counts `type: number`): a whole number renders as the integer, any
    // other fails the step (ir::wholeToInteger).
    bool Fits = Prm.Ty == Type::String ? T != Type::List && T != Type::Map
                                       : isAssignable(T, Prm.Ty) ||
                                             (Prm.Ty == Type::Int && T == Type::Float &&
                                              llvm::isa<TemplateValue>(V));
    if (!Fits) {
      D->report(DiagKind::ActionParamType, V->loc(), V->length(), Written.str(),
                A.Name.str(), describeType(Prm.Ty).str(), describeType(T).str());
      return;
    }
    if (A.Name == "sleep" && Prm.Name == "ms")
      if (auto *S = llvm::dyn_cast<ScalarValue>(V))
        if (S->scalar().Ty == Type::Int &&
            (S->scalar().I < 0 || S->scalar().I > MaxSleepMs))
          D->report(DiagKind::ActionParamRange, V->loc(), V->length(), "ms", "sleep",
                    fmt::format("between 0 and {}", MaxSleepMs), S->scalar().I);
    if (A.Name == "web.search" && Prm.Name == "max_results")
      if (auto *S = llvm::dyn_cast<ScalarValue>(V))
        if (S->scalar().Ty == Type::Int &&
            (S->scalar().I < 1 || S->scalar().I > MaxSearchResults))
          D->report(DiagKind::ActionParamRange, V->loc(), V->length(), "max_results",
                    "web.search", fmt::format("between 1 and {}", MaxSearchResults),
                    S->scalar().I);
    if (A.Name == "web.scrape" && Prm.Name == "max_content_length")
      if (auto *S = llvm::dyn_cast<ScalarValue>(V))
        if (S->scalar().Ty == Type::Int &&
            (S->scalar().I < MinScrapeBytes || S->scalar().I > MaxScrapeBytes))
          D->report(DiagKind::ActionParamRange, V->loc(), V->length(),
                    "max_content_length", "web.scrape",
                    fmt::format("between {} and {}", MinScrapeBytes, MaxScrapeBytes),
                    S->scalar().I);
    for (const EnumParam &E : EnumParams)
      if (A.Name == E.Action && Prm.Name == E.Param) {
        // A constant value, or each constant item of a list.
        llvm::SmallVector<const Value *, 4> Items{V};
        if (auto *L = llvm::dyn_cast<ListValue>(V))
          Items.assign(L->items().begin(), L->items().end());
        for (const Value *I : Items) {
          std::optional<std::string> X = enumText(I);
          if (!X) continue;
          std::vector<std::string> Each{*X};
          if (Json L = E.ListText ? parseJsonBounded(*X) : Json(); L.is_array()) {
            Each.clear();
            for (const Json &J : L)
              Each.push_back(J.is_string() ? J.get<std::string>() : toJsonText(J));
          }
          for (const std::string &W : Each)
            if (!llvm::is_contained(E.Values(), llvm::StringRef(W)))
              D->report(DiagKind::InvalidEnum, I->loc(), I->length(), E.What.str(), W,
                        llvm::join(E.Values(), ", "), didYouMean(W, E.Values()));
        }
      }
    for (const MapKeys &K : KeyedParams)
      if (A.Name == K.Action && Prm.Name == K.Param)
        if (auto *M = llvm::dyn_cast<MapValue>(V))
          for (const MapEntry &E : M->entries())
            if (!llvm::is_contained(K.Keys, E.Key)) {
              std::vector<llvm::StringRef> Ok(K.Keys.begin(), K.Keys.end());
              D->report(DiagKind::UnknownKey, E.KeyLoc, E.Key.size(), E.Key.str(),
                        fmt::format("`{}` of action `{}` (it takes {})", K.Param.str(),
                                    A.Name.str(), llvm::join(Ok, ", ")),
                        didYouMean(E.Key, Ok));
            }
    if ((A.Name == "validate" || A.Name == "extract") && Prm.Name == "schema")
      checkSchemaParam(V, *D, /*ObjectOnly=*/A.Name == "extract" ? A.Name : "");
    if (A.Name == "generate" && Prm.Name == "schema") {
      // The answer's schema is sent with the request and names the fields
      // later steps may read: it is known when the pipeline compiles.
      if (constantJson(V)) {
        checkSchemaParam(V, *D, A.Name);
        checkAnswerSchema(V, *D);
      } else {
        D->report(DiagKind::TemplateNotAllowed, V->loc(), V->length(),
                  "the `schema` of a `generate` step");
      }
    }
    if (A.Name == "chart") checkChartParam(Prm.Name, V, *D);
    if (A.Name == "data.transform" &&
        (Prm.Name == "operation" || Prm.Name == "operations"))
      checkTransformations(V, *D);
    if (A.Name == "transform" && Prm.Name == "op")
      if (std::optional<std::string> Op = enumText(V)) {
        std::vector<llvm::StringRef> Ops;
        for (const FilterInfo &F : filters()) Ops.push_back(F.Name);
        for (llvm::StringRef O : transformOps()) Ops.push_back(O);
        if (!llvm::is_contained(Ops, llvm::StringRef(*Op)))
          D->report(DiagKind::InvalidEnum, V->loc(), V->length(), "transform operation",
                    *Op, "a template filter or " + llvm::join(transformOps(), ", "),
                    didYouMean(*Op, Ops));
      }
    if ((A.Name == "http.request" || A.Name == "web.scrape") && Prm.Name == "url")
      checkHttpText(V, HttpPart::Url, "`url`");
    if (A.Name == "http.request" && Prm.Name == "headers")
      if (auto *M = llvm::dyn_cast<MapValue>(V))
        for (const MapEntry &E : M->entries()) {
          std::string Why = httpTextProblem(HttpPart::HeaderName, E.Key);
          if (!Why.empty())
            D->report(DiagKind::HttpUnsafeText, E.KeyLoc, E.Key.size(),
                      fmt::format("header name `{}`", llvm::yaml::escape(E.Key)), Why);
          checkHttpText(
              E.V, HttpPart::HeaderValue,
              fmt::format("the value of header `{}`", llvm::yaml::escape(E.Key)));
        }
    if (A.RunsProcess && Prm.Name == "run_dir")
      if (std::optional<std::string> M = enumText(V)) {
        static constexpr llvm::StringRef Modes[] = {"none", "read", "write"};
        if (!llvm::is_contained(Modes, llvm::StringRef(*M)))
          D->report(DiagKind::InvalidEnum, V->loc(), V->length(), "run_dir", *M,
                    "none, read or write", didYouMean(*M, Modes));
      }
  }

  /// The constant text of \p V (a template's literal parts too) must not
  /// break an HTTP request; rendered values are checked at run time.
  void checkHttpText(const Value *V, HttpPart Part, const std::string &What) {
    std::string Why;
    if (std::optional<llvm::StringRef> S = constantString(V))
      Why = httpTextProblem(Part, *S);
    if (auto *T = llvm::dyn_cast<TemplateValue>(V))
      for (const Segment &Seg : T->segments())
        if (Seg.K == Segment::Kind::Text && Why.empty())
          Why = httpTextProblem(Part, Seg.Text);
    if (!Why.empty())
      D->report(DiagKind::HttpUnsafeText, V->loc(), V->length(), What, Why);
  }

  void checkUses(const Pipeline &P, llvm::ArrayRef<StepUse> Uses) {
    for (const StepUse &U : Uses) {
      // Every settled step has a `status`; failed ones an `error`.
      if (U.Field.empty() || U.Field == "status" || U.Field == "error") continue;
      const Step &T = P.Steps[U.Target];
      const ActionInfo *A = builtinOf(T);
      // Models answer any field asked for; a tool's structured result has
      // the fields it has. (`extract` answers its own fields only, and so
      // does a `generate` step with a `schema`.)
      std::optional<Json> Answer = generateSchema(T);
      if (!A || (A->UsesModel && !A->Alone && !Answer)) continue;
      std::vector<llvm::StringRef> Fields;
      std::vector<std::string> Props;  // `output` (the answer as JSON text) and these
      if (Answer && Answer->contains("properties") && (*Answer)["properties"].is_object())
        for (const auto &[K, _] : (*Answer)["properties"].items()) Props.push_back(K);
      for (const std::string &K : Props) Fields.push_back(K);
      for (const ActionField &F : A->Fields) Fields.push_back(F.Name);
      if (A->OpenFields) {  // known only from the tool's output schema
        if (!Mcp) continue;
        auto It = Mcp->Fields.find(U.Target);
        if (It == Mcp->Fields.end()) continue;
        for (const std::string &F : It->second) Fields.push_back(F);
      }
      if (!llvm::is_contained(Fields, U.Field)) {
        D->report(DiagKind::UnknownStepField, U.FieldLoc, U.FieldLength, T.Id.Str.str(),
                  A->Name.str(), U.Field.str(), didYouMean(U.Field, Fields));
      } else if (A->OpenFields) {
        if (auto It = Mcp->Outputs.find(U.Target); It != Mcp->Outputs.end())
          checkMcpFieldRead(U, T, It->second, *D);
      }
    }
  }

  DiagnosticEngine *D = nullptr;
  McpOptions *Mcp = nullptr;
};

}  // namespace

std::unique_ptr<Pass> createCheckActionsPass() {
  return std::make_unique<CheckActionsPass>();
}

}  // namespace orch::passes
