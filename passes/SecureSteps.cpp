//===- SecureSteps.cpp - What process steps may do -------------------------===//
//
// Before fold-constants, every `{{ }}` in a `shell` step's `command` (a
// pipeline input, also one bound with --set, a step's output, a model's
// answer) and every resolved <AUTO> answer there is data. Each becomes
// `value | shell_quote`, one shell word, so no value can add
// syntax (`;`, `$(...)`, a newline) to the command. `| raw` as the last
// filter opts out: it is removed, with a warning. Steps may also name
// secrets in their environment; those are warned about here too. A value
// that one word cannot keep data (inside quotes, a here-document, the code
// of `eval` or `sh -c`: ShellContext) is an error. The imports of `python`
// code are checked against security.forbidden_modules (orchrt also enforces
// the list with an audit hook), a step's constant `limits` against the
// configured ceilings, and every action against security.allowed_actions.
//
//===----------------------------------------------------------------------===//
#include "ir/Actions.h"
#include "ir/Eval.h"
#include "ir/PythonModules.h"
#include "ir/ResourceLimits.h"
#include "ir/Secrets.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"
#include "passes/ModelCatalog.h"
#include "passes/Pass.h"
#include "passes/PythonContext.h"
#include "passes/ShellContext.h"

namespace orch::passes {

namespace {

using namespace ir;

/// A simple statement of Python code: its logical text (continuation
/// lines joined) and where it starts in the code (its first line).
struct PyStatement {
  std::string Text;
  llvm::StringRef Head;
};

/// The simple statements of Python \p Code, trimmed: its logical lines
/// (joined after a backslash at a line's end and inside brackets), split at
/// `;` outside strings, comments dropped (enough for an import scan).
std::vector<PyStatement> pythonStatements(llvm::StringRef Code) {
  std::vector<PyStatement> Out;
  std::string Cur;
  size_t Start = 0, HeadEnd = llvm::StringRef::npos;
  int Depth = 0;
  char Quote = 0;
  bool Triple = false;
  auto End = [&](size_t At) {
    llvm::StringRef T = llvm::StringRef(Cur).trim();
    if (!T.empty()) {
      llvm::StringRef Head = Code.slice(Start, std::min(At, HeadEnd)).trim();
      Out.push_back({T.str(), Head.rtrim(" \t\\")});
    }
    Cur.clear();
    Start = At + 1, HeadEnd = llvm::StringRef::npos, Depth = 0;
  };
  for (size_t I = 0; I < Code.size(); ++I) {
    char C = Code[I];
    if (Quote) {
      Cur += C;
      if (C == '\\' && I + 1 < Code.size()) {
        Cur += Code[++I];
      } else if (C == Quote &&
                 (!Triple || Code.substr(I).starts_with(std::string(3, Quote)))) {
        if (Triple) Cur += Code.substr(I + 1, 2).str(), I += 2;
        Quote = 0;
      } else if (C == '\n' && !Triple) {
        Quote = 0;  // an unterminated string ends with its line
        End(I);
      }
      continue;
    }
    if (C == '\n' && HeadEnd == llvm::StringRef::npos) HeadEnd = I;
    if (C == '\'' || C == '"') {
      Quote = C;
      Triple = Code.substr(I).starts_with(std::string(3, C));
      Cur += Triple ? std::string(3, C) : std::string(1, C);
      if (Triple) I += 2;
    } else if (C == '#') {
      while (I + 1 < Code.size() && Code[I + 1] != '\n') ++I;
    } else if (C == '\\' && I + 1 < Code.size() && Code[I + 1] == '\n') {
      if (HeadEnd == llvm::StringRef::npos) HeadEnd = I;
      Cur += ' ', ++I;  // a continuation line
    } else if (C == '(' || C == '[' || C == '{') {
      Cur += C, ++Depth;
    } else if (C == ')' || C == ']' || C == '}') {
      Cur += C, Depth = std::max(0, Depth - 1);
    } else if (C == '\n' && Depth > 0) {
      Cur += ' ';
    } else if (C == '\n' || C == ';') {
      End(I);
    } else {
      Cur += C;
    }
  }
  End(Code.size());
  return Out;
}

class SecureStepsPass : public Pass {
 public:
  llvm::StringRef name() const override { return "secure-steps"; }

