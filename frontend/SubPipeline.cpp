//===- SubPipeline.cpp - `action: pipeline` calls, inlined ----------------===//
//
// A call step names another pipeline file and binds its inputs. The callee
// is read, lowered and inlined into the caller's IR (docs/control-flow.md
// §2):
//
//   <call>.inputs   action `pipeline`, parameters {inputs: the bindings},
//                   the call's dependencies and condition
//   <call>.<step>   each callee step, its templates renamed into the call:
//                   `step` -> `<call>.step`, `topic` / `inputs.topic` ->
//                   `<call>.inputs.inputs.topic`; callee roots wait for
//                   `<call>.inputs`
//   <call>          action `pipeline`, parameters {outputs: the callee's
//                   outputs}, after every callee step: `{{ call.outputs.x }}`
//
// A callee's loops come along: their bodies and `while` conditions keep
// the loop variables of the callee's loops that hold them (Renamer's
// loop scope); the runtime keys a loop's results by the body ids as the
// callee wrote them. A call in a loop body puts all three parts in the
// body (the callee's top-level steps take the call's Parent).
//
// The callee's text is included in the compilation's sources
// (ir/SourceIncludes.h), so its diagnostics point into its own file.
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "frontend/Frontend.h"
#include "frontend/Lowerer.h"
#include "ir/Actions.h"
#include "ir/Eval.h"
#include "ir/Expr.h"
#include "ir/JsonLimits.h"
#include "ir/SourceIncludes.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

namespace orch::frontend::lowering {

namespace {

/// The largest sub-pipeline file read (as orchc's own input).
constexpr uint64_t MaxCalleeBytes = 256u << 20;

/// The most calls one compilation inlines, and the most callee steps.
constexpr unsigned MaxCalls = 256;
constexpr size_t MaxInlinedSteps = 4096;
/// The most bytes the callee files take as read (each is read after
/// padding as long as everything before it): bounds memory and keeps the
/// 32-bit source locations from wrapping.
constexpr uint64_t MaxPaddedBytes = 64u << 20;

/// Step keys a call takes besides `pipeline` and `inputs`.
const llvm::StringRef CallStepKeys[] = {
    "id",       "name",         "description", "action",           "pipeline",
    "inputs",   "dependencies", "depends_on",  "condition",        "if",
    "metadata", "on_failure",   "on_error",    "continue_on_error"};
/// And a ContextLab `pipeline-executor` call besides those.
const llvm::StringRef ExecutorStepKeys[] = {"tool", "parameters"};
/// The parameters of ContextLab's `pipeline-executor` (its tool's).
const llvm::StringRef ExecutorParams[] = {
    "pipeline", "inputs",      "output_mapping", "inherit_context", "wait_for_completion",
    "timeout",  "retry_count", "retry_delay",    "error_handling"};

/// Calls \p F on every expression slot of the templates in \p V.
void forEachTemplate(ir::Value *V, llvm::function_ref<void(ir::Expr *&)> F) {
  if (!V) return;
  if (auto *T = llvm::dyn_cast<ir::TemplateValue>(V)) {
    for (ir::Segment &Seg : T->mutableSegments())
      if (Seg.K == ir::Segment::Kind::Expr && Seg.E) F(Seg.E);
  } else if (auto *L = llvm::dyn_cast<ir::ListValue>(V)) {
    for (ir::Value *I : L->mutableItems()) forEachTemplate(I, F);
  } else if (auto *M = llvm::dyn_cast<ir::MapValue>(V)) {
    for (ir::MapEntry &E : M->mutableEntries()) forEachTemplate(E.V, F);
  }
}

/// Every value of step \p S that may hold templates.
void forEachStepTemplate(ir::Step &S, llvm::function_ref<void(ir::Expr *&)> F) {
  forEachTemplate(S.Params, F);
  forEachTemplate(S.Condition, F);
  forEachTemplate(S.ForEach, F);
  forEachTemplate(S.Metadata, F);
  forEachTemplate(S.Location, F);
  forEachTemplate(S.RequiresModel, F);
  forEachTemplate(S.MaxIterationsValue, F);  // rendered where the loop starts
  forEachTemplate(S.ModelValue, F);          // rendered where the step starts
  for (ir::Route &R : S.Routes) forEachTemplate(R.When, F);
}

/// Renames a callee's templates into its call (the file comment). A name
/// the callee neither declares, binds nor computes is an error: the callee
/// never reads a name of its caller.
class Renamer {
 public:
  /// \p RunVariables gets each run variable the callee reads.
  Renamer(ir::Arena &A, DiagnosticEngine &Diags, llvm::StringRef Call,
          llvm::StringRef Shown, const llvm::StringSet<> &Steps,
          const llvm::StringSet<> &Inputs, std::vector<RunVariableRead> &RunVariables)
      : A(A),
        Diags(Diags),
        Call(Call),
        Shown(Shown),
        Steps(Steps),
        Inputs(Inputs),
        RunVariables(RunVariables) {
    InputsStep = A.save(Call.str() + ".inputs");
  }

  /// Rewrites the expression in \p Slot and everything under it.
  void visit(ir::Expr *&Slot) {
    if (!Slot) return;
    if (auto *C = llvm::dyn_cast<ir::CompoundExpr>(Slot);
        C && (C->op() == ir::CompoundOp::For || C->op() == ir::CompoundOp::Let)) {
      statement(C);
      return;
    }
    if (auto *At = llvm::dyn_cast<ir::AttrExpr>(Slot)) {
      // `steps.x`: x is a step of the callee.
      if (isSteps(At->base())) {
        stepName(At->attr(), At->attrLoc(), static_cast<uint32_t>(At->attr().size()),
                 [&](llvm::StringRef Q) { At->setAttr(Q); });
        return;
      }
    }
    if (auto *Ix = llvm::dyn_cast<ir::IndexExpr>(Slot); Ix && isSteps(Ix->base())) {
      // `steps['x']`: only a literal name of a callee step can be confined.
      auto *Lit = llvm::dyn_cast<ir::LiteralExpr>(Ix->index());
      if (!Lit || Lit->value().Ty != ir::Type::String) {
        Diags.report(DiagKind::NotSupportedYet, Ix->index()->loc(), Ix->index()->length(),
                     "a computed `steps[...]` index in a sub-pipeline", "issue #17",
                     "write the step's name: `steps.name`");
        return;
      }
      stepName(Lit->value().S, Lit->loc(), Lit->length(), [&](llvm::StringRef Q) {
        Ix->indexRef() =
            A.create<ir::LiteralExpr>(Lit->loc(), Lit->length(), ir::Scalar::string(Q));
      });
      return;
    }
    if (auto *N = llvm::dyn_cast<ir::NameExpr>(Slot)) {
      name(Slot, N);
      return;
    }
    ir::forEachOperandRef(*Slot, [&](ir::Expr *&E) { visit(E); });
  }

