//===- ExprParser.cpp - ANTLR parse trees to ir::Expr ---------------------===//
#include "frontend/ExprParser.h"

#include <memory>

#include "TemplateExprLexer.h"
#include "TemplateExprParser.h"
#include "antlr4-runtime.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"

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

/// One lexer and parser per thread, reused across expressions.
struct Machinery {
  antlr4::ANTLRInputStream Input;
  TemplateExprLexer Lexer{&Input};
  antlr4::CommonTokenStream Tokens{&Lexer};
  TemplateExprParser Parser{&Tokens};
  FirstError Errors;

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

/// Builds ir::Expr nodes from a successful parse tree.
class Converter {
 public:
  Converter(llvm::StringRef Text, SourceLoc Base, SourceLoc Fallback, ir::Arena &A)
      : Text(Text),
        Base(Base),
        Fallback(Fallback),
        A(A),
        Ascii(llvm::all_of(Text, [](char C) { return (unsigned char)C < 0x80; })) {}

  /// File location of a code-point index into Text.
  SourceLoc locOf(size_t CharIndex) const {
    if (!Base.isValid()) return Fallback;
    return SourceLoc(Base.Offset + static_cast<uint32_t>(byteOffset(CharIndex)));
  }

  ir::Expr *expr(P::OrExprContext *C) {
    ir::Expr *L = andExpr(C->andExpr(0));
    for (size_t I = 1, E = C->andExpr().size(); I < E; ++I)
      L = binary(C, ir::BinaryOp::Or, L, andExpr(C->andExpr(I)));
    return L;
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

  SourceLoc startOf(antlr4::ParserRuleContext *C) const {
    return locOf(C->getStart()->getStartIndex());
  }
  uint32_t lengthOf(antlr4::ParserRuleContext *C) const {
    if (!Base.isValid()) return 1;
    size_t B = byteOffset(C->getStart()->getStartIndex());
    size_t E = byteOffset(C->getStop()->getStopIndex() + 1);
    return static_cast<uint32_t>(E > B ? E - B : 1);
  }
  uint32_t tokenLength(antlr4::Token *T) const {
    if (!Base.isValid()) return 1;
    return static_cast<uint32_t>(byteOffset(T->getStopIndex() + 1) -
                                 byteOffset(T->getStartIndex()));
  }

  ir::Expr *binary(antlr4::ParserRuleContext *C, ir::BinaryOp Op, ir::Expr *L,
                   ir::Expr *R) {
    uint32_t Len = 1;
    if (Base.isValid() && L->loc().isValid() && R->loc().isValid())
      Len = R->loc().Offset + R->length() - L->loc().Offset;
    return A.create<ir::BinaryExpr>(L->loc(), Len, Op, L, R);
  }

  ir::Expr *andExpr(P::AndExprContext *C) {
    ir::Expr *L = notExpr(C->notExpr(0));
    for (size_t I = 1, E = C->notExpr().size(); I < E; ++I)
      L = binary(C, ir::BinaryOp::And, L, notExpr(C->notExpr(I)));
    return L;
  }

  ir::Expr *notExpr(P::NotExprContext *C) {
    if (auto *N = dynamic_cast<P::LogicalNotContext *>(C))
      return A.create<ir::UnaryExpr>(startOf(C), lengthOf(C), ir::UnaryOp::Not,
                                     notExpr(N->notExpr()));
    return comparison(static_cast<P::NotPassThroughContext *>(C)->comparison());
  }

  ir::Expr *comparison(P::ComparisonContext *C) {
    ir::Expr *L = concat(C->concat(0));
    for (size_t I = 1, E = C->concat().size(); I < E; ++I) {
      P::CompOpContext *Op = C->compOp(I - 1);
      ir::BinaryOp B = Op->EQ()       ? ir::BinaryOp::Eq
                       : Op->NE()     ? ir::BinaryOp::Ne
                       : Op->LT()     ? ir::BinaryOp::Lt
                       : Op->LE()     ? ir::BinaryOp::Le
                       : Op->GT()     ? ir::BinaryOp::Gt
                       : Op->GE()     ? ir::BinaryOp::Ge
                       : Op->KW_NOT() ? ir::BinaryOp::NotIn
                                      : ir::BinaryOp::In;
      L = binary(C, B, L, concat(C->concat(I)));
    }
    return L;
  }

  ir::Expr *concat(P::ConcatContext *C) {
    ir::Expr *L = additive(C->additive(0));
    for (size_t I = 1, E = C->additive().size(); I < E; ++I)
      L = binary(C, ir::BinaryOp::Concat, L, additive(C->additive(I)));
    return L;
  }

  ir::Expr *additive(P::AdditiveContext *C) {
    ir::Expr *L = multiplicative(C->multiplicative(0));
    for (size_t I = 1, E = C->multiplicative().size(); I < E; ++I)
      L = binary(C, C->addOp(I - 1)->PLUS() ? ir::BinaryOp::Add : ir::BinaryOp::Sub, L,
                 multiplicative(C->multiplicative(I)));
    return L;
  }

  ir::Expr *multiplicative(P::MultiplicativeContext *C) {
    ir::Expr *L = unary(C->unary(0));
    for (size_t I = 1, E = C->unary().size(); I < E; ++I) {
      P::MulOpContext *Op = C->mulOp(I - 1);
      ir::BinaryOp B = Op->STAR()    ? ir::BinaryOp::Mul
                       : Op->SLASH() ? ir::BinaryOp::Div
                                     : ir::BinaryOp::Mod;
      L = binary(C, B, L, unary(C->unary(I)));
    }
    return L;
  }

  ir::Expr *unary(P::UnaryContext *C) {
    if (auto *N = dynamic_cast<P::NegateContext *>(C))
      return A.create<ir::UnaryExpr>(startOf(C), lengthOf(C), ir::UnaryOp::Neg,
                                     unary(N->unary()));
    if (auto *N = dynamic_cast<P::UnaryPlusContext *>(C))
      return A.create<ir::UnaryExpr>(startOf(C), lengthOf(C), ir::UnaryOp::Plus,
                                     unary(N->unary()));
    return filtered(static_cast<P::UnaryPassThroughContext *>(C)->filtered());
  }

  ir::Expr *filtered(P::FilteredContext *C) {
    ir::Expr *E = postfix(C->postfix());
    for (P::FilterContext *F : C->filter()) {
      llvm::SmallVector<ir::Expr *, 4> Args;
      if (P::ArgumentsContext *As = F->arguments())
        for (P::OrExprContext *X : As->orExpr()) Args.push_back(expr(X));
      antlr4::Token *Name = F->IDENT()->getSymbol();
      uint32_t Len = 1;
      if (Base.isValid() && E->loc().isValid())
        Len = locOf(F->getStop()->getStopIndex() + 1).Offset - E->loc().Offset;
      E = A.create<ir::FilterExpr>(E->loc(), Len, E, A.save(Name->getText()),
                                   locOf(Name->getStartIndex()),
                                   A.copyArray<ir::Expr *>(Args));
    }
    return E;
  }

  ir::Expr *postfix(P::PostfixContext *C) {
    ir::Expr *E = primary(C->primary());
    for (P::SuffixContext *S : C->suffix()) {
      uint32_t Len = 1;
      if (Base.isValid() && E->loc().isValid())
        Len = locOf(S->getStop()->getStopIndex() + 1).Offset - E->loc().Offset;
      if (auto *At = dynamic_cast<P::AttrSuffixContext *>(S)) {
        antlr4::Token *T = At->IDENT()->getSymbol();
        E = A.create<ir::AttrExpr>(E->loc(), Len, E, A.save(T->getText()),
                                   locOf(T->getStartIndex()));
      } else if (auto *AI = dynamic_cast<P::AttrIndexSuffixContext *>(S)) {
        antlr4::Token *T = AI->INT()->getSymbol();
        E = A.create<ir::AttrExpr>(E->loc(), Len, E, A.save(T->getText()),
                                   locOf(T->getStartIndex()));
      } else {
        auto *Ix = static_cast<P::IndexSuffixContext *>(S);
        E = A.create<ir::IndexExpr>(E->loc(), Len, E, expr(Ix->orExpr()));
      }
    }
    return E;
  }

  ir::Expr *primary(P::PrimaryContext *C) {
    if (auto *L = dynamic_cast<P::LiteralPrimaryContext *>(C))
      return literal(L->literal());
    if (auto *N = dynamic_cast<P::NamePrimaryContext *>(C)) {
      antlr4::Token *T = N->IDENT()->getSymbol();
      return A.create<ir::NameExpr>(locOf(T->getStartIndex()), tokenLength(T),
                                    A.save(T->getText()));
    }
    if (auto *Pa = dynamic_cast<P::ParenPrimaryContext *>(C)) return expr(Pa->orExpr());
    auto *L = static_cast<P::ListPrimaryContext *>(C);
    llvm::SmallVector<ir::Expr *, 4> Items;
    for (P::OrExprContext *X : L->orExpr()) Items.push_back(expr(X));
    return A.create<ir::ListExpr>(startOf(C), lengthOf(C),
                                  A.copyArray<ir::Expr *>(Items));
  }

  ir::Expr *literal(P::LiteralContext *C) {
    antlr4::Token *T = C->getStart();
    SourceLoc L = locOf(T->getStartIndex());
    uint32_t Len = tokenLength(T);
    std::string S = T->getText();
    ir::Scalar V;
    switch (T->getType()) {
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
        if (llvm::StringRef(S).getAsInteger(10, I))
          V = ir::Scalar::real(std::strtod(S.c_str(), nullptr));  // too big
        else
          V = ir::Scalar::integer(I);
        break;
      }
      case TemplateExprLexer::FLOAT:
        V = ir::Scalar::real(std::strtod(S.c_str(), nullptr));
        break;
      default:
        V = ir::Scalar::string(A.save(unescape(S)));
        break;
    }
    return A.create<ir::LiteralExpr>(L, Len, V);
  }

