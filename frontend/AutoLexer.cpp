//===- AutoLexer.cpp ------------------------------------------------------===//
#include "frontend/AutoLexer.h"

#include "llvm/ADT/StringExtras.h"

namespace orch::frontend {

namespace {

constexpr llvm::StringLiteral Open = "<AUTO";
constexpr llvm::StringLiteral Close = "</AUTO>";
constexpr llvm::StringLiteral Prefix = "__AUTO";

bool isSpace(char C) { return C == ' ' || C == '\t' || C == '\r' || C == '\n'; }

/// True if \p Pos starts `<AUTO` followed by `>` or white space.
bool startsOpenTag(llvm::StringRef T, size_t Pos) {
  if (!T.substr(Pos).starts_with(Open)) return false;
  size_t After = Pos + Open.size();
  return After < T.size() && (T[After] == '>' || isSpace(T[After]));
}

/// True if the line holding \p Pos is a full-line YAML comment.
bool inCommentLine(llvm::StringRef T, size_t Pos) {
  size_t LineStart = T.rfind('\n', Pos);
  LineStart = LineStart == llvm::StringRef::npos ? 0 : LineStart + 1;
  llvm::StringRef Head = T.slice(LineStart, Pos).ltrim(" \t");
  return Head.starts_with("#");
}

class Scanner {
 public:
  Scanner(const SourceFile &F, DiagnosticEngine &D) : T(F.text()), Diags(D) {}

  AutoScan run();

 private:
  bool parseAttrs(size_t &Pos, RawAutoTag &Tag);
  /// Replaces \p Tag's text in Result.Rewritten with a same-length
  /// placeholder and records the tag.
  void addPlaceholder(AutoScan &Result, RawAutoTag Tag);
  void setAttr(llvm::StringRef Name, llvm::StringRef Val, SourceLoc NameLoc,
               SourceLoc ValLoc, RawAutoTag &Tag);

