//===- Secrets.h - Names and URLs that carry secrets ------------*- C++ -*-===//
//
// One place that knows what a secret looks like by its name: the compiler
// warns about secret-looking `env` names (`StepEnvSecret`), and the
// runtime's event log and error texts redact them.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>

#include "llvm/ADT/StringRef.h"

namespace orch::ir {

/// Does the variable name \p Name look like a provider key or another
/// secret (`*_API_KEY`, `*_APIKEY`, `*_KEY`, `*_TOKEN`, `*_SECRET`,
/// `*PASSWORD*`, `API_KEY`), case-insensitively?
bool secretEnvName(llvm::StringRef Name);

/// The narrower set `orchc` warns about in a step's `env:`
/// (`StepEnvSecret`): `*_API_KEY`, `*_TOKEN`, `*_SECRET`, `*_PASSWORD` and
/// `API_KEY`, case-insensitively. Redaction uses secretEnvName().
bool providerSecretEnvName(llvm::StringRef Name);

/// Does the HTTP header \p Name carry a credential (`Authorization`,
/// `Proxy-Authorization`, `Cookie`, `Set-Cookie`, `*api-key*`, `*apikey*`,
/// `*token*`, `*secret*`, `*password*`), case-insensitively?
bool secretHeaderName(llvm::StringRef Name);

/// \p Text with the credentials of every URL in it replaced by
/// `[redacted]`: the userinfo (`user:pw@`) and the values of query
/// parameters whose names look secret (`key`, `api-key`, `token`, `sig`,
/// `password`, ...).
std::string redactUrlCredentials(llvm::StringRef Text);

}  // namespace orch::ir
