//===- ExprParser.cpp - ANTLR parse trees to ir::Expr ---------------------===//
#include "frontend/ExprParser.h"

#include <memory>

#include "TemplateExprLexer.h"
#include "TemplateExprParser.h"
#include "antlr4-runtime.h"
#include "frontend/Escapes.h"
#include "frontend/FastExprLexer.h"
#include "frontend/Literals.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"

namespace orch::frontend {

using grammar::TemplateExprLexer;
using grammar::TemplateExprParser;
using P = TemplateExprParser;

namespace {

/// Records the first syntax error the lexer or parser sees.
class FirstError : public antlr4::BaseErrorListener {
 public:
  bool Seen = false;
  size_t CharIndex = 0;
  std::string Message;

  void syntaxError(antlr4::Recognizer *, antlr4::Token *Tok, size_t, size_t CharPos,
                   const std::string &Msg, std::exception_ptr) override {
    if (Seen) return;
    Seen = true;
    CharIndex = Tok ? Tok->getStartIndex() : CharPos;
    Message = describe(Tok, Msg);
  }

 private:
  static std::string describe(antlr4::Token *Tok, const std::string &Msg) {
    if (!Tok) return "unexpected character";
    switch (Tok->getType()) {
      case antlr4::Token::EOF:
        return "unexpected end of expression";
      case TemplateExprLexer::UNTERMINATED_STRING:
        return "unterminated string literal";
      case TemplateExprLexer::BAD_CHAR:
        return fmt::format("unexpected character `{}`", Tok->getText());
      default:
        break;
    }
    llvm::StringRef M(Msg);
    // ANTLR: "missing ')' at 'x'" -> "expected `)` before `x`".
    if (M.consume_front("missing ")) {
      std::string What = M.split(" at ").first.str();
      if (What.size() > 2 && What.front() == '\'' && What.back() == '\'')
        What = "`" + What.substr(1, What.size() - 2) + "`";
      return fmt::format("expected {} before `{}`", What, Tok->getText());
    }
    return fmt::format("unexpected `{}`", Tok->getText());
  }
};

/// The structure of a parsed expression with token indexes in place of
/// text. The grammar has no predicates, so the parse of a token-type
/// sequence is always the same: a shape is cached by that sequence and
/// instantiated with each expression's own tokens. ANTLR parses each
/// distinct shape once; `steps.a.output` and `steps.b.output` share one.
/// An absent child or argument name in a shape.
constexpr uint32_t NoNode = ~0u;

struct ShapeNode {
  ir::Expr::Kind K;
  uint8_t Op = 0;          ///< UnaryOp, BinaryOp, FilterExpr::Form or CompoundOp.
  uint32_t First = 0;      ///< First token (location).
  uint32_t Last = 0;       ///< Last token (length).
  uint32_t Tok = 0;        ///< Name, attribute, filter or literal token.
  uint32_t A = 0, B = 0;   ///< Children (node indexes).
  uint32_t ArgsBegin = 0;  ///< Into Shape::Args, for filters, lists, compounds.
  uint32_t ArgsCount = 0;
};

struct Shape {
  std::vector<ShapeNode> Nodes;    ///< Children before parents.
  std::vector<uint32_t> Args;      ///< Node indexes, NoNode for an absent part.
  std::vector<uint32_t> ArgNames;  ///< Beside Args: a keyword's token, or NoNode.
  uint32_t Root = 0;
};

/// One lexer and parser per thread, reused across expressions.
struct Machinery {
  antlr4::ANTLRInputStream Input;
  TemplateExprLexer Lexer{&Input};
  antlr4::CommonTokenStream Tokens{&Lexer};
  TemplateExprParser Parser{&Tokens};
  FirstError Errors;
  /// Parsed shapes by token-type sequence (see Shape).
  llvm::StringMap<std::unique_ptr<Shape>> Shapes;
  std::vector<ExprToken> Fast;  ///< The fast lexer's tokens, reused.
  std::string Key;              ///< A shape key, reused.
  static constexpr size_t MaxShapes = 4096;

