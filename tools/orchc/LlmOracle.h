//===- LlmOracle.h - AUTO answers from the LLM client ----------*- C++ -*-===//
#pragma once

#include <memory>
#include <optional>

#include "passes/AutoResolve.h"
#include "runtime/llm/Client.h"
#include "runtime/llm/CurlTransport.h"

namespace orch::tools {

/// Wires the AUTO pass's oracle interface to the one LLM client.
class LlmOracle : public passes::AutoOracle {
 public:
  /// Asks \p Model at \p P; \p Reasoning is the registry's
  /// `models.<name>.reasoning` (unset: decided by the model's name).
  LlmOracle(llm::ProviderConfig P, std::string Model, std::optional<bool> Reasoning);
  std::string modelId() const override { return Provider + "/" + Model; }
  llvm::Expected<orch::ir::Json> ask(const std::string &System, const std::string &Prompt,
                                     const orch::ir::Json &Schema,
                                     const std::string &SchemaName) override;

 private:
  std::string Provider, Model;
  std::optional<bool> Reasoning;
  llm::CurlTransport Transport;
  llm::SystemClock Clock;
  llm::Client Client;
};

}  // namespace orch::tools
