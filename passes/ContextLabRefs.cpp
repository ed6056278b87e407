//===- ContextLabRefs.cpp - ContextLab's ways to read a result ------------===//
#include "passes/ContextLabRefs.h"

#include <algorithm>
#include <string>

#include "ir/Actions.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"
#include "passes/SchemaParamCheck.h"

namespace orch::passes {

namespace {

using namespace ir;

/// The constant key of a chain link (`.name`, `['name']`), or "".
llvm::StringRef keyOf(Expr *Link) {
  if (auto *A = llvm::dyn_cast<AttrExpr>(Link)) return A->attr();
  if (auto *I = llvm::dyn_cast<IndexExpr>(Link))
    if (auto *L = llvm::dyn_cast<LiteralExpr>(I->index()))
      if (L->value().Ty == Type::String) return L->value().S;
  return "";
}

Expr *&linkBase(Expr *Link) {
  if (auto *A = llvm::dyn_cast<AttrExpr>(Link)) return A->baseRef();
  return llvm::cast<IndexExpr>(Link)->baseRef();
}

/// Is \p S written in ContextLab's terms, so its result is read in them?
/// A step of this compiler's own `generate` keeps its own reading (§7.8:
/// `{{ step }}` is the whole result).
bool readsAsContextLab(const Step &S) {
  const ToolRow *Row = S.ToolMap;
  if (!Row) return false;
  return !S.Tool.Str.empty() || Row->Action != Row->Target ||
         !findBuiltinAction(Row->Target);
}

class Rewriter {
 public:
  Rewriter(Pipeline &P, DiagnosticEngine &D) : P(P), D(D) {}

  /// What value() reads next belongs to the loops that start at \p Loop
  /// (-1: none): their variables are no step's, even if a step (of a
  /// calling pipeline, say) has that name.
  void setLoopScope(int32_t Loop) { Scope = Loop; }

  void value(Value *V) {
    if (!V) return;
    if (auto *T = llvm::dyn_cast<TemplateValue>(V)) {
      for (Segment &S : T->mutableSegments())
        if (S.K == Segment::Kind::Expr) S.E = expr(S.E, /*Shown=*/true);
    } else if (auto *L = llvm::dyn_cast<ListValue>(V)) {
      for (Value *I : L->items()) value(I);
    } else if (auto *M = llvm::dyn_cast<MapValue>(V)) {
      for (const MapEntry &E : M->entries()) value(E.V);
    }
  }

 private:
  /// \p Shown: \p E's value is printed or tested as a whole (a template's
  /// expression, a condition, a `default` of one), where ContextLab's
  /// `iterations` is its scheduler's count; anywhere else (indexed,
  /// sliced, filtered, looped over) it is the list its examples read.
  Expr *expr(Expr *E, bool Shown = false) {
    if (llvm::isa<NameExpr, AttrExpr, IndexExpr>(E)) return chain(E, Shown);
    if (auto *B = llvm::dyn_cast<BinaryExpr>(E); B && B->op() == BinaryOp::Sub)
      if (hyphenated(B))  // reported: its names are not inputs
        return P.arena().create<LiteralExpr>(E->loc(), E->length(), Scalar::null());
    if (auto *C = llvm::dyn_cast<CompoundExpr>(E)) {
      if (C->op() == CompoundOp::For) return forStatement(C);
      if (C->op() == CompoundOp::Let) return letStatement(C);
      if (C->op() == CompoundOp::Block) {
        for (Expr *&Part : C->mutableParts())
          if (Part) Part = expr(Part, true);
        return E;
      }
      if (C->op() == CompoundOp::Cond) {  // {a, c, b}: c is tested
        llvm::MutableArrayRef<Expr *> Parts = C->mutableParts();
        for (size_t I = 0; I < Parts.size(); ++I)
          if (Parts[I]) Parts[I] = expr(Parts[I], I == 1 ? true : Shown);
        return E;
      }
    }
    if (auto *F = llvm::dyn_cast<FilterExpr>(E);
        F && F->name() == "default" && !F->isTest()) {
      bool First = true;
      forEachOperandRef(*E, [&](Expr *&C) {
        C = expr(C, First && Shown);  // the base first, then the arguments
        First = false;
      });
      return E;
    }
    forEachOperandRef(*E, [&](Expr *&C) { C = expr(C); });
    return E;
  }

