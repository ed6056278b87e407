//===- XmlEscape.cpp ------------------------------------------------------===//
#include "ir/XmlEscape.h"

#include <cstdint>
#include <utility>

namespace orch::ir {

namespace {
/// The code point UTF-8 \p T holds at \p I and its length in bytes; an
/// invalid, overlong or cut sequence is one byte of code point ~0u.
std::pair<uint32_t, size_t> decodeUtf8(llvm::StringRef T, size_t I) {
  unsigned char B = T[I];
  if (B < 0x80) return {B, 1};
  size_t Len = B >= 0xF0 && B <= 0xF4 ? 4 : B >= 0xE0 ? 3 : B >= 0xC2 && B < 0xE0 ? 2 : 0;
  if (Len == 0 || I + Len > T.size()) return {~0u, 1};
  uint32_t C = B & (0x7F >> Len);
  for (size_t K = 1; K < Len; ++K) {
    unsigned char Next = T[I + K];
    if ((Next & 0xC0) != 0x80) return {~0u, 1};
    C = C << 6 | (Next & 0x3F);
  }
  static constexpr uint32_t Min[] = {0, 0, 0x80, 0x800, 0x10000};
  if (C < Min[Len] || C > 0x10FFFF) return {~0u, 1};
  return {C, Len};
}

/// Whether XML 1.0 can hold \p C (its `Char` production).
bool xmlChar(uint32_t C) {
  return C == 0x9 || C == 0xA || C == 0xD || (C >= 0x20 && C <= 0xD7FF) ||
         (C >= 0xE000 && C <= 0xFFFD) || (C >= 0x10000 && C <= 0x10FFFF);
}
}  // namespace

std::string xmlEscape(llvm::StringRef Text) {
  std::string Out;
  Out.reserve(Text.size());
  for (size_t I = 0; I < Text.size();) {
    auto [C, Len] = decodeUtf8(Text, I);
    switch (C) {
      case '&':
        Out += "&amp;";
        break;
      case '<':
        Out += "&lt;";
        break;
      case '>':
        Out += "&gt;";
        break;
      case '"':
        Out += "&quot;";
        break;
      case '\'':
        Out += "&#39;";
        break;
      default:
        if (C < 0x20 && C != '\t' && C != '\n') break;  // controls: dropped
        if (!xmlChar(C))
          Out += "\uFFFD";  // U+FFFE, U+FFFF, surrogates, invalid bytes
        else
          Out.append(Text.data() + I, Len);
    }
    I += Len;
  }
  return Out;
}

}  // namespace orch::ir
