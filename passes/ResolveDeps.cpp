//===- ResolveDeps.cpp - Dependency lists and uses to edges ---------------===//
#include "llvm/ADT/SmallVector.h"
#include "passes/LoopNames.h"
#include "passes/Pass.h"

namespace orch::passes {

namespace {

class ResolveDepsPass : public Pass {
 public:
  llvm::StringRef name() const override { return "resolve-deps"; }

  bool run(ir::Pipeline &P, PassContext &Ctx) override {
    DiagnosticEngine &D = Ctx.Diags;
    Diags = &D;
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
        T = cycleTarget(P, SI, *T);
        if (*T == SI) {
          D.report(DiagKind::SelfDependency, Name.Loc, Name.Length, S.Id.Str.str());
          continue;
        }
        if (!visible(P, SI, *T, Name.Loc, Name.Length)) continue;
        if (Mark[*T] == SI) {
          D.report(DiagKind::DuplicateDependency, Name.Loc, Name.Length, S.Id.Str.str(),
                   Name.Str.str());
          continue;
        }
        Mark[*T] = SI;
        S.Deps.push_back({*T, Name.Loc, Name.Length, false});
      }
      for (const ir::StepUse &U : S.Uses) {
        if (U.Previous) continue;  // a cycle's previous iteration: no edge
        uint32_t T = cycleTarget(P, SI, U.Target);
        if (T == SI || Mark[T] == SI) continue;
        Mark[T] = SI;
        S.Deps.push_back({T, U.Loc, U.Length, true});
        // A step of a sub-pipeline whose call the step lists is done when
        // the call is (`{{ call.success }}` reads them): no note.
        llvm::StringRef TId = P.Steps[T].Id.Str;
        bool InListedCall = false;
        for (size_t Dot = TId.find('.'); Dot != llvm::StringRef::npos;
             Dot = TId.find('.', Dot + 1))
          if (std::optional<uint32_t> C = P.findStep(TId.take_front(Dot));
              C && Mark[*C] == SI && P.Steps[*C].Action.Str == "pipeline")
            InListedCall = true;
        if (!InListedCall)
          D.report(DiagKind::ImplicitDependency, U.Loc, U.Length, S.Id.Str.str(),
                   P.Steps[U.Target].Id.Str.str());
      }
    }
    if (D.errorCount() == Before) hoistLoopEdges(P);
    return D.errorCount() == Before;
  }

 private:
  /// Reports a dependency of \p From on a step it cannot wait for.
  bool visible(const ir::Pipeline &P, uint32_t From, uint32_t T, SourceLoc Loc,
               uint32_t Len) {
    llvm::StringRef Id = P.Steps[From].Id.Str, TId = P.Steps[T].Id.Str;
    switch (ir::reach(P.Steps, static_cast<int32_t>(From), T)) {
      case ir::Reach::Visible:
        return true;
      case ir::Reach::OwnLoop: {
        ir::LoopWords W = ir::loopWords(P.Steps[T]);
        Diags->report(DiagKind::LoopReadsItself, Loc, Len, Id.str(), W.Kind.str(),
                      TId.str(), W.Whole.str());
      }
        return false;
      case ir::Reach::InsideLoop: {
        llvm::StringRef L = P.Steps[P.Steps[T].Parent].Id.Str;
        ir::LoopWords W = ir::loopWords(P.Steps[P.Steps[T].Parent]);
        Diags->report(DiagKind::LoopBodyReference, Loc, Len, TId.str(), W.Kind.str(),
                      L.str(), W.Unit.str(), L.str());
        return false;
      }
    }
    return false;
  }

  /// What step \p From waits for when it names \p T: a routing cycle's
  /// step named from after the cycle is its last iteration, known once
  /// the cycle's loop ends (docs/control-flow.md §5).
  static uint32_t cycleTarget(const ir::Pipeline &P, uint32_t From, uint32_t T) {
    if (cycleRead(P.Steps, static_cast<int32_t>(From), T) != CycleRead::Last) return T;
    return static_cast<uint32_t>(P.Steps[T].Parent);
  }

  /// A body step's edge to a step outside its loop also holds the loop
  /// (or the outer loop that is that step's sibling): the body starts only
  /// once the loop may.
  static void hoistLoopEdges(ir::Pipeline &P) {
    for (uint32_t B = 0; B < P.Steps.size(); ++B) {
      if (P.Steps[B].Parent < 0) continue;
      for (size_t E = 0; E < P.Steps[B].Deps.size(); ++E) {
        ir::DepEdge Edge = P.Steps[B].Deps[E];
        uint32_t A = B;
        while (P.Steps[A].Parent != P.Steps[Edge.Target].Parent)
          A = static_cast<uint32_t>(P.Steps[A].Parent);
        if (A == B) continue;
        std::vector<ir::DepEdge> &Deps = P.Steps[A].Deps;
        if (llvm::none_of(Deps,
                          [&](const ir::DepEdge &X) { return X.Target == Edge.Target; }))
          Deps.push_back({Edge.Target, Edge.Loc, Edge.Length, true});
      }
    }
  }

  DiagnosticEngine *Diags = nullptr;
};

}  // namespace

std::unique_ptr<Pass> createResolveDepsPass() {
  return std::make_unique<ResolveDepsPass>();
}

}  // namespace orch::passes
