//===- LlmSteps.cpp -------------------------------------------------------===//
#include "runtime/actions/LlmSteps.h"

#include <fmt/format.h>

#include <atomic>

#include "ir/Actions.h"
#include "ir/Eval.h"
#include "ir/JsonLimits.h"
#include "ir/JsonSchema.h"
#include "ir/SchemaValidate.h"
#include "llvm/ADT/StringExtras.h"
#include "runtime/actions/ModelStats.h"
#include "runtime/actions/Validate.h"
#include "runtime/llm/FusedRequest.h"

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

constexpr const char *ExtractSystem =
    "You read data out of text for an automated pipeline. Answer with the fields "
    "the schema asks for, taken from the text; do not invent values the text does "
    "not give.";

constexpr const char *TaskSystem =
    "You carry out one step of an automated pipeline. The user message names the "
    "task and gives its parameters. Do the task and answer with its result only: "
    "no preamble, no questions.";

std::string humanize(llvm::StringRef Action) {
  std::string S = Action.str();
  for (char &C : S)
    if (C == '_' || C == '-' || C == '.') C = ' ';
  return S;
}

/// A schema name the services accept: `^[a-zA-Z0-9_-]{1,64}$`.
std::string schemaName(llvm::StringRef StepId) {
  std::string S = "step_";
  for (char C : StepId) S += llvm::isAlnum(C) || C == '_' || C == '-' ? C : '_';
  return S.substr(0, 64);
}

/// Cancelling a model step stops its request: the client gives up waiting,
/// sleeping and retrying, and curl abandons the transfer.
class LlmTask : public ActionTask {
 public:
  explicit LlmTask(std::shared_ptr<std::atomic<bool>> Cancel)
      : Cancel(std::move(Cancel)) {}
  /// A member of a fused request: the request stops when its last member
  /// still waiting for it is cancelled.
  LlmTask(std::shared_ptr<std::atomic<bool>> Cancel,
          std::shared_ptr<std::atomic<unsigned>> Left,
          std::shared_ptr<std::atomic<bool>> All)
      : Cancel(std::move(Cancel)), Left(std::move(Left)), All(std::move(All)) {}
  void cancel() override {
    if (Cancel->exchange(true)) return;
    if (Left && Left->fetch_sub(1) == 1) *All = true;
  }

 private:
  std::shared_ptr<std::atomic<bool>> Cancel;
  std::shared_ptr<std::atomic<unsigned>> Left;
  std::shared_ptr<std::atomic<bool>> All;
};

}  // namespace

std::pair<std::string, std::string> buildStepPrompt(const ActionRequest &R) {
  if (R.Action == "extract") {
    std::string Text =
        R.Params.contains("text") ? ir::displayString(R.Params["text"]) : std::string();
    return {ExtractSystem,
            "Extract structured data from the following text according to the "
            "provided schema.\n\nText:\n" +
                Text +
                "\n\nReturn the extracted data as a JSON object that matches the "
                "schema."};
  }
  if (R.Action == "generate") {
    std::string System = R.Params.contains("system")
                             ? ir::displayString(R.Params["system"])
                             : std::string();
    return {System, R.Params.contains("prompt") ? ir::displayString(R.Params["prompt"])
                                                : std::string()};
  }
  std::string Prompt = "Task: " + humanize(R.Action) + "\n";
  if (!R.Params.empty()) {
    Prompt += "Parameters:\n";
    std::vector<std::string> Order = R.ParamOrder;
    for (auto &[K, V] : R.Params.items())
      if (std::find(Order.begin(), Order.end(), K) == Order.end()) Order.push_back(K);
    for (const std::string &K : Order)
      if (auto It = R.Params.find(K); It != R.Params.end())
        Prompt += "- " + K + ": " + ir::displayString(*It) + "\n";
  }
  if (!R.OutputSchema.empty())
    Prompt += "Answer with the fields the schema asks for; later steps read them.\n";
  return {TaskSystem, Prompt};
}