  Machinery() {
    Lexer.removeErrorListeners();
    Lexer.addErrorListener(&Errors);
    Parser.removeErrorListeners();
    Parser.addErrorListener(&Errors);
  }
};

Machinery &machinery() {
  thread_local Machinery M;
  return M;
}

/// Lexes \p Text with ANTLR into M.Tokens (for the parser) and returns the
/// tokens. May throw: callers catch.
std::vector<ExprToken> antlrLex(Machinery &M, llvm::StringRef Text) {
  M.Errors.Seen = false;
  M.Input.load(Text.str());
  M.Lexer.setInputStream(&M.Input);
  M.Tokens.setTokenSource(&M.Lexer);
  M.Tokens.fill();
  std::vector<ExprToken> Out;
  for (antlr4::Token *T : M.Tokens.getTokens())
    Out.push_back({static_cast<int>(T->getType()),
                   static_cast<uint32_t>(T->getStartIndex()),
                   static_cast<uint32_t>(T->getStopIndex())});
  return Out;
}

/// Builds a Shape from a successful parse tree.
class ShapeBuilder {
 public:
  Shape S;

  /// `a if c else b`; without `if`, the `or` expression.
  uint32_t expr(P::CondExprContext *C) {
    uint32_t Then = orExpr(C->orExpr(0));
    if (!C->KW_IF()) return Then;
    uint32_t Cond = orExpr(C->orExpr(1));
    uint32_t Else = C->condExpr() ? expr(C->condExpr()) : NoNode;
    ShapeNode N{ir::Expr::Kind::Compound};
    N.Op = static_cast<uint8_t>(ir::CompoundOp::Cond);
    N.First = S.Nodes[Then].First;
    N.Last = last(C);
    uint32_t Parts[] = {Then, Cond, Else};
    return list(ir::Expr::Kind::Compound, N, Parts);
  }

  uint32_t orExpr(P::OrExprContext *C) {
    uint32_t L = andExpr(C->andExpr(0));
    for (size_t I = 1, E = C->andExpr().size(); I < E; ++I)
      L = binary(ir::BinaryOp::Or, L, andExpr(C->andExpr(I)));
    return L;
  }

 private:
  static uint32_t first(antlr4::ParserRuleContext *C) {
    return static_cast<uint32_t>(C->getStart()->getTokenIndex());
  }
  static uint32_t last(antlr4::ParserRuleContext *C) {
    return static_cast<uint32_t>(C->getStop()->getTokenIndex());
  }

  uint32_t add(ShapeNode N) {
    S.Nodes.push_back(N);
    return static_cast<uint32_t>(S.Nodes.size() - 1);
  }

  uint32_t binary(ir::BinaryOp Op, uint32_t L, uint32_t R) {
    ShapeNode N{ir::Expr::Kind::Binary};
    N.Op = static_cast<uint8_t>(Op);
    N.First = S.Nodes[L].First;
    N.Last = S.Nodes[R].Last;
    N.A = L;
    N.B = R;
    return add(N);
  }

  uint32_t unary(antlr4::ParserRuleContext *C, ir::UnaryOp Op, uint32_t Operand) {
    ShapeNode N{ir::Expr::Kind::Unary};
    N.Op = static_cast<uint8_t>(Op);
    N.First = first(C);
    N.Last = last(C);
    N.A = Operand;
    return add(N);
  }

  uint32_t list(ir::Expr::Kind K, ShapeNode N, llvm::ArrayRef<uint32_t> Items,
                llvm::ArrayRef<uint32_t> Names = {}) {
    N.K = K;
    N.ArgsBegin = static_cast<uint32_t>(S.Args.size());
    N.ArgsCount = static_cast<uint32_t>(Items.size());
    S.Args.insert(S.Args.end(), Items.begin(), Items.end());
    for (size_t I = 0; I < Items.size(); ++I)
      S.ArgNames.push_back(I < Names.size() ? Names[I] : NoNode);
    return add(N);
  }

  /// The arguments of a filter or test, and their keywords' tokens.
  void arguments(P::ArgumentsContext *As, llvm::SmallVectorImpl<uint32_t> &Args,
                 llvm::SmallVectorImpl<uint32_t> &Names) {
    if (!As) return;
    for (P::ArgumentContext *X : As->argument()) {
      Args.push_back(expr(X->condExpr()));
      Names.push_back(
          X->IDENT() ? static_cast<uint32_t>(X->IDENT()->getSymbol()->getTokenIndex())
                     : NoNode);
    }
  }

  uint32_t andExpr(P::AndExprContext *C) {
    uint32_t L = notExpr(C->notExpr(0));
    for (size_t I = 1, E = C->notExpr().size(); I < E; ++I)
      L = binary(ir::BinaryOp::And, L, notExpr(C->notExpr(I)));
    return L;
  }

