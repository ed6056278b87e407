//===- DataFrameFuzzer.cpp - libFuzzer entry for the data.* actions -------===//
//
// The input's first byte picks options; the rest is a step's data, as text:
// read as CSV (pandas' read_csv) and as JSON or CSV rows, then run through
// every data action (clean, merge with itself, transform, profile,
// aggregate, pivot, convert). Any crash, sanitizer report, hang or escaping
// exception is a bug; each result must serialize.
//
//===----------------------------------------------------------------------===//
#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/actions/DataActions.h"
#include "runtime/actions/DataFrame.h"

namespace {

using json = orch::ir::Json;

void dump(const json &V) { (void)V.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  using namespace orch::runtime;
  if (Size == 0) return 0;
  uint8_t Opt = Data[0];
  std::string Text(reinterpret_cast<const char *>(Data) + 1, Size - 1);
  if (llvm::Expected<DataFrame> F = frameOfCsv(Text)) {
    dump(frameRecords(*F));
    (void)frameCsv(*F);
  } else {
    llvm::consumeError(F.takeError());
  }
  if (llvm::Expected<json> Read = readData(json(Text), "json")) {
    if (llvm::Expected<DataFrame> F = frameOf(*Read))
      dump(frameRecords(*F));
    else
      llvm::consumeError(F.takeError());
  } else {
    llvm::consumeError(Read.takeError());
  }
  static const char *const Missing[] = {"drop",        "forward_fill", "backward_fill",
                                        "interpolate", "mean",         "keep"};
  static const char *const How[] = {"inner", "left", "right", "outer"};
  json In(Text);
  dump(runDataClean({{"input", In},
                     {"handle_missing", Missing[Opt % 6]},
                     {"remove_outliers", bool(Opt & 8)},
                     {"format", Opt & 16 ? "csv" : "json"}})
           .Fields);
  json Sets = json::array({{{"name", "a"}, {"data", In}}, {{"name", "b"}, {"data", In}}});
  dump(runDataMerge({{"datasets", Sets},
                     {"merge_strategy", Opt & 32 ? "join" : "combine"},
                     {"join_type", How[(Opt >> 6) & 3]}})
           .Fields);
  dump(runDataTransform(
           {{"input", In}, {"operations", json::parse(R"([{"type": "normalize"},
                 {"type": "deduplicate", "columns": ["a", "b"]},
                 {"type": "calculate", "expressions": {"p": "a * b"}},
                 {"type": "cast", "columns": {"a": "integer", "b": "float"}}])")}})
           .Fields);
  dump(runDataProfile({{"input", In}}).Fields);
  dump(runDataAggregate(
           {{"input", In},
            {"group_by", "a"},
            {"aggregations", {{"b", "sum"}, {"c", "median"}, {"n", "count"}}}})
           .Fields);
  dump(runDataPivot({{"input", In}, {"index", "a"}, {"columns", "b"}, {"values", "c"}})
           .Fields);
  dump(runDataConvert({{"input", In}, {"output_format", Opt & 1 ? "csv" : "json"}})
           .Fields);
  return 0;
}