  bool run(Pipeline &P, PassContext &Ctx) override {
    // How process steps run is config.yaml's to say; the plan carries it.
    P.SandboxDisabled = Ctx.Config && !Ctx.Config->SandboxEnabled;
    P.SandboxNoUserns = Ctx.Config && !Ctx.Config->SandboxUserNamespace;
    P.SandboxLimits = Ctx.Config ? Ctx.Config->SandboxLimits : "";
    P.ForbiddenModules.clear();
    if (Ctx.Config) P.ForbiddenModules = Ctx.Config->ForbiddenModules;
    // The ceilings a step's `limits` may tighten, never loosen.
    ResourceLimits Ceiling = defaultResourceLimits();
    if (Ctx.Config && !Ctx.Config->SandboxLimits.empty()) {
      auto L = parseResourceLimits(
          nlohmann::json::parse(Ctx.Config->SandboxLimits, nullptr, false));
      if (L)
        Ceiling = overrideLimits(Ceiling, *L);
      else
        llvm::consumeError(L.takeError());  // orchrt reports bad config limits
    }
    for (Step &S : P.Steps) {
      if (S.ActionAuto && !S.ActionAuto->Resolved) continue;
      if (Ctx.Config && Ctx.Config->AllowedActions) checkAllowed(S, *Ctx.Config, Ctx);
      if (!S.Params) continue;
      const ActionInfo *A = findBuiltinAction(S.Action.Str);
      if (!A || !A->RunsProcess) continue;
      for (MapEntry &E : S.Params->mutableEntries()) {
        if (E.Key == "command") quote(E.V, P, Ctx);
        if (E.Key == "env") warnSecrets(S, E.V, Ctx);
        if (E.Key == "limits") checkLimits(S, E.V, Ceiling, Ctx);
        if (E.Key == "code" && A->Name == "python") quotePython(E.V, P, Ctx);
        if (E.Key == "code" && A->Name == "python" && Ctx.Config)
          checkImports(P, S, E.V, *Ctx.Config, Ctx);
      }
    }
    return true;
  }

 private:
  /// security.allowed_actions: every step's action must be listed. A step
  /// whose action is not built in is a model task (its name describes the
  /// task): it counts as `generate`, the built-in model call.
  void checkAllowed(const Step &S, const RunConfig &Config, PassContext &Ctx) {
    const std::vector<std::string> &Allowed = *Config.AllowedActions;
    bool Task = !findBuiltinAction(S.Action.Str);
    std::string Name = Task ? "generate" : S.Action.Str.str();
    if (llvm::is_contained(Allowed, Name)) return;
    std::vector<llvm::StringRef> Names(Allowed.begin(), Allowed.end());
    Ctx.Diags.report(DiagKind::ActionNotAllowed, S.Action.Loc, S.Action.Length,
                     S.Action.Str.str(),
                     Task ? " (a model task, allowed where `generate` is)" : "",
                     llvm::sys::path::filename(Config.Path).str(),
                     Task ? "" : didYouMean(S.Action.Str, Names));
  }

  /// A step's constant `limits` against the ceilings (config.yaml's
  /// sandbox.resource_limits over the defaults), each at its value. Bad
  /// forms are orchrt's to report (it fails the step, saying why).
  void checkLimits(const Step &S, const Value *V, const ResourceLimits &Ceiling,
                   PassContext &Ctx) {
    auto *M = llvm::dyn_cast<MapValue>(V);
    if (!M) return;
    for (const MapEntry &E : M->entries()) {
      auto *Sc = llvm::dyn_cast<ScalarValue>(E.V);
      if (!Sc) continue;
      nlohmann::json J = {{E.Key.str(), scalarToJson(Sc->scalar())}};
      llvm::Expected<ResourceLimits> Asked = parseResourceLimits(J);
      if (!Asked) {
        llvm::consumeError(Asked.takeError());
        continue;
      }
      for (const LimitExcess &X : limitsAboveCeiling(*Asked, Ceiling))
        Ctx.Diags.report(DiagKind::StepLimitAboveCeiling, E.V->loc(), E.V->length(),
                         S.Id.Str.str(), X.Message,
                         Ctx.Config ? llvm::sys::path::filename(Ctx.Config->Path).str()
                                    : std::string("config.yaml"));
    }
  }

