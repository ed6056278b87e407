//===- Providers.cpp ------------------------------------------------------===//
#include "runtime/llm/Providers.h"

#include <fmt/format.h>

#include <tuple>

#include "ir/Actions.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "yaml-cpp/yaml.h"

namespace orch::llm {

namespace {
llvm::Error fail(const std::string &M) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), M);
}
/// A non-negative number at \p N, or an error naming \p Field.
llvm::Error readPrice(const YAML::Node &N, const std::string &Registry,
                      const std::string &Field, double &Out) {
  double D = -1;
  // as<double>, not convert<double>::decode: the latter reads 0.00003 as 0.
  try {
    if (N.IsScalar()) D = N.as<double>();
  } catch (const YAML::Exception &) {
  }
  if (!(D >= 0) || D > 1e9)
    return fail(fmt::format("model registry `{}`: `{}` must be a number of at least 0",
                            Registry, Field));
  Out = D;
  return llvm::Error::success();
}

/// `pricing.{input,output}_usd_per_mtok`, else `metrics.cost_per_token`.
llvm::Error readPrices(const YAML::Node &M, const std::string &Registry,
                       const std::string &Model, ModelSettings &S) {
  std::string At = "models." + Model + ".";
  if (YAML::Node P = M["pricing"]) {
    if (!P.IsMap())
      return fail(fmt::format("model registry `{}`: `{}pricing` must be a mapping",
                              Registry, At));
    for (auto [Key, Slot] : {std::pair{"input_usd_per_mtok", &S.InputUsdPerToken},
                             std::pair{"output_usd_per_mtok", &S.OutputUsdPerToken}})
      if (YAML::Node V = P[Key]) {
        if (llvm::Error E = readPrice(V, Registry, At + "pricing." + Key, *Slot))
          return E;
        *Slot /= 1e6;
      }
    return llvm::Error::success();
  }
  if (YAML::Node Met = M["metrics"]; Met && Met.IsMap())
    if (YAML::Node C = Met["cost_per_token"]) {
      if (llvm::Error E =
              readPrice(C, Registry, At + "metrics.cost_per_token", S.InputUsdPerToken))
        return E;
      S.OutputUsdPerToken = S.InputUsdPerToken;
    }
  return llvm::Error::success();
}

}  // namespace

std::string providerNameFor(const std::string &Model, const std::string &Registry) {
  std::string Name =
      llvm::StringRef(Model).starts_with("claude") ? "anthropic" : "openai";
  if (Registry.empty()) return Name;
  try {
    YAML::Node Root = YAML::LoadFile(Registry);
    if (Root.IsMap() && Root["models"] && Root["models"].IsMap()) {
      YAML::Node M = Root["models"][Model];
      if (M && M.IsMap() && M["provider"] && M["provider"].IsScalar())
        Name = M["provider"].as<std::string>();
    }
  } catch (const YAML::Exception &) {
    // resolveProvider reports an unreadable registry.
  }
  return Name;
}

llvm::Expected<ModelSettings> modelSettings(const std::string &Model,
                                            const std::string &Registry) {
  ModelSettings S;
  if (Registry.empty()) return S;
  try {
    YAML::Node Root = YAML::LoadFile(Registry);
    if (!Root.IsMap() || !Root["models"] || !Root["models"].IsMap()) return S;
    YAML::Node M = Root["models"][Model];
    if (!M || !M.IsMap()) return S;
    if (YAML::Node T = M["max_tokens"]) {
      int64_t N = 0;
      if (!T.IsScalar() || !YAML::convert<int64_t>::decode(T, N) || N < 1 ||
          N > ir::MaxOutputTokens)
        return fail(fmt::format(
            "model registry `{}`: `models.{}.max_tokens` must be an integer from 1 "
            "to {}",
            Registry, Model, ir::MaxOutputTokens));
      S.MaxTokens = static_cast<unsigned>(N);
    }
    if (YAML::Node R = M["reasoning"]) {
      bool B = false;
      if (!R.IsScalar() || !YAML::convert<bool>::decode(R, B))
        return fail(fmt::format(
            "model registry `{}`: `models.{}.reasoning` must be true or false", Registry,
            Model));
      S.Reasoning = B;
    }
    if (llvm::Error E = readPrices(M, Registry, Model, S)) return E;
  } catch (const YAML::Exception &E) {
    return fail(fmt::format("model registry `{}`: {}", Registry, E.what()));
  }
  return S;
}

