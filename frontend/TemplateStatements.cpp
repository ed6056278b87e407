//===- TemplateStatements.cpp ---------------------------------------------===//
#include "frontend/TemplateStatements.h"

#include <fmt/format.h>

#include <initializer_list>

#include "llvm/ADT/STLExtras.h"

namespace orch::frontend {

namespace {

using Kind = StatementTag::Kind;

llvm::StringRef spelling(Kind K) {
  switch (K) {
    case Kind::If:
      return "if";
    case Kind::Elif:
      return "elif";
    case Kind::Else:
      return "else";
    case Kind::EndIf:
      return "endif";
    case Kind::For:
      return "for";
    case Kind::EndFor:
      return "endfor";
    case Kind::Set:
      return "set";
  }
  return "?";
}

class Nester {
 public:
  Nester(llvm::ArrayRef<ir::Segment> Flat, llvm::ArrayRef<StatementTag> Tags,
         ir::Arena &A, DiagnosticEngine &Diags)
      : Flat(Flat), Tags(Tags), A(A), Diags(Diags) {}

  std::optional<llvm::SmallVector<ir::Segment, 4>> run() {
    llvm::SmallVector<ir::Segment, 4> Out;
    while (Pos < Flat.size() && !Failed) {
      const ir::Segment &S = Flat[Pos];
      if (!isStatementMarker(S)) {
        Out.push_back(S);
        ++Pos;
        continue;
      }
      const StatementTag &T = Tags[TagNo];
      ir::Expr *E = nullptr;
      if (T.K == Kind::Set) {
        // The rest of the template is the scope of the name.
        if (!enter(T)) break;
        ++Pos, ++TagNo;
        llvm::SmallVector<ir::Expr *, 8> Rest;
        std::optional<size_t> Stop = block(Rest, Scope::Top, {});
        if (Stop) unexpected(Tags[*Stop]);
        E = let(T, Rest);
        --Depth;
      } else {
        E = statement();
      }
      if (E) Out.push_back({ir::Segment::Kind::Expr, {}, E, nullptr});
    }
    if (Failed) return std::nullopt;
    return Out;
  }

 private:
  /// Where a block sits: `set` is scoped to the template or a loop body;
  /// inside `if` Jinja2 would keep the name after `endif`.
  enum class Scope { Top, If, For };

  /// Reads pieces into \p Out until one of the tags \p Stops (consumed;
  /// its index returned) or the end (nothing returned).
  std::optional<size_t> block(llvm::SmallVectorImpl<ir::Expr *> &Out, Scope Sc,
                              std::initializer_list<Kind> Stops) {
    while (Pos < Flat.size() && !Failed) {
      const ir::Segment &S = Flat[Pos];
      if (S.K == ir::Segment::Kind::Text) {
        Out.push_back(
            A.create<ir::LiteralExpr>(SourceLoc(), 1, ir::Scalar::string(S.Text)));
        ++Pos;
        continue;
      }
      if (S.K == ir::Segment::Kind::Expr) {
        Out.push_back(S.E);
        ++Pos;
        continue;
      }
      if (S.Tag) {
        Diags.report(DiagKind::AutoNotAllowed, S.Tag->Loc, S.Tag->Length,
                     "template statements");
        Failed = true;
        return std::nullopt;
      }
      const StatementTag &T = Tags[TagNo];
      if (llvm::is_contained(Stops, T.K)) {
        ++Pos;
        return TagNo++;
      }
      if (T.K == Kind::Set) {
        if (Sc == Scope::If) {
          Diags.report(DiagKind::TemplateStatement, T.Loc, T.Len, "set",
                       " inside `{% if %}` (Jinja2 keeps the name after `{% endif %}`); "
                       "set it before the `if`, with an inline `if` for its value");
          Failed = true;
          return std::nullopt;
        }
        // The evaluator reads a run of sets in one loop (they do not nest
        // it), so sets count apart from the nesting levels.
        if (++Sets > MaxSetStatements) {
          Diags.report(DiagKind::TemplateSyntax, T.Loc, T.Len,
                       fmt::format("more than {} `{{% set %}}` statements in one "
                                   "template; split the template across steps",
                                   MaxSetStatements));
          Failed = true;
          return std::nullopt;
        }
        ++Pos, ++TagNo;
        llvm::SmallVector<ir::Expr *, 8> Rest;
        std::optional<size_t> Stop = block(Rest, Sc, Stops);
        if (ir::Expr *E = let(T, Rest)) Out.push_back(E);
        return Stop;
      }
      if (ir::Expr *E = statement())
        Out.push_back(E);
      else
        return std::nullopt;
    }
    return std::nullopt;
  }

  /// The `if` or `for` at the current marker, through its end tag.
  ir::Expr *statement() {
    const StatementTag &T = Tags[TagNo];
    ++Pos, ++TagNo;
    if (T.K != Kind::If && T.K != Kind::For) {
      unexpected(T);
      return nullptr;
    }
    if (!enter(T)) return nullptr;
    ir::Expr *E = T.K == Kind::If ? ifChain(T) : forLoop(T);
    --Depth;
    return E;
  }

