//===- ConnUrl.h - Passwords in libpq connection URLs ----------*- C++ -*-===//
//
// A conservative reading of a `postgresql://` URL, shared by orchc (which
// refuses a URL with a password: it would land in the plan) and orchrt's
// state store (which shows a URL without one). It does not mirror libpq's
// grammar; it errs towards "holds a password":
//  - userinfo: a `:` followed by an `@` anywhere counts as `user:pw@`
//    (libpq stops at the first `/`, but a password with an unencoded `/` is
//    still a password), from that `:` to the last `@`;
//  - every `key=value` after a `?` or `&` anywhere counts (a `?` in the user
//    name does not hide a query from libpq); keys are percent-decoded (libpq
//    decodes them), and `password`, `sslpassword`, or any key holding a `%`
//    at all, count as a password.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>

#include "llvm/ADT/StringRef.h"

namespace orch::ir {

/// \p S with `%XX` escapes decoded (a malformed escape is kept as is).
std::string percentDecode(llvm::StringRef S);

/// May the connection URL \p Url carry a password (see above)?
bool connUrlHasPassword(llvm::StringRef Url);

/// \p Url with what connUrlHasPassword counts as a password replaced by
/// `***` (the whole userinfo after its first `:`, and the query values).
std::string redactConnUrl(llvm::StringRef Url);

/// \p Text (a message from libpq about \p Url) with every piece of what
/// connUrlHasPassword counts as a password, as written and percent-decoded,
/// replaced by `***` (libpq quotes a malformed value, or a port read from
/// what was meant as a password).
std::string scrubConnSecrets(llvm::StringRef Url, llvm::StringRef Text);

}  // namespace orch::ir
