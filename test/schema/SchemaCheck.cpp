//===- SchemaCheck.cpp - Validates cases for the schema differential test -===//
//
// Reads JSON lines `{"schema": ..., "data": ...}` on stdin and writes one
// JSON line per case: `{"schema_errors": [...]}` when checkSchema refuses
// the schema, else `{"errors": [[path, keyword], ...]}` from validateSchema
// (ir/SchemaValidate.h), in its order.
//
//===----------------------------------------------------------------------===//
#include <iostream>
#include <string>

#include "ir/JsonLimits.h"
#include "ir/SchemaValidate.h"

int main() {
  using json = orch::ir::Json;
  std::string Line;
  while (std::getline(std::cin, Line)) {
    json Case = orch::ir::parseJsonBounded(Line);
    if (Case.is_discarded() || !Case.is_object() || !Case.contains("schema")) {
      std::cout << json{{"schema_errors", {"bad case line"}}}.dump() << '\n';
      continue;
    }
    orch::ir::SchemaProblems P = orch::ir::checkSchema(Case["schema"]);
    json Out = json::object();
    if (!P.Errors.empty()) {
      json Errors = json::array();
      for (const orch::ir::SchemaProblem &E : P.Errors) Errors.push_back(E.text());
      Out["schema_errors"] = std::move(Errors);
    } else {
      json Errors = json::array();
      for (const orch::ir::SchemaViolation &V : orch::ir::validateSchema(
               Case["data"], Case["schema"], Case.value("limit", size_t(100000))))
        Errors.push_back(json::array({V.Path, V.Keyword, V.Message}));
      Out["errors"] = std::move(Errors);
    }
    std::cout << Out.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
  }
  return 0;
}
