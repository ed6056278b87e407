//===- InferOutputs.cpp - Structured outputs asked of model steps ---------===//
//
// `steps.X.output` is a model step's text. Every other field that a
// template reads (`steps.web_search.results`) makes the step ask its model
// for structured output with exactly those fields: this pass derives that
// JSON schema from the references, typed by what each use site tells
// (UseShape), and stores it on the step for the plan. A `generate` step
// with a `schema` parameter asks for that schema instead.
//
//===----------------------------------------------------------------------===//
#include <map>

#include "ir/Actions.h"
#include "ir/Json.h"
#include "ir/JsonSchema.h"
#include "passes/Pass.h"
#include "passes/SchemaParamCheck.h"

namespace orch::passes {

namespace {

using namespace ir;
using ordered_json = orch::ir::Json;

/// What the uses of one field agree on.
struct FieldShape {
  UseShape Shape = UseShape::Text;
  bool Seen = false;
  std::vector<std::string> Keys;  ///< Object properties read, in order.
  /// Read as a whole mapping (a dict method: `.get(k)`, `.keys()`), so
  /// keys beyond Keys may be read too.
  bool Open = false;
};

void merge(FieldShape &F, const StepUse &U) {
  if (U.Shape == UseShape::Object && U.Sub.empty()) F.Open = true;
  if (U.Shape == UseShape::Object && !U.Sub.empty() &&
      !llvm::is_contained(F.Keys, U.Sub.str()))
    F.Keys.push_back(U.Sub.str());
  if (!F.Seen) {
    F.Shape = U.Shape;
    F.Seen = true;
  } else if (F.Shape != U.Shape) {
    // Disagreeing uses: plain text is the one shape every use can print.
    F.Shape = F.Shape == UseShape::Object || U.Shape == UseShape::Object
                  ? UseShape::Object
                  : UseShape::Text;
  }
}

ordered_json schemaOf(const FieldShape &F) {
  switch (F.Shape) {
    case UseShape::List:
      return {{"type", "array"}, {"items", {{"type", "string"}}}};
    case UseShape::Number:
      return {{"type", "number"}};
    case UseShape::Bool:
      return {{"type", "boolean"}};
    case UseShape::Object: {
      ordered_json Props = ordered_json::object();
      for (const std::string &K : F.Keys) Props[K] = {{"type", "string"}};
      if (F.Open)
        return {{"type", "object"}, {"properties", Props}, {"required", F.Keys}};
      return {{"type", "object"},
              {"properties", Props},
              {"required", F.Keys},
              {"additionalProperties", false}};
    }
    case UseShape::Text:
      break;
  }
  return {{"type", "string"}};
}

class InferOutputsPass : public Pass {
 public:
  llvm::StringRef name() const override { return "infer-outputs"; }

  bool run(Pipeline &P, PassContext &) override {
    // Field name -> shape, per target step; fields in first-use order.
    std::vector<std::vector<std::pair<std::string, FieldShape>>> Fields(P.Steps.size());
    auto Note = [&](const StepUse &U) {
      // `status` and `error` come from the runtime, not from the model.
      if (U.Field.empty() || U.Field == "status" || U.Field == "error") return;
      auto &List = Fields[U.Target];
      auto It = std::find_if(List.begin(), List.end(),
                             [&](const auto &E) { return E.first == U.Field; });
      if (It == List.end()) {
        List.push_back({U.Field.str(), {}});
        It = List.end() - 1;
      }
      merge(It->second, U);
    };
    for (const Step &S : P.Steps)
      for (const StepUse &U : S.Uses) Note(U);
    for (const StepUse &U : P.OutputUses) Note(U);

    for (size_t I = 0; I < P.Steps.size(); ++I) {
      Step &S = P.Steps[I];
      S.OutputSchema = {};
      if (S.ActionAuto && !S.ActionAuto->Resolved) continue;
      // `extract` asks for the fields of its own `schema` parameter.
      const ActionInfo *A = findBuiltinAction(S.Action.Str);
      if (!isModelAction(S.Action.Str) || (A && A->Alone)) continue;
      // A `generate` step's own `schema` is its answer's (each field the
      // schema does not require may be null, then dropped: strict schemas
      // require them all); check-actions checked the reads against it.
      if (std::optional<Json> Own = generateSchema(S)) {
        S.OutputSchema = P.arena().save(withNullableOptionals(*Own).dump());
        continue;
      }
      auto &List = Fields[I];
      bool Structured =
          llvm::any_of(List, [](const auto &E) { return E.first != "output"; });
      if (!Structured) continue;
      ordered_json Props = ordered_json::object();
      std::vector<std::string> Required;
      for (const auto &[Name, Shape] : List) {
        Props[Name] =
            Name == "output"
                ? ordered_json{{"type", "string"}, {"description", "the answer as text"}}
                : schemaOf(Shape);
        Required.push_back(Name);
      }
      ordered_json Schema = {{"type", "object"},
                             {"properties", Props},
                             {"required", Required},
                             {"additionalProperties", false}};
      S.OutputSchema = P.arena().save(Schema.dump());
    }
    return true;
  }
};

}  // namespace

std::unique_ptr<Pass> createInferOutputsPass() {
  return std::make_unique<InferOutputsPass>();
}

}  // namespace orch::passes
