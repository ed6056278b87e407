//===- ModelSelect.cpp - The model.select action --------------------------===//
#include "runtime/actions/ModelSelect.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <optional>
#include <vector>

#include "ir/Eval.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SHA256.h"

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

/// A kind of task, as registries name it in `capabilities.tasks`, and the
/// words that mark it. A word ending in `*` matches every word it begins
/// (`translat*`: translate, translation); another matches itself and its
/// plural (`function` is not `functionality`).
struct TaskKind {
  llvm::StringLiteral Name;
  llvm::ArrayRef<llvm::StringLiteral> Words;
};
constexpr llvm::StringLiteral CodeWords[] = {
    "code",   "coding",     "function",   "program", "programming",
    "script", "implement",  "refactor*",  "debug*",  "bug",
    "python", "javascript", "typescript", "sql",     "regex"};
constexpr llvm::StringLiteral TranslationWords[] = {"translat*"};
constexpr llvm::StringLiteral SummaryWords[] = {"summar*", "condens*", "tldr", "recap"};
constexpr llvm::StringLiteral AnalysisWords[] = {
    "analy*",      "evaluat*", "assess*", "compar*", "review",  "examin*",
    "investigat*", "identify", "trend",   "insight", "classif*"};
constexpr llvm::StringLiteral CreativeWords[] = {
    "story", "stories", "poem", "poetry", "creative", "fiction", "slogan", "lyric"};
constexpr llvm::StringLiteral ReasoningWords[] = {"prove",  "proof", "reason*", "solve",
                                                  "deduc*", "logic", "math",    "plan"};
/// In this order: the first kind with a word in the task is its kind.
constexpr TaskKind Kinds[] = {
    {"code_generation", CodeWords},      {"translation", TranslationWords},
    {"summarization", SummaryWords},     {"analysis", AnalysisWords},
    {"creative_writing", CreativeWords}, {"reasoning", ReasoningWords}};
/// Words that ask for more than the length says: one size up.
constexpr llvm::StringLiteral DepthWords[] = {"comprehensive", "detailed", "thorough",
                                              "depth",         "complex",  "advanced",
                                              "extensive",     "rigorous"};
constexpr llvm::StringLiteral Sizes[] = {"simple", "moderate", "complex"};

bool wordMatches(llvm::StringRef Word, llvm::StringRef Key) {
  if (Key.consume_back("*")) return Word.starts_with(Key);
  return Word == Key ||
         (Word.size() == Key.size() + 1 && Word.starts_with(Key) && Word.back() == 's');
}

/// The task's words, lower-cased: runs of letters and digits (any byte
/// above ASCII counts as a letter).
std::vector<std::string> words(llvm::StringRef Text) {
  std::vector<std::string> Out;
  std::string Cur;
  for (char C : Text) {
    if (llvm::isAlnum(C) || static_cast<unsigned char>(C) >= 0x80) {
      Cur += llvm::toLower(C);
    } else if (!Cur.empty()) {
      Out.push_back(std::move(Cur));
      Cur.clear();
    }
  }
  if (!Cur.empty()) Out.push_back(std::move(Cur));
  return Out;
}

bool mentions(const std::vector<std::string> &Words,
              llvm::ArrayRef<llvm::StringLiteral> Keys) {
  return llvm::any_of(Words, [&](const std::string &W) {
    return llvm::any_of(Keys, [&](llvm::StringRef K) { return wordMatches(W, K); });
  });
}

/// The one spelling of a capability: `structured_output` (json,
/// json_mode, structured), `function_calling` (tools, tool_use), else the
/// name as given (a task a model must list).
std::string capability(llvm::StringRef Name) {
  std::string N = Name.trim().lower();
  if (N == "json" || N == "json_mode" || N == "structured" || N == "structured_output")
    return "structured_output";
  if (N == "tools" || N == "tool_use" || N == "function_calling")
    return "function_calling";
  return N;
}

