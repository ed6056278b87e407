//===- RunInputs.cpp ------------------------------------------------------===//
#include "runtime/exec/RunInputs.h"

#include <fmt/format.h>

#include "ir/Diagnostics.h"
#include "ir/Eval.h"
#include "ir/JsonLimits.h"
#include "ir/Type.h"

namespace orch::runtime {

using json = orch::ir::Json;
namespace pf = orch::plan;

namespace {

ir::Type irType(pf::Type T) { return static_cast<ir::Type>(T); }

bool fits(const json &V, pf::Type T) {
  switch (T) {
    case pf::Type::Any:
      return true;
    case pf::Type::Null:
      return V.is_null();
    case pf::Type::Bool:
      return V.is_boolean();
    case pf::Type::Int:
      return V.is_number_integer();
    case pf::Type::Float:
      return V.is_number();
    case pf::Type::String:
      return V.is_string();
    case pf::Type::List:
      return V.is_array();
    case pf::Type::Map:
      return V.is_object();
  }
  return false;
}

/// Text from the command line as a value of type \p T.
std::optional<json> parseAs(const std::string &Text, pf::Type T) {
  if (T == pf::Type::String) return json(Text);
  json J = json::parse(Text, nullptr, false);
  if (J.is_discarded()) {
    if (T == pf::Type::Any) return json(Text);
    return std::nullopt;
  }
  if (!fits(J, T)) return std::nullopt;
  return J;
}

/// Defaults may use inputs resolved before them, never steps.
class InputsScope : public ir::EvalScope {
 public:
  explicit InputsScope(const json &Values) : Values(Values) {}
  const json *input(llvm::StringRef Name) const override {
    auto It = Values.find(Name.str());
    return It == Values.end() ? nullptr : &*It;
  }
  const json *step(llvm::StringRef) const override { return nullptr; }

 private:
  const json &Values;
};

}  // namespace

llvm::Expected<json> resolveRunInputs(const LoadedPlan &Plan, const PlanProgram &Prog,
                                      const json &File,
                                      const std::vector<std::string> &Pairs) {
  const pf::Plan &P = Plan.plan();
  std::vector<std::string> Errors;
  std::vector<llvm::StringRef> Names;
  uint32_t N = P.inputs() ? P.inputs()->size() : 0;
  for (uint32_t I = 0; I < N; ++I)
    Names.push_back(P.inputs()->Get(I)->name()->string_view());
  auto Find = [&](llvm::StringRef Name) -> int {
    for (uint32_t I = 0; I < N; ++I)
      if (Names[I] == Name) return static_cast<int>(I);
    return -1;
  };
  std::vector<std::optional<json>> Given(N);
  auto Describe = [](pf::Type T) { return ir::describeType(irType(T)).str(); };
  if (!File.is_null()) {
    if (!File.is_object()) {
      Errors.push_back("--inputs: the file must hold a JSON object of input values");
    } else {
      for (auto &[K, V] : File.items()) {
        int I = Find(K);
        if (I < 0) {
          Errors.push_back(fmt::format("--inputs: the plan has no input `{}`{}", K,
                                       didYouMean(K, Names)));
          continue;
        }
        pf::Type T = P.inputs()->Get(I)->type();
        json Val = V;
        if (T == pf::Type::Float && V.is_number_integer()) Val = V.get<double>();
        if (!fits(Val, T)) {
          Errors.push_back(fmt::format("--inputs: input `{}` must be {}, found {}", K,
                                       Describe(T), ir::toJsonText(V)));
          continue;
        }
        Given[I] = std::move(Val);
      }
    }
  }
  for (const std::string &Pair : Pairs) {
    auto [Name, Text] = llvm::StringRef(Pair).split('=');
    if (!llvm::StringRef(Pair).contains('=')) {
      Errors.push_back(fmt::format("--input `{}`: expected name=value", Pair));
      continue;
    }
    int I = Find(Name);
    if (I < 0) {
      Errors.push_back(fmt::format("--input `{}`: the plan has no input `{}`{}", Pair,
                                   Name.str(), didYouMean(Name, Names)));
      continue;
    }
    pf::Type T = P.inputs()->Get(I)->type();
    if (std::string Deep = T == pf::Type::String ? "" : ir::jsonDepthProblem(Text);
        !Deep.empty()) {
      Errors.push_back(fmt::format("--input `{}`: {}", Name.str(), Deep));
      continue;
    }
    std::optional<json> V = parseAs(Text.str(), T);
    if (!V) {
      Errors.push_back(fmt::format("--input `{}`: input `{}` must be {}", Pair,
                                   Name.str(), Describe(T)));
      continue;
    }
    Given[I] = std::move(*V);
  }
  json Out = json::object();
  InputsScope Scope(Out);
  for (uint32_t I = 0; I < N; ++I) {
    const pf::Input *In = P.inputs()->Get(I);
    std::string Name = In->name()->str();
    if (In->bound()) {
      if (Given[I])
        Errors.push_back(fmt::format(
            "input `{}` was bound when the plan was compiled; it cannot change now",
            Name));
      llvm::Expected<json> V = ir::evaluateValue(Prog.inputValue(I), Scope);
      if (!V) {
        Errors.push_back(
            fmt::format("input `{}`: {}", Name, llvm::toString(V.takeError())));
        continue;
      }
      Out[Name] = std::move(*V);
      continue;
    }
    if (Given[I]) {
      Out[Name] = std::move(*Given[I]);
    } else if (const ir::Value *Def = Prog.inputValue(I)) {
      llvm::Expected<json> V = ir::evaluateValue(Def, Scope);
      if (!V) {
        Errors.push_back(fmt::format("default of input `{}`: {}", Name,
                                     llvm::toString(V.takeError())));
        continue;
      }
      Out[Name] = std::move(*V);
    } else if (In->required()) {
      Errors.push_back(fmt::format(
          "input `{}` ({}) needs a value: pass --input {}=... or --inputs FILE.json",
          Name, Describe(In->type()), Name));
    } else {
      Out[Name] = nullptr;
    }
  }
  if (!Errors.empty()) {
    std::string Msg;
    for (const std::string &E : Errors) Msg += (Msg.empty() ? "" : "\n") + E;
    return llvm::createStringError(Msg);
  }
  return Out;
}

}  // namespace orch::runtime
