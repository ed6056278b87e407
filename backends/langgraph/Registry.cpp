//===- Registry.cpp - The model registry's entries, for the graph ---------===//
//
// What orchrt's LLM client reads of the model registry at run time
// (runtime/llm/Providers.cpp): `models.<name>.provider`, `max_tokens`,
// `reasoning`, and `providers.<name>.api`, `base_url`, `api_key_env`.
// orch_models.mjs resolves a model step's provider from this copy as orchrt
// does from the file; an entry orchrt would refuse carries its message, so
// the step fails with the same error. Key names (`api_key_env`) are copied,
// never keys.
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include "backends/langgraph/LangGraph.h"
#include "ir/Actions.h"
#include "yaml-cpp/yaml.h"

namespace orch::backends::langgraph {

using json = orch::ir::Json;

namespace {

/// One `models.<Name>` entry, or {"error": ...} as modelSettings reports it.
json modelEntry(const YAML::Node &M, const std::string &Name, const std::string &Path) {
  json E = json::object();
  if (!M.IsMap()) return E;
  if (M["provider"] && M["provider"].IsScalar())
    E["provider"] = M["provider"].as<std::string>();
  if (YAML::Node T = M["max_tokens"]) {
    int64_t N = 0;
    if (!T.IsScalar() || !YAML::convert<int64_t>::decode(T, N) || N < 1 ||
        N > ir::MaxOutputTokens)
      return {
          {"error",
           fmt::format("model registry `{}`: `models.{}.max_tokens` must be an integer "
                       "from 1 to {}",
                       Path, Name, ir::MaxOutputTokens)}};
    E["max_tokens"] = N;
  }
  if (YAML::Node R = M["reasoning"]) {
    bool B = false;
    if (!R.IsScalar() || !YAML::convert<bool>::decode(R, B))
      return {{"error", fmt::format("model registry `{}`: `models.{}.reasoning` must be "
                                    "true or false",
                                    Path, Name)}};
    E["reasoning"] = B;
  }
  return E;
}

/// One `providers.<Name>` section, or {"error": ...} as resolveProvider
/// reports it.
json providerEntry(const YAML::Node &S, const std::string &Name,
                   const std::string &Path) {
  if (S.IsNull()) return json::object();
  if (!S.IsMap())
    return {{"error", fmt::format("model registry `{}`: `providers.{}` must be a mapping",
                                  Path, Name)}};
  json E = json::object();
  for (const char *K : {"api", "base_url", "api_key_env"}) {
    if (!S[K]) continue;
    if (!S[K].IsScalar())
      return {
          {"error", fmt::format("model registry `{}`: `providers.{}.{}` must be a string",
                                Path, Name, K)}};
    E[K] = S[K].as<std::string>();
  }
  return E;
}

}  // namespace

json registryEntries(const std::string &Path) {
  json Out = {{"path", Path}, {"models", json::object()}, {"providers", json::object()}};
  try {
    YAML::Node Root = YAML::LoadFile(Path);
    if (!Root.IsMap()) return Out;
    if (YAML::Node Ms = Root["models"]; Ms && Ms.IsMap())
      for (const auto &KV : Ms) {
        std::string Name = KV.first.as<std::string>();
        Out["models"][Name] = modelEntry(KV.second, Name, Path);
      }
    if (YAML::Node Ps = Root["providers"]; Ps && Ps.IsMap())
      for (const auto &KV : Ps) {
        std::string Name = KV.first.as<std::string>();
        Out["providers"][Name] = providerEntry(KV.second, Name, Path);
      }
  } catch (const YAML::Exception &E) {
    return {{"path", Path},
            {"error", fmt::format("model registry `{}`: {}", Path, E.what())}};
  }
  return Out;
}

}  // namespace orch::backends::langgraph
