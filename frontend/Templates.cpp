//===- Templates.cpp ------------------------------------------------------===//
#include "frontend/Templates.h"

#include "frontend/ExprParser.h"
#include "llvm/ADT/SmallVector.h"

namespace orch::frontend {

namespace {

/// Finds the `}}` that closes a placeholder whose body starts at \p From,
/// skipping quoted strings inside the expression.
size_t findClose(llvm::StringRef S, size_t From) {
  char Quote = 0;
  for (size_t I = From; I + 1 < S.size(); ++I) {
    char C = S[I];
    if (Quote) {
      if (C == '\\')
        ++I;
      else if (C == Quote)
        Quote = 0;
      continue;
    }
    if (C == '"' || C == '\'')
      Quote = C;
    else if (C == '}' && S[I + 1] == '}')
      return I;
  }
  return llvm::StringRef::npos;
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
        TagsByIndex(Scan.Tags.size(), nullptr) {}

  void run(ast::ScalarNode *N) {
    llvm::StringRef V = N->value();
    bool HasExpr = V.contains("{{");
    bool HasAuto = !Scan.Tags.empty() && V.contains("__AUTO");
    // Raw-text search window for exact expression columns.
    SearchFrom = N->loc().Offset;
    Current = N;
    if (!HasExpr && !HasAuto) {
      if (V.contains("}}")) warnStrayClose(V);
      return;
    }
    llvm::SmallVector<ir::Segment, 4> Segs;
    size_t Pos = 0;
    while (Pos < V.size()) {
      size_t Open = HasExpr ? V.find("{{", Pos) : llvm::StringRef::npos;
      size_t PBegin = 0, PEnd = 0;
      std::optional<uint32_t> Tag;
      if (HasAuto) Tag = findPlaceholder(V, Pos, Scan.Marker, PBegin, PEnd);
      if (Open == llvm::StringRef::npos && !Tag) break;
      if (Tag && (Open == llvm::StringRef::npos || PBegin < Open)) {
        addText(Segs, V.slice(Pos, PBegin));
        if (ir::AutoTag *T = tag(*Tag))
          Segs.push_back({ir::Segment::Kind::Auto, {}, nullptr, T});
        Pos = PEnd;
        continue;
      }
      addText(Segs, V.slice(Pos, Open));
      size_t Close = findClose(V, Open + 2);
      if (Close == llvm::StringRef::npos) {
        Diags.report(DiagKind::TemplateUnterminated,
                     rawLoc(V.substr(Open, 2), N).value_or(N->loc()), 2);
        Failed = true;
        return;
      }
      llvm::StringRef Body = V.slice(Open + 2, Close);
      llvm::StringRef Whole = V.slice(Open, Close + 2);
      std::optional<SourceLoc> Found = rawLoc(Whole, N);
      SourceLoc WholeLoc = Found.value_or(N->loc());
      size_t Lead = Body.size() - Body.ltrim().size();
      llvm::StringRef Inner = Body.trim();
      SourceLoc InnerLoc = Found ? SourceLoc(WholeLoc.Offset + 2 + Lead) : SourceLoc();
      size_t PB, PE;
      if (Inner.empty()) {
        Diags.report(DiagKind::TemplateEmpty, WholeLoc, Whole.size());
        Failed = true;
      } else if (findPlaceholder(Inner, 0, Scan.Marker, PB, PE)) {
        Diags.report(DiagKind::AutoNotAllowed, WholeLoc, Whole.size(),
                     "template expressions");
        Failed = true;
      } else if (ir::Expr *E = parseExpression(Inner, InnerLoc, WholeLoc, A, Diags)) {
        Segs.push_back({ir::Segment::Kind::Expr, {}, E, nullptr});
      } else {
        Failed = true;
      }
      Pos = Close + 2;
    }
    addText(Segs, V.substr(Pos));
    N->setSegments(A.copyArray<ir::Segment>(Segs));
  }

  bool Failed = false;

 private:
  void addText(llvm::SmallVectorImpl<ir::Segment> &Segs, llvm::StringRef T) {
    if (T.empty()) return;
    if (T.contains("}}")) warnStrayClose(T);
    Segs.push_back({ir::Segment::Kind::Text, A.save(T), nullptr, nullptr});
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
  ast::ScalarNode *Current = nullptr;
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
    if (!Scan.Tags.empty() && findPlaceholder(K->value(), 0, Scan.Marker, B, E)) {
      Diags.report(DiagKind::AutoNotAllowed, K->loc(), K->length(), "mapping keys");
      Ok = false;
    }
  return Ok;
}

}  // namespace orch::frontend
