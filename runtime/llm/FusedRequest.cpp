//===- FusedRequest.cpp ---------------------------------------------------===//
#include "runtime/llm/FusedRequest.h"

#include <fmt/format.h>

#include "ir/FusedNote.h"
#include "ir/JsonLimits.h"
#include "ir/JsonSchema.h"
#include "llvm/ADT/StringExtras.h"

namespace orch::llm {

using json = orch::ir::Json;

namespace {

constexpr llvm::StringRef FusedInstructions = ir::FusedNote;

/// \p Total in whole parts proportional to \p Weights (a zero weight
/// counts 1); the remainder goes one a part from the first.
std::vector<uint64_t> apportion(uint64_t Total, llvm::ArrayRef<uint64_t> Weights) {
  std::vector<uint64_t> Out(Weights.size(), 0);
  if (Weights.empty()) return Out;
  unsigned __int128 Sum = 0;
  for (uint64_t W : Weights) Sum += W ? W : 1;
  uint64_t Given = 0;
  for (size_t I = 0; I < Weights.size(); ++I) {
    uint64_t W = Weights[I] ? Weights[I] : 1;
    Out[I] = static_cast<uint64_t>(static_cast<unsigned __int128>(Total) * W / Sum);
    Given += Out[I];
  }
  for (size_t I = 0; Given < Total; I = (I + 1) % Out.size(), ++Given) ++Out[I];
  return Out;
}

}  // namespace

std::string fusedKey(size_t Index, llvm::StringRef StepId) {
  std::string K = fmt::format("p{}_", Index);
  for (char C : StepId) K += llvm::isAlnum(C) || C == '_' || C == '-' ? C : '_';
  return K.substr(0, 64);
}

ChatRequest buildFusedRequest(const std::string &Model, const std::string &System,
                              llvm::ArrayRef<FusedPart> Parts, unsigned MaxTokens) {
  ChatRequest R;
  R.Model = Model;
  R.System = System.empty() ? FusedInstructions.str()
                            : System + "\n\n" + FusedInstructions.str();
  json Props = json::object();
  json Required = json::array();
  // The parts are data, not text: a JSON object of {key: prompt}, so no
  // prompt (inputs, upstream answers) can forge another part's framing.
  json Tasks = json::object();
  for (size_t I = 0; I < Parts.size(); ++I) {
    std::string Key = fusedKey(I, Parts[I].StepId);
    Tasks[Key] = Parts[I].Prompt;
    Props[Key] = Parts[I].Schema ? *Parts[I].Schema : json{{"type", "string"}};
    Required.push_back(Key);
  }
  R.Schema = json{{"type", "object"},
                  {"properties", std::move(Props)},
                  {"required", std::move(Required)},
                  {"additionalProperties", false}};
  R.Prompt = Tasks.dump(1, ' ', false, json::error_handler_t::replace);
  R.SchemaName = "fused_answer";
  R.MaxTokens = MaxTokens;
  return R;
}

std::vector<FusedAnswer> splitFusedAnswer(const json &Structured,
                                          llvm::ArrayRef<FusedPart> Parts) {
  std::vector<FusedAnswer> Out(Parts.size());
  for (size_t I = 0; I < Parts.size(); ++I) {
    std::string Key = fusedKey(I, Parts[I].StepId);
    auto It = Structured.is_object() ? Structured.find(Key) : Structured.end();
    if (!Structured.is_object() || It == Structured.end()) {
      Out[I].Error = fmt::format("the fused answer has no `{}`", Key);
      continue;
    }
    json Schema = Parts[I].Schema ? *Parts[I].Schema : json{{"type", "string"}};
    if (std::string Bad = ir::validateJson(*It, Schema); !Bad.empty()) {
      Out[I].Error = fmt::format("`{}` fails its schema: {}", Key, Bad);
      continue;
    }
    Out[I].Value = *It;
  }
  return Out;
}

json completeMembers(llvm::StringRef Text) {
  Text = Text.ltrim();
  if (!Text.starts_with("{")) return nullptr;
  // Scans to each comma (or the closing brace) at the object's own depth,
  // outside strings; the text up to there is a whole member.
  json Out = json::object();
  size_t Start = 1;
  unsigned Depth = 0;
  bool InString = false;
  for (size_t I = 1; I < Text.size(); ++I) {
    char C = Text[I];
    if (InString) {
      if (C == '\\')
        ++I;  // the escaped character
      else if (C == '"')
        InString = false;
      continue;
    }
    if (C == '"') {
      InString = true;
    } else if (C == '{' || C == '[') {
      ++Depth;
    } else if ((C == '}' || C == ']') && Depth > 0) {
      --Depth;
    } else if (Depth == 0 && (C == ',' || C == '}')) {
      json M = ir::parseJsonBounded(("{" + Text.slice(Start, I) + "}").str());
      if (M.is_object())
        for (auto &[K, V] : M.items()) Out[K] = V;
      if (C == '}') break;
      Start = I + 1;
    }
  }
  return Out;
}

std::vector<Usage> splitUsage(const Usage &Total, llvm::ArrayRef<FusedPart> Parts,
                              llvm::ArrayRef<std::string> Answers) {
  std::vector<uint64_t> In, Out;
  for (size_t I = 0; I < Parts.size(); ++I) {
    In.push_back(Parts[I].Prompt.size() + fusedKey(I, Parts[I].StepId).size());
    Out.push_back(I < Answers.size() ? Answers[I].size() : 0);
  }
  std::vector<uint64_t> InShare = apportion(Total.InputTokens, In);
  std::vector<uint64_t> OutShare = apportion(Total.OutputTokens, Out);
  std::vector<Usage> U(Parts.size());
  for (size_t I = 0; I < Parts.size(); ++I) {
    U[I].InputTokens = InShare[I];
    U[I].OutputTokens = OutShare[I];
    // An answer without usage leaves every part without it.
    U[I].Unreported = Total.Unreported;
  }
  return U;
}

}  // namespace orch::llm

