//===- TokenLimiter.h - A provider's tokens_per_minute ---------*- C++ -*-===//
//
// `providers.<p>.tokens_per_minute` (docs/runtime.md, resource groups): a
// sliding 60 s window of the tokens a provider's requests used. Before each
// HTTP request (every attempt: retries and fallbacks too) the client
// reserves an estimate (the body's bytes / 4 plus the answer's max_tokens)
// and waits until the window has room; after the answer it settles the
// reservation to the provider's `usage` (an error without usage settles to
// the input estimate). A request larger than the whole limit fails at once.
// A 429 or the providers' rate-limit headers (OpenAI
// `x-ratelimit-remaining-tokens` / `x-ratelimit-reset-tokens`, Anthropic
// `anthropic-ratelimit-tokens-remaining` / `-reset`) hold the window up to
// MaxHold. Time comes from the injected Clock, so tests run on virtual time.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "llvm/Support/Error.h"
#include "runtime/llm/Clock.h"
#include "runtime/llm/Http.h"

namespace orch::llm {

/// A request larger than a provider's whole tokens_per_minute: it can
/// never be sent (final, not retried; a fused request's members ask alone).
class TokenLimitExceeded : public llvm::ErrorInfo<TokenLimitExceeded> {
 public:
  static char ID;
  explicit TokenLimitExceeded(std::string Msg) : Msg(std::move(Msg)) {}
  void log(llvm::raw_ostream &OS) const override { OS << Msg; }
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }

 private:
  std::string Msg;
};

/// The tokens one provider's requests may use in any 60 s window.
class TokenLimiter {
 public:
  using TimePoint = Clock::TimePoint;
  using WallClock = std::function<std::chrono::system_clock::time_point()>;
  /// The window's length.
  static constexpr std::chrono::milliseconds Window{60000};
  /// The longest a 429 or the provider's headers hold the window.
  static constexpr std::chrono::milliseconds MaxHold{120000};
  /// The longest one sleep while waiting (cancellation is seen this soon).
  static constexpr std::chrono::milliseconds Slice{100};

  /// \p Wall reads the wall clock (Anthropic's reset is a timestamp).
  TokenLimiter(
      std::string Provider, uint64_t PerMinute, Clock &Clk,
      WallClock Wall = [] { return std::chrono::system_clock::now(); });

  /// A reservation that reserve() granted.
  struct Reservation {
    uint64_t Id = 0;
    uint64_t Tokens = 0;
    std::chrono::milliseconds Waited{0};  ///< How long reserve() waited.
    TimePoint At{};                       ///< When it was granted.
  };

  /// Reserves \p Tokens, waiting until the window has room; \p Stop is
  /// asked between sleeps and ends the wait with an error when it says
  /// so. \p Tokens above the whole limit fail at once.
  llvm::Expected<Reservation> reserve(uint64_t Tokens, const std::function<bool()> &Stop);
  /// Takes \p Tokens at \p Now if the window has room; otherwise, in \p
  /// RetryAt, the earliest time it may have (no wait; for reserve() and
  /// tests). \p Tokens must not exceed the limit.
  std::optional<Reservation> tryReserve(uint64_t Tokens, TimePoint Now,
                                        TimePoint &RetryAt);
  /// The request of \p R used \p Actual tokens: its reservation becomes
  /// that (smaller: room for others; larger: later requests wait longer).
  void settle(const Reservation &R, uint64_t Actual);
  /// Reads the provider's answer: a 429 holds the window until its reset
  /// (Retry-After or the reset header, 1 s if neither), a remaining-tokens
  /// header bounds what may go out before the reset; both at most MaxHold.
  void observe(const HttpResponse &Resp);
  /// Holds the window until \p Until (at most MaxHold from now).
  void hold(TimePoint Until);

  /// Tokens counted in the window ending at \p Now.
  uint64_t used(TimePoint Now);
  uint64_t limit() const { return PerMinute; }
  const std::string &provider() const { return Provider; }

  /// A duration as OpenAI's reset headers give it (`1s`, `6m0s`, `20ms`,
  /// `1h2m3.5s`), or none.
  static std::optional<std::chrono::milliseconds> parseDuration(llvm::StringRef S);
  /// An RFC 3339 time (`2025-01-02T03:04:05Z`, fractions, offsets), or none.
  static std::optional<std::chrono::system_clock::time_point> parseRfc3339(
      llvm::StringRef S);

 private:
  struct Entry {
    TimePoint At;
    uint64_t Id;
    uint64_t Tokens;
  };
  void prune(TimePoint Now);
  /// The answer's Retry-After in seconds (none: absent or unreadable).
  static std::optional<std::chrono::milliseconds> retryAfter(const HttpResponse &Resp);
  /// How long from now the provider's reset is (none: unreadable).
  std::optional<std::chrono::milliseconds> resetIn(const HttpResponse &Resp);

  std::string Provider;
  uint64_t PerMinute;
  Clock &Clk;
  WallClock Wall;
  std::mutex M;
  std::deque<Entry> Entries;  ///< In the order granted (time order).
  uint64_t Sum = 0;           ///< Of Entries.
  TimePoint Latest{};         ///< The latest time the window was looked at.
  uint64_t NextId = 1;
  TimePoint HoldUntil{};
  /// What the provider said is left until RemainingUntil (none: no word).
  std::optional<uint64_t> Remaining;
  TimePoint RemainingUntil{};
};

}  // namespace orch::llm
