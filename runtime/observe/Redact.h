//===- Redact.h - Keeping secrets out of events ----------------*- C++ -*-===//
//
// The event log's two defences: redaction by structure (the values of a
// step's secret headers and secret `env` entries, the credentials of URLs)
// and scrubbing of known secret values from every string of an event,
// before it is serialised (so a value JSON would escape is still found).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <vector>

#include "ir/Json.h"
#include "llvm/ADT/ArrayRef.h"

namespace orch::observe {

/// Replaces every occurrence of each of \p Secrets in the strings of \p J
/// (object keys and string values, at any depth) by `[redacted]`.
void scrubSecrets(orch::ir::Json &J, llvm::ArrayRef<std::string> Secrets);

/// Redacts a step's rendered parameters \p Params by structure: the values
/// of `headers` entries named like credentials (ir::secretHeaderName), of
/// `env` entries named like secrets (ir::secretEnvName), and the userinfo
/// and token query values of URLs in every string. Returns the values it
/// removed that are long enough (8 bytes) to scrub elsewhere.
std::vector<std::string> redactParameters(orch::ir::Json &Params);

}  // namespace orch::observe
