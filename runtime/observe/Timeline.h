//===- Timeline.h - A run's attempts as an SVG Gantt chart -----*- C++ -*-===//
//
// `orchrt timeline FILE -o run.svg` reads an event log (EventLog.h) and
// draws each step attempt as a bar on a time axis: a lane per step (a
// loop's items together, under their loop's name), bars coloured by how
// the attempt ended, a retry's attempts side by side in their step's lane
// with the wait between them drawn as a dashed line. The output depends
// on the log only (deterministic), and every text from it is escaped.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

namespace orch::observe {

/// Writes the SVG timeline of the JSON Lines event log \p Log to \p OS.
/// Errors: a line that is not an event (its number), a log without attempts.
llvm::Error timelineSvg(llvm::StringRef Log, llvm::raw_ostream &OS);

/// \p Text escaped for XML text and attribute values; characters XML 1.0
/// cannot hold (controls other than tab and newline) are dropped.
std::string xmlEscape(llvm::StringRef Text);

}  // namespace orch::observe
