//===- CappedSink.cpp -----------------------------------------------------===//
#include "runtime/observe/CappedSink.h"

namespace orch::observe {

std::string CappedSink::pass(llvm::StringRef Lines) {
  if (Failed || Lines.empty()) return "";
  if (llvm::Error E = Append(Lines)) {
    Failed = true;
    return llvm::toString(std::move(E));
  }
  Kept += Lines.size();
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
