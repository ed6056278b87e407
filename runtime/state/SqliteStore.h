//===- SqliteStore.h - The default state store: one SQLite file -*- C++ -*-===//
#pragma once

#include <memory>
#include <string>

#include "runtime/state/StateStore.h"

namespace orch::state {

/// Opens (creating if needed) the SQLite database \p Path: WAL journal, a
/// busy timeout, write transactions taken with BEGIN IMMEDIATE so that
/// concurrent runs queue instead of failing with "database is locked".
/// \p ReadOnly: only reads an existing database (no pragma, no schema, no
/// file made), also on a read-only filesystem (then as immutable).
llvm::Expected<std::unique_ptr<StateStore>> openSqliteStore(const std::string &Path,
                                                            bool ReadOnly = false);

}  // namespace orch::state
