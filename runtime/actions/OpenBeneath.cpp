//===- OpenBeneath.cpp ----------------------------------------------------===//
#include "runtime/actions/OpenBeneath.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

namespace orch::runtime {

namespace {

/// openat2 beneath \p Dir; on kernels without it (before 5.6), one
/// component at a time (openByComponents).
int openAt(int Dir, const char *Name, int Flags) {
  open_how How;
  std::memset(&How, 0, sizeof How);
  How.flags = static_cast<uint64_t>(Flags | O_CLOEXEC);
  How.mode = (Flags & O_CREAT) ? 0666 : 0;
  How.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long Fd = syscall(SYS_openat2, Dir, Name, &How, sizeof How);
  if (Fd < 0 && errno == ENOSYS) return openByComponents(Dir, Name, Flags);
  return static_cast<int>(Fd);
}

llvm::Error fail(const std::string &Shown, int Err) {
  if (Err == EXDEV || Err == ELOOP)
    return llvm::createStringError(fmt::format(
        "`{}` left the run directory while it was opened (a symbolic link)", Shown));
  return llvm::createStringError(fmt::format("`{}`: {}", Shown, std::strerror(Err)));
}

}  // namespace

int openByComponents(int Dir, const std::string &Name, int Flags) {
  llvm::SmallVector<llvm::StringRef, 8> Parts;
  llvm::StringRef(Name).split(Parts, '/', -1, false);
  if (Parts.empty()) {
    errno = ENOENT;
    return -1;
  }
  int At = Dir;
  for (size_t I = 0; I < Parts.size(); ++I) {
    if (Parts[I] == "..") {
      if (At != Dir) close(At);
      errno = EXDEV;
      return -1;
    }
    std::string Part = Parts[I].str();
    bool Last = I + 1 == Parts.size();
    int Next =
        Last ? openat(At, Part.c_str(), Flags | O_CLOEXEC | O_NOFOLLOW, 0666)
             : openat(At, Part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int Err = errno;
    if (At != Dir) close(At);
    if (Next < 0) {
      errno = Err;
      return -1;
    }
    At = Next;
  }
  return At;
}

llvm::Expected<int> openBeneath(const std::string &Root, const std::string &Rel,
                                int Flags, bool MakeParents, const std::string &Shown) {
  int Dir = open(Root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (Dir < 0) return fail(Root, errno);
  llvm::SmallVector<llvm::StringRef, 8> Parts;
  llvm::StringRef(Rel).split(Parts, '/', -1, /*KeepEmpty=*/false);
  if (Parts.empty()) {
    close(Dir);
    return llvm::createStringError(fmt::format("`{}` is the run directory", Shown));
  }
  if (MakeParents)
    for (size_t I = 0; I + 1 < Parts.size(); ++I) {
      std::string Name = Parts[I].str();
      if (mkdirat(Dir, Name.c_str(), 0777) != 0 && errno != EEXIST) {
        int E = errno;
        close(Dir);
        return fail(Shown, E);
      }
      int Next = openAt(Dir, Name.c_str(), O_PATH | O_DIRECTORY);
      int E = errno;
      close(Dir);
      if (Next < 0) return fail(Shown, E);
      Dir = Next;
    }
  std::string Last = MakeParents ? Parts.back().str() : Rel;
  int Fd = openAt(Dir, Last.c_str(), Flags);
  int E = errno;
  close(Dir);
  if (Fd < 0) return fail(Shown, E);
  return Fd;
}

}  // namespace orch::runtime
