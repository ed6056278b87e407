//===- AutoLexer.h - Finds <AUTO> tags before YAML parsing -----*- C++ -*-===//
//
// `<AUTO>` tag text is free prose: it may hold `: `, `#`, quotes and other
// YAML indicators, so a pipeline that uses tags is often not valid YAML as
// written. This stage finds every tag in the raw text and replaces it with a
// placeholder of exactly the same length (newlines kept), so YAML parses the
// rest and every line:column stays true to the original file.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ir/Diagnostics.h"
#include "ir/Type.h"

namespace orch::frontend {

/// A tag as found in the raw text.
struct RawAutoTag {
  SourceLoc Loc;        ///< The `<` of `<AUTO`.
  uint32_t Length = 0;  ///< Up to and including `</AUTO>`.
  std::string Text;     ///< Body, with line breaks and indentation folded.
  std::optional<ir::Type> DeclaredType;
  std::optional<double> Min, Max;
  std::vector<std::string> Choices;
  /// Descriptive attributes (`task`, `domain`, ...), in source order.
  std::vector<std::pair<std::string, std::string>> Hints;
  /// `<AUTO task="...">` alone at the end of its line, with no `</AUTO>`
  /// of its own: Text is made from the attributes.
  bool SelfClosing = false;
};

/// The descriptive attributes a tag may carry besides `type`, `min`, `max`
/// and `choices` (ContextLab's), shown to the model as written.
llvm::ArrayRef<llvm::StringRef> autoHintAttributes();

/// The rewritten text and the tags it replaced.
struct AutoScan {
  std::string Rewritten;
  std::vector<RawAutoTag> Tags;
  /// Placeholders are `__AUTO<Marker><index>___...<Marker>`.
  char Marker = 'Q';
  /// Tags too short for that (a bare `<AUTO>`) become `_<Short><index>_<Short>`
  /// (`_` padding); 0 if the file leaves no letter for it.
  char ShortMarker = 0;
};

/// Scans \p File for tags. Malformed tags are reported to \p Diags (every one
/// of them); the scan still returns a rewrite of the well-formed ones.
AutoScan scanAutoTags(const SourceFile &File, DiagnosticEngine &Diags);

/// If \p S holds a placeholder at or after \p From, returns its tag index and
/// sets \p Begin / \p End to its extent within \p S.
std::optional<uint32_t> findPlaceholder(llvm::StringRef S, size_t From, char Marker,
                                        size_t &Begin, size_t &End, char ShortMarker = 0);

}  // namespace orch::frontend
