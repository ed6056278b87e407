//===- JsCode.cpp - Template values as JavaScript -------------------------===//
//
// Each expression node becomes one call of orch_eval.mjs with the node's
// normalized source (for orchrt's error messages): `a.b | upper` is
//   E.filter("a.b | upper", "a.b", "upper", E.member(c, "a.b", E.name(c, "a"), "b",
//   true), [])
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include <cmath>

#include "backends/langgraph/JsText.h"
#include "backends/langgraph/LangGraph.h"
#include "ir/Eval.h"
#include "ir/Filters.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

namespace orch::backends::langgraph {

using json = orch::ir::Json;

namespace {

std::string source(const ir::Expr *E) {
  std::string S;
  llvm::raw_string_ostream OS(S);
  ir::printExpr(OS, E);
  return jsString(OS.str());
}

std::string expr(const ir::Expr *E);

/// `E.def(src, v)`: a sub-expression that must be defined (and no tuple
/// unless \p TupleOk; with \p Loose an inline `if`'s implicit `else` is '').
std::string defined(const ir::Expr *E, bool TupleOk = false, bool Loose = false) {
  if (!TupleOk && !Loose) return fmt::format("E.def({}, {})", source(E), expr(E));
  return fmt::format("E.def({}, {}, {}, {})", source(E), expr(E),
                     TupleOk ? "true" : "false", Loose ? "true" : "false");
}

/// `[src, E.def(src, v)]` pairs for list items and filter arguments; with
/// \p Thunks each value is a function (evaluated when its turn comes).
std::string pairs(llvm::ArrayRef<ir::Expr *> Items, bool Thunks = false,
                  bool TupleOk = false) {
  std::string Out = "[";
  for (size_t I = 0; I < Items.size(); ++I)
    Out += (I ? ", [" : "[") + source(Items[I]) + ", " + (Thunks ? "() => " : "") +
           defined(Items[I], TupleOk) + "]";
  return Out + "]";
}

/// How orch_eval.mjs places the arguments of filter or test \p F: "" when
/// all are positional; else for each position the index of the argument
/// given or `[default]`, or the binding's error (as ir/Eval.cpp reports it).
std::string binding(const ir::FilterExpr *F) {
  if (F->argNames().empty()) return "";
  const ir::FilterInfo *Info = F->isTest() ? nullptr : ir::findFilter(F->name());
  if (!Info) return jsString("keyword arguments to a test are not supported");
  llvm::Expected<std::vector<int>> Slots =
      ir::bindKeywords(*Info, F->args().size(), F->argNames());
  if (!Slots) return jsString(llvm::toString(Slots.takeError()));
  std::string Out = "[";
  for (size_t At = 0; At < Slots->size(); ++At) {
    Out += At ? ", " : "";
    int From = (*Slots)[At];
    if (From >= 0) {
      Out += std::to_string(From);
      continue;
    }
    llvm::StringRef D = Info->Params[At].Default;
    Out += "[" + jsConst(json::parse(D.begin(), D.end())) + "]";
  }
  return Out + "]";
}

std::string compound(const ir::CompoundExpr *C) {
  auto Part = [&](size_t I) -> const ir::Expr * { return C->part(I); };
  switch (C->op()) {
    case ir::CompoundOp::Cond:
      return fmt::format("E.cond({}, () => {}, {}, {})", source(C), expr(Part(0)),
                         defined(Part(1), false, /*Loose=*/true),
                         Part(2) ? "() => " + expr(Part(2)) : std::string("null"));
    case ir::CompoundOp::Slice: {
      std::string Bounds = "[";
      for (size_t I = 1; I <= 3; ++I)
        Bounds += (I > 1 ? ", " : "") +
                  (Part(I) ? "[" + source(Part(I)) + ", () => " + defined(Part(I)) + "]"
                           : std::string("null"));
      return fmt::format("E.slice({}, {}, {}], {})", source(C), defined(Part(0)), Bounds,
                         source(Part(0)));
    }
    case ir::CompoundOp::Dict: {
      std::string Out = "E.dict(" + source(C) + ", [";
      for (size_t I = 0; I + 1 < C->parts().size(); I += 2)
        Out +=
            fmt::format("{}[{}, () => {}, {}, () => {}]", I ? ", " : "", source(Part(I)),
                        defined(Part(I)), source(Part(I + 1)), defined(Part(I + 1)));
      return Out + "])";
    }
    case ir::CompoundOp::Tuple:
      return fmt::format("E.tuple({}, {})", source(C),
                         pairs(C->parts(), /*Thunks=*/true));
    case ir::CompoundOp::Block:
    case ir::CompoundOp::For:
    case ir::CompoundOp::Let:
      // Statements: the export's checker refuses them (ExportUnsupported).
      break;
  }
  return "undefined";
}

std::string expr(const ir::Expr *E) {
  using K = ir::Expr::Kind;
  switch (E->kind()) {
    case K::Literal:
      return "E.lit(" +
             jsConst(ir::scalarToJson(llvm::cast<ir::LiteralExpr>(E)->value())) + ")";
    case K::Name:
      return "E.name(c, " + jsString(llvm::cast<ir::NameExpr>(E)->name()) + ")";
    case K::Attr: {
      auto *A = llvm::cast<ir::AttrExpr>(E);
      int64_t Index = 0;
      // `x.0` is Jinja2's getitem with the integer 0.
      if (!A->attr().empty() && llvm::isDigit(A->attr()[0]) &&
          !A->attr().getAsInteger(10, Index))
        return fmt::format("E.member(c, {}, {}, {}n, false)", source(E), expr(A->base()),
                           Index);
      return fmt::format("E.member(c, {}, {}, {}, true)", source(E), expr(A->base()),
                         jsString(A->attr()));
    }
    case K::Index: {
      auto *I = llvm::cast<ir::IndexExpr>(E);
      // orchrt evaluates the key before the base.
      return fmt::format("E.at(c, {}, {}, () => {})", source(E), defined(I->index()),
                         expr(I->base()));
    }
    case K::Filter: {
      auto *F = llvm::cast<ir::FilterExpr>(E);
      std::string Bind = binding(F);
      std::string Args = "() => " + pairs(F->args(), /*Thunks=*/true,
                                          /*TupleOk=*/F->isTest() && F->name() == "in");
      if (!Bind.empty()) Args += ", " + Bind;
      if (F->isTest())
        return fmt::format("E.test({}, {}, {}, {}, {}, {})", source(E), source(F->base()),
                           jsString(F->name()),
                           F->form() == ir::FilterExpr::Form::NotTest ? "true" : "false",
                           expr(F->base()), Args);
      return fmt::format("E.filter({}, {}, {}, {}, {})", source(E), source(F->base()),
                         jsString(F->name()), expr(F->base()), Args);
    }
    case K::Unary: {
      auto *U = llvm::cast<ir::UnaryExpr>(E);
      if (U->op() == ir::UnaryOp::Not)
        return "E.not(" + defined(U->operand(), false, /*Loose=*/true) + ")";
      return fmt::format("E.neg({}, {}, {})", source(E), defined(U->operand()),
                         U->op() == ir::UnaryOp::Neg ? "true" : "false");
    }
    case K::Binary: {
      auto *B = llvm::cast<ir::BinaryExpr>(E);
      if (B->op() == ir::BinaryOp::And || B->op() == ir::BinaryOp::Or)
        return fmt::format(
            "E.{}({}, () => {})", B->op() == ir::BinaryOp::And ? "and" : "or",
            defined(B->lhs(), false, true), defined(B->rhs(), false, true));
      bool Concat = B->op() == ir::BinaryOp::Concat;
      bool In = B->op() == ir::BinaryOp::In || B->op() == ir::BinaryOp::NotIn;
      return fmt::format("E.bin({}, {}, {}, {}, {}, {})", source(E),
                         jsString(ir::binaryOpSpelling(B->op())),
                         defined(B->lhs(), false, Concat), defined(B->rhs(), In, Concat),
                         source(B->lhs()), source(B->rhs()));
    }
    case K::List:
      return fmt::format("E.list({}, {})", source(E),
                         pairs(llvm::cast<ir::ListExpr>(E)->items(), /*Thunks=*/true));
    case K::Compound:
      return compound(llvm::cast<ir::CompoundExpr>(E));
  }
  return "undefined";
}

/// The resolved constant of an AUTO tag, as orchrt evaluates it.
json autoValue(const ir::AutoTag *T) {
  struct NoNames : ir::EvalScope {
    const json *input(llvm::StringRef) const override { return nullptr; }
    const json *step(llvm::StringRef) const override { return nullptr; }
  } Scope;
  if (!T->Resolved) return nullptr;
  llvm::Expected<json> V = ir::evaluateValue(T->Resolved, Scope);
  if (!V) {
    llvm::consumeError(V.takeError());
    return nullptr;
  }
  return std::move(*V);
}

}  // namespace

std::string jsString(llvm::StringRef S) {
  // ASCII-only JSON text is a valid JavaScript string literal.
  return json(S.str()).dump(-1, ' ', true, json::error_handler_t::replace);
}

std::string jsComment(llvm::StringRef S) {
  std::string Out;
  for (unsigned char C : S) {
    if (C >= 0x20 && C < 0x7f && C != '\\')
      Out += static_cast<char>(C);
    else
      Out += fmt::format("\\x{:02X}", C);
  }
  return Out;
}

std::string jsConst(const json &V) {
  if (V.is_null()) return "null";
  if (V.is_boolean()) return V.get<bool>() ? "true" : "false";
  if (V.is_number_unsigned()) return std::to_string(V.get<uint64_t>()) + "n";
  if (V.is_number_integer()) return std::to_string(V.get<int64_t>()) + "n";
  if (V.is_number_float()) {
    double D = V.get<double>();
    if (std::isnan(D)) return "NaN";
    if (std::isinf(D)) return D < 0 ? "-Infinity" : "Infinity";
    if (D == 0) return std::signbit(D) ? "-0" : "0";
    return fmt::format("{}", D);
  }
  if (V.is_string()) return jsString(V.get<std::string>());
  std::string Out;
  if (V.is_array()) {
    Out = "[";
    for (size_t I = 0; I < V.size(); ++I) Out += (I ? ", " : "") + jsConst(V[I]);
    return Out + "]";
  }
  Out = "R.map([";
  bool First = true;
  for (auto It = V.begin(); It != V.end(); ++It, First = false)
    Out += (First ? "[" : ", [") + jsString(It.key()) + ", " + jsConst(*It) + "]";
  return Out + "])";
}

std::string compileValue(const ir::Value *V) {
  switch (V->kind()) {
    case ir::Value::Kind::Scalar:
      return jsConst(ir::scalarToJson(llvm::cast<ir::ScalarValue>(V)->scalar()));
    case ir::Value::Kind::Auto:
      return jsConst(autoValue(llvm::cast<ir::AutoValue>(V)->tag()));
    case ir::Value::Kind::Template: {
      auto *T = llvm::cast<ir::TemplateValue>(V);
      if (const ir::Expr *E = T->soleExpr())
        return fmt::format("E.value({}, {})", source(E), expr(E));
      std::string Out = "E.text([";
      bool First = true;
      for (const ir::Segment &S : T->segments()) {
        Out += First ? "" : ", ";
        First = false;
        if (S.K == ir::Segment::Kind::Text)
          Out += jsString(S.Text);
        else if (S.K == ir::Segment::Kind::Expr)
          Out += fmt::format("E.str({}, {})", source(S.E), expr(S.E));
        else
          Out += jsString(ir::displayString(autoValue(S.Tag)));
      }
      return Out + "])";
    }
    case ir::Value::Kind::List: {
      std::string Out = "[";
      bool First = true;
      for (const ir::Value *I : llvm::cast<ir::ListValue>(V)->items()) {
        Out += (First ? "" : ", ") + compileValue(I);
        First = false;
      }
      return Out + "]";
    }
    case ir::Value::Kind::Map: {
      std::string Out = "R.map([";
      bool First = true;
      for (const ir::MapEntry &E : llvm::cast<ir::MapValue>(V)->entries()) {
        Out += (First ? "[" : ", [") + jsString(E.Key) + ", " + compileValue(E.V) + "]";
        First = false;
      }
      return Out + "])";
    }
  }
  return "undefined";
}

}  // namespace orch::backends::langgraph
