//===- Registry.cpp - The model registry's entries, for the graph ---------===//
//
// What orchrt's LLM client reads of the model registry at run time
// (runtime/llm/Providers.cpp): `models.<name>.provider`, `max_tokens`,
// `reasoning`, and `providers.<name>.api`, `base_url`, `api_key_env`.
// orch_models.mjs resolves a model step's provider from this copy as orchrt
// does from the file; an entry orchrt would refuse (modelSettings: also its
// `pricing` / `metrics.cost_per_token` checks, copied from Providers.cpp,
// which backends cannot include) carries its message, so the step fails
// with the same error. Key names (`api_key_env`) are copied, never keys.
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include "backends/langgraph/LangGraph.h"
#include "ir/Actions.h"
#include "llvm/Support/ConvertUTF.h"
#include "yaml-cpp/yaml.h"

namespace orch::backends::langgraph {

using json = orch::ir::Json;

namespace {

/// orchrt's price checks (runtime/llm/Providers.cpp readPrices): the
/// message it fails the step with, or "". The prices themselves are not
/// embedded (the graph reports no cost).
std::string priceError(const YAML::Node &M, const std::string &Name,
                       const std::string &Path) {
  auto Bad = [&](const YAML::Node &N, const std::string &Field) -> std::string {
    double D = -1;
    try {
      if (N.IsScalar()) D = N.as<double>();
    } catch (const YAML::Exception &) {
    }
    if (D >= 0 && D <= 1e9) return "";
    return fmt::format(
        "model registry `{}`: `models.{}.{}` must be a number of at least 0", Path, Name,
        Field);
  };
  if (YAML::Node P = M["pricing"]) {
    if (!P.IsMap())
      return fmt::format("model registry `{}`: `models.{}.pricing` must be a mapping",
                         Path, Name);
    for (const char *Key : {"input_usd_per_mtok", "output_usd_per_mtok"})
      if (YAML::Node V = P[Key])
        if (std::string E = Bad(V, std::string("pricing.") + Key); !E.empty()) return E;
    return "";
  }
  if (YAML::Node Met = M["metrics"]; Met && Met.IsMap())
    if (YAML::Node C = Met["cost_per_token"]) return Bad(C, "metrics.cost_per_token");
  return "";
}

/// One `models.<Name>` entry, or {"error": ...} as modelSettings reports it.
json modelEntry(const YAML::Node &M, const std::string &Name, const std::string &Path) {
  json E = json::object();
  if (!M.IsMap()) return E;
  if (M["provider"] && M["provider"].IsScalar())
    E["provider"] = M["provider"].as<std::string>();
  // An entry orchrt refuses keeps its provider: orchrt resolves the
  // provider before it reads the model's settings.
  auto Fail = [&](std::string Message) {
    json F = json::object();
    if (E.contains("provider")) F["provider"] = E["provider"];
    F["error"] = std::move(Message);
    return F;
  };
  if (YAML::Node T = M["max_tokens"]) {
    int64_t N = 0;
    if (!T.IsScalar() || !YAML::convert<int64_t>::decode(T, N) || N < 1 ||
        N > ir::MaxOutputTokens)
      return Fail(
          fmt::format("model registry `{}`: `models.{}.max_tokens` must be an integer "
                      "from 1 to {}",
                      Path, Name, ir::MaxOutputTokens));
    E["max_tokens"] = N;
  }
  if (YAML::Node R = M["reasoning"]) {
    bool B = false;
    if (!R.IsScalar() || !YAML::convert<bool>::decode(R, B))
      return Fail(
          fmt::format("model registry `{}`: `models.{}.reasoning` must be "
                      "true or false",
                      Path, Name));
    E["reasoning"] = B;
  }
  if (std::string Error = priceError(M, Name, Path); !Error.empty()) return Fail(Error);
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

json usedEntries(const json &All, llvm::ArrayRef<std::string> Models, bool AnyModel) {
  if (All.contains("error") || AnyModel) return All;
  json Out = {
      {"path", All["path"]}, {"models", json::object()}, {"providers", json::object()}};
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