/// What the task asks for.
struct Analysis {
  std::string TaskType, Complexity;
  std::vector<std::string> Capabilities;
  std::optional<int64_t> MaxTokens;
  json Domain = nullptr;
  /// `requirements` keys this action does not read, as given.
  json Other = json::object();
  /// The text says `json`: structured output, required when some
  /// candidate declares it (a registry that says nothing of it still
  /// serves the task).
  bool JsonInText = false;
};

/// Reads the task and `requirements` into \p A; returns a problem or "".
std::string analyse(llvm::StringRef Task, const json &Req, Analysis &A) {
  std::vector<std::string> W = words(Task);
  A.TaskType = "general";
  for (const TaskKind &K : Kinds)
    if (mentions(W, K.Words)) {
      A.TaskType = K.Name.str();
      break;
    }
  size_t Size = W.size() <= 40 ? 0 : W.size() <= 200 ? 1 : 2;
  if (Size < 2 && mentions(W, DepthWords)) ++Size;
  A.Complexity = Sizes[Size].str();
  A.JsonInText = llvm::is_contained(W, "json");
  if (Req.is_null()) return "";
  if (!Req.is_object()) return "parameter `requirements` must be a mapping";
  for (auto &[K, V] : Req.items()) {
    // A known key whose value is null is not given (a template that
    // rendered nothing), as in the registry.
    bool Known = K == "task_type" || K == "complexity" || K == "capabilities" ||
                 K == "max_tokens" || K == "domain";
    if (Known && V.is_null()) continue;
    if (K == "task_type") {
      if (!V.is_string() || llvm::StringRef(V.get<std::string>()).trim().empty())
        return "`requirements.task_type` must be a non-empty string";
      A.TaskType = llvm::StringRef(V.get<std::string>()).trim().lower();
    } else if (K == "complexity") {
      // One of the three words, alone or in a sentence ("Complex.", a
      // model's answer): the one the text names.
      std::vector<std::string> Said =
          V.is_string() ? words(V.get<std::string>()) : std::vector<std::string>();
      std::vector<llvm::StringRef> Found;
      for (llvm::StringRef Size : Sizes)
        if (llvm::is_contained(Said, Size)) Found.push_back(Size);
      if (Found.size() != 1)
        return fmt::format(
            "`requirements.complexity` must name one of simple, moderate or complex, "
            "found {}",
            ir::toJsonText(V));
      A.Complexity = Found[0].str();
    } else if (K == "capabilities") {
      if (!V.is_array()) return "`requirements.capabilities` must be a list of strings";
      for (const json &C : V) {
        if (!C.is_string())
          return "`requirements.capabilities` must be a list of strings";
        std::string Cap = capability(C.get<std::string>());
        if (!Cap.empty() && !llvm::is_contained(A.Capabilities, Cap))
          A.Capabilities.push_back(Cap);
      }
    } else if (K == "max_tokens") {
      if (!V.is_number_integer() || V.get<int64_t>() < 1)
        return "`requirements.max_tokens` must be a positive integer";
      A.MaxTokens = V.get<int64_t>();
    } else if (K == "domain") {
      A.Domain = V;
    } else {
      A.Other[K] = V;  // kept, as ContextLab keeps what it does not read
    }
  }
  return "";
}

/// A weight parameter: a number of at least 0 (\p Default when absent).
std::optional<double> weight(const json &Params, const char *Name, double Default,
                             std::string &Problem) {
  auto It = Params.find(Name);
  if (It == Params.end() || It->is_null()) return Default;
  if (It->is_number()) {
    double D = It->get<double>();
    if (std::isfinite(D) && D >= 0) return D;
  }
  Problem = fmt::format("parameter `{}` must be a number of at least 0", Name);
  return std::nullopt;
}

