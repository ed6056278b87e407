//===- ObserveCommands.cpp - orchrt inspect -------------------------------===//
#include "ObserveCommands.h"

#include "Run.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"
#include "runtime/observe/Inspect.h"

namespace orch::tools {

int runInspectCommand(int Argc, char **Argv) {
  if (Argc < 2 || Argc > 3 || llvm::StringRef(Argv[1]).starts_with("-")) {
    llvm::errs() << "usage: orchrt inspect EVENTS.jsonl [STEP]\n"
                    "  the run's steps (status, attempts, time, tokens, cost), or\n"
                    "  one step's story: parameters, exact model requests and answers\n";
    return Argc == 2 && llvm::StringRef(Argv[1]) == "--help" ? ExitOk : ExitUsage;
  }
  auto Buf = llvm::MemoryBuffer::getFile(Argv[1], /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!Buf) {
    printDiag("orchrt inspect", DiagKind::EventLogUnreadable, Argv[1],
              Buf.getError().message());
    return ExitUsage;
  }
  if (llvm::Error E = observe::inspectEvents((*Buf)->getBuffer(),
                                             Argc == 3 ? Argv[2] : "", llvm::outs())) {
    printDiag("orchrt inspect", DiagKind::EventLogUnreadable, Argv[1],
              llvm::toString(std::move(E)));
    return ExitUsage;
  }
  return ExitOk;
}

}  // namespace orch::tools
