//===- Metrics.cpp --------------------------------------------------------===//
#include "runtime/observe/Metrics.h"

#include <fmt/format.h>

#include <cmath>

#include "llvm/ADT/StringMap.h"

namespace orch::observe {

namespace {

/// A label value escaped as the exposition format asks: `\`, `"`, newline.
std::string escapeLabel(llvm::StringRef V) {
  std::string Out;
  Out.reserve(V.size());
  for (char C : V) {
    if (C == '\\')
      Out += "\\\\";
    else if (C == '"')
      Out += "\\\"";
    else if (C == '\n')
      Out += "\\n";
    else
      Out += C;
  }
  return Out;
}

/// `{a="x",b="y"}` (with \p Extra appended inside), or "" without labels.
std::string labels(const std::vector<llvm::StringRef> &Names,
                   const std::vector<std::string> &Values, llvm::StringRef Extra = "") {
  std::string Out;
  for (size_t I = 0; I < Names.size() && I < Values.size(); ++I)
    Out += fmt::format("{}{}=\"{}\"", Out.empty() ? "" : ",", Names[I].str(),
                       escapeLabel(Values[I]));
  if (!Extra.empty()) Out += (Out.empty() ? "" : ",") + Extra.str();
  return Out.empty() ? "" : "{" + Out + "}";
}

/// A sample value: integers as such, others with enough digits to round-trip.
std::string number(double V) {
  if (std::isinf(V)) return V > 0 ? "+Inf" : "-Inf";
  if (V == std::floor(V) && std::fabs(V) < 1e15) return fmt::format("{}", int64_t(V));
  return fmt::format("{}", V);
}

void family(std::string &Out, llvm::StringRef Name, llvm::StringRef Type,
            llvm::StringRef Help) {
  Out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", Name.str(), Help.str(), Name.str(),
                     Type.str());
}

/// A counter family: \p Values maps label values to counts.
template <class Map>
void counters(std::string &Out, llvm::StringRef Name, llvm::StringRef Help,
              const std::vector<llvm::StringRef> &Names, const Map &Values) {
  family(Out, Name, "counter", Help);
  for (const auto &[K, V] : Values)
    Out += fmt::format("{}{} {}\n", Name.str(), labels(Names, K),
                       V.N.load(std::memory_order_relaxed));
}

/// The sample \p Slot caches, found by \p Find (under Metrics' lock) the
/// first time: MetricsObserver's samples are looked up once each.
template <class T, class FindFn>
T &once(T *&Slot, FindFn Find) {
  if (!Slot) Slot = &Find();
  return *Slot;
}

}  // namespace

void Metrics::runStarted(llvm::StringRef PlanName, size_t N) {
  std::lock_guard<std::mutex> L(M);
  Plan = PlanName.str();
  Steps = N;
}

void Metrics::Histogram::observe(double Secs) {
  size_t B = 0;
  while (B < DurationBuckets.size() && Secs > DurationBuckets[B]) ++B;
  Buckets[B].fetch_add(1, std::memory_order_relaxed);
  Sum.add(Secs);
}

Metrics::Counter &Metrics::stepsSample(llvm::StringRef Action, llvm::StringRef Status) {
  return lockedSlot(StepsByStatus, {Action, Status});
}

Metrics::Counter &Metrics::attemptsSample(llvm::StringRef Action, bool Ok) {
  return lockedSlot(AttemptsByStatus, {Action, Ok ? "completed" : "failed"});
}

Metrics::Histogram &Metrics::durationSample(llvm::StringRef Action) {
  return lockedSlot(Durations, {Action});
}

Metrics::Summary &Metrics::queueWaitSample(llvm::StringRef Action) {
  return lockedSlot(QueueWait, {Action});
}

Metrics::Summary &Metrics::groupWaitSample(llvm::StringRef Group) {
  return lockedSlot(GroupWait, {Group});
}

