//===- FileInputs.cpp -----------------------------------------------------===//
#include "runtime/actions/FileInputs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/SHA256.h"
#include "runtime/actions/LocalActions.h"
#include "runtime/actions/OpenBeneath.h"

namespace orch::runtime {

namespace {

/// A parameter that names a file its action reads.
struct FileInputParam {
  llvm::StringLiteral Action, Param;
};

constexpr FileInputParam FileInputParams[] = {
    {"file.read", "path"},
    {"python", "file"},
    {"node", "file"},
};

/// The largest file hashed (file.read's own limit).
constexpr uint64_t MaxHashedBytes = 256ull << 20;

/// The hex SHA-256 of the regular file \p Full (from confinePath), or ""
/// if it cannot be read. Opened as file.read opens it: beneath the run
/// directory, so a component swapped for a symbolic link after the check
/// fails instead of leading outside.
std::string hashFile(const std::string &RunDir, const std::string &Full) {
  auto Parts = splitRoot(RunDir, Full);
  if (!Parts) {
    llvm::consumeError(Parts.takeError());
    return "";
  }
  // Non-blocking: a FIFO put there must not block the loop thread.
  llvm::Expected<int> Opened =
      openBeneath(Parts->first, Parts->second, O_RDONLY | O_NONBLOCK, false, Full);
  if (!Opened) {
    llvm::consumeError(Opened.takeError());
    return "";
  }
  int Fd = *Opened;
  struct stat St;
  if (fstat(Fd, &St) != 0 || !S_ISREG(St.st_mode) ||
      static_cast<uint64_t>(St.st_size) > MaxHashedBytes) {
    close(Fd);
    return "";
  }
  llvm::SHA256 H;
  char Buf[65536];
  ssize_t N;
  while ((N = read(Fd, Buf, sizeof Buf)) > 0)
    H.update(llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(Buf),
                                     static_cast<size_t>(N)));
  close(Fd);
  if (N < 0) return "";
  std::array<uint8_t, 32> D = H.final();
  return llvm::toHex(llvm::ArrayRef<uint8_t>(D), /*LowerCase=*/true);
}

}  // namespace

std::string fileInputsDigest(const std::string &RunDir, const ActionRequest &R) {
  std::string Out;
  for (const FileInputParam &F : FileInputParams) {
    if (R.Action != F.Action) continue;
    auto It = R.Params.find(F.Param.str());
    if (It == R.Params.end() || !It->is_string()) continue;
    const std::string Path = It->get<std::string>();
    llvm::Expected<std::string> Full = confinePath(RunDir, Path);
    std::string Hash;
    if (Full)
      Hash = hashFile(RunDir, *Full);
    else
      llvm::consumeError(Full.takeError());
    Out += "file " + Path + (Hash.empty() ? " unreadable\n" : " sha256 " + Hash + "\n");
  }
  return Out;
}

}  // namespace orch::runtime
