//===- Tracer.cpp - A run's spans: run, step attempts, model calls --------===//
#include "runtime/observe/Tracer.h"

#include "ir/Secrets.h"
#include "runtime/observe/Redact.h"

namespace orch::observe {

using orch::ir::Json;

Tracer::Tracer(SpanExporter &Out, std::optional<TraceContext> Parent, std::string Plan,
               std::string RunId, std::vector<std::string> Secrets)
    : Out(Out),
      RunStart(unixNanos()),
      Plan(std::move(Plan)),
      RunId(std::move(RunId)),
      Secrets(std::move(Secrets)),
      Rng(std::random_device{}()) {
  if (Parent) {
    Trace.TraceId = Parent->TraceId;
    Trace.Sampled = Parent->Sampled;
    RunParent = Parent->SpanId;
  } else {
    for (size_t I = 0; I < 16; I += 8) {
      uint64_t R = Rng();
      for (size_t B = 0; B < 8; ++B) Trace.TraceId[I + B] = uint8_t(R >> (8 * B));
    }
  }
  Trace.SpanId = newSpanId();
}

void Tracer::record(Span S) {
  if (Trace.Sampled) Out.add(std::move(S));  // parent-based sampling
}

uint64_t Tracer::newSpanId() {
  std::lock_guard<std::mutex> L(M);
  uint64_t Id;
  do Id = Rng();
  while (Id == 0);
  return Id;
}

std::string Tracer::scrubbed(llvm::StringRef Text) const {
  // URL credentials by form, then the environment's secrets by value.
  Json J = ir::redactUrlCredentials(Text);
  scrubSecrets(J, Secrets);
  return J.get<std::string>();
}

void Tracer::attemptStarted(uint32_t Step, const runtime::ActionRequest &R,
                            const std::string &) {
  if (Running.size() <= Step) Running.resize(Step + 1);
  Open &O = Running[Step];
  O.SpanId = newSpanId();
  O.StartNs = unixNanos();
  O.StepId = R.StepId;
  O.Action = R.Action;
  O.Model = R.Model;
  std::lock_guard<std::mutex> L(M);
  Current[R.StepId] = O.SpanId;
}

void Tracer::attemptEnded(uint32_t Step, unsigned Attempt,
                          const runtime::ActionResult &R) {
  if (Step >= Running.size() || !Running[Step].SpanId) return;
  Open &O = Running[Step];
  {
    std::lock_guard<std::mutex> L(M);
    // Erased, not kept at 0: a loop item's id (`each[3].say`) is its
    // own, so kept entries would grow with every item.
    if (auto It = Current.find(O.StepId); It != Current.end() && It->second == O.SpanId)
      Current.erase(It);
  }
  // The span's name and attributes are made on the exporter's thread
  // (Span::Step): the open attempt's strings move into it.
  Span S;
  S.TraceId = Trace.TraceId;
  S.SpanId = O.SpanId;
  S.ParentId = Trace.SpanId;
  S.StartNs = O.StartNs;
  S.EndNs = unixNanos();
  S.Step.emplace();
  S.Step->StepId = std::move(O.StepId);
  S.Step->Action = std::move(O.Action);
  S.Step->Model = std::move(O.Model);
  S.Step->Attempt = Attempt;
  S.Status = R.Ok ? 1 : 2;
  if (!R.Ok) S.Message = scrubbed(R.Error);
  O.SpanId = 0;
  record(std::move(S));
}

void Tracer::modelCall(const llm::CallStart &C, const llm::CallEnd &E,
                       uint64_t InputTokens, uint64_t OutputTokens, double CostUsd,
                       bool Estimated) {
  Span S;
  S.TraceId = Trace.TraceId;
  S.SpanId = newSpanId();
  {
    std::lock_guard<std::mutex> L(M);
    auto It = Current.find(C.Caller);
    S.ParentId = It == Current.end() || !It->second ? Trace.SpanId : It->second;
  }
  S.Name = "chat " + C.Model.str();
  S.Kind = 3;  // CLIENT
  S.EndNs = unixNanos();
  uint64_t Took = uint64_t(std::chrono::nanoseconds(E.Latency).count());
  S.StartNs = S.EndNs > Took ? S.EndNs - Took : S.EndNs;
  S.Attributes = {{"gen_ai.operation.name", "chat"},
                  {"gen_ai.provider.name", C.Provider.str()},
                  {"gen_ai.system", C.Provider.str()},
                  {"gen_ai.request.model", C.Model.str()},
                  {"gen_ai.usage.input_tokens", InputTokens},
                  {"gen_ai.usage.output_tokens", OutputTokens},
                  {"orch.step", C.Caller.str()},
                  {"orch.cost_usd", CostUsd},
                  {"orch.http_requests", E.Attempts}};
  if (C.MaxTokens) S.Attributes.push_back({"gen_ai.request.max_tokens", C.MaxTokens});
  if (!E.ResponseModel.empty())  // the provider's text: scrubbed as errors are
    S.Attributes.push_back({"gen_ai.response.model", scrubbed(E.ResponseModel)});
  if (Estimated) S.Attributes.push_back({"orch.usage_estimated", true});
  if (!C.SharedRequest.empty())
    S.Attributes.push_back({"orch.shared_request", C.SharedRequest.str()});
  S.Status = E.Ok ? 1 : 2;
  if (!E.Ok) {
    S.Message = scrubbed(E.Error);
    S.Attributes.push_back({"error.type", "model_call_failed"});
  }
  record(std::move(S));
}

std::string Tracer::traceParent(llvm::StringRef StepId) const {
  TraceContext C = Trace;
  {
    std::lock_guard<std::mutex> L(M);
    if (auto It = Current.find(StepId); It != Current.end() && It->second)
      C.SpanId = It->second;
  }
  return formatTraceParent(C);
}

void Tracer::finish(llvm::StringRef Status, llvm::StringRef Error) {
  if (Finished) return;
  Finished = true;
  Span S;
  S.TraceId = Trace.TraceId;
  S.SpanId = Trace.SpanId;
  S.ParentId = RunParent;
  S.Name = "run " + Plan;
  S.StartNs = RunStart;
  S.EndNs = unixNanos();
  S.Attributes = {{"orch.plan", Plan}, {"orch.status", Status.str()}};
  if (!RunId.empty()) S.Attributes.push_back({"orch.run_id", RunId});
  S.Status = Status == "completed" ? 1 : 2;
  if (S.Status == 2) S.Message = scrubbed(Error.empty() ? Status : Error);
  record(std::move(S));
}

}  // namespace orch::observe