  /// An <AUTO> answer is data from a model or a lock file someone can
  /// edit: a resolved scalar answer becomes a literal, quoted like any
  /// value (fold-constants then folds it).
  /// Every resolved answer (a scalar, a list, a mapping: `type="list"`)
  /// becomes an expression of its value, so the filters that keep values
  /// data apply to it. False if it is something else (never left raw).
  static bool autoAsLiteral(Segment &Seg, Pipeline &P) {
    if (Seg.K != Segment::Kind::Auto || !Seg.Tag->Resolved) return true;
    Expr *E = valueExpr(Seg.Tag->Resolved, Seg.Tag->Loc, Seg.Tag->Length, P);
    if (!E) return false;
    Seg.K = Segment::Kind::Expr;
    Seg.E = E;
    return true;
  }

  /// \p V (a constant value) as an expression at \p L, or null.
  static Expr *valueExpr(const Value *V, SourceLoc L, uint32_t Len, Pipeline &P) {
    if (auto *Sc = llvm::dyn_cast<ScalarValue>(V))
      return P.arena().create<LiteralExpr>(L, Len, Sc->scalar());
    if (auto *Li = llvm::dyn_cast<ListValue>(V)) {
      llvm::SmallVector<Expr *, 8> Items;
      for (const Value *I : Li->items()) {
        Expr *E = valueExpr(I, L, Len, P);
        if (!E) return nullptr;
        Items.push_back(E);
      }
      Expr *E = P.arena().create<ListExpr>(L, Len, P.arena().copyArray<Expr *>(Items));
      E->setType(Type::List);
      return E;
    }
    if (auto *M = llvm::dyn_cast<MapValue>(V)) {
      llvm::SmallVector<Expr *, 8> Parts;
      for (const MapEntry &En : M->entries()) {
        Expr *Val = valueExpr(En.V, L, Len, P);
        if (!Val) return nullptr;
        Parts.push_back(P.arena().create<LiteralExpr>(
            L, Len, Scalar::string(P.arena().save(En.Key))));
        Parts.push_back(Val);
      }
      Expr *E = P.arena().create<CompoundExpr>(L, Len, CompoundOp::Dict,
                                               P.arena().copyArray<Expr *>(Parts));
      E->setType(Type::Map);
      return E;
    }
    return nullptr;
  }

  /// Each value of `python` code as Python reads it back unchanged
  /// (PythonContext.h): escaped in a string literal (`py_quote`), a literal
  /// in code (`py_literal`). check-actions refused the other places.
  void quotePython(Value *&V, Pipeline &P, PassContext &Ctx) {
    auto *T = llvm::dyn_cast<TemplateValue>(V);
    if (!T) return;
    std::vector<Segment> Segs(T->segments().begin(), T->segments().end());
    std::vector<PythonSpot> Spots = pythonSpots(Segs);
    size_t I = 0;
    bool Changed = false;
    for (Segment &Seg : Segs) {
      if (Seg.K == Segment::Kind::Text) continue;
      const PythonSpot &Spot = Spots[I++];
      if (Spot.K == PythonSpot::Refused) {
        // check-actions said so too, unless it did not run.
        SourceLoc L = Seg.loc();
        uint32_t Len = Seg.length();
        Ctx.Diags.report(DiagKind::TemplateInPythonCode, L, Len, Spot.Why);
        continue;
      }
      if (!autoAsLiteral(Seg, P)) {
        Ctx.Diags.report(DiagKind::TemplateInPythonCode, Seg.Tag->Loc, Seg.Tag->Length,
                         "an AUTO answer that is no value");
        continue;
      }
      if (Seg.K != Segment::Kind::Expr) continue;  // unresolved: no plan has one
      if (isPythonQuoted(Seg.E, Spot)) continue;   // exactly what would be written
      llvm::SmallVector<Expr *, 1> Args;
      if (Spot.K == PythonSpot::String)
        Args.push_back(P.arena().create<LiteralExpr>(
            Seg.E->loc(), Seg.E->length(),
            Scalar::string(Spot.Quote == '"' ? "\"" : "'")));
      Seg.E = P.arena().create<FilterExpr>(
          Seg.E->loc(), Seg.E->length(), Seg.E,
          Spot.K == PythonSpot::String ? "py_quote" : "py_literal", Seg.E->loc(),
          P.arena().copyArray<Expr *>(Args));
      Seg.E->setType(Type::String);
      Changed = true;
    }
    if (!Changed) return;
    V = P.arena().create<TemplateValue>(T->loc(), T->length(),
                                        P.arena().copyArray<Segment>(Segs));
  }

