//===- Inspect.h - A run's story, from its event log -----------*- C++ -*-===//
//
// `orchrt inspect FILE [STEP]` reads an event log (EventLog.h). Without a
// step it prints one line a step (status, attempts, time, tokens, cost)
// and the run's totals; with one, the step's story: each attempt's
// parameters, each model call's exact messages, schema and answer, its
// tokens, cost and latency, and why an attempt failed.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "ir/Json.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

namespace orch::observe {

/// Calls \p Each with every event of the JSON Lines \p Log, in order;
/// blank lines are skipped. A last line cut short (a killed run) ends the
/// reading, its number in \p Truncated (else 0). Error: a line that is not
/// a JSON object with `event` (its number).
llvm::Error forEachEvent(llvm::StringRef Log, llvm::function_ref<void(ir::Json &&)> Each,
                         unsigned &Truncated);

/// Prints the story of \p Step (or of the run, if "") from the JSON Lines
/// \p Log to \p OS. Errors: a line that is not a JSON object (its number),
/// a step the log does not mention.
llvm::Error inspectEvents(llvm::StringRef Log, llvm::StringRef Step,
                          llvm::raw_ostream &OS);

}  // namespace orch::observe
