//===- Monitoring.h - Where metrics and traces go --------------*- C++ -*-===//
//
// config.yaml `monitoring:` reaches orchrt through the plan
// (plan::Monitoring); the command line and the environment win over it:
//   metrics: --metrics HOST:PORT, else $ORCH_METRICS (HOST:PORT or `off`),
//            else metrics_port (on metrics_host, else 127.0.0.1);
//   traces:  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_ENDPOINT,
//            else tracing_endpoint (a `${NAME}` read from the environment;
//            unset: no traces).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <functional>
#include <string>

#include "ir/plan/Plan_generated.h"

namespace orch::tools {

/// Where the run's metrics are served ("": nowhere).
struct MetricsPlace {
  std::string Address;       ///< HOST:PORT
  bool AllowRemote = false;  ///< Never set: loopback only, from wherever.
  bool FromConfig = false;   ///< config.yaml, not --metrics or $ORCH_METRICS.
};

/// Reads an environment variable (null: unset).
using EnvGet = std::function<const char *(const char *)>;

/// The metrics' place by the precedence above; \p Flag is --metrics.
MetricsPlace metricsPlace(const std::string &Flag, const plan::Plan &P,
                          const EnvGet &Get);

/// config.yaml's tracing_endpoint, a `${NAME}` read through \p Get ("" if
/// none, or the variable is unset or empty); otlpConfig's `Configured`.
std::string configuredTracing(const plan::Plan &P, const EnvGet &Get);

}  // namespace orch::tools
