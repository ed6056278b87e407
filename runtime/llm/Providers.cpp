//===- Providers.cpp ------------------------------------------------------===//
#include "runtime/llm/Providers.h"

#include <fmt/format.h>

#include <memory>
#include <optional>
#include <tuple>

#include "ir/MakeError.h"
#include "ir/ModelRegistry.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"

namespace orch::llm {

namespace {
/// The registry at \p Registry, or an error naming it.
llvm::Expected<ir::ModelRegistry> readRegistry(const std::string &Registry) {
  llvm::Expected<ir::ModelRegistry> R = ir::readModelRegistry(Registry);
  if (!R)
    return ir::makeError(
        fmt::format("model registry `{}`: {}", Registry, llvm::toString(R.takeError())));
  return R;
}

/// \p Model's provider: the registry's (when read and named), else by name.
std::string providerNameIn(const std::string &Model, const ir::ModelRegistry *R) {
  if (R)
    if (const ir::RegistryModel *M = R->model(Model); M && M->Provider)
      return *M->Provider;
  return llvm::StringRef(Model).starts_with("claude") ? "anthropic" : "openai";
}
}  // namespace

std::string providerNameFor(const std::string &Model, const std::string &Registry) {
  if (Registry.empty()) return providerNameIn(Model, nullptr);
  // An unreadable registry: resolveProvider reports it.
  llvm::Expected<ir::ModelRegistry> R = ir::readModelRegistry(Registry);
  if (!R) {
    llvm::consumeError(R.takeError());
    return providerNameIn(Model, nullptr);
  }
  return providerNameIn(Model, &*R);
}

std::function<std::string(const std::string &Model)> providerNamesIn(
    const std::string &Registry) {
  // Read at the first question: a run without a templated model reads
  // nothing.
  struct Lazy {
    bool Read = false;
    std::optional<ir::ModelRegistry> R;
  };
  auto State = std::make_shared<Lazy>();
  return [State, Registry](const std::string &Model) {
    if (!State->Read && !Registry.empty()) {
      llvm::Expected<ir::ModelRegistry> Read = ir::readModelRegistry(Registry);
      if (Read)
        State->R.emplace(std::move(*Read));
      else
        llvm::consumeError(Read.takeError());  // resolveProvider reports it
    }
    State->Read = true;
    return providerNameIn(Model, State->R ? &*State->R : nullptr);
  };
}

llvm::Expected<ModelSettings> modelSettings(const std::string &Model,
                                            const std::string &Registry) {
  ModelSettings S;
  if (Registry.empty()) return S;
  llvm::Expected<ir::ModelRegistry> R = readRegistry(Registry);
  if (!R) return R.takeError();
  const ir::RegistryModel *M = R->model(Model);
  if (!M || !M->IsMap) return S;
  if (!M->problem().empty()) return ir::makeError(R->message(M->problem()));
  S.MaxTokens = static_cast<unsigned>(M->MaxTokens);
  S.Reasoning = M->Reasoning;
  S.InputUsdPerToken = M->InputUsdPerToken;
  S.OutputUsdPerToken = M->OutputUsdPerToken;
  return S;
}

llvm::Expected<ProviderConfig> resolveProvider(const std::string &Model,
                                               const std::string &Registry,
                                               const EnvLookup &Env) {
  ProviderConfig P;
  std::string ProviderName = providerNameIn(Model, nullptr);
  std::string Api, BaseUrl, KeyEnv, PollMs, PollMaxMs, Share;
  if (!Registry.empty()) {
    llvm::Expected<ir::ModelRegistry> R = readRegistry(Registry);
    if (!R) return R.takeError();
    ProviderName = providerNameIn(Model, &*R);
    if (const ir::RegistryProvider *Section = R->provider(ProviderName)) {
      if (!Section->Problem.empty()) return ir::makeError(R->message(Section->Problem));
      Api = Section->Api;
      BaseUrl = Section->BaseUrl;
      KeyEnv = Section->ApiKeyEnv;
      PollMs = Section->BatchPollMs;
      PollMaxMs = Section->BatchPollMaxMs;
      Share = Section->BatchPriceShare;
      // The key's first name said the opposite of its value (0.5: half
      // price, not half off): refused by name rather than misread.
      if (Section->OldBatchDiscount)
        return ir::makeError(fmt::format(
            "model registry `{}`: `providers.{}.batch_discount` is now "
            "`batch_price_share`: the share of the normal price a batched request "
            "costs (0.5 = half price; 0.2 = you pay a fifth)",
            Registry, ProviderName));
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
      return ir::makeError(fmt::format(
          "model registry `{}`: `providers.{}.{}` must be an integer from 1 to 86400000",
          Registry, ProviderName, Key));
    *Slot = std::chrono::milliseconds(N);
  }
  if (!Share.empty()) {
    double D = -1;
    if (!llvm::to_float(Share, D) || !(D >= 0 && D <= 1))
      return ir::makeError(fmt::format(
          "model registry `{}`: `providers.{}.batch_price_share` must be a number from "
          "0 to 1 (the share of the normal price a batched request costs: 0.5 = half "
          "price)",
          Registry, ProviderName));
    P.BatchPriceFactor = D;
  }
  if (Api.empty()) Api = ProviderName == "anthropic" ? "anthropic" : "openai";
  if (Api != "openai" && Api != "anthropic")
    return ir::makeError(fmt::format(
        "provider `{}`: unknown api `{}` (openai or anthropic)", ProviderName, Api));
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
    return ir::makeError(
        fmt::format("provider `{}` of model `{}` has no base URL: add "
                    "`providers.{}.base_url` to the registry or set {}_BASE_URL",
                    ProviderName, Model, ProviderName, Prefix));
  // A local server may need no key; a hosted one does.
  std::optional<std::string> Key = Env(P.ApiKeyEnv);
  bool Hosted = P.BaseUrl.find("api.openai.com") != std::string::npos ||
                P.BaseUrl.find("api.anthropic.com") != std::string::npos;
  if (!Key || Key->empty()) {
    if (Hosted)
      return ir::makeError(
          fmt::format("model `{}` is served by `{}`, which needs an API key: set {}",
                      Model, P.BaseUrl, P.ApiKeyEnv));
    P.ApiKeyEnv.clear();
  }
  return P;
}

}  // namespace orch::llm
