//===- Includes.cpp -------------------------------------------------------===//
#include "frontend/Includes.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fmt/format.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

namespace orch::frontend {

namespace {

/// Where ContextLab looks, in order, below the pipeline's directory.
constexpr llvm::StringLiteral SearchDirs[] = {"", "prompts", "templates", "includes",
                                              "content"};

/// \p Real lies strictly inside the directory \p Root.
bool inside(llvm::StringRef Real, llvm::StringRef Root) {
  return Real.size() > Root.size() + 1 && Real.starts_with(Root) &&
         Real[Root.size()] == '/';
}

/// A character of a `<< path >>` path.
bool pathChar(char C) {
  return llvm::isAlnum(C) || C == '_' || C == '.' || C == '/' || C == '-';
}

/// The first component of \p Rel (a path below the pipeline's directory)
/// that names a hidden file or directory, or a password file: what
/// ContextLab refuses too (`.env`, `.git`, `passwd`, `shadow`).
llvm::StringRef secretComponent(llvm::StringRef Rel) {
  for (auto It = llvm::sys::path::begin(Rel), E = llvm::sys::path::end(Rel); It != E;
       ++It) {
    llvm::StringRef C = *It;
    if ((C.starts_with(".") && C != ".") || C.contains_insensitive("passwd") ||
        C.contains_insensitive("shadow"))
      return C;
  }
  return {};
}

/// Opens \p Rel below the directory \p RootFd without leaving it, even if a
/// component changes after the checks (openat2's RESOLVE_BENEATH; an old
/// kernel without it refuses a symbolic link as the last component).
int openBeneath(int RootFd, llvm::StringRef Rel) {
  std::string Path = Rel.str();
  open_how How{};
  How.flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
  How.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long Fd = syscall(SYS_openat2, RootFd, Path.c_str(), &How, sizeof How);
  if (Fd < 0 && errno == ENOSYS)
    Fd = openat(RootFd, Path.c_str(),
                O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
  return static_cast<int>(Fd);
}

}  // namespace

bool readInclude(llvm::StringRef From, llvm::StringRef Path, std::string &Text,
                 std::string &Why) {
  if (From == "<stdin>" || From.empty()) {
    Why = "an included file is read beside the pipeline, which is not a file here";
    return false;
  }
  if (Path.empty()) {
    Why = "the path is empty";
    return false;
  }
  if (llvm::sys::path::is_absolute(Path)) {
    Why = "an included file's path is relative to the pipeline's directory";
    return false;
  }
  llvm::SmallString<256> Root;
  llvm::StringRef Dir = llvm::sys::path::parent_path(From);
  if (std::error_code EC = llvm::sys::fs::real_path(Dir.empty() ? "." : Dir, Root)) {
    Why = EC.message();
    return false;
  }
  llvm::SmallString<256> Real;
  for (llvm::StringRef Sub : SearchDirs) {
    llvm::SmallString<256> Candidate(Root);
    llvm::sys::path::append(Candidate, Sub, Path);
    if (!llvm::sys::fs::real_path(Candidate, Real)) break;
    Real.clear();
  }
  if (Real.empty()) {
    Why = fmt::format(
        "no such file in `{}` or its prompts, templates, includes or content directory",
        Root.str().str());
    return false;
  }
  if (Real == Root) {
    Why = "it is the pipeline's directory, not a file";
    return false;
  }
  if (!inside(Real, Root)) {
    Why = fmt::format("it is `{}`, outside the pipeline's directory `{}`",
                      Real.str().str(), Root.str().str());
    return false;
  }
  llvm::StringRef Rel = llvm::StringRef(Real).drop_front(Root.size() + 1);
  if (llvm::StringRef Secret = secretComponent(Rel); !Secret.empty()) {
    Why = fmt::format(
        "`{}` is a hidden or password file; inclusion does not read those (nor does "
        "ContextLab's)",
        Secret.str());
    return false;
  }
  int RootFd = open(Root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (RootFd < 0) {
    Why = std::strerror(errno);
    return false;
  }
  int Fd = openBeneath(RootFd, Rel);
  int OpenErr = errno;
  close(RootFd);
  if (Fd < 0) {
    Why = std::strerror(OpenErr);
    return false;
  }
  // Only a regular file, checked on what was opened: a FIFO or a device
  // could block the compiler.
  struct stat St;
  if (fstat(Fd, &St) != 0 || !S_ISREG(St.st_mode)) {
    close(Fd);
    Why = "it is not a regular file";
    return false;
  }
  if (static_cast<uint64_t>(St.st_size) > MaxIncludeBytes) {
    close(Fd);
    Why = fmt::format("the file has {} bytes, more than {}", St.st_size, MaxIncludeBytes);
    return false;
  }
  std::string B;
  char Buf[65536];
  ssize_t N = 0;
  while (B.size() <= MaxIncludeBytes && (N = read(Fd, Buf, sizeof Buf)) > 0)
    B.append(Buf, static_cast<size_t>(N));
  int ReadErr = errno;
  close(Fd);
  if (N < 0) {
    Why = std::strerror(ReadErr);
    return false;
  }
  if (B.size() > MaxIncludeBytes) {  // it grew since fstat()
    Why = fmt::format("the file has more than {} bytes", MaxIncludeBytes);
    return false;
  }
  if (llvm::StringRef(B).contains('\0')) {
    Why = "it contains a NUL byte; is it a binary file?";
    return false;
  }
  if (!llvm::json::isUTF8(B)) {
    Why = "it is not UTF-8 text";
    return false;
  }
  Text = std::move(B);
  return true;
}

size_t findBracketInclude(llvm::StringRef S, size_t From, size_t &End) {
  for (size_t I = S.find("<<", From); I != llvm::StringRef::npos;
       I = S.find("<<", I + 2)) {
    // Not part of a longer run of `<` (a here-string, `<<<`).
    if ((I > 0 && S[I - 1] == '<') || (I + 2 < S.size() && S[I + 2] == '<')) continue;
    size_t J = I + 2;
    while (J < S.size() && (S[J] == ' ' || S[J] == '\t')) ++J;
    size_t PathBegin = J;
    bool Marked = false;  // a `.` or a `/`: a file name, not a word
    while (J < S.size() && pathChar(S[J])) Marked |= S[J] == '.' || S[J] == '/', ++J;
    size_t PathEnd = J;
    while (J < S.size() && (S[J] == ' ' || S[J] == '\t')) ++J;
    if (PathEnd == PathBegin || !Marked || !S.substr(J).starts_with(">>") ||
        (J + 2 < S.size() && S[J + 2] == '>'))
      continue;
    End = J + 2;
    return I;
  }
  return llvm::StringRef::npos;
}

llvm::StringRef templateSyntaxIn(llvm::StringRef Text) {
  for (llvm::StringRef Open : {"{{", "{%", "{#"})
    if (Text.contains(Open)) return Open;
  size_t End;
  if (findBracketInclude(Text, 0, End) != llvm::StringRef::npos) return "<<";
  // As the AUTO lexer reads a tag: `<AUTO` then `>` or white space.
  for (size_t At = Text.find("<AUTO"); At != llvm::StringRef::npos;
       At = Text.find("<AUTO", At + 1)) {
    size_t After = At + 5;
    if (After < Text.size() &&
        (Text[After] == '>' || Text[After] == ' ' || Text[After] == '\t' ||
         Text[After] == '\n' || Text[After] == '\r'))
      return "<AUTO>";
  }
  return {};
}

}  // namespace orch::frontend
