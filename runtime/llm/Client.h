//===- Client.h - One client for OpenAI- and Anthropic-style APIs -*- C++ -*-===//
//
// The one LLM client of the project: orchc uses it to resolve AUTO tags and
// orchrt for LLM steps. It speaks OpenAI Chat Completions (which also
// serves vLLM, llama.cpp, Ollama and LM Studio) and Anthropic Messages,
// asks for structured output the way each service's strict mode requires,
// retries with exponential backoff and jitter (honouring Retry-After),
// opens a circuit breaker after repeated failures and bounds concurrency.
// API keys come from the environment at request time and never appear in
// an error message.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include "ir/Json.h"
#include "runtime/llm/CallObserver.h"
#include "runtime/llm/Clock.h"
#include "runtime/llm/Http.h"
#include "runtime/llm/TokenLimiter.h"

namespace orch::llm {

/// Which wire format a provider speaks.
enum class ApiKind { OpenAI, Anthropic };

/// One provider endpoint and its limits.
struct ProviderConfig {
  std::string Name = "openai";
  ApiKind Kind = ApiKind::OpenAI;
  /// `https://api.openai.com/v1` (…/chat/completions is appended) or
  /// `https://api.anthropic.com` (…/v1/messages is appended).
  std::string BaseUrl;
  /// Environment variable holding the key ("" for keyless local servers).
  std::string ApiKeyEnv;
  std::chrono::milliseconds Timeout{60000};  ///< Per attempt.
  unsigned MaxRetries = 4;                   ///< Attempts after the first.
  std::chrono::milliseconds BaseBackoff{500};
  std::chrono::milliseconds MaxBackoff{30000};
  std::chrono::milliseconds MaxRetryAfter{120000};
  unsigned MaxConcurrency = 64;
  unsigned BreakerThreshold = 5;  ///< Consecutive failed attempts to open.
  std::chrono::milliseconds BreakerCooldown{30000};
  std::string AnthropicVersion = "2023-06-01";
  /// Batch mode (Batch.h): the first wait before polling a batch's status,
  /// doubled after each poll up to BatchPollMax (`providers.<name>.
  /// batch_poll_ms`, `batch_poll_max_ms`).
  std::chrono::milliseconds BatchPollInitial{2000};
  std::chrono::milliseconds BatchPollMax{60000};
  /// What a batched request costs, as a share of its normal price (both
  /// providers charge half; `providers.<name>.batch_price_share`).
  double BatchPriceFactor = 0.5;
};

/// One chat turn, optionally with a JSON schema for the answer.
struct ChatRequest {
  std::string Model;
  std::string System;
  std::string Prompt;
  std::optional<orch::ir::Json> Schema;  ///< Any JSON schema; made strict.
  std::string SchemaName = "answer";     ///< `^[a-zA-Z0-9_-]{1,64}$`
  /// The longest answer, in tokens; 0: the service's own limit for OpenAI
  /// (the field is left out) and DefaultAnthropicMaxTokens for Anthropic,
  /// which requires the field.
  unsigned MaxTokens = 0;
  /// An OpenAI reasoning model (o1, o3, o4, gpt-5 families): the limit goes
  /// out as `max_completion_tokens` and no temperature is sent (they accept
  /// only the default). Unset: decided by isReasoningModel(Model).
  std::optional<bool> Reasoning;
  double Temperature = 0;
  /// When set and true, chat() stops waiting, sleeping and retrying and
  /// returns an error (a step timed out or the run was interrupted).
  const std::atomic<bool> *Cancel = nullptr;
  /// Told of the call before and after (accounting, budgets), or null.
  CallObserver *Observer = nullptr;
  /// Who asks (the step id), for the observer.
  std::string Caller;
  /// A structured answer cut at the token limit comes back as it is (its
  /// Text, ChatResponse::Truncated) instead of failing as malformed: the
  /// caller keeps what is complete (a fused request's parts).
  bool AcceptTruncated = false;
  /// JSON mode (`response_format: json_object`, when there is no Schema):
  /// the answer must be one JSON object, which comes back as its Text.
  /// OpenAI is sent `response_format: {type: json_object}`; Anthropic, which
  /// has no JSON mode, a forced tool call whose input is any object.
  bool JsonObject = false;
};

/// What Anthropic is sent when no limit is known: every current Claude
/// model can write at least this many tokens.
constexpr unsigned DefaultAnthropicMaxTokens = 4096;

/// Is \p Model one of OpenAI's reasoning families (o1, o3, o4-mini, gpt-5,
/// with or without a date or size suffix)?
bool isReasoningModel(llvm::StringRef Model);

/// The answer.
struct ChatResponse {
  std::string Text;                          ///< Free text (unstructured calls).
  std::optional<orch::ir::Json> Structured;  ///< Parsed and unwrapped.
  unsigned Attempts = 0;
  Usage Tokens;  ///< Summed over the answers that reported `usage`.
  /// The answer stopped at its token limit (OpenAI `finish_reason:
  /// "length"`, Anthropic `stop_reason: "max_tokens"`). With
  /// ChatRequest::AcceptTruncated, Structured may then be unset (the JSON
  /// text was cut) and Text holds what came.
  bool Truncated = false;
  /// The model the provider says answered (the body's `model`; "" if none).
  std::string ResponseModel;
};

/// A model declined to answer (OpenAI's `refusal`): final, not retried.
class RefusalError : public llvm::ErrorInfo<RefusalError> {
 public:
  static char ID;
  explicit RefusalError(std::string Msg) : Msg(std::move(Msg)) {}
  void log(llvm::raw_ostream &OS) const override { OS << Msg; }
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }
  const std::string &text() const { return Msg; }

