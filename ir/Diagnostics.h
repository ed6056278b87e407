//===- Diagnostics.h - Clang-style diagnostics with kinds -------*- C++ -*-===//
//
// Every stage reports problems through a DiagnosticEngine. Diagnostics are
// collected, ordered by source position (never by emission order or pointer)
// and printed as `file:line:col: error: message [Kind]` with the source line
// and a caret.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ir/SourceFile.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/raw_ostream.h"

namespace orch {

/// Every diagnostic kind, from DiagnosticKinds.def.
enum class DiagKind : uint16_t {
#define DIAG(Kind, Severity, Format) Kind,
#include "ir/DiagnosticKinds.def"
};

/// How bad a diagnostic is.
enum class Severity : uint8_t { Note, Warning, Error };

/// The name of a kind, as printed inside `[...]`.
llvm::StringRef diagKindName(DiagKind K);
/// The fixed severity of a kind.
Severity diagSeverity(DiagKind K);
/// The fmt format string of a kind.
const char *diagFormat(DiagKind K);

/// One reported problem, with the notes that explain it.
struct Diagnostic {
  DiagKind Kind;
  Severity Sev;
  SourceLoc Loc;
  uint32_t Length = 0;  ///< Characters to underline after the caret.
  std::string Message;
  std::vector<Diagnostic> Notes;
};

/// Collects diagnostics for one source file and prints them in source order.
class DiagnosticEngine {
 public:
  /// \p File may be null for diagnostics without source (usage errors).
  explicit DiagnosticEngine(const SourceFile *File) : File(File) {}

  /// Reports a diagnostic of kind \p K at \p Loc, underlining \p Length
  /// characters; the arguments fill the kind's format string. The returned
  /// reference stays valid until the next report() call.
  template <typename... Args>
  Diagnostic &report(DiagKind K, SourceLoc Loc, uint32_t Length, Args &&...A) {
    return add(K, Loc, Length,
               fmt::format(fmt::runtime(diagFormat(K)), std::forward<Args>(A)...));
  }

  /// Attaches a note to \p D.
  template <typename... Args>
  static void note(Diagnostic &D, DiagKind K, SourceLoc Loc, uint32_t Length,
                   Args &&...A) {
    D.Notes.push_back({K,
                       diagSeverity(K),
                       Loc,
                       Length,
                       fmt::format(fmt::runtime(diagFormat(K)), std::forward<Args>(A)...),
                       {}});
  }

  /// Number of errors reported so far.
  unsigned errorCount() const { return NumErrors; }
  /// Number of warnings reported so far.
  unsigned warningCount() const { return NumWarnings; }
  /// True if any error was reported.
  bool hasErrors() const { return NumErrors != 0; }
  /// The diagnostics reported and not yet flushed, in report order.
  llvm::ArrayRef<Diagnostic> pending() const { return Pending; }

  /// Stops printing after this many errors (0: no limit).
  void setErrorLimit(unsigned N) { ErrorLimit = N; }
  /// The name diagnostics without a file start with (default `orchc`).
  void setToolName(llvm::StringRef Name) { ToolName = Name.str(); }

  /// Prints the pending diagnostics sorted by location, then forgets them.
  void flush(llvm::raw_ostream &OS, bool Color);
  /// Prints "N errors generated." if any error was reported.
  void printSummary(llvm::raw_ostream &OS) const;

 private:
  Diagnostic &add(DiagKind K, SourceLoc Loc, uint32_t Length, std::string Msg);
  void print(llvm::raw_ostream &OS, const Diagnostic &D, bool Color) const;

  const SourceFile *File;
  std::vector<Diagnostic> Pending;
  unsigned NumErrors = 0;
  unsigned NumWarnings = 0;
  unsigned NumPrintedErrors = 0;
  unsigned ErrorLimit = 0;
  bool LimitReported = false;
  std::string ToolName = "orchc";
};

/// Returns ", did you mean `X`?"-style suffix text (`; did you mean `X`?`)
/// for the candidate closest to \p Name, or "" if none is close enough.
std::string didYouMean(llvm::StringRef Name, llvm::ArrayRef<llvm::StringRef> Candidates);

}  // namespace orch
