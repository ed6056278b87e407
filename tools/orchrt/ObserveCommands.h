//===- ObserveCommands.h - orchrt inspect ----------------------*- C++ -*-===//
#pragma once

namespace orch::tools {

/// `orchrt inspect EVENTS.jsonl [STEP]`: a run's or a step's story.
int runInspectCommand(int Argc, char **Argv);

}  // namespace orch::tools
