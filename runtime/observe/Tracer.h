//===- Tracer.h - A run's spans: run, step attempts, model calls -*- C++ -*-===//
//
// One trace a run: a span for the run (its parent the environment's
// TRACEPARENT, if any), a child span per step attempt (a loop item's
// attempt too) and, under it, a CLIENT span per model call carrying the
// OpenTelemetry GenAI attributes (gen_ai.operation.name,
// gen_ai.provider.name and the older gen_ai.system, gen_ai.request.model,
// gen_ai.usage.input_tokens / output_tokens). Finished spans go to a
// SpanExporter, which never makes the run wait. Error messages are scrubbed
// of the environment's secret-looking values as the event log's are.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "llvm/ADT/StringMap.h"
#include "runtime/exec/Scheduler.h"
#include "runtime/llm/CallObserver.h"
#include "runtime/observe/Otlp.h"

namespace orch::observe {

/// Makes the spans of one run (a RunObserver of the scheduler).
class Tracer : public runtime::RunObserver {
 public:
  /// The run span starts now; \p Parent (the environment's TRACEPARENT)
  /// makes it a child in the caller's trace. \p Secrets are scrubbed from
  /// error messages.
  Tracer(SpanExporter &Out, std::optional<TraceContext> Parent, std::string Plan,
         std::string RunId, std::vector<std::string> Secrets);

  void attemptStarted(uint32_t Step, const runtime::ActionRequest &R,
                      const std::string &InputHash) override;
  void attemptEnded(uint32_t Step, unsigned Attempt,
                    const runtime::ActionResult &R) override;

  /// A model call of step S.Caller ended (from the ledger, on any thread):
  /// a child span of the step's running attempt.
  void modelCall(const llm::CallStart &S, const llm::CallEnd &E, uint64_t InputTokens,
                 uint64_t OutputTokens, double CostUsd, bool Estimated);

  /// The `traceparent` header for a request of step \p StepId: its running
  /// attempt's span as the parent (the run's when none runs). Thread-safe.
  std::string traceParent(llvm::StringRef StepId) const;

  /// Whether the run's spans are recorded: false when the parent
  /// (TRACEPARENT) was not sampled, as OpenTelemetry's parent-based
  /// sampler does; the context is still passed on, with flags `00`.
  bool sampled() const { return Trace.Sampled; }

  /// Ends the run span with \p Status (`completed` is OK, anything else an
  /// error with \p Error). Once.
  void finish(llvm::StringRef Status, llvm::StringRef Error);

  /// The trace's id, in hex.
  std::string traceId() const { return hexBytes(Trace.TraceId.data(), 16); }

 private:
  uint64_t newSpanId();
  /// Hands \p S to the exporter, unless the trace is not sampled.
  void record(Span S);
  std::string scrubbed(llvm::StringRef Text) const;

  SpanExporter &Out;
  TraceContext Trace;      ///< The trace, and the run span's id.
  uint64_t RunParent = 0;  ///< The environment's parent span, or 0.
  uint64_t RunStart;
  std::string Plan, RunId;
  std::vector<std::string> Secrets;
  bool Finished = false;

  /// A running attempt (by step node, on the event loop's thread).
  struct Open {
    uint64_t SpanId = 0, StartNs = 0;
    std::string StepId, Action, Model;
  };
  std::vector<Open> Running;

  mutable std::mutex M;  ///< Guards Current and Rng (model calls run on other threads).
  /// A step id's running attempt span (0: none runs).
  llvm::StringMap<uint64_t> Current;
  std::mt19937_64 Rng;
};

}  // namespace orch::observe
