//===- Progress.h - What a run shows while it runs -------------*- C++ -*-===//
#pragma once

#include <set>
#include <string>

#include "llvm/Support/raw_ostream.h"
#include "runtime/exec/Scheduler.h"

namespace orch::runtime {

/// \p Text made safe to print on a terminal as part of one line: escape
/// sequences (CSI, OSC, DCS, ...) and other control characters, C1 controls
/// included, are removed, and line breaks and tabs become spaces. Step
/// errors carry what commands and servers wrote; this keeps them from
/// moving the cursor, retitling the window or clearing the screen.
std::string terminalSafe(llvm::StringRef Text);

/// How progress is shown.
enum class ProgressMode {
  None,   ///< Nothing.
  Plain,  ///< One line a settled step or retry (logs, pipes).
  Tty,    ///< One status line, redrawn at most 10 times a second.
};

/// Shows a run's progress on \p OS (stderr): done/running/failed/skipped
/// counts, the running steps' names and the elapsed time on a terminal;
/// plain lines otherwise. Failures always get a line of their own.
class ProgressDisplay : public RunObserver {
 public:
  ProgressDisplay(Executor &Exec, ProgressMode Mode, llvm::raw_ostream &OS)
      : Exec(Exec), Mode(Mode), OS(OS) {}
  ~ProgressDisplay() override;
  /// The scheduler reported on; call before it starts.
  void attach(const Scheduler &S) { Sched = &S; }
  /// Clears the status line; call once the run is over.
  void finish();

  void stepStarted(uint32_t Step, unsigned Attempt) override;
  void stepRetrying(uint32_t Step, std::chrono::milliseconds Delay,
                    const std::string &Error) override;
  void stepSettled(uint32_t Step) override;

 private:
  void line(const std::string &Text);
  void scheduleRedraw();
  void redraw();

  Executor &Exec;
  ProgressMode Mode;
  llvm::raw_ostream &OS;
  const Scheduler *Sched = nullptr;
  std::set<uint32_t> Running;  ///< By plan order, for a stable display.
  size_t Done = 0;
  Executor::TimerId Redraw = 0;
  bool Drawn = false;
};

}  // namespace orch::runtime
