//===- EventLine.h - An attempt's event line without a JSON tree -*- C++ -*-===//
//
// The writer's fast path for `attempt_start` and `attempt_end` (EventLog.h):
// when an attempt's record holds nothing the tree path would change (no
// value to redact by name, no secret to scrub, no text whose dump differs
// from the record's JSON text), its line is written straight from the
// record, byte for byte the line the tree path writes. Otherwise it says
// no, and the writer takes the tree path.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <string_view>

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "runtime/observe/EventLog.h"

namespace orch::observe {

/// The length of the valid UTF-8 sequence (RFC 3629: no overlong forms,
/// no surrogates) that starts with the non-ASCII byte at \p I of \p S, or
/// 0 if there is none.
size_t utf8SequenceLength(std::string_view S, size_t I);

/// Appends the line (with its newline) of attempt record \p R, whose text
/// is in \p Arena, to \p Out and returns true, when it can be written
/// without a tree:
///  - every text field (step, action, model, error) is valid UTF-8 with
///    no byte JSON escapes (`"`, `\`, below 0x20), so it is its own JSON;
///  - the value's JSON text (parameters or output) has no escape and no
///    floating-point number, so nlohmann's dump of it is the text itself;
///  - an `attempt_start`'s parameters have no `headers` or `env` member
///    and no `://` (nothing to redact by name, Redact.h);
///  - no text holds one of \p Secrets (nothing to scrub).
/// Otherwise leaves \p Out as it was and returns false.
bool appendPlainAttemptLine(const EventLog::AttemptRecord &R, llvm::StringRef Arena,
                            llvm::ArrayRef<std::string> Secrets, std::string &Out);

}  // namespace orch::observe
