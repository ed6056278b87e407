//===- AutoStore.cpp ------------------------------------------------------===//
#include "passes/AutoStore.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "ir/JsonLimits.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SHA256.h"
#include "yaml-cpp/depthguard.h"
#include "yaml-cpp/yaml.h"

namespace orch::passes {

using json = orch::ir::Json;

std::string sha256Hex(llvm::StringRef Data) {
  llvm::SHA256 H;
  H.update(Data);
  std::array<uint8_t, 32> D = H.final();
  return llvm::toHex(llvm::ArrayRef<uint8_t>(D.data(), D.size()), /*LowerCase=*/true);
}

// --- Lock file --------------------------------------------------------------

namespace {
/// Bounds the expansion of a lock file's values: aliases share nodes, so a
/// small file can stand for an exponential tree (the pipeline file has the
/// same guard), and deep nesting would exhaust the stack.
struct ExpandBudget {
  size_t Nodes = 1'000'000;
  std::string Problem;
};

/// yaml-cpp node to JSON (the lock stores values as JSON, which is YAML).
json toJson(const YAML::Node &N, ExpandBudget &B, unsigned Depth) {
  if (!B.Problem.empty()) return nullptr;
  if (B.Nodes == 0) {
    B.Problem = "its values expand to more than 1000000 nodes (an alias bomb?)";
    return nullptr;
  }
  --B.Nodes;
  if (Depth > ir::MaxValueDepth) {
    B.Problem = fmt::format("its values nest deeper than {} levels", ir::MaxValueDepth);
    return nullptr;
  }
  switch (N.Type()) {
    case YAML::NodeType::Sequence: {
      json A = json::array();
      for (const YAML::Node &I : N) A.push_back(toJson(I, B, Depth + 1));
      return A;
    }
    case YAML::NodeType::Map: {
      json O = json::object();
      for (const auto &KV : N)
        O[KV.first.as<std::string>()] = toJson(KV.second, B, Depth + 1);
      return O;
    }
    case YAML::NodeType::Scalar: {
      std::string S = N.Scalar();
      if (N.Tag() == "!") return S;  // quoted: a string
      json J = ir::parseJsonBounded(S);
      return J.is_discarded() ? json(S) : J;
    }
    default:
      return nullptr;
  }
}
}  // namespace

llvm::Expected<LockFile> LockFile::read(const std::string &Path) {
  LockFile L;
  if (!llvm::sys::fs::exists(Path)) return L;
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> Buf =
      llvm::MemoryBuffer::getFile(Path, /*IsText=*/true);
  if (!Buf)
    return llvm::createStringError(Buf.getError(), "cannot read `%s`", Path.c_str());
  // yaml-cpp recurses on flow collections: check their nesting first.
  if (std::string Deep = ir::yamlDepthProblem((*Buf)->getBuffer()); !Deep.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "`%s`: %s",
                                   Path.c_str(), Deep.c_str());
  try {
    YAML::Node Root = YAML::Load((*Buf)->getBuffer().str());
    if (!Root.IsMap() || !Root["tags"] || !Root["tags"].IsSequence())
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "`%s` is not an AUTO lock file (no `tags` list)",
                                     Path.c_str());
    ExpandBudget Budget;
    for (const YAML::Node &T : Root["tags"]) {
      LockEntry E;
      E.Path = T["path"] ? T["path"].as<std::string>() : "";
      E.At = T["at"] ? T["at"].as<std::string>() : "";
      E.Text = T["text"] ? T["text"].as<std::string>() : "";
      E.Model = T["model"] ? T["model"].as<std::string>() : "";
      E.PromptHash = T["prompt_hash"] ? T["prompt_hash"].as<std::string>() : "";
      E.Value = T["value"] ? toJson(T["value"], Budget, 1) : json();
      if (!Budget.Problem.empty())
        return llvm::createStringError(llvm::inconvertibleErrorCode(), "`%s`: %s",
                                       Path.c_str(), Budget.Problem.c_str());
      L.Entries.push_back(std::move(E));
    }
    if (const YAML::Node &M = Root["mcp_servers"]; M && M.IsSequence())
      for (const YAML::Node &S : M) {
        McpLockServer Srv;
        Srv.Server = S["server"] ? S["server"].as<std::string>() : "";
        if (S["tools"] && S["tools"].IsSequence())
          for (const YAML::Node &N : S["tools"]) Srv.Names.push_back(N.as<std::string>());
        if (S["schemas"] && S["schemas"].IsSequence())
          for (const YAML::Node &T : S["schemas"]) {
            McpLockTool Tool;
            Tool.Name = T["tool"] ? T["tool"].as<std::string>() : "";
            Tool.Input = T["input"] ? toJson(T["input"], Budget, 1) : json();
            Tool.Output = T["output"] ? toJson(T["output"], Budget, 1) : json();
            Srv.Tools.push_back(std::move(Tool));
          }
        if (!Budget.Problem.empty())
          return llvm::createStringError(llvm::inconvertibleErrorCode(), "`%s`: %s",
                                         Path.c_str(), Budget.Problem.c_str());
        L.McpServers.push_back(std::move(Srv));
      }
  } catch (const YAML::DeepRecursion &) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "`%s`: its values nest deeper than %u levels",
                                   Path.c_str(), ir::MaxValueDepth);
  } catch (const YAML::Exception &E) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "`%s`: %s",
                                   Path.c_str(), E.what());
  }
  return L;
}

