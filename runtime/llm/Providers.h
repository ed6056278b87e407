//===- Providers.h - Which endpoint serves a model -------------*- C++ -*-===//
#pragma once

#include <string>
#include <vector>

#include "runtime/llm/Client.h"

namespace orch::llm {

/// Finds the provider for \p Model: the model registry (`models.yaml`:
/// `models.<name>.provider`, and an optional `providers.<name>` section
/// with `api: openai|anthropic`, `base_url`, `api_key_env`) if \p Registry
/// names one, else the name (`claude*` is Anthropic, anything else
/// OpenAI-compatible). Base URLs come from OPENAI_BASE_URL /
/// ANTHROPIC_BASE_URL, else the services' own. Errors say which variable to
/// set; they never contain a key.
/// The model names of registry \p Registry (`models:` keys), in file
/// order; empty if there is no registry or it cannot be read.
std::vector<std::string> registryModelNames(const std::string &Registry);

/// The provider name \p Model maps to (registry, else its name); needs no
/// key, so it also serves cache keys when no model may be asked.
std::string providerNameFor(const std::string &Model, const std::string &Registry);

llvm::Expected<ProviderConfig> resolveProvider(const std::string &Model,
                                               const std::string &Registry,
                                               const EnvLookup &Env = processEnv);

}  // namespace orch::llm
