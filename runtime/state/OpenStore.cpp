//===- OpenStore.cpp - Picks the backend a spec names ---------------------===//
#include <fmt/format.h>

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "runtime/state/PostgresStore.h"
#include "runtime/state/SqliteStore.h"

namespace orch::state {

llvm::Expected<std::unique_ptr<StateStore>> openStateStore(llvm::StringRef Spec,
                                                           bool ReadOnly) {
  if (Spec.starts_with("postgresql://") || Spec.starts_with("postgres://"))
    return openPostgresStore(Spec.str());
  if (Spec.empty())
    return llvm::createStringError(
        "no state directory: set --state-dir, ORCH_STATE_DIR, XDG_STATE_HOME or HOME");
  llvm::SmallString<256> Db(Spec);
  llvm::sys::path::append(Db, "runs.db");
  if (ReadOnly) return openSqliteStore(Db.str().str(), /*ReadOnly=*/true);
  if (std::error_code EC = llvm::sys::fs::create_directories(
          Spec, /*IgnoreExisting=*/true, llvm::sys::fs::perms::owner_all))
    return llvm::createStringError(fmt::format(
        "cannot create the state directory `{}`: {}", Spec.str(), EC.message()));
  return openSqliteStore(Db.str().str());
}

}  // namespace orch::state