  void quote(Value *&V, Pipeline &P, PassContext &Ctx) {
    auto *T = llvm::dyn_cast<TemplateValue>(V);
    if (!T) return;
    std::vector<Segment> Segs(T->segments().begin(), T->segments().end());
    bool Changed = false;
    ShellContext Shell;  // Where each value lands in the command.
    for (const Segment &Seg : Segs)
      if (Seg.K == Segment::Kind::Text)
        Shell.text(Seg.Text);
      else
        Shell.value();
    const std::vector<ShellSpot> &Spots = Shell.finish();
    size_t NextSpot = 0;
    for (Segment &Seg : Segs) {
      if (Seg.K == Segment::Kind::Text) continue;
      bool Raw = Seg.K == Segment::Kind::Expr && llvm::isa<FilterExpr>(Seg.E) &&
                 llvm::cast<FilterExpr>(Seg.E)->name() == "raw";
      const ShellSpot &Spot = Spots[NextSpot++];
      if (Spot.K != ShellSpot::Word && !Raw) {
        SourceLoc L = Seg.loc();
        uint32_t Len = Seg.length();
        switch (Spot.K) {
          case ShellSpot::SingleQuoted:
          case ShellSpot::DoubleQuoted:
            // '...' keeps a quoted value's quotes literal and "..." runs its
            // $(...): either way the value would become syntax.
            Ctx.Diags.report(DiagKind::ShellQuotedValue, L, Len,
                             Spot.K == ShellSpot::SingleQuoted ? "single" : "double");
            break;
          case ShellSpot::Heredoc:
            Ctx.Diags.report(DiagKind::ShellHeredocValue, L, Len,
                             " (the shell runs its `$(...)`)");
            break;
          case ShellSpot::QuotedHeredoc:
            Ctx.Diags.report(DiagKind::ShellHeredocValue, L, Len,
                             " (its quotes would stay in the text)");
            break;
          case ShellSpot::Unsure:
            Ctx.Diags.report(DiagKind::ShellUnsureValue, L, Len, Spot.Runner);
            break;
          case ShellSpot::RunTime:
            Ctx.Diags.report(DiagKind::ShellRunTimeCode, L, Len, Spot.Runner);
            break;
          default:
            Ctx.Diags.report(DiagKind::ShellCodeValue, L, Len, Spot.Runner);
        }
        continue;
      }
      if (!autoAsLiteral(Seg, P)) {
        Ctx.Diags.report(DiagKind::ShellUnsureValue, Seg.Tag->Loc, Seg.Tag->Length,
                         "as an AUTO answer that is no value");
        continue;
      }
      if (Seg.K != Segment::Kind::Expr) continue;  // unresolved: no plan has one
      if (auto *F = llvm::dyn_cast<FilterExpr>(Seg.E)) {
        if (F->name() == "shell_quote") continue;
        if (F->name() == "raw") {
          Ctx.Diags.report(DiagKind::ShellRawValue, F->nameLoc(), 3);
          Seg.E = F->base();
          Changed = true;
          continue;
        }
      }
      Seg.E = P.arena().create<FilterExpr>(Seg.E->loc(), Seg.E->length(), Seg.E,
                                           "shell_quote", Seg.E->loc(),
                                           llvm::ArrayRef<Expr *>());
      Seg.E->setType(Type::String);
      Changed = true;
    }
    if (!Changed) return;
    V = P.arena().create<TemplateValue>(T->loc(), T->length(),
                                        P.arena().copyArray<Segment>(Segs));
  }

