//===- TimelineCommand.h - orchrt timeline ---------------------*- C++ -*-===//
#pragma once

namespace orch::tools {

/// `orchrt timeline EVENTS.jsonl -o run.svg`: the run's attempts as an SVG
/// Gantt chart (runtime/observe/Timeline.h).
int runTimelineCommand(int Argc, char **Argv);

}  // namespace orch::tools
