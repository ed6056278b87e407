//===- Literals.h - Jinja2's number and string literals --------*- C++ -*-===//
#pragma once

#include <string>

#include "llvm/ADT/StringRef.h"

namespace orch::frontend {

/// Decodes the body of a string literal (the text between the quotes) as
/// Jinja2 does, with Python's escapes: `\n` `\t` `\r` `\a` `\b` `\f` `\v`
/// `\\` `\'` `\"`, octal `\ooo`, `\xhh`, `\uhhhh`, `\Uhhhhhhhh`; any other
/// backslash stays as written. Returns false with \p Error for an escape
/// Python rejects or this implementation does not support (`\N{...}`,
/// surrogates, a backslash before a non-ASCII character).
bool decodeStringLiteral(llvm::StringRef Body, std::string &Out, std::string &Error);

/// Checks an integer literal as Jinja2 reads it: no leading zeros (`007`
/// is a syntax error, `00` is 0) and, here, no value past 2^63-1.
bool checkIntLiteral(llvm::StringRef Text, std::string &Error);

/// Checks a float literal: a value past the largest double (`1e309`) is an
/// error (Jinja2 3.1 folds it to `inf` and then fails with a NameError).
bool checkFloatLiteral(llvm::StringRef Text, std::string &Error);

}  // namespace orch::frontend
