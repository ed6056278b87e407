//===- Templates.cpp ------------------------------------------------------===//
#include "frontend/Templates.h"

#include "frontend/Escapes.h"
#include "frontend/ExprParser.h"
#include "frontend/Includes.h"
#include "frontend/TemplateStatements.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"

namespace orch::frontend {

namespace {

/// The first position at or after \p From, outside quoted strings, where
/// \p Match holds. If none is found and a quote was left open,
/// \p OpenQuote is set to that quote.
size_t findUnquoted(llvm::StringRef S, size_t From, size_t &OpenQuote,
                    llvm::function_ref<bool(size_t)> Match) {
  char Quote = 0;
  OpenQuote = llvm::StringRef::npos;
  for (size_t I = From; I < S.size(); ++I) {
    char C = S[I];
    if (Quote) {
      if (C == '\\')
        ++I;
      else if (C == Quote)
        Quote = 0;
      continue;
    }
    if (C == '"' || C == '\'') {
      Quote = C;
      OpenQuote = I;
    } else if (Match(I)) {
      return I;
    }
  }
  if (!Quote) OpenQuote = llvm::StringRef::npos;
  return llvm::StringRef::npos;
}

/// Finds the `}}` that closes a placeholder whose body starts at \p From
/// (`%}` for a statement), skipping quoted strings and, as Jinja2's lexer
/// does, the braces of mapping literals inside the expression. If none is
/// found and a quote was left open, \p OpenQuote is set to that quote.
size_t findClose(llvm::StringRef S, size_t From, size_t &OpenQuote, char Close = '}') {
  unsigned Braces = 0;
  return findUnquoted(S, From, OpenQuote, [&](size_t I) {
    char C = S[I];
    if (C == '{') {
      ++Braces;
    } else if (C == '}' && Braces) {
      --Braces;
    } else if (C == Close && I + 1 < S.size() && S[I + 1] == '}') {
      return true;
    }
    return false;
  });
}

/// Jinja's white space for `{{-` and `-}}`: Python's `\s`.
constexpr llvm::StringLiteral JinjaSpace = " \t\n\r\f\v";

/// Python's str.isspace() for a code point: what `{{-` and `-}}` strip
/// (Jinja2 uses rstrip() and `\s`), Unicode white space included.
bool isPySpace(uint32_t C) {
  return (C >= 0x09 && C <= 0x0D) || (C >= 0x1C && C <= 0x20) || C == 0x85 || C == 0xA0 ||
         C == 0x1680 || (C >= 0x2000 && C <= 0x200A) || C == 0x2028 || C == 0x2029 ||
         C == 0x202F || C == 0x205F || C == 0x3000;
}

/// The code point of the UTF-8 sequence \p S starts with (any byte that
/// starts no valid sequence reads as itself, which is never white space
/// past ASCII).
uint32_t firstCodePoint(llvm::StringRef S, size_t &Len) {
  auto B = [&](size_t I) { return static_cast<uint8_t>(S[I]); };
  uint8_t C = B(0);
  Len = 1;
  if (C < 0x80) return C;
  size_t N = C >= 0xF0 ? 4 : C >= 0xE0 ? 3 : C >= 0xC0 ? 2 : 1;
  if (N == 1 || S.size() < N) return 0xFFFD;
  uint32_t V = C & (0x7F >> N);
  for (size_t I = 1; I < N; ++I) {
    if ((B(I) & 0xC0) != 0x80) return 0xFFFD;
    V = (V << 6) | (B(I) & 0x3F);
  }
  Len = N;
  return V;
}

/// \p S without its leading Python white space.
llvm::StringRef ltrimPySpace(llvm::StringRef S) {
  while (!S.empty()) {
    size_t Len;
    if (!isPySpace(firstCodePoint(S, Len))) break;
    S = S.drop_front(Len);
  }
  return S;
}

/// \p S without its trailing Python white space.
llvm::StringRef rtrimPySpace(llvm::StringRef S) {
  while (!S.empty()) {
    size_t At = S.size() - 1;
    while (At > 0 && S.size() - At < 4 && (static_cast<uint8_t>(S[At]) & 0xC0) == 0x80)
      --At;
    size_t Len;
    uint32_t C = firstCodePoint(S.substr(At), Len);
    if (At + Len != S.size() || !isPySpace(C)) break;
    S = S.take_front(At);
  }
  return S;
}

/// True if the `(` that starts \p S closes at its end, so that the whole
/// expression is one parenthesised primary: `(a if c else b)` is, while
/// `(xs) if c` is not. Quoted strings are skipped.
bool wholeParenthesised(llvm::StringRef S) {
  if (!S.starts_with("(")) return false;
  unsigned Depth = 0;
  for (size_t I = 0; I < S.size(); ++I) {
    char C = S[I];
    if (C == '\'' || C == '"') {
      for (++I; I < S.size() && S[I] != C; ++I)
        if (S[I] == '\\') ++I;
      continue;
    }
    if (C == '(') ++Depth;
    if (C == ')' && Depth && --Depth == 0) return I + 1 == S.size();
  }
  return false;
}

/// The next `{{`, `{%` or `{#` at or after \p From, or npos.
size_t findOpen(llvm::StringRef S, size_t From) {
  for (size_t I = S.find('{', From); I != llvm::StringRef::npos; I = S.find('{', I + 1))
    if (I + 1 < S.size() && (S[I + 1] == '{' || S[I + 1] == '%' || S[I + 1] == '#'))
      return I;
  return llvm::StringRef::npos;
}

/// How a scalar is written, which decides how its value maps to the source.
enum class Style { Plain, Double, Single, Block };

/// Maps each byte of \p Piece (a part of a scalar's value) to its offset in
/// the source \p R, matching from \p J: escapes (`\"`, `''`), folded line
/// breaks and block indentation are what may differ. Out has Piece.size()+1
/// entries (the last is the end). False if the piece is not there.
bool matchPiece(llvm::StringRef Piece, llvm::StringRef R, size_t J, Style St,
                std::vector<uint32_t> &Out) {
  Out.assign(Piece.size() + 1, 0);
  size_t I = 0;
  while (I < Piece.size()) {
    if (J >= R.size()) return false;
    char P = Piece[I], C = R[J];
    if (C == '\n' || C == '\r') {
      // A line break: folded to a space, kept as a newline, or (after `\`
      // in double quotes) removed; the next line's indentation is not value.
      size_t Nl = J;
      J += (C == '\r' && J + 1 < R.size() && R[J + 1] == '\n') ? 2 : 1;
      bool Consumed = P == ' ' || P == '\n';
      if (Consumed) Out[I++] = static_cast<uint32_t>(Nl);
      while (J < R.size() && (R[J] == ' ' || R[J] == '\t') &&
             (I >= Piece.size() || Piece[I] != ' '))
        ++J;
      if (!Consumed && St != Style::Double) return false;
      continue;
    }
    if (St == Style::Double && C == '\\' && J + 1 < R.size()) {
      char E = R[J + 1];
      char D = simpleEscape(E).value_or(E);
      if (E == '\n' || E == '\r') {  // escaped line break
        J += 1;
        continue;
      }
      if (D != P) return false;
      Out[I++] = static_cast<uint32_t>(J);
      J += 2;
      continue;
    }
    if (St == Style::Single && C == '\'') {
      if (P != '\'' || J + 1 >= R.size() || R[J + 1] != '\'') return false;
      Out[I++] = static_cast<uint32_t>(J);
      J += 2;
      continue;
    }
    if (C != P) return false;
    Out[I++] = static_cast<uint32_t>(J++);
  }
  Out[Piece.size()] = static_cast<uint32_t>(J);
  return true;
}

/// ContextLab's loop variables (`{{ $item }}`), which are not expressions.
/// Returns what \p Inner holds that is not supported, for the message, or
/// nothing (with \p Rewritten the expression without `$`, if it had one).
std::optional<std::string> contextLabOnly(llvm::StringRef Inner, std::string &Rewritten) {
  // `$name` outside string literals: ContextLab's loop variables are the
  // names without `$` (docs/control-flow.md); `$` becomes a space, so
  // every column stays where it was.
  static const llvm::StringRef LoopVars[] = {"item", "index", "is_first", "is_last",
                                             "iteration"};
  auto IsVar = [&](size_t I) {
    return Inner[I] == '$' && I + 1 < Inner.size() &&
           (llvm::isAlpha(Inner[I + 1]) || Inner[I + 1] == '_');
  };
  Rewritten.clear();
  size_t Unused;
  for (size_t At = findUnquoted(Inner, 0, Unused, IsVar); At != llvm::StringRef::npos;
       At = findUnquoted(Inner, At + 1, Unused, IsVar)) {
    llvm::StringRef Name = Inner.substr(At + 1).take_while(
        [](char X) { return llvm::isAlnum(X) || X == '_'; });
    if (!llvm::is_contained(LoopVars, Name))
      return "the loop variable `$" + Name.str() + "`";
    if (Rewritten.empty()) Rewritten = Inner.str();
    Rewritten[At] = ' ';
  }
  return std::nullopt;
}

class Segmenter {
 public:
  Segmenter(const SourceFile &F, const AutoScan &Scan, ir::Arena &A,
            std::vector<ir::AutoTag *> &Tags, DiagnosticEngine &D)
      : File(F),
        Scan(Scan),
        A(A),
        Tags(Tags),
        Diags(D),
        TagsByIndex(Scan.Tags.size(), nullptr),
        ShortHead{'_', Scan.ShortMarker} {}