  uint32_t notExpr(P::NotExprContext *C) {
    if (auto *N = dynamic_cast<P::LogicalNotContext *>(C))
      return unary(C, ir::UnaryOp::Not, notExpr(N->notExpr()));
    return comparison(static_cast<P::NotPassThroughContext *>(C)->comparison());
  }

  /// `a < b < c` is Python's chained comparison: `a < b and b < c` (the
  /// middle operand is built twice; evaluation has no side effects).
  uint32_t comparison(P::ComparisonContext *C) {
    uint32_t L = additive(C->additive(0));
    for (size_t I = 1, E = C->additive().size(); I < E; ++I) {
      P::CompOpContext *Op = C->compOp(I - 1);
      ir::BinaryOp B = Op->EQ()       ? ir::BinaryOp::Eq
                       : Op->NE()     ? ir::BinaryOp::Ne
                       : Op->LT()     ? ir::BinaryOp::Lt
                       : Op->LE()     ? ir::BinaryOp::Le
                       : Op->GT()     ? ir::BinaryOp::Gt
                       : Op->GE()     ? ir::BinaryOp::Ge
                       : Op->KW_NOT() ? ir::BinaryOp::NotIn
                                      : ir::BinaryOp::In;
      if (I == 1) {
        L = binary(B, L, additive(C->additive(I)));
        continue;
      }
      uint32_t Link = binary(B, additive(C->additive(I - 1)), additive(C->additive(I)));
      L = binary(ir::BinaryOp::And, L, Link);
    }
    return L;
  }

  uint32_t additive(P::AdditiveContext *C) {
    uint32_t L = concat(C->concat(0));
    for (size_t I = 1, E = C->concat().size(); I < E; ++I)
      L = binary(C->addOp(I - 1)->PLUS() ? ir::BinaryOp::Add : ir::BinaryOp::Sub, L,
                 concat(C->concat(I)));
    return L;
  }

  uint32_t concat(P::ConcatContext *C) {
    uint32_t L = multiplicative(C->multiplicative(0));
    for (size_t I = 1, E = C->multiplicative().size(); I < E; ++I)
      L = binary(ir::BinaryOp::Concat, L, multiplicative(C->multiplicative(I)));
    return L;
  }

  uint32_t multiplicative(P::MultiplicativeContext *C) {
    uint32_t L = unaryExpr(C->unary(0));
    for (size_t I = 1, E = C->unary().size(); I < E; ++I) {
      P::MulOpContext *Op = C->mulOp(I - 1);
      ir::BinaryOp B = Op->STAR()    ? ir::BinaryOp::Mul
                       : Op->SLASH() ? ir::BinaryOp::Div
                                     : ir::BinaryOp::Mod;
      L = binary(B, L, unaryExpr(C->unary(I)));
    }
    return L;
  }

  uint32_t signedExpr(P::SignedOperandContext *C) {
    if (auto *N = dynamic_cast<P::NegateContext *>(C))
      return unary(C, ir::UnaryOp::Neg, signedExpr(N->signedOperand()));
    if (auto *N = dynamic_cast<P::UnaryPlusContext *>(C))
      return unary(C, ir::UnaryOp::Plus, signedExpr(N->signedOperand()));
    return postfix(static_cast<P::SignedPassThroughContext *>(C)->postfix());
  }

  /// Filters and tests apply left to right: `x | f is t` is `(x | f) is t`.
  uint32_t unaryExpr(P::UnaryContext *C) {
    uint32_t E = signedExpr(C->signedOperand());
    for (antlr4::tree::ParseTree *Child : C->children) {
      auto *F = dynamic_cast<P::FilterContext *>(Child);
      auto *Op = dynamic_cast<P::TestOpContext *>(Child);
      if (!F && !Op) continue;
      P::TestContext *Tst = Op ? Op->test() : nullptr;
      bool Not = Op && Op->KW_NOT();
      llvm::SmallVector<uint32_t, 4> Args, Names;
      arguments(F ? F->arguments() : Tst->arguments(), Args, Names);
      ShapeNode N{ir::Expr::Kind::Filter};
      N.First = S.Nodes[E].First;
      N.Last = last(F ? static_cast<antlr4::ParserRuleContext *>(F) : Tst);
      N.Tok = F ? static_cast<uint32_t>(F->IDENT()->getSymbol()->getTokenIndex())
                : first(Tst->testName());
      N.Op = static_cast<uint8_t>(F     ? ir::FilterExpr::Form::Filter
                                  : Not ? ir::FilterExpr::Form::NotTest
                                        : ir::FilterExpr::Form::Test);
      N.A = E;
      E = list(ir::Expr::Kind::Filter, N, Args, Names);
    }
    return E;
  }

