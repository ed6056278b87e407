//===- McpMetrics.cpp -----------------------------------------------------===//
#include "McpMetrics.h"

#include "runtime/llm/Providers.h"
#include "runtime/observe/EventLog.h"

namespace orch::tools {

observe::PriceLookup registryPrices(std::string Registry) {
  return [Registry = std::move(Registry)](
             const std::string &Model) -> std::pair<double, double> {
    llvm::Expected<llm::ModelSettings> S = llm::modelSettings(Model, Registry);
    if (!S) {
      llvm::consumeError(S.takeError());  // the call itself reports it
      return {0, 0};
    }
    return {S->InputUsdPerToken, S->OutputUsdPerToken};
  };
}

llvm::Expected<std::unique_ptr<McpMetrics>> McpMetrics::start(const std::string &HostPort,
                                                              std::string Registry) {
  std::unique_ptr<McpMetrics> M(new McpMetrics(std::move(Registry)));
  auto Server = MetricsServer::start(HostPort, M->Meters);
  if (!Server) return Server.takeError();
  M->Server = std::move(*Server);
  return M;
}

namespace {
/// What one call's run feeds the metrics through.
struct CallFeed {
  CallFeed(observe::Metrics &M, const runtime::LoadedPlan &Plan, std::string Registry)
      : Feed(M, Plan), Ledger(registryPrices(std::move(Registry))) {
    Ledger.setMetrics(&M);
  }
  observe::MetricsObserver Feed;
  observe::Ledger Ledger;
  observe::ObserverList List;
};
}  // namespace

runtime::mcp::CallWatch McpMetrics::watch(const runtime::LoadedPlan &Plan,
                                          runtime::RunObserver *Next) {
  auto F = std::make_shared<CallFeed>(Meters, Plan, Registry);
  F->List.add(Next);
  F->List.add(&F->Feed);
  runtime::mcp::CallWatch W;
  W.Observer = F->List.get();
  W.Calls = &F->Ledger;
  W.Attach = [Feed = &F->Feed](const runtime::Scheduler &S) { Feed->attach(S); };
  W.Keep = F;
  return W;
}

}  // namespace orch::tools
