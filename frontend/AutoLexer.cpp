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
  } else {
    static const llvm::StringRef Known[] = {"type", "min", "max", "choices"};
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
  Result.Rewritten = T.str();
  std::string &Out = Result.Rewritten;

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
    if (End == llvm::StringRef::npos) {
      Diags.report(DiagKind::UnterminatedAuto, Tag.Loc, Open.size());
      break;
    }
    if (NextOpen != llvm::StringRef::npos && NextOpen < End) {
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
    if (Tag.Min && Tag.Max && *Tag.Min > *Tag.Max)
      Diags.report(DiagKind::AutoBadAttr, Tag.Loc, Open.size(), "`min`",
                   fmt::format("min {} is greater than max {}", *Tag.Min, *Tag.Max));

    // Same-length placeholder: `__AUTO` M digits `_`... M, newlines and the
    // indentation after them kept so YAML's view of lines is unchanged.
    std::string Head =
        (Prefix + llvm::Twine(Result.Marker) + llvm::Twine(Result.Tags.size())).str();
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
      continue;
    }
    Repl.back() = Result.Marker;
    Out.replace(Lt, Tag.Length, Repl);
    Result.Tags.push_back(std::move(Tag));
  }
  return Result;
}

}  // namespace

AutoScan scanAutoTags(const SourceFile &File, DiagnosticEngine &Diags) {
  return Scanner(File, Diags).run();
}

std::optional<uint32_t> findPlaceholder(llvm::StringRef S, size_t From, char Marker,
                                        size_t &Begin, size_t &End) {
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