  uint32_t postfix(P::PostfixContext *C) {
    uint32_t E = primary(C->primary());
    for (P::SuffixContext *Sfx : C->suffix()) {
      ShapeNode N{ir::Expr::Kind::Attr};
      N.First = S.Nodes[E].First;
      N.Last = last(Sfx);
      N.A = E;
      if (auto *At = dynamic_cast<P::AttrSuffixContext *>(Sfx)) {
        N.Tok = static_cast<uint32_t>(At->IDENT()->getSymbol()->getTokenIndex());
      } else if (auto *Me = dynamic_cast<P::MethodSuffixContext *>(Sfx)) {
        // A Python method call; the method table checks the name.
        llvm::SmallVector<uint32_t, 4> Args, Names;
        arguments(Me->arguments(), Args, Names);
        N.K = ir::Expr::Kind::Filter;
        N.Tok = static_cast<uint32_t>(Me->IDENT()->getSymbol()->getTokenIndex());
        N.Op = static_cast<uint8_t>(ir::FilterExpr::Form::Method);
        E = list(ir::Expr::Kind::Filter, N, Args, Names);
        continue;
      } else if (auto *AI = dynamic_cast<P::AttrIndexSuffixContext *>(Sfx)) {
        N.Tok = static_cast<uint32_t>(AI->INT()->getSymbol()->getTokenIndex());
      } else if (auto *Sl = dynamic_cast<P::SliceSuffixContext *>(Sfx)) {
        auto Opt = [&](P::CondExprContext *X) { return X ? expr(X) : NoNode; };
        uint32_t Parts[] = {E, Opt(Sl->lo), Opt(Sl->hi), Opt(Sl->st)};
        N.Op = static_cast<uint8_t>(ir::CompoundOp::Slice);
        E = list(ir::Expr::Kind::Compound, N, Parts);
        continue;
      } else {
        N.K = ir::Expr::Kind::Index;
        N.B = expr(static_cast<P::IndexSuffixContext *>(Sfx)->condExpr());
      }
      E = add(N);
    }
    return E;
  }

  uint32_t primary(P::PrimaryContext *C) {
    if (auto *L = dynamic_cast<P::LiteralPrimaryContext *>(C)) {
      ShapeNode N{ir::Expr::Kind::Literal};
      N.First = N.Last = N.Tok = first(L);
      return add(N);
    }
    if (auto *Ca = dynamic_cast<P::CallPrimaryContext *>(C)) {
      // A global function: the base is a null literal the instantiator
      // makes (NoNode here), never evaluated.
      llvm::SmallVector<uint32_t, 4> Args, Names;
      arguments(Ca->arguments(), Args, Names);
      ShapeNode N{ir::Expr::Kind::Filter};
      N.First = first(Ca);
      N.Last = last(Ca);
      N.Tok = static_cast<uint32_t>(Ca->IDENT()->getSymbol()->getTokenIndex());
      N.Op = static_cast<uint8_t>(ir::FilterExpr::Form::Call);
      N.A = NoNode;
      return list(ir::Expr::Kind::Filter, N, Args, Names);
    }
    if (auto *Nm = dynamic_cast<P::NamePrimaryContext *>(C)) {
      ShapeNode N{ir::Expr::Kind::Name};
      N.First = N.Last = N.Tok = first(Nm);
      return add(N);
    }
    if (auto *Pa = dynamic_cast<P::ParenPrimaryContext *>(C)) return expr(Pa->condExpr());
    llvm::SmallVector<uint32_t, 4> Items;
    ShapeNode N{ir::Expr::Kind::Compound};
    N.First = first(C);
    N.Last = last(C);
    if (auto *T = dynamic_cast<P::TuplePrimaryContext *>(C)) {
      for (P::CondExprContext *X : T->condExpr()) Items.push_back(expr(X));
      N.Op = static_cast<uint8_t>(ir::CompoundOp::Tuple);
      return list(ir::Expr::Kind::Compound, N, Items);
    }
    if (auto *D = dynamic_cast<P::DictPrimaryContext *>(C)) {
      for (P::PairContext *X : D->pair()) {
        Items.push_back(expr(X->condExpr(0)));
        Items.push_back(expr(X->condExpr(1)));
      }
      N.Op = static_cast<uint8_t>(ir::CompoundOp::Dict);
      return list(ir::Expr::Kind::Compound, N, Items);
    }
    auto *L = static_cast<P::ListPrimaryContext *>(C);
    for (P::CondExprContext *X : L->condExpr()) Items.push_back(expr(X));
    return list(ir::Expr::Kind::List, N, Items);
  }
};

/// Makes ir::Expr nodes from a shape and one expression's tokens.
class Instantiator {
 public:
  Instantiator(llvm::StringRef Text, llvm::ArrayRef<ExprToken> Toks,
               llvm::ArrayRef<uint32_t> Map, SourceLoc Fallback, ir::Arena &A)
      : Text(Text),
        Toks(Toks),
        Map(Map),
        Fallback(Fallback),
        A(A),
        Ascii(llvm::all_of(Text, [](char C) { return (unsigned char)C < 0x80; })) {}