  /// The name a string-literal part of a statement binds, or "".
  static llvm::StringRef boundName(const Expr *Part) {
    auto *L = llvm::dyn_cast_or_null<LiteralExpr>(Part);
    return L && L->value().Ty == Type::String ? L->value().S : llvm::StringRef();
  }

  /// `{% for it in loop.results %}`: in its body, `it.step.result` reads
  /// the body step of that loop as `loop.results[i].step.result` does.
  /// Any other `for` hides its targets' names from outer bindings.
  Expr *forStatement(CompoundExpr *C) {
    llvm::MutableArrayRef<Expr *> Parts = C->mutableParts();
    Parts[0] = expr(Parts[0]);  // looped over: a list
    int32_t Loop = -1;
    if (Parts.size() == ForFirstName + 1) Loop = resultsOf(Parts[0]);
    size_t Mark = Bound.size();
    for (size_t I = ForFirstName; I < Parts.size(); ++I)
      Bound.push_back({boundName(Parts[I]), I == ForFirstName ? Loop : -1});
    for (size_t I = 1; I < ForFirstName; ++I)  // body, else, loop filter
      if (Parts[I]) Parts[I] = expr(Parts[I], true);
    Bound.resize(Mark);
    return C;
  }

  /// `{% set x = v %}rest`: `x` in rest is no loop's item.
  Expr *letStatement(CompoundExpr *C) {
    llvm::MutableArrayRef<Expr *> Parts = C->mutableParts();
    Parts[0] = expr(Parts[0]);
    size_t Mark = Bound.size();
    Bound.push_back({boundName(Parts[2]), -1});
    if (Parts[1]) Parts[1] = expr(Parts[1], true);
    Bound.resize(Mark);
    return C;
  }

  /// The loop step whose `results` \p E reads (`steps.loop.results`,
  /// `loop.results`), or -1.
  int32_t resultsOf(Expr *E) {
    // Some of the results, in some order, are still results.
    if (auto *C = llvm::dyn_cast<CompoundExpr>(E); C && C->op() == CompoundOp::Slice)
      return resultsOf(C->part(0));
    if (auto *F = llvm::dyn_cast<FilterExpr>(E);
        F && !F->isTest() && !F->isMethod() && !F->isCall() &&
        (F->name() == "list" || F->name() == "reverse"))
      return resultsOf(F->base());
    if (!llvm::isa<AttrExpr, IndexExpr>(E) || keyOf(E) != "results") return -1;
    Expr *Base = linkBase(E);
    std::optional<uint32_t> Id;
    if (auto *N = llvm::dyn_cast<NameExpr>(Base)) {
      if (!isInput(N->name()) && !isLoopVariable(N->name()) && !bound(N->name()))
        Id = P.findStep(N->name());
    } else if (llvm::isa<AttrExpr, IndexExpr>(Base)) {
      if (auto *Root = llvm::dyn_cast<NameExpr>(linkBase(Base));
          Root && Root->name() == "steps")
        Id = P.findStep(keyOf(Base));
    }
    return Id && P.Steps[*Id].isLoop() ? static_cast<int32_t>(*Id) : -1;
  }

  /// The innermost binding of \p Name by a template statement, if any.
  const std::pair<llvm::StringRef, int32_t> *bound(llvm::StringRef Name) const {
    for (auto It = Bound.rbegin(); It != Bound.rend(); ++It)
      if (It->first == Name) return &*It;
    return nullptr;
  }

