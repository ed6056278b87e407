//===- Providers.h - Which endpoint serves a model -------------*- C++ -*-===//
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "runtime/llm/Client.h"

namespace orch::llm {

/// The provider name \p Model maps to (registry, else its name); needs no
/// key, so it also serves cache keys when no model may be asked.
std::string providerNameFor(const std::string &Model, const std::string &Registry);

/// providerNameFor with \p Registry read once, at the first question: for a run that asks
/// for many models' providers (an unreadable registry names by the model's
/// name, as providerNameFor does).
std::function<std::string(const std::string &Model)> providerNamesIn(
    const std::string &Registry);

/// What the registry says about how to call one model.
struct ModelSettings {
  unsigned MaxTokens = 0;         ///< `models.<name>.max_tokens`; 0: not given.
  std::optional<bool> Reasoning;  ///< `models.<name>.reasoning`, if given.
  /// USD per input and per output token: `models.<name>.pricing`
  /// (`input_usd_per_mtok`, `output_usd_per_mtok`, per million tokens),
  /// else `metrics.cost_per_token` for both; 0: unpriced.
  double InputUsdPerToken = 0, OutputUsdPerToken = 0;
};

/// Reads \p Model's entry of the registry \p Registry (none: all unset).
/// Errors name the file and the field.
llvm::Expected<ModelSettings> modelSettings(const std::string &Model,
                                            const std::string &Registry);

/// Finds the provider for \p Model: the model registry (`models.yaml`:
/// `models.<name>.provider`, and an optional `providers.<name>` section
/// with `api: openai|anthropic`, `base_url`, `api_key_env`) if \p Registry
/// names one, else the name (`claude*` is Anthropic, anything else
/// OpenAI-compatible). Base URLs come from OPENAI_BASE_URL /
/// ANTHROPIC_BASE_URL, else the services' own. Errors say which variable to
/// set; they never contain a key.
llvm::Expected<ProviderConfig> resolveProvider(const std::string &Model,
                                               const std::string &Registry,
                                               const EnvLookup &Env = processEnv);

}  // namespace orch::llm