  /// File location of a code-point index into Text.
  SourceLoc locOf(size_t CharIndex) const {
    if (Map.empty()) return Fallback;
    return SourceLoc(Map[std::min(byteOffset(CharIndex), Map.size() - 1)]);
  }

  ir::Expr *build(const Shape &S) {
    Built.assign(S.Nodes.size(), nullptr);
    for (size_t I = 0; I < S.Nodes.size(); ++I) Built[I] = node(S, S.Nodes[I]);
    return Built[S.Root];
  }

 private:
  size_t byteOffset(size_t CharIndex) const {
    if (Ascii) return std::min(CharIndex, Text.size());
    size_t Byte = 0;
    for (size_t Cp = 0; Cp < CharIndex && Byte < Text.size(); ++Cp) {
      unsigned char C = Text[Byte];
      Byte += C < 0x80 ? 1 : C < 0xE0 ? 2 : C < 0xF0 ? 3 : 4;
    }
    return std::min(Byte, Text.size());
  }

  llvm::StringRef textOf(uint32_t Tok) const {
    size_t B = byteOffset(Toks[Tok].Start);
    size_t E = byteOffset(Toks[Tok].Stop + 1);
    return Text.slice(B, E);
  }

  SourceLoc locOfTok(uint32_t Tok) const { return locOf(Toks[Tok].Start); }

  uint32_t span(uint32_t First, uint32_t Last) const {
    if (Map.empty()) return 1;
    size_t B = std::min(byteOffset(Toks[First].Start), Map.size() - 1);
    size_t E = std::min(byteOffset(Toks[Last].Stop + 1), Map.size() - 1);
    return Map[E] > Map[B] ? Map[E] - Map[B] : 1;
  }

  llvm::ArrayRef<ir::Expr *> args(const Shape &S, const ShapeNode &N) {
    llvm::SmallVector<ir::Expr *, 4> Out;
    for (uint32_t I = 0; I < N.ArgsCount; ++I) {
      uint32_t X = S.Args[N.ArgsBegin + I];
      Out.push_back(X == NoNode ? nullptr : Built[X]);
    }
    return A.copyArray<ir::Expr *>(Out);
  }

  /// The keywords of a filter's arguments; empty if all are positional.
  llvm::ArrayRef<llvm::StringRef> argNames(const Shape &S, const ShapeNode &N) {
    llvm::SmallVector<llvm::StringRef, 4> Out;
    bool Any = false;
    for (uint32_t I = 0; I < N.ArgsCount; ++I) {
      uint32_t T = S.ArgNames[N.ArgsBegin + I];
      Out.push_back(T == NoNode ? llvm::StringRef() : A.save(textOf(T)));
      Any |= T != NoNode;
    }
    if (!Any) return {};
    return A.copyArray<llvm::StringRef>(Out);
  }

