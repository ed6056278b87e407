//===- Expr.cpp - Printing expression trees -------------------------------===//
#include "ir/Expr.h"

#include <charconv>
#include <cmath>

#include "llvm/Support/Casting.h"
#include "llvm/Support/Format.h"

namespace orch::ir {

SourceLoc Segment::loc() const { return K == Kind::Expr ? E->loc() : Tag->Loc; }

uint32_t Segment::length() const { return K == Kind::Expr ? E->length() : Tag->Length; }

llvm::StringRef binaryOpSpelling(BinaryOp Op) {
  switch (Op) {
    case BinaryOp::Or:
      return "or";
    case BinaryOp::And:
      return "and";
    case BinaryOp::Eq:
      return "==";
    case BinaryOp::Ne:
      return "!=";
    case BinaryOp::Lt:
      return "<";
    case BinaryOp::Le:
      return "<=";
    case BinaryOp::Gt:
      return ">";
    case BinaryOp::Ge:
      return ">=";
    case BinaryOp::In:
      return "in";
    case BinaryOp::NotIn:
      return "not in";
    case BinaryOp::Concat:
      return "~";
    case BinaryOp::Add:
      return "+";
    case BinaryOp::Sub:
      return "-";
    case BinaryOp::Mul:
      return "*";
    case BinaryOp::Div:
      return "/";
    case BinaryOp::Mod:
      return "%";
  }
  return "?";
}

static void printEscaped(llvm::raw_ostream &OS, llvm::StringRef S) {
  OS << '"';
  for (unsigned char C : S) {
    switch (C) {
      case '"':
        OS << "\\\"";
        break;
      case '\\':
        OS << "\\\\";
        break;
      case '\n':
        OS << "\\n";
        break;
      case '\t':
        OS << "\\t";
        break;
      case '\r':
        OS << "\\r";
        break;
      default:
        if (C < 0x20)
          OS << llvm::format("\\x%02x", C);
        else
          OS << C;
    }
  }
  OS << '"';
}

void printNumber(llvm::raw_ostream &OS, double D) {
  char Buf[64];
  auto R = std::to_chars(Buf, Buf + sizeof(Buf), D);
  llvm::StringRef Text(Buf, R.ptr - Buf);
  OS << Text;
  // Keep floats visibly floats: `1500.0`, not `1500`.
  if (std::isfinite(D) && Text.find_first_of(".eE") == llvm::StringRef::npos) OS << ".0";
}

void printScalar(llvm::raw_ostream &OS, const Scalar &S) {
  switch (S.Ty) {
    case Type::Null:
      OS << "null";
      return;
    case Type::Bool:
      OS << (S.B ? "true" : "false");
      return;
    case Type::Int:
      OS << S.I;
      return;
    case Type::Float:
      printNumber(OS, S.F);
      return;
    case Type::String:
      printEscaped(OS, S.S);
      return;
    default:
      OS << "?";
      return;
  }
}

namespace {
// Binding strength; higher binds tighter. Jinja2's order: `~` between `+`
// and `*`; a filter applies to a signed operand (`-x | abs`).
int precedence(const Expr *E) {
  switch (E->kind()) {
    case Expr::Kind::Binary:
      switch (llvm::cast<BinaryExpr>(E)->op()) {
        case BinaryOp::Or:
          return 1;
        case BinaryOp::And:
          return 2;
        case BinaryOp::Add:
        case BinaryOp::Sub:
          return 5;
        case BinaryOp::Concat:
          return 6;
        case BinaryOp::Mul:
        case BinaryOp::Div:
        case BinaryOp::Mod:
          return 7;
        default:
          return 4;  // comparisons
      }
    case Expr::Kind::Unary:
      return llvm::cast<UnaryExpr>(E)->op() == UnaryOp::Not ? 3 : 9;
    case Expr::Kind::Filter:
      return llvm::cast<FilterExpr>(E)->isMethod() || llvm::cast<FilterExpr>(E)->isCall()
                 ? 10
                 : 8;
    case Expr::Kind::Compound:
      return llvm::cast<CompoundExpr>(E)->op() == CompoundOp::Cond ? 0 : 10;
    default:
      return 10;
  }
}

void printSub(llvm::raw_ostream &OS, const Expr *E, int MinPrec) {
  bool Paren = precedence(E) < MinPrec;
  if (Paren) OS << '(';
  printExpr(OS, E);
  if (Paren) OS << ')';
}

void printList(llvm::raw_ostream &OS, llvm::ArrayRef<Expr *> Items,
               llvm::ArrayRef<llvm::StringRef> Names = {}) {
  for (size_t I = 0; I != Items.size(); ++I) {
    if (I) OS << ", ";
    if (I < Names.size() && !Names[I].empty()) OS << Names[I] << '=';
    printExpr(OS, Items[I]);
  }
}

void printCompound(llvm::raw_ostream &OS, const CompoundExpr *C) {
  auto Opt = [&](const Expr *E) {
    if (E) printExpr(OS, E);
  };
  switch (C->op()) {
    case CompoundOp::Cond:
      if (isStatement(C)) {
        OS << "{% if ";
        printExpr(OS, C->part(1));
        OS << " %}";
        printExpr(OS, C->part(0));
        OS << "{% else %}";
        printExpr(OS, C->part(2));
        OS << "{% endif %}";
        return;
      }
      printSub(OS, C->part(0), 1);
      OS << " if ";
      printSub(OS, C->part(1), 1);
      if (C->part(2)) {
        OS << " else ";
        printExpr(OS, C->part(2));
      }
      return;
    case CompoundOp::Slice:
      printSub(OS, C->part(0), 10);
      OS << '[';
      Opt(C->part(1));
      OS << ':';
      Opt(C->part(2));
      if (C->part(3)) {
        OS << ':';
        printExpr(OS, C->part(3));
      }
      OS << ']';
      return;
    case CompoundOp::Dict:
      OS << '{';
      for (size_t I = 0; I + 1 < C->parts().size(); I += 2) {
        if (I) OS << ", ";
        printExpr(OS, C->part(I));
        OS << ": ";
        printExpr(OS, C->part(I + 1));
      }
      OS << '}';
      return;
    case CompoundOp::Tuple:
      OS << '(';
      printList(OS, C->parts());
      if (C->parts().size() == 1) OS << ',';
      OS << ')';
      return;
    case CompoundOp::Block:
      for (const Expr *P : C->parts()) {
        auto *L = llvm::dyn_cast<LiteralExpr>(P);
        if (L && L->value().Ty == Type::String) {
          OS << L->value().S;
        } else if (isStatement(P)) {
          printExpr(OS, P);
        } else {
          OS << "{{ ";
          printExpr(OS, P);
          OS << " }}";
        }
      }
      return;
    case CompoundOp::For:
      OS << "{% for ";
      for (size_t I = ForFirstName; I < C->parts().size(); ++I) {
        if (I > ForFirstName) OS << ", ";
        OS << llvm::cast<LiteralExpr>(C->part(I))->value().S;
      }
      OS << " in ";
      printSub(OS, C->part(0), 1);
      if (C->part(3)) {
        OS << " if ";
        printExpr(OS, C->part(3));
      }
      OS << " %}";
      printExpr(OS, C->part(1));
      if (C->part(2)) {
        OS << "{% else %}";
        printExpr(OS, C->part(2));
      }
      OS << "{% endfor %}";
      return;
    case CompoundOp::Let:
      OS << "{% set " << llvm::cast<LiteralExpr>(C->part(2))->value().S << " = ";
      printExpr(OS, C->part(0));
      OS << " %}";
      printExpr(OS, C->part(1));
      return;
  }
}

llvm::StringRef compoundName(CompoundOp Op) {
  switch (Op) {
    case CompoundOp::Cond:
      return "if";
    case CompoundOp::Slice:
      return "slice";
    case CompoundOp::Dict:
      return "dict";
    case CompoundOp::Tuple:
      return "tuple";
    case CompoundOp::Block:
      return "block";
    case CompoundOp::For:
      return "for";
    case CompoundOp::Let:
      return "set";
  }
  return "?";
}
}  // namespace

bool isStatement(const Expr *E) {
  auto *C = llvm::dyn_cast_or_null<CompoundExpr>(E);
  if (!C) return false;
  switch (C->op()) {
    case CompoundOp::Block:
    case CompoundOp::For:
    case CompoundOp::Let:
      return true;
    case CompoundOp::Cond:
      return isStatement(C->part(0));
    default:
      return false;
  }
}

void forEachOperandRef(Expr &E, llvm::function_ref<void(Expr *&)> F) {
  switch (E.kind()) {
    case Expr::Kind::Literal:
    case Expr::Kind::Name:
      return;
    case Expr::Kind::Attr:
      F(llvm::cast<AttrExpr>(E).baseRef());
      return;
    case Expr::Kind::Index:
      F(llvm::cast<IndexExpr>(E).baseRef());
      F(llvm::cast<IndexExpr>(E).indexRef());
      return;
    case Expr::Kind::Filter:
      F(llvm::cast<FilterExpr>(E).baseRef());
      for (Expr *&A : llvm::cast<FilterExpr>(E).mutableArgs()) F(A);
      return;
    case Expr::Kind::Unary:
      F(llvm::cast<UnaryExpr>(E).operandRef());
      return;
    case Expr::Kind::Binary:
      F(llvm::cast<BinaryExpr>(E).lhsRef());
      F(llvm::cast<BinaryExpr>(E).rhsRef());
      return;
    case Expr::Kind::List:
      for (Expr *&I : llvm::cast<ListExpr>(E).mutableItems()) F(I);
      return;
    case Expr::Kind::Compound:
      // Absent parts (no `else`, an open slice bound) stay null.
      for (Expr *&P : llvm::cast<CompoundExpr>(E).mutableParts())
        if (P) F(P);
      return;
  }
}

void printExpr(llvm::raw_ostream &OS, const Expr *E) {
  switch (E->kind()) {
    case Expr::Kind::Literal:
      printScalar(OS, llvm::cast<LiteralExpr>(E)->value());
      return;
    case Expr::Kind::Name:
      OS << llvm::cast<NameExpr>(E)->name();
      return;
    case Expr::Kind::Attr: {
      auto *A = llvm::cast<AttrExpr>(E);
      printSub(OS, A->base(), 10);
      OS << '.' << A->attr();
      return;
    }
    case Expr::Kind::Index: {
      auto *I = llvm::cast<IndexExpr>(E);
      printSub(OS, I->base(), 10);
      OS << '[';
      printExpr(OS, I->index());
      OS << ']';
      return;
    }
    case Expr::Kind::Filter: {
      auto *F = llvm::cast<FilterExpr>(E);
      if (F->isCall()) {
        OS << F->name() << '(';
        printList(OS, F->args(), F->argNames());
        OS << ')';
        return;
      }
      if (F->isMethod()) {
        printSub(OS, F->base(), 10);
        OS << '.' << F->name() << '(';
        printList(OS, F->args(), F->argNames());
        OS << ')';
        return;
      }
      printSub(OS, F->base(), 8);
      OS << (F->form() == FilterExpr::Form::Filter ? " | "
             : F->form() == FilterExpr::Form::Test ? " is "
                                                   : " is not ")
         << F->name();
      if (!F->args().empty()) {
        OS << '(';
        printList(OS, F->args(), F->argNames());
        OS << ')';
      }
      return;
    }
    case Expr::Kind::Unary: {
      auto *U = llvm::cast<UnaryExpr>(E);
      int P = precedence(E);
      OS << (U->op() == UnaryOp::Not ? "not " : U->op() == UnaryOp::Neg ? "-" : "+");
      printSub(OS, U->operand(), P);
      return;
    }
    case Expr::Kind::Binary: {
      auto *B = llvm::cast<BinaryExpr>(E);
      int P = precedence(E);
      // Left-associative: the right operand needs strictly higher binding.
      // Comparisons chain (`a < b < c`), so a comparison on the left of
      // another needs parentheses too.
      printSub(OS, B->lhs(), P == 4 ? P + 1 : P);
      OS << ' ' << binaryOpSpelling(B->op()) << ' ';
      printSub(OS, B->rhs(), P + 1);
      return;
    }
    case Expr::Kind::List:
      OS << '[';
      printList(OS, llvm::cast<ListExpr>(E)->items());
      OS << ']';
      return;
    case Expr::Kind::Compound:
      printCompound(OS, llvm::cast<CompoundExpr>(E));
      return;
  }
}

void dumpExprTree(llvm::raw_ostream &OS, const Expr *E) {
  switch (E->kind()) {
    case Expr::Kind::Literal:
      OS << "(lit ";
      printScalar(OS, llvm::cast<LiteralExpr>(E)->value());
      OS << ')';
      return;
    case Expr::Kind::Name:
      OS << "(name " << llvm::cast<NameExpr>(E)->name() << ')';
      return;
    case Expr::Kind::Attr: {
      auto *A = llvm::cast<AttrExpr>(E);
      OS << "(attr ";
      dumpExprTree(OS, A->base());
      OS << ' ' << A->attr() << ')';
      return;
    }
    case Expr::Kind::Index: {
      auto *I = llvm::cast<IndexExpr>(E);
      OS << "(index ";
      dumpExprTree(OS, I->base());
      OS << ' ';
      dumpExprTree(OS, I->index());
      OS << ')';
      return;
    }
    case Expr::Kind::Filter: {
      auto *F = llvm::cast<FilterExpr>(E);
      if (F->isCall()) {
        OS << "(call " << F->name();
        for (const Expr *A : F->args()) {
          OS << ' ';
          dumpExprTree(OS, A);
        }
        OS << ')';
        return;
      }
      OS << (F->form() == FilterExpr::Form::Filter   ? "(filter "
             : F->form() == FilterExpr::Form::Method ? "(method "
             : F->form() == FilterExpr::Form::Test   ? "(test "
                                                     : "(test-not ")
         << F->name() << ' ';
      dumpExprTree(OS, F->base());
      for (size_t I = 0; I != F->args().size(); ++I) {
        OS << ' ';
        if (!F->argName(I).empty()) OS << F->argName(I) << '=';
        dumpExprTree(OS, F->args()[I]);
      }
      OS << ')';
      return;
    }
    case Expr::Kind::Unary: {
      auto *U = llvm::cast<UnaryExpr>(E);
      OS << '('
         << (U->op() == UnaryOp::Not   ? "not"
             : U->op() == UnaryOp::Neg ? "neg"
                                       : "plus")
         << ' ';
      dumpExprTree(OS, U->operand());
      OS << ')';
      return;
    }
    case Expr::Kind::Binary: {
      auto *B = llvm::cast<BinaryExpr>(E);
      OS << '(' << binaryOpSpelling(B->op()) << ' ';
      dumpExprTree(OS, B->lhs());
      OS << ' ';
      dumpExprTree(OS, B->rhs());
      OS << ')';
      return;
    }
    case Expr::Kind::List:
      OS << "(list";
      for (Expr *I : llvm::cast<ListExpr>(E)->items()) {
        OS << ' ';
        dumpExprTree(OS, I);
      }
      OS << ')';
      return;
    case Expr::Kind::Compound: {
      auto *C = llvm::cast<CompoundExpr>(E);
      OS << '(' << compoundName(C->op());
      for (const Expr *P : C->parts()) {
        OS << ' ';
        if (P)
          dumpExprTree(OS, P);
        else
          OS << "_";
      }
      OS << ')';
      return;
    }
  }
}

}  // namespace orch::ir