 private:
  std::string Msg;
};

/// Reads an environment variable; tests substitute their own.
using EnvLookup = std::function<std::optional<std::string>(const std::string &)>;

/// The process environment.
std::optional<std::string> processEnv(const std::string &Name);

/// Opens after a run of failures, lets one trial through after a cooldown.
class CircuitBreaker {
 public:
  CircuitBreaker(unsigned Threshold, std::chrono::milliseconds Cooldown)
      : Threshold(Threshold), Cooldown(Cooldown) {}
  /// May a request go out now? In the half-open state, one at a time.
  bool allow(Clock::TimePoint Now);
  void onSuccess();
  void onFailure(Clock::TimePoint Now);
  /// A request allow() let through never went out (cancelled before it
  /// was sent): a half-open breaker lets the next one be its trial.
  void abandon();
  bool isOpen(Clock::TimePoint Now);
  /// Closed, open (cooldown running) or half-open (cooldown over) at \p Now.
  BreakerState state(Clock::TimePoint Now);

 private:
  std::mutex M;
  unsigned Threshold;
  std::chrono::milliseconds Cooldown;
  unsigned Failures = 0;
  bool Open = false;
  bool TrialInFlight = false;
  Clock::TimePoint OpenUntil{};
};

/// Sends chat requests to one provider.
class Client {
 public:
  Client(ProviderConfig Config, HttpTransport &Transport, Clock &Clk,
         EnvLookup Env = processEnv, uint64_t JitterSeed = 0);

  /// Sends \p R, retrying what may succeed on retry. Errors name the
  /// provider, the HTTP status and the service's message, never the key.
  llvm::Expected<ChatResponse> chat(const ChatRequest &R);

  /// The request this client would send; with \p ElideKey the key header's
  /// value is elided (for tests and logs).
  llvm::Expected<HttpRequest> buildRequest(const ChatRequest &R, bool ElideKey) const;

  /// Delay before retry \p Attempt (1-based), given a Retry-After header.
  std::chrono::milliseconds backoff(unsigned Attempt, llvm::StringRef RetryAfter);

  const ProviderConfig &config() const { return Config; }

  /// Every request (each attempt) from now on reserves its tokens in \p L
  /// first (the provider's `tokens_per_minute`; null: none). \p L is
  /// shared by the clients of one provider and outlives this one.
  void setTokenLimiter(TokenLimiter *L) { Limiter = L; }
  /// The tokens \p Body and an answer of \p MaxTokens may use, as the
  /// limiter reserves them: the body's bytes / 4 plus \p MaxTokens.
  static uint64_t estimateTokens(llvm::StringRef Body, unsigned MaxTokens) {
    return (Body.size() + 3) / 4 + MaxTokens;
  }

  /// Parses \p Body, one answer to \p R as the chat endpoint gives it (a
  /// batch's result), adding its `usage` to \p Tokens.
  llvm::Expected<ChatResponse> parseAnswer(const ChatRequest &R, llvm::StringRef Body,
                                           Usage &Tokens) const;

  /// The headers every request to this provider carries (the key, the
  /// API version), or an error when the key is missing.
  llvm::Expected<std::vector<Header>> authHeaders() const;

  /// \p S with the key and URL credentials replaced by `[redacted]`.
  std::string redacted(std::string S) const { return redact(std::move(S)); }

 private:
  /// chat() without the observer.
  /// \p TokenWait: the time spent waiting for the TokenLimiter.
  llvm::Expected<ChatResponse> send(const ChatRequest &R, const HttpRequest &Req,
                                    Usage &Tokens, unsigned &Attempts,
                                    std::chrono::milliseconds &TokenWait);
  /// Adds the body's `usage` to \p Tokens, parses the answer.
  llvm::Expected<ChatResponse> parseResponse(const ChatRequest &R, bool Wrapped,
                                             const HttpResponse &Resp,
                                             Usage &Tokens) const;
  std::string redact(std::string S) const;
  /// The API key from the environment ("" for a keyless server), or the
  /// error that names the variable to set.
  llvm::Expected<std::string> key() const;
  bool acquire(const std::atomic<bool> *Cancel);
  void release();

  ProviderConfig Config;
  HttpTransport &Transport;
  Clock &Clk;
  EnvLookup Env;
  CircuitBreaker Breaker;
  TokenLimiter *Limiter = nullptr;
  std::mutex JitterM;
  std::mt19937_64 Jitter;
  std::mutex SlotM;
  std::condition_variable SlotCV;
  unsigned InFlight = 0;
};

}  // namespace orch::llm
