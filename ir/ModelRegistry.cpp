//===- ModelRegistry.cpp --------------------------------------------------===//
#include "ir/ModelRegistry.h"

#include <fmt/format.h>

#include "ir/Actions.h"
#include "ir/ModelRegistryYaml.h"
#include "yaml-cpp/yaml.h"

namespace orch::ir {

namespace {

/// A number from 0 to 1e9 at \p N, or a problem naming \p Field.
std::string readPrice(const YAML::Node &N, const std::string &Field, double &Out) {
  double D = -1;
  // as<double>, not convert<double>::decode: the latter reads 0.00003 as 0.
  try {
    if (N.IsScalar()) D = N.as<double>();
  } catch (const YAML::Exception &) {
  }
  if (!(D >= 0) || D > 1e9)
    return fmt::format("`{}` must be a number of at least 0", Field);
  Out = D;
  return "";
}

/// `pricing.{input,output}_usd_per_mtok`, else `metrics.cost_per_token`.
std::string readPrices(const YAML::Node &N, RegistryModel &M) {
  std::string At = "models." + M.Name + ".";
  if (YAML::Node P = N["pricing"]) {
    if (!P.IsMap()) return fmt::format("`{}pricing` must be a mapping", At);
    M.PriceGiven = P["input_usd_per_mtok"] || P["output_usd_per_mtok"];
    for (auto [Key, Slot] : {std::pair{"input_usd_per_mtok", &M.InputUsdPerToken},
                             std::pair{"output_usd_per_mtok", &M.OutputUsdPerToken}})
      if (YAML::Node V = P[Key]) {
        if (std::string E = readPrice(V, At + "pricing." + Key, *Slot); !E.empty())
          return E;
        *Slot /= 1e6;
      }
    return "";
  }
  if (YAML::Node Met = N["metrics"]; Met && Met.IsMap())
    if (YAML::Node C = Met["cost_per_token"]) {
      M.PriceGiven = true;
      if (std::string E = readPrice(C, At + "metrics.cost_per_token", M.InputUsdPerToken);
          !E.empty())
        return E;
      M.OutputUsdPerToken = M.InputUsdPerToken;
    }
  return "";
}

/// Reads what choosing a model reads (RegistryModel::BaseModel ..
/// Accuracy) from entry \p N into \p M; a value of the wrong type is
/// M.ProfileProblem (the first one). \p Base: the entry M.BaseModel names,
/// if it came before, whose capabilities M has unless it gives its own.
void readProfile(const YAML::Node &N, const RegistryModel *Base, RegistryModel &M) {
  std::string At = "models." + M.Name + ".";
  auto Problem = [&](const std::string &Field, const char *Want) {
    if (M.ProfileProblem.empty())
      M.ProfileProblem = fmt::format("`{}{}` must be {}", At, Field, Want);
  };
  // A key that is absent or null says nothing.
  auto Given = [](const YAML::Node &Map, const char *Key) {
    return Map && Map.IsMap() && Map[Key] && !Map[Key].IsNull();
  };
  auto Text = [&](const YAML::Node &Map, const char *Key, std::string &Out,
                  const std::string &Field) {
    if (!Given(Map, Key)) return;
    if (Map[Key].IsScalar())
      Out = Map[Key].Scalar();
    else
      Problem(Field, "a string");
  };
  auto Number = [&](const YAML::Node &Map, const char *Key, double &Out,
                    const std::string &Field) {
    if (!Given(Map, Key)) return;
    // as<double>, not convert<double>::decode (readPrice).
    try {
      if (Map[Key].IsScalar()) {
        double D = Map[Key].as<double>();
        if (D >= 0 && D < 1e12) {  // not NaN, not infinite
          Out = D;
          return;
        }
      }
    } catch (const YAML::Exception &) {
    }
    Problem(Field, "a number of at least 0");
  };
  auto Flag = [&](const YAML::Node &Map, const char *Key, bool &Out,
                  const std::string &Field) {
    if (!Given(Map, Key)) return;
    if (!Map[Key].IsScalar() || !YAML::convert<bool>::decode(Map[Key], Out))
      Problem(Field, "true or false");
  };
  auto Words = [&](const YAML::Node &Map, const char *Key, const std::string &Field) {
    std::vector<std::string> Out;
    if (!Given(Map, Key)) return Out;
    if (!Map[Key].IsSequence()) {
      Problem(Field, "a list of names");
      return Out;
    }
    for (const YAML::Node &I : Map[Key])
      if (I.IsScalar()) Out.push_back(I.Scalar());
    return Out;
  };
  Text(N, "base_model", M.BaseModel, "base_model");
  Text(N, "quantization", M.Quantization, "quantization");
  if (Base && Base->Name == M.BaseModel) {
    M.Tasks = Base->Tasks;
    M.Languages = Base->Languages;
    M.ContextWindow = Base->ContextWindow;
    M.FunctionCalling = Base->FunctionCalling;
    M.StructuredOutput = Base->StructuredOutput;
  }
  if (YAML::Node Caps = N["capabilities"]; Caps && !Caps.IsNull()) {
    M.Tasks = Words(Caps, "tasks", "capabilities.tasks");
    M.Languages = Words(Caps, "languages", "capabilities.languages");
    if (Given(Caps, "context_window")) {
      int64_t V = 0;
      if (Caps["context_window"].IsScalar() &&
          YAML::convert<int64_t>::decode(Caps["context_window"], V))
        M.ContextWindow = V;
      else
        Problem("capabilities.context_window", "an integer");
    }
    Flag(Caps, "supports_function_calling", M.FunctionCalling,
         "capabilities.supports_function_calling");
    Flag(Caps, "supports_structured_output", M.StructuredOutput,
         "capabilities.supports_structured_output");
  }
  Number(N["requirements"], "memory_gb", M.MemoryGb, "requirements.memory_gb");
  YAML::Node Met = N["metrics"];
  Number(Met, "latency_p50", M.LatencyP50, "metrics.latency_p50");
  Number(Met, "latency_p95", M.LatencyP95, "metrics.latency_p95");
  Number(Met, "throughput", M.Throughput, "metrics.throughput");
  Number(Met, "accuracy", M.Accuracy, "metrics.accuracy");
}

RegistryModel readModel(const std::string &Name, const YAML::Node &N) {
  RegistryModel M;
  M.Name = Name;
  M.IsMap = N.IsMap();
  if (!M.IsMap) return M;
  if (N["provider"] && N["provider"].IsScalar())
    M.Provider = N["provider"].as<std::string>();
  if (YAML::Node T = N["max_tokens"]) {
    int64_t V = 0;
    if (!T.IsScalar() || !YAML::convert<int64_t>::decode(T, V) || V < 1 ||
        V > MaxOutputTokens)
      M.MaxTokensProblem =
          fmt::format("`models.{}.max_tokens` must be an integer from 1 to {}", Name,
                      MaxOutputTokens);
    else
      M.MaxTokens = V;
  }
  if (YAML::Node R = N["reasoning"]) {
    bool B = false;
    if (!R.IsScalar() || !YAML::convert<bool>::decode(R, B))
      M.ReasoningProblem =
          fmt::format("`models.{}.reasoning` must be true or false", Name);
    else
      M.Reasoning = B;
  }
  M.PriceProblem = readPrices(N, M);
  return M;
}

RegistryProvider readProvider(const std::string &Name, const YAML::Node &N) {
  RegistryProvider P;
  P.Name = Name;
  // A default YAML::Node counts as defined (null): presence is apart.
  P.Given = N.IsDefined() && !N.IsNull();
  if (!P.Given) return P;
  if (!N.IsMap()) {
    P.Problem = fmt::format("`providers.{}` must be a mapping", Name);
    return P;
  }
  for (auto [Key, Slot] : {std::pair{"api", &P.Api}, std::pair{"base_url", &P.BaseUrl},
                           std::pair{"api_key_env", &P.ApiKeyEnv},
                           std::pair{"batch_poll_ms", &P.BatchPollMs},
                           std::pair{"batch_poll_max_ms", &P.BatchPollMaxMs},
                           std::pair{"batch_price_share", &P.BatchPriceShare}}) {
    if (!N[Key]) continue;
    if (!N[Key].IsScalar()) {
      P.Problem = fmt::format("`providers.{}.{}` must be a string", Name, Key);
      return P;
    }
    *Slot = N[Key].as<std::string>();
  }
  P.OldBatchDiscount = static_cast<bool>(N["batch_discount"]);
  return P;
}

}  // namespace

const std::string &RegistryModel::problem() const {
  if (!MaxTokensProblem.empty()) return MaxTokensProblem;
  if (!ReasoningProblem.empty()) return ReasoningProblem;
  return PriceProblem;
}

const RegistryModel *ModelRegistry::model(llvm::StringRef Name) const {
  for (const RegistryModel &M : Models)
    if (M.Name == Name) return &M;
  return nullptr;
}

const RegistryProvider *ModelRegistry::provider(llvm::StringRef Name) const {
  for (const RegistryProvider &P : Providers)
    if (P.Name == Name) return &P;
  return nullptr;
}

std::string ModelRegistry::message(llvm::StringRef Problem) const {
  return fmt::format("model registry `{}`: {}", Path, Problem.str());
}

ModelRegistry readModelRegistry(const YAML::Node &Root, const std::string &Path) {
  ModelRegistry R;
  R.Path = Path;
  R.IsMap = Root.IsMap();
  if (!R.IsMap) return R;
  if (YAML::Node Ms = Root["models"]) {
    R.ModelsGiven = true;
    R.ModelsIsMap = Ms.IsMap();
    if (R.ModelsIsMap)
      for (const auto &KV : Ms)
        // A key that is not a name names no model a step can ask for: the
        // other entries still serve (orchc refuses the file, ModelCatalog).
        if (KV.first.IsScalar()) {
          RegistryModel M = readModel(KV.first.Scalar(), KV.second);
          if (M.IsMap) {
            std::string BaseName;
            if (YAML::Node B = KV.second["base_model"]; B && B.IsScalar())
              BaseName = B.Scalar();
            readProfile(KV.second, BaseName.empty() ? nullptr : R.model(BaseName), M);
          }
          R.Models.push_back(std::move(M));
        }
  }
  if (YAML::Node Ps = Root["providers"]; Ps && Ps.IsMap())
    for (const auto &KV : Ps)
      if (KV.first.IsScalar())
        R.Providers.push_back(readProvider(KV.first.Scalar(), KV.second));
  return R;
}

llvm::Expected<ModelRegistry> readModelRegistry(const std::string &Path) {
  try {
    return readModelRegistry(YAML::LoadFile(Path), Path);
  } catch (const YAML::Exception &E) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), E.what());
  }
}

}  // namespace orch::ir
