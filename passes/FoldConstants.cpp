//===- FoldConstants.cpp - Templates over bound inputs become constants ---===//
//
// A template whose every name is an input bound at compile time, and whose
// AUTO tags are resolved, has one value for every run: it is computed here
// with the same evaluator the runtime uses, and the plan carries the
// constant. A template that would fail for every run is an error now.
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include "ir/Actions.h"
#include "ir/Eval.h"
#include "ir/PyText.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/YAMLParser.h"
#include "passes/Pass.h"

namespace orch::passes {

namespace {

using json = orch::ir::Json;
using namespace ir;

/// Bound inputs, and nothing else.
class BoundScope : public EvalScope {
 public:
  explicit BoundScope(const Pipeline &P) {
    for (const Input &In : P.Inputs)
      if (In.Bound) {
        if (auto V = evaluateValue(In.Bound, *this))
          Values[In.Name.Str.str()] = *V;
        else
          llvm::consumeError(V.takeError());
      }
  }
  const json *input(llvm::StringRef N) const override {
    auto It = Values.find(N.str());
    return It == Values.end() ? nullptr : &It->second;
  }
  const json *step(llvm::StringRef) const override { return nullptr; }
  bool empty() const { return Values.empty(); }
  /// Folds the templates of a step in loop \p L (-1: none) next: there a
  /// bare loop variable (`item`, `iteration`, ...) hides an input of its
  /// name, and is not constant.
  void enterLoop(const std::vector<Step> &S, int32_t L) {
    Steps = &S;
    Loop = L;
  }
  bool shadowed(llvm::StringRef N) const {
    return Loop >= 0 && Steps && loopVariableType(*Steps, Loop, N).has_value();
  }

 private:
  std::map<std::string, json> Values;
  const std::vector<Step> *Steps = nullptr;
  int32_t Loop = -1;
};

class FoldConstantsPass : public Pass {
 public:
  llvm::StringRef name() const override { return "fold-constants"; }

  bool run(Pipeline &P, PassContext &Ctx) override {
    BoundScope Scope(P);
    if (Scope.empty()) return true;
    unsigned Before = Ctx.Diags.errorCount();
    for (Step &S : P.Steps)
      if (S.Params) {
        Scope.enterLoop(P.Steps, S.Parent);
        for (MapEntry &E : S.Params->mutableEntries()) fold(E.V, P, Scope, Ctx);
        checkHttpRequest(S, Scope, Ctx.Diags);
        checkIntegerParams(S, P, Ctx.Diags);
      }
    Scope.enterLoop(P.Steps, -1);
    for (Output &O : P.Outputs) fold(O.V, P, Scope, Ctx);
    return Ctx.Diags.errorCount() == Before;
  }

 private:
  /// check-actions saw only the literal text of a templated `url`, header
  /// value or `method`; a value folded from `--set`/`--inputs` is checked
  /// here, and so is a whole header map from a bound input (`headers: "{{ h
  /// }}"`, which stays a template in the plan).
  static void checkHttpRequest(const Step &S, const BoundScope &Scope,
                               DiagnosticEngine &D) {
    if ((S.ActionAuto && !S.ActionAuto->Resolved) || S.Action.Str != "http.request")
      return;
    auto Check = [&](const Value *V, HttpPart Part, const std::string &What) {
      auto *C = llvm::dyn_cast<ScalarValue>(V);
      if (!C || C->scalar().Ty != Type::String) return;
      std::string Why = httpTextProblem(Part, C->scalar().S);
      if (!Why.empty())
        D.report(DiagKind::HttpUnsafeText, V->loc(), V->length(), What, Why);
    };
    for (const MapEntry &E : S.Params->entries()) {
      if (E.Key == "url") Check(E.V, HttpPart::Url, "`url`");
      if (E.Key == "method") checkMethod(E.V, D);
      if (E.Key == "headers") checkBoundHeaders(E.V, Scope, D);
      if (E.Key != "headers") continue;
      if (auto *M = llvm::dyn_cast<MapValue>(E.V))
        for (const MapEntry &H : M->entries())
          Check(H.V, HttpPart::HeaderValue,
                fmt::format("the value of header `{}`", llvm::yaml::escape(H.Key)));
    }
  }

