//===- JinjaRender.cpp - Renders expressions for the differential test ----===//
//
// Reads JSON lines `{"expr": "...", "inputs": {...}}` on stdin and writes
// one JSON line per case: `{"ok": true, "out": "..."}` or
// `{"ok": false, "error": "..."}` (the compiler's diagnostics).
//
//===----------------------------------------------------------------------===//
#include <iostream>
#include <string>

#include "RenderCase.h"

int main() {
  using json = orch::ir::Json;
  std::string Line;
  while (std::getline(std::cin, Line)) {
    json Case = json::parse(Line, nullptr, /*allow_exceptions=*/false);
    if (Case.is_discarded() || !Case.is_object() || !Case.contains("expr")) {
      std::cout << json{{"ok", false}, {"error", "bad case line"}}.dump() << '\n';
      continue;
    }
    orch::testing::CaseResult R = orch::testing::renderCase(
        Case["expr"].get<std::string>(), Case.value("inputs", json::object()));
    json Out = R.Ok ? json{{"ok", true}, {"out", R.Text}}
                    : json{{"ok", false}, {"error", R.Text}};
    std::cout << Out.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
  }
  return 0;
}
