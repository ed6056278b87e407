//===- AutoSpec.cpp - Typing AUTO tags and building their prompts ---------===//
#include "passes/AutoSpec.h"

#include <fmt/format.h>

#include "ir/Actions.h"
#include "ir/Eval.h"
#include "ir/Filters.h"
#include "ir/JsonLimits.h"
#include "ir/Printer.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"
#include "passes/SchemaParamCheck.h"

namespace orch::passes {

using json = orch::ir::Json;

namespace {

json typeSchema(ir::Type T) {
  switch (T) {
    case ir::Type::Bool:
      return {{"type", "boolean"}};
    case ir::Type::Int:
      return {{"type", "integer"}};
    case ir::Type::Float:
      return {{"type", "number"}};
    case ir::Type::String:
      return {{"type", "string"}};
    case ir::Type::List:
      return {{"type", "array"}, {"items", {{"type", "string"}}}};
    case ir::Type::Map:
      return {{"type", "object"}};
    default:
      return nullptr;
  }
}

/// A value as the user wrote it: templates with `{{ }}` around their
/// expressions as written, AUTO tags as `<AUTO>…</AUTO>`, lists and maps in
/// flow style; never the IR printer's notation.
void showValue(std::string &Out, const ir::Value *V) {
  if (!V) {
    Out += "null";
    return;
  }
  switch (V->kind()) {
    case ir::Value::Kind::Scalar: {
      const ir::Scalar &Sc = llvm::cast<ir::ScalarValue>(V)->scalar();
      Out +=
          Sc.Ty == ir::Type::String ? Sc.S.str() : ir::toJsonText(ir::scalarToJson(Sc));
      return;
    }
    case ir::Value::Kind::Template:
      for (const ir::Segment &S : llvm::cast<ir::TemplateValue>(V)->segments()) {
        if (S.K == ir::Segment::Kind::Text) {
          Out += S.Text;
        } else if (S.K == ir::Segment::Kind::Expr) {
          std::string E = S.Text.str();
          if (E.empty()) {
            llvm::raw_string_ostream OS(E);
            ir::printExpr(OS, S.E);
          }
          Out += "{{ " + E + " }}";
        } else {
          Out += "<AUTO>" + S.Tag->Text.str() + "</AUTO>";
        }
      }
      return;
    case ir::Value::Kind::Auto:
      Out += "<AUTO>" + llvm::cast<ir::AutoValue>(V)->tag()->Text.str() + "</AUTO>";
      return;
    case ir::Value::Kind::List: {
      Out += '[';
      bool First = true;
      for (const ir::Value *I : llvm::cast<ir::ListValue>(V)->items()) {
        Out += First ? "" : ", ";
        First = false;
        showValue(Out, I);
      }
      Out += ']';
      return;
    }
    case ir::Value::Kind::Map: {
      Out += '{';
      bool First = true;
      for (const ir::MapEntry &E : llvm::cast<ir::MapValue>(V)->entries()) {
        Out += First ? "" : ", ";
        First = false;
        Out += E.Key.str() + ": ";
        showValue(Out, E.V);
      }
      Out += '}';
      return;
    }
  }
}

std::string show(const ir::Value *V) {
  std::string S;
  showValue(S, V);
  // One line per value: a block scalar's line breaks are shown escaped.
  for (size_t I = 0; (I = S.find_first_of("\r\n", I)) != std::string::npos; I += 2)
    S.replace(I, 1, S[I] == '\n' ? "\\n" : "\\r");
  if (S.size() > 200) {
    size_t Cut = 197;  // never inside a UTF-8 sequence
    while (Cut > 0 && (static_cast<unsigned char>(S[Cut]) & 0xC0) == 0x80) --Cut;
    S = S.substr(0, Cut) + "...";
  }
  return S;
}

}  // namespace

json formatSpecSchema() {
  return {{"type", "object"},
          {"properties",
           {{"schema_json",
             {{"type", "string"}, {"description", "a JSON Schema for the value"}}},
            {"description", {{"type", "string"}}}}}};
}

/// May a step with \p St's parameters run \p Action? LLM tasks take any.
static bool actionFits(const ir::Step &St, llvm::StringRef Action) {
  const ir::ActionInfo *A = ir::findBuiltinAction(Action);
  if (!A) return true;
  llvm::ArrayRef<ir::MapEntry> Entries;
  if (St.Params) Entries = St.Params->entries();
  for (const ir::MapEntry &E : Entries)
    if (!llvm::any_of(A->Params,
                      [&](const ir::ActionParam &P) { return P.Name == E.Key; }))
      return false;
  for (const ir::ActionParam &P : A->Params)
    if (P.Required &&
        !llvm::any_of(Entries, [&](const ir::MapEntry &E) { return E.Key == P.Name; }))
      return false;
  return true;
}

namespace {

/// The array properties \p Schema (an object schema) requires, in order.
std::vector<std::string> requiredArrays(const json &Schema) {
  std::vector<std::string> Out;
  if (!Schema.contains("properties") || !Schema["properties"].is_object() ||
      !Schema.contains("required") || !Schema["required"].is_array())
    return Out;
  for (const auto &[K, V] : Schema["properties"].items())
    if (V.is_object() && V.value("type", json()) == "array" &&
        std::find(Schema["required"].begin(), Schema["required"].end(), json(K)) !=
            Schema["required"].end())
      Out.push_back(K);
  return Out;
}

}  // namespace

std::vector<LoopList> loopListChoices(const ir::Pipeline &P, int Step) {
  std::vector<LoopList> Out;
  if (Step < 0) return Out;
  auto InBody = [&](uint32_t J) {
    for (int32_t L = P.Steps[J].Parent; L >= 0; L = P.Steps[L].Parent)
      if (L == Step) return true;
    return false;
  };
  for (const ir::LocString &Dep : P.Steps[Step].DepNames) {
    std::optional<uint32_t> J = P.findStep(Dep.Str);
    if (!J || InBody(*J)) continue;  // resolve-names and resolve-deps report these
    const ir::Step &D = P.Steps[*J];
    auto Add = [&](std::vector<std::string> Fields) {
      std::string Text = D.Id.Str.str();
      for (const std::string &F : Fields) Text += "." + F;
      if (llvm::none_of(Out, [&](const LoopList &L) { return L.Text == Text; }))
        Out.push_back({*J, std::move(Fields), std::move(Text)});
    };
    if (std::optional<json> Schema = generateSchema(D)) {
      for (const std::string &K : requiredArrays(*Schema)) Add({K});
      continue;
    }
    const ir::ActionInfo *A = ir::findBuiltinAction(D.Action.Str);
    if (!A) continue;
    if (A->Name == "extract") {  // its answer's fields sit under `data`
      for (const ir::MapEntry &E :
           D.Params ? D.Params->entries() : llvm::ArrayRef<ir::MapEntry>())
        if (E.Key == "schema")
          if (std::optional<json> Schema = constantJson(E.V)) {
            if (Schema->is_string())  // JSON text, as `extract` takes it
              Schema = ir::parseJsonBounded(Schema->get<std::string>());
            if (Schema->is_object())
              for (const std::string &K : requiredArrays(*Schema)) Add({"data", K});
          }
      continue;
    }
    // A checker's problems are not data to iterate.
    for (const ir::ActionField &F : A->Fields)
      if (F.Ty == ir::Type::List && F.Name != "errors" && F.Name != "warnings")
        Add({F.Name.str()});
  }
  return Out;
}

AutoSpec buildAutoSpec(const ir::Pipeline &P, const ir::AutoTag &T, int Step,
                       llvm::StringRef Field, const AutoDomain &D) {
  AutoSpec S;
  llvm::StringRef Param = llvm::StringRef(T.Path).rsplit('.').second;
  // 1. The field fixes the domain.
  if (Field == "action" && !D.Actions.empty()) {
    // Built-in actions only where the step's parameters fit them.
    for (const std::string &A : D.Actions)
      if (Step < 0 || actionFits(P.Steps[Step], A)) S.Choices.push_back(A);
    S.Ty = ir::Type::String;
    S.Why = "field `action`: a known action";
  } else if (Field == "model" && !D.ModelNames.empty()) {
    S.Choices = D.ModelNames;
    S.Ty = ir::Type::String;
    S.Why = "field `model`: a registry model";
  } else if (Field == "dependencies") {
    S.Ty = ir::Type::List;
    json Ids = json::array();
    for (size_t I = 0; I < P.Steps.size(); ++I)
      if (static_cast<int>(I) != Step) Ids.push_back(P.Steps[I].Id.Str.str());
    S.Schema = json{{"type", "array"}, {"items", {{"type", "string"}, {"enum", Ids}}}};
    S.Why = "field `dependencies`: existing step ids";
  } else if (Field == "for_each") {
    for (const LoopList &L : loopListChoices(P, Step)) S.Choices.push_back(L.Text);
    S.Ty = ir::Type::String;
    S.Why = "field `for_each`: a list the loop's dependencies answer";
  } else if (Field == "timeout" || Field == "max_retries") {
    S.Ty = ir::Type::Int;
    S.Why = fmt::format("field `{}`: a whole number", Field.str());
  }
  // 2. Attributes.
  if (T.DeclaredType && S.Why.empty()) {
    S.Ty = *T.DeclaredType;
    S.Why = "attribute `type`";
  }
  if (!T.Choices.empty()) {
    S.Choices.assign(T.Choices.begin(), T.Choices.end());
    S.Ty = ir::Type::String;
    S.Why = "attribute `choices`";
  }
  // 3. The parameter a built-in action declares (its type; the operations
  // of `transform`, the methods of `http.request`).
  const ir::ActionInfo *Builtin =
      Step >= 0 ? ir::findBuiltinAction(P.Steps[Step].Action.Str) : nullptr;
  if (S.Why.empty() && Builtin &&
      T.Path ==
          fmt::format("steps.{}.parameters.{}", P.Steps[Step].Id.Str.str(), Param.str()))
    for (const ir::ActionParam &AP : Builtin->Params) {
      if (AP.Name != Param) continue;
      S.Why =
          fmt::format("parameter `{}` of action `{}`", Param.str(), Builtin->Name.str());
      S.Ty = AP.Ty;
      // `transformation` is the seed's name for `op`: the same operations.
      if (Builtin->Name == "transform" && (Param == "op" || AP.SameAs == "op")) {
        for (const ir::FilterInfo &F : ir::filters()) S.Choices.push_back(F.Name.str());
        for (llvm::StringRef O : ir::transformOps()) S.Choices.push_back(O.str());
      } else if (Builtin->Name == "http.request" && Param == "method") {
        for (llvm::StringRef M : ir::httpMethods()) S.Choices.push_back(M.str());
      } else if (Builtin->Name == "web.search" && Param == "backend") {
        for (llvm::StringRef B : ir::searchBackends()) S.Choices.push_back(B.str());
      } else if (Builtin->Name == "generate" && Param == "response_format") {
        for (llvm::StringRef F : ir::responseFormats()) S.Choices.push_back(F.str());
      }
      if (S.Ty == ir::Type::Any) S.Why.clear();  // says nothing: keep looking
    }
  // 4. The text, where the rules above leave the type open or compatible:
  // choices for a string (narrowing any known set), a range for a number.
  if (Field != "for_each" &&
      (S.Why.empty() || (T.Choices.empty() && S.Ty == ir::Type::String))) {
    std::vector<std::string> C = choicesInText(T.Text);
    if (!C.empty() && (S.Choices.empty() || llvm::all_of(C, [&](const std::string &X) {
                         return llvm::is_contained(S.Choices, X);
                       }))) {
      S.Choices = std::move(C);
      S.Ty = ir::Type::String;
      S.Why = "choices in the text";
    }
  }
  if (S.Why.empty())
    if (auto R = rangeInText(T.Text)) {
      S.Ty = ir::Type::Int;
      S.Why = "a range in the text";
    }
  // 5. The parameter's name, word by word (`num_results`, `confidence_level`).
  if (S.Why.empty()) {
    llvm::SmallVector<llvm::StringRef, 4> Words;
    Param.split(Words, '_', -1, false);
    auto Has = [&](std::initializer_list<llvm::StringRef> Set) {
      for (llvm::StringRef W : Words)
        for (llvm::StringRef X : Set)
          if (W.equals_insensitive(X)) return true;
      return false;
    };
    llvm::StringRef Text = T.Text;
    llvm::StringRef First = Words.empty() ? "" : Words.front();
    llvm::StringRef Last = Words.empty() ? "" : Words.back();
    if (Has({"severity", "tone", "style", "format", "strategy", "method", "mode"}))
      S.Ty = ir::Type::String;
    else if (Has({"num", "count", "size", "limit", "max", "min", "n", "number"}) ||
             Text.contains_insensitive("number of") ||
             Text.contains_insensitive("how many"))
      S.Ty = ir::Type::Int;
    else if (Has({"threshold", "ratio", "rate", "level", "temperature", "weight"}))
      S.Ty = ir::Type::Float;
    else if (llvm::is_contained({llvm::StringRef("enable"), llvm::StringRef("use"),
                                 llvm::StringRef("is"), llvm::StringRef("should")},
                                First) ||
             Text.starts_with_insensitive("enable") ||
             Text.starts_with_insensitive("whether"))
      S.Ty = ir::Type::Bool;
    else if (Last.size() > 3 && Last.ends_with("s") && !Last.ends_with("ss") &&
             !Last.ends_with("us") && !Last.ends_with("sis"))
      S.Ty = ir::Type::List;  // queries, metrics, sections, languages, tests
    if (S.Ty != ir::Type::Any) S.Why = fmt::format("the name `{}`", Param.str());
  }
  if (!S.Choices.empty()) {
    S.Schema = json{{"type", "string"}, {"enum", S.Choices}};
  } else if (!S.Schema) {
    json TS = typeSchema(S.Ty);
    if (!TS.is_null()) {
      if (T.Min) TS["minimum"] = *T.Min;
      if (T.Max) TS["maximum"] = *T.Max;
      // A number whose text spells out a range ("between 30 and 90").
      if ((S.Ty == ir::Type::Int || S.Ty == ir::Type::Float) && !T.Min && !T.Max)
        if (auto R = rangeInText(T.Text)) {
          TS["minimum"] = R->first;
          TS["maximum"] = R->second;
        }
      // The field's floor (`timeout` >= 1, `max_retries` >= 0) where neither
      // `min` nor the text gave a lower bound.
      if (T.Floor && (!TS.contains("minimum") || TS["minimum"].get<double>() < *T.Floor))
        TS["minimum"] = *T.Floor;
      if (S.Ty == ir::Type::Int && !TS.contains("minimum") &&
          S.Why.rfind("the name", 0) == 0)
        TS["minimum"] = 1;
      S.Schema = TS;
    }
  }
  if (S.Why.empty()) S.Why = "open: the format is asked for first";

  // The prompt: pipeline, step, parameter, siblings, compile-time inputs.
  S.System =
      "You decide values in an AI pipeline definition, once, before it runs. Answer with "
      "JSON that matches the given schema and nothing else. Prefer concrete, "
      "conventional "
      "values a careful engineer would choose.";
  std::string Pr;
  Pr += fmt::format("Pipeline: {}\n", P.Name.Str.str());
  if (!P.Description.Str.empty())
    Pr += fmt::format("Description: {}\n", P.Description.Str.str());
  if (Step >= 0) {
    const ir::Step &St = P.Steps[Step];
    Pr += fmt::format("Step: {} (action: {})\n", St.Id.Str.str(),
                      St.ActionAuto ? std::string("to be decided") : St.Action.Str.str());
    if (St.Params) {
      std::string Siblings;
      for (const ir::MapEntry &E : St.Params->entries()) {
        if (llvm::isa<ir::AutoValue>(E.V) && llvm::cast<ir::AutoValue>(E.V)->tag() == &T)
          continue;
        Siblings += fmt::format("  {}: {}\n", E.Key.str(), show(E.V));
      }
      if (!Siblings.empty()) Pr += "Other parameters of this step:\n" + Siblings;
    }
  }
  std::string Bound;
  for (const ir::Input &In : P.Inputs)
    if (In.Bound) Bound += fmt::format("  {} = {}\n", In.Name.Str.str(), show(In.Bound));
  if (!Bound.empty()) Pr += "Compile-time inputs:\n" + Bound;
  if (Field == "for_each" && Step >= 0)
    Pr += fmt::format(
        "The loop runs its steps once per item of a list that a step it depends on "
        "answers (`step.field`); choose that list.\n");
  Pr += fmt::format("Field: {}\n", T.Path.str());
  Pr += fmt::format("Decide: {}\n", T.Text.str());
  // ContextLab's descriptive attributes (a self-closing tag's Text is
  // made of them already).
  if (!T.SelfClosing && !T.Hints.empty()) {
    std::string Hints;
    for (const ir::AutoHint &H : T.Hints)
      Hints += fmt::format("  {}: {}\n", H.Name.str(), H.Value.str());
    Pr += "Requirements:\n" + Hints;
  }
  if (!S.Choices.empty())
    Pr += "Answer with exactly one of: " + llvm::join(S.Choices, ", ") + "\n";
  S.Prompt = std::move(Pr);
  return S;
}

}  // namespace orch::passes
