//===- Includes.cpp -------------------------------------------------------===//
#include "frontend/Includes.h"

#include "fmt/format.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
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
        "no such file in `{}` or its prompts, templates, includes or content "
        "directory",
        Root.str().str());
    return false;
  }
  if (!inside(Real, Root)) {
    Why = fmt::format("it is `{}`, outside the pipeline's directory `{}`",
                      Real.str().str(), Root.str().str());
    return false;
  }
  // Only a regular file: a FIFO or a device could block the compiler.
  llvm::sys::fs::file_status St;
  if (std::error_code EC = llvm::sys::fs::status(Real, St)) {
    Why = EC.message();
    return false;
  }
  if (!llvm::sys::fs::is_regular_file(St)) {
    Why = "it is not a regular file";
    return false;
  }
  if (St.getSize() > MaxIncludeBytes) {
    Why =
        fmt::format("the file has {} bytes, more than {}", St.getSize(), MaxIncludeBytes);
    return false;
  }
  auto Buf = llvm::MemoryBuffer::getFile(Real, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!Buf) {
    Why = Buf.getError().message();
    return false;
  }
  llvm::StringRef B = (*Buf)->getBuffer();
  if (B.size() > MaxIncludeBytes) {  // it grew since status()
    Why = fmt::format("the file has more than {} bytes", MaxIncludeBytes);
    return false;
  }
  if (B.contains('\0')) {
    Why = "it contains a NUL byte; is it a binary file?";
    return false;
  }
  if (!llvm::json::isUTF8(B)) {
    Why = "it is not UTF-8 text";
    return false;
  }
  Text = B.str();
  return true;
}

size_t findBracketInclude(llvm::StringRef S, size_t From, size_t &End) {
  for (size_t I = S.find("<<", From); I != llvm::StringRef::npos;
       I = S.find("<<", I + 1)) {
    size_t Stop = S.find_first_of(">\n\r", I + 2);
    if (Stop == llvm::StringRef::npos) return llvm::StringRef::npos;
    if (S[Stop] != '>' || Stop + 1 >= S.size() || S[Stop + 1] != '>') continue;
    // A file name: one word with a `.` or a `/` (`<<EOF >> log` is shell).
    llvm::StringRef Path = S.slice(I + 2, Stop).trim();
    if (Path.empty() || Path.find_first_of(" \t") != llvm::StringRef::npos ||
        Path.find_first_of("./") == llvm::StringRef::npos)
      continue;
    End = Stop + 2;
    return I;
  }
  return llvm::StringRef::npos;
}

llvm::StringRef templateSyntaxIn(llvm::StringRef Text) {
  for (llvm::StringRef Open : {"{{", "{%", "{#"})
    if (Text.contains(Open)) return Open;
  size_t End;
  if (findBracketInclude(Text, 0, End) != llvm::StringRef::npos) return "<<";
  if (Text.contains_insensitive("<AUTO")) return "<AUTO>";
  return {};
}

}  // namespace orch::frontend