/// Why \p M cannot take the task (empty: it can), and the capabilities
/// that are tasks some candidate lists (the others name nothing).
std::vector<std::string> shortfalls(const ir::RegistryModel &M, const Analysis &A,
                                    const std::vector<std::string> &TaskCaps) {
  std::vector<std::string> Why;
  if (!M.problem().empty()) Why.push_back(M.problem());
  if (!M.ProfileProblem.empty()) Why.push_back(M.ProfileProblem);
  for (const std::string &C : A.Capabilities) {
    if (C == "structured_output" && !M.StructuredOutput)
      Why.push_back("no structured output");
    if (C == "function_calling" && !M.FunctionCalling)
      Why.push_back("no function calling");
    if (llvm::is_contained(TaskCaps, C) && !llvm::is_contained(M.Tasks, C))
      Why.push_back("no task " + C);
  }
  if (A.MaxTokens && M.MaxTokens > 0 && M.MaxTokens < *A.MaxTokens)
    Why.push_back(fmt::format("answers at most {} tokens", M.MaxTokens));
  return Why;
}

/// \p Get over \p Ms scaled to 0..1, 1 the best (the highest, or the
/// lowest when \p Low) among the models \p Known says give it; all of them
/// equal: 1. A model that does not give it: 0, below every model that
/// does (the worst of those is then 0.1, not 0).
template <typename F, typename K>
std::vector<double> scaled(const std::vector<const ir::RegistryModel *> &Ms, F Get,
                           bool Low, K Known) {
  double Min = INFINITY, Max = -INFINITY;
  bool SomeUnknown = false;
  for (const ir::RegistryModel *M : Ms)
    if (Known(*M)) {
      Min = std::min(Min, Get(*M));
      Max = std::max(Max, Get(*M));
    } else {
      SomeUnknown = true;
    }
  double Floor = SomeUnknown ? 0.1 : 0.0;
  std::vector<double> Out;
  for (const ir::RegistryModel *M : Ms) {
    if (!Known(*M)) {
      Out.push_back(0.0);
      continue;
    }
    double Unit = Max > Min ? (Low ? Max - Get(*M) : Get(*M) - Min) / (Max - Min) : 1.0;
    Out.push_back(Floor + (1 - Floor) * Unit);
  }
  return Out;
}

double rounded(double D) { return std::round(D * 10000) / 10000; }

}  // namespace

double requestCost(const ir::RegistryModel &M) {
  return (M.InputUsdPerToken + M.OutputUsdPerToken) * 1000;
}

