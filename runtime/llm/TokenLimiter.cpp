//===- TokenLimiter.cpp ---------------------------------------------------===//
#include "runtime/llm/TokenLimiter.h"

#include <fmt/format.h>

#include <algorithm>

#include "llvm/ADT/StringExtras.h"

namespace orch::llm {

char TokenLimitExceeded::ID = 0;

using std::chrono::milliseconds;

TokenLimiter::TokenLimiter(std::string Provider, uint64_t PerMinute, Clock &Clk,
                           WallClock Wall)
    : Provider(std::move(Provider)),
      PerMinute(std::max<uint64_t>(PerMinute, 1)),
      Clk(Clk),
      Wall(std::move(Wall)) {}

void TokenLimiter::prune(TimePoint Now) {
  while (!Entries.empty() && Entries.front().At + Window <= Now) {
    Sum -= Entries.front().Tokens;
    Entries.pop_front();
  }
}

uint64_t TokenLimiter::used(TimePoint Now) {
  std::lock_guard<std::mutex> L(M);
  Now = std::max(Now, Latest);
  Latest = Now;
  prune(Now);
  return Sum;
}

std::optional<TokenLimiter::Reservation> TokenLimiter::tryReserve(uint64_t Tokens,
                                                                  TimePoint Now,
                                                                  TimePoint &RetryAt) {
  std::lock_guard<std::mutex> L(M);
  // A caller that read its clock before another took the lock is moved to
  // the latest time seen here: an entry never goes before a later one (Entries stays
  // in time order), nor is it checked against a window that others have
  // already pruned past (with every entry pruned, a stale clock would see
  // an empty window that grants made since its reading still fill).
  Now = std::max(Now, Latest);
  Latest = Now;
  prune(Now);
  RetryAt = Now;
  if (Now < HoldUntil) RetryAt = HoldUntil;
  // The provider said how much is left before its reset.
  if (Remaining && Now < RemainingUntil && Tokens > *Remaining)
    RetryAt = std::max(RetryAt, RemainingUntil);
  if (Sum + Tokens > PerMinute) {
    // The first time enough of the oldest entries have left the window.
    uint64_t Left = Sum;
    for (const Entry &E : Entries) {
      Left -= E.Tokens;
      if (Left + Tokens <= PerMinute) {
        RetryAt = std::max(RetryAt, E.At + Window);
        break;
      }
    }
  }
  if (RetryAt > Now) return std::nullopt;
  Reservation R{NextId++, Tokens, milliseconds(0), Now};
  Entries.push_back({Now, R.Id, Tokens});
  Sum += Tokens;
  if (Remaining && Now < RemainingUntil) *Remaining -= std::min(*Remaining, Tokens);
  return R;
}

llvm::Expected<TokenLimiter::Reservation> TokenLimiter::reserve(
    uint64_t Tokens, const std::function<bool()> &Stop) {
  if (Tokens > PerMinute)
    return llvm::make_error<TokenLimitExceeded>(fmt::format(
        "the request needs about {} tokens (its size / 4 plus its max_tokens), more "
        "than provider `{}`'s whole limit of tokens_per_minute {}: it can never be sent",
        Tokens, Provider, PerMinute));
  TimePoint Start = Clk.now();
  for (;;) {
    if (Stop && Stop())
      return llvm::createStringError(fmt::format(
          "request to provider `{}` cancelled while waiting for tokens_per_minute",
          Provider));
    TimePoint Now = Clk.now(), RetryAt;
    if (std::optional<Reservation> R = tryReserve(Tokens, Now, RetryAt)) {
      R->Waited = std::chrono::duration_cast<milliseconds>(Now - Start);
      return *R;
    }
    // Slices: a settle that frees room, or a stop, is seen this soon.
    auto Due = std::chrono::duration_cast<milliseconds>(RetryAt - Now) + milliseconds(1);
    Clk.sleepFor(std::min<milliseconds>(Due, Slice));
  }
}

void TokenLimiter::settle(const Reservation &R, uint64_t Actual) {
  std::lock_guard<std::mutex> L(M);
  for (Entry &E : Entries)
    if (E.Id == R.Id) {
      Sum = Sum - E.Tokens + Actual;
      E.Tokens = Actual;
      return;
    }
  // Already out of the window: nothing to correct.
}

void TokenLimiter::hold(TimePoint Until) {
  std::lock_guard<std::mutex> L(M);
  HoldUntil = std::max(HoldUntil, std::min(Until, Clk.now() + MaxHold));
}

std::optional<milliseconds> TokenLimiter::parseDuration(llvm::StringRef S) {
  S = S.trim();
  if (S.empty()) return std::nullopt;
  double Total = 0;
  while (!S.empty()) {
    size_t N = 0;
    while (N < S.size() && (llvm::isDigit(S[N]) || S[N] == '.')) ++N;
    double V = 0;
    if (N == 0 || !llvm::to_float(S.take_front(N), V)) return std::nullopt;
    S = S.drop_front(N);
    // Units: h, m, s, ms (ms before m).
    static constexpr std::pair<const char *, double> Units[] = {
        {"ms", 0.001}, {"h", 3600}, {"m", 60}, {"s", 1}};
    bool Found = false;
    for (const auto &[Name, Seconds] : Units)
      if (S.consume_front(Name)) {
        Total += V * Seconds;
        Found = true;
        break;
      }
    if (!Found) return std::nullopt;
  }
  // A header from the network: anything beyond a year is a year (and no
  // double too large for an int64_t is converted).
  Total = std::min(Total, 365.0 * 24 * 3600);
  return milliseconds(static_cast<int64_t>(Total * 1000 + 0.5));
}

std::optional<std::chrono::system_clock::time_point> TokenLimiter::parseRfc3339(
    llvm::StringRef S) {
  S = S.trim();
  unsigned Y = 0, Mo = 0, D = 0, H = 0, Mi = 0, Se = 0;
  auto Num = [&](size_t Len, unsigned &Out) {
    if (S.size() < Len || S.take_front(Len).getAsInteger(10, Out)) return false;
    S = S.drop_front(Len);
    return true;
  };
  auto Sep = [&](llvm::StringRef Chars) {
    if (S.empty() || !Chars.contains(S.front())) return false;
    S = S.drop_front();
    return true;
  };
  if (!Num(4, Y) || !Sep("-") || !Num(2, Mo) || !Sep("-") || !Num(2, D) || !Sep("Tt ") ||
      !Num(2, H) || !Sep(":") || !Num(2, Mi) || !Sep(":") || !Num(2, Se))
    return std::nullopt;
  // Years the clock's nanoseconds hold (system_clock overflows after 2262).
  if (Y < 1970 || Y > 2200) return std::nullopt;
  double Frac = 0;
  if (S.consume_front(".")) {
    size_t N = 0;
    while (N < S.size() && llvm::isDigit(S[N])) ++N;
    if (N == 0) return std::nullopt;
    llvm::to_float(("0." + S.take_front(N)).str(), Frac);
    S = S.drop_front(N);
  }
  int Offset = 0;  // minutes east of UTC
  if (!Sep("Zz")) {
    if (S.empty() || (S.front() != '+' && S.front() != '-')) return std::nullopt;
    int Sign = S.front() == '+' ? 1 : -1;
    S = S.drop_front();
    unsigned OH = 0, OM = 0;
    if (!Num(2, OH) || !Sep(":") || !Num(2, OM)) return std::nullopt;
    Offset = Sign * int(OH * 60 + OM);
  }
  if (!S.empty() || Mo < 1 || Mo > 12 || D < 1 || D > 31 || H > 23 || Mi > 59 || Se > 60)
    return std::nullopt;
  using namespace std::chrono;
  year_month_day Date{year(int(Y)), month(Mo), day(D)};
  if (!Date.ok()) return std::nullopt;
  system_clock::time_point T = sys_days(Date);
  T += hours(H) + minutes(Mi) + seconds(Se) - minutes(Offset);
  T += duration_cast<system_clock::duration>(duration<double>(Frac));
  return T;
}

std::optional<milliseconds> TokenLimiter::retryAfter(const HttpResponse &Resp) {
  if (llvm::StringRef V = Resp.header("retry-after"); !V.empty()) {
    unsigned Seconds = 0;
    if (!V.trim().getAsInteger(10, Seconds)) return milliseconds(int64_t(Seconds) * 1000);
  }
  return std::nullopt;
}

std::optional<milliseconds> TokenLimiter::resetIn(const HttpResponse &Resp) {
  if (llvm::StringRef V = Resp.header("x-ratelimit-reset-tokens"); !V.empty())
    if (std::optional<milliseconds> D = parseDuration(V)) return *D;
  if (llvm::StringRef V = Resp.header("anthropic-ratelimit-tokens-reset"); !V.empty())
    if (auto T = parseRfc3339(V))
      return std::max(milliseconds(0),
                      std::chrono::duration_cast<milliseconds>(*T - Wall()));
  return retryAfter(Resp);
}

void TokenLimiter::observe(const HttpResponse &Resp) {
  TimePoint Now = Clk.now();
  if (Resp.Status == 429) {
    // Retry-After first: the token reset headers give the time until the
    // whole bucket is full again (often minutes), and a 429 may be the
    // request-rate limit's.
    std::optional<milliseconds> Wait = retryAfter(Resp);
    if (!Wait) Wait = resetIn(Resp);
    hold(Now + std::min(Wait.value_or(milliseconds(1000)), MaxHold));
    return;
  }
  std::optional<milliseconds> Reset = resetIn(Resp);
  llvm::StringRef Left = Resp.header("x-ratelimit-remaining-tokens");
  if (Left.empty()) Left = Resp.header("anthropic-ratelimit-tokens-remaining");
  uint64_t N = 0;
  if (Left.empty() || Left.trim().getAsInteger(10, N) || !Reset) return;
  std::lock_guard<std::mutex> L(M);
  Remaining = N;
  RemainingUntil = Now + std::min(*Reset, MaxHold);
}

}  // namespace orch::llm