  /// Counts one more level of statement nesting at \p T (an `elif` nests
  /// the rest of its chain); past
  /// MaxStatementDepth reports it at \p T, so that no later recursive pass
  /// or the evaluator meets a deeper tree.
  bool enter(const StatementTag &T) {
    if (++Depth <= MaxStatementDepth) return true;
    Diags.report(DiagKind::TemplateSyntax, T.Loc, T.Len,
                 fmt::format("`{{% {} %}}` nests deeper than {} statement levels (each "
                             "`elif` counts as one; split the template across steps)",
                             spelling(T.K).str(), MaxStatementDepth));
    Failed = true;
    return false;
  }

  ir::Expr *ifChain(const StatementTag &T) {
    llvm::SmallVector<ir::Expr *, 8> Then;
    std::optional<size_t> Stop =
        block(Then, Scope::If, {Kind::Elif, Kind::Else, Kind::EndIf});
    if (Failed) return nullptr;
    if (!Stop) return unclosed(T, "endif");
    ir::Expr *Else = nullptr;
    const StatementTag &S = Tags[*Stop];
    if (S.K == Kind::Elif) {
      if (!enter(S)) return nullptr;
      Else = ifChain(S);
      --Depth;
      if (!Else) return nullptr;
    } else if (S.K == Kind::Else) {
      llvm::SmallVector<ir::Expr *, 8> Body;
      std::optional<size_t> End = block(Body, Scope::If, {Kind::EndIf});
      if (Failed) return nullptr;
      if (!End) return unclosed(T, "endif");
      Else = blockOf(Body, S);
    } else {
      Else = blockOf({}, S);
    }
    ir::Expr *Parts[] = {blockOf(Then, T), T.E, Else};
    return A.create<ir::CompoundExpr>(T.Loc, T.Len, ir::CompoundOp::Cond,
                                      A.copyArray<ir::Expr *>(Parts));
  }

  ir::Expr *forLoop(const StatementTag &T) {
    llvm::SmallVector<ir::Expr *, 8> Body;
    std::optional<size_t> Stop = block(Body, Scope::For, {Kind::Else, Kind::EndFor});
    if (Failed) return nullptr;
    if (!Stop) return unclosed(T, "endfor");
    ir::Expr *Else = nullptr;
    if (Tags[*Stop].K == Kind::Else) {
      llvm::SmallVector<ir::Expr *, 8> EBody;
      std::optional<size_t> End = block(EBody, Scope::For, {Kind::EndFor});
      if (Failed) return nullptr;
      if (!End) return unclosed(T, "endfor");
      Else = blockOf(EBody, Tags[*Stop]);
    }
    llvm::SmallVector<ir::Expr *, 6> Parts = {T.E, blockOf(Body, T), Else, T.Filter};
    for (llvm::StringRef N : T.Names)
      Parts.push_back(A.create<ir::LiteralExpr>(T.Loc, T.Len, ir::Scalar::string(N)));
    return A.create<ir::CompoundExpr>(T.Loc, T.Len, ir::CompoundOp::For,
                                      A.copyArray<ir::Expr *>(Parts));
  }

  ir::Expr *let(const StatementTag &T, llvm::ArrayRef<ir::Expr *> Rest) {
    if (Failed) return nullptr;
    ir::Expr *Name =
        A.create<ir::LiteralExpr>(T.Loc, T.Len, ir::Scalar::string(T.Names.front()));
    ir::Expr *Parts[] = {T.E, blockOf(Rest, T), Name};
    return A.create<ir::CompoundExpr>(T.Loc, T.Len, ir::CompoundOp::Let,
                                      A.copyArray<ir::Expr *>(Parts));
  }

  ir::Expr *blockOf(llvm::ArrayRef<ir::Expr *> Pieces, const StatementTag &At) {
    return A.create<ir::CompoundExpr>(At.Loc, At.Len, ir::CompoundOp::Block,
                                      A.copyArray<ir::Expr *>(Pieces));
  }

  ir::Expr *unclosed(const StatementTag &T, llvm::StringRef End) {
    Diags.report(DiagKind::TemplateStatementUnmatched, T.Loc, T.Len, spelling(T.K).str(),
                 "is not closed; expected `{% " + End.str() + " %}`");
    Failed = true;
    return nullptr;
  }

  void unexpected(const StatementTag &T) {
    const char *Opener = T.K == Kind::EndFor ? "`{% for %}`" : "`{% if %}`";
    Diags.report(DiagKind::TemplateStatementUnmatched, T.Loc, T.Len, spelling(T.K).str(),
                 std::string("without an open ") + Opener);
    Failed = true;
  }

  llvm::ArrayRef<ir::Segment> Flat;
  llvm::ArrayRef<StatementTag> Tags;
  ir::Arena &A;
  DiagnosticEngine &Diags;
  size_t Pos = 0, TagNo = 0;
  unsigned Depth = 0, Sets = 0;
  bool Failed = false;
};

}  // namespace

std::optional<llvm::SmallVector<ir::Segment, 4>> nestStatements(
    llvm::ArrayRef<ir::Segment> Flat, llvm::ArrayRef<StatementTag> Tags, ir::Arena &A,
    DiagnosticEngine &Diags) {
  return Nester(Flat, Tags, A, Diags).run();
}

}  // namespace orch::frontend
