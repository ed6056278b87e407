//===- StoredEvents.h - The event log in the run's record ------*- C++ -*-===//
//
// With a state store, orchrt keeps the run's event log (EventLog.h) in the
// run's record as well as in `--events FILE`: the log's writer thread hands
// every batch of lines to a CappedSink, which appends it to the store (one
// row a batch) on a connection of its own. `orchrt inspect RUN` and
// `orchrt timeline RUN` read it back (readEventLog).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "runtime/observe/EventLog.h"
#include "runtime/state/StateStore.h"

namespace orch::tools {

/// Keeps the run's event log in run \p RunId's record in the store \p Spec
/// (a connection of its own): \p Log gets a CappedSink to it, and is
/// created without a file first if there was no `--events`.
llvm::Error keepEventsInStore(std::unique_ptr<observe::EventLog> &Log,
                              const std::vector<std::string> &Secrets,
                              const std::string &Spec, const std::string &RunId);

/// The event log \p Arg names for `orchrt <Tool>`: a file, or the id of a
/// run in the store that \p State / \p StateDir name (as `orchrt show`).
/// Reports why not (`[EventLogUnreadable]`, `[UnknownRun]`, ...) and
/// returns std::nullopt.
std::optional<std::string> readEventLog(llvm::StringRef Tool, const std::string &Arg,
                                        const std::string &State,
                                        const std::string &StateDir);

/// Takes `--state X`, `--state=X`, `--state-dir D` and `--state-dir=D` out
/// of \p Args into \p State and \p StateDir; the rest stays
/// in order. False: such a flag without its value.
bool takeStateFlags(std::vector<std::string> &Args, std::string &State,
                    std::string &StateDir);

}  // namespace orch::tools
