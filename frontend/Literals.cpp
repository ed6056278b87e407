//===- Literals.cpp -------------------------------------------------------===//
#include "frontend/Literals.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

#include "ir/Unicode.h"
#include "llvm/ADT/StringExtras.h"

namespace orch::frontend {

bool decodeStringLiteral(llvm::StringRef Body, std::string &Out, std::string &Error) {
  Out.clear();
  Out.reserve(Body.size());
  // A line break in the literal is one `\n` whatever its spelling, and a
  // backslash before one removes it (Jinja2 normalizes the literal's line
  // breaks, then decodes it as Python's unicode-escape, where `\` and a
  // line break continue the line).
  auto LineBreak = [&](size_t &I) {
    if (Body[I] != '\r' && Body[I] != '\n') return false;
    if (Body[I] == '\r' && I + 1 < Body.size() && Body[I + 1] == '\n') ++I;
    return true;
  };
  for (size_t I = 0; I < Body.size(); ++I) {
    char C = Body[I];
    if (LineBreak(I)) {
      Out += '\n';
      continue;
    }
    if (C != '\\' || I + 1 == Body.size()) {
      Out += C;
      continue;
    }
    char E = Body[++I];
    if (LineBreak(I)) continue;
    switch (E) {
      case '\\':
      case '\'':
      case '"':
        Out += E;
        continue;
      case 'a':
        Out += '\a';
        continue;
      case 'b':
        Out += '\b';
        continue;
      case 'f':
        Out += '\f';
        continue;
      case 'n':
        Out += '\n';
        continue;
      case 'r':
        Out += '\r';
        continue;
      case 't':
        Out += '\t';
        continue;
      case 'v':
        Out += '\v';
        continue;
      case 'N':
        Error = "named Unicode escapes (`\\N{...}`) are not supported";
        return false;
      default:
        break;
    }
    if (E >= '0' && E <= '7') {
      uint32_t V = 0;
      size_t N = 0;
      while (N < 3 && I < Body.size() && Body[I] >= '0' && Body[I] <= '7')
        V = V * 8 + static_cast<uint32_t>(Body[I++] - '0'), ++N;
      --I;
      ir::appendUtf8(Out, V);
      continue;
    }
    if (E == 'x' || E == 'u' || E == 'U') {
      size_t Digits = E == 'x' ? 2 : E == 'u' ? 4 : 8;
      llvm::StringRef Hex = Body.substr(I + 1, Digits);
      uint32_t V = 0;
      if (Hex.size() != Digits || !llvm::all_of(Hex, llvm::isHexDigit) ||
          Hex.getAsInteger(16, V)) {
        Error = fmt::format("truncated `\\{}` escape: it needs {} hex digits", E, Digits);
        return false;
      }
      if (V > 0x10FFFF) {
        Error = fmt::format("`\\{}{}` is not a Unicode character", E, Hex.str());
        return false;
      }
      if (V >= 0xD800 && V <= 0xDFFF) {
        Error = fmt::format("`\\{}{}` is a surrogate, not a character", E, Hex.str());
        return false;
      }
      ir::appendUtf8(Out, V);
      I += Digits;
      continue;
    }
    if (static_cast<unsigned char>(E) >= 0x80) {
      Error = "a backslash before a non-ASCII character is not supported";
      return false;
    }
    Out += '\\';  // Python keeps unknown escapes: `\d` is two characters
    Out += E;
  }
  return true;
}

bool checkIntLiteral(llvm::StringRef Text, std::string &Error) {
  if (Text.size() > 1 && Text[0] == '0' && Text.find_first_not_of('0') != Text.npos) {
    Error = fmt::format("integer literal `{}` has a leading zero", Text.str());
    return false;
  }
  int64_t V = 0;
  if (Text.getAsInteger(10, V)) {
    Error = fmt::format("integer literal `{}` is larger than 9223372036854775807",
                        Text.str());
    return false;
  }
  return true;
}

bool checkFloatLiteral(llvm::StringRef Text, std::string &Error) {
  if (std::isinf(std::strtod(Text.str().c_str(), nullptr))) {
    Error = fmt::format("float literal `{}` is too large", Text.str());
    return false;
  }
  return true;
}

}  // namespace orch::frontend
