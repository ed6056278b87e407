//===- CappedSink.cpp -----------------------------------------------------===//
#include "runtime/observe/CappedSink.h"

namespace orch::observe {

std::string CappedSink::pass(llvm::StringRef Lines) {
  if (Lines.empty()) return "";
  // Lines an earlier append could not keep are counted in a note before
  // the next lines that go in (`run_end`'s batch at the latest).
  std::string WithNote;
  llvm::StringRef Out = Lines;
  if (Unwritten) {
    WithNote = ir::Json{{"event", "events_dropped"}, {"dropped", Unwritten},
                        {"unwritten", true}}
                   .dump();
    WithNote += '\n';
    WithNote.append(Lines.data(), Lines.size());
    Out = WithNote;
  }
  if (llvm::Error E = Append(Out)) {
    // Not given up: the next batch (and `run_end`) is tried again.
    Unwritten += uint64_t(Lines.count('\n'));
    std::string Why = llvm::toString(std::move(E));
    if (Failed) return "";  // reported once
    Failed = true;
    return Why;
  }
  Unwritten = 0;
  Kept += Out.size();
  return "";
}

std::string CappedSink::write(llvm::StringRef Lines) {
  if (Dropped == 0 && Kept + Lines.size() <= Cap) return pass(Lines);
  // Past the cap: whole lines while they fit (a prefix of the log), then
  // only `run_end`, after a line that says how many were dropped.
  std::string Keep;
  while (!Lines.empty()) {
    auto [Line, Rest] = Lines.split('\n');
    Lines = Rest;
    if (Line.empty()) continue;
    if (Dropped == 0 && Kept + Keep.size() + Line.size() + 1 <= Cap) {
      Keep.append(Line.data(), Line.size()).push_back('\n');
      continue;
    }
    ir::Json E = ir::Json::parse(Line.str(), nullptr, /*allow_exceptions=*/false);
    if (E.is_object() && E.value("event", "") == "run_end") {
      ir::Json Note{{"event", "events_dropped"},
                    {"t_ms", E.value("t_ms", 0.0)},
                    {"dropped", Dropped},
                    {"limit_bytes", Cap}};
      Keep += Note.dump();
      Keep += '\n';
      Keep.append(Line.data(), Line.size()).push_back('\n');
      continue;
    }
    ++Dropped;
  }
  return pass(Keep);
}

}  // namespace orch::observe
