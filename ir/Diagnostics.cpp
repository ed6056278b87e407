//===- Diagnostics.cpp ----------------------------------------------------===//
#include "ir/Diagnostics.h"

#include <algorithm>
#include <vector>

#include "ir/SourceIncludes.h"
#include "ir/StableSort.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

namespace orch {

namespace {
struct KindInfo {
  const char *Name;
  Severity Sev;
  const char *Format;
};
constexpr KindInfo Kinds[] = {
#define DIAG(Kind, Sev, Format) {#Kind, Severity::Sev, Format},
#include "ir/DiagnosticKinds.def"
};
}  // namespace

llvm::StringRef diagKindName(DiagKind K) { return Kinds[static_cast<unsigned>(K)].Name; }
Severity diagSeverity(DiagKind K) { return Kinds[static_cast<unsigned>(K)].Sev; }
const char *diagFormat(DiagKind K) { return Kinds[static_cast<unsigned>(K)].Format; }

Diagnostic &DiagnosticEngine::add(DiagKind K, SourceLoc Loc, uint32_t Length,
                                  std::string Msg) {
  Severity S = diagSeverity(K);
  if (S == Severity::Error) ++NumErrors;
  if (S == Severity::Warning) ++NumWarnings;
  Pending.push_back({K, S, Loc, Length, std::move(Msg), {}});
  return Pending.back();
}

void DiagnosticEngine::print(llvm::raw_ostream &OS, const Diagnostic &D,
                             bool Color) const {
  llvm::SourceMgr::DiagKind SK = D.Sev == Severity::Error ? llvm::SourceMgr::DK_Error
                                 : D.Sev == Severity::Warning
                                     ? llvm::SourceMgr::DK_Warning
                                     : llvm::SourceMgr::DK_Note;
  std::string Msg = D.Message;
  if (D.Sev != Severity::Note || D.Kind == DiagKind::ImplicitDependency)
    Msg += " [" + diagKindName(D.Kind).str() + "]";

  if (!File || !D.Loc.isValid()) {
    llvm::SMDiagnostic SD(File ? File->name() : ToolName, SK, Msg);
    SD.print(nullptr, OS, Color, /*ShowKindLabel=*/true);
    return;
  }
  auto [In, Loc] = locateSource(*File, D.Loc);  // File, or a sub-pipeline's
  LineCol LC = In->lineCol(Loc);
  llvm::StringRef Line = In->lineText(Loc);
  unsigned Col0 = LC.Col - 1;
  std::vector<std::pair<unsigned, unsigned>> Ranges;
  if (D.Length > 1 && Col0 < Line.size())
    Ranges.push_back({Col0, std::min<unsigned>(Line.size(), Col0 + D.Length)});
  // SMDiagnostic only formats here; it never reads the SourceMgr it names.
  static const llvm::SourceMgr NoSM;
  llvm::SMDiagnostic SD(NoSM, llvm::SMLoc(), In->name(), static_cast<int>(LC.Line),
                        static_cast<int>(Col0), SK, Msg, Line, Ranges);
  SD.print(nullptr, OS, Color, /*ShowKindLabel=*/true);
}

void DiagnosticEngine::flush(llvm::raw_ostream &OS, bool Color) {
  orch::stableSort(Pending.begin(), Pending.end(),
                   [](const Diagnostic &A, const Diagnostic &B) {
                     // Diagnostics without a location come first.
                     uint64_t KA = A.Loc.isValid() ? uint64_t(A.Loc.Offset) + 1 : 0;
                     uint64_t KB = B.Loc.isValid() ? uint64_t(B.Loc.Offset) + 1 : 0;
                     return KA < KB;
                   });
  for (const Diagnostic &D : Pending) {
    if (D.Sev == Severity::Error) {
      if (ErrorLimit && NumPrintedErrors >= ErrorLimit) {
        if (!LimitReported) {
          LimitReported = true;
          OS << ToolName << ": too many errors emitted, stopping now\n";
        }
        continue;
      }
      ++NumPrintedErrors;
    } else if (LimitReported) {
      continue;
    }
    print(OS, D, Color);
    for (const Diagnostic &N : D.Notes) print(OS, N, Color);
  }
  Pending.clear();
}

void DiagnosticEngine::printSummary(llvm::raw_ostream &OS) const {
  if (NumErrors)
    OS << NumErrors << (NumErrors == 1 ? " error" : " errors") << " generated.\n";
}

namespace {
/// Optimal string alignment distance: insertions, deletions and swaps of
/// two neighbours cost 1; a replacement costs \p ReplaceCost.
unsigned editDistance(llvm::StringRef A, llvm::StringRef B, unsigned ReplaceCost) {
  std::vector<unsigned> Prev2(B.size() + 1), Prev(B.size() + 1), Cur(B.size() + 1);
  for (size_t J = 0; J <= B.size(); ++J) Prev[J] = J;
  for (size_t I = 1; I <= A.size(); ++I) {
    Cur[0] = I;
    for (size_t J = 1; J <= B.size(); ++J) {
      unsigned Sub = Prev[J - 1] + (A[I - 1] == B[J - 1] ? 0 : ReplaceCost);
      Cur[J] = std::min({Prev[J] + 1, Cur[J - 1] + 1, Sub});
      if (I > 1 && J > 1 && A[I - 1] == B[J - 2] && A[I - 2] == B[J - 1])
        Cur[J] = std::min(Cur[J], Prev2[J - 2] + 1);
    }
    std::swap(Prev2, Prev);
    std::swap(Prev, Cur);
  }
  return Prev[B.size()];
}
}  // namespace

std::string didYouMean(llvm::StringRef Name, llvm::ArrayRef<llvm::StringRef> Candidates) {
  llvm::StringRef Best;
  unsigned BestDist = ~0u;
  // Names of one or two characters get no guess: anything is one edit away.
  if (Name.size() <= 2) return "";
  // About one edit (an insertion, a deletion, two swapped neighbours) for
  // every four characters. Up to four characters a replacement counts
  // twice: `list` is one letter from `last`, but not a typo of it.
  unsigned MaxDist = std::max<unsigned>(1, Name.size() / 4);
  unsigned ReplaceCost = Name.size() <= 4 ? 2 : 1;
  for (llvm::StringRef C : Candidates) {
    unsigned D = editDistance(Name, C, ReplaceCost);
    // Ties keep the first candidate: callers pass them in source order.
    if (D < BestDist) {
      BestDist = D;
      Best = C;
    }
  }
  if (Best.empty() || BestDist > MaxDist) return "";
  return fmt::format("; did you mean `{}`?", Best.str());
}

}  // namespace orch