  /// Reports each forbidden module that constant Python \p V imports (or a
  /// forbidden builtin it calls), at the statement in the source:
  /// `import a, b as c`, `from a import b`, `__import__('a')`,
  /// `import_module('a')`, also after `;`, and the aliases a forbidden module
  /// covers (`posix` for `os`, ir/PythonModules.h).
  void checkImports(const Pipeline &P, const Step &S, const Value *V,
                    const RunConfig &Config, PassContext &Ctx) {
    if (Config.ForbiddenModules.empty()) return;
    // Templated code is checked as the statements it has with every value
    // left out (each one stays data: PythonContext.h).
    std::string Code;
    if (auto *Sc = llvm::dyn_cast<ScalarValue>(V); Sc && Sc->scalar().Ty == Type::String)
      Code = Sc->scalar().S.str();
    else if (auto *T = llvm::dyn_cast<TemplateValue>(V))
      Code = pythonSkeleton(T->segments());
    else
      return;
    static const llvm::Regex From("^from[ \t]+([A-Za-z_][A-Za-z0-9_.]*)[ \t]+import");
    static const llvm::Regex Dynamic(
        "(__import__|import_module)[ \t]*\\([ \t]*['\"]([A-Za-z_][A-Za-z0-9_.]*)");
    // A compound statement's head (`if x:`, `try:`), its body on the line.
    static const llvm::Regex Head(
        "^(if|elif|else|while|for|try|except|finally|with|async)([ \t(:][^:]*)?:[ \t]*");
    llvm::StringRef Src = P.file().text();
    uint32_t Begin = V->loc().isValid() ? V->loc().Offset : 0;
    // A block scalar's location is its `|`; its text follows, indented.
    llvm::StringRef Range =
        Src.substr(Begin, std::max<size_t>(V->length(), 2 * Code.size() + 256));
    size_t Cursor = 0;        // Statements are found in order.
    llvm::StringRef CurHead;  // The first line of the statement scanned.
    auto Report = [&](llvm::StringRef Mod, llvm::StringRef Stmt) {
      std::string Entry = forbiddenEntryFor(Mod, Config.ForbiddenModules);
      if (Entry.empty()) return;
      size_t At = Range.find(Stmt, Cursor);
      if (At == llvm::StringRef::npos && !CurHead.empty())  // continued lines
        Stmt = CurHead, At = Range.find(Stmt, Cursor);
      if (At != llvm::StringRef::npos) Cursor = At;
      SourceLoc L = At == llvm::StringRef::npos ? V->loc() : SourceLoc(Begin + At);
      uint32_t Len = At == llvm::StringRef::npos ? V->length() : Stmt.size();
      std::string Alias =
          Entry == Mod.split('.').first ? "" : " (which reaches `" + Entry + "`)";
      Ctx.Diags.report(DiagKind::ForbiddenModule, L, Len, S.Id.Str.str(), Mod.str(),
                       Alias, llvm::sys::path::filename(Config.Path).str());
    };
    for (const PyStatement &PS : pythonStatements(Code)) {
      llvm::StringRef Stmt = PS.Text;
      CurHead = PS.Head;
      llvm::SmallVector<llvm::StringRef, 6> M;
      while (Head.match(Stmt, &M) && M[0].size() < Stmt.size())
        Stmt = Stmt.drop_front(M[0].size());
      if (Stmt.starts_with("import ") || Stmt.starts_with("import\t")) {
        llvm::SmallVector<llvm::StringRef, 4> Mods;
        Stmt.drop_front(6).split(Mods, ',');
        for (llvm::StringRef Mod : Mods) {
          Mod = Mod.trim();
          Report(Mod.take_until([](char C) { return C == ' ' || C == '\t'; }), Stmt);
        }
      } else if (From.match(Stmt, &M)) {
        Report(M[1], Stmt);
      }
      for (llvm::StringRef Rest = Stmt; Dynamic.match(Rest, &M);
           Rest = Rest.substr(M[0].data() - Rest.data() + M[0].size()))
        Report(M[2], M[0]);
      for (llvm::StringRef B : {"eval", "exec"}) {
        size_t At = Stmt.find(B);
        while (At != llvm::StringRef::npos &&
               !Stmt.drop_front(At + B.size()).ltrim(" \t").starts_with("("))
          At = Stmt.find(B, At + 1);
        bool Word = At != llvm::StringRef::npos &&
                    (At == 0 || !(llvm::isAlnum(Stmt[At - 1]) || Stmt[At - 1] == '_' ||
                                  Stmt[At - 1] == '.'));
        if (Word) Report(B, Stmt.substr(At, B.size()));
      }
    }
  }

  void warnSecrets(const Step &S, const Value *V, PassContext &Ctx) {
    auto *M = llvm::dyn_cast<MapValue>(V);
    if (!M) return;
    for (const MapEntry &E : M->entries()) {
      if (std::string Why = envNameProblem(E.Key); !Why.empty())
        Ctx.Diags.report(DiagKind::StepEnvUnsafe, E.KeyLoc, E.Key.size(), S.Id.Str.str(),
                         Why);
      else if (ir::providerSecretEnvName(E.Key))
        Ctx.Diags.report(DiagKind::StepEnvSecret, E.KeyLoc, E.Key.size(), S.Id.Str.str(),
                         E.Key.str());
    }
  }
};

}  // namespace

std::unique_ptr<Pass> createSecureStepsPass() {
  return std::make_unique<SecureStepsPass>();
}

}  // namespace orch::passes
