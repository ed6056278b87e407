//===- Client.cpp ---------------------------------------------------------===//
#include "runtime/llm/Client.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

#include "ir/JsonLimits.h"
#include "ir/JsonSchema.h"
#include "ir/MakeError.h"
#include "ir/Secrets.h"
#include "llvm/ADT/StringExtras.h"

namespace orch::llm {

using json = orch::ir::Json;

std::optional<std::string> processEnv(const std::string &Name) {
  if (const char *V = std::getenv(Name.c_str())) return std::string(V);
  return std::nullopt;
}

// --- Circuit breaker ------------------------------------------------------

bool CircuitBreaker::allow(Clock::TimePoint Now) {
  std::lock_guard<std::mutex> L(M);
  if (!Open) return true;
  if (Now < OpenUntil || TrialInFlight) return false;
  TrialInFlight = true;  // half-open: this one request decides
  return true;
}

void CircuitBreaker::onSuccess() {
  std::lock_guard<std::mutex> L(M);
  Failures = 0;
  Open = TrialInFlight = false;
}

void CircuitBreaker::abandon() {
  std::lock_guard<std::mutex> L(M);
  TrialInFlight = false;
}

void CircuitBreaker::onFailure(Clock::TimePoint Now) {
  std::lock_guard<std::mutex> L(M);
  ++Failures;
  if (TrialInFlight || Failures >= Threshold) {
    Open = true;
    TrialInFlight = false;
    OpenUntil = Now + Cooldown;
  }
}

bool CircuitBreaker::isOpen(Clock::TimePoint Now) {
  std::lock_guard<std::mutex> L(M);
  return Open && Now < OpenUntil;
}

BreakerState CircuitBreaker::state(Clock::TimePoint Now) {
  std::lock_guard<std::mutex> L(M);
  if (!Open) return BreakerState::Closed;
  return Now < OpenUntil ? BreakerState::Open : BreakerState::HalfOpen;
}

// --- Client ---------------------------------------------------------------

bool isReasoningModel(llvm::StringRef Model) {
  // `openai/o3`, `azure:gpt-5-mini`: the family is the last name part.
  Model = Model.substr(Model.find_last_of("/:") + 1);
  for (llvm::StringRef F : {"o1", "o3", "o4", "gpt-5"})
    if (Model.starts_with_insensitive(F) &&
        (Model.size() == F.size() || Model[F.size()] == '-' || Model[F.size()] == '.'))
      return true;
  return false;
}

char RefusalError::ID = 0;
char CallRefused::ID = 0;

namespace {

bool retriableStatus(long S) { return S == 408 || S == 409 || S == 429 || S >= 500; }

/// The service's own error message from an error body, if it has one.
std::string serviceMessage(const std::string &Body) {
  json J = json::parse(Body, nullptr, /*allow_exceptions=*/false);
  if (J.is_object() && J.contains("error")) {
    const json &E = J["error"];
    if (E.is_object() && E.contains("message") && E["message"].is_string())
      return E["message"].get<std::string>();
    if (E.is_string()) return E.get<std::string>();
  }
  std::string S = Body.substr(0, 200);
  return S.empty() ? "empty body" : S;
}

/// The token counts of a body's `usage` (OpenAI or Anthropic names).
Usage usageOf(const json &J) {
  Usage U;
  auto It = J.find("usage");
  if (It == J.end() || !It->is_object()) {
    U.Unreported = 1;
    return U;
  }
  bool Any = false;
  // A count: an unsigned integer, or a float with an integral value
  // (`5000.0`, which some servers send).
  auto Count = [&](const char *A, const char *B) -> uint64_t {
    for (const char *K : {A, B}) {
      auto F = It->find(K);
      if (F == It->end()) continue;
      if (F->is_number_unsigned()) {
        Any = true;
        return F->get<uint64_t>();
      }
      if (F->is_number_float()) {
        double D = F->get<double>();
        if (D >= 0 && D < 9007199254740992.0 && D == std::floor(D)) {
          Any = true;
          return uint64_t(D);
        }
      }
    }
    return 0;
  };
  U.InputTokens = Count("prompt_tokens", "input_tokens");
  U.OutputTokens = Count("completion_tokens", "output_tokens");
  // Anthropic's prompt cache: billed input, reported apart (priced here at
  // the input price: reads cost less, writes a quarter more).
  for (const char *K : {"cache_read_input_tokens", "cache_creation_input_tokens"})
    if (auto F = It->find(K); F != It->end() && F->is_number_unsigned())
      U.InputTokens += F->get<uint64_t>();
  if (!Any) U.Unreported = 1;
  return U;
}

std::string trimUrl(std::string U) {
  while (!U.empty() && U.back() == '/') U.pop_back();
  return U;
}

}  // namespace

Client::Client(ProviderConfig C, HttpTransport &T, Clock &Clk, EnvLookup Env,
               uint64_t JitterSeed)
    : Config(std::move(C)),
      Transport(T),
      Clk(Clk),
      Env(std::move(Env)),
      Breaker(Config.BreakerThreshold, Config.BreakerCooldown),
      // Processes retrying against one service must not do so in lockstep.
      Jitter(JitterSeed ? JitterSeed : std::random_device{}()) {}

std::string Client::redact(std::string S) const {
  // A base URL may carry credentials (`user:key@host`, `?api-key=`), and
  // transport errors quote it.
  S = ir::redactUrlCredentials(S);
  if (Config.ApiKeyEnv.empty()) return S;
  std::optional<std::string> Key = Env(Config.ApiKeyEnv);
  if (!Key || Key->size() < 4) return S;
  for (size_t P = S.find(*Key); P != std::string::npos; P = S.find(*Key, P))
    S.replace(P, Key->size(), "[redacted]");
  return S;
}

llvm::Expected<HttpRequest> Client::buildRequest(const ChatRequest &R,
                                                 bool ElideKey) const {
  if (Config.BaseUrl.empty())
    return ir::makeError(fmt::format("provider `{}` has no base URL", Config.Name));
  if (R.Model.empty())
    return ir::makeError(fmt::format("provider `{}`: no model named", Config.Name));
  llvm::Expected<std::string> Key = key();
  if (!Key) return Key.takeError();
  if (ElideKey && !Key->empty()) *Key = "[redacted]";
  std::optional<ir::StrictSchema> Strict;
  if (R.Schema) {
    if (!ir::isValidSchemaName(R.SchemaName))
      return ir::makeError(fmt::format(
          "schema name `{}` must match ^[a-zA-Z0-9_-]{{1,64}}$", R.SchemaName));
    Strict = ir::makeStrict(*R.Schema);
  }
  HttpRequest H;
  H.Timeout = Config.Timeout;
  H.Headers.push_back({"Content-Type", "application/json"});
  json Body;
  Body["model"] = R.Model;
  if (Config.Kind == ApiKind::OpenAI) {
    H.Url = trimUrl(Config.BaseUrl) + "/chat/completions";
    if (!Key->empty()) H.Headers.push_back({"Authorization", "Bearer " + *Key});
    json Messages = json::array();
    if (!R.System.empty())
      Messages.push_back({{"role", "system"}, {"content", R.System}});
    Messages.push_back({{"role", "user"}, {"content", R.Prompt}});
    Body["messages"] = Messages;
    if (R.Reasoning.value_or(isReasoningModel(R.Model))) {
      if (R.MaxTokens) Body["max_completion_tokens"] = R.MaxTokens;
    } else {
      Body["temperature"] = R.Temperature;
      if (R.MaxTokens) Body["max_tokens"] = R.MaxTokens;
    }
    if (Strict)
      Body["response_format"] = {
          {"type", "json_schema"},
          {"json_schema",
           {{"name", R.SchemaName}, {"strict", true}, {"schema", Strict->Schema}}}};
    else if (R.JsonObject)
      Body["response_format"] = {{"type", "json_object"}};
  } else {
    H.Url = trimUrl(Config.BaseUrl) + "/v1/messages";
    if (!Key->empty()) H.Headers.push_back({"x-api-key", *Key});
    H.Headers.push_back({"anthropic-version", Config.AnthropicVersion});
    Body["max_tokens"] = R.MaxTokens ? R.MaxTokens : DefaultAnthropicMaxTokens;
    Body["temperature"] = R.Temperature;
    if (!R.System.empty()) Body["system"] = R.System;
    Body["messages"] = json::array({{{"role", "user"}, {"content", R.Prompt}}});
    if (Strict) {
      // Structured output through a forced tool call.
      Body["tools"] = json::array({{{"name", R.SchemaName},
                                    {"description", "Record the answer."},
                                    {"input_schema", Strict->Schema}}});
      Body["tool_choice"] = {{"type", "tool"}, {"name", R.SchemaName}};
    } else if (R.JsonObject) {
      // No JSON mode: a forced tool call whose input is any object.
      Body["tools"] =
          json::array({{{"name", R.SchemaName},
                        {"description", "Record the answer as a JSON object."},
                        {"input_schema", {{"type", "object"}}}}});
      Body["tool_choice"] = {{"type", "tool"}, {"name", R.SchemaName}};
    }
  }
  H.Body = Body.dump(-1, ' ', false, orch::ir::Json::error_handler_t::replace);
  return H;
}

std::chrono::milliseconds Client::backoff(unsigned Attempt, llvm::StringRef RetryAfter) {
  using std::chrono::milliseconds;
  double Base =
      double(Config.BaseBackoff.count()) * double(1ull << std::min(Attempt - 1, 20u));
  Base = std::min(Base, double(Config.MaxBackoff.count()));
  double Factor;
  {
    // "Equal jitter": half the delay fixed, half random.
    std::lock_guard<std::mutex> L(JitterM);
    Factor = 0.5 + 0.5 * std::uniform_real_distribution<double>(0, 1)(Jitter);
  }
  milliseconds D(static_cast<int64_t>(Base * Factor));
  unsigned Seconds = 0;
  if (!RetryAfter.empty() && !RetryAfter.trim().getAsInteger(10, Seconds))
    D = std::max(D,
                 std::min(milliseconds(int64_t(Seconds) * 1000), Config.MaxRetryAfter));
  return D;
}

bool Client::acquire(const std::atomic<bool> *Cancel) {
  std::unique_lock<std::mutex> L(SlotM);
  auto Free = [&] { return InFlight < std::max(1u, Config.MaxConcurrency); };
  if (!Cancel) {
    SlotCV.wait(L, Free);
  } else {
    while (!SlotCV.wait_for(L, std::chrono::milliseconds(50), Free))
      if (*Cancel) return false;
    if (*Cancel) return false;
  }
  ++InFlight;
  return true;
}

void Client::release() {
  {
    std::lock_guard<std::mutex> L(SlotM);
    --InFlight;
  }
  SlotCV.notify_one();
}

llvm::Expected<ChatResponse> Client::parseResponse(const ChatRequest &R, bool Wrapped,
                                                   const HttpResponse &Resp,
                                                   Usage &Tokens) const {
  std::string Deep;
  json J = ir::parseJsonBounded(Resp.Body, &Deep);
  if (!Deep.empty())
    return ir::makeError(fmt::format(
        "provider `{}` answered with JSON nested too deeply ({})", Config.Name, Deep));
  if (J.is_discarded() || !J.is_object())
    return ir::makeError(
        fmt::format("provider `{}` answered with a body that is not JSON "
                    "({} bytes)",
                    Config.Name, Resp.Body.size()));
  Tokens += usageOf(J);
  ChatResponse Out;
  // OpenAI and Anthropic both name the model that answered (a dated
  // version, or another behind a router): OpenTelemetry's response model.
  if (auto M = J.find("model"); M != J.end() && M->is_string())
    Out.ResponseModel = M->get_ref<const std::string &>().substr(0, 256);
  std::optional<json> Structured;
  if (Config.Kind == ApiKind::OpenAI) {
    const json *Msg = nullptr;
    if (J.contains("choices") && J["choices"].is_array() && !J["choices"].empty() &&
        J["choices"][0].is_object() && J["choices"][0].contains("message"))
      Msg = &J["choices"][0]["message"];
    if (!Msg || !Msg->is_object())
      return ir::makeError(fmt::format(
          "provider `{}` answered without `choices[0].message`", Config.Name));
    if (Msg->contains("refusal") && (*Msg)["refusal"].is_string())
      return llvm::make_error<RefusalError>(fmt::format(
          "model `{}` refused: {}", R.Model, (*Msg)["refusal"].get<std::string>()));
    if (Msg->contains("content") && (*Msg)["content"].is_string())
      Out.Text = (*Msg)["content"].get<std::string>();
    const json &Choice = J["choices"][0];
    Out.Truncated =
        Choice.contains("finish_reason") && Choice["finish_reason"] == "length";
    if (R.Schema) {
      std::string TooDeep;
      json S = ir::parseJsonBounded(Out.Text, &TooDeep);
      if (!TooDeep.empty())
        return ir::makeError(fmt::format(
            "model `{}` answered with JSON nested too deeply ({})", R.Model, TooDeep));
      if (S.is_discarded() && Out.Truncated && R.AcceptTruncated) return Out;
      if (S.is_discarded())
        return ir::makeError(fmt::format("model `{}` did not answer with JSON", R.Model));
      Structured = std::move(S);
    } else if (R.JsonObject) {
      json S = ir::parseJsonBounded(Out.Text);
      if (S.is_discarded() && Out.Truncated && R.AcceptTruncated) return Out;
      if (!S.is_object())
        return ir::makeError(
            fmt::format("model `{}` did not answer with a JSON object{}", R.Model,
                        Out.Truncated ? " (the answer was cut at max_tokens)" : ""));
      // The object's JSON text, written as for Anthropic's answers: the
      // same answer gives the same text whichever service gave it.
      Out.Text = S.dump(-1, ' ', false, json::error_handler_t::replace);
    }
  } else {
    if (!J.contains("content") || !J["content"].is_array())
      return ir::makeError(
          fmt::format("provider `{}` answered without `content`", Config.Name));
    for (const json &Block : J["content"]) {
      if (!Block.is_object()) continue;
      std::string Type = Block.contains("type") && Block["type"].is_string()
                             ? Block["type"].get<std::string>()
                             : "";
      if (Type == "text" && Block.contains("text") && Block["text"].is_string())
        Out.Text += Block["text"].get<std::string>();
      if (Type == "tool_use" && Block.contains("input")) Structured = Block["input"];
    }
    Out.Truncated = J.contains("stop_reason") && J["stop_reason"] == "max_tokens";
    if (R.Schema && !Structured && Out.Truncated && R.AcceptTruncated) return Out;
    if (R.Schema && !Structured)
      return ir::makeError(
          fmt::format("model `{}` did not call the `{}` tool", R.Model, R.SchemaName));
    if (R.JsonObject && !R.Schema) {
      // The tool call's input is the answer, as JSON text; one cut at
      // max_tokens holds only the members that were complete.
      if (Out.Truncated && !R.AcceptTruncated)
        return ir::makeError(fmt::format(
            "model `{}` did not answer with a whole JSON object (the answer was cut at "
            "max_tokens)",
            R.Model));
      if (!Structured || !Structured->is_object())
        return ir::makeError(fmt::format(
            "model `{}` did not answer with a JSON object (the `{}` tool's input)",
            R.Model, R.SchemaName));
      Out.Text = Structured->dump(-1, ' ', false, json::error_handler_t::replace);
      return Out;
    }
  }
  if (Structured) {
    if (Wrapped) {
      if (!Structured->is_object() || !Structured->contains("value"))
        return ir::makeError(
            fmt::format("model `{}` answered without the `value` property", R.Model));
      Structured = (*Structured)["value"];
    }
    Out.Structured = std::move(Structured);
  }
  return Out;
}

llvm::Expected<ChatResponse> Client::parseAnswer(const ChatRequest &R,
                                                 llvm::StringRef Body,
                                                 Usage &Tokens) const {
  HttpResponse Resp;
  Resp.Status = 200;
  Resp.Body = Body.str();
  return parseResponse(R, R.Schema && ir::makeStrict(*R.Schema).Wrapped, Resp, Tokens);
}

llvm::Expected<std::string> Client::key() const {
  if (Config.ApiKeyEnv.empty()) return std::string();
  std::optional<std::string> K = Env(Config.ApiKeyEnv);
  if (!K || K->empty())
    return ir::makeError(
        fmt::format("provider `{}` needs an API key: set the environment "
                    "variable {}",
                    Config.Name, Config.ApiKeyEnv));
  return *K;
}

llvm::Expected<std::vector<Header>> Client::authHeaders() const {
  std::vector<Header> H;
  llvm::Expected<std::string> K = key();
  if (!K) return K.takeError();
  if (!K->empty()) {
    if (Config.Kind == ApiKind::OpenAI)
      H.push_back({"Authorization", "Bearer " + *K});
    else
      H.push_back({"x-api-key", *K});
  }
  if (Config.Kind == ApiKind::Anthropic)
    H.push_back({"anthropic-version", Config.AnthropicVersion});
  return H;
}

llvm::Expected<ChatResponse> Client::chat(const ChatRequest &R) {
  llvm::Expected<HttpRequest> Req = buildRequest(R, /*ElideKey=*/false);
  if (!Req) return Req.takeError();
  Req->Cancel = R.Cancel;
  Usage Tokens;
  unsigned Attempts = 0;
  std::chrono::milliseconds TokenWait{0};
  if (!R.Observer) return send(R, *Req, Tokens, Attempts, TokenWait);
  CallStart S;
  S.Caller = R.Caller;
  S.Model = R.Model;
  S.Provider = Config.Name;
  S.Body = Req->Body;  // headers (the key) stay out
  S.Cancel = R.Cancel;
  S.MaxTokens = R.MaxTokens || Config.Kind == ApiKind::OpenAI ? R.MaxTokens
                                                              : DefaultAnthropicMaxTokens;
  uint64_t Id = 0;
  if (llvm::Error E = R.Observer->callStarting(S, Id)) return E;
  Clock::TimePoint T0 = Clk.now();
  llvm::Expected<ChatResponse> Out = send(R, *Req, Tokens, Attempts, TokenWait);
  CallEnd End;
  End.Tokens = Tokens;
  if (Limiter) End.TokenWait = TokenWait;
  End.Attempts = Attempts;
  End.Latency = std::chrono::duration_cast<std::chrono::milliseconds>(Clk.now() - T0);
  End.Ok = bool(Out);
  End.Breaker = Breaker.state(Clk.now());
  if (Out) {
    End.ResponseModel = Out->ResponseModel;
    End.Answer = Out->Structured ? Out->Structured->dump(-1, ' ', false,
                                                         json::error_handler_t::replace)
                                 : Out->Text;
    R.Observer->callEnded(Id, S, End);
    return Out;
  }
  // The error goes back as it is (a RefusalError stays one).
  llvm::Error E = llvm::handleErrors(
      Out.takeError(), [&](std::unique_ptr<llvm::ErrorInfoBase> Info) -> llvm::Error {
        End.Error = redact(Info->message());
        return llvm::Error(std::move(Info));
      });
  R.Observer->callEnded(Id, S, End);
  return E;
}

llvm::Expected<ChatResponse> Client::send(const ChatRequest &R, const HttpRequest &Req,
                                          Usage &Tokens, unsigned &Attempts,
                                          std::chrono::milliseconds &TokenWait) {
  auto Cancelled = [&] { return R.Cancel && R.Cancel->load(); };
  // The limiter's wait ends on a cancel and when a budget stops the run.
  auto Stop = [&] { return Cancelled() || (R.Observer && R.Observer->stopping()); };
  unsigned AnswerLimit = R.MaxTokens || Config.Kind == ApiKind::OpenAI
                             ? R.MaxTokens
                             : DefaultAnthropicMaxTokens;
  uint64_t InputEstimate = estimateTokens(Req.Body, 0);
  auto CancelError = [&] {
    return ir::makeError(fmt::format("request to provider `{}` cancelled", Config.Name));
  };
  bool Wrapped = R.Schema && ir::makeStrict(*R.Schema).Wrapped;
  // A request above the whole limit could never go out: it fails before
  // it passes the breaker.
  if (Limiter && estimateTokens(Req.Body, AnswerLimit) > Limiter->limit())
    return Limiter->reserve(estimateTokens(Req.Body, AnswerLimit), Stop).takeError();
  std::string LastProblem;
  for (unsigned Attempt = 1;; ++Attempt) {
    // Each attempt takes its tokens before the breaker and its slot: a
    // step waiting for the window holds no connection, and a half-open
    // breaker's trial is never held up (nor lost) by that wait.
    std::optional<TokenLimiter::Reservation> Held;
    if (Limiter) {
      llvm::Expected<TokenLimiter::Reservation> Got =
          Limiter->reserve(estimateTokens(Req.Body, AnswerLimit), Stop);
      if (!Got) return Got.takeError();
      TokenWait += Got->Waited;
      Held = *Got;
    }
    // Without an answer's `usage`, a request is settled to its input.
    auto Settle = [&](uint64_t Used) {
      if (Held) Limiter->settle(*Held, Used);
      Held.reset();
    };
    if (!Breaker.allow(Clk.now())) {
      Settle(0);  // never sent
      return ir::makeError(fmt::format(
          "provider `{}` is unavailable: circuit open after repeated "
          "failures ({})",
          Config.Name, LastProblem.empty() ? "earlier requests" : LastProblem));
    }
    if (Cancelled() || !acquire(R.Cancel)) {
      Settle(0);  // never sent
      Breaker.abandon();
      return CancelError();
    }
    Attempts = Attempt;
    llvm::Expected<HttpResponse> Resp = Transport.post(Req);
    release();
    if (Limiter && Resp) Limiter->observe(*Resp);
    if (Cancelled()) {
      Settle(InputEstimate);
      Breaker.abandon();  // its answer is not read: it decides nothing
      if (!Resp) llvm::consumeError(Resp.takeError());
      return CancelError();
    }
    std::string RetryAfter;
    bool Retriable = false;
    if (!Resp) {
      LastProblem = redact(llvm::toString(Resp.takeError()));
      Retriable = true;
    } else if (Resp->Status >= 200 && Resp->Status < 300) {
      Usage Before = Tokens;
      llvm::Expected<ChatResponse> Out = parseResponse(R, Wrapped, *Resp, Tokens);
      uint64_t Reported = Tokens.InputTokens + Tokens.OutputTokens - Before.InputTokens -
                          Before.OutputTokens;
      // An answer without `usage`: its input and its text, as estimated.
      Settle(Reported ? Reported : InputEstimate + (Resp->Body.size() + 3) / 4);
      if (Out) {
        Breaker.onSuccess();
        Out->Attempts = Attempt;
        Out->Tokens = Tokens;
        return Out;
      }
      // A truncated or malformed body: the service misbehaved; try again.
      // A refusal is the model's answer: asking again changes nothing.
      Retriable = true;
      LastProblem = redact(llvm::toString(
          llvm::handleErrors(Out.takeError(), [&](const RefusalError &E) -> llvm::Error {
            Retriable = false;
            return llvm::createStringError(llvm::inconvertibleErrorCode(), E.text());
          })));
    } else {
      LastProblem =
          redact(fmt::format("HTTP {}: {}", Resp->Status, serviceMessage(Resp->Body)));
      Retriable = retriableStatus(Resp->Status);
      RetryAfter = Resp->header("retry-after").str();
    }
    Settle(InputEstimate);  // an error: no usage (a no-op once settled)
    if (!Retriable) {
      Breaker.onSuccess();  // the service answered; the request was wrong
      return ir::makeError(fmt::format("provider `{}` rejected the request: {}",
                                       Config.Name, LastProblem));
    }
    Breaker.onFailure(Clk.now());
    if (Attempt > Config.MaxRetries)
      return ir::makeError(fmt::format("provider `{}` failed after {} attempts: {}",
                                       Config.Name, Attempt, LastProblem));
    std::chrono::milliseconds Wait = backoff(Attempt, RetryAfter);
    if (!R.Cancel) {
      Clk.sleepFor(Wait);
      continue;
    }
    // In slices, so a cancelled step does not sleep out its backoff.
    while (Wait.count() > 0) {
      if (Cancelled()) return CancelError();
      std::chrono::milliseconds Slice = std::min(Wait, std::chrono::milliseconds(100));
      Clk.sleepFor(Slice);
      Wait -= Slice;
    }
  }
}

}  // namespace orch::llm
