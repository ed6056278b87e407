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

/// `E.def(src, v)`: a sub-expression that must be defined.
std::string defined(const ir::Expr *E) {
  return fmt::format("E.def({}, {})", source(E), expr(E));
}

/// `[src, E.def(src, v)]` pairs for filter arguments and list items.
std::string pairs(llvm::ArrayRef<ir::Expr *> Items) {
  std::string Out = "[";
  for (size_t I = 0; I < Items.size(); ++I)
    Out += (I ? ", [" : "[") + source(Items[I]) + ", " + defined(Items[I]) + "]";
  return Out + "]";
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
      return fmt::format("E.member(c, {}, {}, {}.v, false)", source(E), expr(I->base()),
                         defined(I->index()));
    }
    case K::Filter: {
      auto *F = llvm::cast<ir::FilterExpr>(E);
      return fmt::format("E.filter({}, {}, {}, {}, {})", source(E), source(F->base()),
                         jsString(F->name()), expr(F->base()), pairs(F->args()));
    }
    case K::Unary: {
      auto *U = llvm::cast<ir::UnaryExpr>(E);
      if (U->op() == ir::UnaryOp::Not) return "E.not(" + defined(U->operand()) + ")";
      return fmt::format("E.neg({}, {}, {})", source(E), defined(U->operand()),
                         U->op() == ir::UnaryOp::Neg ? "true" : "false");
    }
    case K::Binary: {
      auto *B = llvm::cast<ir::BinaryExpr>(E);
      if (B->op() == ir::BinaryOp::And || B->op() == ir::BinaryOp::Or)
        return fmt::format("E.{}({}, () => {})",
                           B->op() == ir::BinaryOp::And ? "and" : "or", defined(B->lhs()),
                           defined(B->rhs()));
      return fmt::format("E.bin({}, {}, {}, {})", source(E),
                         jsString(ir::binaryOpSpelling(B->op())), defined(B->lhs()),
                         defined(B->rhs()));
    }
    case K::List:
      return fmt::format("E.list({}, {})", source(E),
                         pairs(llvm::cast<ir::ListExpr>(E)->items()));
    case K::Compound:
      // Refused before code generation (unsupportedIn); never reached.
      break;
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
