//===- SourceFile.cpp -----------------------------------------------------===//
#include "ir/SourceFile.h"

#include <algorithm>
#include <cstring>

#include "ir/SourceIncludes.h"

namespace orch {

SourceFile::SourceFile(std::string NameIn, std::string TextIn)
    : Name(std::move(NameIn)), Text(std::move(TextIn)) {
  LineStarts.reserve(Text.size() / 32 + 1);
  LineStarts.push_back(0);
  // memchr scans many bytes an instruction; lines are about 30 bytes.
  const char *Begin = Text.data(), *End = Begin + Text.size();
  for (const char *P = Begin;
       (P = static_cast<const char *>(std::memchr(P, '\n', End - P))); ++P)
    LineStarts.push_back(static_cast<uint32_t>(P - Begin) + 1);
}

LineCol SourceFile::lineCol(SourceLoc Loc) const {
  if (!Loc.isValid()) return {};
  if (Loc.Offset > Text.size())  // a sub-pipeline's (SourceIncludes.h)
    if (auto [F, L] = locateSource(*this, Loc); F != this) return F->lineCol(L);
  uint32_t Off = std::min<uint32_t>(Loc.Offset, Text.size());
  auto It = std::upper_bound(LineStarts.begin(), LineStarts.end(), Off);
  uint32_t Line = static_cast<uint32_t>(It - LineStarts.begin());
  return {Line, Off - LineStarts[Line - 1] + 1};
}

SourceLoc SourceFile::fromZeroBased(int Line, int Col) const {
  if (Line < 0 || Col < 0 || static_cast<size_t>(Line) >= LineStarts.size())
    return SourceLoc(static_cast<uint32_t>(Text.size()));
  uint64_t Off = uint64_t(LineStarts[Line]) + uint64_t(Col);
  return SourceLoc(static_cast<uint32_t>(std::min<uint64_t>(Off, Text.size())));
}

llvm::StringRef SourceFile::lineText(SourceLoc Loc) const {
  if (!Loc.isValid()) return {};
  if (Loc.Offset > Text.size())
    if (auto [F, L] = locateSource(*this, Loc); F != this) return F->lineText(L);
  LineCol LC = lineCol(Loc);
  uint32_t Start = LineStarts[LC.Line - 1];
  llvm::StringRef Rest = llvm::StringRef(Text).substr(Start);
  return Rest.take_until([](char C) { return C == '\n' || C == '\r'; });
}

}  // namespace orch
