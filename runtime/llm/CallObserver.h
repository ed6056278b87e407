//===- CallObserver.h - Who hears of each model call -----------*- C++ -*-===//
//
// The LLM client tells one observer (runtime/observe's accounting) of each
// chat() call twice: before the first request goes out, when the observer
// may refuse it (a budget is spent), and after the last answer, with the
// tokens the provider reported. The request body it is shown never holds a
// key: keys travel in headers, which the observer never sees.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace orch::llm {

/// Tokens a provider reported in its answer's `usage`.
struct Usage {
  uint64_t InputTokens = 0;   ///< OpenAI `prompt_tokens`, Anthropic `input_tokens`.
  uint64_t OutputTokens = 0;  ///< OpenAI `completion_tokens`, Anthropic `output_tokens`.
  /// Answers that carried no usable `usage` (none, or no token counts).
  unsigned Unreported = 0;
  Usage &operator+=(const Usage &O) {
    InputTokens += O.InputTokens;
    OutputTokens += O.OutputTokens;
    Unreported += O.Unreported;
    return *this;
  }
};

/// A provider's circuit breaker (Client.h) as a call left it; the values
/// are those of the `orch_circuit_breaker_state` metric.
enum class BreakerState : uint8_t {
  Closed = 0,    ///< Requests go out.
  Open = 1,      ///< Requests fail fast until the cooldown ends.
  HalfOpen = 2,  ///< The cooldown ended: the next request is the trial.
};

/// A call about to be made.
struct CallStart {
  llvm::StringRef Caller;    ///< The step id (ChatRequest::Caller), or "".
  llvm::StringRef Model;     ///< As sent.
  llvm::StringRef Provider;  ///< ProviderConfig::Name.
  llvm::StringRef Body;      ///< The JSON body sent (no key is in it).
  unsigned MaxTokens = 0;    ///< The answer's limit as sent (0: none sent).
  /// A part of a fused request (docs/fusion.md): the steps that shared
  /// it, comma-separated; "" for a step's own call.
  llvm::StringRef SharedRequest;
  /// Batch mode (Batch.h): the provider's batch id once it is known ("" for
  /// a request of its own), and the share of the normal price it costs.
  llvm::StringRef Batch;
  double PriceFactor = 1.0;
  /// When set and true, an observer that waits for room (a budget) stops
  /// waiting and refuses the call (the step timed out or the run was
  /// interrupted).
  const std::atomic<bool> *Cancel = nullptr;
  /// Do not wait for calls in flight to settle: an item of a batch whose
  /// earlier items already hold reservations (they settle only once the
  /// batch is sent, so waiting for them would never end).
  bool NoWait = false;
};

/// How a call ended.
struct CallEnd {
  Usage Tokens;  ///< Summed over every answer; Unreported counts those without `usage`.
  std::chrono::milliseconds Latency{0};  ///< From the first request to the end.
  unsigned Attempts = 0;                 ///< HTTP requests sent.
  bool Ok = false;
  std::string Answer;  ///< The answer's text (structured: its JSON), when Ok.
  std::string Error;   ///< Why it failed (redacted), when !Ok.
  /// The model the provider says answered (its body's `model`), "" if none.
  std::string ResponseModel;
  /// Requests this end counts: 1, or 0 for the parts of a fused request
  /// after the first (the request, its latency and its retries are
  /// counted once, on its first part).
  unsigned Calls = 1;
  /// Tokens is already an estimate (a fused request without `usage`, its
  /// estimate split across the parts): charged as is, marked estimated.
  bool Estimated = false;
  /// The provider's breaker when the call ended (chat() sets it; unset for
  /// a batch's items, which do not pass the breaker).
  std::optional<BreakerState> Breaker;
  /// How long the call waited for its provider's `tokens_per_minute`
  /// (TokenLimiter), over all its attempts; unset when the provider has
  /// no such limit.
  std::optional<std::chrono::milliseconds> TokenWait;
};

/// An observer refused a call (a budget is spent): final, not retried.
class CallRefused : public llvm::ErrorInfo<CallRefused> {
 public:
  static char ID;
  explicit CallRefused(std::string Msg) : Msg(std::move(Msg)) {}
  void log(llvm::raw_ostream &OS) const override { OS << Msg; }
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }

 private:
  std::string Msg;
};

/// Hears of every chat() call that carries it (ChatRequest::Observer).
/// Called on the calling thread; implementations must be thread-safe.
class CallObserver {
 public:
  virtual ~CallObserver() = default;
  /// The call is about to start; an error refuses it (nothing is sent).
  /// \p Id is handed back to callEnded.
  virtual llvm::Error callStarting(const CallStart &S, uint64_t &Id) = 0;
  /// The call \p Id ended (only after callStarting accepted it).
  virtual void callEnded(uint64_t Id, const CallStart &S, const CallEnd &E) = 0;
  /// Is the run stopping (a budget under `abort` was reached)? A call
  /// waiting for its provider's `tokens_per_minute` then stops waiting.
  virtual bool stopping() const { return false; }
};

}  // namespace orch::llm
