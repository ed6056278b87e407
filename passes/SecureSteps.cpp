//===- SecureSteps.cpp - What process steps may do -------------------------===//
//
// Before fold-constants, every `{{ }}` in a `shell` step's `command` (a
// pipeline input, also one bound with --set, a step's output, a model's
// answer) and every resolved <AUTO> answer there is data. Each becomes
// `value | shell_quote`, one shell word, so no value can add
// syntax (`;`, `$(...)`, a newline) to the command. `| raw` as the last
// filter opts out: it is removed, with a warning. Steps may also name
// secrets in their environment; those are warned about here too. The
// imports of `python` code are checked against security.forbidden_modules
// (orchrt also enforces the list with an import hook).
//
//===----------------------------------------------------------------------===//
#include "ir/Actions.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"
#include "passes/ModelCatalog.h"
#include "passes/Pass.h"

namespace orch::passes {

namespace {

using namespace ir;

/// Does \p Name look like a provider key or another secret?
bool secretName(llvm::StringRef Name) {
  std::string U = Name.upper();
  llvm::StringRef N = U;
  return N.ends_with("_API_KEY") || N.ends_with("_TOKEN") || N.ends_with("_SECRET") ||
         N.ends_with("_PASSWORD") || N == "API_KEY";
}

/// The shell quote open after \p Text, given \p Open before it (0: none):
/// a small lexer for '...', "..." and backslash escapes.
char shellQuoteAfter(llvm::StringRef Text, char Open) {
  for (size_t I = 0; I < Text.size(); ++I) {
    char C = Text[I];
    if (Open == '\'') {
      if (C == '\'') Open = 0;
    } else if (C == '\\') {
      ++I;  // The next character is literal (outside or inside "...").
    } else if (Open == '"') {
      if (C == '"') Open = 0;
    } else if (C == '\'' || C == '"') {
      Open = C;
    }
  }
  return Open;
}

class SecureStepsPass : public Pass {
 public:
  llvm::StringRef name() const override { return "secure-steps"; }

  bool run(Pipeline &P, PassContext &Ctx) override {
    // How process steps run is config.yaml's to say; the plan carries it.
    P.SandboxDisabled = Ctx.Config && !Ctx.Config->SandboxEnabled;
    P.SandboxLimits = Ctx.Config ? Ctx.Config->SandboxLimits : "";
    P.ForbiddenModules.clear();
    if (Ctx.Config) P.ForbiddenModules = Ctx.Config->ForbiddenModules;
    for (Step &S : P.Steps) {
      if (!S.Params || (S.ActionAuto && !S.ActionAuto->Resolved)) continue;
      const ActionInfo *A = findBuiltinAction(S.Action.Str);
      if (!A || !A->RunsProcess) continue;
      for (MapEntry &E : S.Params->mutableEntries()) {
        if (E.Key == "command") quote(E.V, P, Ctx);
        if (E.Key == "env") warnSecrets(S, E.V, Ctx);
        if (E.Key == "code" && A->Name == "python" && Ctx.Config)
          checkImports(P, S, E.V, *Ctx.Config, Ctx);
      }
    }
    return true;
  }

