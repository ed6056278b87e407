//===- Seccomp.h - The system calls a sandboxed step may not make -*- C++ -*-===//
#pragma once

#include <string>

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace orch::runtime::sandbox {

/// The denied system calls (they fail with EPERM): tracing, mounting,
/// kernel modules, keyrings, kexec, BPF and namespace changes.
llvm::ArrayRef<llvm::StringRef> deniedSyscalls();

/// The seccomp filter as a classic BPF program (what `bwrap --seccomp FD`
/// reads), compiled with libseccomp once per process. Other architectures'
/// system calls (32-bit entry points) kill the process.
llvm::Expected<std::string> seccompProgram();

}  // namespace orch::runtime::sandbox