  void run(ast::ScalarNode *N) {
    llvm::StringRef V = N->value();
    bool HasExpr = V.contains("{{") || V.contains("{%") || V.contains("{#");
    // ContextLab's `<< path >>` file inclusion.
    size_t InclEnd = 0;
    size_t NextIncl =
        V.contains("<<") ? findBracketInclude(V, 0, InclEnd) : llvm::StringRef::npos;
    bool HasInclude = NextIncl != llvm::StringRef::npos;
    bool HasAuto = !Scan.Tags.empty() &&
                   (V.contains("__AUTO") ||
                    (Scan.ShortMarker && V.contains(llvm::StringRef(ShortHead, 2))));
    // Raw-text search window for exact expression columns.
    SearchFrom = N->loc().Offset;
    Current = N;
    Statements.clear();
    TrimNext = false;
    LastTextKept = false;
    Included.clear();
    if (!HasExpr && !HasAuto && !HasInclude) {
      if (V.contains("}}")) warnStrayClose(V);
      return;
    }
    llvm::SmallVector<ir::Segment, 4> Segs;
    size_t Pos = 0;
    while (Pos < V.size()) {
      size_t Open = HasExpr ? findOpen(V, Pos) : llvm::StringRef::npos;
      size_t PBegin = 0, PEnd = 0;
      std::optional<uint32_t> Tag;
      if (HasAuto)
        Tag = findPlaceholder(V, Pos, Scan.Marker, PBegin, PEnd, Scan.ShortMarker);
      // The next `<< path >>`, found again only once the text passed it.
      if (NextIncl != llvm::StringRef::npos && NextIncl < Pos)
        NextIncl = findBracketInclude(V, Pos, InclEnd);
      size_t Incl = NextIncl;
      if (Incl < Open && (!Tag || Incl < PBegin)) {
        // A `-}}` before reaches the included text across blank text.
        bool Lead = TrimNext && ltrimPySpace(V.slice(Pos, Incl)).empty();
        addText(Segs, V.slice(Pos, Incl));
        llvm::StringRef Whole = V.slice(Incl, InclEnd);
        uint32_t Len = static_cast<uint32_t>(Whole.size());
        SourceLoc Loc = rawLoc(Whole, N).value_or(N->loc());
        llvm::StringRef Path = Whole.drop_front(2).drop_back(2).trim(" \t");
        size_t PB, PE;
        if (findPlaceholder(Path, 0, Scan.Marker, PB, PE, Scan.ShortMarker)) {
          Diags.report(DiagKind::AutoNotAllowed, Loc, Len, "file inclusions");
          Failed = true;
        } else {
          include(Segs, Path, Loc, Len, Lead);
        }
        Pos = InclEnd;
        continue;
      }
      if (Open == llvm::StringRef::npos && !Tag) break;
      if (Tag && (Open == llvm::StringRef::npos || PBegin < Open)) {
        addText(Segs, V.slice(Pos, PBegin));
        if (ir::AutoTag *T = tag(*Tag))
          Segs.push_back({ir::Segment::Kind::Auto, {}, nullptr, T});
        Pos = PEnd;
        continue;
      }
      // `{{- ... -}}` trims around; a `-}}` before reaches an inclusion's
      // text across blank text.
      bool LeadTrim = TrimNext && ltrimPySpace(V.slice(Pos, Open)).empty();
      addText(Segs, V.slice(Pos, Open));
      char Kind = V[Open + 1];
      if (Kind != '{') {
        // A comment or a statement: `{# ... #}`, `{% ... %}`.
        Pos = tag(Segs, V, Open, N);
        if (Pos == llvm::StringRef::npos) return;
        continue;
      }
      size_t OpenQuote;
      size_t Close = findClose(V, Open + 2, OpenQuote);
      if (Close == llvm::StringRef::npos) {
        if (OpenQuote != llvm::StringRef::npos &&
            V.find("}}", OpenQuote) != llvm::StringRef::npos) {
          // `{{ 'abc }}`: the placeholder is closed; the string is not.
          std::optional<llvm::ArrayRef<uint32_t>> Map = rawMap(V.substr(Open), N);
          size_t Q = OpenQuote - Open;
          Diags.report(DiagKind::TemplateSyntax, Map ? SourceLoc((*Map)[Q]) : N->loc(), 1,
                       "unterminated string literal");
        } else {
          Diags.report(DiagKind::TemplateUnterminated,
                       rawLoc(V.substr(Open, 2), N).value_or(N->loc()), 2);
        }
        Failed = true;
        return;
      }
      llvm::StringRef Body = V.slice(Open + 2, Close);
      llvm::StringRef Whole = V.slice(Open, Close + 2);
      std::optional<llvm::ArrayRef<uint32_t>> Map = rawMap(Whole, N);
      SourceLoc WholeLoc = Map ? SourceLoc(Map->front()) : N->loc();
      uint32_t WholeLen = Map ? Map->back() - Map->front() : 1;
      // Whitespace control: `{{-` strips the white space before, `-}}`
      // the white space after (`{{ -x }}` is a negation).
      bool DashL = Body.starts_with("-");
      bool DashR = Body.size() > size_t(DashL) && Body.ends_with("-");
      if (DashL) trimBefore(Segs);
      TrimNext = DashR;
      Body = Body.drop_front(DashL).drop_back(DashR);
      size_t Lead = DashL + Body.size() - Body.ltrim().size();
      llvm::StringRef Inner = Body.trim();
      llvm::ArrayRef<uint32_t> InnerMap;
      if (Map) InnerMap = Map->slice(2 + Lead, Inner.size() + 1);
      size_t PB, PE;
      std::string Rewritten;  // ContextLab's `$item` as `item`
      if (Inner.empty()) {
        Diags.report(DiagKind::TemplateEmpty, WholeLoc, WholeLen);
        Failed = true;
      } else if (findPlaceholder(Inner, 0, Scan.Marker, PB, PE, Scan.ShortMarker)) {
        Diags.report(DiagKind::AutoNotAllowed, WholeLoc, WholeLen,
                     "template expressions");
        Failed = true;
      } else if (Inner.starts_with("file:")) {
        // ContextLab's `{{ file:path }}`: the file's text.
        include(Segs, Inner.drop_front(5).trim(), WholeLoc, WholeLen, LeadTrim);
      } else if (std::optional<std::string> What = contextLabOnly(Inner, Rewritten)) {
        // ContextLab's own placeholder forms, named rather than misparsed.
        Diags.report(DiagKind::NotSupportedYet, WholeLoc, WholeLen, *What,
                     "ContextLab syntax", "it comes with control flow, issue #17");
        Failed = true;
      } else if (ir::Expr *E = parseExpression(
                     Rewritten.empty() ? Inner : (Inner = A.save(Rewritten)), InnerMap,
                     WholeLoc, A, Diags)) {
        Segs.push_back({ir::Segment::Kind::Expr, A.save(Inner), E, nullptr});
      } else {
        Failed = true;
      }
      Pos = Close + 2;
    }
    addText(Segs, V.substr(Pos));
    if (!Included.empty()) joinIncluded(Segs);
    // Only comments and white space: still a template (of "").
    if (!Statements.empty()) {
      std::optional<llvm::SmallVector<ir::Segment, 4>> Nested =
          nestStatements(Segs, Statements, A, Diags);
      if (!Nested) {
        Failed = true;
        return;
      }
      Segs = std::move(*Nested);
    }
    if (Segs.empty()) Segs.push_back({ir::Segment::Kind::Text, {}, nullptr, nullptr});
    N->setSegments(A.copyArray<ir::Segment>(Segs));
  }

