//===- LlmOracle.h - AUTO answers from the LLM client ----------*- C++ -*-===//
#pragma once

#include <memory>

#include "passes/AutoResolve.h"
#include "runtime/llm/Client.h"
#include "runtime/llm/CurlTransport.h"

namespace orch::tools {

/// Wires the AUTO pass's oracle interface to the one LLM client.
class LlmOracle : public passes::AutoOracle {
 public:
  LlmOracle(llm::ProviderConfig P, std::string Model);
  std::string modelId() const override { return Provider + "/" + Model; }
  llvm::Expected<nlohmann::json> ask(const std::string &System, const std::string &Prompt,
                                     const nlohmann::json &Schema,
                                     const std::string &SchemaName) override;

 private:
  std::string Provider, Model;
  llm::CurlTransport Transport;
  llm::SystemClock Clock;
  llm::Client Client;
};

}  // namespace orch::tools