  /// Is \p N one of the pipeline's inputs (declared, or a `context` variable)?
  bool isInput(llvm::StringRef N) const { return P.findInput(N).has_value(); }

  /// Is \p N a loop variable where the template is (ir::loopVariableType)?
  bool isLoopVariable(llvm::StringRef N) const {
    return loopVariableType(P.Steps, Scope, N).has_value();
  }

  /// `fetch-page.body` parses as `fetch - page.body`: report it when the
  /// names joined by `-` are a step id.
  bool hyphenated(BinaryExpr *B) {
    llvm::SmallVector<llvm::StringRef, 4> Names;
    Expr *L = B;
    while (auto *S = llvm::dyn_cast<BinaryExpr>(L)) {
      if (S->op() != BinaryOp::Sub) return false;
      if (S != B && !llvm::isa<NameExpr>(S->rhs())) return false;
      if (S != B) Names.push_back(llvm::cast<NameExpr>(S->rhs())->name());
      L = S->lhs();
    }
    auto *First = llvm::dyn_cast<NameExpr>(L);
    if (!First) return false;
    Names.push_back(First->name());
    std::reverse(Names.begin(), Names.end());
    // The right operand: a name, or a chain rooted at one.
    llvm::SmallVector<Expr *, 4> Links;
    Expr *Root = B->rhs();
    while (llvm::isa<AttrExpr, IndexExpr>(Root)) {
      Links.push_back(Root);
      Root = linkBase(Root);
    }
    auto *Last = llvm::dyn_cast<NameExpr>(Root);
    if (!Last) return false;
    std::string Id;
    for (llvm::StringRef N : Names) Id += N.str() + "-";
    Id += Last->name().str();
    if (!P.findStep(Id) || isInput(Names.front()) || isLoopVariable(Names.front()))
      return false;
    std::string Rest, Whole;
    llvm::raw_string_ostream RS(Rest), WS(Whole);
    printExpr(RS, B->rhs());
    printExpr(WS, B);
    D.report(DiagKind::HyphenatedStepRef, B->loc(), B->length(), Whole, Id, Id,
             llvm::StringRef(Rest).drop_front(Last->name().size()).str());
    return true;
  }

  Expr *chain(Expr *Top, bool Shown) {
    llvm::SmallVector<Expr *, 4> Links;  // top first
    Expr *Root = Top;
    while (llvm::isa<AttrExpr, IndexExpr>(Root)) {
      Links.push_back(Root);
      if (auto *I = llvm::dyn_cast<IndexExpr>(Root)) I->indexRef() = expr(I->index());
      Root = linkBase(Root);
    }
    std::reverse(Links.begin(), Links.end());  // root-most first
    auto *N = llvm::dyn_cast<NameExpr>(Root);
    if (!N) {
      Expr *&Slot = Links.empty() ? Top : linkBase(Links.front());
      Slot = expr(Slot);
      return Top;
    }
    llvm::StringRef Name = N->name();
    if (const auto *B = bound(Name)) {
      // A statement's variable: an iteration of a loop's results, or
      // nothing of ours.
      if (B->second >= 0 && !Links.empty())
        if (std::optional<uint32_t> Step = P.findStep(keyOf(Links.front()));
            Step && llvm::is_contained(P.Steps[size_t(B->second)].Body, *Step))
          return stepRead(Top, *Step, llvm::ArrayRef<Expr *>(Links).drop_front());
      return Top;
    }
    if (Name == "parameters" && !P.findStep(Name) && !isInput(Name)) {
      N->setName("inputs");  // ContextLab's name for the pipeline's inputs
      return Top;
    }
    llvm::ArrayRef<Expr *> Rest = Links;
    std::optional<uint32_t> Id;
    if (Name == "steps" && !Links.empty()) {
      Id = P.findStep(keyOf(Links.front()));
      Rest = Rest.drop_front();
    } else if (Name != "steps" && !isInput(Name) && !isLoopVariable(Name)) {
      Id = P.findStep(Name);
    }
    if (!Id) return Top;
    const Step &S = P.Steps[*Id];
    if (S.isLoop()) {
      if (Rest.empty()) return Top;
      // ContextLab's names for a `while` loop's fields: the list of
      // iterations' results, and how many ran.
      llvm::StringRef K = keyOf(Rest[0]);
      // ContextLab's scheduler gives `iterations` as the count, its
      // examples index it and loop over it: the list there, else the count.
      bool AsList = Rest.size() > 1 || !Shown;
      if (S.LoopCond && K == "iterations")
        renameKey(Rest[0], K = AsList ? "results" : "count");
      if (S.LoopCond && K == "iteration_count") renameKey(Rest[0], "count");
      // `loop.results[i].step...` reads a body step's result as a
      // top-level read of that step would.
      if (K == "results" && Rest.size() >= 3 && llvm::isa<IndexExpr>(Rest[1]) &&
          keyOf(Rest[1]).empty())
        if (std::optional<uint32_t> B = P.findStep(keyOf(Rest[2]));
            B && llvm::is_contained(S.Body, *B))
          return stepRead(Top, *B, Rest.drop_front(3));
      return Top;
    }
    return stepRead(Top, *Id, Rest);
  }

