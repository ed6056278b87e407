//===- Progress.cpp -------------------------------------------------------===//
#include "runtime/exec/Progress.h"

#include <fmt/format.h>

namespace orch::runtime {

namespace {
std::string ms(std::chrono::nanoseconds D) {
  double V = std::chrono::duration<double, std::milli>(D).count();
  return V < 1000 ? fmt::format("{:.0f} ms", V) : fmt::format("{:.2f} s", V / 1000);
}
}  // namespace

ProgressDisplay::~ProgressDisplay() {
  if (Redraw) Exec.cancelTimer(Redraw);
}

void ProgressDisplay::line(const std::string &Text) {
  if (Mode == ProgressMode::None) return;
  if (Mode == ProgressMode::Tty && Drawn) OS << "\r\x1b[K";
  Drawn = false;
  OS << Text << '\n';
  OS.flush();
  if (Mode == ProgressMode::Tty) scheduleRedraw();
}

void ProgressDisplay::stepStarted(uint32_t Step, unsigned) {
  if (Mode != ProgressMode::Tty) return;
  Running.insert(Step);
  scheduleRedraw();
}

void ProgressDisplay::stepRetrying(uint32_t Step, std::chrono::milliseconds Delay,
                                   const std::string &Error) {
  Running.erase(Step);
  const StepState &St = Sched->state(Step);
  line(fmt::format("retry     {} (attempt {} failed: {}); next in {}",
                   Sched->stepId(Step).str(), St.Attempts, Error, ms(Delay)));
}

void ProgressDisplay::stepSettled(uint32_t Step) {
  Running.erase(Step);
  ++Done;
  const StepState &St = Sched->state(Step);
  std::string Id = Sched->stepId(Step).str();
  std::string Count = fmt::format("[{}/{}]", Done, Sched->size());
  switch (St.Status) {
    case StepStatus::Completed:
      if (Mode == ProgressMode::Plain)
        line(
            fmt::format("{} completed {} ({})", Count, Id, ms(St.Finished - St.Started)));
      else
        scheduleRedraw();
      return;
    case StepStatus::Failed:
      line(fmt::format("{} failed    {}: {}", Count, Id, St.Error));
      return;
    default:
      if (Mode == ProgressMode::Plain)
        line(fmt::format("{} skipped   {}: {}", Count, Id, St.Error));
      else
        scheduleRedraw();
      return;
  }
}

void ProgressDisplay::scheduleRedraw() {
  if (Mode != ProgressMode::Tty || Redraw) return;
  Redraw = Exec.addTimer(Exec.now() + std::chrono::milliseconds(100), [this] {
    Redraw = 0;
    redraw();
  });
}

void ProgressDisplay::redraw() {
  if (!Sched || Sched->finished()) return;
  const auto &C = Sched->counts();
  size_t Completed = C[static_cast<size_t>(StepStatus::Completed)];
  size_t Failed = C[static_cast<size_t>(StepStatus::Failed)];
  size_t Skipped = C[static_cast<size_t>(StepStatus::Skipped)];
  size_t Run = C[static_cast<size_t>(StepStatus::Running)] +
               C[static_cast<size_t>(StepStatus::Backoff)];
  std::string Names;
  size_t Shown = 0;
  for (uint32_t I : Running) {
    if (Shown == 3) {
      Names += ", ...";
      break;
    }
    Names += (Shown++ ? ", " : "") + Sched->stepId(I).str();
  }
  std::string Text =
      fmt::format("[{}/{}] {} done, {} running, {} failed, {} skipped, {}",
                  Completed + Failed + Skipped, Sched->size(), Completed, Run, Failed,
                  Skipped, ms(Exec.now() - Sched->startTime()));
  if (!Names.empty()) Text += ": " + Names;
  if (Text.size() > 160) Text = Text.substr(0, 157) + "...";
  OS << "\r\x1b[K" << Text;
  OS.flush();
  Drawn = true;
  // Keep the clock moving while steps run.
  scheduleRedraw();
}

void ProgressDisplay::finish() {
  if (Redraw) Exec.cancelTimer(Redraw);
  Redraw = 0;
  if (Mode == ProgressMode::Tty && Drawn) OS << "\r\x1b[K";
  Drawn = false;
  OS.flush();
}

}  // namespace orch::runtime
