//===- Unicode.h - Code points and Python's str case rules -----*- C++ -*-===//
//
// Template strings are text: Jinja2 runs on Python's str, so lengths,
// indexes and slices count code points, and case changes follow Python's
// full Unicode mappings (`"ß" | upper` is `SS`). The tables come from
// Python's unicodedata (scripts/gen-unicode-tables.py).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>

#include "llvm/ADT/StringRef.h"

namespace orch::ir {

/// A decoded string. Invalid UTF-8 bytes decode to U+FFFD, one each.
using CodePoints = std::u32string;

/// Decodes UTF-8 text.
CodePoints decodeUtf8(llvm::StringRef S);
/// Encodes code points as UTF-8 (surrogates and values past U+10FFFF
/// become U+FFFD).
std::string encodeUtf8(std::u32string_view S);
/// Appends one code point to \p Out as UTF-8.
void appendUtf8(std::string &Out, char32_t C);
/// The number of code points in \p S (an invalid byte counts as one).
size_t codePointCount(llvm::StringRef S);
/// The longest prefix of \p S of at most \p MaxBytes bytes that does not
/// end inside a UTF-8 sequence (for messages and labels that cut text).
llvm::StringRef utf8Prefix(llvm::StringRef S, size_t MaxBytes);

/// Python's str.upper, str.lower (with the Final_Sigma rule) and
/// str.capitalize on code points.
CodePoints toUpper(std::u32string_view S);
CodePoints toLower(std::u32string_view S);
CodePoints capitalize(std::u32string_view S);
/// Python's str.title: title case after an uncased character, lower case
/// after a cased one (Jinja2's `title` filter splits words differently).
CodePoints pyTitle(std::u32string_view S);
/// The title-case mapping of one code point (one to three code points).
CodePoints titleOf(char32_t C);

/// Python's str.isspace for one code point (regex `\s`).
bool isSpace(char32_t C);
/// Python's regex `\w`: str.isalnum or `_`.
bool isWordChar(char32_t C);
/// Python's str.isprintable for one code point (repr keeps it as is).
bool isPrintable(char32_t C);
/// The value of a decimal digit (any script), or -1.
int decimalValue(char32_t C);

/// The code point of windows-1252 byte \p B (Latin-1's, but for 0x80-0x9F;
/// the five bytes it leaves undefined stay the C1 controls of their value).
char32_t fromWindows1252(uint8_t B);
/// The windows-1252 byte of \p C, or -1 when it has none.
int toWindows1252(char32_t C);

}  // namespace orch::ir
