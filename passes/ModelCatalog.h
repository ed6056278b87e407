//===- ModelCatalog.h - models.yaml and config.yaml, for passes -*- C++ -*-===//
//
// What the optimization passes know about the world: the model registry
// (`models.yaml`: capabilities, requirements, metrics, selection policies,
// provider limits) and the run configuration (`config.yaml`: task and
// request limits). Both are read once by the driver, before the passes.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace orch::passes {

/// One model of the registry.
struct ModelInfo {
  std::string Name;
  std::string Provider;
  std::string BaseModel;     ///< Quantized variants: the model they shrink.
  std::string Quantization;  ///< `int4`, ...
  std::vector<std::string> Tasks;
  std::vector<std::string> Languages;
  int64_t ContextWindow = 0;
  bool FunctionCalling = false;
  bool StructuredOutput = false;
  double MemoryGb = 0;
  double LatencyP50 = 0;  ///< Seconds.
  double LatencyP95 = 0;
  double Throughput = 0;
  double Accuracy = 0;
  double CostPerToken = 0;  ///< USD: the mean of orchrt's input and output price.
  /// USD per input and per output token, as orchrt prices them (0: unpriced).
  double InputUsdPerToken = 0, OutputUsdPerToken = 0;
  /// The share of the price a batched request costs: the provider's
  /// `batch_price_share`, else 0.5.
  double BatchPriceShare = 0.5;
  int64_t MaxTokens = 0;   ///< `max_tokens`: the default answer length; 0: unset.
  bool Reasoning = false;  ///< `reasoning`: an OpenAI reasoning model.
};

/// A selection policy: `weighted` scores, or `ucb` (learned at run time).
struct SelectionPolicy {
  std::string Name;
  std::string Strategy = "weighted";
  double Cost = 0, Accuracy = 0, Latency = 0;  ///< Weights.
  double Exploration = 2.0;                    ///< ucb
};

/// Limits of one provider's requests.
struct ProviderLimits {
  unsigned MaxConcurrent = 0;      ///< 0: none.
  unsigned RequestsPerMinute = 0;  ///< 0: none.
  unsigned Burst = 0;              ///< Requests allowed at once (0: 1).
  uint64_t TokensPerMinute = 0;    ///< Model tokens a minute; 0: none.
};

/// The model registry.
struct ModelCatalog {
  std::string Path;
  std::vector<ModelInfo> Models;  ///< In file order.
  std::vector<SelectionPolicy> Policies;
  std::map<std::string, ProviderLimits> Providers;
  const ModelInfo *find(llvm::StringRef Name) const;
  const SelectionPolicy *policy(llvm::StringRef Name) const;
};

/// The run configuration.
struct RunConfig {
  std::string Path;
  unsigned MaxConcurrentTasks = 0;  ///< execution.max_concurrent_tasks
  ProviderLimits ModelRequests;     ///< security.rate_limiting: every provider
  std::map<std::string, ProviderLimits> Providers;  ///< providers.<name>
  std::string SelectionPolicy;                      ///< models.selection_policy
  bool SandboxEnabled = true;                       ///< sandbox.enabled
  bool SandboxUserNamespace = true;                 ///< sandbox.user_namespace
  /// sandbox.resource_limits as JSON text (numbers stay numbers), or "";
  /// the forms are ir/ResourceLimits.h; they are every step's ceilings.
  std::string SandboxLimits;
  /// security.forbidden_modules: Python modules (and the builtins `eval`,
  /// `exec`) that `python` steps may not use.
  std::vector<std::string> ForbiddenModules;
  /// security.allowed_actions, when given: the only actions steps may use.
  std::optional<std::vector<std::string>> AllowedActions;
  /// storage.connection_string as the plan keeps it: `${NAME}` (read from
  /// the environment by orchrt), a `postgresql://` URL without password, or
  /// an absolute state directory; "" when not set. A URL with a password is
  /// refused (it would land in the plan).
  std::string StorageConnection;
  /// storage.retention_days (1 to 36500), or 0 when not set.
  unsigned RetentionDays = 0;
  /// monitoring.metrics_port (0 to 65535; -1: none, or metrics_enabled
  /// false) and monitoring.metrics_host ("": loopback).
  int MetricsPort = -1;
  std::string MetricsHost;
  /// monitoring.tracing_endpoint as written (a `${NAME}` stays one, read by
  /// orchrt), "" when not set or tracing_enabled is false.
  std::string TracingEndpoint;
};

/// Reads \p Path (`models.yaml`). Errors name the file and the problem.
llvm::Expected<ModelCatalog> loadModelCatalog(const std::string &Path);
/// Reads \p Path (`config.yaml`; the `orchestrator:` root is optional).
llvm::Expected<RunConfig> loadRunConfig(const std::string &Path);

}  // namespace orch::passes
