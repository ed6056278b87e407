//===- TimelineCommand.cpp - orchrt timeline ------------------------------===//
#include "TimelineCommand.h"

#include "Run.h"
#include "StoredEvents.h"
#include "ir/AtomicFile.h"
#include "llvm/Support/raw_ostream.h"
#include "runtime/observe/Timeline.h"

namespace orch::tools {

namespace {
/// The lane kinds `--lanes` names.
constexpr std::pair<const char *, observe::TimelineLanes> LaneKinds[] = {
    {"step", observe::TimelineLanes::Step},
    {"slot", observe::TimelineLanes::Slot},
    {"group", observe::TimelineLanes::Group},
};

bool laneKind(llvm::StringRef Name, observe::TimelineLanes &Out) {
  for (const auto &[N, K] : LaneKinds)
    if (Name == N) {
      Out = K;
      return true;
    }
  return false;
}
}  // namespace

int runTimelineCommand(int Argc, char **Argv) {
  std::vector<std::string> Args(Argv + 1, Argv + Argc);
  std::string State, StateDir, In, Out;
  observe::TimelineLanes Lanes = observe::TimelineLanes::Step;
  bool Bad = !takeStateFlags(Args, State, StateDir);
  for (size_t I = 0; I < Args.size(); ++I) {
    llvm::StringRef A = Args[I];
    if ((A == "-o" || A == "--output") && I + 1 < Args.size())
      Out = Args[++I];
    else if (A == "--lanes" && I + 1 < Args.size() && laneKind(Args[I + 1], Lanes))
      ++I;
    else if (!A.starts_with("-") && In.empty())
      In = A.str();
    else
      Bad = true;
  }
  if (Bad || In.empty() || Out.empty()) {
    llvm::errs() << "usage: orchrt timeline EVENTS.jsonl|RUN -o run.svg "
                    "[--lanes step|slot|group] [--state URL|--state-dir DIR]\n"
                    "  the run's step attempts as an SVG Gantt chart (from orchrt "
                    "--events, or a run id in the state store); --lanes slot packs "
                    "them into a lane per attempt running at once, --lanes group "
                    "does so within each resource group\n";
    return Argc == 2 && llvm::StringRef(Argv[1]) == "--help" ? ExitOk : ExitUsage;
  }
  std::optional<std::string> Log = readEventLog("timeline", In, State, StateDir);
  if (!Log) return ExitUsage;
  std::string Svg;
  llvm::raw_string_ostream OS(Svg);
  if (llvm::Error E = observe::timelineSvg(*Log, OS, Lanes)) {
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