  /// The loop variables of the callee's loops that start at \p Loop (an
  /// index into \p Steps, the callee's) and go outwards stay unrenamed in
  /// what visit() sees next: the passes resolve them (ir::loopVariableType).
  void setLoopScope(const std::vector<ir::Step> &Steps, int32_t Loop) {
    Loops = &Steps;
    Scope = Loop;
  }

  /// A `depends_on` entry \p D of a callee step: one of its own steps.
  void dependency(ir::LocString &D) {
    stepName(D.Str, D.Loc, D.Length, [&](llvm::StringRef Q) { D.Str = Q; });
  }

 private:
  static bool isSteps(const ir::Expr *E) {
    auto *N = llvm::dyn_cast<ir::NameExpr>(E);
    return N && N->name() == "steps";
  }

  bool isLocal(llvm::StringRef Name) const {
    return llvm::is_contained(Locals, Name) ||
           (Loops && ir::loopVariableType(*Loops, Scope, Name));
  }

  /// `{% for %}` and `{% set %}` bind names their body sees unrenamed.
  void statement(ir::CompoundExpr *C) {
    size_t Base = Locals.size();
    llvm::MutableArrayRef<ir::Expr *> Parts = C->mutableParts();
    if (C->op() == ir::CompoundOp::Let) {
      visit(Parts[0]);
      Locals.push_back(llvm::cast<ir::LiteralExpr>(Parts[2])->value().S);
      visit(Parts[1]);
      Locals.resize(Base);
      return;
    }
    visit(Parts[0]);
    for (size_t I = ir::ForFirstName; I < Parts.size(); ++I)
      Locals.push_back(llvm::cast<ir::LiteralExpr>(Parts[I])->value().S);
    visit(Parts[3]);
    Locals.push_back("loop");
    visit(Parts[1]);
    Locals.resize(Base);
    visit(Parts[2]);
  }

  /// Step \p Id read at \p Loc: renamed into the call via \p Set, or an
  /// error if it is not a step of the callee.
  void stepName(llvm::StringRef Id, SourceLoc Loc, uint32_t Len,
                llvm::function_ref<void(llvm::StringRef)> Set) {
    if (Steps.contains(Id)) {
      Set(qualify(Id));
      return;
    }
    Diags.report(DiagKind::UnknownName, Loc, Len, Id.str(),
                 " of sub-pipeline `" + Shown.str() +
                     "`, which sees only its own steps; pass the value in the call's "
                     "`inputs:`");
  }

  llvm::StringRef qualify(llvm::StringRef Id) {
    return A.save(Call.str() + "." + Id.str());
  }

  /// `<call>.inputs.inputs`, at the place of \p N.
  ir::Expr *inputsMap(const ir::NameExpr *N) {
    auto *Step = A.create<ir::NameExpr>(N->loc(), N->length(), InputsStep);
    return A.create<ir::AttrExpr>(N->loc(), N->length(), Step, "inputs", N->loc());
  }

  void name(ir::Expr *&Slot, ir::NameExpr *N) {
    llvm::StringRef Name = N->name();
    if (isLocal(Name)) return;
    // A run-time variable, unless the callee declares an input or a step
    // of that name: then it is the callee's (docs/language.md §7.10).
    if (ir::isRunVariable(Name) && !Steps.contains(Name) && !Inputs.contains(Name)) {
      RunVariables.push_back({Name, N->loc(), N->length()});
      return;
    }
    if (Steps.contains(Name)) {
      N->setName(qualify(Name));
    } else if (Name == "inputs" || Name == "parameters") {
      Slot = inputsMap(N);
    } else if (Inputs.contains(Name)) {
      Slot = A.create<ir::AttrExpr>(N->loc(), N->length(), inputsMap(N), Name, N->loc());
    } else if (Name == "steps") {
      Diags.report(DiagKind::NotSupportedYet, N->loc(), N->length(),
                   "`steps` as a whole in a sub-pipeline", "issue #17",
                   "read one step: `steps.name`");
    } else {
      Diags.report(DiagKind::UnknownName, N->loc(), N->length(), Name.str(),
                   " of sub-pipeline `" + Shown.str() +
                       "`, which sees only its own; bind it in the call's `inputs:`");
    }
  }

