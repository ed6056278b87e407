//===- QuoteShell.cpp - Data in a shell command stays data ----------------===//
//
// After fold-constants, every `{{ }}` left in a `shell` step's `command`
// reads run-time data: a pipeline input, a step's output, a model's answer.
// Each becomes `value | shell_quote`, one shell word, so no value can add
// syntax (`;`, `$(...)`, a newline) to the command. `| raw` as the last
// filter opts out: it is removed, with a warning. Steps may also name
// secrets in their environment; those are warned about here too.
//
//===----------------------------------------------------------------------===//
#include "ir/Actions.h"
#include "llvm/ADT/StringRef.h"
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

class QuoteShellPass : public Pass {
 public:
  llvm::StringRef name() const override { return "quote-shell"; }

  bool run(Pipeline &P, PassContext &Ctx) override {
    // How process steps run is config.yaml's to say; the plan carries it.
    P.SandboxDisabled = Ctx.Config && !Ctx.Config->SandboxEnabled;
    P.SandboxLimits = Ctx.Config ? Ctx.Config->SandboxLimits : "";
    for (Step &S : P.Steps) {
      if (!S.Params || (S.ActionAuto && !S.ActionAuto->Resolved)) continue;
      const ActionInfo *A = findBuiltinAction(S.Action.Str);
      if (!A || !A->RunsProcess) continue;
      for (MapEntry &E : S.Params->mutableEntries()) {
        if (E.Key == "command") quote(E.V, P, Ctx);
        if (E.Key == "env") warnSecrets(S, E.V, Ctx);
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
    for (Segment &Seg : Segs) {
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

  void warnSecrets(const Step &S, const Value *V, PassContext &Ctx) {
    if (auto *M = llvm::dyn_cast<MapValue>(V))
      for (const MapEntry &E : M->entries())
        if (secretName(E.Key))
          Ctx.Diags.report(DiagKind::StepEnvSecret, E.KeyLoc, E.Key.size(),
                           S.Id.Str.str(), E.Key.str());
  }
};

}  // namespace

std::unique_ptr<Pass> createQuoteShellPass() {
  return std::make_unique<QuoteShellPass>();
}

}  // namespace orch::passes