std::optional<ActionResult> chatRequestFor(const ActionRequest &R,
                                           const std::string &Model,
                                           const llm::ModelSettings &MS,
                                           llm::ChatRequest &Req) {
  Req.Model = Model;
  // The answer's length: a `generate` step's parameter, else the step's
  // `max_tokens:`, else the model's registry entry, else the service's.
  Req.MaxTokens = R.MaxTokens ? R.MaxTokens : MS.MaxTokens;
  Req.Reasoning = MS.Reasoning;
  std::tie(Req.System, Req.Prompt) = buildStepPrompt(R);
  Req.Caller = R.StepId;
  if (R.Action == "generate") {
    if (auto It = R.Params.find("max_tokens"); It != R.Params.end()) {
      if (!It->is_number_integer() || It->get<int64_t>() < 1 ||
          It->get<int64_t>() > ir::MaxOutputTokens)
        return ActionResult::failure(
            fmt::format("parameter `max_tokens` must be an integer from 1 to {}",
                        ir::MaxOutputTokens),
            false);
      Req.MaxTokens = static_cast<unsigned>(It->get<int64_t>());
    }
    if (auto It = R.Params.find("temperature"); It != R.Params.end()) {
      if (!It->is_number())
        return ActionResult::failure("parameter `temperature` must be a number", false);
      Req.Temperature = It->get<double>();
    }
    if (auto It = R.Params.find("response_format"); It != R.Params.end()) {
      std::string F = It->is_string() ? It->get<std::string>() : ir::toJsonText(*It);
      if (!llvm::is_contained(ir::responseFormats(), llvm::StringRef(F)))
        return ActionResult::failure(
            fmt::format("parameter `response_format` must be text or json_object, not {}",
                        ir::toJsonText(*It)),
            false);
      Req.JsonObject = F == "json_object";
    }
  }
  if (!R.OutputSchema.empty()) {
    Req.Schema = json::parse(R.OutputSchema, nullptr, false);
    Req.SchemaName = schemaName(R.StepId);
  }
  if (R.Action == "extract") {
    // The answer's schema is the step's own; a field it does not require
    // may be null (strict schemas require them all), then dropped.
    llvm::Expected<json> Schema = extractSchema(R.Params);
    if (!Schema) return ActionResult::failure(llvm::toString(Schema.takeError()), false);
    auto Text = R.Params.find("text");
    if (Text == R.Params.end() || !Text->is_string())
      return ActionResult::failure("parameter `text` must be text", false);
    Req.Schema = ir::withNullableOptionals(*Schema);
    Req.SchemaName = schemaName(R.StepId);
  }
  return std::nullopt;
}

llvm::Expected<json> extractSchema(const json &Params) {
  auto It = Params.find("schema");
  json Schema = It == Params.end() ? json() : *It;
  if (Schema.is_string())  // JSON text, as `validate` takes it
    Schema = ir::parseJsonBounded(Schema.get<std::string>());
  bool Object =
      Schema.is_object() && (Schema.value("type", json("object")) == "object" ||
                             (!Schema.contains("type") && Schema.contains("properties")));
  if (Schema.is_discarded() || !Object)
    return llvm::createStringError(
        "parameter `schema` must be a JSON Schema of an object (`type: object`): the "
        "fields to extract");
  ir::SchemaProblems Bad = ir::checkSchema(Schema);
  if (!Bad.Errors.empty())
    return llvm::createStringError("the schema is not usable: " + Bad.Errors[0].text());
  return Schema;
}

ActionResult extractResult(json Answer, const json &Schema, const std::string &Model) {
  // Checked as `validate` checks, leniently: a number the model wrote as
  // text is taken as the schema's number, with a warning. Null optional
  // fields are fields the text did not give.
  ir::dropNullOptionals(Answer, Schema);
  ActionResult V =
      runValidate(json{{"data", Answer}, {"schema", Schema}, {"mode", "lenient"}});
  if (!V.Ok) return V;
  json Data = V.Fields.value("data", Answer);
  json Fields = {{"data", Data},
                 {"valid", V.Fields.value("valid", false)},
                 {"errors", V.Fields.value("errors", json::array())},
                 {"warnings", V.Fields.value("warnings", json::array())},
                 {"model_used", Model}};
  Fields["output"] = ir::toJsonText(Data);
  return ActionResult::success(std::move(Fields));
}