const LockEntry *LockFile::find(llvm::StringRef Path, llvm::StringRef Text) const {
  for (const LockEntry &E : Entries)
    if (E.Path == Path && E.Text == Text) return &E;
  return nullptr;
}

std::string LockFile::render(llvm::StringRef Pipeline) const {
  // JSON strings are YAML double-quoted scalars and JSON values are YAML
  // flow nodes, so dumping each field as JSON gives stable, valid YAML.
  std::string Out;
  Out += "# AUTO tag resolutions, written by orchc. Commit this file: with it,\n";
  Out += "# builds ask no model and are byte-identical. Refresh: --refresh-auto.\n";
  Out += "version: 1\n";
  Out += "pipeline: " + json(Pipeline.str()).dump() + "\n";
  Out += Entries.empty() ? "tags: []\n" : "tags:\n";
  for (const LockEntry &E : Entries) {
    Out += "  - path: " + json(E.Path).dump() + "\n";
    Out += "    at: " + json(E.At).dump() + "\n";
    Out += "    text: " + json(E.Text).dump() + "\n";
    Out += "    model: " + json(E.Model).dump() + "\n";
    Out += "    prompt_hash: " + json(E.PromptHash).dump() + "\n";
    Out += "    value: " + E.Value.dump() + "\n";
  }
  // The MCP tools' schemas (`tools/list`), in server and tool order.
  if (!McpServers.empty()) Out += "mcp_servers:\n";
  for (const McpLockServer &S : McpServers) {
    Out += "  - server: " + json(S.Server).dump() + "\n";
    Out += "    tools: " + json(S.Names).dump() + "\n";
    Out += S.Tools.empty() ? "    schemas: []\n" : "    schemas:\n";
    for (const McpLockTool &T : S.Tools) {
      Out += "      - tool: " + json(T.Name).dump() + "\n";
      Out += "        input: " + T.Input.dump() + "\n";
      Out += "        output: " + T.Output.dump() + "\n";
    }
  }
  return Out;
}

llvm::Error LockFile::write(const std::string &Path, llvm::StringRef Pipeline) const {
  return writeFileAtomically(Path, render(Pipeline));
}

// --- Cache ------------------------------------------------------------------

std::string DiskCache::defaultDir() {
  if (const char *D = std::getenv("ORCH_CACHE_DIR"); D && *D) return D;
  if (const char *X = std::getenv("XDG_CACHE_HOME"); X && *X)
    return std::string(X) + "/orch/auto";
  if (const char *H = std::getenv("HOME"); H && *H)
    return std::string(H) + "/.cache/orch/auto";
  return ".orch-cache";
}

std::optional<json> DiskCache::get(llvm::StringRef Key) const {
  std::ifstream In(Dir + "/" + Key.str() + ".json");
  if (!In) return std::nullopt;
  std::stringstream SS;
  SS << In.rdbuf();
  json J = ir::parseJsonBounded(SS.str());
  if (J.is_discarded() || !J.is_object() || !J.contains("value")) return std::nullopt;
  return J["value"];
}

llvm::Error DiskCache::put(llvm::StringRef Key, const json &Value) const {
  if (std::error_code EC = llvm::sys::fs::create_directories(Dir))
    return llvm::createStringError(EC, "cannot create the cache folder `%s`: %s",
                                   Dir.c_str(), EC.message().c_str());
  return writeFileAtomically(Dir + "/" + Key.str() + ".json",
                             json{{"value", Value}}.dump() + "\n");
}

}  // namespace orch::passes
