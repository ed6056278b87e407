//===- LoweringContextLab.cpp - ContextLab's keys, lowered ----------------===//
//
// The parts of lowering that read ContextLab's format (docs/language.md
// §13): `enhanced_outputs`, `tool:` and the tool-less actions mapped by
// ir/ToolMap.h, `on_error`, and conditions written without `{{ }}`.
//
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <vector>

#include "frontend/ExprParser.h"
#include "frontend/Lowerer.h"
#include "ir/ToolMap.h"
#include "ir/Unicode.h"
#include "llvm/ADT/StringExtras.h"

namespace orch::frontend::lowering {

namespace {
/// The keys of an `enhanced_outputs` entry.
const llvm::StringRef EnhancedOutputKeys[] = {"value", "description", "type", "format",
                                              "location"};

/// The expression ContextLab evaluates for a condition made of text and
/// placeholders: the text as written, each placeholder as `(expr)`, and one
/// inside a string literal joined to it with `~` as its text. \p Real
/// says, per byte, whether it was copied from the source (not added).
std::string joinConditionText(llvm::ArrayRef<ir::Segment> Segs, std::vector<bool> &Real) {
  std::string Text;
  auto Add = [&](llvm::StringRef Piece, bool FromSource) {
    Text += Piece.str();
    Real.resize(Text.size(), FromSource);
  };
  char Quote = 0;        // the open literal's quote, or 0
  bool Escaped = false;  // after a backslash in a literal
  bool Reopen = false;   // a placeholder closed the literal Quote opened
  size_t OpenAt = 0;     // where in Text the open literal's content starts
  for (const ir::Segment &G : Segs) {
    if (G.K == ir::Segment::Kind::Expr) {
      if (!Quote) {
        Add("(", false);
        Add(G.Text, true);
        Add(")", false);
        continue;
      }
      if (Reopen) {
        Add(" ~ ", false);
      } else if (OpenAt == Text.size()) {
        Text.pop_back();  // an empty literal before it (`'{{ x }}`) is dropped
        Real.pop_back();
      } else {
        Add(std::string(1, Quote) + " ~ ", false);  // close the literal
      }
      Add("((", false);
      Add(G.Text, true);
      Add(") | string)", false);
      Reopen = true;
      continue;
    }
    llvm::StringRef T = G.Text;
    if (Reopen) {
      Reopen = false;
      if (T.starts_with(llvm::StringRef(&Quote, 1))) {
        T = T.drop_front();  // the literal ends right after the placeholder
        Quote = 0;
      } else {
        Add(std::string(" ~ ") + Quote, false);
        OpenAt = Text.size();
      }
    }
    for (char C : T) {
      Add(llvm::StringRef(&C, 1), true);
      if (!Quote) {
        if (C == '\'' || C == '"') {
          Quote = C;
          OpenAt = Text.size();
        }
      } else if (Escaped) {
        Escaped = false;
      } else if (C == '\\') {
        Escaped = true;
      } else if (C == Quote) {
        Quote = 0;
      }
    }
  }
  if (Reopen) Add(std::string(" ~ ") + Quote, false);  // unterminated: an error
  return Text;
}

/// Where each byte of \p Text (and its end) sits in \p Raw, the scalar's
/// source starting at \p Base: each byte copied from the source (\p Real) at
/// the next occurrence of it, found in order; an added byte, or one not
/// found (an escape), where the search stands.
std::vector<uint32_t> conditionOffsets(llvm::StringRef Text,
                                       const std::vector<bool> &Real, llvm::StringRef Raw,
                                       uint32_t Base) {
  std::vector<uint32_t> Map;
  size_t At = 0;
  for (size_t I = 0; I < Text.size(); ++I) {
    size_t Found = Real[I] ? Raw.find(Text[I], At) : llvm::StringRef::npos;
    Map.push_back(Base +
                  static_cast<uint32_t>(Found == llvm::StringRef::npos ? At : Found));
    if (Found != llvm::StringRef::npos) At = Found + 1;
  }
  Map.push_back(Base + static_cast<uint32_t>(std::min(At, Raw.size())));
  return Map;
}
}  // namespace

void Lowerer::nameFromText(const ir::LocString &X) {
  P->Name = X;
  if (X.Str.empty() || ir::isStepId(X.Str)) return;
  std::string Id;
  for (char C : X.Str) {
    if (llvm::isAlnum(C))
      Id += llvm::toLower(C);
    else if (!Id.empty() && Id.back() != '_')
      Id += '_';
  }
  while (!Id.empty() && Id.back() == '_') Id.pop_back();
  // No letter to start with: the name stays, also as the title (so that
  // `validate` suggests an `id:`), and `validate` reports it.
  if (Id.empty() || !llvm::isAlpha(Id[0])) {
    P->Title = X;
    return;
  }
  P->Title = X;
  P->Name = {A.save(Id), X.Loc, X.Length};
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
  if (declaresMcpServer(Tool->Str)) {
    // The step calls the pipeline's MCP server, whose tool `action:` names:
    // a declared server wins over the table's row for a tool of that name,
    // said where the two meet, since it changes what the step runs.
    if (const ir::ToolRow *R = ir::findToolRow(Tool->Str, Action);
        R && !R->Target.empty() && !Action.empty())
      Diags.report(DiagKind::McpServerShadowsTool, Tool->Loc, Tool->Length,
                   Tool->Str.str(), Tool->Str.str(), R->Target.str());
    if (Action.empty())
      Diags.report(DiagKind::MissingKey, M->loc(), 1, "action",
                   "step " + quoted(S.Id.Str) + ", which calls MCP server " +
                       quoted(Tool->Str) + " (`action:` names the server's tool)");
    else
      lowerMcpTool(M, S, Action, Loc, Len);
    return;
  }
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
  const MapNode *Params = nullptr;
  if (const KeyValue *PK = M->find("parameters"))
    Params = llvm::dyn_cast<MapNode>(PK->Value);
  if (!Row->ActionParam.empty()) {
    Row = subActionRow(M, *Row, *Tool);
    if (!Row) return;
    if (const KeyValue *Named = Params ? Params->find("action") : nullptr) {
      Loc = Named->Value->loc();
      Len = Named->Value->length();
    }
  } else if (llvm::is_contained(Row->Ignored, "action") && Params &&
             Params->find("action")) {
    // `action: store` and `parameters: {action: ...}` both name it: the
    // same action twice is that action (ContextLab's filesystem tool reads
    // the parameter's).
    const KeyValue *Twice = Params->find("action");
    auto *Same = llvm::dyn_cast<ScalarNode>(Twice->Value);
    if (!Same || Same->isTemplated() || Same->value() != Action) {
      Diags.report(DiagKind::DuplicateAlias, Twice->Key->loc(), Twice->Key->length(),
                   "action: " + Action.str(), "parameters: {action: ...}");
      return;
    }
  }
  if (Row->Target.empty()) {
    std::string What = fmt::format("tool `{}`", Tool->Str.str());
    // A dispatch row's action is the parameter's (`optimize_batch`).
    llvm::StringRef Named = Row->Action == "*" ? Action : Row->Action;
    if (!Named.empty()) What += fmt::format(" action `{}`", Named.str());
    Diags.report(DiagKind::ToolUnsupported, Loc, Len, What, Row->Why.str());
    return;
  }
  S.ToolMap = Row;
  S.Action = {Row->Target, Loc, Len};
  if (Row->Target == "mcp.connect") lowerMcpConnect(M, Params);
}

const ir::ToolRow *Lowerer::subActionRow(const MapNode *M, const ir::ToolRow &Row,
                                         const ir::LocString &Tool) {
  // ContextLab's `tool: mcp-memory` + `action: execute`: the action is the
  // parameter's value (`parameters: {action: store}`).
  const KeyValue *PK = M->find("parameters");
  const auto *Params = PK ? llvm::dyn_cast<MapNode>(PK->Value) : nullptr;
  const KeyValue *Named = Params ? Params->find(Row.ActionParam) : nullptr;
  if (!Named && !Row.DefaultAction.empty())
    return ir::findToolRow(Tool.Str, Row.DefaultAction);
  if (!Named) {
    Diags.report(DiagKind::MissingKey, Params ? Params->loc() : M->loc(), 1,
                 Row.ActionParam.str(),
                 fmt::format("the parameters of tool `{}` action `{}` (it names the "
                             "action to run)",
                             Tool.Str.str(), Row.Action.str()));
    return nullptr;
  }
  std::optional<ir::LocString> Sub =
      getString(Named->Value, "`" + Row.ActionParam.str() + "`");
  if (!Sub) return nullptr;
  // `parameters: {action: execute}` on an `execute` dispatch row: what its
  // absence would name (ContextLab's own default value).
  if (Sub->Str == Row.Action && !Row.DefaultAction.empty())
    return ir::findToolRow(Tool.Str, Row.DefaultAction);
  const ir::ToolRow *R = ir::findToolRow(Tool.Str, Sub->Str);
  if (!R || !R->ActionParam.empty() || R->Action == "*") {
    llvm::SmallVector<llvm::StringRef, 8> Actions;
    for (llvm::StringRef A : ir::toolActions(Tool.Str))
      if (const ir::ToolRow *X = ir::findToolRow(Tool.Str, A);
          X && X->ActionParam.empty())
        Actions.push_back(A);
    std::string Names;
    for (llvm::StringRef N : Actions)
      Names += (Names.empty() ? "`" : ", `") + N.str() + "`";
    Diags.report(DiagKind::ToolAction, Sub->Loc, Sub->Length, Tool.Str.str(),
                 Sub->Str.str(), Names, didYouMean(Sub->Str, Actions));
    return nullptr;
  }
  return R;
}

bool Lowerer::declaresMcpServer(llvm::StringRef Name) const {
  auto *Root = llvm::dyn_cast_or_null<MapNode>(Doc.Root);
  const KeyValue *Servers = Root ? Root->find("mcp_servers") : nullptr;
  auto *SM = Servers ? llvm::dyn_cast<MapNode>(Servers->Value) : nullptr;
  return SM && SM->find(Name);
}

void Lowerer::lowerMcpTool(const MapNode *M, ir::Step &S, llvm::StringRef Action,
                           SourceLoc Loc, uint32_t Len) {
  // `tool: web-search` + `action: search` with `mcp_servers: {web-search:
  // ...}`: tool `search` of that server, the parameters its arguments.
  S.Action = {"mcp", Loc, Len};
  llvm::SmallVector<ir::MapEntry, 3> Entries;
  auto Str = [&](llvm::StringRef X, SourceLoc L, uint32_t N) {
    return A.create<ir::ScalarValue>(L, N, ir::Scalar::string(A.save(X)));
  };
  Entries.push_back({"server", S.Tool.Loc, Str(S.Tool.Str, S.Tool.Loc, S.Tool.Length)});
  Entries.push_back({"tool", Loc, Str(Action, Loc, Len)});
  if (const KeyValue *P = M->find("parameters")) {
    lowerParams(P->Value, S, true);
    if (S.Params) Entries.push_back({"arguments", P->Key->loc(), S.Params});
  }
  S.Params = A.create<ir::MapValue>(M->loc(), 1, A.copyArray<ir::MapEntry>(Entries));
}

const ir::ToolRow *Lowerer::echoProseRow(const ScalarNode *Action) {
  llvm::ArrayRef<ir::Segment> Segs = Action->segments();
  if (Segs.empty() || Segs[0].K != ir::Segment::Kind::Text) return nullptr;
  // The echo word and the white space after it are text, not a template.
  return ir::findEchoProseRow(Segs[0].Text);
}

ir::Value *Lowerer::echoMessage(const ScalarNode *Action, const std::string &Path) {
  constexpr llvm::StringLiteral Space = " \t\n\r\f\v";
  auto FirstWordDropped = [&](llvm::StringRef Text) {
    Text = Text.ltrim(Space);
    return Text.drop_until([](char C) { return llvm::isSpace(C); }).ltrim(Space);
  };
  if (!Action->isTemplated())
    return A.create<ir::ScalarValue>(
        Action->loc(), Action->length(),
        ir::Scalar::string(A.save(FirstWordDropped(Action->value()).rtrim(Space))));
  // ContextLab renders the action, then echoes what follows its first word,
  // stripped: here the first text segment loses the word, the last its
  // trailing white space (a value's own is kept).
  llvm::SmallVector<ir::Segment, 8> Segs(Action->segments().begin(),
                                         Action->segments().end());
  Segs.front().Text = FirstWordDropped(Segs.front().Text);
  if (Segs.back().K == ir::Segment::Kind::Text)
    Segs.back().Text = Segs.back().Text.rtrim(Space);
  llvm::erase_if(Segs, [](const ir::Segment &G) {
    return G.K == ir::Segment::Kind::Text && G.Text.empty();
  });
  for (ir::Segment &G : Segs)
    if (G.K == ir::Segment::Kind::Auto && G.Tag->Path.empty()) G.Tag->Path = A.save(Path);
  return A.create<ir::TemplateValue>(Action->loc(), Action->length(),
                                     A.copyArray<ir::Segment>(Segs));
}

void Lowerer::lowerEchoProse(const KeyValue &Act, ir::Step &S) {
  // ContextLab's pattern: the first word, white space, then the message
  // (the rest, trimmed as Python's strip() does).
  llvm::SmallVector<ir::MapEntry, 2> Entries;
  if (S.Params) {
    for (const ir::MapEntry &E : S.Params->entries()) {
      if (E.Key == "message") {
        Diags.report(DiagKind::DuplicateAlias, E.KeyLoc, 7, "action: echo ...",
                     "parameters: {message: ...}");
        return;
      }
      Entries.push_back(E);
    }
  }
  auto *Text = llvm::cast<ScalarNode>(Act.Value);
  Entries.push_back(
      {"message", Act.Value->loc(),
       echoMessage(Text, "steps." + S.Id.Str.str() + ".parameters.message")});
  // ContextLab strips the message after it renders the action: a value's
  // own white space at either end goes too.
  if (Text->isTemplated() &&
      llvm::none_of(Entries, [](const ir::MapEntry &E) { return E.Key == "strip"; }))
    Entries.push_back({"strip", Act.Value->loc(),
                       A.create<ir::ScalarValue>(Act.Value->loc(), Act.Value->length(),
                                                 ir::Scalar::boolean(true))});
  SourceLoc L = S.Params ? S.Params->loc() : Act.Value->loc();
  uint32_t Len = S.Params ? S.Params->length() : Act.Value->length();
  S.Params = A.create<ir::MapValue>(L, Len, A.copyArray<ir::MapEntry>(Entries));
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
    if (S.ToolMap && llvm::is_contained(S.ToolMap->Unread, K)) {
      Diags.report(DiagKind::ToolParamUnread, KV.Key->loc(), KV.Key->length(),
                   S.Tool.Str.str(), K.str(), S.ToolMap->UnreadWhy.str());
      continue;
    }
    if (S.ToolMap && llvm::is_contained(S.ToolMap->Forbidden, K)) {
      Diags.report(DiagKind::UnknownActionParam, KV.Key->loc(), KV.Key->length(),
                   S.ToolMap->Action.str(), K.str(),
                   fmt::format(" (tool `{}` action `{}` is {})", S.Tool.Str.str(),
                               S.ToolMap->Action.str(), S.ToolMap->Why.str()));
      continue;
    }
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

void Lowerer::lowerContinueOnError(const KeyValue &KV, const MapNode *M, ir::Step &S) {
  // ContextLab copies the flag into the step's metadata and its engine
  // never reads it there; what it asks for is read here, as `on_error:
  // continue` is: `true` is `on_failure: continue`, `false` the default.
  std::optional<bool> B = getBool(KV.Value, "`continue_on_error`");
  if (!B) return;
  for (llvm::StringRef Other : {"on_failure", "on_error"})
    if (const KeyValue *F = M->find(Other)) {
      auto *Sc = llvm::dyn_cast<ScalarNode>(F->Value);
      bool Continues = Sc && !Sc->isTemplated() &&
                       ir::parseFailurePolicy(Sc->value()) == ir::FailurePolicy::Continue;
      // `on_error: <handler>` is kept and never run: it does not compete.
      if (Other == "on_failure" || Continues) {
        Diags.report(DiagKind::DuplicateAlias, KV.Key->loc(), KV.Key->length(),
                     Other.str(), "continue_on_error");
        return;
      }
    }
  if (!*B) return;
  S.OnFailure = ir::FailurePolicy::Continue;
  S.OnFailureText = {"continue", KV.Value->loc(), KV.Value->length()};
}

void Lowerer::lowerOnError(const KeyValue &KV, const MapNode *M, ir::Step &S) {
  // ContextLab's step schema takes a string alone (on an action step; its
  // loop steps and loop bodies are not held to it), and its engine stores
  // the handler and never runs it (docs/language.md §13). `on_error:
  // continue` is read as the policy here; any other handler changes
  // nothing, as there, and says so.
  const bool Checked = S.Parent < 0 && !S.ForEach && !S.LoopCond;
  auto *Sc = llvm::dyn_cast<ScalarNode>(KV.Value);
  const bool Typed = Sc && Sc->isPlain() && !Sc->isTemplated() &&
                     Sc->typedValue().Ty != ir::Type::String;
  if (Checked && (!Sc || Typed)) {
    // A null, a number, a boolean, a list or a mapping of handlers.
    const bool Null = llvm::isa<ast::NullNode>(KV.Value);
    const ast::Node *At = Null ? static_cast<const ast::Node *>(KV.Key) : KV.Value;
    Diags.report(
        DiagKind::TypeMismatch, At->loc(), At->length(),
        "`on_error` (ContextLab's step schema refuses anything else before a run)",
        "a string", KV.Value->describe().str());
    return;
  }
  if (Sc && !fixed(Sc, "`on_error`", true)) return;  // an AUTO tag
  std::optional<ir::FailurePolicy> Pol;
  if (Sc && !Sc->isTemplated()) Pol = ir::parseFailurePolicy(Sc->value());
  const KeyValue *F = M->find("on_failure");
  if (Pol == ir::FailurePolicy::Continue) {
    if (F) {
      Diags.report(DiagKind::DuplicateAlias, KV.Key->loc(), KV.Key->length(),
                   F->Key->value().str(), "on_error");
      return;
    }
    S.OnFailure = *Pol;
    S.OnFailureText = {Sc->value(), Sc->loc(), Sc->length()};
    return;
  }
  // What the warning calls the handler: its first line, cut at 80 bytes
  // (never inside a character).
  std::string Name;
  if (!Sc) {
    Name = fmt::format("({})", KV.Value->describe().str());
  } else {
    llvm::StringRef Text = Sc->value().trim();
    llvm::StringRef Line = Text.split('\n').first.rtrim();
    Name = Text.empty() ? "(empty)" : "`" + ir::utf8Prefix(Line, 80).str() + "`";
    if (!Text.empty() && Name.size() - 2 < Text.size())
      Name.insert(Name.size() - 1, "...");
  }
  std::string Policy = "`fail` by default";
  if (F) {
    auto *FS = llvm::dyn_cast<ScalarNode>(F->Value);
    Policy = FS ? fmt::format("`{}`", FS->value().trim().str()) : "as written";
  }
  std::string Hint;
  if (Pol && !F && *Pol != ir::FailurePolicy::Fail)
    Hint =
        fmt::format("; for the policy write `on_failure: {}`", Sc->value().trim().str());
  Diags.report(DiagKind::OnErrorNeverRuns, KV.Value->loc(), KV.Value->length(), Name,
               Policy, Hint);
}

ir::Value *Lowerer::lowerCondition(const Node *V, const std::string &Path) {
  // AUTO values are settled when the pipeline compiles; a condition is
  // decided when its step runs (ContextLab asks a model then).
  if (!fixedTree(V,
                 "`condition`: they are settled when the pipeline compiles, and a "
                 "condition when its step runs; to let a model decide, ask it in a step "
                 "before this one (answering true or false) and test its answer "
                 "(`condition: \"{{ ask.output == 'true' }}\"`)",
                 true))
    return nullptr;
  auto *Sc = llvm::dyn_cast<ScalarNode>(V);
  if (!Sc) return value(V, Path);
  std::string Text;
  std::vector<bool> Real;
  if (!Sc->isTemplated()) {
    // ContextLab: an expression without `{{ }}` (`status != 'done'`).
    if (Sc->typedValue().Ty != ir::Type::String) return value(V, Path);
    Text = Sc->value().trim().str();
    Real.assign(Text.size(), true);
  } else {
    llvm::ArrayRef<ir::Segment> Segs = Sc->segments();
    bool OnlyExpr = llvm::all_of(Segs, [](const ir::Segment &G) {
      return G.K == ir::Segment::Kind::Expr || G.Text.trim().empty();
    });
    if (OnlyExpr) return value(V, Path);
    // `'trend' in {{ kinds }}`: the text around the placeholders is part of
    // the expression, as ContextLab evaluates the rendered string. A
    // placeholder inside a string literal is pasted into it as text:
    // `'{{ x }}-ok'` is `((x) | string) ~ '-ok'`.
    Text = joinConditionText(Segs, Real);
  }
  // Errors point into the source, also through escapes and folded lines.
  // A block scalar's extent is its indicator: search past it, as far as
  // the value could reach with its indentation.
  size_t Extent = std::max<size_t>(Sc->length(), 2 * Sc->value().size() + 256);
  std::vector<uint32_t> Map = conditionOffsets(
      Text, Real, Doc.File->text().substr(Sc->loc().Offset, Extent), Sc->loc().Offset);
  ir::Expr *E = parseExpression(A.save(Text), Map, Sc->loc(), A, Diags);
  if (!E) return nullptr;
  ir::Segment Seg{ir::Segment::Kind::Expr, A.save(Text), E, nullptr};
  return A.create<ir::TemplateValue>(Sc->loc(), Sc->length(),
                                     A.copyArray<ir::Segment>(llvm::ArrayRef(Seg)));
}

}  // namespace orch::frontend::lowering
