//===- AutoStore.h - The AUTO lock file and the on-disk cache --*- C++ -*-===//
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ir/AtomicFile.h"
#include "ir/Json.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace orch::passes {

/// SHA-256 of \p Data as 64 hex digits.
std::string sha256Hex(llvm::StringRef Data);

/// One resolved tag as the lock file records it.
struct LockEntry {
  std::string Path;        ///< `steps.a.parameters.style`
  std::string At;          ///< `16:22`, for readers
  std::string Text;        ///< The tag's text
  std::string Model;       ///< `openai/gpt-4o-mini`
  std::string PromptHash;  ///< `sha256:...` of system prompt, prompt and schema
  orch::ir::Json Value;
};

/// `<pipeline>.auto.lock`: human-readable YAML in tag order, meant to be
/// committed. With it a build asks no model and is byte-identical.
class LockFile {
 public:
  /// Reads \p Path; a missing file is an empty lock.
  static llvm::Expected<LockFile> read(const std::string &Path);
  /// The entry for the tag at \p Path whose text is \p Text.
  const LockEntry *find(llvm::StringRef Path, llvm::StringRef Text) const;
  /// The file's text for \p Pipeline.
  std::string render(llvm::StringRef Pipeline) const;
  /// Writes atomically (temporary file, then rename).
  llvm::Error write(const std::string &Path, llvm::StringRef Pipeline) const;

  std::vector<LockEntry> Entries;
};

/// Content-addressed answers shared by every pipeline: one JSON file a key,
/// written atomically so concurrent orchc processes never see half a file.
class DiskCache {
 public:
  explicit DiskCache(std::string Dir) : Dir(std::move(Dir)) {}
  /// `$ORCH_CACHE_DIR`, else `$XDG_CACHE_HOME/orch/auto`, else
  /// `~/.cache/orch/auto`.
  static std::string defaultDir();
  std::optional<orch::ir::Json> get(llvm::StringRef Key) const;
  llvm::Error put(llvm::StringRef Key, const orch::ir::Json &Value) const;
  const std::string &dir() const { return Dir; }

 private:
  std::string Dir;
};

using orch::writeFileAtomically;

}  // namespace orch::passes
