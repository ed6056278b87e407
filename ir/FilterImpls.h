//===- FilterImpls.h - One function a filter -------------------*- C++ -*-===//
#pragma once

#include "ir/Filters.h"

namespace orch::ir::filter {

using Result = llvm::Expected<std::optional<orch::ir::Json>>;
using Args = llvm::ArrayRef<orch::ir::Json>;

Result abs(const orch::ir::Json &V, Args A);
/// Items in lists of the given size, the last filled (FilterCollections.cpp).
Result batch(const orch::ir::Json &V, Args A);
/// A moment (Unix seconds or ISO 8601 text) in a strftime format
/// (FilterDate.cpp; an extension, ContextLab's).
Result date(const orch::ir::Json &V, Args A);
/// A mapping's [key, value] pairs sorted by key or value.
Result dictsort(const orch::ir::Json &V, Args A);
/// Every line but the first (and blank ones) indented.
Result indent(const orch::ir::Json &V, Args A);
/// Each item's attribute, or each item through another filter.
Result map(const orch::ir::Json &V, Args A);
/// Python's re.findall, re.search (the match or None) and re.sub
/// (FilterRegex.cpp; extensions, ContextLab's).
Result regexFindall(const orch::ir::Json &V, Args A);
Result regexReplace(const orch::ir::Json &V, Args A);
Result regexSearch(const orch::ir::Json &V, Args A);
/// Items whose attribute fails (rejectattr) or passes (selectattr) a test.
Result rejectattr(const orch::ir::Json &V, Args A);
Result selectattr(const orch::ir::Json &V, Args A);
/// The last path component, as Python's os.path.basename (an extension).
Result basename(const orch::ir::Json &V, Args A);
Result capitalize(const orch::ir::Json &V, Args A);
Result center(const orch::ir::Json &V, Args A);
Result defaultValue(const orch::ir::Json &V, Args A);
/// The path without its last component, as Python's os.path.dirname (an
/// extension).
Result dirname(const orch::ir::Json &V, Args A);
Result first(const orch::ir::Json &V, Args A);
Result toFloat(const orch::ir::Json &V, Args A);
/// JSON text to a value (an extension: ContextLab's `from_json`).
Result fromJson(const orch::ir::Json &V, Args A);
Result toInt(const orch::ir::Json &V, Args A);
Result join(const orch::ir::Json &V, Args A);
Result last(const orch::ir::Json &V, Args A);
Result list(const orch::ir::Json &V, Args A);
Result length(const orch::ir::Json &V, Args A);
Result lower(const orch::ir::Json &V, Args A);
Result max(const orch::ir::Json &V, Args A);
Result min(const orch::ir::Json &V, Args A);
/// The value unchanged: in a shell `command`, it is not quoted.
Result raw(const orch::ir::Json &V, Args A);
Result replace(const orch::ir::Json &V, Args A);
Result round(const orch::ir::Json &V, Args A);
/// The value's text as one POSIX shell word, in single quotes.
Result shellQuote(const orch::ir::Json &V, Args A);
Result pyLiteral(const orch::ir::Json &V, Args A);
Result pyQuote(const orch::ir::Json &V, Args A);
/// Lower case, every run of characters other than ASCII letters and digits
/// one `-`, no `-` at either end (an extension, ContextLab's).
Result slugify(const orch::ir::Json &V, Args A);
Result string(const orch::ir::Json &V, Args A);
Result sum(const orch::ir::Json &V, Args A);
Result title(const orch::ir::Json &V, Args A);
Result tojson(const orch::ir::Json &V, Args A);
Result trim(const orch::ir::Json &V, Args A);
Result truncate(const orch::ir::Json &V, Args A);
Result unique(const orch::ir::Json &V, Args A);
Result upper(const orch::ir::Json &V, Args A);
Result wordcount(const orch::ir::Json &V, Args A);

}  // namespace orch::ir::filter