namespace orch::llm {

FusedCallObserver::FusedCallObserver(CallObserver &Inner, std::vector<FusedPart> Parts)
    : Inner(Inner), Parts(std::move(Parts)) {
  for (const FusedPart &P : this->Parts) Shared += (Shared.empty() ? "" : ",") + P.StepId;
}

llvm::Error FusedCallObserver::callStarting(const CallStart &S, uint64_t &Id) {
  // One request, one hold: the budget reserves the request once (its body
  // and its answer limit), never once a part.
  Id = 0;
  CallStart One = S;
  One.Caller = Parts.empty() ? S.Caller : llvm::StringRef(Parts[0].StepId);
  One.SharedRequest = Shared;
  return Inner.callStarting(One, HoldId);
}

void FusedCallObserver::callEnded(uint64_t, const CallStart &S, const CallEnd &E) {
  std::vector<std::string> Answers(Parts.size());
  if (E.Ok) {
    json A = json::parse(E.Answer, nullptr, false);
    for (size_t K = 0; K < Parts.size() && A.is_object(); ++K)
      if (auto It = A.find(fusedKey(K, Parts[K].StepId)); It != A.end())
        Answers[K] = It->is_string()
                         ? It->get<std::string>()
                         : It->dump(-1, ' ', false, json::error_handler_t::replace);
  }
  // No usage reported: the request's estimate (as Ledger makes it for one
  // call) is split like reported tokens, so the parts sum to one request.
  Usage Total = E.Tokens;
  bool Estimated = false;
  if (Total.Unreported > 0 && Total.InputTokens + Total.OutputTokens == 0) {
    Total.InputTokens = (S.Body.size() + 3) / 4 * Total.Unreported;
    Total.OutputTokens = (E.Answer.size() + 3) / 4 + 1;
    Estimated = true;
  }
  std::vector<Usage> Shares = splitUsage(Total, Parts, Answers);
  for (size_t K = 0; K < Parts.size(); ++K) {
    CallStart One = S;
    One.Caller = Parts[K].StepId;
    One.SharedRequest = Shared;
    CallEnd Part = E;
    Part.Tokens = Shares[K];
    Part.Answer = Answers[K];
    Part.Estimated = Estimated;
    // The request is counted once (calls, latency, retries): on part 0,
    // which also ends the request's hold.
    Part.Calls = K == 0 ? 1 : 0;
    Inner.callEnded(K == 0 ? HoldId : 0, One, Part);
  }
}

}  // namespace orch::llm
