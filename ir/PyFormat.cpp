//===- PyFormat.cpp - Python's str.format ---------------------------------===//
#include "ir/PyFormat.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <optional>

#include "ir/MakeError.h"
#include "ir/PyOps.h"
#include "ir/PyText.h"
#include "ir/Unicode.h"

namespace orch::ir {

namespace {
using json = Json;

/// The largest precision taken: Python's own limit is far larger, but a
/// longer number is no text a template needs.
constexpr size_t MaxPrecision = 4096;

/// A parsed format spec: [[fill]align][sign][z][#][0][width][grouping]
/// [.precision][type].
struct Spec {
  char32_t Fill = U' ';
  char Align = 0;  ///< `<`, `>`, `=`, `^`, or 0: the type's default.
  char Sign = 0;   ///< `+`, `-`, ` `, or 0.
  bool NoNegZero = false, Alt = false, FillSet = false, ZeroFlag = false;
  size_t Width = 0;
  char Group = 0;  ///< `,`, `_`, or 0.
  std::optional<size_t> Precision;
  char Type = 0;
  bool Empty = true;
};

llvm::Expected<size_t> number(std::u32string_view S, size_t &I, llvm::StringRef What) {
  size_t N = 0;
  while (I < S.size() && S[I] >= U'0' && S[I] <= U'9') {
    N = N * 10 + (S[I++] - U'0');
    if (N > MaxValueBytes)
      return makeError(fmt::format("a `.format()` {} larger than {} is not supported",
                                   What.str(),
                                   What == "precision" ? MaxPrecision : MaxValueBytes));
  }
  return N;
}

bool isAlign(char32_t C) { return C == U'<' || C == U'>' || C == U'=' || C == U'^'; }

/// Python's parse_internal_render_format_spec.
llvm::Expected<Spec> parseSpec(std::u32string_view S) {
  Spec P;
  P.Empty = S.empty();
  size_t I = 0;
  if (S.size() >= 2 && isAlign(S[1])) {
    P.Fill = S[0], P.Align = static_cast<char>(S[1]), P.FillSet = true, I = 2;
  } else if (!S.empty() && isAlign(S[0])) {
    P.Align = static_cast<char>(S[0]), I = 1;
  }
  if (I < S.size() && (S[I] == U'+' || S[I] == U'-' || S[I] == U' '))
    P.Sign = static_cast<char>(S[I++]);
  if (I < S.size() && S[I] == U'z') P.NoNegZero = true, ++I;
  if (I < S.size() && S[I] == U'#') P.Alt = true, ++I;
  if (!P.FillSet && I < S.size() && S[I] == U'0') P.ZeroFlag = true, ++I;
  llvm::Expected<size_t> W = number(S, I, "width");
  if (!W) return W.takeError();
  P.Width = *W;
  if (I < S.size() && (S[I] == U',' || S[I] == U'_')) {
    P.Group = static_cast<char>(S[I++]);
    if (I < S.size() && (S[I] == U',' || S[I] == U'_'))
      return makeError("Cannot specify both ',' and '_'.");
  }
  if (I < S.size() && S[I] == U'.') {
    ++I;
    size_t Start = I;
    llvm::Expected<size_t> Pr = number(S, I, "precision");
    if (!Pr) return Pr.takeError();
    if (I == Start) return makeError("Format specifier missing precision");
    if (*Pr > MaxPrecision)
      return makeError(fmt::format(
          "a `.format()` precision larger than {} is not supported", MaxPrecision));
    P.Precision = *Pr;
  }
  if (S.size() - I > 1) return makeError("Invalid format specifier");
  if (I < S.size()) {
    if (S[I] > 0x7f) return makeError("Invalid format specifier");
    P.Type = static_cast<char>(S[I]);
  }
  if (P.Group) {
    llvm::StringRef Ok = P.Group == ',' ? "defgEFG%" : "defgEFG%boxX";
    if (P.Type && !Ok.contains(P.Type))
      return makeError(fmt::format("Cannot specify '{}' with '{}'.", P.Group, P.Type));
  }
  return P;
}

/// Pads \p Body (sign and prefix first, \p Lead code points of it) to the
/// spec's width, with the alignment \p Default when the spec has none.
llvm::Expected<std::string> pad(const Spec &P, std::u32string_view Body, size_t Lead,
                                char Default) {
  char Align = P.Align ? P.Align : Default;
  char32_t Fill = P.Fill;
  if (P.ZeroFlag) {
    Fill = U'0';
    if (!P.Align && Default == '>') Align = '=';
  }
  if (P.Width > MaxValueBytes) return makeError(describe(TextStatus::TooLarge));
  size_t N = P.Width > Body.size() ? P.Width - Body.size() : 0;
  if (N && P.Group && Align == '=' && Fill == U'0')
    return makeError(
        "zero padding with a thousands separator in `.format()` is not supported");
  // The size is known before anything is built: a width past the value
  // budget is an error, never an allocation of it.
  std::string Head = encodeUtf8(Body.substr(0, Lead));
  std::string Tail = encodeUtf8(Body.substr(Lead));
  std::string FillText;
  appendUtf8(FillText, Fill);
  size_t Size = Head.size() + Tail.size() + N * FillText.size();
  if (Size > MaxValueBytes) return makeError(describe(TextStatus::TooLarge));
  std::string Out;
  Out.reserve(Size);
  auto Fills = [&](size_t K) {
    if (FillText.size() == 1) return void(Out.append(K, FillText[0]));
    for (; K; --K) Out += FillText;
  };
  switch (Align) {
    case '<':
      Out += Head, Out += Tail, Fills(N);
      break;
    case '^':
      Fills(N / 2), Out += Head, Out += Tail, Fills(N - N / 2);
      break;
    case '=':
      Out += Head, Fills(N), Out += Tail;
      break;
    default:
      Fills(N), Out += Head, Out += Tail;
  }
  return Out;
}

/// Inserts \p Sep every \p Every digits into the leading digit run of \p S
/// (hexadecimal digits when \p Every is 4: an int's, which has no exponent).
std::string group(const std::string &S, char Sep, size_t Every) {
  if (!Sep) return S;
  size_t End = 0;
  auto Digit = [&](char C) {
    auto U = static_cast<unsigned char>(C);
    return Every == 4 ? std::isxdigit(U) != 0 : std::isdigit(U) != 0;
  };
  while (End < S.size() && Digit(S[End])) ++End;
  std::string Out;
  for (size_t I = 0; I < End; ++I) {
    if (I && (End - I) % Every == 0) Out += Sep;
    Out += S[I];
  }
  return Out + S.substr(End);
}

std::string signOf(const Spec &P, bool Negative) {
  if (Negative) return "-";
  if (P.Sign == '+') return "+";
  if (P.Sign == ' ') return " ";
  return "";
}

llvm::Expected<std::string> formatStr(const std::string &V, const Spec &P) {
  if (P.Type && P.Type != 's')
    return makeError(
        fmt::format("Unknown format code '{}' for object of type 'str'", P.Type));
  if (P.Sign) return makeError("Sign not allowed in string format specifier");
  if (P.NoNegZero)
    return makeError("Negative zero coercion (z) not allowed in format specifier");
  if (P.Alt)
    return makeError("Alternate form (#) not allowed in string format specifier");
  if (P.Group) return makeError(fmt::format("Cannot specify '{}' with 's'.", P.Group));
  if (P.Align == '=')
    return makeError("'=' alignment not allowed in string format specifier");
  CodePoints S = decodeUtf8(V);
  if (P.Precision && *P.Precision < S.size()) S.resize(*P.Precision);
  return pad(P, S, 0, '<');
}

std::string printfDouble(const char *Format, int Precision, double X) {
  int N = std::snprintf(nullptr, 0, Format, Precision, X);
  std::string Out(static_cast<size_t>(N) + 1, '\0');
  std::snprintf(Out.data(), Out.size(), Format, Precision, X);
  Out.resize(static_cast<size_t>(N));
  return Out;
}

/// Python's float formatting with no type and a precision: `g` that keeps
/// one digit after the point and goes to an exponent one digit earlier.
std::string shortG(double X, size_t Precision, bool Alt) {
  int Prec = static_cast<int>(Precision ? Precision : 1);
  std::string E = printfDouble("%.*e", Prec - 1, X);
  size_t EPos = E.find('e');
  std::string Digits = E.substr(0, 1) + (EPos > 2 ? E.substr(2, EPos - 2) : "");
  int Exp = std::stoi(E.substr(EPos + 1));
  if (!Alt)
    while (Digits.size() > 1 && Digits.back() == '0') Digits.pop_back();
  int DecPt = Exp + 1;
  if (DecPt <= -4 || DecPt > Prec - 1) {
    std::string Out = Digits.substr(0, 1);
    if (Digits.size() > 1 || Alt) Out += "." + Digits.substr(1);
    return Out + fmt::format("e{}{:02d}", Exp < 0 ? '-' : '+', std::abs(Exp));
  }
  if (DecPt <= 0) return "0." + std::string(static_cast<size_t>(-DecPt), '0') + Digits;
  size_t D = static_cast<size_t>(DecPt);
  if (D >= Digits.size()) return Digits + std::string(D - Digits.size(), '0') + ".0";
  return Digits.substr(0, D) + "." + Digits.substr(D);
}

llvm::Expected<std::string> formatFloat(double X, const Spec &P) {
  char T = P.Type;
  if (T && !llvm::StringRef("eEfFgGn%").contains(T))
    return makeError(
        fmt::format("Unknown format code '{}' for object of type 'float'", T));
  if (T == 'n' && P.Group) return makeError("Cannot specify ',' with 'n'.");
  bool Upper = T == 'E' || T == 'F' || T == 'G';
  bool Negative = std::signbit(X) && !std::isnan(X);
  double A = std::fabs(X);
  if (T == '%') A *= 100;
  std::string Body;
  if (std::isinf(A) || std::isnan(A)) {
    Body = std::isnan(A) ? "nan" : "inf";
  } else {
    int Prec = static_cast<int>(P.Precision.value_or(6));
    switch (T) {
      case 'e':
      case 'E':
        Body = printfDouble(P.Alt ? "%#.*e" : "%.*e", Prec, A);
        break;
      case 'f':
      case 'F':
      case '%':
        Body = printfDouble(P.Alt ? "%#.*f" : "%.*f", Prec, A);
        break;
      case 'g':
      case 'G':
      case 'n':
        Body = printfDouble(P.Alt ? "%#.*g" : "%.*g", Prec, A);
        break;
      default:
        if (!P.Precision) {
          appendFloatRepr(Body, A);
          // `#`: a point even without digits after it (`1.e-05`).
          if (P.Alt && Body.find('.') == std::string::npos)
            Body.insert(std::min(Body.find('e'), Body.size()), ".");
        } else {
          Body = shortG(A, *P.Precision, P.Alt);
        }
    }
    // `z`: a negative number that rounds to zero prints as zero.
    if (Negative && P.NoNegZero && Body.find_first_of("123456789") >= Body.find('e'))
      Negative = false;
  }
  if (Upper)
    for (char &C : Body)
      C = static_cast<char>(std::toupper(static_cast<unsigned char>(C)));
  Body = group(Body, P.Group, 3);
  if (T == '%') Body += '%';
  std::string Sign = signOf(P, Negative);
  return pad(P, decodeUtf8(Sign + Body), Sign.size(), '>');
}

llvm::Expected<std::string> formatInt(int64_t V, const Spec &P) {
  char T = P.Type;
  if (T && llvm::StringRef("eEfFgG%").contains(T))
    return formatFloat(static_cast<double>(V), P);
  if (T && !llvm::StringRef("bcdoxXn").contains(T))
    return makeError(fmt::format("Unknown format code '{}' for object of type 'int'", T));
  if (P.Precision) return makeError("Precision not allowed in integer format specifier");
  if (P.NoNegZero)
    return makeError(
        "Negative zero coercion (z) not allowed in integer format specifier");
  if (T == 'n' && P.Group) return makeError("Cannot specify ',' with 'n'.");
  if (T == 'c') {
    if (P.Sign) return makeError("Sign not allowed with integer format specifier 'c'");
    if (P.Alt)
      return makeError(
          "Alternate form (#) not allowed with integer format specifier 'c'");
    if (V < 0 || V > 0x10FFFF) return makeError("%c arg not in range(0x110000)");
    if (V >= 0xD800 && V <= 0xDFFF)
      return makeError(
          fmt::format("U+{:04X} is a surrogate, which a text here cannot hold", V));
    char32_t C = static_cast<char32_t>(V);
    return pad(P, std::u32string_view(&C, 1), 0, '>');
  }
  bool Negative = V < 0;
  uint64_t M = Negative ? 0 - static_cast<uint64_t>(V) : static_cast<uint64_t>(V);
  std::string Digits, Prefix;
  switch (T) {
    case 'b':
      Digits = fmt::format("{:b}", M), Prefix = "0b";
      break;
    case 'o':
      Digits = fmt::format("{:o}", M), Prefix = "0o";
      break;
    case 'x':
      Digits = fmt::format("{:x}", M), Prefix = "0x";
      break;
    case 'X':
      Digits = fmt::format("{:X}", M), Prefix = "0X";
      break;
    default:
      Digits = fmt::format("{}", M);
  }
  Digits = group(Digits, P.Group, Prefix.empty() ? 3 : 4);
  std::string Lead = signOf(P, Negative) + (P.Alt ? Prefix : "");
  return pad(P, decodeUtf8(Lead + Digits), Lead.size(), '>');
}

/// Python's format(V, Spec).
llvm::Expected<std::string> formatValue(const json &V, std::u32string_view SpecText) {
  llvm::Expected<Spec> P = parseSpec(SpecText);
  if (!P) return P.takeError();
  if (V.is_string()) return formatStr(V.get_ref<const std::string &>(), *P);
  if (V.is_boolean()) {
    if (P->Empty) return std::string(V.get<bool>() ? "True" : "False");
    return formatInt(V.get<bool>() ? 1 : 0, *P);
  }
  if (V.is_number_float()) return formatFloat(V.get<double>(), *P);
  if (V.is_number()) {
    std::optional<int64_t> I = asInt(V);
    if (!I) return makeError("integer is too large for `.format()`");
    return formatInt(*I, *P);
  }
  if (!P->Empty)
    return makeError(
        fmt::format("unsupported format string passed to {}.__format__", pyTypeName(V)));
  std::string Out;
  if (TextStatus St = appendPyStr(Out, V); St != TextStatus::Ok)
    return makeError(describe(St));
  return Out;
}

/// The formatter: one replacement field after another.
class Formatter {
 public:
  Formatter(llvm::ArrayRef<json> Pos, const json &Kw) : Pos(Pos), Kw(Kw) {}

