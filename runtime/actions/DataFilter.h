//===- DataFilter.h - The data.filter action -------------------*- C++ -*-===//
//
// `data.filter` keeps the rows of a table whose fields equal the values of
// `criteria` (Python's `==`): ContextLab's `data-processing` `filter`,
// whose result it answers. Rows come as a list of objects, or as JSON or
// CSV text; CSV in gives CSV out (docs/actions.md §15).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>

#include "ir/Json.h"
#include "llvm/Support/Error.h"
#include "runtime/actions/Action.h"

namespace orch::runtime {

/// `data.filter`: `input` (rows, or JSON or CSV text as `format` says),
/// `criteria` (field -> value) or ContextLab's `operation: {criteria}`.
ActionResult runDataFilter(const orch::ir::Json &Params);

/// Writes \p Rows (objects) as CSV, as Python's csv.DictWriter does with
/// the default dialect: the first row's keys are the header, fields are
/// quoted when they hold a comma, a quote or a line break (and a record
/// that is one empty field), and lines end with CRLF. A value that is not
/// text is written as Python's str() of it. A row that is not an object,
/// or has a field the header lacks, is an error, as DictWriter raises.
llvm::Expected<std::string> writeCsvRows(const orch::ir::Json &Rows);

}  // namespace orch::runtime
