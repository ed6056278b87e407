//===- JinjaRender.cpp - Renders expressions for the differential test ----===//
//
// Reads JSON lines `{"expr": "...", "inputs": {...}}` (or `"template"`: a
// whole template) on stdin and writes
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
    bool IsTemplate = Case.is_object() && Case.contains("template");
    const char *Key = IsTemplate ? "template" : "expr";
    if (Case.is_discarded() || !Case.is_object() || !Case.contains(Key) ||
        !Case[Key].is_string()) {
      std::cout << json{{"ok", false}, {"error", "bad case line"}}.dump() << '\n';
      continue;
    }
    orch::testing::CaseResult R = orch::testing::renderCase(
        Case[Key].get<std::string>(), Case.value("inputs", json::object()), IsTemplate);
    json Out = R.Ok ? json{{"ok", true}, {"out", R.Text}}
                    : json{{"ok", false}, {"error", R.Text}};
    std::cout << Out.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
  }
  return 0;
}
