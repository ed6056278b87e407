//===- DataAction.cpp - Runs data actions for the pandas differential test -===//
//
// Reads JSON lines `{"action": "data.clean", "params": {...}}` (any data.*
// action but data.filter) on stdin and
// writes one JSON line per case: `{"ok": true, "value": ...}` (the action's
// ContextLab result object) or `{"ok": false, "error": "..."}`.
//
//===----------------------------------------------------------------------===//
#include <iostream>
#include <string>

#include "ir/JsonLimits.h"
#include "llvm/ADT/STLExtras.h"
#include "runtime/actions/DataActions.h"

int main() {
  using json = orch::ir::Json;
  using namespace orch::runtime;
  std::string Line;
  while (std::getline(std::cin, Line)) {
    json Case = orch::ir::parseJsonBounded(Line);
    json Out = json::object();
    if (Case.is_discarded() || !Case.is_object()) {
      Out = {{"ok", false}, {"error", "bad case line"}};
    } else {
      static constexpr std::pair<llvm::StringLiteral, ActionResult (*)(const json &)>
          Actions[] = {
              {"data.aggregate", runDataAggregate}, {"data.clean", runDataClean},
              {"data.convert", runDataConvert},     {"data.merge", runDataMerge},
              {"data.pivot", runDataPivot},         {"data.profile", runDataProfile},
              {"data.transform", runDataTransform}};
      std::string Action = Case.value("action", "");
      const auto *A =
          llvm::find_if(Actions, [&](const auto &X) { return X.first == Action; });
      if (A == std::end(Actions)) {
        Out = {{"ok", false}, {"error", "unknown action " + Action}};
      } else {
        ActionResult R = A->second(Case["params"]);
        Out = R.Ok ? json{{"ok", true}, {"value", R.Fields["value"]}}
                   : json{{"ok", false}, {"error", R.Error}};
      }
    }
    std::cout << Out.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
  }
  return 0;
}
