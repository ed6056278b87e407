//===- PythonModules.cpp --------------------------------------------------===//
#include "ir/PythonModules.h"

#include <algorithm>

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"

namespace orch::ir {

namespace {

/// A forbidden entry and the other modules that reach what it does.
struct ModuleAliases {
  llvm::StringLiteral Entry;
  llvm::StringLiteral Aliases;  ///< Space-separated top-level modules.
};

constexpr ModuleAliases AliasTable[] = {
    {"ctypes", "_ctypes"},
    {"eval", "code codeop runpy timeit pdb bdb"},
    {"exec", "code codeop runpy timeit pdb bdb"},
    {"multiprocessing", "_multiprocessing _posixshmem"},
    {"os", "posix nt"},
    {"pickle", "_pickle"},
    {"socket", "_socket"},
    {"subprocess", "_posixsubprocess"},
};

llvm::SmallVector<llvm::StringRef, 8> aliasesOf(llvm::StringRef Entry) {
  llvm::SmallVector<llvm::StringRef, 8> Out;
  for (const ModuleAliases &A : AliasTable)
    if (A.Entry == Entry) A.Aliases.split(Out, ' ', -1, false);
  return Out;
}

}  // namespace

std::string forbiddenEntryFor(llvm::StringRef Module,
                              llvm::ArrayRef<std::string> Forbidden) {
  llvm::StringRef Root = Module.split('.').first;
  for (const std::string &F : Forbidden)
    if (Root == F || llvm::is_contained(aliasesOf(F), Root)) return F;
  return "";
}

std::vector<std::string> blockedPythonModules(llvm::ArrayRef<std::string> Forbidden) {
  std::vector<std::string> Out;
  for (const std::string &F : Forbidden) {
    Out.push_back(F);
    for (llvm::StringRef A : aliasesOf(F)) Out.push_back(A.str());
  }
  if (!Forbidden.empty()) {
    Out.push_back("ctypes");
    Out.push_back("_ctypes");
  }
  llvm::sort(Out);
  Out.erase(std::unique(Out.begin(), Out.end()), Out.end());
  return Out;
}

}  // namespace orch::ir
