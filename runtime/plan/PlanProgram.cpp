//===- PlanProgram.cpp ----------------------------------------------------===//
#include "runtime/plan/PlanProgram.h"

#include "ir/Actions.h"
#include "llvm/ADT/SmallVector.h"

namespace orch::runtime {

namespace pf = orch::plan;

namespace {
ir::Type irType(pf::Type T) { return static_cast<ir::Type>(static_cast<uint8_t>(T)); }

llvm::StringRef view(const flatbuffers::String *S) {
  return S ? llvm::StringRef(S->data(), S->size()) : llvm::StringRef();
}

ir::Scalar scalar(pf::Type T, bool B, int64_t I, double F, llvm::StringRef S) {
  switch (T) {
    case pf::Type::Bool:
      return ir::Scalar::boolean(B);
    case pf::Type::Int:
      return ir::Scalar::integer(I);
    case pf::Type::Float:
      return ir::Scalar::real(F);
    case pf::Type::String:
      return ir::Scalar::string(S);
    default:
      return ir::Scalar::null();
  }
}
}  // namespace

PlanProgram::PlanProgram(const LoadedPlan &LP) : P(LP.plan()) {
  // Expressions: children precede parents, so one forward pass suffices.
  if (P.exprs())
    for (const pf::ExprNode *E : *P.exprs()) {
      SourceLoc L;  // run-time errors quote the expression's text
      llvm::StringRef S = view(E->s());
      auto Args = [&] {
        llvm::SmallVector<ir::Expr *, 4> Out;
        if (E->args())
          for (int32_t I : *E->args()) Out.push_back(I < 0 ? nullptr : Exprs[I]);
        return A.copyArray<ir::Expr *>(Out);
      };
      auto Names = [&] {
        llvm::SmallVector<llvm::StringRef, 4> Out;
        if (E->names())
          for (const auto *K : *E->names()) Out.push_back(view(K));
        return A.copyArray<llvm::StringRef>(Out);
      };
      ir::Expr *X = nullptr;
      switch (E->kind()) {
        case pf::ExprKind::Literal:
          X = A.create<ir::LiteralExpr>(L, 1,
                                        scalar(E->lit_type(), E->b(), E->i(), E->f(), S));
          break;
        case pf::ExprKind::Name:
          X = A.create<ir::NameExpr>(L, 1, S);
          break;
        case pf::ExprKind::Attr:
          X = A.create<ir::AttrExpr>(L, 1, Exprs[E->a()], S, L);
          break;
        case pf::ExprKind::Index:
          X = A.create<ir::IndexExpr>(L, 1, Exprs[E->a()], Exprs[E->c()]);
          break;
        case pf::ExprKind::Filter:
          X = A.create<ir::FilterExpr>(L, 1, Exprs[E->a()], S, L, Args(), Names(),
                                       static_cast<ir::FilterExpr::Form>(E->op()));
          break;
        case pf::ExprKind::Unary:
          X = A.create<ir::UnaryExpr>(L, 1, static_cast<ir::UnaryOp>(E->op()),
                                      Exprs[E->a()]);
          break;
        case pf::ExprKind::Binary:
          X = A.create<ir::BinaryExpr>(L, 1, static_cast<ir::BinaryOp>(E->op()),
                                       Exprs[E->a()], Exprs[E->c()]);
          break;
        case pf::ExprKind::List:
          X = A.create<ir::ListExpr>(L, 1, Args());
          break;
        case pf::ExprKind::Compound:
          X = A.create<ir::CompoundExpr>(L, 1, static_cast<ir::CompoundOp>(E->op()),
                                         Args());
          break;
      }
      Exprs.push_back(X);
    }
  if (P.auto_tags())
    for (const pf::AutoTag *T : *P.auto_tags()) {
      auto *Tag = A.create<ir::AutoTag>();
      Tag->Path = view(T->path());
      Tag->Text = view(T->text());
      Tag->Resolved = value(T->value());
      Tags.push_back(Tag);
    }
  uint32_t NSteps = P.steps() ? P.steps()->size() : 0;
  Params.resize(NSteps);
  IntParams.resize(NSteps);
  Conditions.resize(NSteps);
  Items.resize(NSteps);
  LoopConds.resize(NSteps);
  LoopBounds.resize(NSteps);
  ModelValues.resize(NSteps);
  RouteWhens.resize(NSteps);
  for (uint32_t I = 0; I < NSteps; ++I) {
    const pf::Step *S = P.steps()->Get(I);
    if (S->params())
      for (uint32_t K = 0; K < S->params()->size(); ++K)
        Params[I].push_back(
            {view(S->params_keys()->Get(K)), SourceLoc(), value(S->params()->Get(K))});
    if (const ir::ActionInfo *A =
            S->action() ? ir::findBuiltinAction(view(S->action())) : nullptr)
      for (uint32_t K = 0; K < Params[I].size(); ++K)
        if (ir::isIntegerParam(*A, Params[I][K].Key)) {
          IntParams[I].resize(Params[I].size());
          IntParams[I][K] = true;
        }
    Conditions[I] = value(S->condition());
    Items[I] = value(S->for_each());
    LoopConds[I] = value(S->loop_cond());
    LoopBounds[I] = value(S->max_iterations_value());
    ModelValues[I] = value(S->model_value());
    if (S->routes())
      for (const pf::Route *R : *S->routes()) RouteWhens[I].push_back(value(R->when()));
  }
  if (P.inputs())
    for (const pf::Input *In : *P.inputs())
      InputValues.push_back(In->bound() ? value(In->bound())
                                        : value(In->default_value()));
  if (P.outputs())
    for (const pf::Output *O : *P.outputs())
      Outputs.push_back({view(O->name()), SourceLoc(), value(O->value())});
}

ir::Value *PlanProgram::value(const pf::Value *V) {
  if (!V) return nullptr;
  SourceLoc L;
  switch (V->kind()) {
    case pf::ValueKind::Scalar:
      return A.create<ir::ScalarValue>(
          L, 1, scalar(V->lit_type(), V->b(), V->i(), V->f(), view(V->s())));
    case pf::ValueKind::Template: {
      llvm::SmallVector<ir::Segment, 4> Segs;
      if (V->segments())
        for (const pf::Segment *S : *V->segments()) {
          if (S->kind() == pf::SegmentKind::Text)
            Segs.push_back({ir::Segment::Kind::Text, view(S->text()), nullptr, nullptr});
          else if (S->kind() == pf::SegmentKind::Expr)
            Segs.push_back({ir::Segment::Kind::Expr, {}, Exprs[S->expr()], nullptr});
          else
            Segs.push_back({ir::Segment::Kind::Auto, {}, nullptr, Tags[S->auto_()]});
        }
      auto *T = A.create<ir::TemplateValue>(L, 1, A.copyArray<ir::Segment>(Segs));
      T->setType(irType(V->type()));
      return T;
    }
    case pf::ValueKind::List: {
      llvm::SmallVector<ir::Value *, 8> Items;
      if (V->items())
        for (const pf::Value *I : *V->items()) Items.push_back(value(I));
      return A.create<ir::ListValue>(L, 1, A.copyArray<ir::Value *>(Items));
    }
    case pf::ValueKind::Map: {
      llvm::SmallVector<ir::MapEntry, 8> Entries;
      if (V->items())
        for (uint32_t K = 0; K < V->items()->size(); ++K)
          Entries.push_back({view(V->keys()->Get(K)), L, value(V->items()->Get(K))});
      return A.create<ir::MapValue>(L, 1, A.copyArray<ir::MapEntry>(Entries));
    }
  }
  return nullptr;
}

}  // namespace orch::runtime
