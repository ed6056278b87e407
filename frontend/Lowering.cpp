//===- Lowering.cpp - Document nodes to the pipeline IR -------------------===//
#include "frontend/Lowering.h"

#include <fmt/format.h>

#include "frontend/ExprParser.h"
#include "frontend/Lowerer.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace orch::frontend {

namespace {
const llvm::StringRef PipelineKeys[] = {
    "id",      "name",   "version",    "description", "metadata",
    "context", "inputs", "parameters", "outputs",     "enhanced_outputs",
    "steps",   "cache",  "mcp_servers"};
// clang-format off
const llvm::StringRef StepKeys[] = {
    "id",           "name",       "description",    "action",       "parameters",
    "dependencies", "depends_on", "on_failure",     "timeout",      "max_retries",
    "condition",    "model",      "requires_model", "max_tokens",   "tool",
    "if",           "on_error",   "metadata",       "produces",     "location",
    "cache",        "for_each",   "foreach",        "max_parallel", "steps",
    "fuse",         "pipeline",   "inputs",         "budget",  "continue_on_error",
    // while/until loops (docs/control-flow.md §2); `type: loop` is ContextLab's
    "while", "until", "loop_condition", "max_iterations", "expected_items", "type",
    "add_completion_task",  // ContextLab's: a `for_each` loop step is that task
    // routing (docs/language.md §6.4)
    "on_success", "on_false", "next", "goto"};
// clang-format on
const llvm::StringRef ContextKeys[] = {"timeout",  "max_retries", "checkpoint_strategy",
                                       "budget",   "fusion",      "fusion_max_steps",
                                       "execution"};
const llvm::StringRef BudgetKeys[] = {"max_cost_usd", "max_tokens", "on_budget"};
const llvm::StringRef StepBudgetKeys[] = {"max_cost_usd", "max_tokens"};
const llvm::StringRef InputKeys[] = {"type", "default", "required", "description",
                                     "enum", "choices", "example",  "examples"};

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
    {"action_loop", true, "an `action_loop` step", ""},
    {"create_parallel_queue", true, "`create_parallel_queue` (parallel queues)", ""},
    {"else", true, "routing with `else`", ""},
    {"error_handlers", true, "error handler steps (`error_handlers`)", ""},
    {"loop", true, "a `loop` step", ""},
    {"on-error", true, "", "`on_failure:` (`fail`, `continue`, `retry`, `skip`)"},
    {"on_true", true, "routing with `on_true`", ""},
    {"parallel", true, "`parallel` (a `for_each` loop's mode)", ""},
    {"requires-model", true, "", "`requires_model:`"},
    {"retry", true, "", "`max_retries: N`"},
    {"retry_config", true, "", "`max_retries: N`"},
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

namespace lowering {

bool Lowerer::checkKeys(const MapNode *M, llvm::ArrayRef<llvm::StringRef> Allowed,
                        llvm::StringRef Where, std::optional<bool> Step) {
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

/// `cache:` (docs/state.md): `true` (no expiry, 0), `false` (-1), or
/// `{ttl: DURATION}`, seconds as an integer or `90s`, `30m`, `1h`, `2d`.
std::optional<ir::LocInt> Lowerer::getCache(const Node *N) {
  auto Bad = [&](const Node *At, const char *Want) {
    Diags.report(DiagKind::TypeMismatch, At->loc(), At->length(), "`cache`", Want,
                 At->describe().str());
    return std::nullopt;
  };
  if (auto *S = llvm::dyn_cast<ScalarNode>(N)) {
    if (S->isTemplated() || S->typedValue().Ty != ir::Type::Bool)
      return Bad(N, "`true`, `false` or `{ttl: DURATION}`");
    return ir::LocInt{S->typedValue().B ? 0 : -1, S->loc(), S->length()};
  }
  auto *M = llvm::dyn_cast<MapNode>(N);
  if (!M) return Bad(N, "`true`, `false` or `{ttl: DURATION}`");
  static const llvm::StringRef Keys[] = {"ttl"};
  checkKeys(M, Keys, "`cache`");
  const KeyValue *Ttl = M->find("ttl");
  if (!Ttl) return ir::LocInt{0, N->loc(), N->length()};
  auto *S = llvm::dyn_cast<ScalarNode>(Ttl->Value);
  const char *Want =
      "a positive number of seconds or a duration such as `90s`, `30m`, "
      "`1h`, `2d`";
  if (!S || S->isTemplated()) return Bad(Ttl->Value, Want);
  int64_t Secs = 0;
  if (S->typedValue().Ty == ir::Type::Int) {
    Secs = S->typedValue().I;
  } else {
    llvm::StringRef T = S->value();
    static const std::pair<char, int64_t> Units[] = {
        {'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
    int64_t Unit = 0;
    for (auto [C, U] : Units)
      if (T.ends_with(std::string(1, C))) Unit = U;
    if (!Unit || T.drop_back().getAsInteger(10, Secs) || Secs > (int64_t(1) << 40))
      return Bad(Ttl->Value, Want);
    Secs *= Unit;
  }
  if (Secs <= 0) return Bad(Ttl->Value, Want);
  return ir::LocInt{Secs, S->loc(), S->length()};
}

ir::Value *Lowerer::value(const Node *N, const std::string &Path) {
  switch (N->kind()) {
    case Node::Kind::Null:
      return A.create<ir::ScalarValue>(N->loc(), N->length(), ir::Scalar::null());
    case Node::Kind::Scalar: {
      auto *S = llvm::cast<ScalarNode>(N);
      if (!S->isTemplated()) {
        if (S->isOversizedInteger())
          Diags.report(DiagKind::IntegerTooLarge, S->loc(), S->length(),
                       S->value().str());
        return A.create<ir::ScalarValue>(S->loc(), S->length(), S->typedValue());
      }
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
    if (K != "max_retries" && lowersCallee()) {
      // A callee's steps join the caller's run: its run-wide settings
      // would be dropped (max_retries goes to its steps: inlineCall).
      Diags.report(DiagKind::NotSupportedYet, KV.Key->loc(), KV.Key->length(),
                   fmt::format("a sub-pipeline's own `context.{}`", K.str()), "issue #17",
                   "set it in the calling pipeline");
      continue;
    }
    if (K == "timeout")
      P->Context.Timeout = getInt(KV.Value, "`context.timeout`");
    else if (K == "max_retries")
      P->Context.MaxRetries = getInt(KV.Value, "`context.max_retries`");
    else if (K == "checkpoint_strategy") {
      if (auto S = getString(KV.Value, "`context.checkpoint_strategy`"))
        P->Context.CheckpointStrategy = *S;
    } else if (K == "budget") {
      lowerBudget(KV.Value);
    } else if (K == "fusion") {
      if (auto S = getString(KV.Value, "`context.fusion`")) {
        if (S->Str != "models" && S->Str != "off")
          Diags.report(DiagKind::InvalidEnum, S->Loc, S->Length, "`context.fusion`",
                       S->Str.str(), "`models`, `off`", "");
        P->Context.FuseModels = S->Str == "models";
      }
    } else if (K == "execution") {
      if (auto S = getString(KV.Value, "`context.execution`")) {
        if (S->Str != "batch" && S->Str != "normal")
          Diags.report(DiagKind::InvalidEnum, S->Loc, S->Length, "`context.execution`",
                       S->Str.str(), "`batch`, `normal`", "");
        P->Context.BatchExecution = S->Str == "batch";
      }
    } else if (K == "fusion_max_steps") {
      if (auto I = getInt(KV.Value, "`context.fusion_max_steps`")) {
        if (I->Val < 2 || I->Val > 100)
          Diags.report(DiagKind::OutOfRange, I->Loc, I->Length,
                       "`context.fusion_max_steps`", "from 2 to 100", I->Val);
        else
          P->Context.FusionMaxSteps = I;
      }
    }
  }
}

void Lowerer::lowerBudget(const Node *N, ir::Step *Step) {
  llvm::StringRef Where = Step ? "`budget`" : "`context.budget`";
  const MapNode *M = expectMap(N, Where);
  if (!M) return;
  ir::ExecContext &C = P->Context;
  double &MaxCost = Step ? Step->BudgetMaxCostUsd : C.BudgetMaxCostUsd;
  int64_t &MaxTokens = Step ? Step->BudgetMaxTokens : C.BudgetMaxTokens;
  for (const KeyValue &KV : M->entries()) {
    llvm::StringRef K = KV.Key->value();
    std::string What = "`" + Where.drop_front().drop_back().str() + "." + K.str() + "`";
    const Node *V = KV.Value;
    if (K == "max_cost_usd") {
      auto *S = llvm::dyn_cast<ScalarNode>(V);
      if (S && !fixed(S, What, false)) continue;
      ir::Scalar X = S ? S->typedValue() : ir::Scalar();
      if (X.Ty != ir::Type::Int && X.Ty != ir::Type::Float)
        Diags.report(DiagKind::TypeMismatch, V->loc(), V->length(), What, "a number",
                     V->describe().str());
      else if (double D = X.Ty == ir::Type::Int ? double(X.I) : X.F; !(D > 0))
        Diags.report(DiagKind::BadBudget, V->loc(), V->length(), What,
                     "must be greater than 0");
      else
        MaxCost = D;
    } else if (K == "max_tokens") {
      if (auto I = getInt(V, What)) {
        if (I->Val < 1)
          Diags.report(DiagKind::BadBudget, V->loc(), V->length(), What,
                       "must be at least 1");
        else
          MaxTokens = I->Val;
      }
    } else if (K == "on_budget" && Step) {
      Diags.report(DiagKind::BadBudget, KV.Key->loc(), KV.Key->length(), What,
                   "is the run's: set `context.budget.on_budget`, which a step's budget "
                   "follows");
    } else if (K == "on_budget") {
      if (auto S = getString(V, What)) {
        if (S->Str != "abort" && S->Str != "warn")
          Diags.report(DiagKind::BadBudget, V->loc(), V->length(), What,
                       "must be `abort` or `warn`, not `" + S->Str.str() + "`");
        else
          C.BudgetWarnOnly = S->Str == "warn";
      }
    } else {
      Diags.report(DiagKind::UnknownKey, KV.Key->loc(), KV.Key->length(), K.str(), Where,
                   Step ? didYouMean(K, StepBudgetKeys) : didYouMean(K, BudgetKeys));
    }
  }
}

namespace {
/// True if \p V, under `inputs:` or `parameters:` (\p Key), is ContextLab's
/// direct value (the default), not a declaration. Under `parameters:`,
/// anything but a mapping is. Under `inputs:`, a scalar is a type
/// (`topic: string`) unless it is neither a type name nor close to one
/// (`budget: 10.00`, `file: data.csv`); a list is a value.
/// Words that ContextLab pipelines or JSON Schema use as types but that
/// name no type here: under `inputs:` they are refused rather than read as
/// a default value, with the type to write instead.
constexpr std::pair<llvm::StringLiteral, llvm::StringLiteral> ForeignTypeWords[] = {
    {"json", "object"},     {"file", "string"}, {"text", "string"}, {"date", "string"},
    {"datetime", "string"}, {"time", "string"}, {"url", "string"},  {"uri", "string"},
    {"path", "string"},     {"enum", "string"}, {"tuple", "list"}};

/// The hint for \p Word, which is no type name: the type it spells in
/// another case, a close type name, or the type to write for a type word of
/// ContextLab or JSON Schema. Empty if \p Word looks like no type.
std::string typeHint(llvm::StringRef Word) {
  std::string Lower = Word.lower();
  ir::Type Ty;
  if (ir::parseTypeName(Lower, Ty)) return fmt::format("; did you mean `{}`?", Lower);
  for (const auto &[Foreign, Ours] : ForeignTypeWords)
    if (Lower == Foreign)
      return fmt::format(
          "; `{}` is no type here: write `{}`, or `{{default: {}}}` for a default value",
          Word.str(), Ours.str(), Word.str());
  return didYouMean(Lower, ir::typeNameSpellings());
}

bool isDirectValue(const Node *V, llvm::StringRef Key) {
  if (llvm::isa<MapNode>(V)) return false;
  if (Key == "parameters" || llvm::isa<ast::SeqNode>(V)) return true;
  auto *S = llvm::dyn_cast<ScalarNode>(V);
  ir::Type Ty;
  return S && !ir::parseTypeName(S->value(), Ty) && typeHint(S->value()).empty();
}
}  // namespace

void Lowerer::addInput(ir::Input In, llvm::StringRef Key, bool Direct) {
  bool FromParameters = Key == "parameters";
  auto [It, New] =
      InputsSeen.try_emplace(In.Name.Str, P->Inputs.size(), FromParameters, Direct);
  if (!New && It->second.FromParameters != FromParameters) {
    // ContextLab's "backward compatible" form: a value under one key, the
    // declaration without a default under the other. It applies the value
    // as the default.
    ir::Input &Old = P->Inputs[It->second.Index];
    ir::Input *Value = Direct ? &In : &Old, *Decl = Direct ? &Old : &In;
    if (It->second.Direct != Direct && Value->Default && !Decl->Default) {
      Decl->Default = Value->Default;
      Decl->Required = false;
      if (Direct) return;
      Old = std::move(In);
      It->second.Direct = false;
      return;
    }
  }
  P->Inputs.push_back(std::move(In));
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
    if (isDirectValue(KV.Value, Key)) {
      if (!llvm::isa<ast::NullNode>(KV.Value) &&
          fixedTree(KV.Value, "the default of " + What, false)) {
        In.Default = value(KV.Value, "inputs." + In.Name.Str.str() + ".default");
        In.Required = false;
      }
      addInput(std::move(In), Key, true);
      continue;
    }
    // Shorthand: `topic: string`.
    if (auto *S = llvm::dyn_cast<ScalarNode>(KV.Value)) {
      if (auto T = getString(S, "the type of " + What)) {
        if (!ir::parseTypeName(T->Str, In.Ty))
          Diags.report(DiagKind::InvalidEnum, T->Loc, T->Length, "type", T->Str.str(),
                       "string, integer, number, boolean, list, object, any",
                       typeHint(T->Str));
      }
      addInput(std::move(In), Key, false);
      continue;
    }
    if (llvm::isa<ast::NullNode>(KV.Value)) {
      addInput(std::move(In), Key, false);
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
                         typeHint(T->Str));
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
    addInput(std::move(In), Key, false);
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

void Lowerer::lowerStep(const Node *N, size_t Index, int32_t Parent) {
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
  std::string Prefix = "steps." + S.Id.Str.str();
  S.Parent = Parent;
  bool IsLoop = lowerLoopKeys(M, S, Prefix);
  const MapNode *CallKeys = lowerCallKeys(M);
  bool IsCall = CallKeys != nullptr;
  // A loop may have no action.
  if (checkKeys(M, StepKeys, Where, true) && !IsLoop && !M->find("action") &&
      !M->find("tool"))
    Diags.report(DiagKind::MissingKey, M->loc(), 1, "action", Where);
  lowerTool(M, S);
  if (const KeyValue *Act = M->find("action"); Act && S.Tool.Str.empty())
    if (auto *Sc = llvm::dyn_cast<ScalarNode>(Act->Value)) {
      if (!Sc->isTemplated()) {
        S.ToolMap = ir::findToolLessRow(Sc->value());
      } else if (const ir::ToolRow *R = echoProseRow(Sc)) {
        S.ToolMap = R;  // `echo {{ x }}`: ContextLab renders, then echoes
      }
    }
  const KeyValue *DepsKV = nullptr;
  const KeyValue *CondKV = nullptr;
  for (const KeyValue &KV : M->entries()) {
    llvm::StringRef K = KV.Key->value();
    const Node *V = KV.Value;
    if (K == "for_each" || K == "foreach" || K == "max_parallel" || K == "steps" ||
        K == "max_iterations" || K == "expected_items" || K == "type" ||
        isLoopConditionKey(K)) {
      continue;  // lowerLoopKeys, lowerBody
    } else if (K == "pipeline" || K == "inputs") {
      continue;  // lowerCallKeys, inlineCall
    } else if (isRouteKey(K) || (K == "on_failure" && llvm::isa<MapNode>(V))) {
      continue;  // lowerRoutes
    } else if (K == "name") {
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
      } else if (S.ToolMap && llvm::isa<ScalarNode>(V) &&
                 llvm::cast<ScalarNode>(V)->isTemplated()) {
        S.Action = {S.ToolMap->Target, V->loc(), V->length()};  // echo prose
      } else if (auto X = getString(V, "`action`")) {
        S.Action = *X;
        if (S.ToolMap && S.ToolMap->Target.empty()) {
          // A name ContextLab runs with a tool: never an LLM task here.
          Diags.report(DiagKind::ToolUnsupported, X->Loc, X->Length,
                       fmt::format("ContextLab's action `{}`", X->Str.trim().str()),
                       S.ToolMap->Why.str());
          S.ToolMap = nullptr;
        } else if (S.ToolMap) {
          S.Action.Str = S.ToolMap->Target;
        }
      }
    } else if (K == "parameters") {
      // A pipeline-executor's: lowerExecutorCall (which reported a bad one).
      if (IsCall || (S.ToolMap && S.ToolMap->Target == "pipeline")) continue;
      if (S.Action.Str == "mcp" && !S.Tool.Str.empty() && !S.ToolMap)
        continue;  // lowerMcpTool
      lowerParams(V, S, M->find("model") != nullptr);
    } else if (K == "on_error") {
      lowerOnError(KV, M, S);
    } else if (K == "continue_on_error") {
      lowerContinueOnError(KV, M, S);
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
    } else if (K == "budget") {
      S.BudgetLoc = KV.Key->loc();
      S.BudgetLength = KV.Key->length();
      lowerBudget(V, &S);
    } else if (K == "fuse") {
      S.Fuse = getBool(V, "`fuse`");
      S.FuseLoc = V->loc();
      S.FuseLength = V->length();
    } else if (K == "cache") {
      S.CacheTtl = getCache(V);
    } else if (K == "model") {
      lowerModel(V, S);
    } else if (K == "condition" || K == "if") {
      if (firstOf(CondKV, KV)) S.Condition = lowerCondition(V, Prefix + ".condition");
    } else if (K == "requires_model") {
      if (!fixedTree(V, "`requires_model`", false)) continue;
      S.RequiresModel = value(V, Prefix + ".requires_model");
    }
  }
  if (S.ToolMap && S.ToolMap->Action == "echo ..." && S.Tool.Str.empty())
    lowerEchoProse(*M->find("action"), S);
  lowerRoutes(M, S, Prefix);
  if (IsCall) inlineCall(CallKeys, S);
  P->Steps.push_back(std::move(S));
  if (IsLoop) lowerBody(M, static_cast<uint32_t>(P->Steps.size() - 1));
}

void Lowerer::lowerModel(const Node *V, ir::Step &S) {
  if (ir::AutoTag *T = soleAuto(V)) {
    if (T->DeclaredType && *T->DeclaredType != ir::Type::String)
      Diags.report(DiagKind::AutoBadAttr, T->Loc, T->Length, "`type`",
                   "`model` takes a string");
    T->Path = A.save("steps." + S.Id.Str.str() + ".model");
    S.ModelAuto = T;
  } else if (auto *Sc = llvm::dyn_cast<ScalarNode>(V); Sc && Sc->isTemplated()) {
    // Chosen when the step starts (docs/actions.md §9.3): the text a
    // template renders names the model, as a written name would. An AUTO
    // tag among other text is AutoNotAllowed.
    if (fixed(Sc, "`model`", true))
      S.ModelValue = value(V, "steps." + S.Id.Str.str() + ".model");
  } else if (auto X = getString(V, "`model`")) {
    S.Model = *X;
  }
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
      if (auto X = getString(V, "`name`", HasId)) {
        if (HasId)
          P->Title = *X;
        else
          nameFromText(*X);
      }
    } else if (K == "version") {
      if (auto X = getString(V, "`version`")) P->Version = *X;
    } else if (K == "description") {
      if (auto X = getString(V, "`description`", true)) P->Description = *X;
    } else if (K == "metadata") {
      if (!fixedTree(V, "`metadata`", true)) continue;
      P->Metadata = value(V, "metadata");
    } else if (K == "context") {
      if (const MapNode *M = expectMap(V, "`context`")) lowerContext(M);
    } else if (K == "cache") {
      if (lowersCallee())
        Diags.report(DiagKind::NotSupportedYet, KV.Key->loc(), KV.Key->length(),
                     "a sub-pipeline's own `cache`", "issue #17",
                     "give `cache` to its steps, or set it in the calling pipeline");
      else
        P->CacheTtl = getCache(V);
    } else if (K == "mcp_servers") {
      lowerMcpServers(V);
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
      lowerSteps(Seq);
    }
  }
  checkCallOutputs();
  checkCalleeRunVariables();
  mergeConnectServers();
  mergeCalleeServers();
  // AUTO tags in places that take no AUTO (metadata, descriptions) were
  // reported above; keep the pipeline's tag list to those the IR holds.
  if (Diags.hasErrors()) return nullptr;
  P->reindex();
  return std::move(P);
}

}  // namespace lowering

std::unique_ptr<ir::Pipeline> lowerDocument(const ast::Document &Doc,
                                            DiagnosticEngine &Diags, bool SubPipelines) {
  lowering::CallContext Calls;
  llvm::SmallString<256> Real;
  if (SubPipelines && !llvm::sys::fs::real_path(Doc.File->name(), Real)) {
    Calls.Root = Doc.File.get();
    Calls.RootDir = llvm::sys::path::parent_path(Real).str();
    Calls.Stack.push_back(Real.str().str());
  }
  return lowering::Lowerer(Doc, Diags, &Calls).run();
}

}  // namespace orch::frontend