  llvm::StringRef T;
  DiagnosticEngine &Diags;
  bool SawType = false, SawMin = false, SawMax = false, SawChoices = false;
};

bool Scanner::parseAttrs(size_t &Pos, RawAutoTag &Tag) {
  SawType = SawMin = SawMax = SawChoices = false;
  while (true) {
    while (Pos < T.size() && isSpace(T[Pos])) ++Pos;
    if (Pos >= T.size()) return false;
    if (T[Pos] == '>') {
      ++Pos;
      return true;
    }
    size_t NameStart = Pos;
    while (Pos < T.size() && (llvm::isAlnum(T[Pos]) || T[Pos] == '_')) ++Pos;
    llvm::StringRef Name = T.slice(NameStart, Pos);
    if (Name.empty()) {
      Diags.report(DiagKind::AutoAttrSyntax, SourceLoc(NameStart), 1,
                   fmt::format("expected an attribute name or `>`, found `{}`",
                               T.substr(Pos, 1).str()));
      return false;
    }
    if (Pos >= T.size() || T[Pos] != '=') {
      Diags.report(DiagKind::AutoAttrSyntax, SourceLoc(Pos), 1,
                   fmt::format("expected `=` after `{}`", Name.str()));
      return false;
    }
    ++Pos;
    if (Pos >= T.size() || (T[Pos] != '"' && T[Pos] != '\'')) {
      Diags.report(DiagKind::AutoAttrSyntax, SourceLoc(Pos), 1,
                   fmt::format("the value of `{}` must be quoted", Name.str()));
      return false;
    }
    char Q = T[Pos++];
    size_t ValStart = Pos;
    size_t End = T.find(Q, Pos);
    size_t Nl = T.find('\n', Pos);
    if (End == llvm::StringRef::npos || Nl < End) {
      Diags.report(DiagKind::AutoAttrSyntax, SourceLoc(ValStart - 1), 1,
                   fmt::format("unterminated value of `{}`", Name.str()));
      return false;
    }
    setAttr(Name, T.slice(ValStart, End), SourceLoc(NameStart), SourceLoc(ValStart), Tag);
    Pos = End + 1;
  }
}

void Scanner::setAttr(llvm::StringRef Name, llvm::StringRef Val, SourceLoc NameLoc,
                      SourceLoc ValLoc, RawAutoTag &Tag) {
  auto Dup = [&](bool &Seen) {
    if (Seen) {
      Diags.report(DiagKind::AutoDuplicateAttr, NameLoc, Name.size(), Name.str());
      return true;
    }
    Seen = true;
    return false;
  };
  auto Number = [&](std::optional<double> &Out) {
    double D;
    if (Val.trim().getAsDouble(D)) {
      Diags.report(DiagKind::AutoBadAttr, ValLoc, Val.size(),
                   fmt::format("`{}`", Name.str()),
                   fmt::format("`{}` is not a number", Val.str()));
      return;
    }
    Out = D;
  };
  if (Name == "type") {
    if (Dup(SawType)) return;
    ir::Type Ty;
    if (!ir::parseTypeName(Val.trim(), Ty)) {
      Diags.report(DiagKind::AutoBadAttr, ValLoc, Val.size(), "`type`",
                   fmt::format("unknown type `{}`{}", Val.str(),
                               didYouMean(Val.trim(), ir::typeNameSpellings())));
      return;
    }
    Tag.DeclaredType = Ty;
  } else if (Name == "min") {
    if (!Dup(SawMin)) Number(Tag.Min);
  } else if (Name == "max") {
    if (!Dup(SawMax)) Number(Tag.Max);
  } else if (Name == "choices") {
    if (Dup(SawChoices)) return;
    llvm::SmallVector<llvm::StringRef, 8> Parts;
    Val.split(Parts, ',', -1, /*KeepEmpty=*/false);
    for (llvm::StringRef P : Parts)
      if (!P.trim().empty()) Tag.Choices.push_back(P.trim().str());
    if (Tag.Choices.empty())
      Diags.report(DiagKind::AutoBadAttr, ValLoc, std::max<size_t>(1, Val.size()),
                   "`choices`", "expected a comma-separated list of values");
  } else if (llvm::is_contained(autoHintAttributes(), Name)) {
    for (const auto &[Seen, Unused] : Tag.Hints)
      if (Seen == Name) {
        Diags.report(DiagKind::AutoDuplicateAttr, NameLoc, Name.size(), Name.str());
        return;
      }
    Tag.Hints.emplace_back(Name.str(), Val.trim().str());
  } else {
    std::vector<llvm::StringRef> Known = {"type", "min", "max", "choices"};
    Known.insert(Known.end(), autoHintAttributes().begin(), autoHintAttributes().end());
    Diags.report(DiagKind::AutoUnknownAttr, NameLoc, Name.size(), Name.str(),
                 didYouMean(Name, Known));
  }
}

/// Folds line breaks (and the indentation after them) into single spaces.
std::string foldText(llvm::StringRef Body) {
  std::string Out;
  Out.reserve(Body.size());
  bool PendingSpace = false;
  for (size_t I = 0; I < Body.size(); ++I) {
    char C = Body[I];
    if (C == '\n' || C == '\r') {
      PendingSpace = true;
      while (I + 1 < Body.size() && isSpace(Body[I + 1])) ++I;
      continue;
    }
    if (PendingSpace && !Out.empty()) Out += ' ';
    PendingSpace = false;
    Out += C;
  }
  return llvm::StringRef(Out).trim().str();
}

void Scanner::addPlaceholder(AutoScan &Result, RawAutoTag Tag) {
  if (Tag.Min && Tag.Max && *Tag.Min > *Tag.Max)
    Diags.report(DiagKind::AutoBadAttr, Tag.Loc, Open.size(), "`min`",
                 fmt::format("min {} is greater than max {}", *Tag.Min, *Tag.Max));
  size_t Lt = Tag.Loc.Offset;
  // Same-length placeholder: `__AUTO` M digits `_`... M, newlines and the
  // indentation after them kept so YAML's view of lines is unchanged. A
  // tag too short for that (`<AUTO>`) gets the short form.
  std::string Index = std::to_string(Result.Tags.size());
  std::string Head = (Prefix + llvm::Twine(Result.Marker) + Index).str();
  char End = Result.Marker;
  if (Tag.SelfClosing && Head.size() + 1 > Tag.Length && Result.ShortMarker &&
      Index.size() + 3 <= Tag.Length) {
    Head = std::string("_") + Result.ShortMarker + Index;
    End = Result.ShortMarker;
  }
  std::string Repl(T.substr(Lt, Tag.Length));
  size_t HeadIdx = 0;
  bool AtLineStart = false;
  for (size_t I = 0; I + 1 < Repl.size(); ++I) {
    char &C = Repl[I];
    if (C == '\n' || C == '\r') {
      AtLineStart = true;
    } else if (AtLineStart && (C == ' ' || C == '\t')) {
      C = ' ';
    } else {
      AtLineStart = false;
      C = HeadIdx < Head.size() ? Head[HeadIdx++] : '_';
    }
  }
  if (HeadIdx < Head.size()) {
    Diags.report(DiagKind::AutoTooMany, Tag.Loc, Tag.Length);
    return;
  }
  Repl.back() = End;
  Result.Rewritten.replace(Lt, Tag.Length, Repl);
  Result.Tags.push_back(std::move(Tag));
}

AutoScan Scanner::run() {
  AutoScan Result;
  // Pick a marker letter that the file never writes after `__AUTO`.
  for (char M : llvm::StringRef("QZXJKVWYABCDEFGHILMNOPRSTU")) {
    std::string Probe = (Prefix + llvm::Twine(M)).str();
    if (T.find(Probe) == llvm::StringRef::npos) {
      Result.Marker = M;
      break;
    }
  }
  // The short form's marker: a letter never written after `_`.
  for (char M : llvm::StringRef("ZQXJKVWYABCDEFGHILMNOPRSTU")) {
    if (T.find((llvm::Twine('_') + llvm::Twine(M)).str()) == llvm::StringRef::npos) {
      Result.ShortMarker = M;
      break;
    }
  }
  Result.Rewritten = T.str();

  size_t Pos = 0;
  while (true) {
    size_t Lt = T.find('<', Pos);
    if (Lt == llvm::StringRef::npos) break;
    Pos = Lt + 1;
    if (T.substr(Lt).starts_with(Close)) {
      if (!inCommentLine(T, Lt))
        Diags.report(DiagKind::StrayAutoClose, SourceLoc(Lt), Close.size());
      Pos = Lt + Close.size();
      continue;
    }
    if (!startsOpenTag(T, Lt) || inCommentLine(T, Lt)) continue;

    RawAutoTag Tag;
    Tag.Loc = SourceLoc(Lt);
    size_t AttrPos = Lt + Open.size();
    bool AttrsOk = parseAttrs(AttrPos, Tag);
    size_t BodyStart = AttrPos;
    size_t End = T.find(Close, BodyStart);
    size_t NextOpen = BodyStart;
    while ((NextOpen = T.find(Open, NextOpen)) != llvm::StringRef::npos &&
           !startsOpenTag(T, NextOpen))
      ++NextOpen;
    bool OwnsClose = End != llvm::StringRef::npos &&
                     (NextOpen == llvm::StringRef::npos || End < NextOpen);
    size_t LineEnd = std::min(T.find('\n', BodyStart), T.size());
    // What follows the tag on its line: nothing, or the scalar's closing quote.
    llvm::StringRef Rest = T.slice(BodyStart, LineEnd).rtrim(" \t\r");
    if (Rest.starts_with("\"") || Rest.starts_with("'")) Rest = Rest.drop_front();
    // A YAML comment (` # ...`) ends the line too.
    size_t Hash = Rest.find(" #");
    if (Hash != llvm::StringRef::npos) Rest = Rest.take_front(Hash);
    if (Rest.starts_with("#")) Rest = "";
    bool Blank = Rest.trim(" \t").empty();
    if (AttrsOk && !OwnsClose && Blank) {
      // `model: <AUTO task="summarize">`: the attributes are the question.
      Tag.SelfClosing = true;
      Pos = BodyStart;
      Tag.Length = static_cast<uint32_t>(Pos - Lt);
      for (const auto &[Name, Val] : Tag.Hints)
        Tag.Text += (Tag.Text.empty() ? "" : "; ") + Name + ": " + Val;
      if (Tag.Text.empty()) Tag.Text = "decide this value from the pipeline";
      addPlaceholder(Result, std::move(Tag));
      continue;
    }
    if (!OwnsClose &&
        (End == llvm::StringRef::npos || T.slice(BodyStart, NextOpen).contains('\n'))) {
      // No `</AUTO>` before the next tag on a later line: this one is
      // unterminated; the next one is read on its own.
      Diags.report(DiagKind::UnterminatedAuto, Tag.Loc, Open.size());
      Pos = BodyStart;
      continue;
    }
    if (!OwnsClose) {
      Diags.report(DiagKind::NestedAuto, SourceLoc(NextOpen), Open.size());
      // Skip the outer tag's own `</AUTO>` too: it is not a stray close.
      size_t OuterEnd = T.find(Close, End + Close.size());
      Pos = OuterEnd == llvm::StringRef::npos ? End + Close.size()
                                              : OuterEnd + Close.size();
      continue;
    }
    Pos = End + Close.size();
    if (!AttrsOk) continue;
    Tag.Length = static_cast<uint32_t>(Pos - Lt);
    Tag.Text = foldText(T.slice(BodyStart, End));
    if (Tag.Text.empty()) {
      Diags.report(DiagKind::AutoEmpty, Tag.Loc, Tag.Length);
      continue;
    }
    addPlaceholder(Result, std::move(Tag));
  }
  return Result;
}

}  // namespace

llvm::ArrayRef<llvm::StringRef> autoHintAttributes() {
  static const llvm::StringRef Names[] = {"task",      "domain",     "quality",
                                          "expertise", "complexity", "audience"};
  return Names;
}

AutoScan scanAutoTags(const SourceFile &File, DiagnosticEngine &Diags) {
  return Scanner(File, Diags).run();
}

namespace {
/// The short form `_<M><digits>_..._<M>`, at or after \p From.
std::optional<uint32_t> findShortPlaceholder(llvm::StringRef S, size_t From, char M,
                                             size_t &Begin, size_t &End) {
  const char Head[] = {'_', M, 0};
  for (size_t P = S.find(Head, From); P != llvm::StringRef::npos;
       P = S.find(Head, P + 1)) {
    size_t I = P + 2;
    uint64_t Index = 0;
    size_t Digits = 0;
    while (I < S.size() && llvm::isDigit(S[I]) && Index <= UINT32_MAX / 10) {
      Index = Index * 10 + (S[I++] - '0');
      ++Digits;
    }
    while (Digits && I < S.size() && S[I] == '_') ++I;
    if (!Digits || I >= S.size() || S[I] != M) continue;
    Begin = P;
    End = I + 1;
    return static_cast<uint32_t>(Index);
  }
  return std::nullopt;
}
}  // namespace

std::optional<uint32_t> findPlaceholder(llvm::StringRef S, size_t From, char Marker,
                                        size_t &Begin, size_t &End, char ShortMarker) {
  if (ShortMarker) {
    size_t SB, SE;
    std::optional<uint32_t> Short = findShortPlaceholder(S, From, ShortMarker, SB, SE);
    size_t LB, LE;
    std::optional<uint32_t> Long = findPlaceholder(S, From, Marker, LB, LE);
    if (Short && (!Long || SB < LB)) {
      Begin = SB;
      End = SE;
      return Short;
    }
    if (Long) {
      Begin = LB;
      End = LE;
    }
    return Long;
  }
  // The placeholder's head may be split by folded line breaks, so white
  // space is skipped between its characters.
  const char Head[] = {'_', '_', 'A', 'U', 'T', 'O', Marker};
  auto SkipSpace = [&](size_t I) {
    while (I < S.size() && isSpace(S[I])) ++I;
    return I;
  };
  for (size_t P = S.find('_', From); P != llvm::StringRef::npos; P = S.find('_', P + 1)) {
    size_t I = P;
    bool Ok = true;
    for (char H : Head) {
      I = SkipSpace(I);
      if (I >= S.size() || S[I] != H) {
        Ok = false;
        break;
      }
      ++I;
    }
    if (!Ok) continue;
    uint64_t Index = 0;
    bool AnyDigit = false;
    while (true) {
      size_t J = SkipSpace(I);
      if (J >= S.size() || !llvm::isDigit(S[J]) || Index > UINT32_MAX / 10) break;
      Index = Index * 10 + (S[J] - '0');
      AnyDigit = true;
      I = J + 1;
    }
    if (!AnyDigit) continue;
    // Padding: underscores and folded white space, then the closing marker.
    while (I < S.size() && (S[I] == '_' || isSpace(S[I]))) ++I;
    if (I >= S.size() || S[I] != Marker) continue;
    Begin = P;
    End = I + 1;
    return static_cast<uint32_t>(Index);
  }
  return std::nullopt;
}

}  // namespace orch::frontend
