//===- LoweringContextLab.cpp - ContextLab's keys, lowered ----------------===//
//
// The parts of lowering that read ContextLab's format (docs/language.md
// §13): `enhanced_outputs`, `tool:` and the tool-less actions mapped by
// ir/ToolMap.h, `on_error`, and conditions written without `{{ }}`.
//
//===----------------------------------------------------------------------===//
#include "frontend/ExprParser.h"
#include "frontend/Lowerer.h"
#include "ir/ToolMap.h"

namespace orch::frontend::lowering {

namespace {
/// The keys of an `enhanced_outputs` entry.
const llvm::StringRef EnhancedOutputKeys[] = {"value", "description", "type", "format",
                                              "location"};
}  // namespace

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

}  // namespace orch::frontend::lowering
