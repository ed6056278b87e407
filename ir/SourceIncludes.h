//===- SourceIncludes.h - Files compiled into a root source file -*- C++ -*-===//
//
// A sub-pipeline (docs/control-flow.md §2) is read from its own file and
// inlined into its caller's IR. Its locations lie past the root file's
// text: the front end reads it after a comment as long as every file
// before it, so one 32-bit SourceLoc still names a place in any file of
// the compilation. This table maps such a location back to its file;
// SourceFile::lineCol, SourceFile::lineText and the diagnostics printer
// consult it. An IncludeScope ends a root's table.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <memory>
#include <utility>

#include "ir/SourceFile.h"

namespace orch {

/// Where the next file included in \p Root starts: past Root's text and
/// every file included so far.
uint32_t includeBase(const SourceFile &Root);

/// Adds \p File to \p Root's compilation at includeBase(Root). \p Parsed is
/// the text the front end read (includeBase() bytes of a YAML comment,
/// then File's text), kept alive because the IR points into it.
void includeFile(const SourceFile &Root, std::shared_ptr<const SourceFile> File,
                 std::shared_ptr<const SourceFile> Parsed);

/// The file of \p Root's compilation that holds \p Loc (Root itself or an
/// included file) and the location inside it.
std::pair<const SourceFile *, SourceLoc> locateSource(const SourceFile &Root,
                                                      SourceLoc Loc);

/// Forgets the files included in a root when it goes out of scope.
class IncludeScope {
 public:
  explicit IncludeScope(const SourceFile &Root) : Root(Root) {}
  ~IncludeScope();
  IncludeScope(const IncludeScope &) = delete;
  IncludeScope &operator=(const IncludeScope &) = delete;

 private:
  const SourceFile &Root;
};

}  // namespace orch