  ir::Arena &A;
  DiagnosticEngine &Diags;
  llvm::StringRef Call;
  llvm::StringRef Shown;
  llvm::StringRef InputsStep;
  const llvm::StringSet<> &Steps;
  const llvm::StringSet<> &Inputs;
  std::vector<RunVariableRead> &RunVariables;
  std::vector<llvm::StringRef> Locals;
  const std::vector<ir::Step> *Loops = nullptr;  ///< The callee's steps.
  int32_t Scope = -1;                            ///< Innermost loop in scope.
};

/// A field read `base.key` or `base['key']`: its base, key and where the
/// key is written.
struct KeyRead {
  ir::Expr *Base;
  llvm::StringRef Key;
  SourceLoc Loc;
  uint32_t Length;
};

std::optional<KeyRead> keyRead(ir::Expr *E) {
  if (auto *At = llvm::dyn_cast<ir::AttrExpr>(E))
    return KeyRead{At->base(), At->attr(), At->attrLoc(),
                   static_cast<uint32_t>(At->attr().size())};
  if (auto *Ix = llvm::dyn_cast<ir::IndexExpr>(E))
    if (auto *L = llvm::dyn_cast<ir::LiteralExpr>(Ix->index());
        L && L->value().Ty == ir::Type::String)
      return KeyRead{Ix->base(), L->value().S, L->loc(), L->length()};
  return std::nullopt;
}

/// The step \p E names: `x`, `steps.x` or `steps['x']`.
std::optional<llvm::StringRef> stepRead(ir::Expr *E) {
  if (auto *N = llvm::dyn_cast<ir::NameExpr>(E)) return N->name();
  if (std::optional<KeyRead> K = keyRead(E))
    if (auto *N = llvm::dyn_cast<ir::NameExpr>(K->Base); N && N->name() == "steps")
      return K->Key;
  return std::nullopt;
}

/// Finds reads of a step's `outputs.<name>`, in any attribute or literal
/// subscript form: \p F gets the step, the read, and whether the read is
/// guarded (the base of `| default(...)` or of a `defined` test).
void findOutputReads(ir::Expr *E,
                     llvm::function_ref<void(llvm::StringRef, const KeyRead &, bool)> F,
                     bool Guarded = false) {
  if (!E) return;
  if (std::optional<KeyRead> Out = keyRead(E))
    if (std::optional<KeyRead> Field = keyRead(Out->Base);
        Field && Field->Key == "outputs")
      if (std::optional<llvm::StringRef> Id = stepRead(Field->Base))
        F(*Id, *Out, Guarded);
  if (auto *Fl = llvm::dyn_cast<ir::FilterExpr>(E)) {
    bool Guard = (Fl->form() == ir::FilterExpr::Form::Filter &&
                  (Fl->name() == "default" || Fl->name() == "d")) ||
                 (Fl->isTest() && (Fl->name() == "defined" || Fl->name() == "undefined"));
    if (Guard) {
      findOutputReads(Fl->base(), F, true);
      for (ir::Expr *Arg : Fl->args()) findOutputReads(Arg, F);
      return;
    }
  }
  ir::forEachOperandRef(*E, [&](ir::Expr *&C) { findOutputReads(C, F); });
}

}  // namespace

const MapNode *Lowerer::lowerCallKeys(const MapNode *M) {
  Executor.reset();
  const KeyValue *Act = M->find("action");
  auto *Sc = Act ? llvm::dyn_cast<ScalarNode>(Act->Value) : nullptr;
  const KeyValue *ToolKV = M->find("tool");
  auto *Tool = ToolKV ? llvm::dyn_cast<ScalarNode>(ToolKV->Value) : nullptr;
  bool IsExecutor = Tool && !Tool->isTemplated() &&
                    Tool->value() == "pipeline-executor" &&
                    !declaresMcpServer(Tool->value());
  bool IsCall = Sc && !Sc->isTemplated() && Sc->value() == "pipeline" && !ToolKV;
  if (!IsCall && !IsExecutor) {
    for (llvm::StringRef K : {"pipeline", "inputs"})
      if (const KeyValue *KV = M->find(K))
        Diags.report(DiagKind::UnknownKey, KV->Key->loc(), KV->Key->length(), K.str(),
                     "a step",
                     "; it belongs to a sub-pipeline call (`action: pipeline`)");
    return nullptr;
  }
  for (const KeyValue &KV : M->entries()) {
    llvm::StringRef K = KV.Key->value();
    bool Allowed = llvm::is_contained(CallStepKeys, K) ||
                   (IsExecutor && llvm::is_contained(ExecutorStepKeys, K));
    if (!Allowed && llvm::is_contained(stepKeys(), K))
      Diags.report(DiagKind::UnknownKey, KV.Key->loc(), KV.Key->length(), K.str(),
                   "a sub-pipeline call",
                   "; give it to the steps of the sub-pipeline instead");
  }
  // `on_failure:` a policy word is the callee steps' default (inlineCall);
  // a route (a step id, `{goto: ...}`) would leave the callee half run.
  // Another word is a policy typo (`5`, ``); a list is the step lowering's
  // TypeMismatch.
  if (const KeyValue *OF = M->find("on_failure")) {
    auto *Word = llvm::dyn_cast<ScalarNode>(OF->Value);
    bool Route = llvm::isa<MapNode>(OF->Value);
    if (Word && !Word->isTemplated() && !ir::parseFailurePolicy(Word->value())) {
      llvm::StringRef V = Word->value();
      if (ir::isStepId(V))
        Route = true;
      else
        Diags.report(DiagKind::InvalidEnum, Word->loc(), Word->length(),
                     "`on_failure` policy", V.str(),
                     "`continue`, `fail`, `retry`, `skip`", "");
    }
    if (Route)
      Diags.report(DiagKind::NotSupportedYet, OF->Value->loc(), OF->Value->length(),
                   "a route on a sub-pipeline call's failure", "issue #17",
                   "give the call one of `continue`, `fail`, `retry`, `skip`, or route "
                   "from the steps of the sub-pipeline");
  }
  if (IsExecutor) {
    for (llvm::StringRef K : {"pipeline", "inputs"})
      if (const KeyValue *KV = M->find(K))
        Diags.report(DiagKind::UnknownKey, KV->Key->loc(), KV->Key->length(), K.str(),
                     "a `pipeline-executor` step", "; give it in its `parameters`");
    return lowerExecutorCall(M);
  }
  if (!M->find("pipeline"))
    Diags.report(DiagKind::MissingKey, Act->Key->loc(), Act->Key->length(), "pipeline",
                 "a step with `action: pipeline`");
  return M;
}

const MapNode *Lowerer::lowerExecutorCall(const MapNode *M) {
  const KeyValue *PK = M->find("parameters");
  if (!PK) {
    Diags.report(DiagKind::MissingKey, M->loc(), 1, "parameters",
                 "a `pipeline-executor` step (its `pipeline:` names the sub-pipeline)");
    return nullptr;
  }
  const MapNode *Params = expectMap(PK->Value, "`parameters`");
  if (!Params) return nullptr;
  ExecutorCall E;
  const char *Where = "the parameters of a `pipeline-executor` call";
  for (const KeyValue &KV : Params->entries()) {
    llvm::StringRef K = KV.Key->value();
    const Node *V = KV.Value;
    if (!llvm::is_contained(ExecutorParams, K)) {
      Diags.report(DiagKind::UnknownKey, KV.Key->loc(), KV.Key->length(), K.str(), Where,
                   didYouMean(K, ExecutorParams));
    } else if (K == "inherit_context" || K == "wait_for_completion") {
      // ContextLab always waits; a callee reads only its declared inputs
      // (any other name is an error where it is written), so there is
      // nothing to inherit unseen.
      getBool(V, quoted(K));
    } else if (K == "timeout" || K == "retry_count" || K == "retry_delay") {
      // ContextLab's `timeout` and `retry_delay` are numbers (seconds): a
      // timeout is rounded up to whole seconds.
      std::optional<ir::LocInt> N;
      auto *Sc = llvm::dyn_cast<ScalarNode>(V);
      if (K != "retry_count" && Sc && !Sc->isTemplated() && Sc->isPlain() &&
          Sc->typedValue().Ty == ir::Type::Float) {
        double D = Sc->typedValue().F;
        double Up = std::isfinite(D) ? std::ceil(std::clamp(D, -1.0, 1e6)) : 1e6;
        N = ir::LocInt{static_cast<int64_t>(Up), Sc->loc(), Sc->length()};
      } else {
        N = getInt(V, quoted(K));
      }
      if (!N) continue;
      int64_t Min = K == "retry_count" ? 1 : 0;
      if (N->Val < Min || N->Val > 86400) {
        Diags.report(DiagKind::OutOfRange, N->Loc, N->Length, quoted(K),
                     fmt::format("from {} to 86400", Min), std::to_string(N->Val));
        continue;
      }
      if (K == "timeout" && N->Val > 0) E.Timeout = N;
      if (K == "retry_count") E.RetryCount = N;
    } else if (K == "error_handling") {
      std::optional<ir::LocString> W = getString(V, "`error_handling`");
      if (!W) continue;
      if (W->Str == "continue") {
        for (llvm::StringRef Other : {"on_failure", "on_error", "continue_on_error"})
          if (M->find(Other))
            Diags.report(DiagKind::DuplicateAlias, KV.Key->loc(), KV.Key->length(),
                         Other.str(), "error_handling: continue");
        E.Continue = W;
      } else if (W->Str != "fail" && W->Str != "retry") {
        Diags.report(DiagKind::InvalidEnum, W->Loc, W->Length, "`error_handling`",
                     W->Str.str(), "`fail`, `continue`, `retry`", "");
      }
    } else if (K == "output_mapping") {
      const MapNode *Map = expectMap(V, "`output_mapping`");
      if (!Map) continue;
      llvm::StringSet<> Targets;
      for (const KeyValue &O : Map->entries()) {
        std::optional<ir::LocString> To = getString(O.Value, "an `output_mapping` name");
        if (!To) continue;
        if (!ir::isStepId(To->Str))
          Diags.report(DiagKind::InvalidIdentifier, To->Loc, To->Length, "output name",
                       To->Str.str(), "^[a-zA-Z][a-zA-Z0-9_-]*$");
        else if (!Targets.insert(To->Str).second)
          Diags.report(DiagKind::YamlDuplicateKey, To->Loc, To->Length, To->Str.str());
      }
      E.OutputMapping = Map;
    }
  }
  if (!Params->find("pipeline")) {
    Diags.report(DiagKind::MissingKey, PK->Key->loc(), PK->Key->length(), "pipeline",
                 "the parameters of a `pipeline-executor` step");
    return nullptr;
  }
  // ContextLab's default: 3 attempts.
  if (!E.RetryCount) E.RetryCount = ir::LocInt{3, PK->Key->loc(), PK->Key->length()};
  Executor = E;
  return Params;
}

std::shared_ptr<const SourceFile> Lowerer::readCallee(const ir::LocString &Path,
                                                      std::string &RealPath,
                                                      bool ContextLab) {
  auto Fail = [&](const std::string &Why) {
    Diags.report(DiagKind::IoError, Path.Loc, Path.Length, Path.Str.str(), Why);
    return nullptr;
  };
  if (!Calls || !Calls->Root || Calls->Stack.empty())
    return Fail("a sub-pipeline is read beside its caller, which is not a file here");
  if (llvm::sys::path::is_absolute(Path.Str))
    return Fail("a sub-pipeline's path is relative to the calling file");
  llvm::SmallString<256> Shown(llvm::sys::path::parent_path(Doc.File->name()));
  llvm::sys::path::append(Shown, Path.Str);
  llvm::sys::path::remove_dots(Shown, /*remove_dot_dot=*/true);
  llvm::SmallString<256> Real;
  std::error_code Missing = llvm::sys::fs::real_path(Shown, Real);
  llvm::StringRef Root = Calls->RootDir;
  // A file lies under the pipeline's directory, or under a ContextLab
  // place a callee was found in (its siblings are callable from it).
  auto Allowed = [&](llvm::StringRef F) {
    if (F.starts_with(Root.str() + "/")) return true;
    return llvm::any_of(Calls->PlaceDirs,
                        [&](const std::string &D) { return F.starts_with(D + "/"); });
  };
  if (Missing && ContextLab) {
    // ContextLab's executor reads a path relative to the directory it runs
    // in, then under its `examples/` and `pipelines/`; a name without
    // `.yaml` is a pipeline id there. Here that directory is orchc's, and
    // only its `examples/` and `pipelines/` are read from.
    llvm::StringRef Spec = Path.Str;
    std::vector<std::string> Tries;
    if (Spec.ends_with(".yaml") || Spec.ends_with(".yml")) {
      for (const char *Dir : {"", "examples/", "pipelines/"})
        Tries.push_back(Dir + Spec.str());
    } else {
      for (const char *Dir : {"examples/", "pipelines/"})
        for (const char *Ext : {".yaml", ".yml"}) Tries.push_back(Dir + Spec.str() + Ext);
    }
    std::vector<std::string> Places;
    for (const char *Dir : {"examples", "pipelines"}) {
      llvm::SmallString<256> P;
      if (!llvm::sys::fs::real_path(Dir, P)) Places.push_back(P.str().str());
    }
    for (const std::string &T : Tries) {
      llvm::SmallString<256> Candidate(T), Found;
      llvm::sys::path::remove_dots(Candidate, /*remove_dot_dot=*/true);
      if (llvm::sys::fs::real_path(Candidate, Found)) continue;
      auto Place = llvm::find_if(Places, [&](const std::string &D) {
        return llvm::StringRef(Found).starts_with(D + "/");
      });
      if (Place == Places.end()) continue;  // not where ContextLab looks
      Missing = {};
      Shown = Candidate;
      Real = Found;
      if (!llvm::is_contained(Calls->PlaceDirs, *Place))
        Calls->PlaceDirs.push_back(*Place);
      break;
    }
  }
  if (Missing) return Fail(Missing.message());
  if (!Allowed(Real))
    return Fail(fmt::format("it is `{}`, outside the pipeline's directory `{}`",
                            Real.str().str(), Root.str()));
  RealPath = Real.str().str();
  if (llvm::is_contained(Calls->Stack, RealPath)) {
    std::vector<std::string> Chain;
    auto Short = [&](llvm::StringRef F) {
      F.consume_front(Root.str() + "/");
      return F.str();
    };
    for (const std::string &F : Calls->Stack) Chain.push_back(Short(F));
    Chain.push_back(Short(RealPath));
    Diags.report(DiagKind::DependencyCycle, Path.Loc, Path.Length,
                 "the sub-pipeline calls " + llvm::join(Chain, " -> "));
    return nullptr;
  }
  if (++Calls->CallCount > MaxCalls) {
    if (Calls->CallCount != MaxCalls + 1) return nullptr;  // reported once
    Diags.report(DiagKind::NotSupportedYet, Path.Loc, Path.Length,
                 fmt::format("more than {} sub-pipeline calls in one pipeline", MaxCalls),
                 "a limit", "call fewer sub-pipelines");
    return nullptr;
  }
  if (auto It = Calls->Read.find(RealPath); It != Calls->Read.end()) return It->second;
  // Only a regular file: a FIFO or a device could block the compiler.
  llvm::sys::fs::file_status St;
  if (std::error_code EC = llvm::sys::fs::status(Real, St)) return Fail(EC.message());
  if (!llvm::sys::fs::is_regular_file(St)) return Fail("it is not a regular file");
  auto Buf = llvm::MemoryBuffer::getFile(Real, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!Buf) return Fail("cannot read: " + Buf.getError().message());
  if ((*Buf)->getBufferSize() > MaxCalleeBytes)
    return Fail(fmt::format("the file has {} bytes, more than {}",
                            (*Buf)->getBufferSize(), MaxCalleeBytes));
  std::shared_ptr<const SourceFile> Parsed =
      includeCallee(Shown.str().str(), (*Buf)->getBuffer().str(), Path);
  if (Parsed) Calls->Read[RealPath] = Parsed;
  return Parsed;
}

std::shared_ptr<const SourceFile> Lowerer::includeCallee(const std::string &Shown,
                                                         std::string Text,
                                                         const ir::LocString &At) {
  // The front end reads the text after a comment as long as everything
  // compiled so far, so the callee's locations follow them.
  uint32_t Base = includeBase(*Calls->Root);
  bool Over = Calls->PaddedBytes > MaxPaddedBytes;
  Calls->PaddedBytes += uint64_t(Base) + Text.size();
  if (Over) return nullptr;  // reported once
  if (Calls->PaddedBytes > MaxPaddedBytes) {
    Diags.report(DiagKind::IoError, At.Loc, At.Length, At.Str.str(),
                 fmt::format("the sub-pipeline files read take more than {} bytes with "
                             "their offsets in the compilation",
                             MaxPaddedBytes));
    return nullptr;
  }
  std::string Padded = "#" + std::string(Base - 2, ' ') + "\n";
  Padded += Text;
  auto File = std::make_shared<SourceFile>(Shown, std::move(Text));
  auto Parsed = std::make_shared<SourceFile>(Shown, std::move(Padded));
  includeFile(*Calls->Root, File, Parsed);
  return Parsed;
}

std::shared_ptr<const SourceFile> Lowerer::inlineCallee(const ScalarNode *V,
                                                        llvm::StringRef Call) {
  if (!Calls || !Calls->Root || Calls->Stack.empty()) {
    Diags.report(DiagKind::IoError, V->loc(), V->length(), "the inline pipeline",
                 "a sub-pipeline is lowered beside its caller, which is not a file here");
    return nullptr;
  }
  if (++Calls->CallCount > MaxCalls) {
    if (Calls->CallCount == MaxCalls + 1)
      Diags.report(
          DiagKind::NotSupportedYet, V->loc(), V->length(),
          fmt::format("more than {} sub-pipeline calls in one pipeline", MaxCalls),
          "a limit", "call fewer sub-pipelines");
    return nullptr;
  }
  // A `|` block in the file: the callee is the file with everything but
  // the block's lines blanked, so its diagnostics point at the lines and
  // columns as written. Any other form (quoted, folded, escapes) is read
  // as its value alone.
  if (V->value().trim().empty()) {
    Diags.report(DiagKind::IoError, V->loc(), V->length(),
                 fmt::format("the inline pipeline of step {}", Call.str()),
                 "it is empty");
    return nullptr;
  }
  auto [File, Local] = locateSource(*Calls->Root, V->loc());
  llvm::StringRef Src = File->text();
  llvm::StringRef Value = V->value();
  size_t LineEnd = Src.find('\n', Local.Offset);
  std::string Text;
  if (LineEnd != llvm::StringRef::npos && Src.substr(Local.Offset).starts_with("|")) {
    size_t Start = LineEnd + 1, At = Start;
    size_t Indent = llvm::StringRef::npos;
    bool Same = true;
    llvm::SmallVector<llvm::StringRef, 32> Lines;
    Value.split(Lines, '\n');
    if (!Lines.empty() && Lines.back().empty()) Lines.pop_back();  // the last newline
    size_t Matched = 0;
    for (llvm::StringRef L : Lines) {
      size_t End = Src.find('\n', At);
      llvm::StringRef SrcLine = Src.slice(At, End).rtrim('\r');
      // Shifted right, a document marker or directive would be text.
      if (L.starts_with("---") || L.starts_with("...") || L.starts_with("%"))
        Same = false;
      if (L.empty()) {
        Same &= SrcLine.trim(' ').empty();
      } else {
        if (Indent == llvm::StringRef::npos)
          Indent = SrcLine.size() - SrcLine.ltrim(' ').size();
        Same &= SrcLine.size() >= Indent && SrcLine.substr(Indent) == L &&
                SrcLine.take_front(Indent).trim(' ').empty();
      }
      if (Same) ++Matched;
      if (!Same || End == llvm::StringRef::npos) {
        At = End == llvm::StringRef::npos ? Src.size() : End;
        break;
      }
      At = End + 1;
    }
    if (Same && Matched == Lines.size() && !Lines.empty()) {
      Text.assign(Src.size(), ' ');
      for (size_t I = 0; I < Src.size(); ++I)
        if (Src[I] == '\n' || (I >= Start && I < At)) Text[I] = Src[I];
    }
  }
  std::string Shown = File->name().str();
  if (Text.empty()) {
    Text = Value.str();
    Shown = fmt::format("{} (the inline pipeline of step `{}`)", File->name().str(),
                        Call.str());
  }
  ir::LocString At{A.save(fmt::format("the inline pipeline of step {}", Call.str())),
                   V->loc(), V->length()};
  return includeCallee(Shown, std::move(Text), At);
}

void Lowerer::renameCalleeRoutes(ir::Pipeline &Callee, llvm::StringRef Call,
                                 llvm::StringRef Shown) {
  // A callee's routes join its own top-level steps (docs/language.md §6.4):
  // each target is renamed into the call here. A target the callee does not
  // have is reported here, with the callee's names: resolve-routes would
  // find it among the caller's (review 6 finding 1).
  std::vector<llvm::StringRef> Ids;
  for (const ir::Step &X : Callee.Steps)  // a routing cycle's steps too
    if (X.Parent < 0 || Callee.Steps[X.Parent].isCycle()) Ids.push_back(X.Id.Str);
  std::string In = fmt::format(" (sub-pipeline `{}`)", Shown.str());
  llvm::DenseSet<uint32_t> Reported;
  auto Rename = [&](ir::LocString &T) { T.Str = A.save(Call.str() + "." + T.Str.str()); };
  for (ir::Step &X : Callee.Steps) {
    ir::LocString &F = X.OnFailureText;
    if (F.Loc.isValid() && ir::parseFailurePolicy(F.Str)) {
      // resolve-routes checks the caller's ids only: the callee's here.
      // Once a place: a nested call's `on_failure` is every inlined step's.
      for (llvm::StringRef N : Ids)
        if (N.equals_insensitive(F.Str.trim()) && Reported.insert(F.Loc.Offset).second)
          Diags.report(DiagKind::RouteAmbiguous, F.Loc, F.Length, F.Str.str(), N.str(),
                       N.str());
    } else if (F.Loc.isValid()) {
      if (llvm::is_contained(Ids, F.Str)) {
        Rename(F);
      } else {
        std::vector<llvm::StringRef> Guesses = {"continue", "fail", "retry", "skip"};
        Guesses.insert(Guesses.end(), Ids.begin(), Ids.end());
        Diags.report(DiagKind::InvalidEnum, F.Loc, F.Length, "`on_failure` policy",
                     F.Str.str(),
                     "`continue`, `fail`, `retry`, `skip` or a later step's id",
                     didYouMean(F.Str, Guesses) + In);
        F = {};
      }
    }
    for (auto R = X.Routes.begin(); R != X.Routes.end();) {
      if (llvm::is_contained(Ids, R->Target.Str)) {
        Rename(R->Target);
        ++R;
        continue;
      }
      Diags.report(DiagKind::UnknownRouteTarget, R->Target.Loc, R->Target.Length,
                   ir::routeKeyName(*R).str(), X.Id.Str.str(), R->Target.Str.str(),
                   didYouMean(R->Target.Str, Ids) + In);
      R = X.Routes.erase(R);
    }
  }
}

namespace {
/// Where a callee's tag at \p Path lands once inlined into call \p Call:
/// tags sit in steps only (AutoNotAllowed elsewhere), which are
/// `<call>.<id>`.
std::string autoPathInCall(llvm::StringRef Path, llvm::StringRef Call) {
  Path.consume_front("steps.");
  return "steps." + Call.str() + "." + Path.str();
}

}  // namespace

void Lowerer::mergeCalleeServers() {
  // A callee's `mcp_servers:` (docs/control-flow.md §4): one plan holds one
  // server a name, so a callee's server of a name the caller (or another
  // callee) declares alike is that server, and another is an error.
  llvm::DenseSet<uint32_t> Reported;  // once a server, however often called
  for (auto &[Srv, Shown] : CalleeServers) {
    auto Same = llvm::find_if(P->McpServers, [&](const ir::McpServer &X) {
      return X.Name.Str == Srv.Name.Str;
    });
    if (Same == P->McpServers.end())
      P->McpServers.push_back(std::move(Srv));
    else if (!sameServer(*Same, Srv) && Reported.insert(Srv.Name.Loc.Offset).second) {
      Diagnostic &D = Diags.report(DiagKind::McpServerConflict, Srv.Name.Loc,
                                   Srv.Name.Length, Srv.Name.Str.str(), Shown);
      if (Same->Name.Loc.isValid())
        DiagnosticEngine::note(D, DiagKind::NoteFirstDefined, Same->Name.Loc,
                               Same->Name.Length);
    }
  }
  CalleeServers.clear();
}

void Lowerer::inlineCall(const MapNode *M, ir::Step &S) {
  std::optional<ExecutorCall> Exec = std::move(Executor);
  Executor.reset();
  const KeyValue *PathKV = M->find("pipeline");
  if (!PathKV) return;
  // ContextLab's inline YAML is the pipeline itself: its templates are the
  // callee's, read when it is lowered.
  auto *PathSc = llvm::dyn_cast<ScalarNode>(PathKV->Value);
  bool Inline =
      Exec && PathSc &&
      (PathSc->value().contains('\n') || PathSc->value().ltrim().starts_with("id:"));
  std::optional<ir::LocString> Path;
  if (Inline)
    Path = ir::LocString{
        A.save(fmt::format("(the inline pipeline of step `{}`)", S.Id.Str.str())),
        PathSc->loc(), PathSc->length()};
  else
    Path = getString(PathKV->Value, "`pipeline`");
  if (!Path) return;
  std::string Real;
  std::shared_ptr<const SourceFile> Parsed;
  if (Inline) {
    Parsed = inlineCallee(PathSc, S.Id.Str);
    Real = fmt::format("{}#{}", Doc.File->name().str(), Path->Loc.Offset);
  } else {
    Parsed = readCallee(*Path, Real, Exec.has_value());
  }
  if (!Parsed) return;
  if (Exec && Exec->Continue && !S.OnFailureText.Loc.isValid()) {
    S.OnFailure = ir::FailurePolicy::Continue;
    S.OnFailureText = {"continue", Exec->Continue->Loc, Exec->Continue->Length};
  }
  std::unique_ptr<ir::Pipeline> Callee;
  size_t Before = 0;
  if (checkSourceBytes(*Parsed, Diags)) {
    if (std::optional<ast::Document> D =
            parseDocument(Parsed, Diags, /*FastYaml=*/true, Doc.Arena)) {
      Calls->Stack.push_back(Real);
      Before = Calls->InlinedSteps;
      Callee = Lowerer(*D, Diags, Calls).run();
      Calls->Stack.pop_back();
    }
  }
  std::string Shown = Path->Str.str();
  if (Callee) {
    // A callee's `mcp` steps call its own servers (its nested callees'
    // included), never a server of its caller or of another callee: the
    // callee never reads a name of its caller.
    for (const ir::Step &X : Callee->Steps) {
      const auto *Pm = ir::isMcpAction(X.Action.Str) ? X.Params : nullptr;
      const ir::MapEntry *E = nullptr;
      if (Pm)
        for (const ir::MapEntry &M : Pm->entries())
          if (M.Key == "server") E = &M;
      const auto *V = E ? llvm::dyn_cast<ir::ScalarValue>(E->V) : nullptr;
      if (!V || V->scalar().Ty != ir::Type::String) continue;
      std::vector<llvm::StringRef> Names;
      for (const ir::McpServer &Srv : Callee->McpServers) Names.push_back(Srv.Name.Str);
      if (llvm::is_contained(Names, V->scalar().S)) continue;
      std::string Hint = didYouMean(V->scalar().S, Names);
      if (Hint.empty())
        Hint = Names.empty() ? "; the sub-pipeline declares no `mcp_servers:`"
                             : "; it declares: " + llvm::join(Names, ", ");
      Diags.report(DiagKind::UnknownMcpServer, V->loc(), V->length(), X.Id.Str.str(),
                   V->scalar().S.str(), Hint + " (sub-pipeline `" + Shown + "`)");
    }
    // Its servers join the caller's once the caller's own are known.
    for (ir::McpServer &Srv : Callee->McpServers)
      CalleeServers.emplace_back(std::move(Srv), Path->Str.str());
    // Its AUTO tags are the caller's, after the caller's own, each under
    // the path of the place it lands in (`steps.<call>.a.parameters.x`):
    // each call decides its own, and the lock keys a decision by its path.
    for (ir::AutoTag *T : Callee->AutoTags) {
      T->Id = static_cast<uint32_t>(P->AutoTags.size());
      T->Path = A.save(autoPathInCall(T->Path, S.Id.Str));
      P->AutoTags.push_back(T);
    }
  }
  if (Callee) {
    renameCalleeRoutes(*Callee, S.Id.Str, Shown);
    // Its steps, those of its own calls among them, and `<call>.inputs`.
    Calls->InlinedSteps = Before + Callee->Steps.size() + 1;
    // The callee is not validated alone: its own reserved names are
    // reported here, as written (not as `<call>.inputs`).
    auto Reserved = [&](const ir::LocString &N, llvm::StringRef What) {
      if (N.Str == "inputs" || N.Str == "steps")
        Diags.report(DiagKind::ReservedName, N.Loc, N.Length, What.str(), N.Str.str());
    };
    for (const ir::Step &X : Callee->Steps) Reserved(X.Id, "step id");
    for (const ir::Input &X : Callee->Inputs) Reserved(X.Name, "input name");
    if (Calls->InlinedSteps > MaxInlinedSteps)
      Diags.report(
          DiagKind::NotSupportedYet, Path->Loc, Path->Length,
          fmt::format("more than {} steps inlined from sub-pipelines", MaxInlinedSteps),
          "a limit", "call fewer or smaller sub-pipelines");
  }
  if (!Callee || Diags.errorCount() != 0) return;
  // A call in a loop body nests the callee's loops in the caller's: each
  // file was checked alone (lowerBody), the sum is checked here.
  unsigned Outer = 0, Inner = 0;
  for (int32_t L = S.Parent; L >= 0; L = P->Steps[L].Parent) ++Outer;
  for (uint32_t I = 0; I < Callee->Steps.size(); ++I)
    if (Callee->Steps[I].isLoop())
      Inner = std::max(
          Inner, static_cast<unsigned>(ir::enclosingLoops(Callee->Steps, I).size() + 1));
  if (Outer && Outer + Inner > ir::MaxLoopDepth) {
    Diags.report(DiagKind::OutOfRange, Path->Loc, Path->Length,
                 "the nesting of loops (the calling loops' and the sub-pipeline's)",
                 fmt::format("at most {} levels", ir::MaxLoopDepth),
                 std::to_string(Outer + Inner));
    return;
  }

  // The bindings: every declared input gets its bound value, else its
  // default; an undeclaring callee takes any name.
  llvm::StringRef Call = S.Id.Str;
  llvm::SmallVector<ir::MapEntry, 8> Bound;
  llvm::StringSet<> InputNames;
  const KeyValue *InKV = M->find("inputs");
  const MapNode *InM = InKV ? expectMap(InKV->Value, "`inputs`") : nullptr;
  std::vector<llvm::StringRef> Declared;
  for (const ir::Input &In : Callee->Inputs) Declared.push_back(In.Name.Str);
  if (InM)
    for (const KeyValue &KV : InM->entries()) {
      llvm::StringRef N = KV.Key->value();
      const ir::Input *In = nullptr;
      for (const ir::Input &X : Callee->Inputs)
        if (X.Name.Str == N) In = &X;
      if (!In && Callee->DeclaresInputs) {
        Diags.report(DiagKind::UnknownInput, KV.Key->loc(), KV.Key->length(), N.str(),
                     didYouMean(N, Declared) + " (sub-pipeline `" + Shown + "`)");
        continue;
      }
      ir::Value *V = value(KV.Value, "steps." + Call.str() + ".inputs." + N.str());
      if (In && In->Ty != ir::Type::Any && !llvm::isa<ir::TemplateValue>(V) &&
          !llvm::isa<ir::AutoValue>(V) && !ir::isAssignable(V->type(), In->Ty))
        Diags.report(DiagKind::TypeMismatch, V->loc(), V->length(),
                     fmt::format("input `{}` of sub-pipeline `{}`", N.str(), Shown),
                     ir::describeType(In->Ty).str(), ir::describeType(V->type()).str());
      Bound.push_back({N, KV.Key->loc(), V});
      InputNames.insert(N);
    }
  for (const ir::Input &In : Callee->Inputs) {
    if (InputNames.contains(In.Name.Str)) continue;
    InputNames.insert(In.Name.Str);
    if (In.Default) {
      Bound.push_back({In.Name.Str, In.Name.Loc, In.Default});
    } else if (In.Required) {
      SourceLoc At = InKV ? InKV->Key->loc() : Path->Loc;
      uint32_t Len = InKV ? InKV->Key->length() : Path->Length;
      Diags.report(DiagKind::MissingKey, At, Len, In.Name.Str.str(),
                   "the `inputs` of a call of sub-pipeline `" + Shown + "`");
    } else {
      Bound.push_back(
          {In.Name.Str, In.Name.Loc,
           A.create<ir::ScalarValue>(In.Name.Loc, In.Name.Length, ir::Scalar::null())});
    }
  }

  // `<call>.inputs`: the call's dependencies and condition.
  ir::Step In;
  In.Id = {A.save(Call.str() + ".inputs"), S.Id.Loc, S.Id.Length};
  In.Loc = S.Loc;
  In.Action = {"pipeline", S.Action.Loc, S.Action.Length};
  SourceLoc InLoc = InM ? InM->loc() : S.Action.Loc;
  uint32_t InLen = InM ? InM->length() : S.Action.Length;
  auto *Inputs = A.create<ir::MapValue>(InLoc, InLen, A.copyArray<ir::MapEntry>(Bound));
  ir::MapEntry InEntry{"inputs", InLoc, Inputs};
  In.Params = A.create<ir::MapValue>(InLoc, InLen, A.copyArray<ir::MapEntry>({InEntry}));
  In.Parent = S.Parent;  // a call in a loop body: all of it in the body
  In.DepNames = std::move(S.DepNames);
  In.HasDepsKey = S.HasDepsKey;
  In.Condition = S.Condition;
  S.Condition = nullptr;
  bool CallPolicy =
      S.OnFailureText.Loc.isValid() && ir::parseFailurePolicy(S.OnFailureText.Str);
  if (CallPolicy) {  // binding the inputs can fail too
    In.OnFailureText = S.OnFailureText;
    In.OnFailure = S.OnFailure;
  }
  P->Steps.push_back(std::move(In));

  // The callee's steps, renamed into the call.
  llvm::StringSet<> StepIds;
  for (const ir::Step &X : Callee->Steps) StepIds.insert(X.Id.Str);
  Renamer R(A, Diags, Call, Shown, StepIds, InputNames, CalleeRunVariables);
  int32_t Offset = static_cast<int32_t>(P->Steps.size());
  ir::LocString Waits{A.save(Call.str() + ".inputs"), Path->Loc, Path->Length};
  S.DepNames.assign(1, Waits);  // the outputs may read the inputs
  // Templates first, while the callee's loops are as written: a body sees
  // its loops' variables, a `while` condition its own loop's too.
  const std::vector<ir::Step> &CSteps = Callee->Steps;
  for (uint32_t I = 0; I < CSteps.size(); ++I) {
    ir::Step &X = Callee->Steps[I];
    R.setLoopScope(CSteps, X.Parent);
    forEachStepTemplate(X, [&](ir::Expr *&E) { R.visit(E); });
    R.setLoopScope(CSteps, static_cast<int32_t>(I));
    forEachTemplate(X.LoopCond, [&](ir::Expr *&E) { R.visit(E); });
  }
  R.setLoopScope(CSteps, -1);
  // The call's failure policy: every callee step that sets none takes it
  // (nested callees' steps included, unless their own call set one).
  auto FailureRouted = [](const ir::Step &X) {
    return (X.OnFailureText.Loc.isValid() &&
            !ir::parseFailurePolicy(X.OnFailureText.Str)) ||
           llvm::any_of(X.Routes, [](const ir::Route &R) {
             return R.Kind == ir::RouteKind::Failure;
           });
  };
  if (CallPolicy)
    for (ir::Step &X : Callee->Steps)
      // A loop takes no `retry` (LoopAndAction): its body steps retry. A
      // step whose failure is routed (`{goto: ...}` too) keeps its route.
      if (!X.OnFailureText.Loc.isValid() && !FailureRouted(X) &&
          !(X.isLoop() && S.OnFailure == ir::FailurePolicy::Retry)) {
        X.OnFailureText = S.OnFailureText;
        X.OnFailure = S.OnFailure;
      }
  // The callee's `context.max_retries` is the retries of each of its steps
  // that sets none (its nested callees' steps got their own callee's): not
  // a loop's, which takes none, nor a step whose failure is routed, where
  // a step's own `max_retries` turns retries on (docs/language.md §6.4).
  if (const std::optional<ir::LocInt> &Retries = Callee->Context.MaxRetries)
    for (ir::Step &X : Callee->Steps)
      if (!X.MaxRetries && !X.isLoop() && !FailureRouted(X)) X.MaxRetries = Retries;
  // A ContextLab executor's `retry_count` (attempts, default 3 there) and
  // `timeout` (seconds) go to each callee step that sets none: ContextLab
  // runs the whole callee again and bounds it as a whole; here a failed
  // step is tried again alone (docs/language.md §13.2).
  auto Synthetic = [](const ir::Step &X) { return X.Action.Str == "pipeline"; };
  if (Exec && Exec->RetryCount)
    for (ir::Step &X : Callee->Steps)
      if (!X.MaxRetries && !X.isLoop() && !FailureRouted(X) && !Synthetic(X))
        X.MaxRetries = ir::LocInt{Exec->RetryCount->Val - 1, Exec->RetryCount->Loc,
                                  Exec->RetryCount->Length};
  if (Exec && Exec->Timeout)
    for (ir::Step &X : Callee->Steps)
      if (!X.Timeout && !X.isLoop() && !Synthetic(X)) X.Timeout = Exec->Timeout;
  for (ir::Step &X : Callee->Steps) {
    bool Root = X.Parent < 0;  // at the callee's top level
    X.Id.Str = A.save(Call.str() + "." + X.Id.Str.str());
    for (ir::LocString &D : X.DepNames) R.dependency(D);
    if (Root && X.DepNames.empty() && !X.DepsAuto) {
      X.DepNames.push_back(Waits);
      X.HasDepsKey = true;
    }
    X.Parent = Root ? S.Parent : X.Parent + Offset;
    for (uint32_t &B : X.Body) B += Offset;
    if (X.CycleTail >= 0) X.CycleTail += static_cast<int32_t>(Offset);
    if (Root) S.DepNames.push_back({X.Id.Str, Path->Loc, Path->Length});
    P->Steps.push_back(std::move(X));
  }

  // The call step returns the callee's outputs.
  CallMade Made{Call, Shown, {}, {}};
  llvm::SmallVector<ir::MapEntry, 8> Outs;
  for (ir::Output &O : Callee->Outputs) {
    forEachTemplate(O.V, [&](ir::Expr *&E) { R.visit(E); });
    Outs.push_back({O.Name.Str, O.Name.Loc, O.V});
    Made.Outputs.push_back(O.Name.Str);
  }
  if (Exec && Exec->OutputMapping && !Exec->OutputMapping->entries().empty()) {
    // ContextLab's `output_mapping`: the call's outputs are the mapped
    // ones, under their new names (only those).
    llvm::SmallVector<ir::MapEntry, 8> Mapped;
    std::vector<llvm::StringRef> Names;
    for (const KeyValue &KV : Exec->OutputMapping->entries()) {
      auto *To = llvm::dyn_cast<ScalarNode>(KV.Value);
      if (!To) continue;  // lowerExecutorCall reported it
      auto From = llvm::find_if(
          Outs, [&](const ir::MapEntry &E) { return E.Key == KV.Key->value(); });
      if (From == Outs.end()) {
        // ContextLab maps nothing for it (a warning in its log): the target
        // is never defined, which a read must allow for.
        Diags.report(DiagKind::MappedOutputMissing, KV.Key->loc(), KV.Key->length(),
                     KV.Key->value().str(), Shown, To->value().str(),
                     didYouMean(KV.Key->value(), Made.Outputs));
        Made.Undefined.push_back(To->value());
        continue;
      }
      Mapped.push_back({To->value(), To->loc(), From->V});
      Names.push_back(To->value());
    }
    Outs = std::move(Mapped);
    Made.Outputs = std::move(Names);
  }
  auto *OutMap =
      A.create<ir::MapValue>(Path->Loc, Path->Length, A.copyArray<ir::MapEntry>(Outs));
  ir::MapEntry OutEntry{"outputs", Path->Loc, OutMap};
  S.Params = A.create<ir::MapValue>(Path->Loc, Path->Length,
                                    A.copyArray<ir::MapEntry>({OutEntry}));
  S.HasDepsKey = true;
  CallsMade.push_back(std::move(Made));
}

void Lowerer::checkCallOutputs() {
  if (CallsMade.empty()) return;
  auto Check = [&](ir::Expr *&E) {
    findOutputReads(E, [&](llvm::StringRef Id, const KeyRead &Read, bool Guarded) {
      for (const CallMade &C : CallsMade) {
        if (C.Id != Id || llvm::is_contained(C.Outputs, Read.Key)) continue;
        if (llvm::is_contained(C.Undefined, Read.Key)) {
          if (!Guarded)
            Diags.report(DiagKind::UndefinedCallOutput, Read.Loc, Read.Length,
                         Read.Key.str(), Id.str(), C.Path);
          continue;
        }
        Diags.report(DiagKind::UnknownStepField, Read.Loc, Read.Length, Id.str(), C.Path,
                     "outputs." + Read.Key.str(), didYouMean(Read.Key, C.Outputs));
      }
    });
  };
  for (ir::Step &S : P->Steps) forEachStepTemplate(S, Check);
  for (ir::Output &O : P->Outputs) forEachTemplate(O.V, Check);
}

void Lowerer::checkCalleeRunVariables() {
  if (CalleeRunVariables.empty()) return;
  // Before reindex(): the lookups of P are not built yet.
  llvm::StringSet<> Steps, Inputs;
  for (const ir::Step &S : P->Steps) Steps.insert(S.Id.Str);
  for (const ir::Input &I : P->Inputs) Inputs.insert(I.Name.Str);
  // One error a read: a callee called twice is inlined twice.
  std::set<uint32_t> Seen;
  for (const RunVariableRead &R : CalleeRunVariables) {
    bool Step = Steps.contains(R.Name);
    if ((Step || Inputs.contains(R.Name)) && Seen.insert(R.Loc.Offset).second)
      Diags.report(DiagKind::RunVariableCaptured, R.Loc, R.Length, R.Name.str(),
                   Step ? "a step" : "an input", Step ? "step" : "input");
  }
}

}  // namespace orch::frontend::lowering