LlmSteps::LlmSteps(Executor &Exec, llm::HttpTransport &Transport, llm::Clock &Clk,
                   LlmSettings Settings)
    : Exec(Exec), Transport(Transport), Clk(Clk), S(std::move(Settings)) {}

LlmSteps::~LlmSteps() {
  {
    std::lock_guard<std::mutex> L(QM);
    Quit = true;
  }
  QCV.notify_all();
  for (std::thread &T : Workers) T.join();
}

llvm::Expected<llm::Client *> LlmSteps::clientFor(const std::string &Model,
                                                  llm::ModelSettings &MS) {
  std::lock_guard<std::mutex> L(ClientsM);
  auto It = Clients.find(Model);
  if (It != Clients.end()) {
    MS = Settings[Model];
    return It->second.get();
  }
  llvm::Expected<llm::ProviderConfig> P = llm::resolveProvider(Model, S.Registry, S.Env);
  if (!P) return P.takeError();
  llvm::Expected<llm::ModelSettings> Found = llm::modelSettings(Model, S.Registry);
  if (!Found) return Found.takeError();
  MS = Settings[Model] = *Found;
  if (S.ClientRetries) P->MaxRetries = *S.ClientRetries;
  const std::string Provider = P->Name;
  auto C = std::make_unique<llm::Client>(std::move(*P), Transport, Clk, S.Env);
  auto Limit = S.TokensPerMinute.find(Provider);
  if (Limit == S.TokensPerMinute.end()) Limit = S.TokensPerMinute.find("default");
  if (Limit != S.TokensPerMinute.end() && Limit->second) {
    std::unique_ptr<llm::TokenLimiter> &L = Limiters[Provider];
    if (!L) L = std::make_unique<llm::TokenLimiter>(Provider, Limit->second, Clk);
    C->setTokenLimiter(L.get());
  }
  llm::Client *Raw = C.get();
  Clients.emplace(Model, std::move(C));
  return Raw;
}

ActionResult LlmSteps::run(const ActionRequest &R, const std::atomic<bool> *Cancel) {
  if (R.Action == "model.batch") return runTaskBatch(R, Cancel);
  // A written `model:` wins; then the run's --model / ORCH_MODEL; then the
  // compiler's choice and its fallbacks.
  std::vector<std::string> Models;
  if (!R.Model.empty() && !R.ModelSelected)
    Models.push_back(R.Model);
  else if (!S.DefaultModel.empty())
    Models.push_back(S.DefaultModel);
  else if (!R.Model.empty()) {
    Models.push_back(R.Model);
    Models.insert(Models.end(), R.Fallbacks.begin(), R.Fallbacks.end());
    if (R.Ucb > 0 && S.Stats) Models = S.Stats->rank(Models, R.Ucb);
  }
  bool Learn = R.Ucb > 0 && S.Stats && R.ModelSelected && S.DefaultModel.empty();
  if (Models.empty())
    return ActionResult::failure(
        fmt::format("`{}` is an LLM step and no model is set: pass --model or set "
                    "ORCH_MODEL, and point OPENAI_BASE_URL and OPENAI_API_KEY (or "
                    "ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY) at a server",
                    R.Action),
        false);
  std::string Failures;
  for (size_t K = 0; K < Models.size(); ++K) {
    bool Refused = false;
    ActionResult Res = ask(R, Models[K], Cancel, Refused);
    // A call the budget refused was never made: it says nothing of the model.
    if (Learn && !Refused && !(Cancel && *Cancel)) S.Stats->record(Models[K], Res.Ok);
    if (Res.Ok || !Res.Retryable || K + 1 == Models.size() || (Cancel && *Cancel)) {
      if (!Res.Ok && !Failures.empty()) Res.Error = Failures + Res.Error;
      return Res;
    }
    // This model is failing (down, rate limited): the next eligible one.
    Failures += fmt::format("model `{}`: {}; then ", Models[K], Res.Error);
  }
  return ActionResult::failure("no model to ask", false);
}