  /// Rewrites a read of step \p Id's result: \p Rest are the links after
  /// the one that names the step, and \p Top the whole chain.
  Expr *stepRead(Expr *Top, uint32_t Id, llvm::ArrayRef<Expr *> Rest) {
    if (!readsAsContextLab(P.Steps[Id])) {
      // ContextLab's `generate` answers text, its `result`: so `.result`
      // is `output` for every `generate` step, as for `generate_text`.
      const Step &S = P.Steps[Id];
      if (S.ToolMap && S.ToolMap->Target == "generate" && !Rest.empty() &&
          keyOf(Rest[0]) == "result") {
        // With a `schema` (generate_structured), `result` is the answer's
        // object: `step.result.claims` is the field `claims`.
        if (Rest.size() > 1 && generateSchema(S))
          linkBase(Rest[1]) = linkBase(Rest[0]);
        else
          renameKey(Rest[0], "output");
      }
      return Top;
    }
    const ToolRow &Row = *P.Steps[Id].ToolMap;
    if (Rest.empty()) {
      // `{{ step }}` is the step's output.
      return P.arena().create<AttrExpr>(Top->loc(), Top->length(), Top, "output",
                                        Top->loc());
    }
    llvm::StringRef K = keyOf(Rest[0]);
    bool Wrapped = mapResultField(Row, "result") != "output";  // `result` is a field
    // A sub-pipeline call's `outputs` is a field of its own (pipeline-executor).
    bool OutputsField = hasField(Row.Target, "outputs");
    if (((K == "outputs" && !OutputsField) || (K == "result" && !Wrapped)) &&
        Rest.size() > 1) {
      // `step.result.content`: the result is the step's fields.
      linkBase(Rest[1]) = linkBase(Rest[0]);
      Rest = Rest.drop_front();
      K = keyOf(Rest[0]);
    }
    if (llvm::StringRef To = mapResultField(Row, K); To != K) renameKey(Rest[0], To);
    if (K == "success" && Rest.size() == 1 && !hasField(Row.Target, K)) {
      // Every ContextLab tool answers `success`: here a step that failed
      // has status `failed` (read with `on_failure: continue`).
      renameKey(Rest[0], "status");
      Arena &Ar = P.arena();
      auto *Done =
          Ar.create<LiteralExpr>(Top->loc(), Top->length(), Scalar::string("completed"));
      Expr *Ok =
          Ar.create<BinaryExpr>(Top->loc(), Top->length(), BinaryOp::Eq, Top, Done);
      // A sub-pipeline call (pipeline-executor) succeeded when no step of
      // its callee failed too: with `error_handling: continue` the call
      // completes whenever its outputs render (ContextLab answers false).
      if (Row.Target == "pipeline") {
        std::string Prefix = P.Steps[Id].Id.Str.str() + ".";
        auto *Failed =
            Ar.create<LiteralExpr>(Top->loc(), Top->length(), Scalar::string("failed"));
        for (const Step &X : P.Steps) {
          if (!X.Id.Str.starts_with(Prefix) || X.Action.Str == "pipeline") continue;
          auto *Name = Ar.create<NameExpr>(Top->loc(), Top->length(), X.Id.Str);
          auto *Status =
              Ar.create<AttrExpr>(Top->loc(), Top->length(), Name, "status", Top->loc());
          auto *NotFailed = Ar.create<BinaryExpr>(Top->loc(), Top->length(), BinaryOp::Ne,
                                                  Status, Failed);
          Ok = Ar.create<BinaryExpr>(Top->loc(), Top->length(), BinaryOp::And, Ok,
                                     NotFailed);
        }
      }
      return Ok;
    }
    return Top;
  }

