//===- ResolveDeps.cpp - Dependency lists and uses to edges ---------------===//
#include "llvm/ADT/SmallVector.h"
#include "passes/Pass.h"

namespace orch::passes {

namespace {

class ResolveDepsPass : public Pass {
 public:
  llvm::StringRef name() const override { return "resolve-deps"; }

  bool run(ir::Pipeline &P, PassContext &Ctx) override {
    DiagnosticEngine &D = Ctx.Diags;
    unsigned Before = D.errorCount();
    std::vector<llvm::StringRef> Ids;
    Ids.reserve(P.Steps.size());
    for (const ir::Step &S : P.Steps) Ids.push_back(S.Id.Str);
    // Marks which targets a step already has, reset per step.
    std::vector<uint32_t> Mark(P.Steps.size(), UINT32_MAX);
    for (uint32_t SI = 0; SI < P.Steps.size(); ++SI) {
      ir::Step &S = P.Steps[SI];
      S.Deps.clear();
      for (const ir::LocString &Name : S.DepNames) {
        std::optional<uint32_t> T = P.findStep(Name.Str);
        if (!T) {
          D.report(DiagKind::UnknownDependency, Name.Loc, Name.Length, S.Id.Str.str(),
                   Name.Str.str(), didYouMean(Name.Str, Ids));
          continue;
        }
        if (*T == SI) {
          D.report(DiagKind::SelfDependency, Name.Loc, Name.Length, S.Id.Str.str());
          continue;
        }
        if (Mark[*T] == SI) {
          D.report(DiagKind::DuplicateDependency, Name.Loc, Name.Length, S.Id.Str.str(),
                   Name.Str.str());
          continue;
        }
        Mark[*T] = SI;
        S.Deps.push_back({*T, Name.Loc, Name.Length, false});
      }
      for (const ir::StepUse &U : S.Uses) {
        if (U.Target == SI || Mark[U.Target] == SI) continue;
        Mark[U.Target] = SI;
        S.Deps.push_back({U.Target, U.Loc, U.Length, true});
        D.report(DiagKind::ImplicitDependency, U.Loc, U.Length, S.Id.Str.str(),
                 P.Steps[U.Target].Id.Str.str());
      }
    }
    return D.errorCount() == Before;
  }
};

}  // namespace

std::unique_ptr<Pass> createResolveDepsPass() {
  return std::make_unique<ResolveDepsPass>();
}

}  // namespace orch::passes
