//===- ModelRegistry.h - The model registry's entries, read once -*- C++ -*-===//
//
// The one reader of the model registry (`models.yaml`) fields that the
// compiler (passes/ModelCatalog), orchrt's LLM client (runtime/llm/Providers)
// and the LangGraph export (backends/langgraph/Registry) all read: each
// model's `provider`, `max_tokens`, `reasoning` and prices, each provider's
// `api`, `base_url` and `api_key_env`, with orchrt's checks. A problem is
// kept with its entry (a registry with one bad model still serves the
// others; a `models` or `providers` key that is not a name is left out);
// each caller words the file's name in front of it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace orch::ir {

/// One `models.<name>` entry.
struct RegistryModel {
  std::string Name;
  bool IsMap = false;                   ///< Only a mapping says anything.
  std::optional<std::string> Provider;  ///< `provider`, when a scalar.
  int64_t MaxTokens = 0;                ///< `max_tokens`; 0: not given.
  std::optional<bool> Reasoning;        ///< `reasoning`, when given.
  /// USD per input and per output token: `pricing` (`input_usd_per_mtok`,
  /// `output_usd_per_mtok`, per million), else `metrics.cost_per_token`
  /// for both; 0: unpriced.
  double InputUsdPerToken = 0, OutputUsdPerToken = 0;
  /// A price is written (0 then means free, not unknown).
  bool PriceGiven = false;
  /// What choosing a model reads (orchc's select-models, orchrt's
  /// `model.select`): `base_model`, `quantization`, `capabilities`
  /// (`tasks`, `languages`, `context_window`, `supports_function_calling`,
  /// `supports_structured_output`), `requirements.memory_gb` and `metrics`
  /// (`latency_p50`, `latency_p95` in seconds, `throughput`, `accuracy`).
  /// A quantized variant without `capabilities` has its base's, when the
  /// base comes before it.
  std::string BaseModel, Quantization;
  std::vector<std::string> Tasks, Languages;
  int64_t ContextWindow = 0;
  bool FunctionCalling = false, StructuredOutput = false;
  double MemoryGb = 0, LatencyP50 = 0, LatencyP95 = 0, Throughput = 0, Accuracy = 0;
  /// Why orchrt refuses the entry, per field (e.g. "`models.m.max_tokens`
  /// must be an integer from 1 to 1000000"); "" when the field is fine.
  std::string MaxTokensProblem, ReasoningProblem, PriceProblem;
  /// The first field above (base_model .. metrics) of the wrong type; only
  /// choosing a model reads them, so problem() leaves this out.
  std::string ProfileProblem;

  /// The first problem in orchrt's order (max_tokens, reasoning, prices).
  const std::string &problem() const;
};

/// One `providers.<name>` section.
struct RegistryProvider {
  std::string Name;
  bool Given = false;  ///< Present and not null.
  std::string Api, BaseUrl, ApiKeyEnv;
  /// Batch mode's settings as written (checked by runtime/llm/Providers.cpp).
  std::string BatchPollMs, BatchPollMaxMs, BatchPriceShare;
  /// The key's first name, `batch_discount`, is present (refused by orchrt).
  bool OldBatchDiscount = false;
  /// "`providers.p` must be a mapping", "`providers.p.api` must be a
  /// string", or "".
  std::string Problem;
};

/// The registry's entries, in file order.
struct ModelRegistry {
  std::string Path;
  bool IsMap = false;        ///< The document is a mapping.
  bool ModelsGiven = false;  ///< It has `models`.
  bool ModelsIsMap = false;  ///< ... which is a mapping.
  /// Every key of `models` in file order (duplicates too), when a mapping.
  std::vector<RegistryModel> Models;
  std::vector<RegistryProvider> Providers;

  /// The first entry named \p Name, or null.
  const RegistryModel *model(llvm::StringRef Name) const;
  const RegistryProvider *provider(llvm::StringRef Name) const;
  /// orchrt's wording of \p Problem: "model registry `PATH`: PROBLEM".
  std::string message(llvm::StringRef Problem) const;
};

/// Reads the registry at \p Path. The error is the YAML reader's own text
/// (a file that cannot be read or parsed); callers name the file.
llvm::Expected<ModelRegistry> readModelRegistry(const std::string &Path);

}  // namespace orch::ir
