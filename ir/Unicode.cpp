//===- Unicode.cpp --------------------------------------------------------===//
#include "ir/Unicode.h"

#include <algorithm>
#include <iterator>

namespace orch::ir {

namespace {

struct CaseRun {
  uint32_t First, Last;
  int32_t Delta;
  uint8_t Step;
};
struct CaseMulti {
  uint32_t Cp;
  uint32_t Out[3];
};
struct Range {
  uint32_t First, Last;
};
struct DecimalRun {
  uint32_t First, Last;
  uint8_t Value;
};

#include "ir/UnicodeTables.inc"

template <typename T, size_t N>
const T *findRun(const T (&Table)[N], char32_t C) {
  const T *It = std::upper_bound(std::begin(Table), std::end(Table), C,
                                 [](char32_t X, const T &R) { return X < R.First; });
  if (It == std::begin(Table)) return nullptr;
  --It;
  return C <= It->Last ? It : nullptr;
}

template <size_t N>
bool inRanges(const Range (&Table)[N], char32_t C) {
  return findRun(Table, C) != nullptr;
}

/// Appends the mapping of \p C by one case table.
template <size_t R, size_t M>
void mapCase(const CaseRun (&Runs)[R], const CaseMulti (&Multi)[M], char32_t C,
             CodePoints &Out) {
  const CaseMulti *X =
      std::lower_bound(std::begin(Multi), std::end(Multi), C,
                       [](const CaseMulti &E, char32_t V) { return E.Cp < V; });
  if (X != std::end(Multi) && X->Cp == C) {
    for (uint32_t O : X->Out)
      if (O) Out.push_back(O);
    return;
  }
  if (const CaseRun *Run = findRun(Runs, C))
    if ((C - Run->First) % Run->Step == 0) {
      Out.push_back(static_cast<char32_t>(static_cast<int64_t>(C) + Run->Delta));
      return;
    }
  Out.push_back(C);
}

bool isCased(char32_t C) { return inRanges(Cased, C); }
bool isCaseIgnorable(char32_t C) { return inRanges(CaseIgnorable, C); }

/// Python's Final_Sigma context for the capital sigma at \p I of \p S:
/// a cased letter before it and none after it, skipping case-ignorables.
bool finalSigma(std::u32string_view S, size_t I) {
  size_t J = I;
  while (J > 0 && isCaseIgnorable(S[J - 1])) --J;
  if (J == 0 || !isCased(S[J - 1])) return false;
  size_t K = I + 1;
  while (K < S.size() && isCaseIgnorable(S[K])) ++K;
  return K == S.size() || !isCased(S[K]);
}

void lowerInto(std::u32string_view S, size_t From, CodePoints &Out) {
  for (size_t I = From; I < S.size(); ++I) {
    if (S[I] == 0x3A3) {
      Out.push_back(finalSigma(S, I) ? 0x3C2 : 0x3C3);
      continue;
    }
    mapCase(LowerRuns, LowerMulti, S[I], Out);
  }
}

}  // namespace

CodePoints decodeUtf8(llvm::StringRef S) {
  CodePoints Out;
  Out.reserve(S.size());
  const auto *P = reinterpret_cast<const unsigned char *>(S.data());
  size_t N = S.size();
  for (size_t I = 0; I < N;) {
    unsigned char B = P[I];
    if (B < 0x80) {
      Out.push_back(B);
      ++I;
      continue;
    }
    unsigned Len = B >= 0xC2 && B <= 0xDF   ? 2
                   : B >= 0xE0 && B <= 0xEF ? 3
                   : B >= 0xF0 && B <= 0xF4 ? 4
                                            : 0;
    char32_t C = Len == 2 ? B & 0x1F : Len == 3 ? B & 0x0F : B & 0x07;
    bool Ok = Len != 0 && I + Len <= N;
    for (unsigned K = 1; Ok && K < Len; ++K) {
      if ((P[I + K] & 0xC0) != 0x80) Ok = false;
      C = (C << 6) | (P[I + K] & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid.
    if (Ok && ((Len == 3 && (C < 0x800 || (C >= 0xD800 && C <= 0xDFFF))) ||
               (Len == 4 && (C < 0x10000 || C > 0x10FFFF))))
      Ok = false;
    if (!Ok) {
      Out.push_back(0xFFFD);
      ++I;
      continue;
    }
    Out.push_back(C);
    I += Len;
  }
  return Out;
}

void appendUtf8(std::string &Out, char32_t C) {
  if ((C >= 0xD800 && C <= 0xDFFF) || C > 0x10FFFF) C = 0xFFFD;
  if (C < 0x80) {
    Out += static_cast<char>(C);
  } else if (C < 0x800) {
    Out += static_cast<char>(0xC0 | (C >> 6));
    Out += static_cast<char>(0x80 | (C & 0x3F));
  } else if (C < 0x10000) {
    Out += static_cast<char>(0xE0 | (C >> 12));
    Out += static_cast<char>(0x80 | ((C >> 6) & 0x3F));
    Out += static_cast<char>(0x80 | (C & 0x3F));
  } else {
    Out += static_cast<char>(0xF0 | (C >> 18));
    Out += static_cast<char>(0x80 | ((C >> 12) & 0x3F));
    Out += static_cast<char>(0x80 | ((C >> 6) & 0x3F));
    Out += static_cast<char>(0x80 | (C & 0x3F));
  }
}

std::string encodeUtf8(std::u32string_view S) {
  std::string Out;
  Out.reserve(S.size());
  for (char32_t C : S) appendUtf8(Out, C);
  return Out;
}

size_t codePointCount(llvm::StringRef S) {
  bool Ascii = std::all_of(S.begin(), S.end(),
                           [](char C) { return static_cast<unsigned char>(C) < 0x80; });
  return Ascii ? S.size() : decodeUtf8(S).size();
}

llvm::StringRef utf8Prefix(llvm::StringRef S, size_t MaxBytes) {
  if (S.size() <= MaxBytes) return S;
  size_t Cut = MaxBytes;
  while (Cut > 0 && (static_cast<unsigned char>(S[Cut]) & 0xC0) == 0x80) --Cut;
  return S.take_front(Cut);
}

CodePoints toUpper(std::u32string_view S) {
  CodePoints Out;
  Out.reserve(S.size());
  for (char32_t C : S) mapCase(UpperRuns, UpperMulti, C, Out);
  return Out;
}

CodePoints toLower(std::u32string_view S) {
  CodePoints Out;
  Out.reserve(S.size());
  lowerInto(S, 0, Out);
  return Out;
}

CodePoints titleOf(char32_t C) {
  CodePoints Out;
  mapCase(TitleRuns, TitleMulti, C, Out);
  return Out;
}

CodePoints capitalize(std::u32string_view S) {
  if (S.empty()) return {};
  CodePoints Out = titleOf(S[0]);
  lowerInto(S, 1, Out);
  return Out;
}

CodePoints pyTitle(std::u32string_view S) {
  // CPython's do_title: title case after an uncased character, lower case
  // (Final_Sigma included) after a cased one.
  CodePoints Out;
  Out.reserve(S.size());
  bool PrevCased = false;
  for (size_t I = 0; I < S.size(); ++I) {
    if (!PrevCased)
      mapCase(TitleRuns, TitleMulti, S[I], Out);
    else if (S[I] == 0x3A3)
      Out.push_back(finalSigma(S, I) ? 0x3C2 : 0x3C3);
    else
      mapCase(LowerRuns, LowerMulti, S[I], Out);
    PrevCased = isCased(S[I]);
  }
  return Out;
}

bool isSpace(char32_t C) { return inRanges(Space, C); }
bool isWordChar(char32_t C) { return inRanges(Alnum, C); }
bool isPrintable(char32_t C) { return inRanges(Printable, C); }

int decimalValue(char32_t C) {
  if (C >= '0' && C <= '9') return static_cast<int>(C - '0');
  const DecimalRun *R = findRun(Decimal, C);
  return R ? R->Value + static_cast<int>(C - R->First) : -1;
}

namespace {
constexpr char16_t Cp1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};
}  // namespace

char32_t fromWindows1252(uint8_t B) {
  return B >= 0x80 && B <= 0x9F ? Cp1252High[B - 0x80] : char32_t(B);
}

int toWindows1252(char32_t C) {
  if (C < 0x80 || (C >= 0xA0 && C <= 0xFF)) return static_cast<int>(C);
  for (int I = 0; I < 32; ++I)
    if (Cp1252High[I] == C) return 0x80 + I;
  return -1;
}

}  // namespace orch::ir