ActionResult LlmSteps::ask(const ActionRequest &R, const std::string &Model,
                           const std::atomic<bool> *Cancel, bool &Refused,
                           llm::Usage *Used) {
  llm::ModelSettings MS;
  llvm::Expected<llm::Client *> C = clientFor(Model, MS);
  if (!C) return ActionResult::failure(llvm::toString(C.takeError()), false);
  llm::ChatRequest Req;
  if (std::optional<ActionResult> Bad = chatRequestFor(R, Model, MS, Req)) return *Bad;
  Req.Cancel = Cancel;
  Req.Observer = S.Calls;
  llvm::Expected<llm::ChatResponse> Resp = (*C)->chat(Req);
  if (!Resp) {
    // Refused by a budget, or too large for the provider's whole
    // tokens_per_minute: never sent, and sending it again cannot help.
    Refused =
        Resp.errorIsA<llm::CallRefused>() || Resp.errorIsA<llm::TokenLimitExceeded>();
    bool Final = Resp.errorIsA<llm::RefusalError>() || Refused;
    return ActionResult::failure(llvm::toString(Resp.takeError()), !Final);
  }
  if (Used) *Used = Resp->Tokens;
  if (R.Action == "extract") {
    json Answer = Resp->Structured ? *Resp->Structured
                                   : ir::parseJsonBounded(Resp->Text);  // a service
    // without structured output: its text must be the JSON object
    if (Answer.is_discarded() || !Answer.is_object())
      return ActionResult::failure(
          fmt::format("model `{}` did not answer a JSON object of the fields", Model));
    llvm::Expected<json> Schema = extractSchema(R.Params);  // checked above
    if (!Schema) return ActionResult::failure(llvm::toString(Schema.takeError()), false);
    return extractResult(std::move(Answer), *Schema, Model);
  }
  return answerResult(R, Resp->Structured, Resp->Text);
}

ActionResult answerResult(const ActionRequest &R, const std::optional<json> &Structured,
                          const std::string &Text) {
  if (R.Action != "generate" || !R.Params.contains("schema")) {
    if (!Structured) return ActionResult::success(json{{"output", Text}});
    return structuredResult(*Structured);
  }
  llvm::Expected<json> Schema = extractSchema(R.Params);
  if (!Schema) return ActionResult::badParam(llvm::toString(Schema.takeError()));
  // A service without structured output answers the object as its text.
  json Answer = Structured ? *Structured : ir::parseJsonBounded(Text);
  if (Answer.is_discarded() || !Answer.is_object())
    return ActionResult::failure("the model did not answer a JSON object for `schema`");
  ir::dropNullOptionals(Answer, *Schema);
  ActionResult V = runValidate(json{{"data", Answer}, {"schema", *Schema}});
  if (!V.Ok) return V;
  if (!V.Fields.value("valid", false)) {
    const json &Errors = V.Fields["errors"];
    std::string Why = "invalid";
    if (!Errors.empty()) {
      std::string Where = Errors[0].value("path", std::string());
      Why = (Where.empty() ? "" : Where + ": ") +
            Errors[0].value("message", std::string("invalid"));
    }
    return ActionResult::failure(
        fmt::format("the model's answer does not match `schema`: {}", Why));
  }
  return structuredResult(Answer);
}

std::map<std::string, uint64_t> tokenLimitsOf(const orch::plan::Plan &P) {
  std::map<std::string, uint64_t> Out;
  if (!P.groups()) return Out;
  for (const orch::plan::Group *G : *P.groups())
    if (G->name())
      if (llvm::StringRef N = G->name()->string_view(); N.consume_front("provider:"))
        Out[N.str()] = G->tokens_per_minute();
  return Out;
}

ActionResult structuredResult(const json &Answer) {
  json Fields = Answer;
  if (!Fields.is_object()) Fields = json{{"value", Fields}};
  if (!Fields.contains("output") || !Fields["output"].is_string())
    Fields["output"] = ir::toJsonText(Answer);
  return ActionResult::success(std::move(Fields));
}