  bool Failed = false;

 private:
  /// `{# ... #}` (dropped) or `{% ... %}` at \p Open: a statement tag
  /// (a marker segment and an entry of Statements), `{% raw %}` text, or an
  /// error naming an unsupported statement. Returns where the text goes on,
  /// or npos after an error.
  size_t tag(llvm::SmallVectorImpl<ir::Segment> &Segs, llvm::StringRef V, size_t Open,
             ast::ScalarNode *N) {
    bool Comment = V[Open + 1] == '#';
    size_t OpenQuote;
    size_t Close =
        Comment ? V.find("#}", Open + 2) : findClose(V, Open + 2, OpenQuote, '%');
    if (Close == llvm::StringRef::npos) {
      Diags.report(DiagKind::TemplateTagUnterminated,
                   rawLoc(V.substr(Open, 2), N).value_or(N->loc()), 2,
                   Comment ? "comment" : "statement", Comment ? "#}" : "%}",
                   V.substr(Open, 2), V.substr(Open, 2));
      Failed = true;
      return llvm::StringRef::npos;
    }
    llvm::StringRef Body = V.slice(Open + 2, Close);
    if (Body.starts_with("-")) trimBefore(Segs);
    TrimNext = Body.size() > size_t(Body.starts_with("-")) && Body.ends_with("-");
    if (Comment) return Close + 2;
    // The statement's tag, for nestStatements.
    llvm::StringRef Whole = V.slice(Open, Close + 2);
    std::optional<llvm::ArrayRef<uint32_t>> Map = rawMap(Whole, N);
    SourceLoc WholeLoc = Map ? SourceLoc(Map->front()) : N->loc();
    uint32_t WholeLen = Map ? Map->back() - Map->front() : 1;
    bool DashL = Body.starts_with("-");
    bool DashR = Body.size() > size_t(DashL) && Body.ends_with("-");
    llvm::StringRef Words = Body.drop_front(DashL).drop_back(DashR).trim(JinjaSpace);
    llvm::StringRef Name =
        Words.take_while([](char C) { return llvm::isAlnum(C) || C == '_'; });
    llvm::StringRef Rest = Words.drop_front(Name.size()).ltrim(JinjaSpace);
    // The source offsets of Rest's bytes (and its end).
    llvm::SmallVector<uint32_t, 64> RestMap;
    if (Map) {
      size_t Off = Rest.data() - Whole.data();
      llvm::ArrayRef<uint32_t> Slice = Map->slice(Off, Rest.size() + 1);
      RestMap.assign(Slice.begin(), Slice.end());
    }
    using K = StatementTag::Kind;
    std::optional<K> Kind = llvm::StringSwitch<std::optional<K>>(Name)
                                .Case("if", K::If)
                                .Case("elif", K::Elif)
                                .Case("else", K::Else)
                                .Case("endif", K::EndIf)
                                .Case("for", K::For)
                                .Case("endfor", K::EndFor)
                                .Case("set", K::Set)
                                .Default(std::nullopt);
    if (Name == "raw" && Rest.empty())
      return raw(Segs, V, Close + 2, DashR, WholeLoc, WholeLen);
    if (!Kind) {
      Diags.report(DiagKind::TemplateStatement, WholeLoc, WholeLen,
                   Name.empty() ? std::string("...") : Name.str(),
                   Name == "endraw" ? "; it has no `{% raw %}` before it" : "");
      Failed = true;
      return llvm::StringRef::npos;
    }
    StatementTag T{*Kind, WholeLoc, WholeLen, nullptr, nullptr, {}};
    bool Bare = *Kind == K::Else || *Kind == K::EndIf || *Kind == K::EndFor;
    if (Bare && !Rest.empty()) {
      Diags.report(DiagKind::TemplateSyntax,
                   RestMap.empty() ? WholeLoc : SourceLoc(RestMap.front()), 1,
                   fmt::format("unexpected `{}` after `{}`", Rest.str(), Name.str()));
      Failed = true;
      return llvm::StringRef::npos;
    }
    if (!Bare) {
      llvm::StringRef ExprText = Rest;
      llvm::ArrayRef<uint32_t> ExprMap = RestMap;
      if (*Kind == K::Set &&
          Rest.take_until([](char C) { return C == '='; }).contains(',')) {
        Diags.report(DiagKind::TemplateStatement, WholeLoc, WholeLen, "set ..., ...",
                     "; set one name a statement");
        Failed = true;
        return llvm::StringRef::npos;
      }
      if (*Kind == K::For || *Kind == K::Set) {
        std::optional<StatementHead> H =
            parseStatementHead(*Kind == K::For, Rest, RestMap, WholeLoc, A, Diags);
        if (!H) {
          Failed = true;
          return llvm::StringRef::npos;
        }
        for (const auto &NL : H->Names) T.Names.push_back(NL.first);
        ExprText = Rest.substr(H->ExprStart);
        if (!ExprMap.empty()) ExprMap = ExprMap.drop_front(H->ExprStart);
      }
      if (ExprText.trim(JinjaSpace).empty()) {
        Diags.report(DiagKind::TemplateSyntax,
                     ExprMap.empty() ? WholeLoc : SourceLoc(ExprMap.front()), 1,
                     fmt::format("`{{% {} %}}` needs an expression", Name.str()));
        Failed = true;
        return llvm::StringRef::npos;
      }
      T.E = parseExpression(ExprText, ExprMap, WholeLoc, A, Diags);
      if (!T.E) {
        Failed = true;
        return llvm::StringRef::npos;
      }
      // Jinja2 reads `for x in xs if cond` as a loop filter, not as an
      // inline `if`, and takes no inline `if` in an `if` condition without
      // parentheses: refused, never read as something else.
      auto *Cond = llvm::dyn_cast<ir::CompoundExpr>(T.E);
      bool BareCond = Cond && Cond->op() == ir::CompoundOp::Cond &&
                      !wholeParenthesised(ExprText.trim(JinjaSpace));
      if (BareCond && (*Kind == K::If || *Kind == K::Elif)) {
        Diags.report(DiagKind::TemplateSyntax, T.E->loc(), T.E->length(),
                     fmt::format("an inline `if` as the condition of `{{% {} %}}` needs "
                                 "parentheses",
                                 Name.str()));
        Failed = true;
        return llvm::StringRef::npos;
      }
      if (*Kind == K::For && BareCond && !loopFilter(T, Cond, WholeLoc, WholeLen))
        return llvm::StringRef::npos;
    }
    Statements.push_back(std::move(T));
    Segs.push_back(statementMarker());
    return Close + 2;
  }

