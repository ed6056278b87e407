//===- LlmOracle.cpp ------------------------------------------------------===//
#include "LlmOracle.h"

namespace orch::tools {

LlmOracle::LlmOracle(llm::ProviderConfig P, std::string M, std::optional<bool> Reasoning)
    : Provider(P.Name),
      Model(std::move(M)),
      Reasoning(Reasoning),
      Client(std::move(P), Transport, Clock) {}

llvm::Expected<orch::ir::Json> LlmOracle::ask(const std::string &System,
                                              const std::string &Prompt,
                                              const orch::ir::Json &Schema,
                                              const std::string &SchemaName) {
  llm::ChatRequest R;
  R.Model = Model;
  R.Reasoning = Reasoning;
  R.System = System;
  R.Prompt = Prompt;
  R.Schema = Schema;
  R.SchemaName = SchemaName;
  llvm::Expected<llm::ChatResponse> A = Client.chat(R);
  if (!A) return A.takeError();
  if (!A->Structured)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "no structured answer");
  return *A->Structured;
}

}  // namespace orch::tools
