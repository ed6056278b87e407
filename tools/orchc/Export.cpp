//===- Export.cpp - Writing an export target's files ----------------------===//
#include "Export.h"

#include <cassert>

#include "backends/export/ExportTarget.h"
#include "ir/AtomicFile.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace orch::tools {

std::string exportTargetList() {
  std::string S;
  for (const backends::ExportTarget &T : backends::exportTargets()) {
    if (!S.empty()) S += ", ";
    S += "`" + T.Name.str() + "`";
  }
  return S;
}

void reportUnknownTarget(llvm::StringRef Target, DiagnosticEngine &Diags) {
  std::vector<llvm::StringRef> Names;
  for (const backends::ExportTarget &T : backends::exportTargets())
    Names.push_back(T.Name);
  Diags.report(DiagKind::UnknownExportTarget, SourceLoc(), 0, Target.str(),
               didYouMean(Target, Names), exportTargetList());
}

bool writeExport(llvm::StringRef Target, const std::string &Dir, const ir::Pipeline &P,
                 bool AllowUnsandboxedShell, const std::string &ModelRegistry,
                 DiagnosticEngine &Diags) {
  const backends::ExportTarget *T = backends::findExportTarget(Target);
  if (!T) {
    reportUnknownTarget(Target, Diags);
    return false;
  }
  std::vector<backends::ExportFile> Files;
  if (!T->Write({P, ORCH_VERSION, AllowUnsandboxedShell, ModelRegistry}, Diags, Files)) return false;
  for (const backends::ExportFile &F : Files) {
    assert(!llvm::sys::path::is_absolute(F.Path) &&
           !llvm::StringRef(F.Path).contains(".."));
    llvm::SmallString<256> Path(Dir);
    llvm::sys::path::append(Path, F.Path);
    llvm::StringRef Parent = llvm::sys::path::parent_path(Path);
    if (std::error_code EC = llvm::sys::fs::create_directories(Parent)) {
      Diags.report(DiagKind::WriteError, SourceLoc(), 0, Parent.str(), EC.message());
      return false;
    }
    if (llvm::Error E = writeFileAtomically(Path.str().str(), F.Bytes)) {
      Diags.report(DiagKind::WriteError, SourceLoc(), 0, Path.str().str(),
                   llvm::toString(std::move(E)));
      return false;
    }
    llvm::sys::fs::setPermissions(
        Path, F.Executable ? llvm::sys::fs::perms(0755) : llvm::sys::fs::perms(0644));
  }
  return true;
}

}  // namespace orch::tools
