//===- Timeline.h - A run's attempts as an SVG Gantt chart -----*- C++ -*-===//
//
// `orchrt timeline FILE -o run.svg` reads an event log (EventLog.h) and
// draws each step attempt as a bar on a time axis: a lane per step (a
// loop's items together, under their loop's name), bars coloured by how
// the attempt ended, a retry's attempts side by side in their step's lane
// with the wait between them drawn as a dashed line. With slot lanes the
// attempts are packed into the fewest lanes that hold them (a lane per
// attempt running at once), which keeps a wide run readable; with group
// lanes each resource group gets its own band of such lanes (the steps
// without a group one more, last). The output depends
// on the log only (deterministic), and every text from it is escaped.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "ir/XmlEscape.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

namespace orch::observe {

/// How the timeline's lanes are made.
enum class TimelineLanes {
  Step,   ///< A lane per step (a loop's items together).
  Slot,   ///< The fewest lanes that hold every attempt without overlap: a
          ///< lane per concurrently running attempt (orchrt's `-j` slots).
  Group,  ///< As Slot, within each resource group (the attempt_start's
          ///< `group`): a band of lanes per group, its slots in use.
};

/// Writes the SVG timeline of the JSON Lines event log \p Log to \p OS.
/// Errors: a line that is not an event (its number), a log without attempts.
llvm::Error timelineSvg(llvm::StringRef Log, llvm::raw_ostream &OS,
                        TimelineLanes Lanes = TimelineLanes::Step);

/// XML text escaping (ir/XmlEscape.h), which the timeline's SVG uses.
using ir::xmlEscape;

/// \p Text if it has at most \p MaxBytes bytes, else its first bytes (cut on
/// a code point's boundary, under \p MaxBytes) and an ellipsis.
std::string labelPrefix(llvm::StringRef Text, size_t MaxBytes);

}  // namespace orch::observe