  ir::Expr *node(const Shape &S, const ShapeNode &N) {
    SourceLoc L = locOfTok(N.First);
    uint32_t Len = span(N.First, N.Last);
    switch (N.K) {
      case ir::Expr::Kind::Literal:
        return literal(N.Tok, L, Len);
      case ir::Expr::Kind::Name:
        return A.create<ir::NameExpr>(L, Len, A.save(textOf(N.Tok)));
      case ir::Expr::Kind::Attr:
        return A.create<ir::AttrExpr>(L, Len, Built[N.A], A.save(textOf(N.Tok)),
                                      locOfTok(N.Tok));
      case ir::Expr::Kind::Index:
        return A.create<ir::IndexExpr>(L, Len, Built[N.A], Built[N.B]);
      case ir::Expr::Kind::Filter:
        return A.create<ir::FilterExpr>(
            L, Len,
            N.A == NoNode ? A.create<ir::LiteralExpr>(L, 0, ir::Scalar::null())
                          : Built[N.A],
            A.save(textOf(N.Tok)), locOfTok(N.Tok), args(S, N), argNames(S, N),
            static_cast<ir::FilterExpr::Form>(N.Op));
      case ir::Expr::Kind::Unary:
        return A.create<ir::UnaryExpr>(L, Len, static_cast<ir::UnaryOp>(N.Op),
                                       Built[N.A]);
      case ir::Expr::Kind::Binary:
        return A.create<ir::BinaryExpr>(L, Len, static_cast<ir::BinaryOp>(N.Op),
                                        Built[N.A], Built[N.B]);
      case ir::Expr::Kind::List:
        return A.create<ir::ListExpr>(L, Len, args(S, N));
      case ir::Expr::Kind::Compound:
        return A.create<ir::CompoundExpr>(L, Len, static_cast<ir::CompoundOp>(N.Op),
                                          args(S, N));
    }
    return nullptr;
  }

  ir::Expr *literal(uint32_t Tok, SourceLoc L, uint32_t Len) {
    llvm::StringRef T = textOf(Tok);
    ir::Scalar V;
    switch (Toks[Tok].Type) {
      case TemplateExprLexer::KW_TRUE:
        V = ir::Scalar::boolean(true);
        break;
      case TemplateExprLexer::KW_FALSE:
        V = ir::Scalar::boolean(false);
        break;
      case TemplateExprLexer::KW_NULL:
        V = ir::Scalar::null();
        break;
      case TemplateExprLexer::INT: {
        int64_t I = 0;
        if (T.getAsInteger(10, I))
          V = ir::Scalar::real(std::strtod(T.str().c_str(), nullptr));  // too big
        else
          V = ir::Scalar::integer(I);
        break;
      }
      case TemplateExprLexer::FLOAT:
        V = ir::Scalar::real(std::strtod(T.str().c_str(), nullptr));
        break;
      default:
        V = ir::Scalar::string(A.save(unescape(T)));
        break;
    }
    return A.create<ir::LiteralExpr>(L, Len, V);
  }

  /// The value of a string token (checkLiterals accepted it).
  static std::string unescape(llvm::StringRef Quoted) {
    std::string Out, Error;
    decodeStringLiteral(Quoted.drop_front().drop_back(), Out, Error);
    return Out;
  }

  /// Jinja2's rules for number and string literals (Literals.h): returns
  /// false with the first offending token's index and why.
 public:
  bool checkLiterals(size_t &BadIndex, std::string &Error) const {
    for (uint32_t I = 0; I < Toks.size(); ++I) {
      int Ty = Toks[I].Type;
      bool Ok = true;
      if (Ty == TemplateExprLexer::INT) {
        Ok = checkIntLiteral(textOf(I), Error);
      } else if (Ty == TemplateExprLexer::FLOAT) {
        Ok = checkFloatLiteral(textOf(I), Error);
      } else if (Ty == TemplateExprLexer::STRING) {
        std::string Out;
        Ok = decodeStringLiteral(textOf(I).drop_front().drop_back(), Out, Error);
      }
      if (!Ok) {
        BadIndex = Toks[I].Start;
        return false;
      }
    }
    return true;
  }

 private:
  llvm::StringRef Text;
  llvm::ArrayRef<ExprToken> Toks;
  llvm::ArrayRef<uint32_t> Map;
  SourceLoc Fallback;
  ir::Arena &A;
  bool Ascii;
  std::vector<ir::Expr *> Built;

