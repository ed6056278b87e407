//===- Probe.h - Can this machine sandbox steps? ---------------*- C++ -*-===//
#pragma once

#include "llvm/Support/Error.h"
#include "runtime/sandbox/Launch.h"

namespace orch::runtime::sandbox {

/// Starts one sandboxed `true` the way steps are started. Errors say what
/// is missing (bubblewrap, user namespaces, seccomp) and how to fix it,
/// including the explicit way out (`--no-sandbox`).
llvm::Error probeSandbox(const HostLayout &Host);

}  // namespace orch::runtime::sandbox
