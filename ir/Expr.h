//===- Expr.h - Template expression trees ----------------------*- C++ -*-===//
//
// The compiled form of the expression inside `{{ ... }}`. Nodes live in the
// Context's bump allocator and are trivially destructible; use llvm::isa /
// llvm::dyn_cast on them.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>

#include "ir/SourceFile.h"
#include "ir/Type.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

namespace orch::ir {

/// A constant: null, bool, int, float or string.
struct Scalar {
  Type Ty = Type::Null;
  bool B = false;
  int64_t I = 0;
  double F = 0;
  llvm::StringRef S;

  static Scalar null() { return {}; }
  static Scalar boolean(bool V) { return {Type::Bool, V, 0, 0, {}}; }
  static Scalar integer(int64_t V) { return {Type::Int, false, V, 0, {}}; }
  static Scalar real(double V) { return {Type::Float, false, 0, V, {}}; }
  static Scalar string(llvm::StringRef V) { return {Type::String, false, 0, 0, V}; }
};

/// Prints \p D in its shortest round-trip form, always with a `.` or exponent.
void printNumber(llvm::raw_ostream &OS, double D);

/// Prints \p S as a literal (strings quoted and escaped).
void printScalar(llvm::raw_ostream &OS, const Scalar &S);

/// What a name at the root of an expression refers to, once resolved.
enum class RefKind : uint8_t { Unresolved, Input, Step };

/// Base class of every expression node.
class Expr {
 public:
  enum class Kind : uint8_t {
    Literal,
    Name,
    Attr,
    Index,
    Filter,
    Unary,
    Binary,
    List,
    Compound
  };

  Kind kind() const { return K; }
  /// Location of the node's first character.
  SourceLoc loc() const { return Loc; }
  /// Source length of the node's text, for carets.
  uint32_t length() const { return Len; }
  /// Static type, set by name resolution (Any before).
  Type type() const { return Ty; }
  void setType(Type T) { Ty = T; }

 protected:
  Expr(Kind K, SourceLoc Loc, uint32_t Len) : K(K), Loc(Loc), Len(Len) {}

 private:
  Kind K;
  Type Ty = Type::Any;
  SourceLoc Loc;
  uint32_t Len;
};

/// `42`, `"text"`, `true`, `null`.
class LiteralExpr : public Expr {
 public:
  LiteralExpr(SourceLoc L, uint32_t Len, Scalar V)
      : Expr(Kind::Literal, L, Len), Value(V) {
    setType(V.Ty);
  }
  const Scalar &value() const { return Value; }
  static bool classof(const Expr *E) { return E->kind() == Kind::Literal; }

 private:
  Scalar Value;
};

/// A bare name: `topic`, `steps`, or a step id in short form.
class NameExpr : public Expr {
 public:
  NameExpr(SourceLoc L, uint32_t Len, llvm::StringRef N)
      : Expr(Kind::Name, L, Len), Name(N) {}
  llvm::StringRef name() const { return Name; }
  /// For name resolution's rewrites (`parameters` -> `inputs`).
  void setName(llvm::StringRef N) { Name = N; }
  static bool classof(const Expr *E) { return E->kind() == Kind::Name; }

 private:
  llvm::StringRef Name;
};

/// `base.attr`; also `base.0`. After resolution, the chain that names a
/// step or input is marked with what it refers to.
class AttrExpr : public Expr {
 public:
  AttrExpr(SourceLoc L, uint32_t Len, Expr *Base, llvm::StringRef A, SourceLoc AttrLoc)
      : Expr(Kind::Attr, L, Len), Base(Base), Attr(A), AttrLoc(AttrLoc) {}
  Expr *base() const { return Base; }
  llvm::StringRef attr() const { return Attr; }
  SourceLoc attrLoc() const { return AttrLoc; }
  /// For name resolution's rewrites (`x.result.content` -> `x.output`).
  void setAttr(llvm::StringRef A) { Attr = A; }
  Expr *&baseRef() { return Base; }
  static bool classof(const Expr *E) { return E->kind() == Kind::Attr; }

