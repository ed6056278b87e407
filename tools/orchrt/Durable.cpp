//===- Durable.cpp --------------------------------------------------------===//
#include "Durable.h"

#include <fmt/format.h>

#include "ir/Eval.h"
#include "runtime/actions/ModelStats.h"
#include "runtime/state/EntryCodec.h"

namespace orch::tools {

using json = orch::ir::Json;
using namespace orch::state;

std::string stateSpec(const std::string &State, const std::string &StateDir) {
  llvm::StringRef S = State;
  if (S.starts_with("${") && S.ends_with("}")) {
    const char *V = std::getenv(S.drop_front(2).drop_back().str().c_str());
    return V ? V : "";
  }
  if (!S.empty()) return State;
  return StateDir.empty() ? runtime::defaultStateDir() : StateDir;
}

namespace {

/// Why \p Stored (a run's inputs, JSON text) and \p Now differ: the names
/// of the inputs that differ, or "".
std::string inputsDiffer(const std::string &Stored, const json &Now) {
  json Then = json::parse(Stored, nullptr, false);
  if (!Then.is_object() || !Now.is_object())
    return Then == Now ? "" : "its inputs differ";
  std::vector<std::string> Names;
  for (auto &[K, V] : Now.items())
    if (!Then.contains(K) || Then[K] != V) Names.push_back(K);
  for (auto &[K, V] : Then.items())
    if (!Now.contains(K)) Names.push_back(K);
  if (Names.empty()) return "";
  std::sort(Names.begin(), Names.end());
  std::string List;
  for (const std::string &N : Names) List += (List.empty() ? "`" : ", `") + N + "`";
  return fmt::format("it was run with other inputs: {} differ{}", List,
                     Names.size() == 1 ? "s" : "");
}

}  // namespace

DurableRun::~DurableRun() = default;

std::unique_ptr<DurableRun> DurableRun::begin(
    const std::string &Spec, const runtime::LoadedPlan &Plan, const json &Inputs,
    const std::string &PlanPath, const std::string &ResumeId, CheckpointStrategy Strategy,
    runtime::Executor &Exec, StateFailure &Fail) {
  auto Failed = [&](DiagKind K, std::string Msg) {
    Fail = {K, std::move(Msg)};
    return nullptr;
  };
  // One connection to set up and read, one for the writer thread.
  auto Reader = openStateStore(Spec);
  if (!Reader)
    return Failed(DiagKind::StateStoreError, llvm::toString(Reader.takeError()));
  auto Writer = openStateStore(Spec);
  if (!Writer)
    return Failed(DiagKind::StateStoreError, llvm::toString(Writer.takeError()));
  std::unique_ptr<DurableRun> D(new DurableRun());
  D->Where = (*Reader)->where();
  StateStore &S = **Reader;
  std::string Holder = leaseHolder();
  const std::string PlanHash = Plan.contentHash();
  if (ResumeId.empty()) {
    RunRecord R;
    R.Id = newRunId();
    R.Pipeline = Plan.plan().name() ? Plan.plan().name()->str() : "";
    R.PlanHash = PlanHash;
    R.PlanPath = PlanPath;
    R.InputsJson = ir::toJsonText(Inputs);
    R.Status = "running";
    R.StartedMs = unixMs();
    if (llvm::Error E = S.createRun(R))
      return Failed(DiagKind::StateStoreError, llvm::toString(std::move(E)));
    D->Id = {R.Id, R.Pipeline, R.StartedMs, false};
  } else {
    std::string RunId = ResumeId;
    if (ResumeId == "last") {
      auto L = S.latestRun(PlanHash);
      if (!L) return Failed(DiagKind::StateStoreError, llvm::toString(L.takeError()));
      if (L->empty())
        return Failed(DiagKind::UnknownRun, std::string("last") + '\0' + D->Where +
                                                " (no earlier run of this plan)");
      RunId = *L;
    }
    auto R = S.findRun(RunId);
    if (!R) return Failed(DiagKind::StateStoreError, llvm::toString(R.takeError()));
    if (!*R) return Failed(DiagKind::UnknownRun, RunId + '\0' + D->Where);
    const RunRecord &Run = **R;
    if (Run.PlanHash != PlanHash)
      return Failed(DiagKind::ResumeMismatch,
                    RunId + '\0' +
                        fmt::format("it ran another plan (`{}`, hash {}); this plan's "
                                    "hash is {}",
                                    Run.PlanPath, Run.PlanHash.substr(0, 12),
                                    PlanHash.substr(0, 12)));
    if (std::string Why = inputsDiffer(Run.InputsJson, Inputs); !Why.empty())
      return Failed(DiagKind::ResumeMismatch, RunId + '\0' + Why);
    auto Other = S.acquireLease(RunId, Holder, unixMs(), LeaseTtlMs, holderIsDead);
    if (!Other)
      return Failed(DiagKind::StateStoreError, llvm::toString(Other.takeError()));
    if (!Other->empty()) return Failed(DiagKind::RunLeased, RunId + '\0' + *Other);
    auto Steps = S.steps(RunId);
    if (!Steps)
      return Failed(DiagKind::StateStoreError, llvm::toString(Steps.takeError()));
    json StepsJ = json::object();
    for (const StepRecord &Rec : *Steps) {
      if (Rec.Status != "completed") continue;  // runs again
      auto E = decodeEntry(Rec.EntryJson, S, RunId, Rec.StepId);
      if (!E)
        return Failed(DiagKind::ResumeMismatch,
                      RunId + '\0' + llvm::toString(E.takeError()));
      if ((*E)["status"] != "completed" || (*E)["attempts"] != Rec.Attempts)
        return Failed(DiagKind::ResumeMismatch,
                      RunId + '\0' +
                          fmt::format("run `{}`, step `{}`, field `status`: the record "
                                      "disagrees with its row",
                                      RunId, Rec.StepId));
      StepsJ[Rec.StepId] = std::move(*E);
    }
    D->Prior =
        json{{"plan_hash", PlanHash}, {"inputs", Inputs}, {"steps", std::move(StepsJ)}};
    if (llvm::Error E = S.finishRun(RunId, "running", "", 0))
      return Failed(DiagKind::StateStoreError, llvm::toString(std::move(E)));
    D->Id = {RunId, Run.Pipeline, Run.StartedMs, true};
  }
  if (!D->Id.Resumed) {
    auto Other = S.acquireLease(D->Id.RunId, Holder, unixMs(), LeaseTtlMs, holderIsDead);
    if (!Other)
      return Failed(DiagKind::StateStoreError, llvm::toString(Other.takeError()));
  }
  D->Rec =
      std::make_unique<Recorder>(std::move(*Writer), Exec, D->Id.RunId, Holder, Strategy);
  return D;
}

}  // namespace orch::tools