 private:
  void quote(Value *&V, Pipeline &P, PassContext &Ctx) {
    auto *T = llvm::dyn_cast<TemplateValue>(V);
    if (!T) return;
    std::vector<Segment> Segs(T->segments().begin(), T->segments().end());
    bool Changed = false;
    char Quote = 0;  // The shell quote open where the segment starts: ', " or none.
    for (Segment &Seg : Segs) {
      if (Seg.K == Segment::Kind::Text) {
        Quote = shellQuoteAfter(Seg.Text, Quote);
        continue;
      }
      bool Raw = Seg.K == Segment::Kind::Expr && llvm::isa<FilterExpr>(Seg.E) &&
                 llvm::cast<FilterExpr>(Seg.E)->name() == "raw";
      if (Quote && !Raw) {
        // '...' keeps a quoted value's quotes literal and "..." runs its
        // $(...): either way the value would become syntax.
        SourceLoc L = Seg.K == Segment::Kind::Expr ? Seg.E->loc() : Seg.Tag->Loc;
        uint32_t Len = Seg.K == Segment::Kind::Expr ? Seg.E->length() : Seg.Tag->Length;
        Ctx.Diags.report(DiagKind::ShellQuotedValue, L, Len,
                         Quote == '\'' ? "single" : "double");
        continue;
      }
      // An <AUTO> answer is data from a model or a lock file someone can
      // edit: quoted like any value (fold-constants then folds it).
      if (Seg.K == Segment::Kind::Auto && Seg.Tag->Resolved)
        if (auto *Sc = llvm::dyn_cast<ScalarValue>(Seg.Tag->Resolved)) {
          Seg.K = Segment::Kind::Expr;
          Seg.E =
              P.arena().create<LiteralExpr>(Seg.Tag->Loc, Seg.Tag->Length, Sc->scalar());
        }
      if (Seg.K != Segment::Kind::Expr) continue;
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
  /// forbidden builtin it calls), at the statement in the source.
  void checkImports(const Pipeline &P, const Step &S, const Value *V,
                    const RunConfig &Config, PassContext &Ctx) {
    auto *Sc = llvm::dyn_cast<ScalarValue>(V);
    if (!Sc || Sc->scalar().Ty != Type::String || Config.ForbiddenModules.empty()) return;
    static const llvm::Regex Import(
        "^[ \t]*(import[ \t]+([A-Za-z_][A-Za-z0-9_.]*([ \t]*,[ "
        "\t]*[A-Za-z_][A-Za-z0-9_.]*)*)"
        "|from[ \t]+([A-Za-z_][A-Za-z0-9_.]*)[ \t]+import)");
    static const llvm::Regex Dynamic(
        "(__import__|import_module)\\([ \t]*['\"]([A-Za-z_][A-Za-z0-9_.]*)");
    llvm::StringRef Src = P.file().text();
    uint32_t Begin = V->loc().isValid() ? V->loc().Offset : 0;
    // A block scalar's location is its `|`; its text follows, indented.
    llvm::StringRef Range =
        Src.substr(Begin, std::max<size_t>(V->length(), 2 * Sc->scalar().S.size() + 256));
    auto Report = [&](llvm::StringRef Mod, llvm::StringRef Stmt) {
      llvm::StringRef Root = Mod.split('.').first;
      if (!llvm::is_contained(Config.ForbiddenModules, Root.str())) return;
      size_t At = Range.find(Stmt.trim());
      SourceLoc L = At == llvm::StringRef::npos ? V->loc() : SourceLoc(Begin + At);
      uint32_t Len = At == llvm::StringRef::npos ? V->length() : Stmt.trim().size();
      Ctx.Diags.report(DiagKind::ForbiddenModule, L, Len, S.Id.Str.str(), Mod.str(),
                       llvm::sys::path::filename(Config.Path).str());
    };
    llvm::StringRef Rest = Sc->scalar().S;
    while (!Rest.empty()) {
      auto [Line, Tail] = Rest.split('\n');
      Rest = Tail;
      llvm::SmallVector<llvm::StringRef, 6> M;
      if (Import.match(Line, &M)) {
        if (!M[4].empty()) {
          Report(M[4], M[1]);
        } else {
          llvm::SmallVector<llvm::StringRef, 4> Mods;
          M[2].split(Mods, ',');
          for (llvm::StringRef Mod : Mods) Report(Mod.trim(), M[1]);
        }
      }
      if (Dynamic.match(Line, &M)) Report(M[2], M[0]);
      for (llvm::StringRef B : {"eval", "exec"}) {
        size_t At = Line.find((B + "(").str());
        bool Word = At != llvm::StringRef::npos &&
                    (At == 0 || !(llvm::isAlnum(Line[At - 1]) || Line[At - 1] == '_' ||
                                  Line[At - 1] == '.'));
        if (Word) Report(B, Line.substr(At, B.size()));
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
      else if (secretName(E.Key))
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