std::unique_ptr<ActionTask> LlmSteps::start(const ActionRequest &R, ActionDone Done) {
  auto Cancel = std::make_shared<std::atomic<bool>>(false);
  if (batched(R)) {
    // Batch mode: the steps of one model that start in this loop turn go
    // out as one batch once the turn is over (LlmBatch.cpp).
    std::string Model = firstModel(R);
    std::vector<FusedMember> &Ms = PendingBatch[Model];
    std::shared_ptr<FusedCancel> &G = BatchCancel[Model];
    if (Ms.empty()) {
      G = std::make_shared<FusedCancel>();
      Exec.post([this, Model] { flushBatch(Model); });
    }
    Ms.push_back({R, std::move(Done), Cancel});
    ++G->Left;
    return std::make_unique<LlmTask>(Cancel,
                                     std::shared_ptr<std::atomic<unsigned>>(G, &G->Left),
                                     std::shared_ptr<std::atomic<bool>>(G, &G->Cancel));
  }
  if (R.Fusion >= 0) {
    // The members of a fused request that start in this loop turn go out
    // together once the turn is over.
    std::vector<FusedMember> &Ms = Pending[R.Fusion];
    std::shared_ptr<FusedCancel> &G = PendingCancel[R.Fusion];
    if (Ms.empty()) {
      G = std::make_shared<FusedCancel>();
      Exec.post([this, F = R.Fusion] { flush(F); });
    }
    Ms.push_back({R, std::move(Done), Cancel});
    ++G->Left;
    return std::make_unique<LlmTask>(Cancel,
                                     std::shared_ptr<std::atomic<unsigned>>(G, &G->Left),
                                     std::shared_ptr<std::atomic<bool>>(G, &G->Cancel));
  }
  enqueue([this, R, Done = std::move(Done), Cancel] {
    if (*Cancel) return;
    ActionResult Res;
    try {
      Res = run(R, Cancel.get());
    } catch (const std::exception &E) {
      // Nothing may escape a worker thread; report it as the step's failure.
      Res = ActionResult::failure(std::string("internal error: ") + E.what(), false);
    }
    Exec.post([Done, Cancel, Res = std::move(Res)]() mutable {
      if (!*Cancel) Done(std::move(Res));
    });
  });
  return std::make_unique<LlmTask>(Cancel);
}

void LlmSteps::flush(int32_t F) {
  std::shared_ptr<FusedCancel> G;
  std::vector<FusedMember> Ms = takeTurn(Pending, PendingCancel, F, G);
  if (Ms.empty()) return;
  enqueue([this, Ms = std::move(Ms), G] {
    std::vector<ActionResult> Res;
    try {
      if (Ms.size() == 1)
        Res.push_back(alone(Ms[0], false, ""));
      else
        Res = runFused(Ms, &G->Cancel);
    } catch (const std::exception &E) {
      Res.assign(Ms.size(), ActionResult::failure(
                                std::string("internal error: ") + E.what(), false));
    }
    // One post for all: their dependents become ready in one loop turn
    // and can fuse again.
    Exec.post([Ms, Res = std::move(Res)]() mutable {
      for (size_t K = 0; K < Ms.size(); ++K)
        if (!*Ms[K].Cancel) Ms[K].Done(std::move(Res[K]));
    });
  });
}

void LlmSteps::enqueue(std::function<void()> Job) {
  {
    std::lock_guard<std::mutex> L(QM);
    Queue.push_back(std::move(Job));
    // One worker a queued job, up to the limit: idle ones take theirs first.
    if (Queue.size() > Idle && Workers.size() < S.Threads)
      Workers.emplace_back([this] { worker(); });
  }
  QCV.notify_one();
}

void LlmSteps::worker() {
  std::unique_lock<std::mutex> L(QM);
  while (true) {
    ++Idle;
    QCV.wait(L, [&] { return Quit || !Queue.empty(); });
    --Idle;
    if (Quit) return;
    std::function<void()> Job = std::move(Queue.front());
    Queue.pop_front();
    L.unlock();
    Job();
    L.lock();
  }
}

}  // namespace orch::runtime
