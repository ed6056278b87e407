//===- Lowering.cpp - Document nodes to the pipeline IR -------------------===//
#include "frontend/Lowering.h"

#include "frontend/ExprParser.h"
#include "llvm/ADT/SmallVector.h"

namespace orch::frontend {

namespace {
const llvm::StringRef PipelineKeys[] = {
    "id",     "name",       "version", "description",      "metadata", "context",
    "inputs", "parameters", "outputs", "enhanced_outputs", "steps"};
const llvm::StringRef StepKeys[] = {
    "id",           "name",       "description",    "action",     "parameters",
    "dependencies", "depends_on", "on_failure",     "timeout",    "max_retries",
    "condition",    "model",      "requires_model", "max_tokens", "tool",
    "if",           "on_error",   "metadata",       "produces",   "location"};
const llvm::StringRef ContextKeys[] = {"timeout", "max_retries", "checkpoint_strategy"};
const llvm::StringRef InputKeys[] = {"type", "default", "required", "description",
                                     "enum", "choices", "example",  "examples"};
const llvm::StringRef EnhancedOutputKeys[] = {"value", "description", "type", "format",
                                              "location"};

/// A key of ContextLab's format that has no place here: the construct it
/// starts (not supported yet), or what to write instead.
struct ForeignKey {
  llvm::StringRef Key;
  bool Step;                  ///< A step's key, else the pipeline's.
  llvm::StringRef Construct;  ///< Not supported yet: what it is.
  llvm::StringRef Instead;    ///< Else: what to write.
};

constexpr llvm::StringLiteral Later = "it comes with control flow, issue #17";

const ForeignKey ForeignKeys[] = {
    {"action_loop", true, "the `action_loop` loop", ""},
    {"add_completion_task", true, "`add_completion_task` (parallel queues)", ""},
    {"continue_on_error", true, "", "`on_failure: continue`"},
    {"create_parallel_queue", true, "`create_parallel_queue` (parallel queues)", ""},
    {"else", true, "routing with `else`", ""},
    {"error_handlers", true, "error handler steps (`error_handlers`)", ""},
    {"for_each", true, "the `for_each` loop", ""},
    {"foreach", true, "the `foreach` loop", ""},
    {"goto", true, "routing with `goto`", ""},
    {"loop", true, "the `loop` loop", ""},
    {"max_iterations", true, "`max_iterations` (a `while` loop's bound)", ""},
    {"max_parallel", true, "`max_parallel` (a `for_each` loop's width)", ""},
    {"on-error", true, "", "`on_failure:` (`fail`, `continue`, `retry`, `skip`)"},
    {"on_false", true, "routing with `on_false`", ""},
    {"on_success", true, "routing with `on_success`", ""},
    {"on_true", true, "routing with `on_true`", ""},
    {"parallel", true, "`parallel` (a `for_each` loop's mode)", ""},
    {"requires-model", true, "", "`requires_model:`"},
    {"retry", true, "", "`max_retries: N`"},
    {"retry_config", true, "", "`max_retries: N`"},
    {"steps", true, "nested `steps` (a loop's body)", ""},
    {"until", true, "the `until` loop", ""},
    {"while", true, "the `while` loop", ""},
    {"config", false, "", "`context:` (`timeout`, `max_retries`, `checkpoint_strategy`)"},
    {"error_handling", false, "pipeline-wide error handling (`error_handling`)", ""},
    {"global_error_handlers", false, "pipeline-wide error handlers", ""},
    {"variables", false, "loop state (`variables`)", ""},
};
}  // namespace

llvm::ArrayRef<llvm::StringRef> pipelineKeys() { return PipelineKeys; }
llvm::ArrayRef<llvm::StringRef> stepKeys() { return StepKeys; }
llvm::ArrayRef<llvm::StringRef> contextKeys() { return ContextKeys; }
llvm::ArrayRef<llvm::StringRef> inputKeys() { return InputKeys; }

namespace {

using ast::KeyValue;
using ast::MapNode;
using ast::Node;
using ast::ScalarNode;

std::string quoted(llvm::StringRef S) { return "`" + S.str() + "`"; }

class Lowerer {
 public:
  Lowerer(const ast::Document &D, DiagnosticEngine &Diags)
      : Doc(D),
        Diags(Diags),
        P(std::make_unique<ir::Pipeline>(D.File, D.Arena)),
        A(*D.Arena) {}

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
                 llvm::StringRef Where, std::optional<bool> Step = std::nullopt) {
    bool Supported = true;
    for (const KeyValue &KV : M->entries()) {
      llvm::StringRef K = KV.Key->value();
      if (llvm::is_contained(Allowed, K)) continue;
      const ForeignKey *F = nullptr;
      if (Step)
        for (const ForeignKey &X : ForeignKeys)
          if (X.Key == K && X.Step == *Step) F = &X;
      if (F && !F->Construct.empty()) {
        Diags.report(DiagKind::NotSupportedYet, KV.Key->loc(), KV.Key->length(),
                     F->Construct.str(), "ContextLab syntax", Later.str());
        Supported = false;
        continue;
      }
      std::string Hint =
          F ? fmt::format("; ContextLab's `{}` is {} here", K.str(), F->Instead.str())
            : didYouMean(K, Allowed);
      Diags.report(DiagKind::UnknownKey, KV.Key->loc(), KV.Key->length(), K.str(),
                   Where.str(), Hint);
    }
    return Supported;
  }

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

