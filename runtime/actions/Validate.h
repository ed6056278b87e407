//===- Validate.h - The validate action ------------------------*- C++ -*-===//
//
// `validate` checks a value against a JSON Schema (ir/SchemaValidate.h) and
// answers what it found, ContextLab's validation tool's result: `valid`,
// `errors`, `warnings`, `data`, `mode`, `rows_validated`. Data that does not
// conform is a result, not a failure, unless `fail_on_invalid` says so.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>

#include "ir/Json.h"
#include "llvm/Support/Error.h"
#include "runtime/actions/Action.h"

namespace orch::runtime {

/// `validate`: `data` (text is read as JSON, else as CSV with a header
/// line when the schema describes rows or a list, else as the text)
/// against `schema` in `mode` (strict, lenient, report_only).
ActionResult runValidate(const orch::ir::Json &Params);

/// Reads CSV text as Python's csv.DictReader does with the default
/// dialect: the first record names the fields, quoted fields may hold
/// commas, quotes (doubled) and newlines, blank lines are skipped, a short
/// record's missing fields are null, a quoted field left open ends with the
/// text. A record with more fields than the header is an error (Python
/// keeps the extra fields under the key None, which JSON cannot hold).
llvm::Expected<orch::ir::Json> parseCsvRecords(llvm::StringRef Text);

}  // namespace orch::runtime
