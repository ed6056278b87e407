//===- OpenBeneath.h - Opening files that cannot leave a directory -*- C++ -*-===//
//
// file.read and file.write check a path with confinePath, then open it here:
// every component is resolved again by the kernel, beneath the run
// directory (openat2 with RESOLVE_BENEATH), so a component swapped for a
// symbolic link between the check and the open fails instead of escaping.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <sys/types.h>

#include <string>

#include "llvm/Support/Error.h"

namespace orch::runtime {

/// Opens \p Rel (relative, no `..`) beneath directory \p Root with
/// open(2) \p Flags (O_CLOEXEC is added). With \p MakeParents, missing
/// parent directories are made one at a time, each opened beneath the last.
/// Returns the descriptor; errors name \p Shown.
llvm::Expected<int> openBeneath(const std::string &Root, const std::string &Rel,
                                int Flags, bool MakeParents, const std::string &Shown);

/// What openBeneath does where the kernel lacks openat2 (before 5.6):
/// opens \p Name beneath \p Dir one component at a time, each with
/// O_NOFOLLOW, refusing `..`; a symbolic link anywhere fails (ELOOP or
/// ENOTDIR). Returns the descriptor or -1 with errno set.
int openByComponents(int Dir, const std::string &Name, int Flags);

}  // namespace orch::runtime
