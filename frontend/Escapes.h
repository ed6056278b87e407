//===- Escapes.h - Backslash escapes shared by the readers -----*- C++ -*-===//
#pragma once

#include <optional>

namespace orch::frontend {

/// The character a one-character backslash escape stands for (`\n`, `\t`,
/// `\r`, `\0`, `\\`, `\"`, `\'`, `\/`, `\ `), or nothing for any other.
/// YAML double-quoted scalars and template string literals share these;
/// each reader decides what an unknown escape means.
inline std::optional<char> simpleEscape(char E) {
  switch (E) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    case '0':
      return '\0';
    case '\\':
    case '"':
    case '\'':
    case '/':
    case ' ':
      return E;
    default:
      return std::nullopt;
  }
}

}  // namespace orch::frontend
