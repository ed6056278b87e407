//===- LocalActions.h - Actions that finish at once ------------*- C++ -*-===//
//
// echo, transform, file.read and file.write: pure or local-file work that
// completes inside the call, on the loop thread.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <utility>

#include "ir/Json.h"
#include "llvm/Support/Error.h"
#include "runtime/actions/Action.h"

namespace orch::runtime {

/// `echo`: `message` → output (other values print as JSON).
ActionResult runEcho(const orch::ir::Json &Params);
/// `pipeline` (a sub-pipeline call's two steps): its `inputs` and
/// `outputs` parameters as fields, and `output`, the outputs as text.
ActionResult runPipelineValues(const orch::ir::Json &Params);
/// `transform`: applies `op` (a template filter or one of transformOps())
/// with `args` to `input`. Output is the result's text; `value` the result.
ActionResult runTransform(const orch::ir::Json &Params);
/// `file.read`: `path` inside \p RunDir → output (content), bytes.
ActionResult runFileRead(const std::string &RunDir, const orch::ir::Json &Params);
/// `file.write`: `content` to `path` inside \p RunDir (`append`).
ActionResult runFileWrite(const std::string &RunDir, const orch::ir::Json &Params);
/// `file.copy`: the file `path` to `destination`, both inside \p RunDir.
ActionResult runFileCopy(const std::string &RunDir, const orch::ir::Json &Params);
/// `file.list`: the entries of the directory `path` inside \p RunDir, by
/// name → items (name, path, type, size), count, path (FileList.cpp).
ActionResult runFileList(const std::string &RunDir, const orch::ir::Json &Params);

/// Resolves \p Path against \p RunDir and checks that it stays inside it,
/// also through symbolic links. On success returns the absolute path.
llvm::Expected<std::string> confinePath(const std::string &RunDir,
                                        const std::string &Path);

/// \p Full (from confinePath) split into the real run directory and the
/// part beneath it, for openBeneath.
llvm::Expected<std::pair<std::string, std::string>> splitRoot(const std::string &RunDir,
                                                              const std::string &Full);

}  // namespace orch::runtime
