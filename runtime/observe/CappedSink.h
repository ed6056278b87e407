//===- CappedSink.h - An event log's bounded second copy -------*- C++ -*-===//
//
// With a state store, orchrt keeps the run's event log in the run's record
// as well (tools/orchrt StoredEvents): the log's writer thread hands each
// batch of lines to a CappedSink, which passes it on to an append function
// (the store's) up to a number of bytes. Past the cap, lines are dropped
// and counted; `run_end` is always kept, after an `events_dropped` line
// that counts what was dropped. An append that fails is reported once;
// later batches are still tried, the first that goes in after an
// `events_dropped` line with `unwritten: true` that counts the lines lost.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "runtime/observe/EventLog.h"

namespace orch::observe {

/// Passes batches of event lines on to \p Append, up to Cap bytes.
class CappedSink : public EventSink {
 public:
  /// The bytes of lines one orchrt invocation keeps in its run's record.
  static constexpr size_t DefaultCap = 16u << 20;
  using AppendFn = std::function<llvm::Error(llvm::StringRef Lines)>;

  explicit CappedSink(AppendFn Append, size_t Cap = DefaultCap)
      : Append(std::move(Append)), Cap(Cap) {}
  std::string write(llvm::StringRef Lines) override;

 private:
  std::string pass(llvm::StringRef Lines);
  AppendFn Append;
  size_t Cap;
  size_t Kept = 0;       ///< Bytes passed on so far.
  uint64_t Dropped = 0;  ///< Lines dropped past the cap.
  bool Failed = false;   ///< An append failed (reported once; later ones are tried).
  uint64_t Unwritten = 0;  ///< Lines of failed appends not yet noted.
};

}  // namespace orch::observe