  /// Does built-in action \p Action list field \p Field? (The fields of
  /// an `mcp` tool's own result sit in ContextLab's `result`.)
  static bool hasField(llvm::StringRef Action, llvm::StringRef Field) {
    const ActionInfo *A = findBuiltinAction(Action);
    return A &&
           llvm::any_of(A->Fields, [&](const ActionField &F) { return F.Name == Field; });
  }

  /// Renames the constant key of \p Link (`.content`, `['content']`) to \p To.
  void renameKey(Expr *Link, llvm::StringRef To) {
    if (auto *A = llvm::dyn_cast<AttrExpr>(Link)) {
      A->setAttr(To);
    } else if (auto *I = llvm::dyn_cast<IndexExpr>(Link)) {
      Expr *Old = I->index();
      I->indexRef() =
          P.arena().create<LiteralExpr>(Old->loc(), Old->length(), Scalar::string(To));
    }
  }

  Pipeline &P;
  DiagnosticEngine &D;
  int32_t Scope = -1;
  /// Names bound by the template statements around the expression read
  /// now, innermost last: a `for` over a loop's results binds its target
  /// to that loop step; any other binding to -1.
  std::vector<std::pair<llvm::StringRef, int32_t>> Bound;
};

bool readsNames(Expr *E) {
  if (llvm::isa<NameExpr>(E)) return true;
  bool Found = false;
  forEachOperandRef(*E, [&](Expr *&C) { Found = Found || readsNames(C); });
  return Found;
}

}  // namespace

void rewriteContextLabRefs(Pipeline &P, DiagnosticEngine &Diags) {
  Rewriter R(P, Diags);
  for (Input &In : P.Inputs) R.value(In.Default);
  for (uint32_t I = 0; I < P.Steps.size(); ++I) {
    Step &S = P.Steps[I];
    R.setLoopScope(S.Parent);
    R.value(S.Params);
    R.value(S.Condition);
    R.value(S.ForEach);
    R.value(S.MaxIterationsValue);  // an enclosing loop's variables, as the condition's
    R.value(S.ModelValue);
    R.setLoopScope(static_cast<int32_t>(I));  // a `while` condition's own loop
    R.value(S.LoopCond);
  }
  R.setLoopScope(-1);
  for (Output &O : P.Outputs) R.value(O.V);
}

bool conditionReadsNames(Value *V) {
  bool Found = false;
  forEachExpr(V, [&](Expr *E) { Found = Found || readsNames(E); });
  if (auto *T = llvm::dyn_cast<TemplateValue>(V))
    for (const Segment &S : T->segments()) Found = Found || S.K == Segment::Kind::Auto;
  return Found || llvm::isa<AutoValue>(V);
}

}  // namespace orch::passes
