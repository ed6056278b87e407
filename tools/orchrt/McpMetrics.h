//===- McpMetrics.h - `orchrt mcp --metrics HOST:PORT` ---------*- C++ -*-===//
//
// The MCP server's Prometheus metrics: one observe::Metrics for the
// server's life, served by a MetricsServer (the `orchrt --metrics` one),
// fed by every tool call's run (a MetricsObserver on its scheduler, and a
// Ledger of its own for its model calls' tokens and cost).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <memory>
#include <string>

#include "MetricsServer.h"
#include "runtime/mcp/PlanTool.h"
#include "runtime/observe/Ledger.h"
#include "runtime/observe/Metrics.h"

namespace orch::tools {

/// The prices of the models in the registry \p Registry (models.yaml; ""
/// for the built-in one); an unknown model, or a registry that cannot be
/// read, costs 0 (the call itself reports the problem).
observe::PriceLookup registryPrices(std::string Registry);

/// Metrics served for an `orchrt mcp`'s life, fed by its calls.
class McpMetrics {
 public:
  /// Serves on \p HostPort (loopback, as `orchrt --metrics`); model calls
  /// are priced from \p Registry.
  static llvm::Expected<std::unique_ptr<McpMetrics>> start(const std::string &HostPort,
                                                           std::string Registry);
  /// `http://HOST:PORT/metrics`.
  const std::string &url() const { return Server->url(); }
  /// PlanRunSettings::Watch: feeds the metrics from a call's run of \p Plan,
  /// passing the run's events on to \p Next (the call's progress, or null).
  runtime::mcp::CallWatch watch(const runtime::LoadedPlan &Plan,
                                runtime::RunObserver *Next);

 private:
  explicit McpMetrics(std::string Registry) : Registry(std::move(Registry)) {}
  observe::Metrics Meters;
  std::string Registry;
  std::unique_ptr<MetricsServer> Server;  ///< Last: stopped before the rest goes.
};

}  // namespace orch::tools
