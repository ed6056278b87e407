//===- PyText.cpp ---------------------------------------------------------===//
#include "ir/PyText.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "ir/Unicode.h"

namespace orch::ir {

using json = orch::ir::Json;

std::string describe(TextStatus S) {
  return S == TextStatus::TooDeep ? "the value is nested more than " +
                                        std::to_string(MaxEvalValueDepth) + " levels deep"
                                  : "the result would be larger than the limit of 64 MiB";
}

namespace {

void appendHex(std::string &Out, uint32_t V, int Digits) {
  static const char *Hex = "0123456789abcdef";
  for (int I = Digits - 1; I >= 0; --I) Out += Hex[(V >> (4 * I)) & 0xF];
}

void appendReprString(std::string &Out, llvm::StringRef S) {
  char Quote = S.contains('\'') && !S.contains('"') ? '"' : '\'';
  Out += Quote;
  for (char32_t C : decodeUtf8(S)) {
    if (C == static_cast<char32_t>(Quote) || C == '\\') {
      Out += '\\';
      Out += static_cast<char>(C);
    } else if (C == '\t') {
      Out += "\\t";
    } else if (C == '\n') {
      Out += "\\n";
    } else if (C == '\r') {
      Out += "\\r";
    } else if (C < 0x20 || C == 0x7F) {
      Out += "\\x";
      appendHex(Out, C, 2);
    } else if (C < 0x7F || isPrintable(C)) {
      appendUtf8(Out, C);
    } else if (C <= 0xFF) {
      Out += "\\x";
      appendHex(Out, C, 2);
    } else if (C <= 0xFFFF) {
      Out += "\\u";
      appendHex(Out, C, 4);
    } else {
      Out += "\\U";
      appendHex(Out, C, 8);
    }
  }
  Out += Quote;
}

void appendNumber(std::string &Out, const json &V) {
  if (V.is_number_float())
    appendFloatRepr(Out, V.get<double>());
  else if (V.is_number_unsigned())
    Out += std::to_string(V.get<uint64_t>());
  else
    Out += std::to_string(V.get<int64_t>());
}

TextStatus appendContainer(std::string &Out, const json &V, unsigned Depth,
                           TextStatus (*Item)(std::string &, const json &, unsigned)) {
  if (Depth >= MaxEvalValueDepth) return TextStatus::TooDeep;
  bool List = V.is_array();
  Out += List ? '[' : '{';
  bool First = true;
  for (auto It = V.begin(); It != V.end(); ++It) {
    if (!First) Out += ", ";
    First = false;
    if (!List) {
      appendReprString(Out, It.key());
      Out += ": ";
    }
    if (TextStatus S = Item(Out, *It, Depth + 1); S != TextStatus::Ok) return S;
    if (Out.size() > MaxValueBytes) return TextStatus::TooLarge;
  }
  Out += List ? ']' : '}';
  return TextStatus::Ok;
}

void appendJsonString(std::string &Out, llvm::StringRef S) {
  Out += '"';
  for (char32_t C : decodeUtf8(S)) {
    switch (C) {
      case '"':
        Out += "\\\"";
        continue;
      case '\\':
        Out += "\\\\";
        continue;
      case '\n':
        Out += "\\n";
        continue;
      case '\r':
        Out += "\\r";
        continue;
      case '\t':
        Out += "\\t";
        continue;
      case '\b':
        Out += "\\b";
        continue;
      case '\f':
        Out += "\\f";
        continue;
      default:
        break;
    }
    if (C >= 0x20 && C < 0x7F) {
      Out += static_cast<char>(C);
    } else if (C <= 0xFFFF) {
      Out += "\\u";
      appendHex(Out, C, 4);
    } else {
      char32_t V = C - 0x10000;
      Out += "\\u";
      appendHex(Out, 0xD800 | (V >> 10), 4);
      Out += "\\u";
      appendHex(Out, 0xDC00 | (V & 0x3FF), 4);
    }
  }
  Out += '"';
}

TextStatus appendJson(std::string &Out, const json &V, const std::string *Indent,
                      unsigned Depth) {
  if (Out.size() > MaxValueBytes) return TextStatus::TooLarge;
  if (V.is_null()) {
    Out += "null";
  } else if (V.is_boolean()) {
    Out += V.get<bool>() ? "true" : "false";
  } else if (V.is_number_float()) {
    double D = V.get<double>();
    if (std::isnan(D))
      Out += "NaN";
    else if (std::isinf(D))
      Out += D > 0 ? "Infinity" : "-Infinity";
    else
      appendFloatRepr(Out, D);
  } else if (V.is_number()) {
    appendNumber(Out, V);
  } else if (V.is_string()) {
    appendJsonString(Out, V.get_ref<const std::string &>());
  } else {
    if (Depth >= MaxEvalValueDepth) return TextStatus::TooDeep;
    bool List = V.is_array();
    if (V.empty()) {
      Out += List ? "[]" : "{}";
      return TextStatus::Ok;
    }
    auto NewLine = [&](unsigned Level) {
      Out += '\n';
      for (unsigned I = 0; I < Level && Out.size() <= MaxValueBytes; ++I) Out += *Indent;
    };
    Out += List ? '[' : '{';
    bool First = true;
    auto Item = [&](const std::string *Key, const json &X) {
      if (!First) Out += Indent ? "," : ", ";
      First = false;
      if (Indent) NewLine(Depth + 1);
      if (Key) {
        appendJsonString(Out, *Key);
        Out += ": ";
      }
      if (TextStatus S = appendJson(Out, X, Indent, Depth + 1); S != TextStatus::Ok)
        return S;
      return Out.size() > MaxValueBytes ? TextStatus::TooLarge : TextStatus::Ok;
    };
    // json.dumps(sort_keys=True): keys in code point (UTF-8 byte) order.
    if (List) {
      for (const json &X : V)
        if (TextStatus S = Item(nullptr, X); S != TextStatus::Ok) return S;
    } else {
      for (const auto *E : sortedItems(V))
        if (TextStatus S = Item(&E->first, E->second); S != TextStatus::Ok) return S;
    }
    if (Indent) NewLine(Depth);
    Out += List ? ']' : '}';
  }
  return Out.size() > MaxValueBytes ? TextStatus::TooLarge : TextStatus::Ok;
}

/// Python's string-to-number preparation: white space stripped, digits of
/// any script as ASCII. Fails on characters that cannot be part of a number.
std::optional<std::string> asciiNumber(llvm::StringRef S) {
  CodePoints Cs = decodeUtf8(S);
  size_t B = 0, E = Cs.size();
  while (B < E && isSpace(Cs[B])) ++B;
  while (E > B && isSpace(Cs[E - 1])) --E;
  std::string Out;
  for (size_t I = B; I < E; ++I) {
    char32_t C = Cs[I];
    if (int D = decimalValue(C); D >= 0)
      Out += static_cast<char>('0' + D);
    else if (C < 0x80)
      Out += static_cast<char>(C);
    else
      return std::nullopt;
  }
  return Out;
}

bool isDigit(char C) { return C >= '0' && C <= '9'; }

/// Removes `_` that stand between two digits; fails on any other `_`.
std::optional<std::string> dropUnderscores(const std::string &S) {
  std::string Out;
  for (size_t I = 0; I < S.size(); ++I) {
    if (S[I] != '_') {
      Out += S[I];
      continue;
    }
    if (I == 0 || I + 1 == S.size() || !isDigit(S[I - 1]) || !isDigit(S[I + 1]))
      return std::nullopt;
  }
  return Out;
}

}  // namespace

void appendFloatRepr(std::string &Out, double D) {
  if (std::isnan(D)) {
    Out += "nan";
    return;
  }
  if (std::isinf(D)) {
    Out += D < 0 ? "-inf" : "inf";
    return;
  }
  char Buf[64];
  auto R = std::to_chars(Buf, Buf + sizeof(Buf), D, std::chars_format::scientific);
  llvm::StringRef Sci(Buf, static_cast<size_t>(R.ptr - Buf));
  bool Neg = Sci.consume_front("-");
  auto [Mant, ExpText] = Sci.split('e');
  std::string Digits = Mant.str();
  Digits.erase(std::remove(Digits.begin(), Digits.end(), '.'), Digits.end());
  int Exp = std::atoi(ExpText.str().c_str());
  int DecPt = Exp + 1;
  if (Neg) Out += '-';
  int N = static_cast<int>(Digits.size());
  if (DecPt > -4 && DecPt <= 16) {
    if (DecPt <= 0) {
      Out += "0.";
      Out.append(static_cast<size_t>(-DecPt), '0');
      Out += Digits;
    } else if (DecPt >= N) {
      Out += Digits;
      Out.append(static_cast<size_t>(DecPt - N), '0');
      Out += ".0";
    } else {
      Out += Digits.substr(0, static_cast<size_t>(DecPt));
      Out += '.';
      Out += Digits.substr(static_cast<size_t>(DecPt));
    }
    return;
  }
  Out += Digits[0];
  if (N > 1) {
    Out += '.';
    Out += Digits.substr(1);
  }
  int E = DecPt - 1;
  Out += E < 0 ? "e-" : "e+";
  if (std::abs(E) < 10) Out += '0';
  Out += std::to_string(std::abs(E));
}

TextStatus appendPyRepr(std::string &Out, const json &V, unsigned Depth) {
  if (V.is_null())
    Out += "None";
  else if (V.is_boolean())
    Out += V.get<bool>() ? "True" : "False";
  else if (V.is_number())
    appendNumber(Out, V);
  else if (V.is_string())
    appendReprString(Out, V.get_ref<const std::string &>());
  else
    return appendContainer(Out, V, Depth, [](std::string &O, const json &X, unsigned D) {
      return appendPyRepr(O, X, D);
    });
  return Out.size() > MaxValueBytes ? TextStatus::TooLarge : TextStatus::Ok;
}

TextStatus appendPyStr(std::string &Out, const json &V) {
  if (V.is_string()) {
    Out += V.get_ref<const std::string &>();
    return Out.size() > MaxValueBytes ? TextStatus::TooLarge : TextStatus::Ok;
  }
  return appendPyRepr(Out, V);
}

TextStatus appendPyJson(std::string &Out, const json &V, const std::string *Indent) {
  size_t Start = Out.size();
  TextStatus S = appendJson(Out, V, Indent, 0);
  if (S != TextStatus::Ok) return S;
  // Jinja2's htmlsafe_json_dumps, over the whole text (indent included).
  std::string Safe;
  for (size_t I = Start; I < Out.size(); ++I) {
    char C = Out[I];
    if (C == '<')
      Safe += "\\u003c";
    else if (C == '>')
      Safe += "\\u003e";
    else if (C == '&')
      Safe += "\\u0026";
    else if (C == '\'')
      Safe += "\\u0027";
    else
      Safe += C;
  }
  Out.resize(Start);
  Out += Safe;
  return Out.size() > MaxValueBytes ? TextStatus::TooLarge : TextStatus::Ok;
}

size_t approxBytes(const json &V, size_t Cap) {
  // An explicit stack: values from inputs may nest deeply.
  size_t Total = 0;
  std::vector<const json *> Todo{&V};
  while (!Todo.empty() && Total < Cap) {
    const json *X = Todo.back();
    Todo.pop_back();
    if (X->is_string()) {
      Total += X->get_ref<const std::string &>().size() + 2;
    } else if (X->is_array() || X->is_object()) {
      Total += 2;
      for (auto It = X->begin(); It != X->end(); ++It) {
        if (X->is_object()) Total += It.key().size() + 4;
        Todo.push_back(&*It);
      }
    } else {
      Total += 8;
    }
  }
  return Total;
}

IntParse parsePyInt(llvm::StringRef S, int64_t &Out) {
  std::optional<std::string> A = asciiNumber(S);
  if (!A) return IntParse::Invalid;
  llvm::StringRef T(*A);
  bool Neg = false;
  if (T.consume_front("-"))
    Neg = true;
  else
    T.consume_front("+");
  std::optional<std::string> Digits = dropUnderscores(T.str());
  if (!Digits || Digits->empty() || !std::all_of(Digits->begin(), Digits->end(), isDigit))
    return IntParse::Invalid;
  // Magnitudes up to 2^63, so that -2^63 fits.
  uint64_t Mag = 0;
  for (char C : *Digits) {
    uint64_t D = static_cast<uint64_t>(C - '0');
    if (Mag > (uint64_t(1) << 63) / 10 || Mag * 10 > (uint64_t(1) << 63) - D)
      return IntParse::TooLarge;
    Mag = Mag * 10 + D;
  }
  if (!Neg && Mag > static_cast<uint64_t>(INT64_MAX)) return IntParse::TooLarge;
  Out = Neg ? static_cast<int64_t>(0 - Mag) : static_cast<int64_t>(Mag);
  return IntParse::Ok;
}

std::optional<double> parsePyFloat(llvm::StringRef S) {
  std::optional<std::string> A = asciiNumber(S);
  if (!A) return std::nullopt;
  llvm::StringRef T(*A);
  std::string Sign;
  if (T.starts_with("-") || T.starts_with("+")) {
    Sign = T.substr(0, 1).str();
    T = T.drop_front();
  }
  std::string Low = T.lower();
  if (Low == "inf" || Low == "infinity") return Sign == "-" ? -HUGE_VAL : HUGE_VAL;
  if (Low == "nan") return std::nan("");
  std::optional<std::string> Clean = dropUnderscores(T.str());
  if (!Clean) return std::nullopt;
  // digits [. [digits]] | . digits, then [eE [sign] digits].
  llvm::StringRef R(*Clean);
  size_t I = 0, IntDigits = 0, FracDigits = 0;
  while (I < R.size() && isDigit(R[I])) ++I, ++IntDigits;
  if (I < R.size() && R[I] == '.') {
    ++I;
    while (I < R.size() && isDigit(R[I])) ++I, ++FracDigits;
  }
  if (IntDigits + FracDigits == 0) return std::nullopt;
  if (I < R.size() && (R[I] == 'e' || R[I] == 'E')) {
    ++I;
    if (I < R.size() && (R[I] == '+' || R[I] == '-')) ++I;
    size_t ExpDigits = 0;
    while (I < R.size() && isDigit(R[I])) ++I, ++ExpDigits;
    if (ExpDigits == 0) return std::nullopt;
  }
  if (I != R.size()) return std::nullopt;
  std::string Full = Sign + R.str();
  return std::strtod(Full.c_str(), nullptr);
}

std::optional<int64_t> asInt(const json &V) {
  if (V.is_boolean()) return V.get<bool>() ? 1 : 0;
  if (V.is_number_unsigned()) {
    uint64_t U = V.get<uint64_t>();
    if (U > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(U);
  }
  if (V.is_number_integer()) return V.get<int64_t>();
  return std::nullopt;
}

bool isHugeInt(const json &V) {
  return V.is_number_unsigned() && V.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX);
}

const json *findHugeInt(const json &V) {
  if (isHugeInt(V)) return &V;
  if (V.is_structured())
    for (const json &X : V)  // a mapping's values, in its order
      if (const json *H = findHugeInt(X)) return H;
  return nullptr;
}

std::string describeHugeInt(llvm::StringRef Digits) {
  return "integer `" + Digits.str() +
         "` does not fit in 64 bits (integers here are at most 9223372036854775807)";
}

}  // namespace orch::ir
