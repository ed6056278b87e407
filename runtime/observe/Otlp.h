//===- Otlp.h - OpenTelemetry traces over OTLP/HTTP (JSON) -----*- C++ -*-===//
//
// Where traces go (the OTLP exporter environment variables), the W3C
// `traceparent` header, and the span exporter: spans are queued by the
// run (never waiting), and a thread of its own encodes them as an OTLP
// ExportTraceServiceRequest in the JSON encoding and POSTs them in
// batches. The queue is bounded (spans beyond it are dropped and
// counted), requests have short timeouts, and shutdown waits a bounded
// time: a dead or slow collector never slows or fails a run. Header values
// (OTEL_EXPORTER_OTLP_HEADERS) are secrets: never printed or logged.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ir/Json.h"
#include "llvm/ADT/StringRef.h"
#include "runtime/llm/Http.h"

namespace orch::observe {

/// Where spans are sent, and with which headers.
struct OtlpConfig {
  std::string Url;                    ///< The traces URL (`.../v1/traces`), or "".
  std::vector<llm::Header> Headers;   ///< Values are secrets.
  std::vector<std::string> Warnings;  ///< Malformed header entries (no values).
  bool enabled() const { return !Url.empty(); }
};

/// The OTLP configuration from the environment, per the OTLP exporter
/// spec: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is), else
/// OTEL_EXPORTER_OTLP_ENDPOINT with `v1/traces` appended, else
/// \p Configured (also a base URL); OTEL_EXPORTER_OTLP_HEADERS and
/// OTEL_EXPORTER_OTLP_TRACES_HEADERS (`k=v,k2=v2`, values percent-decoded;
/// the latter wins per key). \p Get reads a variable (null: unset).
OtlpConfig otlpConfig(llvm::StringRef Configured,
                      const std::function<const char *(const char *)> &Get);

/// A W3C trace context: trace and parent span.
struct TraceContext {
  std::array<uint8_t, 16> TraceId{};
  uint64_t SpanId = 0;
  bool Sampled = true;
};

/// Parses a `traceparent` value; nullopt if malformed or all-zero ids.
/// Version 00 is exactly 55 characters; a higher version (not `ff`) is
/// read by its first 55, and what follows must begin with `-` (W3C).
std::optional<TraceContext> parseTraceParent(llvm::StringRef Value);
/// A W3C `tracestate` value, its members trimmed and empty ones dropped;
/// nullopt if it is not one (a bad key or value, a key twice, more than 32
/// members, over 512 characters, or a character outside printable ASCII).
std::optional<std::string> parseTraceState(llvm::StringRef Value);
/// `00-<trace>-<span>-01` (or `-00` when not sampled).
std::string formatTraceParent(const TraceContext &C);
/// Lower-case hex of \p N bytes at \p P.
std::string hexBytes(const uint8_t *P, size_t N);
/// 16 hex digits of \p Id.
std::string hexSpanId(uint64_t Id);

/// Now, in nanoseconds since the Unix epoch (span times).
uint64_t unixNanos();

/// The step attempt a span is of (Span::Step).
struct SpanStep {
  std::string StepId, Action, Model;
  unsigned Attempt = 0;
};

/// One finished span.
struct Span {
  std::array<uint8_t, 16> TraceId{};
  uint64_t SpanId = 0, ParentId = 0;  ///< ParentId 0: a root span.
  std::string Name;
  int Kind = 1;                     ///< OTLP SpanKind: 1 internal, 3 client.
  uint64_t StartNs = 0, EndNs = 0;  ///< Unix time, nanoseconds.
  /// Attributes: string, integer, float or boolean values.
  std::vector<std::pair<std::string, orch::ir::Json>> Attributes;
  /// A step attempt's span (Tracer) carries its step's strings as they
  /// are: the exporter's thread makes its name (`step <id>`, when Name is
  /// "") and its first attributes (orch.step, orch.action, orch.attempt,
  /// then orch.model if any, before Attributes), so the run's thread
  /// builds no JSON value and no name a step.
  std::optional<SpanStep> Step;
  int Status = 0;       ///< 0 unset, 1 ok, 2 error.
  std::string Message;  ///< The error, when Status is 2.
};

/// The OTLP/JSON ExportTraceServiceRequest of \p Spans, from service
/// \p Service.
orch::ir::Json otlpTraceRequest(const std::vector<Span> &Spans, llvm::StringRef Service);

/// Sends spans from a thread of its own; add() is thread-safe and never waits.
class SpanExporter {
 public:
  /// Spans queued; more are dropped (counted).
  static constexpr size_t QueueLimit = 16384;
  /// Spans a request carries at most.
  static constexpr size_t BatchSize = 512;
  /// An idle exporter sends what is queued this often.
  static constexpr std::chrono::milliseconds Period{200};
  /// One request's time limit.
  static constexpr std::chrono::milliseconds RequestTimeout{2000};
  /// shutdown() waits at most this long for the queue to be sent: a run
  /// whose collector hangs ends at most this much later.
  static constexpr std::chrono::milliseconds ShutdownLimit{1000};
  /// ... and at most this long when the latest request failed (the
  /// collector is down or refusing: what is left would most likely fail too).
  static constexpr std::chrono::milliseconds ShutdownLimitAfterFailure{250};

  SpanExporter(OtlpConfig Config, llm::HttpTransport &Http, std::string Service);
  ~SpanExporter();
  SpanExporter(const SpanExporter &) = delete;
  SpanExporter &operator=(const SpanExporter &) = delete;

  /// Queues \p S, or drops it when the queue is full.
  void add(Span S);
  /// Sends what is queued (waiting at most ShutdownLimit) and stops the
  /// thread; spans left are dropped. Idempotent.
  void shutdown();

  /// What became of the spans.
  struct Stats {
    uint64_t Exported = 0;  ///< Accepted by the collector (2xx).
    uint64_t Dropped =
        0;  ///< Not sent: the queue was full, a request failed, or shutdown.
    uint64_t FailedRequests = 0;
    std::string FirstError;  ///< Why the first request failed (no header values).
  };
  Stats stats() const;

 private:
  void loop();
  void send(std::vector<Span> Batch);

  OtlpConfig Config;
  llm::HttpTransport &Http;
  std::string Service;
  mutable std::mutex M;
  std::condition_variable Wake, Idle;
  std::vector<Span> Queue;
  bool Stop = false, Sending = false;
  std::atomic<bool> Abort{false};
  bool LastFailed = false;  ///< The latest request failed (guarded by M).
  Stats S;
  std::thread Worker;  ///< Last: starts after the rest is initialised.
};

}  // namespace orch::observe