  static std::string unescape(llvm::StringRef Quoted) {
    llvm::StringRef Body = Quoted.drop_front().drop_back();
    std::string Out;
    Out.reserve(Body.size());
    for (size_t I = 0; I < Body.size(); ++I) {
      char C = Body[I];
      if (C != '\\' || I + 1 == Body.size()) {
        Out += C;
        continue;
      }
      char N = Body[++I];
      switch (N) {
        case 'n':
          Out += '\n';
          break;
        case 't':
          Out += '\t';
          break;
        case 'r':
          Out += '\r';
          break;
        case '0':
          Out += '\0';
          break;
        default:
          Out += N;
          break;  // \\ \" \' and anything else
      }
    }
    return Out;
  }

  llvm::StringRef Text;
  SourceLoc Base, Fallback;
  ir::Arena &A;
  bool Ascii;
};

/// Rejects expressions whose nesting would recurse too deeply in the parser:
/// brackets, and runs of prefix operators (`not not not ...`, `- - -x`).
bool checkNesting(antlr4::CommonTokenStream &Toks, unsigned Max, size_t &BadIndex) {
  unsigned Depth = 0, Prefix = 0;
  bool PrevIsOperand = false;
  for (antlr4::Token *T : Toks.getTokens()) {
    size_t Ty = T->getType();
    bool IsPrefix = !PrevIsOperand &&
                    (Ty == TemplateExprLexer::KW_NOT || Ty == TemplateExprLexer::MINUS ||
                     Ty == TemplateExprLexer::PLUS);
    Prefix = IsPrefix ? Prefix + 1 : 0;
    if (Ty == TemplateExprLexer::LPAREN || Ty == TemplateExprLexer::LBRACK)
      ++Depth;
    else if ((Ty == TemplateExprLexer::RPAREN || Ty == TemplateExprLexer::RBRACK) &&
             Depth)
      --Depth;
    if (Depth + Prefix > Max) {
      BadIndex = T->getStartIndex();
      return false;
    }
    PrevIsOperand = Ty == TemplateExprLexer::IDENT || Ty == TemplateExprLexer::INT ||
                    Ty == TemplateExprLexer::FLOAT || Ty == TemplateExprLexer::STRING ||
                    Ty == TemplateExprLexer::RPAREN || Ty == TemplateExprLexer::RBRACK ||
                    Ty == TemplateExprLexer::KW_TRUE ||
                    Ty == TemplateExprLexer::KW_FALSE || Ty == TemplateExprLexer::KW_NULL;
  }
  return true;
}

}  // namespace

