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

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

namespace orch::observe {

/// Prints the story of \p Step (or of the run, if "") from the JSON Lines
/// \p Log to \p OS. Errors: a line that is not a JSON object (its number),
/// a step the log does not mention.
llvm::Error inspectEvents(llvm::StringRef Log, llvm::StringRef Step,
                          llvm::raw_ostream &OS);

}  // namespace orch::observe
