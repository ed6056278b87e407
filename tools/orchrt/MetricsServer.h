//===- MetricsServer.h - `orchrt --metrics HOST:PORT` ----------*- C++ -*-===//
//
// Serves a run's observe::Metrics over HTTP (`GET /metrics`, Prometheus
// text exposition 0.0.4) for the run's life, from a thread of its own with
// its own event loop and the hardened runtime/mcp HttpServer: a scrape
// never waits for the run's event loop, and the run never waits for a
// scrape. Loopback addresses only.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <memory>
#include <string>

#include "llvm/Support/Error.h"
#include "runtime/observe/Metrics.h"

namespace orch::tools {

/// A running metrics endpoint; the destructor stops it and joins its thread.
class MetricsServer {
 public:
  /// Listens on \p HostPort (`127.0.0.1:9090`, `[::1]:9090`,
  /// `localhost:9090`; port 0: any free one) and serves \p M until
  /// destroyed. Only loopback addresses, unless \p AllowRemote (config.yaml
  /// named a metrics_host). \p What names the setting in messages.
  static llvm::Expected<std::unique_ptr<MetricsServer>> start(
      const std::string &HostPort, const observe::Metrics &M, bool AllowRemote = false,
      llvm::StringRef What = "--metrics");
  ~MetricsServer();
  /// The bound port.
  unsigned port() const;
  /// `http://HOST:PORT/metrics` with the bound port (an IPv6 HOST in
  /// brackets; `localhost` is served, and printed, as 127.0.0.1).
  const std::string &url() const;

  struct Impl;

 private:
  explicit MetricsServer(std::unique_ptr<Impl> I);
  std::unique_ptr<Impl> P;
};

}  // namespace orch::tools