 private:
  Expr *Base;
  llvm::StringRef Attr;
  SourceLoc AttrLoc;
};

/// `base[index]`.
class IndexExpr : public Expr {
 public:
  IndexExpr(SourceLoc L, uint32_t Len, Expr *Base, Expr *Index)
      : Expr(Kind::Index, L, Len), Base(Base), Index(Index) {}
  Expr *base() const { return Base; }
  Expr *index() const { return Index; }
  Expr *&baseRef() { return Base; }
  Expr *&indexRef() { return Index; }
  static bool classof(const Expr *E) { return E->kind() == Kind::Index; }

 private:
  Expr *Base;
  Expr *Index;
};

/// `base | name(args...)`, or a test: `base is name(args...)`, `base is not
/// name`, or a Python method call: `base.name(args...)` (Methods.h), or a
/// call of one of Jinja's global functions: `name(args...)` (Functions.h;
/// its base is a null literal, never evaluated).
/// Keyword arguments (`indent=2`) follow the positional ones.
class FilterExpr : public Expr {
 public:
  /// How the node applies its name.
  enum class Form : uint8_t { Filter, Test, NotTest, Method, Call };

  FilterExpr(SourceLoc L, uint32_t Len, Expr *Base, llvm::StringRef N, SourceLoc NameLoc,
             llvm::ArrayRef<Expr *> Args, llvm::ArrayRef<llvm::StringRef> ArgNames = {},
             Form F = Form::Filter)
      : Expr(Kind::Filter, L, Len),
        Base(Base),
        Name(N),
        NameLoc(NameLoc),
        Args(Args),
        ArgNames(ArgNames),
        F(F) {}
  Expr *base() const { return Base; }
  llvm::StringRef name() const { return Name; }
  SourceLoc nameLoc() const { return NameLoc; }
  llvm::ArrayRef<Expr *> args() const { return Args; }
  Expr *&baseRef() { return Base; }
  /// The arena's storage is writable.
  llvm::MutableArrayRef<Expr *> mutableArgs() {
    return {const_cast<Expr **>(Args.data()), Args.size()};
  }
  /// The keyword of each argument ("" for a positional one); empty if
  /// every argument is positional.
  llvm::ArrayRef<llvm::StringRef> argNames() const { return ArgNames; }
  /// The keyword of argument \p I, or "".
  llvm::StringRef argName(size_t I) const {
    return I < ArgNames.size() ? ArgNames[I] : llvm::StringRef();
  }
  Form form() const { return F; }
  bool isTest() const { return F == Form::Test || F == Form::NotTest; }
  bool isMethod() const { return F == Form::Method; }
  bool isCall() const { return F == Form::Call; }
  static bool classof(const Expr *E) { return E->kind() == Kind::Filter; }

 private:
  Expr *Base;
  llvm::StringRef Name;
  SourceLoc NameLoc;
  llvm::ArrayRef<Expr *> Args;
  llvm::ArrayRef<llvm::StringRef> ArgNames;
  Form F;
};

/// Unary operators.
enum class UnaryOp : uint8_t { Not, Neg, Plus };

/// `not x`, `-x`, `+x`.
class UnaryExpr : public Expr {
 public:
  UnaryExpr(SourceLoc L, uint32_t Len, UnaryOp Op, Expr *Operand)
      : Expr(Kind::Unary, L, Len), Op(Op), Operand(Operand) {}
  UnaryOp op() const { return Op; }
  Expr *operand() const { return Operand; }
  Expr *&operandRef() { return Operand; }
  static bool classof(const Expr *E) { return E->kind() == Kind::Unary; }

 private:
  UnaryOp Op;
  Expr *Operand;
};

/// Binary operators, loosest first.
enum class BinaryOp : uint8_t {
  Or,
  And,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  In,
  NotIn,
  Concat,
  Add,
  Sub,
  Mul,
  Div,
  Mod
};

/// The spelling of \p Op.
llvm::StringRef binaryOpSpelling(BinaryOp Op);

/// `a op b`.
class BinaryExpr : public Expr {
 public:
  BinaryExpr(SourceLoc L, uint32_t Len, BinaryOp Op, Expr *LHS, Expr *RHS)
      : Expr(Kind::Binary, L, Len), Op(Op), LHS(LHS), RHS(RHS) {}
  BinaryOp op() const { return Op; }
  Expr *lhs() const { return LHS; }
  Expr *rhs() const { return RHS; }
  Expr *&lhsRef() { return LHS; }
  Expr *&rhsRef() { return RHS; }
  static bool classof(const Expr *E) { return E->kind() == Kind::Binary; }