  /// An integer parameter folded from a bound `number` input
  /// (check-actions let the template through): a whole number is the
  /// integer, any other fails every run, so it is ActionParamType now.
  static void checkIntegerParams(Step &S, Pipeline &P, DiagnosticEngine &D) {
    if (S.ActionAuto && !S.ActionAuto->Resolved) return;
    const ActionInfo *A = findBuiltinAction(S.Action.Str);
    if (!A) return;
    for (MapEntry &E : S.Params->mutableEntries()) {
      auto *C = llvm::dyn_cast<ScalarValue>(E.V);
      if (!C || C->scalar().Ty != Type::Float || !isIntegerParam(*A, E.Key)) continue;
      json V = C->scalar().F;
      wholeToInteger(V);
      if (V.is_number_integer())
        E.V = jsonToValue(V, P.arena(), E.V->loc(), E.V->length());
      else
        D.report(DiagKind::ActionParamType, E.V->loc(), E.V->length(), E.Key.str(),
                 A->Name.str(), describeType(Type::Int).str(),
                 describeType(Type::Float).str() + " (" + scalarText(C) + ")");
    }
  }

  /// A `method` folded from a bound input must be one the runtime sends.
  static void checkMethod(const Value *V, DiagnosticEngine &D) {
    auto *C = llvm::dyn_cast<ScalarValue>(V);
    if (!C || C->scalar().Ty != Type::String) return;
    llvm::StringRef M = C->scalar().S;
    if (!llvm::is_contained(httpMethods(), M))
      D.report(DiagKind::InvalidEnum, V->loc(), V->length(), "HTTP method",
               llvm::yaml::escape(M), llvm::join(httpMethods(), ", "),
               didYouMean(M, httpMethods()));
  }

  /// A header map that is one template over bound inputs: its names and
  /// values must not break the request either.
  static void checkBoundHeaders(const Value *V, const BoundScope &Scope,
                                DiagnosticEngine &D) {
    auto *T = llvm::dyn_cast<TemplateValue>(V);
    if (!T || !T->soleExpr() || !constant(T->soleExpr(), Scope)) return;
    llvm::Expected<json> R = evaluateValue(T, Scope);
    if (!R) return llvm::consumeError(R.takeError());  // fold() reported it
    if (!R->is_object()) return;
    for (auto It = R->begin(); It != R->end(); ++It) {
      std::string Name = It.key();
      std::string Why = httpTextProblem(HttpPart::HeaderName, Name);
      std::string What = fmt::format("header name `{}`", llvm::yaml::escape(Name));
      if (Why.empty() && It.value().is_string()) {
        Why = httpTextProblem(HttpPart::HeaderValue, It.value().get<std::string>());
        What = fmt::format("the value of header `{}`", llvm::yaml::escape(Name));
      }
      if (!Why.empty())
        D.report(DiagKind::HttpUnsafeText, V->loc(), V->length(), What, Why);
    }
  }

  /// True if every name in \p E is a bound input.
  static bool constant(const Expr *E, const BoundScope &S) {
    std::vector<llvm::StringRef> Locals;
    return constant(E, S, Locals);
  }