ActionResult selectModel(const json &Params, const ir::ModelRegistry &Registry) {
  auto T = Params.find("task");
  if (T == Params.end() || !T->is_string() || T->get_ref<const std::string &>().empty())
    return ActionResult::badParam("parameter `task` must be a non-empty string");
  Analysis A;
  auto R = Params.find("requirements");
  if (std::string Why =
          analyse(T->get<std::string>(), R == Params.end() ? json(nullptr) : *R, A);
      !Why.empty())
    return ActionResult::badParam(Why);
  std::string Problem;
  std::optional<double> Wc = weight(Params, "cost_weight", 0.3, Problem);
  std::optional<double> Wq = weight(Params, "quality_weight", 0.7, Problem);
  std::optional<double> Wl = weight(Params, "latency_weight", 0, Problem);
  if (!Problem.empty()) return ActionResult::badParam(Problem);
  double Top = std::max({*Wc, *Wq, *Wl});
  if (Top <= 0)
    return ActionResult::badParam(
        "`cost_weight`, `quality_weight` and `latency_weight` are all 0: "
        "nothing ranks the models");
  // Only the weights' ratios count: scaled to at most 1, no sum or product
  // below overflows (1e308 is a weight too). A simple task leans to the
  // price, a complex one to quality.
  double Cost = *Wc / Top * (A.Complexity == "simple" ? 2 : 1);
  double Quality = *Wq / Top * (A.Complexity == "complex" ? 2 : 1);
  double Latency = *Wl / Top;

  std::vector<const ir::RegistryModel *> Pool;
  if (auto Ms = Params.find("models"); Ms != Params.end() && !Ms->is_null()) {
    if (!Ms->is_array() || Ms->empty())
      return ActionResult::badParam(
          "parameter `models` must be a non-empty list of model names");
    for (const json &N : *Ms) {
      if (!N.is_string())
        return ActionResult::badParam("parameter `models` must list model names");
      const ir::RegistryModel *M = Registry.model(N.get<std::string>());
      if (!M || !M->IsMap)
        return ActionResult::badParam(
            fmt::format("model `{}` is not in the model registry `{}`",
                        N.get<std::string>(), Registry.Path));
      if (!llvm::is_contained(Pool, M)) Pool.push_back(M);
    }
  } else {
    for (const ir::RegistryModel &M : Registry.Models)
      if (M.IsMap && M.BaseModel.empty() &&
          Registry.model(M.Name) == &M)  // the first of a name, as lookups find
        Pool.push_back(&M);
  }
  if (A.JsonInText && !llvm::is_contained(A.Capabilities, "structured_output") &&
      llvm::any_of(Pool, [](const ir::RegistryModel *M) { return M->StructuredOutput; }))
    A.Capabilities.push_back("structured_output");
  std::vector<std::string> TaskCaps;
  for (const std::string &C : A.Capabilities)
    if (llvm::any_of(Pool, [&](const ir::RegistryModel *M) {
          return llvm::is_contained(M->Tasks, C);
        }))
      TaskCaps.push_back(C);

  std::vector<const ir::RegistryModel *> Eligible;
  json Excluded = json::array();
  for (const ir::RegistryModel *M : Pool) {
    std::vector<std::string> Why = shortfalls(*M, A, TaskCaps);
    if (Why.empty())
      Eligible.push_back(M);
    else
      Excluded.push_back({{"model", M->Name}, {"reasons", Why}});
  }
  if (Eligible.empty()) {
    std::vector<std::string> Each;
    for (const json &E : Excluded)
      Each.push_back(
          fmt::format("{} ({})", E["model"].get<std::string>(),
                      llvm::join(E["reasons"].get<std::vector<std::string>>(), ", ")));
    return ActionResult::badParam(
        Pool.empty() ? fmt::format("the model registry `{}` has no models", Registry.Path)
                     : fmt::format("no model of the registry `{}` can take the task: {}",
                                   Registry.Path, llvm::join(Each, "; ")));
  }

  // What a model does not give (no accuracy, no price, latency 0) ranks
  // last on that count.
  std::vector<double> Acc = scaled(
      Eligible, [](const ir::RegistryModel &M) { return M.Accuracy; }, false,
      [](const ir::RegistryModel &M) { return M.Accuracy > 0; });
  std::vector<double> Price =
      scaled(Eligible, requestCost, true,
             [](const ir::RegistryModel &M) { return M.PriceGiven; });
  std::vector<double> Speed = scaled(
      Eligible, [](const ir::RegistryModel &M) { return M.LatencyP50; }, true,
      [](const ir::RegistryModel &M) { return M.LatencyP50 > 0; });
  struct Ranked {
    const ir::RegistryModel *M;
    double Score;
    std::vector<std::string> Reasons;
  };
  std::vector<Ranked> Rank;
  for (size_t I = 0; I < Eligible.size(); ++I) {
    const ir::RegistryModel &M = *Eligible[I];
    std::vector<std::string> Reasons;
    double Fit = 0;
    if (llvm::is_contained(M.Tasks, A.TaskType)) {
      Fit = 1;
      Reasons.push_back("lists task " + A.TaskType);
    } else if (M.Tasks.empty() || llvm::is_contained(M.Tasks, "general")) {
      Fit = 0.5;
      Reasons.push_back("general purpose");
    } else {
      Reasons.push_back("does not list task " + A.TaskType);
    }
    for (const std::string &C : A.Capabilities)
      if (C == "structured_output" || C == "function_calling" ||
          llvm::is_contained(TaskCaps, C))
        Reasons.push_back("has " + C);
    if (M.Accuracy > 0) Reasons.push_back(fmt::format("accuracy {:g}", M.Accuracy));
    Reasons.push_back(
        M.PriceGiven ? fmt::format("${:.4f} for 1k tokens in and 1k out", requestCost(M))
                     : "no price in the registry");
    if (M.LatencyP50 > 0)
      Reasons.push_back(fmt::format("p50 latency {:g} s", M.LatencyP50));
    double Score = (Quality * (Acc[I] + Fit) / 2 + Cost * Price[I] + Latency * Speed[I]) /
                   (Quality + Cost + Latency);
    Rank.push_back({&M, rounded(Score), std::move(Reasons)});
  }
  // Best first; a tie keeps registry order.
  std::stable_sort(Rank.begin(), Rank.end(),
                   [](const Ranked &X, const Ranked &Y) { return X.Score > Y.Score; });

  const Ranked &Best = Rank.front();
  json Fallbacks = json::array(), All = json::array();
  for (size_t I = 0; I < Rank.size(); ++I) {
    if (I > 0 && I <= 3) Fallbacks.push_back(Rank[I].M->Name);
    All.push_back({{"model", Rank[I].M->Name},
                   {"score", Rank[I].Score},
                   {"reasons", Rank[I].Reasons}});
  }
  bool Json = A.JsonInText || llvm::is_contained(A.Capabilities, "structured_output");
  json Asked = {{"task_type", A.TaskType},
                {"complexity", A.Complexity},
                {"required_capabilities", A.Capabilities},
                {"max_tokens", A.MaxTokens ? json(*A.MaxTokens) : json(nullptr)},
                {"domain", A.Domain},
                {"response_format", Json ? json("json") : json(nullptr)},
                {"other_requirements", std::move(A.Other)}};
  return ActionResult::success(
      {{"output", Best.M->Name},
       {"selected_model", Best.M->Name},
       {"score", Best.Score},
       {"reasons", Best.Reasons},
       {"estimated_cost", std::round(requestCost(*Best.M) * 1e6) / 1e6},
       {"estimated_latency", Best.M->LatencyP50},
       {"task_analysis", std::move(Asked)},
       {"fallback_models", std::move(Fallbacks)},
       {"all_scores", std::move(All)},
       {"excluded", std::move(Excluded)}});
}