void Metrics::running(bool Started) {
  if (Started) {
    Running.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  uint64_t R = Running.load(std::memory_order_relaxed);
  while (R && !Running.compare_exchange_weak(R, R - 1, std::memory_order_relaxed)) {
  }
}

void Metrics::stepSettled(llvm::StringRef Action, llvm::StringRef Status) {
  stepsSample(Action, Status).add();
}

void Metrics::attemptStarted(llvm::StringRef) { running(true); }

void Metrics::attemptEnded(llvm::StringRef Action, bool Ok, double Seconds) {
  // Never started: the only such end is a stop() during the step's cache
  // lookup (a cache hit ends no attempt). It ran nothing: not counted.
  if (Seconds < 0) return;
  attemptsSample(Action, Ok).add();
  running(false);
  durationSample(Action).observe(Seconds);
}

Metrics::Counter &Metrics::retriesSample(llvm::StringRef Action) {
  return lockedSlot(Retries, {Action});
}

void Metrics::retried(llvm::StringRef Action) { retriesSample(Action).add(); }

void Metrics::waited(llvm::StringRef Action, llvm::StringRef Group, double QueueSeconds,
                     double GroupSeconds) {
  queueWaitSample(Action).observe(QueueSeconds);
  if (!Group.empty()) groupWaitSample(Group).observe(GroupSeconds);
}

void Metrics::modelCall(llvm::StringRef Model, llvm::StringRef Provider,
                        uint64_t InputTokens, uint64_t OutputTokens, double CostUsd,
                        unsigned NRetries, bool Ok) {
  std::lock_guard<std::mutex> L(M);
  ModelSpend &S = slot(Models, {Model, Provider});
  ++S.Calls;
  if (!Ok) ++S.Failed;
  S.InputTokens += InputTokens;
  S.OutputTokens += OutputTokens;
  S.Retries += NRetries;
  S.CostUsd += CostUsd;
}

void Metrics::tokenRateWait(llvm::StringRef Provider, double Seconds) {
  lockedSlot(TokenWait, {Provider}).observe(Seconds);
}

void Metrics::breakerState(llvm::StringRef Provider, unsigned State) {
  std::lock_guard<std::mutex> L(M);
  slot(Breakers, {Provider}) = State;
}

std::string Metrics::render() const {
  std::lock_guard<std::mutex> L(M);
  std::string Out;
  family(Out, "orch_run_info", "gauge", "The run's plan (value 1).");
  Out += fmt::format("orch_run_info{{plan=\"{}\"}} 1\n", escapeLabel(Plan));
  family(Out, "orch_run_steps", "gauge", "Steps in the run's plan.");
  Out += fmt::format("orch_run_steps {}\n", Steps);
  family(Out, "orch_attempts_running", "gauge", "Step attempts running now.");
  Out +=
      fmt::format("orch_attempts_running {}\n", Running.load(std::memory_order_relaxed));
  counters(Out, "orch_steps_total", "Steps settled, by action and final status.",
           {"action", "status"}, StepsByStatus);
  counters(Out, "orch_attempts_total", "Step attempts ended, by action and status.",
           {"action", "status"}, AttemptsByStatus);
  counters(Out, "orch_step_retries_total",
           "Step attempts scheduled again after a failure.", {"action"}, Retries);

  family(Out, "orch_attempt_duration_seconds", "histogram",
         "Step attempts' durations, by action.");
  for (const auto &[K, H] : Durations) {
    uint64_t Cum = 0;
    for (size_t B = 0; B < DurationBuckets.size(); ++B) {
      Cum += H.Buckets[B].load(std::memory_order_relaxed);
      Out += fmt::format(
          "orch_attempt_duration_seconds_bucket{} {}\n",
          labels({"action"}, K, fmt::format("le=\"{}\"", number(DurationBuckets[B]))),
          Cum);
    }
    Cum += H.Buckets.back().load(std::memory_order_relaxed);
    Out += fmt::format("orch_attempt_duration_seconds_bucket{} {}\n",
                       labels({"action"}, K, "le=\"+Inf\""), Cum);
    Out += fmt::format("orch_attempt_duration_seconds_sum{} {}\n", labels({"action"}, K),
                       number(H.Sum.S.load(std::memory_order_relaxed)));
    Out += fmt::format("orch_attempt_duration_seconds_count{} {}\n",
                       labels({"action"}, K), Cum);
  }
  auto Summaries = [&](llvm::StringRef Name, llvm::StringRef Help, llvm::StringRef Label,
                       const Family<Summary> &Values) {
    family(Out, Name, "summary", Help);
    for (const auto &[K, S] : Values) {
      // The count first: a sum read after it may include one more.
      uint64_t Count = S.Count.load(std::memory_order_relaxed);
      Out += fmt::format("{}_sum{} {}\n", Name.str(), labels({Label}, K),
                         number(S.Sum.S.load(std::memory_order_relaxed)));
      Out += fmt::format("{}_count{} {}\n", Name.str(), labels({Label}, K), Count);
    }
  };
  Summaries("orch_queue_wait_seconds",
            "Time from a step being ready to its attempt starting, by action.", "action",
            QueueWait);
  Summaries("orch_group_wait_seconds",
            "Time steps waited for a slot or a token of their resource group, by group.",
            "group", GroupWait);
  Summaries("orch_token_rate_wait_seconds",
            "Time model requests waited for their provider's tokens_per_minute, by "
            "provider (calls to a provider with such a limit).",
            "provider", TokenWait);

  auto ModelFamily = [&](llvm::StringRef Name, llvm::StringRef Help, auto Field) {
    family(Out, Name, "counter", Help);
    for (const auto &[K, S] : Models)
      Out += fmt::format("{}{} {}\n", Name.str(), labels({"model", "provider"}, K),
                         number(double(Field(S))));
  };
  ModelFamily("orch_model_calls_total", "Model calls, by model and provider.",
              [](const ModelSpend &S) { return S.Calls; });
  ModelFamily("orch_model_failed_calls_total", "Model calls that failed.",
              [](const ModelSpend &S) { return S.Failed; });
  ModelFamily("orch_model_input_tokens_total", "Input tokens of model calls.",
              [](const ModelSpend &S) { return S.InputTokens; });
  ModelFamily("orch_model_output_tokens_total", "Output tokens of model calls.",
              [](const ModelSpend &S) { return S.OutputTokens; });
  ModelFamily("orch_model_retries_total",
              "HTTP requests of model calls beyond the first.",
              [](const ModelSpend &S) { return S.Retries; });
  ModelFamily("orch_model_cost_usd_total",
              "Cost of model calls in USD (registry prices).",
              [](const ModelSpend &S) { return S.CostUsd; });
  family(Out, "orch_circuit_breaker_state", "gauge",
         "Each provider's circuit breaker as its latest model call left it: 0 closed, "
         "1 open, 2 half-open.");
  for (const auto &[K, V] : Breakers)
    Out += fmt::format("orch_circuit_breaker_state{} {}\n", labels({"provider"}, K), V);
  return Out;
}

MetricsObserver::MetricsObserver(Metrics &Into, const runtime::LoadedPlan &Plan)
    : Into(Into) {
  const auto *Steps = Plan.plan().steps();
  const auto *PlanGroups = Plan.plan().groups();  // sized for GroupWaits
  size_t N = Steps ? Steps->size() : 0;
  Actions.resize(N);
  Started.resize(N);
  ActionOf.resize(N);
  GroupOf.assign(N, -1);
  llvm::StringMap<uint32_t> Seen;  // an action's samples are shared by its steps
  for (size_t I = 0; I < N; ++I) {
    const auto *S = Steps->Get(I);
    if (S->action()) Actions[I] = S->action()->str();
    ActionOf[I] = Seen.try_emplace(Actions[I], uint32_t(Seen.size())).first->second;
    if (!runtime::stepGroupName(Plan.plan(), uint32_t(I)).empty())
      GroupOf[I] = S->group();  // as Metrics::waited: no group, no sample
  }
  for (uint32_t G = 0; PlanGroups && G < PlanGroups->size(); ++G) {
    const auto *Name = PlanGroups->Get(G)->name();
    GroupNames.push_back(Name ? Name->str() : std::string());
  }
  Samples.resize(Seen.size());
  GroupWaits.assign(PlanGroups ? PlanGroups->size() : 0, nullptr);
  const auto *Name = Plan.plan().name();
  Into.runStarted(Name ? Name->string_view() : "", N);
}

void MetricsObserver::stepRetrying(uint32_t Step, std::chrono::milliseconds,
                                   const std::string &) {
  uint32_t J = planStep(Step);
  if (J >= Actions.size()) return;
  once(
      Samples[ActionOf[J]].Retries,
      [&]() -> auto & { return Into.retriesSample(Actions[J]); })
      .add();
}

void MetricsObserver::stepSettled(uint32_t Step) {
  if (Step >= Actions.size()) return;
  if (!Sched) {
    Into.stepSettled(Actions[Step], "settled");
    return;
  }
  runtime::StepStatus S = Sched->state(Step).Status;
  once(
      Samples[ActionOf[Step]].Steps[size_t(S)],
      [&]() -> auto & {
        return Into.stepsSample(Actions[Step], runtime::stepStatusName(S));
      })
      .add();
}

void MetricsObserver::attemptWaited(uint32_t Step, std::chrono::microseconds Queue,
                                    std::chrono::microseconds Group) {
  uint32_t J = planStep(Step);
  if (J >= Actions.size()) return;
  once(
      Samples[ActionOf[J]].QueueWait,
      [&]() -> auto & { return Into.queueWaitSample(Actions[J]); })
      .observe(Queue.count() / 1e6);
  // The group it waited in (a templated model's provider's), not the plan's.
  int32_t G = Sched && Step < Sched->nodes() ? Sched->groupIndexOf(Step) : GroupOf[J];
  if (G >= 0 && size_t(G) < GroupWaits.size() && !GroupNames[size_t(G)].empty())
    once(
        GroupWaits[size_t(G)],
        [&]() -> auto & { return Into.groupWaitSample(GroupNames[size_t(G)]); })
        .observe(Group.count() / 1e6);
}

void MetricsObserver::attemptStarted(uint32_t Step, const runtime::ActionRequest &,
                                     const std::string &) {
  if (Started.size() <= Step) Started.resize(Step + 1);
  Started[Step] = std::chrono::steady_clock::now();
  Into.running(true);
}

void MetricsObserver::attemptEnded(uint32_t Step, unsigned,
                                   const runtime::ActionResult &R) {
  uint32_t J = planStep(Step);
  if (J >= Actions.size()) return;
  double Seconds = -1;
  if (Step < Started.size() && Started[Step] != std::chrono::steady_clock::time_point{}) {
    Seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - Started[Step])
            .count();
    Started[Step] = {};
  }
  // Never started (a stop during the step's cache lookup): not counted,
  // as Metrics::attemptEnded.
  if (Seconds < 0) return;
  ActionSamples &A = Samples[ActionOf[J]];
  once(
      R.Ok ? A.Ok : A.Failed,
      [&]() -> auto & { return Into.attemptsSample(Actions[J], R.Ok); })
      .add();
  Into.running(false);
  once(
      A.Durations, [&]() -> auto & { return Into.durationSample(Actions[J]); })
      .observe(Seconds);
}

}  // namespace orch::observe
