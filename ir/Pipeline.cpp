//===- Pipeline.cpp -------------------------------------------------------===//
#include "ir/Pipeline.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

namespace orch::ir {

llvm::StringRef failurePolicyName(FailurePolicy P) {
  switch (P) {
    case FailurePolicy::Fail:
      return "fail";
    case FailurePolicy::Continue:
      return "continue";
    case FailurePolicy::Retry:
      return "retry";
    case FailurePolicy::Skip:
      return "skip";
  }
  return "fail";
}

std::optional<FailurePolicy> parseFailurePolicy(llvm::StringRef Text) {
  // As ContextLab reads them: spaces around ignored, any capitals.
  std::string S = Text.trim().lower();
  if (S == "fail") return FailurePolicy::Fail;
  if (S == "continue") return FailurePolicy::Continue;
  if (S == "retry") return FailurePolicy::Retry;
  if (S == "skip") return FailurePolicy::Skip;
  return std::nullopt;
}

llvm::StringRef routeKindName(RouteKind K) {
  switch (K) {
    case RouteKind::Success:
      return "on_success";
    case RouteKind::Failure:
      return "on_failure";
    case RouteKind::False:
      return "on_false";
    case RouteKind::When:
    case RouteKind::Default:
      return "next";
  }
  return "next";
}

llvm::StringRef routeKeyName(const Route &R) {
  return R.Goto ? "goto" : routeKindName(R.Kind);
}

std::string scalarText(const Value *V) {
  auto *S = llvm::dyn_cast_or_null<ScalarValue>(V);
  if (!S) return "";
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  printScalar(OS, S->scalar());
  return Out;
}

bool inputAllows(const Input &In, const Value *V, std::string &List) {
  std::string Want = scalarText(V);
  if (!In.Choices || Want.empty()) return true;
  for (const Value *C : In.Choices->items()) {
    std::string Choice = scalarText(C);
    if (Choice.empty() || Choice == Want) return true;  // a list among them: unchecked
    List += (List.empty() ? "" : ", ") + Choice;
  }
  return false;
}

Pipeline::Pipeline(std::shared_ptr<const SourceFile> F, std::shared_ptr<Arena> A)
    : File(std::move(F)), Mem(std::move(A)) {}

std::optional<uint32_t> Pipeline::findStep(llvm::StringRef Id) const {
  auto It = StepIndex.find(Id);
  if (It == StepIndex.end()) return std::nullopt;
  return It->second;
}

std::optional<uint32_t> Pipeline::findInput(llvm::StringRef N) const {
  auto It = InputIndex.find(N);
  if (It == InputIndex.end()) return std::nullopt;
  return It->second;
}

void Pipeline::addInput(Input In) {
  InputIndex.try_emplace(In.Name.Str, static_cast<uint32_t>(Inputs.size()));
  Inputs.push_back(std::move(In));
}

uint32_t routeSource(const std::vector<Step> &Steps, uint32_t I) {
  int32_t L = Steps[I].Parent;
  return L >= 0 && Steps[L].CycleTail == static_cast<int32_t>(I)
             ? static_cast<uint32_t>(L)
             : I;
}

std::vector<uint32_t> enclosingLoops(const std::vector<Step> &Steps, uint32_t I) {
  std::vector<uint32_t> Loops;
  for (int32_t L = Steps[I].Parent; L >= 0; L = Steps[L].Parent)
    Loops.push_back(static_cast<uint32_t>(L));
  return Loops;
}

Reach reach(const std::vector<Step> &Steps, int32_t From, uint32_t Target) {
  int32_t Home = Steps[Target].Parent;
  bool HomeHolds = Home < 0;
  for (int32_t L = From >= 0 ? Steps[From].Parent : -1; L >= 0; L = Steps[L].Parent) {
    if (static_cast<uint32_t>(L) == Target) return Reach::OwnLoop;
    if (L == Home) HomeHolds = true;
  }
  return HomeHolds ? Reach::Visible : Reach::InsideLoop;
}

LoopWords loopWords(const Step &S) {
  if (S.ForEach) return {"`for_each` loop", "item", "every item is done"};
  return {S.LoopUntil ? "`until` loop" : "`while` loop", "iteration",
          "the loop has ended"};
}

std::string aLoop(llvm::StringRef Key) {
  bool Vowel = !Key.empty() && llvm::is_contained(llvm::StringRef("aeiou"), Key[0]);
  return (Vowel ? "an `" : "a `") + Key.str() + "` loop";
}

bool isStepId(llvm::StringRef S) {
  return !S.empty() && llvm::isAlpha(S[0]) &&
         llvm::all_of(S, [](char C) { return llvm::isAlnum(C) || C == '_' || C == '-'; });
}

std::optional<Type> loopVariableType(const std::vector<Step> &Steps, int32_t Loop,
                                     llvm::StringRef Name) {
  static const std::pair<llvm::StringRef, Type> ItemVars[] = {{"item", Type::Any},
                                                              {"index", Type::Int},
                                                              {"is_first", Type::Bool},
                                                              {"is_last", Type::Bool}};
  for (int32_t L = Loop; L >= 0; L = Steps[L].Parent) {
    if (Steps[L].ForEach)
      for (const auto &[N, T] : ItemVars)
        if (N == Name) return T;
    if (Steps[L].LoopCond && Name == "iteration") return Type::Int;
  }
  return std::nullopt;
}

void Pipeline::reindex() {
  StepIndex.clear();
  InputIndex.clear();
  for (uint32_t I = 0, E = Steps.size(); I != E; ++I)
    StepIndex.try_emplace(Steps[I].Id.Str, I);
  for (uint32_t I = 0, E = Inputs.size(); I != E; ++I)
    InputIndex.try_emplace(Inputs[I].Name.Str, I);
}

}  // namespace orch::ir