  /// `for x in xs if cond`, which the expression parser read as an inline
  /// `if` \p Cond: Jinja2's loop filter. Its condition may not have an
  /// `else` (Jinja2: a syntax error) nor read `loop`.
  bool loopFilter(StatementTag &T, ir::CompoundExpr *Cond, SourceLoc WholeLoc,
                  uint32_t WholeLen) {
    if (Cond->part(2)) {
      Diags.report(DiagKind::TemplateSyntax, Cond->part(2)->loc(),
                   Cond->part(2)->length(),
                   "a loop filter (`for x in xs if cond`) takes no `else`; put an "
                   "inline `if` in parentheses: `for x in (a if c else b)`");
      Failed = true;
      return false;
    }
    if (readsName(Cond->part(1), "loop")) {
      Diags.report(DiagKind::TemplateStatement, WholeLoc, WholeLen, "for ... if loop",
                   "; a loop filter cannot read `loop` (it runs before the loop)");
      Failed = true;
      return false;
    }
    T.E = Cond->part(0);
    T.Filter = Cond->part(1);
    return true;
  }

  static bool readsName(ir::Expr *E, llvm::StringRef Name) {
    if (!E) return false;
    if (auto *N = llvm::dyn_cast<ir::NameExpr>(E)) return N->name() == Name;
    bool Found = false;
    ir::forEachOperandRef(*E, [&](ir::Expr *&X) { Found = Found || readsName(X, Name); });
    return Found;
  }

