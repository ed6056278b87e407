//===- ObserveCommands.cpp - orchrt inspect -------------------------------===//
#include "ObserveCommands.h"

#include "Run.h"
#include "StoredEvents.h"
#include "llvm/Support/raw_ostream.h"
#include "runtime/observe/Inspect.h"

namespace orch::tools {

int runInspectCommand(int Argc, char **Argv) {
  std::vector<std::string> Args(Argv + 1, Argv + Argc);
  std::string State, StateDir;
  bool Flags = takeStateFlags(Args, State, StateDir);
  if (!Flags || Args.empty() || Args.size() > 2 ||
      llvm::StringRef(Args[0]).starts_with("-")) {
    llvm::errs()
        << "usage: orchrt inspect EVENTS.jsonl|RUN [STEP] [--state URL|--state-dir DIR]\n"
           "  the run's steps (status, attempts, time, tokens, cost), or\n"
           "  one step's story: parameters, exact model requests and answers;\n"
           "  RUN: a run id in the state store (orchrt runs)\n";
    return Argc == 2 && llvm::StringRef(Argv[1]) == "--help" ? ExitOk : ExitUsage;
  }
  std::optional<std::string> Log = readEventLog("inspect", Args[0], State, StateDir);
  if (!Log) return ExitUsage;
  if (llvm::Error E =
          observe::inspectEvents(*Log, Args.size() == 2 ? Args[1] : "", llvm::outs())) {
    printDiag("orchrt inspect", DiagKind::EventLogUnreadable, Args[0],
              llvm::toString(std::move(E)));
    return ExitUsage;
  }
  return ExitOk;
}

}  // namespace orch::tools