  ir::AutoTag *soleAuto(const Node *N) {
    auto *S = llvm::dyn_cast<ScalarNode>(N);
    return S ? S->soleAuto() : nullptr;
  }

  ir::Value *value(const Node *N, const std::string &Path);
  void lowerContext(const MapNode *M);
  void lowerInputs(const Node *N, llvm::StringRef Key);
  void lowerEnhancedOutputs(const Node *N);
  void lowerTool(const MapNode *M, ir::Step &S);
  void lowerParams(const Node *N, ir::Step &S, bool ModelKey);
  void lowerModel(const Node *V, ir::Step &S);
  void lowerOnError(const KeyValue &KV, const MapNode *M, ir::Step &S);
  ir::Value *lowerCondition(const Node *V, const std::string &Path);
  void lowerOutputs(const Node *N);
  void lowerStep(const Node *N, size_t Index);
  void lowerDeps(const Node *N, ir::Step &S, llvm::StringRef What);

  const ast::Document &Doc;
  DiagnosticEngine &Diags;
  std::unique_ptr<ir::Pipeline> P;
  ir::Arena &A;
};

ir::Value *Lowerer::value(const Node *N, const std::string &Path) {
  switch (N->kind()) {
    case Node::Kind::Null:
      return A.create<ir::ScalarValue>(N->loc(), N->length(), ir::Scalar::null());
    case Node::Kind::Scalar: {
      auto *S = llvm::cast<ScalarNode>(N);
      if (!S->isTemplated())
        return A.create<ir::ScalarValue>(S->loc(), S->length(), S->typedValue());
      for (const ir::Segment &Seg : S->segments())
        if (Seg.K == ir::Segment::Kind::Auto && Seg.Tag->Path.empty())
          Seg.Tag->Path = A.save(Path);
      if (ir::AutoTag *T = S->soleAuto())
        return A.create<ir::AutoValue>(S->loc(), S->length(), T);
      return A.create<ir::TemplateValue>(S->loc(), S->length(), S->segments());
    }
    case Node::Kind::Seq: {
      auto *Q = llvm::cast<ast::SeqNode>(N);
      llvm::SmallVector<ir::Value *, 8> Items;
      for (size_t I = 0; I < Q->items().size(); ++I)
        Items.push_back(value(Q->items()[I], Path + "[" + std::to_string(I) + "]"));
      return A.create<ir::ListValue>(N->loc(), N->length(),
                                     A.copyArray<ir::Value *>(Items));
    }
    case Node::Kind::Map: {
      auto *M = llvm::cast<MapNode>(N);
      llvm::SmallVector<ir::MapEntry, 8> Entries;
      for (const KeyValue &KV : M->entries())
        Entries.push_back({KV.Key->value(), KV.Key->loc(),
                           value(KV.Value, Path + "." + KV.Key->value().str())});
      return A.create<ir::MapValue>(N->loc(), N->length(),
                                    A.copyArray<ir::MapEntry>(Entries));
    }
  }
  return nullptr;
}

void Lowerer::lowerContext(const MapNode *M) {
  for (const KeyValue &KV : M->entries()) {
    llvm::StringRef K = KV.Key->value();
    if (!llvm::is_contained(ContextKeys, K)) {
      // ContextLab's context variables: inputs with that default. A near
      // miss of a setting is a typo.
      std::string Hint = didYouMean(K, ContextKeys);
      if (!Hint.empty() || !fixedTree(KV.Value, "`context` variables", false)) {
        if (!Hint.empty())
          Diags.report(DiagKind::UnknownKey, KV.Key->loc(), KV.Key->length(), K.str(),
                       "`context`", Hint);
        continue;
      }
      ir::Input In;
      In.Name = {K, KV.Key->loc(), KV.Key->length()};
      In.Default = value(KV.Value, "context." + K.str());
      In.Required = false;
      P->Inputs.push_back(std::move(In));
      continue;
    }
    if (K == "timeout")
      P->Context.Timeout = getInt(KV.Value, "`context.timeout`");
    else if (K == "max_retries")
      P->Context.MaxRetries = getInt(KV.Value, "`context.max_retries`");
    else if (K == "checkpoint_strategy") {
      if (auto S = getString(KV.Value, "`context.checkpoint_strategy`"))
        P->Context.CheckpointStrategy = *S;
    }
  }
}

void Lowerer::lowerInputs(const Node *N, llvm::StringRef Key) {
  P->DeclaresInputs = true;
  const MapNode *M = expectMap(N, quoted(Key));
  if (!M) return;
  for (const KeyValue &KV : M->entries()) {
    ir::Input In;
    In.Name = {KV.Key->value(), KV.Key->loc(), KV.Key->length()};
    std::string What = "input " + quoted(In.Name.Str);
    // ContextLab's `parameters: {depth: 3}`: a scalar or list is the default.
    if (Key == "parameters" && !llvm::isa<MapNode>(KV.Value)) {
      if (!llvm::isa<ast::NullNode>(KV.Value) &&
          fixedTree(KV.Value, "the default of " + What, false)) {
        In.Default = value(KV.Value, "inputs." + In.Name.Str.str() + ".default");
        In.Required = false;
      }
      P->Inputs.push_back(std::move(In));
      continue;
    }
    // Shorthand: `topic: string`.
    if (auto *S = llvm::dyn_cast<ScalarNode>(KV.Value)) {
      if (auto T = getString(S, "the type of " + What)) {
        if (!ir::parseTypeName(T->Str, In.Ty))
          Diags.report(DiagKind::InvalidEnum, T->Loc, T->Length, "type", T->Str.str(),
                       "string, integer, number, boolean, list, object, any",
                       didYouMean(T->Str, ir::typeNameSpellings()));
      }
      P->Inputs.push_back(std::move(In));
      continue;
    }
    if (llvm::isa<ast::NullNode>(KV.Value)) {
      P->Inputs.push_back(std::move(In));
      continue;
    }
    const MapNode *IM = expectMap(KV.Value, What);
    if (!IM) continue;
    checkKeys(IM, InputKeys, What);
    bool RequiredGiven = false;
    for (const KeyValue &F : IM->entries()) {
      llvm::StringRef K = F.Key->value();
      if (K == "type") {
        if (auto T = getString(F.Value, "the type of " + What)) {
          if (!ir::parseTypeName(T->Str, In.Ty))
            Diags.report(DiagKind::InvalidEnum, T->Loc, T->Length, "type", T->Str.str(),
                         "string, integer, number, boolean, list, object, any",
                         didYouMean(T->Str, ir::typeNameSpellings()));
        }
      } else if (K == "default") {
        if (!fixedTree(F.Value, "the default of " + What, false)) continue;
        In.Default = value(F.Value, "inputs." + In.Name.Str.str() + ".default");
      } else if (K == "required") {
        if (auto B = getBool(F.Value, "`required`")) {
          In.Required = *B;
          RequiredGiven = true;
        }
      } else if (K == "description") {
        if (auto S = getString(F.Value, "`description`", true)) In.Description = *S;
      } else if (K == "enum" || K == "choices") {
        if (In.Choices) {
          Diags.report(DiagKind::UnknownKey, F.Key->loc(), F.Key->length(), K.str(), What,
                       "; `enum` and `choices` say the same: give one");
          continue;
        }
        if (!llvm::isa<ast::SeqNode>(F.Value)) {
          Diags.report(DiagKind::TypeMismatch, F.Value->loc(), F.Value->length(),
                       quoted(K), "a list of values", F.Value->describe().str());
          continue;
        }
        if (!fixedTree(F.Value, quoted(K), false)) continue;
        In.Choices = llvm::cast<ir::ListValue>(
            value(F.Value, "inputs." + In.Name.Str.str() + "." + K.str()));
      }
      // `example`, `examples`: documentation.
    }
    if (!RequiredGiven) In.Required = In.Default == nullptr;
    P->Inputs.push_back(std::move(In));
  }
}

void Lowerer::lowerOutputs(const Node *N) {
  const MapNode *M = expectMap(N, "`outputs`");
  if (!M) return;
  for (const KeyValue &KV : M->entries()) {
    if (!fixedTree(KV.Value, "`outputs`", true)) continue;
    P->Outputs.push_back({{KV.Key->value(), KV.Key->loc(), KV.Key->length()},
                          value(KV.Value, "outputs." + KV.Key->value().str())});
  }
}

void Lowerer::lowerEnhancedOutputs(const Node *N) {
  const MapNode *M = expectMap(N, "`enhanced_outputs`");
  if (!M) return;
  for (const KeyValue &KV : M->entries()) {
    const Node *V = KV.Value;
    std::string Path = "outputs." + KV.Key->value().str();
    // `name: {value: ..., description: ..., type: auto-detect}` or a value.
    if (auto *OM = llvm::dyn_cast<MapNode>(V)) {
      checkKeys(OM, EnhancedOutputKeys, "output " + quoted(KV.Key->value()));
      const KeyValue *Val = OM->find("value");
      if (!Val) {
        Diags.report(DiagKind::MissingKey, OM->loc(), 1, "value",
                     "output " + quoted(KV.Key->value()));
        continue;
      }
      V = Val->Value;
    }
    if (!fixedTree(V, "`enhanced_outputs`", true)) continue;
    P->Outputs.push_back(
        {{KV.Key->value(), KV.Key->loc(), KV.Key->length()}, value(V, Path)});
  }
}

void Lowerer::lowerDeps(const Node *N, ir::Step &S, llvm::StringRef What) {
  S.HasDepsKey = true;
  if (ir::AutoTag *T = soleAuto(N)) {
    T->Path = A.save("steps." + S.Id.Str.str() + ".dependencies");
    S.DepsAuto = T;
    return;
  }
  if (llvm::isa<ast::NullNode>(N)) return;
  if (llvm::isa<ScalarNode>(N)) {  // `dependencies: a` means `[a]`
    if (auto D = getString(N, What)) S.DepNames.push_back(*D);
    return;
  }
  auto *Seq = llvm::dyn_cast<ast::SeqNode>(N);
  if (!Seq) {
    Diags.report(DiagKind::TypeMismatch, N->loc(), N->length(), What.str(),
                 "a list of step ids", N->describe().str());
    return;
  }
  for (const Node *I : Seq->items())
    if (auto D = getString(I, "a dependency")) S.DepNames.push_back(*D);
}

void Lowerer::lowerStep(const Node *N, size_t Index) {
  std::string Where = "step " + std::to_string(Index + 1);
  const MapNode *M = expectMap(N, Where);
  if (!M) return;
  ir::Step S;
  S.Loc = M->loc();
  if (const KeyValue *Id = M->find("id")) {
    if (auto V = getString(Id->Value, "`id`")) S.Id = *V;
    Where = "step " + quoted(S.Id.Str);
  } else {
    Diags.report(DiagKind::MissingKey, M->loc(), 1, "id", Where);
  }
  // A loop or a routing step (not supported yet) may have no action.
  if (checkKeys(M, StepKeys, Where, true) && !M->find("action") && !M->find("tool"))
    Diags.report(DiagKind::MissingKey, M->loc(), 1, "action", Where);
  std::string Prefix = "steps." + S.Id.Str.str();
  lowerTool(M, S);
  if (const KeyValue *Act = M->find("action"); Act && S.Tool.Str.empty())
    if (auto *Sc = llvm::dyn_cast<ScalarNode>(Act->Value); Sc && !Sc->isTemplated())
      S.ToolMap = ir::findToolLessRow(Sc->value());
  const KeyValue *DepsKV = nullptr;
  const KeyValue *CondKV = nullptr;
  for (const KeyValue &KV : M->entries()) {
    llvm::StringRef K = KV.Key->value();
    const Node *V = KV.Value;
    if (K == "name") {
      if (auto X = getString(V, "`name`", true)) S.Name = *X;
    } else if (K == "description") {
      if (auto X = getString(V, "`description`", true)) S.Description = *X;
    } else if (K == "tool") {
      continue;  // lowerTool
    } else if (K == "action") {
      if (!S.Tool.Str.empty()) continue;  // lowerTool
      if (ir::AutoTag *T = soleAuto(V)) {
        if (T->DeclaredType && *T->DeclaredType != ir::Type::String)
          Diags.report(DiagKind::AutoBadAttr, T->Loc, T->Length, "`type`",
                       "`action` takes a string");
        T->Path = A.save(Prefix + ".action");
        S.ActionAuto = T;
        S.Action = {"", V->loc(), V->length()};
      } else if (auto X = getString(V, "`action`")) {
        S.Action = *X;
        if (S.ToolMap) S.Action.Str = S.ToolMap->Target;
      }
    } else if (K == "parameters") {
      lowerParams(V, S, M->find("model") != nullptr);
    } else if (K == "on_error") {
      lowerOnError(KV, M, S);
    } else if (K == "metadata") {
      if (fixedTree(V, "`metadata`", true)) S.Metadata = value(V, Prefix + ".metadata");
    } else if (K == "produces") {
      if (auto X = getString(V, "`produces`")) S.Produces = *X;
    } else if (K == "location") {
      if (fixedTree(V, "`location`", true)) S.Location = value(V, Prefix + ".location");
    } else if (K == "dependencies" || K == "depends_on") {
      if (firstOf(DepsKV, KV)) lowerDeps(V, S, quoted(K));
    } else if (K == "on_failure") {
      if (auto X = getString(V, "`on_failure`")) {
        S.OnFailureText = *X;
        if (auto Pol = ir::parseFailurePolicy(X->Str)) S.OnFailure = *Pol;
      }
    } else if (K == "timeout" || K == "max_retries") {
      if (ir::AutoTag *T = soleAuto(V)) {
        T->Path = A.save(Prefix + "." + K.str());
        // The field fixes the domain: a whole number, at least 1 second
        // for a timeout and at least 0 retries.
        double Floor = K == "timeout" ? 1 : 0;
        if (T->DeclaredType && *T->DeclaredType != ir::Type::Int)
          Diags.report(DiagKind::AutoBadAttr, T->Loc, T->Length, "`type`",
                       fmt::format("`{}` takes an integer", K.str()));
        else if (!T->Choices.empty())
          Diags.report(
              DiagKind::AutoBadAttr, T->Loc, T->Length, "`choices`",
              fmt::format("`{}` takes a number, not a choice of strings", K.str()));
        else if (T->Max && *T->Max < Floor)
          Diags.report(DiagKind::AutoBadAttr, T->Loc, T->Length, "`max`",
                       fmt::format("`{}` must be at least {}", K.str(), Floor));
        else if (T->Min && *T->Min < Floor)
          Diags.report(DiagKind::AutoBadAttr, T->Loc, T->Length, "`min`",
                       fmt::format("`{}` must be at least {}", K.str(), Floor));
        T->DeclaredType = ir::Type::Int;
        T->Floor = Floor;
        (K == "timeout" ? S.TimeoutAuto : S.MaxRetriesAuto) = T;
        continue;
      }
      auto X = getInt(V, quoted(K));
      if (K == "timeout")
        S.Timeout = X;
      else
        S.MaxRetries = X;
    } else if (K == "max_tokens") {
      S.MaxTokens = getInt(V, quoted(K));
    } else if (K == "model") {
      lowerModel(V, S);
    } else if (K == "condition" || K == "if") {
      if (firstOf(CondKV, KV)) S.Condition = lowerCondition(V, Prefix + ".condition");
    } else if (K == "requires_model") {
      if (!fixedTree(V, "`requires_model`", false)) continue;
      S.RequiresModel = value(V, Prefix + ".requires_model");
    }
  }
  P->Steps.push_back(std::move(S));
}

void Lowerer::lowerModel(const Node *V, ir::Step &S) {
  if (ir::AutoTag *T = soleAuto(V)) {
    if (T->DeclaredType && *T->DeclaredType != ir::Type::String)
      Diags.report(DiagKind::AutoBadAttr, T->Loc, T->Length, "`type`",
                   "`model` takes a string");
    T->Path = A.save("steps." + S.Id.Str.str() + ".model");
    S.ModelAuto = T;
  } else if (auto X = getString(V, "`model`")) {
    S.Model = *X;
  }
}

void Lowerer::lowerTool(const MapNode *M, ir::Step &S) {
  const KeyValue *ToolKV = M->find("tool");
  if (!ToolKV) return;
  std::optional<ir::LocString> Tool = getString(ToolKV->Value, "`tool`");
  if (!Tool) return;
  S.Tool = *Tool;
  llvm::StringRef Action;
  SourceLoc Loc = Tool->Loc;
  uint32_t Len = Tool->Length;
  if (const KeyValue *Act = M->find("action")) {
    auto *Sc = llvm::dyn_cast<ScalarNode>(Act->Value);
    if (!Sc || Sc->isTemplated()) {
      Diags.report(DiagKind::ToolAndAction, Act->Value->loc(), Act->Value->length());
      return;
    }
    Action = Sc->value();
    Loc = Sc->loc();
    Len = Sc->length();
  }
  auto List = [](llvm::ArrayRef<llvm::StringRef> Names) {
    std::string Out;
    for (llvm::StringRef N : Names) Out += (Out.empty() ? "`" : ", `") + N.str() + "`";
    return Out;
  };
  if (!ir::isKnownTool(Tool->Str)) {
    llvm::SmallVector<llvm::StringRef, 16> Tools = ir::knownTools();
    Diags.report(DiagKind::UnknownTool, Tool->Loc, Tool->Length, Tool->Str.str(),
                 List(Tools), didYouMean(Tool->Str, Tools));
    return;
  }
  const ir::ToolRow *Row = ir::findToolRow(Tool->Str, Action);
  if (!Row) {
    if (Action.empty()) {
      Diags.report(DiagKind::MissingKey, M->loc(), 1, "action",
                   "step " + quoted(S.Id.Str));
      return;
    }
    llvm::SmallVector<llvm::StringRef, 8> Actions = ir::toolActions(Tool->Str);
    Diags.report(DiagKind::ToolAction, Loc, Len, Tool->Str.str(), Action.str(),
                 List(Actions), didYouMean(Action, Actions));
    return;
  }
  if (Row->Target.empty()) {
    std::string What = fmt::format("tool `{}`", Tool->Str.str());
    if (!Action.empty()) What += fmt::format(" action `{}`", Action.str());
    Diags.report(DiagKind::ToolUnsupported, Loc, Len, What, Row->Why.str());
    return;
  }
  S.ToolMap = Row;
  S.Action = {Row->Target, Loc, Len};
}

void Lowerer::lowerParams(const Node *N, ir::Step &S, bool ModelKey) {
  if (llvm::isa<ast::NullNode>(N)) return;
  const MapNode *PM = expectMap(N, "`parameters`");
  if (!PM) return;
  std::string Prefix = "steps." + S.Id.Str.str() + ".parameters.";
  llvm::SmallVector<ir::MapEntry, 8> Entries;
  for (const KeyValue &KV : PM->entries()) {
    llvm::StringRef K = KV.Key->value();
    if (S.ToolMap && S.ToolMap->ModelParam && K == "model" && !ModelKey) {
      lowerModel(KV.Value, S);  // ContextLab: the model of the request
      continue;
    }
    if (S.ToolMap && llvm::is_contained(S.ToolMap->Ignored, K)) continue;
    if (S.ToolMap)
      for (const ir::NameMapping &R : S.ToolMap->Params)
        if (R.From == K) K = R.To;
    if (llvm::any_of(Entries, [&](const ir::MapEntry &E) { return E.Key == K; })) {
      Diags.report(DiagKind::YamlDuplicateKey, KV.Key->loc(), KV.Key->length(), K.str());
      continue;
    }
    Entries.push_back({K, KV.Key->loc(), value(KV.Value, Prefix + K.str())});
  }
  S.Params =
      A.create<ir::MapValue>(N->loc(), N->length(), A.copyArray<ir::MapEntry>(Entries));
}

void Lowerer::lowerOnError(const KeyValue &KV, const MapNode *M, ir::Step &S) {
  // `on_error: continue` is a failure policy; a handler (an action, a step
  // or a list of them) runs other work.
  auto *Sc = llvm::dyn_cast<ScalarNode>(KV.Value);
  std::optional<ir::FailurePolicy> Pol;
  if (Sc && !Sc->isTemplated()) Pol = ir::parseFailurePolicy(Sc->value());
  if (!Pol) {
    Diags.report(DiagKind::NotSupportedYet, KV.Key->loc(), KV.Key->length(),
                 "an `on_error` handler", "ContextLab syntax",
                 "handlers come with control flow, issue #17; a policy is written "
                 "`on_error: continue` (or `fail`, `retry`, `skip`)");
    return;
  }
  if (const KeyValue *F = M->find("on_failure")) {
    Diags.report(DiagKind::DuplicateAlias, KV.Key->loc(), KV.Key->length(),
                 F->Key->value().str(), "on_error");
    return;
  }
  S.OnFailure = *Pol;
  S.OnFailureText = {Sc->value(), Sc->loc(), Sc->length()};
}

ir::Value *Lowerer::lowerCondition(const Node *V, const std::string &Path) {
  if (!fixedTree(V, "`condition`", true)) return nullptr;
  auto *Sc = llvm::dyn_cast<ScalarNode>(V);
  if (!Sc) return value(V, Path);
  std::string Text;
  SourceLoc Base;
  if (!Sc->isTemplated()) {
    // ContextLab: an expression without `{{ }}` (`status != 'done'`).
    if (Sc->typedValue().Ty != ir::Type::String) return value(V, Path);
    Text = Sc->value().trim().str();
    llvm::StringRef Raw = Doc.File->text().substr(Sc->loc().Offset);
    size_t At = Raw.take_front(Sc->length()).find(Text);
    if (At != llvm::StringRef::npos) Base = SourceLoc(Sc->loc().Offset + At);
  } else {
    llvm::ArrayRef<ir::Segment> Segs = Sc->segments();
    bool OnlyExpr = llvm::all_of(Segs, [](const ir::Segment &G) {
      return G.K == ir::Segment::Kind::Expr || G.Text.trim().empty();
    });
    if (OnlyExpr) return value(V, Path);
    // `'trend' in {{ kinds }}`: the text around the placeholders is part of
    // the expression, as ContextLab evaluates the rendered string; a
    // placeholder inside quotes (`'{{ x }}'`) is the value as a string.
    bool DropQuote = false;
    for (size_t I = 0; I < Segs.size(); ++I) {
      const ir::Segment &G = Segs[I];
      if (G.K == ir::Segment::Kind::Text) {
        Text += G.Text.drop_front(DropQuote ? 1 : 0).str();
        DropQuote = false;
        continue;
      }
      char Q = Text.empty() ? 0 : Text.back();
      bool Quoted = (Q == '\'' || Q == '"') && I + 1 < Segs.size() &&
                    Segs[I + 1].K == ir::Segment::Kind::Text &&
                    Segs[I + 1].Text.starts_with(llvm::StringRef(&Q, 1));
      if (Quoted) {
        Text.pop_back();
        Text += "((" + G.Text.str() + ") | string)";
        DropQuote = true;
      } else {
        Text += "(" + G.Text.str() + ")";
      }
    }
  }
  ir::Expr *E = parseExpression(A.save(Text), Base, Sc->loc(), A, Diags);
  if (!E) return nullptr;
  ir::Segment Seg{ir::Segment::Kind::Expr, A.save(Text), E, nullptr};
  return A.create<ir::TemplateValue>(Sc->loc(), Sc->length(),
                                     A.copyArray<ir::Segment>(llvm::ArrayRef(Seg)));
}

std::unique_ptr<ir::Pipeline> Lowerer::run() {
  const MapNode *Root = llvm::dyn_cast_or_null<MapNode>(Doc.Root);
  if (!Root) {
    const Node *N = Doc.Root;
    Diags.report(DiagKind::TypeMismatch, N ? N->loc() : SourceLoc(0), N ? N->length() : 1,
                 "a pipeline file", "a mapping of pipeline keys",
                 N ? N->describe().str() : "nothing");
    return nullptr;
  }
  P->AutoTags = Doc.AutoTags;
  checkKeys(Root, PipelineKeys, "the pipeline", false);
  // ContextLab: `id:` names the pipeline; `name:` is then free text.
  bool HasId = Root->find("id") != nullptr;
  if (!HasId && !Root->find("name"))
    Diags.report(DiagKind::MissingKey, Root->loc(), 1, "name", "the pipeline");
  if (!Root->find("steps"))
    Diags.report(DiagKind::MissingKey, Root->loc(), 1, "steps", "the pipeline");
  for (const KeyValue &KV : Root->entries()) {
    llvm::StringRef K = KV.Key->value();
    const Node *V = KV.Value;
    if (K == "id") {
      if (auto X = getString(V, "`id`")) P->Name = *X;
    } else if (K == "name") {
      if (auto X = getString(V, "`name`", HasId)) (HasId ? P->Title : P->Name) = *X;
    } else if (K == "version") {
      if (auto X = getString(V, "`version`")) P->Version = *X;
    } else if (K == "description") {
      if (auto X = getString(V, "`description`", true)) P->Description = *X;
    } else if (K == "metadata") {
      if (!fixedTree(V, "`metadata`", true)) continue;
      P->Metadata = value(V, "metadata");
    } else if (K == "context") {
      if (const MapNode *M = expectMap(V, "`context`")) lowerContext(M);
    } else if (K == "inputs" || K == "parameters") {
      lowerInputs(V, K);
    } else if (K == "outputs") {
      lowerOutputs(V);
    } else if (K == "enhanced_outputs") {
      lowerEnhancedOutputs(V);
    } else if (K == "steps") {
      auto *Seq = llvm::dyn_cast<ast::SeqNode>(V);
      if (!Seq) {
        Diags.report(DiagKind::TypeMismatch, V->loc(), V->length(), "`steps`",
                     "a list of steps", V->describe().str());
        continue;
      }
      if (Seq->items().empty()) Diags.report(DiagKind::NoSteps, V->loc(), 1);
      P->Steps.reserve(Seq->items().size());
      for (size_t I = 0; I < Seq->items().size(); ++I) lowerStep(Seq->items()[I], I);
    }
  }
  // AUTO tags in places that take no AUTO (metadata, descriptions) were
  // reported above; keep the pipeline's tag list to those the IR holds.
  if (Diags.hasErrors()) return nullptr;
  P->reindex();
  return std::move(P);
}

}  // namespace

std::unique_ptr<ir::Pipeline> lowerDocument(const ast::Document &Doc,
                                            DiagnosticEngine &Diags) {
  return Lowerer(Doc, Diags).run();
}

}  // namespace orch::frontend
