//===- DataActions.h - ContextLab's data-processing actions ----*- C++ -*-===//
//
// The data.* actions do what ContextLab's `data-processing` tool does: clean
// and merge with pandas, on DataFrame (runtime/actions/DataFrame.h); the
// others as its own Python does (DataSummaries.cpp, DataTransform.cpp). They
// answer its result objects (docs/actions.md §24). Each is local: it
// finishes in the call.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "ir/Json.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "runtime/actions/Action.h"

namespace orch::runtime {

/// `data.clean`: drops duplicate rows, fills or drops missing cells
/// (`handle_missing`), and drops outliers of number columns (1.5 IQR).
ActionResult runDataClean(const orch::ir::Json &Params);

/// `data.merge`: stacks `datasets` (`combine` adds a `_source` column,
/// `concat` does not) or joins them on `join_on` (`join`).
ActionResult runDataMerge(const orch::ir::Json &Params);

/// `data.transform`: applies ContextLab's list of transformations (filter,
/// aggregate, rename_fields, add_field, deduplicate, cast, fill_missing,
/// calculate) and `normalize` to rows.
ActionResult runDataTransform(const orch::ir::Json &Params);

/// `data.profile`: per column its missing cells, kind (numeric, date,
/// string), statistics and outliers, and the duplicate rows.
ActionResult runDataProfile(const orch::ir::Json &Params);

/// `data.aggregate`: `aggregations` over the whole table or per `group_by`.
ActionResult runDataAggregate(const orch::ir::Json &Params);

/// `data.pivot`: `values` by `index` and `columns`, reduced by `aggfunc`.
ActionResult runDataPivot(const orch::ir::Json &Params);

/// `data.convert`: the data as JSON or CSV text.
ActionResult runDataConvert(const orch::ir::Json &Params);

}  // namespace orch::runtime