llvm::Expected<ProviderConfig> resolveProvider(const std::string &Model,
                                               const std::string &Registry,
                                               const EnvLookup &Env) {
  ProviderConfig P;
  std::string ProviderName = providerNameFor(Model, Registry);
  std::string Api, BaseUrl, KeyEnv, PollMs, PollMaxMs, Share;
  if (!Registry.empty()) {
    try {
      YAML::Node Root = YAML::LoadFile(Registry);
      // A default YAML::Node counts as defined (null): track presence apart.
      YAML::Node Section;
      bool Has = false;
      if (Root.IsMap() && Root["providers"] && Root["providers"].IsMap()) {
        Section = Root["providers"][ProviderName];
        Has = Section.IsDefined() && !Section.IsNull();
      }
      if (Has && !Section.IsMap())
        return fail(fmt::format("model registry `{}`: `providers.{}` must be a mapping",
                                Registry, ProviderName));
      auto Field = [&](const char *K, std::string &Out) -> llvm::Error {
        if (!Has || !Section[K]) return llvm::Error::success();
        if (!Section[K].IsScalar())
          return fail(
              fmt::format("model registry `{}`: `providers.{}.{}` must be a string",
                          Registry, ProviderName, K));
        Out = Section[K].as<std::string>();
        return llvm::Error::success();
      };
      if (llvm::Error E = Field("api", Api)) return E;
      if (llvm::Error E = Field("base_url", BaseUrl)) return E;
      if (llvm::Error E = Field("api_key_env", KeyEnv)) return E;
      if (llvm::Error E = Field("batch_poll_ms", PollMs)) return E;
      if (llvm::Error E = Field("batch_poll_max_ms", PollMaxMs)) return E;
      if (llvm::Error E = Field("batch_price_share", Share)) return E;
      // The key's first name said the opposite of its value (0.5: half
      // price, not half off): refused by name rather than misread.
      if (Has && Section["batch_discount"])
        return fail(fmt::format(
            "model registry `{}`: `providers.{}.batch_discount` is now "
            "`batch_price_share`: the share of the normal price a batched request "
            "costs (0.5 = half price; 0.2 = you pay a fifth)",
            Registry, ProviderName));
    } catch (const YAML::Exception &E) {
      return fail(fmt::format("model registry `{}`: {}", Registry, E.what()));
    }
  }
  P.Name = ProviderName;
  // Batch mode's polling and price (Batch.h).
  for (auto [Key, Text, Slot] :
       {std::tuple{"batch_poll_ms", &PollMs, &P.BatchPollInitial},
        std::tuple{"batch_poll_max_ms", &PollMaxMs, &P.BatchPollMax}}) {
    if (Text->empty()) continue;
    unsigned N = 0;
    if (llvm::StringRef(*Text).getAsInteger(10, N) || N < 1 || N > 86400000)
      return fail(fmt::format(
          "model registry `{}`: `providers.{}.{}` must be an integer from 1 to 86400000",
          Registry, ProviderName, Key));
    *Slot = std::chrono::milliseconds(N);
  }
  if (!Share.empty()) {
    double D = -1;
    if (!llvm::to_float(Share, D) || !(D >= 0 && D <= 1))
      return fail(fmt::format(
          "model registry `{}`: `providers.{}.batch_price_share` must be a number from "
          "0 to 1 (the share of the normal price a batched request costs: 0.5 = half "
          "price)",
          Registry, ProviderName));
    P.BatchPriceFactor = D;
  }
  if (Api.empty()) Api = ProviderName == "anthropic" ? "anthropic" : "openai";
  if (Api != "openai" && Api != "anthropic")
    return fail(fmt::format("provider `{}`: unknown api `{}` (openai or anthropic)",
                            ProviderName, Api));
  P.Kind = Api == "anthropic" ? ApiKind::Anthropic : ApiKind::OpenAI;
  std::string Prefix = P.Kind == ApiKind::Anthropic ? "ANTHROPIC" : "OPENAI";
  P.ApiKeyEnv = !KeyEnv.empty() ? KeyEnv : Prefix + "_API_KEY";
  if (!BaseUrl.empty())
    P.BaseUrl = BaseUrl;
  else if (std::optional<std::string> U = Env(Prefix + "_BASE_URL"); U && !U->empty())
    P.BaseUrl = *U;
  else if (ProviderName == "openai" || ProviderName == "anthropic")
    P.BaseUrl = P.Kind == ApiKind::Anthropic ? "https://api.anthropic.com"
                                             : "https://api.openai.com/v1";
  else
    return fail(
        fmt::format("provider `{}` of model `{}` has no base URL: add "
                    "`providers.{}.base_url` to the registry or set {}_BASE_URL",
                    ProviderName, Model, ProviderName, Prefix));
  // A local server may need no key; a hosted one does.
  std::optional<std::string> Key = Env(P.ApiKeyEnv);
  bool Hosted = P.BaseUrl.find("api.openai.com") != std::string::npos ||
                P.BaseUrl.find("api.anthropic.com") != std::string::npos;
  if (!Key || Key->empty()) {
    if (Hosted)
      return fail(
          fmt::format("model `{}` is served by `{}`, which needs an API key: set {}",
                      Model, P.BaseUrl, P.ApiKeyEnv));
    P.ApiKeyEnv.clear();
  }
  return P;
}

}  // namespace orch::llm