  llvm::Expected<std::string> run(std::u32string_view F) {
    std::string Out;
    for (size_t I = 0; I < F.size();) {
      char32_t C = F[I];
      if (C == U'}') {
        if (I + 1 < F.size() && F[I + 1] == U'}') {
          Out += '}', I += 2;
          continue;
        }
        return makeError("Single '}' encountered in format string");
      }
      if (C != U'{') {
        appendUtf8(Out, C), ++I;
        continue;
      }
      if (I + 1 < F.size() && F[I + 1] == U'{') {
        Out += '{', I += 2;
        continue;
      }
      // The field runs to its matching `}`.
      size_t J = I + 1, Nest = 1;
      for (; J < F.size(); ++J) {
        if (F[J] == U'{') ++Nest;
        if (F[J] == U'}' && --Nest == 0) break;
      }
      if (J == F.size()) return makeError("expected '}' before end of string");
      llvm::Expected<std::string> Field = field(F.substr(I + 1, J - I - 1));
      if (!Field) return Field.takeError();
      if (Out.size() + Field->size() > MaxValueBytes)
        return makeError(describe(TextStatus::TooLarge));
      Out += *Field;
      I = J + 1;
    }
    return Out;
  }

 private:
  llvm::Expected<std::string> field(std::u32string_view F) {
    size_t End = 0;
    while (End < F.size() && F[End] != U'!' && F[End] != U':') ++End;
    std::u32string_view Name = F.substr(0, End);
    char32_t Conv = 0;
    std::u32string_view SpecText;
    if (End < F.size() && F[End] == U'!') {
      if (End + 1 >= F.size())
        return makeError("end of string while looking for conversion specifier");
      Conv = F[End + 1];
      End += 2;
      if (End < F.size() && F[End] != U':')
        return makeError("expected ':' after conversion specifier");
    }
    if (End < F.size()) SpecText = F.substr(End + 1);
    if (SpecText.find_first_of(U"{}") != std::u32string_view::npos)
      return makeError(
          "a nested replacement field in a `.format()` spec is not supported");
    llvm::Expected<const json *> V = argument(Name);
    if (!V) return V.takeError();
    if (!Conv) return formatValue(**V, SpecText);
    std::string Text;
    TextStatus St = TextStatus::Ok;
    if (Conv == U's')
      St = appendPyStr(Text, **V);
    else if (Conv == U'r')
      St = appendPyRepr(Text, **V);
    else if (Conv == U'a')
      return makeError("the `!a` conversion in `.format()` is not supported");
    else
      return makeError("Unknown conversion specifier");
    if (St != TextStatus::Ok) return makeError(describe(St));
    return formatValue(json(std::move(Text)), SpecText);
  }

