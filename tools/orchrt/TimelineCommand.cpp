//===- TimelineCommand.cpp - orchrt timeline ------------------------------===//
#include "TimelineCommand.h"

#include "Run.h"
#include "ir/AtomicFile.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"
#include "runtime/observe/Timeline.h"

namespace orch::tools {

int runTimelineCommand(int Argc, char **Argv) {
  std::string In, Out;
  bool Bad = false;
  for (int I = 1; I < Argc; ++I) {
    llvm::StringRef A = Argv[I];
    if ((A == "-o" || A == "--output") && I + 1 < Argc)
      Out = Argv[++I];
    else if (!A.starts_with("-") && In.empty())
      In = A.str();
    else
      Bad = true;
  }
  if (Bad || In.empty() || Out.empty()) {
    llvm::errs()
        << "usage: orchrt timeline EVENTS.jsonl -o run.svg\n"
           "  the run's step attempts as an SVG Gantt chart (from orchrt --events)\n";
    return Argc == 2 && llvm::StringRef(Argv[1]) == "--help" ? ExitOk : ExitUsage;
  }
  auto Buf = llvm::MemoryBuffer::getFile(In, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!Buf) {
    printDiag("orchrt timeline", DiagKind::EventLogUnreadable, In,
              Buf.getError().message());
    return ExitUsage;
  }
  std::string Svg;
  llvm::raw_string_ostream OS(Svg);
  if (llvm::Error E = observe::timelineSvg((*Buf)->getBuffer(), OS)) {
    printDiag("orchrt timeline", DiagKind::EventLogUnreadable, In,
              llvm::toString(std::move(E)));
    return ExitUsage;
  }
  if (llvm::Error E = writeFileAtomically(Out, Svg)) {
    printDiag("orchrt timeline", DiagKind::ResultWriteFailed, Out,
              llvm::toString(std::move(E)));
    return ExitRunFailed;
  }
  return ExitOk;
}

}  // namespace orch::tools
