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

std::string terminalSafe(llvm::StringRef Text) {
  std::string Out;
  Out.reserve(Text.size());
  size_t I = 0, N = Text.size();
  auto At = [&](size_t K) { return static_cast<unsigned char>(Text[K]); };
  while (I < N) {
    unsigned char C = At(I);
    if (C == 0x1b) {
      ++I;
      if (I >= N) break;
      unsigned char K = At(I++);
      if (K == '[') {
        // CSI: parameter and intermediate bytes, then one final byte.
        while (I < N && At(I) >= 0x20 && At(I) <= 0x3f) ++I;
        if (I < N && At(I) >= 0x40 && At(I) <= 0x7e) ++I;
      } else if (K == ']' || K == 'P' || K == '_' || K == '^' || K == 'X') {
        // A string until BEL or ST (ESC \).
        while (I < N && At(I) != 0x07 &&
               !(At(I) == 0x1b && I + 1 < N && Text[I + 1] == '\\'))
          ++I;
        if (I < N) I += At(I) == 0x07 ? 1 : 2;
      }
      continue;
    }
    if (C == 0xc2 && I + 1 < N && At(I + 1) >= 0x80 && At(I + 1) <= 0x9f) {
      I += 2;  // a C1 control, UTF-8 encoded
      continue;
    }
    if (C == '\n' || C == '\r' || C == '\t') {
      Out += ' ';
    } else if (C >= 0x20 && C != 0x7f) {
      Out += static_cast<char>(C);
    }
    ++I;
  }
  return Out;
}

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
  // A loop item's step: its loop shows as running (it settles per item).
  if (Mode != ProgressMode::Tty || Step >= Sched->size()) return;
  Running.insert(Step);
  scheduleRedraw();
}

void ProgressDisplay::stepRetrying(uint32_t Step, std::chrono::milliseconds Delay,
                                   const std::string &Error) {
  Running.erase(Step);
  const StepState &St = Sched->state(Step);
  line(fmt::format("retry     {} (attempt {} failed: {}); next in {}",
                   terminalSafe(Sched->stepName(Step)), St.Attempts, terminalSafe(Error),
                   ms(Delay)));
}

void ProgressDisplay::stepSettled(uint32_t Step) {
  Running.erase(Step);
  ++Done;
  const StepState &St = Sched->state(Step);
  std::string Id = terminalSafe(Sched->stepId(Step));
  std::string Count = fmt::format("[{}/{}]", Done, Sched->topLevelSteps());
  switch (St.Status) {
    case StepStatus::Completed:
      if (Mode == ProgressMode::Plain)
        line(St.Cached ? fmt::format("{} cached    {}", Count, Id)
             : Sched->isLoop(Step)
                 ? fmt::format("{} completed {} ({} items, {})", Count, Id,
                               St.Result.value("count", 0), ms(St.Finished - St.Started))
                 : fmt::format("{} completed {} ({})", Count, Id,
                               ms(St.Finished - St.Started)));
      else
        scheduleRedraw();
      return;
    case StepStatus::Failed:
      line(fmt::format("{} failed    {}: {}", Count, Id, terminalSafe(St.Error)));
      return;
    default:
      if (Mode == ProgressMode::Plain)
        line(fmt::format("{} skipped   {}: {}", Count, Id, terminalSafe(St.Error)));
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
    Names += (Shown++ ? ", " : "") + terminalSafe(Sched->stepId(I));
  }
  std::string Text =
      fmt::format("[{}/{}] {} done, {} running, {} failed, {} skipped, {}",
                  Completed + Failed + Skipped, Sched->size(), Completed, Run, Failed,
                  Skipped, ms(Exec.now() - Sched->startTime()));
  if (size_t Items = Sched->itemsDone())
    Text += fmt::format(", {} loop items done", Items);
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
