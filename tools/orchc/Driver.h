//===- Driver.h - orchc's stages, wired together ---------------*- C++ -*-===//
#pragma once

#include <string>
#include <vector>

#include "llvm/Support/raw_ostream.h"

namespace orch::tools {

/// Process exit codes of orchc.
enum ExitCode : int { ExitOk = 0, ExitPipelineErrors = 1, ExitUsage = 2 };

/// What `orchc build` writes.
enum class Emit { Ast, Ir, Plan, Export };

/// `orchc graph` / `orchc explain`: what to show instead of checking.
enum class View { None, GraphDot, GraphMermaid, Explain };

/// Everything the command line decided.
struct DriverOptions {
  std::string Input;
  bool Build = false;  ///< `build` (else `check`).
  Emit EmitKind = Emit::Ir;
  std::string Output = "-";            ///< A file, or the directory of an export.
  std::string ExportTarget;            ///< `orchc export --target=` (with Emit::Export).
  bool AllowUnsandboxedShell = false;  ///< `orchc export --allow-unsandboxed-shell`.
  std::vector<std::string> Sets;
  std::string InputsFile;
  bool Color = false;
  bool Locations = true;
  unsigned ErrorLimit = 20;
  bool YamlCppOnly = false;  ///< Skip the fast YAML reader (for debugging).
  // AUTO resolution.
  bool NoAuto = false;  ///< Leave AUTO tags unresolved.
  bool Offline = false;
  bool RefreshAll = false;
  std::vector<std::string> Refresh;  ///< Tag paths to ask again.
  bool RefreshMcp = false;           ///< `--refresh-mcp`: list MCP tools again.
  std::string Model;                 ///< `--model`, else ORCH_MODEL.
  std::string ModelsFile;            ///< `--models`, else ORCH_MODELS.
  std::string ConfigFile;            ///< `--config`, else ORCH_CONFIG.
  std::string Policy;                ///< `--policy`: model selection policy.
  unsigned Jobs = 64;                ///< Concurrent model requests.
  // Pass tooling.
  std::vector<std::string> Passes;      ///< `--passes`: these, in order.
  std::vector<std::string> PrintAfter;  ///< `--print-after`: dump the IR after these.
  bool PrintAfterAll = false;
  bool TimePasses = false;
  View ViewKind = View::None;
};

/// Runs check or build and returns the exit code. Diagnostics go to \p Err.
int runDriver(const DriverOptions &Opts, llvm::raw_ostream &Err);

/// `orchc dump PLAN`: validates a plan file and prints it readably.
int runDump(const std::string &Path, llvm::raw_ostream &Out, llvm::raw_ostream &Err);

}  // namespace orch::tools
