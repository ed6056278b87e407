//===- PostgresStore.h - A state store shared through PostgreSQL -*- C++ -*-===//
#pragma once

#include <memory>
#include <string>

#include "runtime/state/StateStore.h"

namespace orch::state {

/// Connects to \p Url (`postgresql://…`) through libpq and creates the
/// tables if needed (serialized by an advisory lock, so concurrent first
/// runs do not race).
llvm::Expected<std::unique_ptr<StateStore>> openPostgresStore(const std::string &Url);

/// \p Url with any password replaced by `***` (for messages).
std::string redactUrl(llvm::StringRef Url);

}  // namespace orch::state