  llvm::Expected<const json *> argument(std::u32string_view Name) {
    if (Name.find_first_of(U".[") != std::u32string_view::npos)
      return makeError(
          "attribute and index access in a `.format()` field is not supported");
    if (Name.empty()) {
      if (Manual)
        return makeError(
            "cannot switch from manual field specification to automatic field numbering");
      Auto = true;
      return positional(Next++);
    }
    bool Digits = true;
    for (char32_t C : Name) Digits = Digits && C >= U'0' && C <= U'9';
    if (Digits) {
      if (Auto)
        return makeError(
            "cannot switch from automatic field numbering to manual field specification");
      Manual = true;
      size_t N = 0;
      for (char32_t C : Name) {
        N = N * 10 + (C - U'0');
        if (N > 1000000) return makeError("Too many decimal digits in format string");
      }
      return positional(N);
    }
    std::string Key = encodeUtf8(Name);
    auto It = Kw.find(Key);
    if (It == Kw.end()) return makeError(fmt::format("KeyError: '{}'", Key));
    return &*It;
  }

  llvm::Expected<const json *> positional(size_t N) {
    if (N >= Pos.size())
      return makeError(
          fmt::format("Replacement index {} out of range for positional args tuple", N));
    return &Pos[N];
  }

  llvm::ArrayRef<json> Pos;
  const json &Kw;
  size_t Next = 0;
  bool Auto = false, Manual = false;
};

}  // namespace

llvm::Expected<std::string> pyStrFormat(llvm::StringRef Format,
                                        llvm::ArrayRef<json> Positional,
                                        const json &Keywords) {
  return Formatter(Positional, Keywords).run(decodeUtf8(Format));
}

}  // namespace orch::ir
