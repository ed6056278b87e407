//===- StateCommands.h - orchrt runs, show, gc -----------------*- C++ -*-===//
#pragma once

namespace orch::tools {

/// `orchrt runs [--json]`: the runs in the store, newest first.
int runRunsCommand(int Argc, char **Argv);
/// `orchrt show RUN_ID|last`: one run as the `--out` JSON.
int runShowCommand(int Argc, char **Argv);
/// `orchrt gc [--retention-days N]`: prunes old runs and unused blobs.
int runGcCommand(int Argc, char **Argv);

}  // namespace orch::tools
