//===- ModelCatalog.cpp ---------------------------------------------------===//
#include "passes/ModelCatalog.h"

#include <fmt/format.h>

#include <cassert>

#include "ir/ConnUrl.h"
#include "ir/Json.h"
#include "ir/ModelRegistryYaml.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "yaml-cpp/yaml.h"

namespace orch::passes {

namespace {

template <typename T>
T get(const YAML::Node &N, const char *Key, T Default) {
  if (!N || !N.IsMap() || !N[Key] || !N[Key].IsScalar()) return Default;
  return N[Key].as<T>();
}

llvm::Error fail(const std::string &Path, const std::string &Why) {
  return llvm::createStringError(fmt::format("`{}`: {}", Path, Why));
}

/// The most `tokens_per_minute` may be (far above any provider's tier).
constexpr uint64_t MaxTokensPerMinute = 1000000000000ull;

/// A provider's (or `security.rate_limiting`'s) limits from \p N, whose
/// key is \p Where; a `tokens_per_minute` that is not an integer from 1 to
/// MaxTokensPerMinute is an error at its line and column.
llvm::Expected<ProviderLimits> limits(const YAML::Node &N, const std::string &Path,
                                      const std::string &Where) {
  ProviderLimits L;
  L.MaxConcurrent = get<unsigned>(N, "max_concurrent", 0);
  L.RequestsPerMinute = get<unsigned>(N, "requests_per_minute", 0);
  L.Burst = get<unsigned>(N, "burst_size", get<unsigned>(N, "burst", 0));
  if (!N.IsMap() || !N["tokens_per_minute"]) return L;
  YAML::Node T = N["tokens_per_minute"];
  uint64_t V = 0;
  if (!T.IsScalar() || llvm::StringRef(T.Scalar()).getAsInteger(10, V) || V < 1 ||
      V > MaxTokensPerMinute)
    return fail(fmt::format("{}:{}:{}", Path, T.Mark().line + 1, T.Mark().column + 1),
                fmt::format("`{}.tokens_per_minute` must be an integer from 1 to {} "
                            "(model tokens a minute), not `{}`",
                            Where, MaxTokensPerMinute, T.IsScalar() ? T.Scalar() : "…"));
  L.TokensPerMinute = V;
  return L;
}

/// `providers:` of \p Root into \p Out.
llvm::Error readProviders(const YAML::Node &Root, const std::string &Path,
                          std::map<std::string, ProviderLimits> &Out) {
  YAML::Node Prov = Root["providers"];
  if (!Prov || !Prov.IsMap()) return llvm::Error::success();
  for (const auto &KV : Prov) {
    std::string Name = KV.first.as<std::string>();
    llvm::Expected<ProviderLimits> L = limits(KV.second, Path, "providers." + Name);
    if (!L) return L.takeError();
    Out[Name] = *L;
  }
  return llvm::Error::success();
}

/// Reads `monitoring:` (metrics_enabled, metrics_port, metrics_host,
/// tracing_enabled, tracing_endpoint) into \p C; its other keys
/// (log_level, structured_logging) are the seed's and not orchrt's.
llvm::Error readMonitoring(const YAML::Node &Mon, const std::string &Path, RunConfig &C) {
  auto Flag = [&](const char *Key, bool &Out) -> llvm::Error {
    YAML::Node N = Mon[Key];
    if (!N) return llvm::Error::success();
    if (!N.IsScalar() || !YAML::convert<bool>::decode(N, Out))
      return fail(Path, fmt::format("monitoring.{} must be true or false", Key));
    return llvm::Error::success();
  };
  bool Metrics = true, Tracing = true;
  if (llvm::Error E = Flag("metrics_enabled", Metrics)) return E;
  if (llvm::Error E = Flag("tracing_enabled", Tracing)) return E;
  if (YAML::Node P = Mon["metrics_port"]) {
    long long Port = -1;
    if (!P.IsScalar() || llvm::StringRef(P.Scalar()).getAsInteger(10, Port) || Port < 0 ||
        Port > 65535)
      return fail(Path, "monitoring.metrics_port must be a port number from 0 to 65535");
    if (Metrics) C.MetricsPort = static_cast<int>(Port);
  }
  if (YAML::Node H = Mon["metrics_host"]) {
    if (!H.IsScalar() || H.Scalar().empty() ||
        H.Scalar().find_first_of(" /@") != std::string::npos)
      return fail(Path, "monitoring.metrics_host must be a host name or address");
    C.MetricsHost = H.Scalar();
  }
  if (YAML::Node T = Mon["tracing_endpoint"]) {
    if (!T.IsScalar()) return fail(Path, "monitoring.tracing_endpoint must be a string");
    llvm::StringRef V = T.Scalar();
    bool Var = V.starts_with("${") && V.ends_with("}");
    if (!Var && !V.empty() && !V.starts_with("http://") && !V.starts_with("https://"))
      return fail(Path,
                  "monitoring.tracing_endpoint: expected an http:// or https:// OTLP "
                  "endpoint, or ${VAR}");
    // Userinfo or a query (a token) would land in the plan.
    if (!Var && (V.contains('@') || V.contains('?')))
      return fail(Path,
                  "monitoring.tracing_endpoint holds credentials or a query, which would "
                  "land in the plan; write ${VAR} and set the URL in the environment");
    if (Tracing) C.TracingEndpoint = V.str();
  }
  return llvm::Error::success();
}

/// Reads `storage:` (connection_string, retention_days) into \p C.
llvm::Error readStorage(const YAML::Node &St, const std::string &Path, RunConfig &C) {
  if (YAML::Node CS = St["connection_string"]) {
    if (!CS.IsScalar()) return fail(Path, "storage.connection_string must be a string");
    llvm::StringRef V = CS.Scalar();
    bool Var = V.starts_with("${") && V.ends_with("}") && V.size() > 3 &&
               llvm::all_of(V.drop_front(2).drop_back(),
                            [](char Ch) { return llvm::isAlnum(Ch) || Ch == '_'; });
    if (Var) {
      C.StorageConnection = V.str();
    } else if (V.contains("${")) {
      return fail(Path,
                  "storage.connection_string: only the whole value can come from the "
                  "environment (`${DATABASE_URL}`)");
    } else if (V.contains("://")) {
      if (!V.starts_with("postgresql://") && !V.starts_with("postgres://"))
        return fail(Path,
                    "storage.connection_string: expected a postgresql:// URL, "
                    "${VAR} or an absolute state directory");
      // The plan is a build artifact: it is copied, cached and shown.
      if (ir::connUrlHasPassword(V))
        return fail(Path, fmt::format("storage.connection_string `{}` holds a password, "
                                      "which would land in the plan; write "
                                      "`${{DATABASE_URL}}` and set the URL in the "
                                      "environment (or use PGPASSWORD or ~/.pgpass)",
                                      ir::redactConnUrl(V)));
      C.StorageConnection = V.str();
    } else if (V.starts_with("/")) {
      C.StorageConnection = V.str();
    } else if (!V.empty()) {
      return fail(Path,
                  "storage.connection_string: expected a postgresql:// URL, "
                  "${VAR} or an absolute state directory");
    }
  }
  if (YAML::Node RD = St["retention_days"]) {
    long long Days = 0;
    if (!RD.IsScalar() || llvm::StringRef(RD.Scalar()).getAsInteger(10, Days) ||
        Days < 1 || Days > 36500)
      return fail(Path,
                  "storage.retention_days must be a whole number of days from 1 "
                  "to 36500");
    C.RetentionDays = static_cast<unsigned>(Days);
  }
  return llvm::Error::success();
}

}  // namespace

const ModelInfo *ModelCatalog::find(llvm::StringRef Name) const {
  for (const ModelInfo &M : Models)
    if (M.Name == Name) return &M;
  return nullptr;
}

const SelectionPolicy *ModelCatalog::policy(llvm::StringRef Name) const {
  for (const SelectionPolicy &P : Policies)
    if (P.Name == Name) return &P;
  return nullptr;
}

llvm::Expected<ModelCatalog> loadModelCatalog(const std::string &Path) {
  ModelCatalog C;
  C.Path = Path;
  // The fields orchrt reads too (provider, max_tokens, reasoning, prices)
  // come from the shared reader, with its checks, over the one loaded
  // document; the rest is the compiler's.
  try {
    YAML::Node Root = YAML::LoadFile(Path);
    ir::ModelRegistry Reg = ir::readModelRegistry(Root, Path);
    if (!Reg.IsMap) return fail(Path, "the registry must be a mapping");
    if (Reg.ModelsGiven && !Reg.ModelsIsMap)
      return fail(Path, "`models` must be a mapping");
    size_t K = 0;
    if (YAML::Node Models = Root["models"]; Models && Models.IsMap())
      for (const auto &KV : Models) {
        if (!KV.first.IsScalar())
          return fail(Path, "a key of `models` must be a model's name");
        const YAML::Node &N = KV.second;
        // One document: the reader kept every key of `models` in this order.
        assert(K < Reg.Models.size());
        const ir::RegistryModel &R = Reg.Models[K++];
        if (!R.IsMap) return fail(Path, "model `" + R.Name + "` must be a mapping");
        if (!R.MaxTokensProblem.empty()) return fail(Path, R.MaxTokensProblem);
        if (!R.ReasoningProblem.empty()) return fail(Path, R.ReasoningProblem);
        if (!R.PriceProblem.empty()) return fail(Path, R.PriceProblem);
        // A limit is a provider's (all its models share it): a model's own
        // would be ignored, so it is refused.
        if (N.IsMap() && N["tokens_per_minute"])
          return fail(Path, fmt::format("`models.{}.tokens_per_minute`: the limit is a "
                                        "provider's; set `providers.<name>."
                                        "tokens_per_minute` instead",
                                        R.Name));
        if (!R.ProfileProblem.empty()) return fail(Path, R.ProfileProblem);
        ModelInfo M;
        M.Name = R.Name;
        M.Provider = R.Provider.value_or("");
        M.BaseModel = R.BaseModel;
        M.Quantization = R.Quantization;
        // A quantized variant inherits what it does not say from its base
        // (the shared reader did so for its capabilities).
        if (const ModelInfo *Base = C.find(M.BaseModel); Base && M.Provider.empty())
          M.Provider = Base->Provider;
        M.Tasks = R.Tasks;
        M.Languages = R.Languages;
        M.ContextWindow = R.ContextWindow;
        M.FunctionCalling = R.FunctionCalling;
        M.StructuredOutput = R.StructuredOutput;
        M.MaxTokens = R.MaxTokens;
        M.Reasoning = R.Reasoning.value_or(false);
        M.MemoryGb = R.MemoryGb;
        M.LatencyP50 = R.LatencyP50;
        M.LatencyP95 = R.LatencyP95;
        M.Throughput = R.Throughput;
        M.Accuracy = R.Accuracy;
        // orchrt's prices (`pricing`, else `metrics.cost_per_token`); the
        // selection weighs their mean.
        M.CostPerToken = (R.InputUsdPerToken + R.OutputUsdPerToken) / 2;
        M.InputUsdPerToken = R.InputUsdPerToken;
        M.OutputUsdPerToken = R.OutputUsdPerToken;
        if (const ir::RegistryProvider *Pr = Reg.provider(M.Provider))
          if (double D = -1; llvm::to_float(Pr->BatchPriceShare, D) && D >= 0 && D <= 1)
            M.BatchPriceShare = D;
        C.Models.push_back(std::move(M));
      }
    if (YAML::Node Pol = Root["selection_policies"]; Pol && Pol.IsMap())
      for (const auto &KV : Pol) {
        SelectionPolicy P;
        P.Name = KV.first.as<std::string>();
        P.Strategy = get<std::string>(KV.second, "strategy", "weighted");
        P.Exploration = get<double>(KV.second, "exploration_factor", 2.0);
        // orchrt refuses a plan with another (PlanReader), and the
        // LangGraph export writes it into JavaScript as a number.
        if (!(P.Exploration >= 0 && P.Exploration < 1e6))
          return fail(Path,
                      fmt::format("selection_policies.{}.exploration_factor must be "
                                  "a number from 0 to less than 1000000",
                                  P.Name));
        YAML::Node W = KV.second["weights"];
        P.Cost = get<double>(W, "cost", 0);
        P.Accuracy = get<double>(W, "accuracy", 0);
        P.Latency = get<double>(W, "latency", 0);
        C.Policies.push_back(P);
      }
    if (llvm::Error E = readProviders(Root, Path, C.Providers)) return E;
  } catch (const YAML::Exception &E) {
    return fail(Path, E.what());
  }
  return C;
}

llvm::Expected<RunConfig> loadRunConfig(const std::string &Path) {
  RunConfig C;
  C.Path = Path;
  try {
    YAML::Node Root = YAML::LoadFile(Path);
    if (!Root.IsMap()) return fail(Path, "the configuration must be a mapping");
    if (Root["orchestrator"]) Root = Root["orchestrator"];
    C.MaxConcurrentTasks = get<unsigned>(Root["execution"], "max_concurrent_tasks", 0);
    if (YAML::Node Sec = Root["security"]; Sec && Sec.IsMap())
      if (YAML::Node FM = Sec["forbidden_modules"]; FM && FM.IsSequence())
        for (const auto &M : FM) C.ForbiddenModules.push_back(M.as<std::string>());
    if (YAML::Node Sec = Root["security"]; Sec && Sec.IsMap())
      if (YAML::Node AA = Sec["allowed_actions"]) {
        if (!AA.IsSequence())
          return fail(Path, "security.allowed_actions must be a list of action names");
        C.AllowedActions.emplace();
        for (const auto &A : AA) C.AllowedActions->push_back(A.as<std::string>());
      }
    if (YAML::Node Sec = Root["security"]; Sec && Sec.IsMap())
      if (YAML::Node RL = Sec["rate_limiting"];
          RL && RL.IsMap() && get<bool>(RL, "enabled", true)) {
        // Every provider without a `providers.<p>` entry of its own.
        llvm::Expected<ProviderLimits> L = limits(RL, Path, "security.rate_limiting");
        if (!L) return L.takeError();
        C.ModelRequests = *L;
      }
    if (llvm::Error E = readProviders(Root, Path, C.Providers)) return E;
    C.SelectionPolicy = get<std::string>(Root["models"], "selection_policy", "");
    if (YAML::Node Sb = Root["sandbox"]; Sb && Sb.IsMap()) {
      C.SandboxEnabled = get<bool>(Sb, "enabled", true);
      C.SandboxUserNamespace = get<bool>(Sb, "user_namespace", true);
      if (YAML::Node RL = Sb["resource_limits"]; RL && RL.IsMap()) {
        orch::ir::Json J = orch::ir::Json::object();
        for (const auto &KV : RL) {
          const std::string K = KV.first.as<std::string>();
          if (!KV.second.IsScalar())
            return fail(Path, "sandbox.resource_limits." + K + " must be a scalar");
          const std::string V = KV.second.Scalar();
          orch::ir::Json N = orch::ir::Json::parse(V, nullptr, false);
          J[K] = N.is_number() ? N : orch::ir::Json(V);
        }
        C.SandboxLimits = J.dump();
      }
    }
    if (YAML::Node St = Root["storage"]) {
      if (!St.IsMap()) return fail(Path, "storage must be a mapping");
      if (llvm::Error E = readStorage(St, Path, C)) return E;
    }
    if (YAML::Node Mon = Root["monitoring"]) {
      if (!Mon.IsMap()) return fail(Path, "monitoring must be a mapping");
      if (llvm::Error E = readMonitoring(Mon, Path, C)) return E;
    }
  } catch (const YAML::Exception &E) {
    return fail(Path, E.what());
  }
  return C;
}

}  // namespace orch::passes