  /// `{% raw %}` whose `%}` ends before \p From: the text up to `{% endraw
  /// %}` is kept as it is. Returns where the text goes on.
  size_t raw(llvm::SmallVectorImpl<ir::Segment> &Segs, llvm::StringRef V, size_t From,
             bool TrimStart, SourceLoc TagLoc, uint32_t TagLen) {
    for (size_t J = V.find("{%", From); J != llvm::StringRef::npos;
         J = V.find("{%", J + 2)) {
      llvm::StringRef After = V.substr(J + 2);
      bool DashL = After.consume_front("-");
      After = After.ltrim(JinjaSpace);
      if (!After.consume_front("endraw")) continue;
      After = After.ltrim(JinjaSpace);
      bool DashR = After.consume_front("-");
      if (!After.starts_with("%}")) continue;
      llvm::StringRef Content = V.slice(From, J);
      if (TrimStart) Content = ltrimPySpace(Content);
      if (DashL) Content = rtrimPySpace(Content);
      if (!Content.empty())
        Segs.push_back({ir::Segment::Kind::Text, saveText(Content), nullptr, nullptr});
      TrimNext = DashR;
      LastTextKept = false;
      return V.size() - After.size() + 2;
    }
    Diags.report(DiagKind::TemplateStatementUnmatched, TagLoc, TagLen, "raw",
                 "is not closed; expected `{% endraw %}`");
    Failed = true;
    return llvm::StringRef::npos;
  }