bool readsRegistry(llvm::StringRef Action) {
  return Action == "model.select" || Action == "model.route" || Action == "model.batch";
}

llvm::Expected<ir::ModelRegistry> runRegistry(llvm::StringRef Action,
                                              const std::string &RegistryPath) {
  if (RegistryPath.empty())
    return llvm::createStringError(
        fmt::format("`{}` chooses among the models of the run's registry, and this run "
                    "has none: give orchrt --models FILE or set ORCH_MODELS",
                    Action.str()));
  llvm::Expected<ir::ModelRegistry> R = ir::readModelRegistry(RegistryPath);
  if (!R)
    return llvm::createStringError(fmt::format("model registry `{}`: {}", RegistryPath,
                                               llvm::toString(R.takeError())));
  return R;
}

ActionResult runModelSelect(const json &Params, const std::string &RegistryPath) {
  llvm::Expected<ir::ModelRegistry> R = runRegistry("model.select", RegistryPath);
  if (!R) return ActionResult::badParam(llvm::toString(R.takeError()));
  return selectModel(Params, *R);
}

namespace {
/// The digest of the registry at \p RegistryPath (see modelSelectInputs).
std::string registryDigest(const std::string &RegistryPath) {
  if (RegistryPath.empty()) return "registry none";
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> Text = llvm::MemoryBuffer::getFile(
      RegistryPath, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!Text) return "registry unreadable";
  std::array<uint8_t, 32> H = llvm::SHA256::hash(llvm::ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>((*Text)->getBufferStart()),
      (*Text)->getBufferSize()));
  return "registry sha256 " + llvm::toHex(H, /*LowerCase=*/true);
}
}  // namespace

std::function<std::string(const ActionRequest &)> modelSelectInputs(
    const std::string &RegistryPath) {
  // Read at the first attempt that reads the registry: a run without one
  // reads nothing.
  auto Digest = std::make_shared<std::optional<std::string>>();
  return [Digest, RegistryPath](const ActionRequest &R) {
    if (!readsRegistry(R.Action)) return std::string();
    if (!*Digest) *Digest = registryDigest(RegistryPath);
    return **Digest;
  };
}

}  // namespace orch::runtime