 private:
  BinaryOp Op;
  Expr *LHS;
  Expr *RHS;
};

/// `[a, b, c]`.
class ListExpr : public Expr {
 public:
  ListExpr(SourceLoc L, uint32_t Len, llvm::ArrayRef<Expr *> Items)
      : Expr(Kind::List, L, Len), Items(Items) {}
  llvm::ArrayRef<Expr *> items() const { return Items; }
  /// The arena's storage is writable.
  llvm::MutableArrayRef<Expr *> mutableItems() {
    return {const_cast<Expr **>(Items.data()), Items.size()};
  }
  static bool classof(const Expr *E) { return E->kind() == Kind::List; }

 private:
  llvm::ArrayRef<Expr *> Items;
};

/// Calls \p F on a reference to each direct operand of \p E, in source
/// order, so a pass can replace one.
void forEachOperandRef(Expr &E, llvm::function_ref<void(Expr *&)> F);
/// What a CompoundExpr is.
enum class CompoundOp : uint8_t {
  Cond,   ///< `a if c else b`: parts {a, c, b}; b is null without `else`.
  Slice,  ///< `x[lo:hi:step]`: parts {x, lo, hi, step}; missing ones null.
  Dict,   ///< `{k: v, ...}`: parts {k0, v0, k1, v1, ...}.
  Tuple,  ///< `(a, b)`: parts are the items.
  /// Template text with statements: parts are the pieces, in order; each
  /// renders with Python's str() (text pieces are string literals).
  Block,
  /// `{% for t1, t2 in it if cond %}body{% else %}empty{% endfor %}`:
  /// parts {it, body, empty (null without `else`), cond (null without a
  /// loop filter), t1, t2, ...}, each target a string literal naming a
  /// variable bound in cond and body (body also has `loop`).
  For,
  /// `{% set name = value %}rest`: parts {value, rest, name (a string
  /// literal)}; name is bound in rest (the remainder of its block).
  Let
};

/// The part of a CompoundOp::For that holds its first target name.
constexpr size_t ForFirstName = 4;

/// The number of CompoundOp values (for readers that check them).
constexpr unsigned NumCompoundOps = 7;

/// True if \p E is a template statement (a Block, For or Let, or an `if`
/// statement: a Cond over Blocks); such an expression renders to a string.
bool isStatement(const Expr *E);

/// An expression of several parts, some optional (null).
class CompoundExpr : public Expr {
 public:
  CompoundExpr(SourceLoc L, uint32_t Len, CompoundOp Op, llvm::ArrayRef<Expr *> Parts)
      : Expr(Kind::Compound, L, Len), Op(Op), Parts(Parts) {}
  CompoundOp op() const { return Op; }
  llvm::ArrayRef<Expr *> parts() const { return Parts; }
  /// The arena's storage is writable.
  llvm::MutableArrayRef<Expr *> mutableParts() {
    return {const_cast<Expr **>(Parts.data()), Parts.size()};
  }
  /// Part \p I, or null if absent.
  Expr *part(size_t I) const { return I < Parts.size() ? Parts[I] : nullptr; }
  static bool classof(const Expr *E) { return E->kind() == Kind::Compound; }

 private:
  CompoundOp Op;
  llvm::ArrayRef<Expr *> Parts;
};

/// Prints \p E in normalized source form (`steps.a.output | upper`), fully
/// parenthesized where precedence needs it.
void printExpr(llvm::raw_ostream &OS, const Expr *E);

/// Prints \p E as an S-expression, the `--emit=ast` form.
void dumpExprTree(llvm::raw_ostream &OS, const Expr *E);

}  // namespace orch::ir
