//===- AtomicFile.cpp -----------------------------------------------------===//
#include "ir/AtomicFile.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace orch {

llvm::Error writeFileAtomically(const std::string &Path, llvm::StringRef Data) {
  llvm::SmallString<256> Tmp;
  int Fd;
  llvm::StringRef Dir = llvm::sys::path::parent_path(Path);
  std::string Model =
      (Dir.empty() ? std::string(".") : Dir.str()) + "/.orch-tmp-%%%%%%%%";
  if (std::error_code EC = llvm::sys::fs::createUniqueFile(Model, Fd, Tmp))
    return llvm::createStringError(EC, "cannot create a file beside `%s`: %s",
                                   Path.c_str(), EC.message().c_str());
  {
    llvm::raw_fd_ostream OS(Fd, /*shouldClose=*/true);
    OS << Data;
    OS.flush();
    if (OS.has_error()) {
      llvm::sys::fs::remove(Tmp);
      return llvm::createStringError(OS.error(), "cannot write `%s`", Tmp.c_str());
    }
  }
  if (std::error_code EC = llvm::sys::fs::rename(Tmp, Path)) {
    llvm::sys::fs::remove(Tmp);
    return llvm::createStringError(EC, "cannot write `%s`: %s", Path.c_str(),
                                   EC.message().c_str());
  }
  return llvm::Error::success();
}

}  // namespace orch
