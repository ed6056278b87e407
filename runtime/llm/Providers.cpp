//===- Providers.cpp ------------------------------------------------------===//
#include "runtime/llm/Providers.h"

#include <fmt/format.h>

#include "llvm/ADT/StringRef.h"
#include "yaml-cpp/yaml.h"

namespace orch::llm {

namespace {
llvm::Error fail(const std::string &M) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), M);
}
}  // namespace

llvm::Expected<ProviderConfig> resolveProvider(const std::string &Model,
                                               const std::string &Registry,
                                               const EnvLookup &Env) {
  ProviderConfig P;
  std::string ProviderName =
      llvm::StringRef(Model).starts_with("claude") ? "anthropic" : "openai";
  YAML::Node Section;
  if (!Registry.empty()) {
    try {
      YAML::Node Root = YAML::LoadFile(Registry);
      if (Root["models"] && Root["models"][Model] && Root["models"][Model]["provider"])
        ProviderName = Root["models"][Model]["provider"].as<std::string>();
      if (Root["providers"] && Root["providers"][ProviderName])
        Section = Root["providers"][ProviderName];
    } catch (const YAML::Exception &E) {
      return fail(fmt::format("model registry `{}`: {}", Registry, E.what()));
    }
  }
  P.Name = ProviderName;
  std::string Api = Section && Section["api"]     ? Section["api"].as<std::string>()
                    : ProviderName == "anthropic" ? "anthropic"
                                                  : "openai";
  if (Api != "openai" && Api != "anthropic")
    return fail(fmt::format("provider `{}`: unknown api `{}` (openai or anthropic)",
                            ProviderName, Api));
  P.Kind = Api == "anthropic" ? ApiKind::Anthropic : ApiKind::OpenAI;
  std::string Prefix = P.Kind == ApiKind::Anthropic ? "ANTHROPIC" : "OPENAI";
  P.ApiKeyEnv = Section && Section["api_key_env"]
                    ? Section["api_key_env"].as<std::string>()
                    : Prefix + "_API_KEY";
  if (Section && Section["base_url"])
    P.BaseUrl = Section["base_url"].as<std::string>();
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