 public:
  /// The byte offset in Text where token \p Tok starts.
  size_t tokenByte(uint32_t Tok) const { return byteOffset(Toks[Tok].Start); }
  /// Where token \p Tok starts, and its text.
  SourceLoc tokenLoc(uint32_t Tok) const { return locOfTok(Tok); }
  llvm::StringRef tokenText(uint32_t Tok) const { return textOf(Tok); }
};

/// Rejects expressions whose nesting would recurse too deeply in the parser:
/// brackets, and runs of prefix operators (`not not not ...`, `- - -x`).
bool checkNesting(llvm::ArrayRef<ExprToken> Toks, unsigned Max, size_t &BadIndex) {
  unsigned Depth = 0, Prefix = 0;
  bool PrevIsOperand = false;
  for (const ExprToken &T : Toks) {
    int Ty = T.Type;
    bool IsPrefix = !PrevIsOperand &&
                    (Ty == TemplateExprLexer::KW_NOT || Ty == TemplateExprLexer::MINUS ||
                     Ty == TemplateExprLexer::PLUS);
    Prefix = IsPrefix ? Prefix + 1 : 0;
    if (Ty == TemplateExprLexer::LPAREN || Ty == TemplateExprLexer::LBRACK ||
        Ty == TemplateExprLexer::LBRACE)
      ++Depth;
    else if ((Ty == TemplateExprLexer::RPAREN || Ty == TemplateExprLexer::RBRACK ||
              Ty == TemplateExprLexer::RBRACE) &&
             Depth)
      --Depth;
    if (Depth + Prefix > Max) {
      BadIndex = T.Start;
      return false;
    }
    PrevIsOperand = Ty == TemplateExprLexer::IDENT || Ty == TemplateExprLexer::INT ||
                    Ty == TemplateExprLexer::FLOAT || Ty == TemplateExprLexer::STRING ||
                    Ty == TemplateExprLexer::RPAREN || Ty == TemplateExprLexer::RBRACK ||
                    Ty == TemplateExprLexer::RBRACE || Ty == TemplateExprLexer::KW_TRUE ||
                    Ty == TemplateExprLexer::KW_FALSE || Ty == TemplateExprLexer::KW_NULL;
  }
  return true;
}

}  // namespace

std::vector<ExprToken> antlrLexExpr(llvm::StringRef Text) {
  try {
    return antlrLex(machinery(), Text);
  } catch (const std::exception &) {
    return {};
  }
}

std::optional<StatementHead> parseStatementHead(bool IsFor, llvm::StringRef Text,
                                                llvm::ArrayRef<uint32_t> RawOffsets,
                                                SourceLoc Fallback, ir::Arena &A,
                                                DiagnosticEngine &Diags) {
  Machinery &M = machinery();
  try {
    std::vector<ExprToken> Toks = antlrLex(M, Text);
    Instantiator Inst(Text, Toks, RawOffsets, Fallback, A);
    M.Parser.setTokenStream(&M.Tokens);  // also resets the parser
    antlr4::ParserRuleContext *Tree =
        IsFor ? static_cast<antlr4::ParserRuleContext *>(M.Parser.forHead())
              : static_cast<antlr4::ParserRuleContext *>(M.Parser.setHead());
    if (M.Errors.Seen) {
      Diags.report(DiagKind::TemplateSyntax, Inst.locOf(M.Errors.CharIndex), 1,
                   M.Errors.Message);
      return std::nullopt;
    }
    StatementHead H;
    std::vector<antlr4::tree::TerminalNode *> Ids =
        IsFor ? static_cast<P::ForHeadContext *>(Tree)->IDENT()
              : std::vector<antlr4::tree::TerminalNode *>{
                    static_cast<P::SetHeadContext *>(Tree)->IDENT()};
    for (antlr4::tree::TerminalNode *Id : Ids) {
      auto Tok = static_cast<uint32_t>(Id->getSymbol()->getTokenIndex());
      // Jinja2: "Can't assign to special loop variable".
      if (Inst.tokenText(Tok) == "loop") {
        Diags.report(DiagKind::TemplateSyntax, Inst.tokenLoc(Tok), 4,
                     "`loop` is the loop's own variable; it cannot be assigned");
        return std::nullopt;
      }
      H.Names.push_back({A.save(Inst.tokenText(Tok)), Inst.tokenLoc(Tok)});
    }
    if (IsFor && Ids.size() == 1) {
      // `for x, in xs`: Jinja2 refuses a one-name tuple target.
      std::vector<antlr4::tree::TerminalNode *> Commas =
          static_cast<P::ForHeadContext *>(Tree)->COMMA();
      if (!Commas.empty()) {
        auto Tok = static_cast<uint32_t>(Commas.front()->getSymbol()->getTokenIndex());
        Diags.report(DiagKind::TemplateSyntax, Inst.tokenLoc(Tok), 1,
                     "a one-name loop target takes no trailing comma");
        return std::nullopt;
      }
    }
    auto Next = static_cast<uint32_t>(Tree->getStop()->getTokenIndex() + 1);
    H.ExprStart =
        Next < Toks.size() && Toks[Next].Type >= 0 ? Inst.tokenByte(Next) : Text.size();
    return H;
  } catch (const std::exception &E) {
    Diags.report(DiagKind::TemplateSyntax, Fallback, 1,
                 fmt::format("cannot parse statement: {}", E.what()));
    return std::nullopt;
  }
}

ir::Expr *parseExpression(llvm::StringRef Text, SourceLoc Base, SourceLoc Fallback,
                          ir::Arena &A, DiagnosticEngine &Diags,
                          const ExprLimits &Limits) {
  std::vector<uint32_t> Map;
  if (Base.isValid())
    for (uint32_t I = 0; I <= Text.size(); ++I) Map.push_back(Base.Offset + I);
  return parseExpression(Text, Map, Fallback, A, Diags, Limits);
}

ir::Expr *parseExpression(llvm::StringRef Text, llvm::ArrayRef<uint32_t> RawOffsets,
                          SourceLoc Fallback, ir::Arena &A, DiagnosticEngine &Diags,
                          const ExprLimits &Limits) {
  Machinery &M = machinery();
  Instantiator Loc(Text, {}, RawOffsets, Fallback, A);
  if (Text.size() > Limits.MaxLength) {
    Diags.report(DiagKind::TemplateSyntax, Loc.locOf(0), 2,
                 fmt::format("expression is {} bytes long; the limit is {}", Text.size(),
                             Limits.MaxLength));
    return nullptr;
  }
  // The key of a shape: the token types, one byte each.
  auto KeyOf = [&](llvm::ArrayRef<ExprToken> Toks) {
    M.Key.clear();
    for (const ExprToken &T : Toks) M.Key += static_cast<char>(T.Type & 0x7f);
    return llvm::StringRef(M.Key);
  };
  auto TooDeep = [&](llvm::ArrayRef<ExprToken> Toks) {
    size_t BadIndex = 0;
    if (checkNesting(Toks, Limits.MaxNesting, BadIndex)) return false;
    Diags.report(
        DiagKind::TemplateSyntax, Loc.locOf(BadIndex), 1,
        fmt::format("expression nests deeper than {} levels", Limits.MaxNesting));
    return true;
  };
  // Every instance's literals follow Jinja2's rules, also when its shape
  // is cached (the shape does not hold the literals' text).
  auto BadLiteral = [&](const Instantiator &Inst) {
    size_t BadIndex = 0;
    std::string LiteralError;
    if (Inst.checkLiterals(BadIndex, LiteralError)) return false;
    Diags.report(DiagKind::TemplateSyntax, Loc.locOf(BadIndex), 1, LiteralError);
    return true;
  };
  // The fast path: the hand-written lexer and a shape seen before.
  if (fastLexExpr(Text, M.Fast)) {
    if (TooDeep(M.Fast)) return nullptr;
    auto Cached = M.Shapes.find(KeyOf(M.Fast));
    if (Cached != M.Shapes.end()) {
      Instantiator Inst(Text, M.Fast, RawOffsets, Fallback, A);
      if (BadLiteral(Inst)) return nullptr;
      return Inst.build(*Cached->second);
    }
  }
  try {
    std::vector<ExprToken> Toks = antlrLex(M, Text);
    if (TooDeep(Toks)) return nullptr;
    std::string Key = KeyOf(Toks).str();
    Instantiator Inst(Text, Toks, RawOffsets, Fallback, A);
    if (BadLiteral(Inst)) return nullptr;
    auto Cached = M.Shapes.find(Key);
    if (Cached != M.Shapes.end()) return Inst.build(*Cached->second);

    M.Parser.setTokenStream(&M.Tokens);  // also resets the parser
    P::ExpressionContext *Tree = M.Parser.expression();
    if (M.Errors.Seen) {
      Diags.report(DiagKind::TemplateSyntax, Loc.locOf(M.Errors.CharIndex), 1,
                   M.Errors.Message);
      return nullptr;
    }
    ShapeBuilder SB;
    SB.S.Root = SB.expr(Tree->condExpr());
    auto Sh = std::make_unique<Shape>(std::move(SB.S));
    ir::Expr *E = Inst.build(*Sh);
    if (M.Shapes.size() < Machinery::MaxShapes) M.Shapes.try_emplace(Key, std::move(Sh));
    return E;
  } catch (const std::exception &E) {
    Diags.report(DiagKind::TemplateSyntax, Loc.locOf(0), 1,
                 fmt::format("cannot parse expression: {}", E.what()));
    return nullptr;
  }
}

}  // namespace orch::frontend
