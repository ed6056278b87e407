//===- Monitoring.cpp -----------------------------------------------------===//
#include "Monitoring.h"

#include <fmt/format.h>

#include "llvm/ADT/StringRef.h"

namespace orch::tools {

MetricsPlace metricsPlace(const std::string &Flag, const plan::Plan &P,
                          const EnvGet &Get) {
  MetricsPlace M;
  if (!Flag.empty()) {
    M.Address = Flag;
    return M;
  }
  if (const char *E = Get("ORCH_METRICS"); E && *E) {
    if (llvm::StringRef(E) != "off") M.Address = E;
    return M;
  }
  const plan::Monitoring *Mon = P.monitoring();
  if (!Mon || Mon->metrics_port() < 0) return M;
  std::string Host = Mon->metrics_host() ? Mon->metrics_host()->str() : "";
  // Loopback only, as --metrics: a plan.bin is shared, and whoever runs it
  // did not choose to serve its metrics beyond this machine (a non-loopback
  // metrics_host is a warning, and the run goes on without metrics).
  M.AllowRemote = false;
  if (Host.empty()) Host = "127.0.0.1";
  bool V6 = Host.find(':') != std::string::npos && Host.front() != '[';
  M.Address =
      fmt::format("{}{}{}:{}", V6 ? "[" : "", Host, V6 ? "]" : "", Mon->metrics_port());
  M.FromConfig = true;
  return M;
}

std::string configuredTracing(const plan::Plan &P, const EnvGet &Get) {
  const plan::Monitoring *Mon = P.monitoring();
  if (!Mon || !Mon->tracing_endpoint()) return "";
  llvm::StringRef V = Mon->tracing_endpoint()->string_view();
  if (V.starts_with("${") && V.ends_with("}")) {
    std::string Name = V.drop_front(2).drop_back().str();
    const char *E = Get(Name.c_str());
    return E ? E : "";
  }
  return V.str();
}

}  // namespace orch::tools
