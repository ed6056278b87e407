//===- Lowering.cpp - Document nodes to the pipeline IR -------------------===//
#include "frontend/Lowering.h"

#include "llvm/ADT/SmallVector.h"

namespace orch::frontend {

namespace {
const llvm::StringRef PipelineKeys[] = {"name",     "version", "description",
                                        "metadata", "context", "inputs",
                                        "outputs",  "steps",   "cache"};
const llvm::StringRef StepKeys[] = {
    "id",           "name",       "description",    "action",     "parameters",
    "dependencies", "depends_on", "on_failure",     "timeout",    "max_retries",
    "condition",    "model",      "requires_model", "max_tokens", "cache"};
const llvm::StringRef ContextKeys[] = {"timeout", "max_retries", "checkpoint_strategy"};
const llvm::StringRef InputKeys[] = {"type", "default", "required", "description"};
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

  void checkKeys(const MapNode *M, llvm::ArrayRef<llvm::StringRef> Allowed,
                 llvm::StringRef Where) {
    for (const KeyValue &KV : M->entries()) {
      llvm::StringRef K = KV.Key->value();
      if (llvm::is_contained(Allowed, K)) continue;
      Diags.report(DiagKind::UnknownKey, KV.Key->loc(), KV.Key->length(), K.str(),
                   Where.str(), didYouMean(K, Allowed));
    }
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

  /// `cache:` (docs/state.md): `true` (no expiry, 0), `false` (-1), or
  /// `{ttl: DURATION}`, seconds as an integer or `90s`, `30m`, `1h`, `2d`.
  std::optional<ir::LocInt> getCache(const Node *N) {
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

  ir::AutoTag *soleAuto(const Node *N) {
    auto *S = llvm::dyn_cast<ScalarNode>(N);
    return S ? S->soleAuto() : nullptr;
  }

  ir::Value *value(const Node *N, const std::string &Path);
  void lowerContext(const MapNode *M);
  void lowerInputs(const Node *N);
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
  checkKeys(M, ContextKeys, "`context`");
  for (const KeyValue &KV : M->entries()) {
    llvm::StringRef K = KV.Key->value();
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

void Lowerer::lowerInputs(const Node *N) {
  P->DeclaresInputs = true;
  const MapNode *M = expectMap(N, "`inputs`");
  if (!M) return;
  for (const KeyValue &KV : M->entries()) {
    ir::Input In;
    In.Name = {KV.Key->value(), KV.Key->loc(), KV.Key->length()};
    std::string What = "input " + quoted(In.Name.Str);
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
      }
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
  if (!M->find("action"))
    Diags.report(DiagKind::MissingKey, M->loc(), 1, "action", Where);
  checkKeys(M, StepKeys, Where);
  std::string Prefix = "steps." + S.Id.Str.str();
  const KeyValue *DepsKV = nullptr;
  for (const KeyValue &KV : M->entries()) {
    llvm::StringRef K = KV.Key->value();
    const Node *V = KV.Value;
    if (K == "name") {
      if (auto X = getString(V, "`name`", true)) S.Name = *X;
    } else if (K == "description") {
      if (auto X = getString(V, "`description`", true)) S.Description = *X;
    } else if (K == "action") {
      if (ir::AutoTag *T = soleAuto(V)) {
        if (T->DeclaredType && *T->DeclaredType != ir::Type::String)
          Diags.report(DiagKind::AutoBadAttr, T->Loc, T->Length, "`type`",
                       "`action` takes a string");
        T->Path = A.save(Prefix + ".action");
        S.ActionAuto = T;
        S.Action = {"", V->loc(), V->length()};
      } else if (auto X = getString(V, "`action`")) {
        S.Action = *X;
      }
    } else if (K == "parameters") {
      if (llvm::isa<ast::NullNode>(V)) continue;
      if (expectMap(V, "`parameters`"))
        S.Params = llvm::cast<ir::MapValue>(value(V, Prefix + ".parameters"));
    } else if (K == "dependencies" || K == "depends_on") {
      if (DepsKV) {
        Diags.report(DiagKind::DuplicateAlias, KV.Key->loc(), KV.Key->length());
        continue;
      }
      DepsKV = &KV;
      lowerDeps(V, S, quoted(K));
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
    } else if (K == "cache") {
      S.CacheTtl = getCache(V);
    } else if (K == "model") {
      if (ir::AutoTag *T = soleAuto(V)) {
        if (T->DeclaredType && *T->DeclaredType != ir::Type::String)
          Diags.report(DiagKind::AutoBadAttr, T->Loc, T->Length, "`type`",
                       "`model` takes a string");
        T->Path = A.save(Prefix + ".model");
        S.ModelAuto = T;
      } else if (auto X = getString(V, "`model`")) {
        S.Model = *X;
      }
    } else if (K == "condition") {
      if (!fixedTree(V, "`condition`", true)) continue;
      S.Condition = value(V, Prefix + ".condition");
    } else if (K == "requires_model") {
      if (!fixedTree(V, "`requires_model`", false)) continue;
      S.RequiresModel = value(V, Prefix + ".requires_model");
    }
  }
  P->Steps.push_back(std::move(S));
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
  checkKeys(Root, PipelineKeys, "the pipeline");
  for (llvm::StringRef Required : {"name", "steps"})
    if (!Root->find(Required))
      Diags.report(DiagKind::MissingKey, Root->loc(), 1, Required.str(), "the pipeline");
  for (const KeyValue &KV : Root->entries()) {
    llvm::StringRef K = KV.Key->value();
    const Node *V = KV.Value;
    if (K == "name") {
      if (auto X = getString(V, "`name`")) P->Name = *X;
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
      P->CacheTtl = getCache(V);
    } else if (K == "inputs") {
      lowerInputs(V);
    } else if (K == "outputs") {
      lowerOutputs(V);
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