  /// `{{-`, `{%-`, `{#-`: the text right before (since the last tag, not
  /// across a comment or text already emptied) loses its trailing white
  /// space.
  void trimBefore(llvm::SmallVectorImpl<ir::Segment> &Segs) {
    if (!LastTextKept || Segs.empty() || Segs.back().K != ir::Segment::Kind::Text) return;
    Segs.back().Text = rtrimPySpace(Segs.back().Text);
    if (Segs.back().Text.empty()) Segs.pop_back();
  }

  /// A file inclusion (`{{ file:path }}`, `<< path >>`) at \p Loc: the
  /// file's text, as text. Template syntax in that text is refused: it
  /// would be rendered where the text is included, which is not built.
  /// \p Lead: a `-}}` before trims its leading white space.
  void include(llvm::SmallVectorImpl<ir::Segment> &Segs, llvm::StringRef Path,
               SourceLoc Loc, uint32_t Len, bool Lead) {
    std::string Text, Why;
    if (!readInclude(File.name(), Path, Text, Why)) {
      Diags.report(DiagKind::IoError, Loc, Len, Path.str(), Why);
      Failed = true;
      return;
    }
    IncludedBytes += Text.size();
    if (IncludedBytes > MaxIncludedBytes) {
      Diags.report(DiagKind::IoError, Loc, Len, Path.str(),
                   fmt::format("the file's inclusions add more than {} bytes in all",
                               MaxIncludedBytes));
      Failed = true;
      return;
    }
    if (llvm::StringRef Syntax = templateSyntaxIn(Text); !Syntax.empty()) {
      Diags.report(
          DiagKind::NotSupportedYet, Loc, Len,
          fmt::format("template syntax (`{}`) in an included file", Syntax.str()),
          "its text is included as it is",
          "render it with a step, or include a file without templates");
      Failed = true;
      return;
    }
    llvm::StringRef T = Text;
    if (Lead) T = ltrimPySpace(T);
    LastTextKept = LastTextKept || !T.empty();
    if (T.empty()) return;
    T = saveText(T);
    Included.insert(T.data());
    Segs.push_back({ir::Segment::Kind::Text, T, nullptr, nullptr});
  }

