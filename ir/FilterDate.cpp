//===- FilterDate.cpp - date and strftime ---------------------------------===//
//
// `value | date(format)` and `value | strftime(format)`: Python's
// datetime.strftime of a moment given as Unix seconds (UTC) or as ISO 8601
// text (datetime.fromisoformat's common forms). The C locale's names; the
// directives are listed in docs/language.md. An extension: ContextLab's.
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include <cmath>

#include "ir/FilterImpls.h"
#include "ir/MakeError.h"
#include "ir/PyOps.h"
#include "llvm/ADT/StringExtras.h"

namespace orch::ir::filter {

using json = orch::ir::Json;

namespace {

/// A moment as its fields, and its offset from UTC if it has one.
struct Moment {
  int64_t Year = 1970, Month = 1, Day = 1, Hour = 0, Minute = 0, Second = 0, Micro = 0;
  bool Aware = false;
  int64_t OffsetMin = 0;
  bool Utc = false;  ///< From Unix seconds: %Z is `UTC`.
};

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
int64_t daysFromCivil(int64_t Y, int64_t M, int64_t D) {
  Y -= M <= 2;
  int64_t Era = (Y >= 0 ? Y : Y - 399) / 400;
  int64_t Yoe = Y - Era * 400;
  int64_t Doy = (153 * (M + (M > 2 ? -3 : 9)) + 2) / 5 + D - 1;
  int64_t Doe = Yoe * 365 + Yoe / 4 - Yoe / 100 + Doy;
  return Era * 146097 + Doe - 719468;
}

void civilFromDays(int64_t Z, Moment &M) {
  Z += 719468;
  int64_t Era = (Z >= 0 ? Z : Z - 146096) / 146097;
  int64_t Doe = Z - Era * 146097;
  int64_t Yoe = (Doe - Doe / 1460 + Doe / 36524 - Doe / 146096) / 365;
  int64_t Doy = Doe - (365 * Yoe + Yoe / 4 - Yoe / 100);
  int64_t Mp = (5 * Doy + 2) / 153;
  M.Day = Doy - (153 * Mp + 2) / 5 + 1;
  M.Month = Mp < 10 ? Mp + 3 : Mp - 9;
  M.Year = Yoe + Era * 400 + (M.Month <= 2);
}

bool leap(int64_t Y) { return (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0; }

int64_t daysIn(int64_t Y, int64_t M) {
  static const int Days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return M == 2 && leap(Y) ? 29 : Days[M - 1];
}

/// Exactly \p N digits at the front of \p S.
bool digits(llvm::StringRef &S, size_t N, int64_t &Out) {
  if (S.size() < N) return false;
  Out = 0;
  for (size_t I = 0; I < N; ++I) {
    if (!llvm::isDigit(S[I])) return false;
    Out = Out * 10 + (S[I] - '0');
  }
  S = S.drop_front(N);
  return true;
}

llvm::Expected<Moment> parseIso(llvm::StringRef Text) {
  auto Bad = [&] {
    return makeError(fmt::format(
        "`{}` is not a date this filter reads (ISO 8601: YYYY-MM-DD, optionally "
        "followed by THH:MM[:SS[.ffffff]] and Z or +HH:MM)",
        Text.str()));
  };
  Moment M;
  llvm::StringRef S = Text;
  if (!digits(S, 4, M.Year) || !S.consume_front("-") || !digits(S, 2, M.Month) ||
      !S.consume_front("-") || !digits(S, 2, M.Day))
    return Bad();
  if (M.Month < 1 || M.Month > 12 || M.Day < 1 || M.Day > daysIn(M.Year, M.Month) ||
      M.Year < 1)
    return Bad();
  if (S.empty()) return M;
  if (!S.consume_front("T") && !S.consume_front(" ")) return Bad();
  if (!digits(S, 2, M.Hour) || !S.consume_front(":") || !digits(S, 2, M.Minute))
    return Bad();
  if (S.consume_front(":")) {
    if (!digits(S, 2, M.Second)) return Bad();
    if (S.consume_front(".")) {
      size_t N = S.take_while(llvm::isDigit).size();
      if (N != 3 && N != 6) return Bad();
      if (!digits(S, N, M.Micro)) return Bad();
      if (N == 3) M.Micro *= 1000;
    }
  }
  if (M.Hour > 23 || M.Minute > 59 || M.Second > 59) return Bad();
  if (S.empty()) return M;
  if (S == "Z") {
    M.Aware = true;
    return M;
  }
  bool Neg = S.front() == '-';
  if (!S.consume_front("+") && !S.consume_front("-")) return Bad();
  int64_t H, Mi;
  if (!digits(S, 2, H) || !S.consume_front(":") || !digits(S, 2, Mi) || !S.empty() ||
      H > 23 || Mi > 59)
    return Bad();
  M.Aware = true;
  M.OffsetMin = (Neg ? -1 : 1) * (H * 60 + Mi);
  return M;
}

llvm::Expected<Moment> moment(const json &V) {
  if (V.is_string()) return parseIso(V.get_ref<const std::string &>());
  if (V.is_boolean() || !V.is_number())
    return makeError(
        fmt::format("`date` needs Unix seconds or ISO 8601 text, not {}", pyTypeName(V)));
  double Secs = V.get<double>();
  // 0001-01-01 to 9999-12-31, as Python's datetime.
  if (!std::isfinite(Secs) || Secs < -62135596800.0 || Secs >= 253402300800.0)
    return makeError("the timestamp is out of range");
  int64_t Whole = static_cast<int64_t>(std::floor(Secs));
  int64_t Micro = 0;
  if (V.is_number_float()) {
    // Python rounds to microseconds, half to even.
    Micro =
        static_cast<int64_t>(std::nearbyint((Secs - static_cast<double>(Whole)) * 1e6));
    if (Micro >= 1000000) {
      Whole += 1;
      Micro -= 1000000;
    }
  }
  Moment M;
  int64_t Days = Whole >= 0 ? Whole / 86400 : -((-Whole + 86399) / 86400);
  int64_t Rem = Whole - Days * 86400;
  civilFromDays(Days, M);
  M.Hour = Rem / 3600;
  M.Minute = Rem / 60 % 60;
  M.Second = Rem % 60;
  M.Micro = Micro;
  M.Aware = M.Utc = true;
  return M;
}

constexpr const char *Weekdays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                    "Friday", "Saturday", "Sunday"};
constexpr const char *Months[] = {"January",   "February", "March",    "April",
                                  "May",       "June",     "July",     "August",
                                  "September", "October",  "November", "December"};

llvm::Expected<std::string> formatMoment(const Moment &M, llvm::StringRef F) {
  std::string Out;
  int64_t Weekday =
      ((daysFromCivil(M.Year, M.Month, M.Day) % 7) + 7 + 3) % 7;  // Monday 0
  int64_t YearDay =
      daysFromCivil(M.Year, M.Month, M.Day) - daysFromCivil(M.Year, 1, 1) + 1;
  for (size_t I = 0; I < F.size(); ++I) {
    if (F[I] != '%') {
      Out += F[I];
      continue;
    }
    if (++I >= F.size()) return makeError("the format ends in a lone `%`");
    switch (F[I]) {
      case 'Y':
        Out += fmt::format("{}", M.Year);
        break;
      case 'y':
        Out += fmt::format("{:02}", M.Year % 100);
        break;
      case 'm':
        Out += fmt::format("{:02}", M.Month);
        break;
      case 'd':
        Out += fmt::format("{:02}", M.Day);
        break;
      case 'H':
        Out += fmt::format("{:02}", M.Hour);
        break;
      case 'I':
        Out += fmt::format("{:02}", M.Hour % 12 == 0 ? 12 : M.Hour % 12);
        break;
      case 'M':
        Out += fmt::format("{:02}", M.Minute);
        break;
      case 'S':
        Out += fmt::format("{:02}", M.Second);
        break;
      case 'f':
        Out += fmt::format("{:06}", M.Micro);
        break;
      case 'p':
        Out += M.Hour < 12 ? "AM" : "PM";
        break;
      case 'j':
        Out += fmt::format("{:03}", YearDay);
        break;
      case 'a':
        Out += llvm::StringRef(Weekdays[Weekday]).take_front(3).str();
        break;
      case 'A':
        Out += Weekdays[Weekday];
        break;
      case 'b':
        Out += llvm::StringRef(Months[M.Month - 1]).take_front(3).str();
        break;
      case 'B':
        Out += Months[M.Month - 1];
        break;
      case 'z':
        if (M.Aware) {
          int64_t O = M.OffsetMin < 0 ? -M.OffsetMin : M.OffsetMin;
          Out += fmt::format("{}{:02}{:02}", M.OffsetMin < 0 ? '-' : '+', O / 60, O % 60);
        }
        break;
      case 'Z':
        if (M.Aware) {
          int64_t O = M.OffsetMin < 0 ? -M.OffsetMin : M.OffsetMin;
          Out += M.OffsetMin == 0
                     ? std::string("UTC")
                     : fmt::format("UTC{}{:02}:{:02}", M.OffsetMin < 0 ? '-' : '+',
                                   O / 60, O % 60);
        }
        break;
      case '%':
        Out += '%';
        break;
      default:
        return makeError(
            fmt::format("the directive `%{}` is not supported by `date`", F[I]));
    }
    if (Out.size() > 1 << 20) return makeError("the formatted date is too long");
  }
  return Out;
}

}  // namespace

Result date(const json &V, Args A) {
  llvm::Expected<Moment> M = moment(V);
  if (!M) return M.takeError();
  std::string F = "%Y-%m-%d";
  if (!A.empty()) {
    if (!A[0].is_string())
      return makeError(
          fmt::format("the format of `date` must be a str, not {}", pyTypeName(A[0])));
    F = A[0].get<std::string>();
  }
  llvm::Expected<std::string> Out = formatMoment(*M, F);
  if (!Out) return Out.takeError();
  return std::optional<json>(json(std::move(*Out)));
}

}  // namespace orch::ir::filter