  /// The same, where \p Locals are names bound by enclosing statements
  /// (`{% for %}`, `{% set %}`): constant when their values are.
  static bool constant(const Expr *E, const BoundScope &S,
                       std::vector<llvm::StringRef> &Locals) {
    switch (E->kind()) {
      case Expr::Kind::Literal:
        return true;
      case Expr::Kind::Name: {
        llvm::StringRef N = llvm::cast<NameExpr>(E)->name();
        if (llvm::is_contained(Locals, N)) return true;
        return N != "steps" && N != "inputs" && !S.shadowed(N) && S.input(N);
      }
      case Expr::Kind::Attr: {
        auto *A = llvm::cast<AttrExpr>(E);
        if (auto *N = llvm::dyn_cast<NameExpr>(A->base());
            N && N->name() == "inputs" && !llvm::is_contained(Locals, "inputs"))
          return S.input(A->attr());
        return constant(A->base(), S, Locals);
      }
      case Expr::Kind::Index:
        return constant(llvm::cast<IndexExpr>(E)->base(), S, Locals) &&
               constant(llvm::cast<IndexExpr>(E)->index(), S, Locals);
      case Expr::Kind::Filter: {
        auto *F = llvm::cast<FilterExpr>(E);
        if (!constant(F->base(), S, Locals)) return false;
        for (const Expr *A : F->args())
          if (!constant(A, S, Locals)) return false;
        return true;
      }
      case Expr::Kind::Unary:
        return constant(llvm::cast<UnaryExpr>(E)->operand(), S, Locals);
      case Expr::Kind::Binary:
        return constant(llvm::cast<BinaryExpr>(E)->lhs(), S, Locals) &&
               constant(llvm::cast<BinaryExpr>(E)->rhs(), S, Locals);
      case Expr::Kind::List:
        for (const Expr *I : llvm::cast<ListExpr>(E)->items())
          if (!constant(I, S, Locals)) return false;
        return true;
      case Expr::Kind::Compound: {
        auto *C = llvm::cast<CompoundExpr>(E);
        size_t Base = Locals.size();
        bool Const = true;
        if (C->op() == CompoundOp::For || C->op() == CompoundOp::Let) {
          // The bound names are constant when the value they come from is.
          bool IsFor = C->op() == CompoundOp::For;
          Const = constant(C->part(0), S, Locals) &&
                  (!IsFor || !C->part(2) || constant(C->part(2), S, Locals));
          for (size_t I = IsFor ? ForFirstName : 2; I < C->parts().size(); ++I)
            Locals.push_back(llvm::cast<LiteralExpr>(C->part(I))->value().S);
          // A loop filter sees the targets, not `loop`.
          if (IsFor && C->part(3)) Const = Const && constant(C->part(3), S, Locals);
          if (IsFor) Locals.push_back("loop");
          Const = Const && constant(C->part(1), S, Locals);
          Locals.resize(Base);
          return Const;
        }
        for (const Expr *I : C->parts())
          if (I && !constant(I, S, Locals)) return false;
        return true;
      }
    }
    return false;
  }

  void fold(Value *&V, Pipeline &P, const BoundScope &S, PassContext &Ctx) {
    if (auto *L = llvm::dyn_cast<ListValue>(V)) {
      for (Value *&I : L->mutableItems()) fold(I, P, S, Ctx);
      return;
    }
    if (auto *M = llvm::dyn_cast<MapValue>(V)) {
      for (MapEntry &E : M->mutableEntries()) fold(E.V, P, S, Ctx);
      return;
    }
    auto *T = llvm::dyn_cast<TemplateValue>(V);
    if (!T) return;
    bool HasExpr = false;
    for (const Segment &Seg : T->segments()) {
      if (Seg.K == Segment::Kind::Auto && !Seg.Tag->Resolved) return;
      if (Seg.K == Segment::Kind::Expr) {
        if (!constant(Seg.E, S)) return;
        HasExpr = true;
      }
    }
    if (!HasExpr) return;
    llvm::Expected<json> R = evaluateValue(T, S);
    if (!R) {
      Ctx.Diags.report(DiagKind::ConstantEvalFailed, T->loc(), T->length(),
                       llvm::toString(R.takeError()));
      return;
    }
    // Lists and maps stay templates: a plan keeps their shape as written;
    // so does an integer past int64 (`from_json` reads one), which the
    // runtime keeps exact and an IR constant cannot hold.
    if (!R->is_array() && !R->is_object() && !isHugeInt(*R))
      V = jsonToValue(*R, P.arena(), T->loc(), T->length());
  }
};

}  // namespace

std::unique_ptr<Pass> createFoldConstantsPass() {
  return std::make_unique<FoldConstantsPass>();
}

}  // namespace orch::passes