  /// Joins each run of text segments that holds an included file's text
  /// into one segment (saved once: linear in the text).
  void joinIncluded(llvm::SmallVectorImpl<ir::Segment> &Segs) {
    llvm::SmallVector<ir::Segment, 4> Out;
    auto IsText = [](const ir::Segment &S) { return S.K == ir::Segment::Kind::Text; };
    for (size_t I = 0; I < Segs.size();) {
      size_t J = I;
      bool Any = false;
      while (J < Segs.size() && IsText(Segs[J]))
        Any |= Included.count(Segs[J++].Text.data());
      if (J - I < 2 || !Any) {  // not text, or nothing to join
        J = std::max(J, I + 1);
        Out.append(Segs.begin() + I, Segs.begin() + J);
        I = J;
        continue;
      }
      std::string Joined;
      for (size_t K = I; K < J; ++K) Joined += Segs[K].Text.str();
      Out.push_back({ir::Segment::Kind::Text, A.save(Joined), nullptr, nullptr});
      I = J;
    }
    Segs.assign(Out.begin(), Out.end());
  }

  void addText(llvm::SmallVectorImpl<ir::Segment> &Segs, llvm::StringRef T) {
    if (TrimNext) T = ltrimPySpace(T);
    TrimNext = false;
    LastTextKept = !T.empty();
    if (T.empty()) return;
    if (T.contains("}}")) warnStrayClose(T);
    Segs.push_back({ir::Segment::Kind::Text, saveText(T), nullptr, nullptr});
  }

  /// Saves text of the template, each line break (`\r\n`, `\r`, `\n`) a
  /// `\n`, as Jinja2's lexer reads text (its newline_sequence).
  llvm::StringRef saveText(llvm::StringRef T) {
    if (!T.contains('\r')) return A.save(T);
    std::string Out;
    Out.reserve(T.size());
    for (size_t I = 0; I < T.size(); ++I) {
      if (T[I] != '\r') {
        Out += T[I];
        continue;
      }
      Out += '\n';
      if (I + 1 < T.size() && T[I + 1] == '\n') ++I;
    }
    return A.save(Out);
  }

  /// `}}` in text: usually a placeholder whose `{{` was lost.
  void warnStrayClose(llvm::StringRef T) {
    size_t At = T.find("}}");
    Diags.report(DiagKind::TemplateStrayClose,
                 rawLoc(T.substr(At, 2), Current).value_or(Current->loc()), 2);
  }

  /// The location of \p Piece in the raw file, searching forward from the
  /// scalar; the scalar's own location if it is not there verbatim.
  std::optional<SourceLoc> rawLoc(llvm::StringRef Piece, ast::ScalarNode *N) {
    llvm::StringRef Text = File.text();
    size_t Window = 4096 + 2 * N->value().size();
    size_t Found = Text.substr(0, std::min(Text.size(), size_t(SearchFrom) + Window))
                       .find(Piece, SearchFrom);
    if (Found == llvm::StringRef::npos) return std::nullopt;
    SearchFrom = static_cast<uint32_t>(Found + Piece.size());
    return SourceLoc(static_cast<uint32_t>(Found));
  }

