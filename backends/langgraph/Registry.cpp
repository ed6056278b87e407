//===- Registry.cpp - The model registry's entries, for the graph ---------===//
//
// What orchrt's LLM client reads of the model registry at run time
// (runtime/llm/Providers.cpp), through the same reader (ir/ModelRegistry.h):
// `models.<name>.provider`, `max_tokens`, `reasoning`, and
// `providers.<name>.api`, `base_url`, `api_key_env`. orch_models.mjs
// resolves a model step's provider from this copy as orchrt does from the
// file; an entry orchrt would refuse (its `max_tokens`, `reasoning` or
// prices) carries orchrt's message, so the step fails with the same error.
// Key names (`api_key_env`) are copied, never keys.
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include "backends/langgraph/LangGraph.h"
#include "ir/ModelRegistry.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SHA256.h"

namespace orch::backends::langgraph {

using json = orch::ir::Json;

namespace {

/// One `models.<name>` entry, or {"error": ...} as modelSettings reports it.
json modelEntry(const ir::ModelRegistry &R, const ir::RegistryModel &M) {
  json E = json::object();
  if (!M.IsMap) return E;
  if (M.Provider) E["provider"] = *M.Provider;
  // An entry orchrt refuses keeps its provider: orchrt resolves the
  // provider before it reads the model's settings.
  if (!M.problem().empty()) {
    E["error"] = R.message(M.problem());
    return E;
  }
  if (M.MaxTokens) E["max_tokens"] = M.MaxTokens;
  if (M.Reasoning) E["reasoning"] = *M.Reasoning;
  return E;
}

/// One `providers.<name>` section, or {"error": ...} as resolveProvider
/// reports it.
json providerEntry(const ir::ModelRegistry &R, const ir::RegistryProvider &P) {
  if (!P.Problem.empty()) return {{"error", R.message(P.Problem)}};
  json E = json::object();
  if (!P.Given) return E;
  // orchrt reads an empty value as none.
  for (auto [Key, Value] : {std::pair{"api", &P.Api}, std::pair{"base_url", &P.BaseUrl},
                            std::pair{"api_key_env", &P.ApiKeyEnv}})
    if (!Value->empty()) E[Key] = *Value;
  return E;
}

/// The hex SHA-256 of the file at \p Path, or "" if it cannot be read: the
/// graph compares it with ORCH_MODELS's file at run time (orch_models.mjs).
std::string fileSha256(const std::string &Path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> B =
      llvm::MemoryBuffer::getFile(Path);
  if (!B) return "";
  auto Digest = llvm::SHA256::hash(llvm::arrayRefFromStringRef((*B)->getBuffer()));
  return llvm::toHex(Digest, /*LowerCase=*/true);
}

}  // namespace

json registryEntries(const std::string &Path) {
  llvm::Expected<ir::ModelRegistry> R = ir::readModelRegistry(Path);
  if (!R)
    return {{"path", Path},
            {"error", fmt::format("model registry `{}`: {}", Path,
                                  llvm::toString(R.takeError()))}};
  json Out = {{"path", Path},
              {"sha256", fileSha256(Path)},
              {"models", json::object()},
              {"providers", json::object()}};
  // A name given twice: orchrt reads the first entry.
  for (const ir::RegistryModel &M : R->Models)
    if (!Out["models"].contains(M.Name)) Out["models"][M.Name] = modelEntry(*R, M);
  for (const ir::RegistryProvider &P : R->Providers)
    if (!Out["providers"].contains(P.Name))
      Out["providers"][P.Name] = providerEntry(*R, P);
  return Out;
}

json usedEntries(const json &All, llvm::ArrayRef<std::string> Models, bool AnyModel) {
  if (All.contains("error") || AnyModel) return All;
  json Out = {{"path", All["path"]},
              {"sha256", All["sha256"]},
              {"models", json::object()},
              {"providers", json::object()}};
  for (const std::string &M : Models) {
    std::string Provider =
        llvm::StringRef(M).starts_with("claude") ? "anthropic" : "openai";
    if (All["models"].contains(M)) {
      const json &E = All["models"][M];
      Out["models"][M] = E;
      if (E.contains("provider")) Provider = E["provider"].get<std::string>();
    }
    if (All["providers"].contains(Provider))
      Out["providers"][Provider] = All["providers"][Provider];
  }
  return Out;
}

std::string nonUtf8Member(const json &J, const std::string &At) {
  auto Bad = [](const std::string &S) {
    const auto *B = reinterpret_cast<const llvm::UTF8 *>(S.data());
    return !llvm::isLegalUTF8String(&B, B + S.size());
  };
  if (J.is_string()) return Bad(J.get_ref<const std::string &>()) ? At : "";
  if (!J.is_object()) return "";
  for (const auto &[K, V] : J.items()) {
    std::string Here = At.empty() ? K : At + "." + K;
    if (Bad(K)) return At.empty() ? "a key" : "a key of `" + At + "`";
    if (std::string Found = nonUtf8Member(V, Here); !Found.empty()) return Found;
  }
  return "";
}

}  // namespace orch::backends::langgraph
