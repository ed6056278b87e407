//===- FileInputs.h - The files a step declares it reads -------*- C++ -*-===//
//
// The step-result cache keys a step by its action, model and rendered
// parameters; a step that reads a file would be served an old result after
// the file changed. The parameters that name such a file are one table
// (`file.read` path, `python`/`node` file); their contents' hashes go into
// the key.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>

#include "runtime/actions/Action.h"

namespace orch::runtime {

/// The files \p R declares it reads (the table's parameters, resolved
/// inside \p RunDir), each as `file <path> sha256 <hex>` (or `file <path>
/// unreadable` when it cannot be hashed: the step itself then fails), one
/// a line; "" when its action declares none.
std::string fileInputsDigest(const std::string &RunDir, const ActionRequest &R);

}  // namespace orch::runtime