  /// Where each byte of \p Piece sits in the (AUTO-rewritten) source,
  /// searching forward from the scalar; nothing if it cannot be placed.
  /// The returned map lives in a scratch buffer until the next call.
  std::optional<llvm::ArrayRef<uint32_t>> rawMap(llvm::StringRef Piece,
                                                 ast::ScalarNode *N) {
    llvm::StringRef R = Scan.Rewritten;
    char First = R[N->loc().Offset];
    Style St = First == '"'                   ? Style::Double
               : First == '\''                ? Style::Single
               : First == '|' || First == '>' ? Style::Block
                                              : Style::Plain;
    size_t Limit = std::min(R.size(), size_t(SearchFrom) + 4096 + 2 * N->value().size());
    std::vector<uint32_t> &Out = MapBuf;
    llvm::StringRef Head = Piece.take_front(2);
    for (size_t J = R.find(Head, SearchFrom); J != llvm::StringRef::npos && J < Limit;
         J = R.find(Head, J + 1)) {
      if (matchPiece(Piece, R, J, St, Out)) {
        SearchFrom = Out.back();
        return llvm::ArrayRef<uint32_t>(Out);
      }
    }
    return std::nullopt;
  }

  ir::AutoTag *tag(uint32_t Index) {
    if (Index >= TagsByIndex.size()) return nullptr;
    if (ir::AutoTag *T = TagsByIndex[Index]) return T;
    const RawAutoTag &R = Scan.Tags[Index];
    auto *T = A.create<ir::AutoTag>();
    T->Id = static_cast<uint32_t>(Tags.size());
    T->Loc = R.Loc;
    T->Length = R.Length;
    T->Text = A.save(R.Text);
    T->DeclaredType = R.DeclaredType;
    T->Min = R.Min;
    T->Max = R.Max;
    llvm::SmallVector<llvm::StringRef, 8> Choices;
    for (const std::string &C : R.Choices) Choices.push_back(A.save(C));
    T->Choices = A.copyArray<llvm::StringRef>(Choices);
    llvm::SmallVector<ir::AutoHint, 4> Hints;
    for (const auto &[Name, Val] : R.Hints) Hints.push_back({A.save(Name), A.save(Val)});
    T->Hints = A.copyArray<ir::AutoHint>(Hints);
    T->SelfClosing = R.SelfClosing;
    Tags.push_back(T);
    TagsByIndex[Index] = T;
    return T;
  }

  const SourceFile &File;
  const AutoScan &Scan;
  ir::Arena &A;
  std::vector<ir::AutoTag *> &Tags;
  DiagnosticEngine &Diags;
  std::vector<ir::AutoTag *> TagsByIndex;
  uint32_t SearchFrom = 0;
  std::vector<uint32_t> MapBuf;
  ast::ScalarNode *Current = nullptr;
  /// `_` and the short placeholders' marker.
  char ShortHead[2];
  /// The last tag ended in `-`: the next text loses its leading white space.
  bool TrimNext = false;
  /// Where the included files' texts of the current scalar start, to join
  /// them to the text around them.
  llvm::SmallPtrSet<const char *, 4> Included;
  /// The bytes inclusions added to this file.
  uint64_t IncludedBytes = 0;
  /// The text since the last tag became a segment (what `{{-` may trim).
  bool LastTextKept = false;
  /// The statement tags of the current scalar, in order.
  std::vector<StatementTag> Statements;
};

}  // namespace

bool segmentScalars(const SourceFile &File, const AutoScan &Scan, YamlTree &Tree,
                    ir::Arena &A, std::vector<ir::AutoTag *> &Tags,
                    DiagnosticEngine &Diags) {
  Segmenter S(File, Scan, A, Tags, Diags);
  for (ast::ScalarNode *N : Tree.ValueScalars) S.run(N);
  bool Ok = !S.Failed;
  size_t B, E;
  for (ast::ScalarNode *K : Tree.KeyScalars)
    if (!Scan.Tags.empty() &&
        findPlaceholder(K->value(), 0, Scan.Marker, B, E, Scan.ShortMarker)) {
      Diags.report(DiagKind::AutoNotAllowed, K->loc(), K->length(), "mapping keys");
      Ok = false;
    }
  return Ok;
}

}  // namespace orch::frontend