ir::Expr *parseExpression(llvm::StringRef Text, SourceLoc Base, SourceLoc Fallback,
                          ir::Arena &A, DiagnosticEngine &Diags,
                          const ExprLimits &Limits) {
  Converter Conv(Text, Base, Fallback, A);
  if (Text.size() > Limits.MaxLength) {
    Diags.report(DiagKind::TemplateSyntax, Conv.locOf(0), 2,
                 fmt::format("expression is {} bytes long; the limit is {}", Text.size(),
                             Limits.MaxLength));
    return nullptr;
  }
  Machinery &M = machinery();
  try {
    M.Errors.Seen = false;
    M.Input.load(Text.str());
    M.Lexer.setInputStream(&M.Input);
    M.Tokens.setTokenSource(&M.Lexer);
    M.Tokens.fill();
    size_t BadIndex = 0;
    if (!checkNesting(M.Tokens, Limits.MaxNesting, BadIndex)) {
      Diags.report(
          DiagKind::TemplateSyntax, Conv.locOf(BadIndex), 1,
          fmt::format("expression nests deeper than {} levels", Limits.MaxNesting));
      return nullptr;
    }
    M.Parser.setTokenStream(&M.Tokens);  // also resets the parser
    M.Parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
        antlr4::atn::PredictionMode::LL);
    P::ExpressionContext *Tree = M.Parser.expression();
    if (M.Errors.Seen) {
      Diags.report(DiagKind::TemplateSyntax, Conv.locOf(M.Errors.CharIndex), 1,
                   M.Errors.Message);
      return nullptr;
    }
    return Conv.expr(Tree->orExpr());
  } catch (const std::exception &E) {
    Diags.report(DiagKind::TemplateSyntax, Conv.locOf(0), 1,
                 fmt::format("cannot parse expression: {}", E.what()));
    return nullptr;
  }
}

}  // namespace orch::frontend
