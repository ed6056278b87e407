//===- FileList.cpp - `file.list`: a directory of the run directory --------===//
//
// ContextLab's `filesystem` `list`: each entry of a directory inside the
// run directory, with its name, path, type and size. The directory is
// opened beneath the run directory (OpenBeneath.h) and entries are not
// followed: a symbolic link is listed as one, never read through.
//
//===----------------------------------------------------------------------===//
#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "llvm/ADT/StringRef.h"
#include "runtime/actions/LocalActions.h"
#include "runtime/actions/OpenBeneath.h"

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

/// More entries than this fail the step: the result is a value in the
/// run's record, not a stream.
constexpr size_t MaxListEntries = 100000;

const char *entryType(mode_t M) {
  if (S_ISDIR(M)) return "directory";
  if (S_ISREG(M)) return "file";
  if (S_ISLNK(M)) return "symlink";
  return "other";
}

}  // namespace

ActionResult runFileList(const std::string &RunDir, const json &Params) {
  auto P = Params.find("path");
  if (P == Params.end() || !P->is_string())
    return ActionResult::badParam("parameter `path` must be a string");
  std::string Path = P->get<std::string>();
  llvm::Expected<std::string> Full = confinePath(RunDir, Path);
  if (!Full) return ActionResult::badParam(llvm::toString(Full.takeError()));
  auto Parts = splitRoot(RunDir, *Full);
  if (!Parts) return ActionResult::badParam(llvm::toString(Parts.takeError()));
  const int Flags = O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC;
  int Fd = -1;
  if (llvm::StringRef(Parts->second).trim('/').empty()) {  // the run directory
    Fd = open(Parts->first.c_str(), Flags);
    if (Fd < 0)
      return ActionResult::badParam(
          fmt::format("cannot list `{}`: {}", Path, std::strerror(errno)));
  } else {
    llvm::Expected<int> Opened =
        openBeneath(Parts->first, Parts->second, Flags, false, Path);
    if (!Opened)
      return ActionResult::badParam(
          fmt::format("cannot list {}", llvm::toString(Opened.takeError())));
    Fd = *Opened;
  }
  DIR *D = fdopendir(Fd);
  if (!D) {
    int E = errno;
    close(Fd);
    return ActionResult::badParam(
        fmt::format("cannot list `{}`: {}", Path, std::strerror(E)));
  }
  struct Entry {
    std::string Name;
    const char *Type;
    json Size;
  };
  std::vector<Entry> Entries;
  int ReadErr = 0;
  while (true) {
    errno = 0;  // readdir's end and its failure differ only in errno
    dirent *E = readdir(D);
    if (!E) {
      ReadErr = errno;
      break;
    }
    llvm::StringRef Name(E->d_name);
    if (Name == "." || Name == "..") continue;
    if (Entries.size() == MaxListEntries) {
      closedir(D);
      return ActionResult::badParam(
          fmt::format("`{}` has more than {} entries", Path, MaxListEntries));
    }
    struct stat St;
    if (fstatat(dirfd(D), E->d_name, &St, AT_SYMLINK_NOFOLLOW) != 0)
      continue;  // removed while listing
    Entries.push_back(
        {Name.str(), entryType(St.st_mode),
         S_ISREG(St.st_mode) ? json(static_cast<uint64_t>(St.st_size)) : json(nullptr)});
  }
  closedir(D);
  if (ReadErr != 0)
    return ActionResult::badParam(
        fmt::format("cannot list `{}`: {}", Path, std::strerror(ReadErr)));
  // The directory's order is the file system's: by name, so a result is
  // the same wherever it runs.
  std::sort(Entries.begin(), Entries.end(),
            [](const Entry &A, const Entry &B) { return A.Name < B.Name; });
  llvm::StringRef Dir = llvm::StringRef(Path).rtrim('/');
  json Items = json::array();
  std::string Names;
  for (const Entry &E : Entries) {
    std::string Shown = Dir.empty() || Dir == "." ? E.Name : Dir.str() + "/" + E.Name;
    Items.push_back(
        json{{"name", E.Name}, {"path", Shown}, {"type", E.Type}, {"size", E.Size}});
    Names += (Names.empty() ? "" : "\n") + E.Name;
  }
  size_t Count = Items.size();
  return ActionResult::success(json{{"path", Path},
                                    {"items", std::move(Items)},
                                    {"count", Count},
                                    {"success", true},
                                    {"output", std::move(Names)}});
}

}  // namespace orch::runtime
