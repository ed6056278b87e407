//===- SourceFile.h - A loaded source buffer and its locations -*- C++ -*-===//
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "llvm/ADT/StringRef.h"

namespace orch {

/// A position in the one source file of a compilation: a byte offset.
/// `Invalid` marks diagnostics and IR that have no position.
struct SourceLoc {
  static constexpr uint32_t Invalid = UINT32_MAX;
  uint32_t Offset = Invalid;

  constexpr SourceLoc() = default;
  constexpr explicit SourceLoc(uint32_t Offset) : Offset(Offset) {}
  /// True when the location points into the file.
  bool isValid() const { return Offset != Invalid; }
  friend auto operator<=>(SourceLoc, SourceLoc) = default;
};

/// A 1-based line and 1-based byte column.
struct LineCol {
  uint32_t Line = 0;
  uint32_t Col = 0;
};

/// The text of a source file together with a line-start table, so offsets,
/// line/column pairs and source lines convert to each other cheaply.
class SourceFile {
 public:
  SourceFile(std::string Name, std::string Text);

  /// The path as given on the command line.
  llvm::StringRef name() const { return Name; }
  /// The unmodified bytes of the file.
  llvm::StringRef text() const { return Text; }
  /// Converts an offset to a 1-based line and column.
  LineCol lineCol(SourceLoc Loc) const;
  /// Converts a 0-based line and column (yaml-cpp's marks) to a location.
  SourceLoc fromZeroBased(int Line, int Col) const;
  /// The text of the line holding \p Loc, without its newline.
  llvm::StringRef lineText(SourceLoc Loc) const;
  /// Number of lines in the file.
  uint32_t numLines() const { return static_cast<uint32_t>(LineStarts.size()); }

 private:
  std::string Name;
  std::string Text;
  std::vector<uint32_t> LineStarts;
};

}  // namespace orch
