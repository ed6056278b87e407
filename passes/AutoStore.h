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

/// One tool of an MCP server as the lock records it: the schemas `tools/list`
/// gave (null when absent).
struct McpLockTool {
  std::string Name;
  orch::ir::Json Input;
  orch::ir::Json Output;
};

/// What the lock knows of one MCP server of `mcp_servers:`: the names of all
/// its tools and the schemas of those the pipeline's steps call.
struct McpLockServer {
  std::string Server;
  std::vector<std::string> Names;
  std::vector<McpLockTool> Tools;
  const McpLockTool *find(llvm::StringRef Tool) const {
    for (const McpLockTool &T : Tools)
      if (T.Name == Tool) return &T;
    return nullptr;
  }
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
  /// `mcp_servers:` of the lock: the tool schemas `mcp` steps are checked
  /// against (docs/backends/mcp.md §10.1).
  std::vector<McpLockServer> McpServers;
  /// The entry of server \p Name, or null.
  McpLockServer *mcpServer(llvm::StringRef Name) {
    for (McpLockServer &S : McpServers)
      if (S.Server == Name) return &S;
    return nullptr;
  }
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
