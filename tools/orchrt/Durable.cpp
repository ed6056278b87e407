//===- Durable.cpp --------------------------------------------------------===//
#include "Durable.h"

#include <fmt/format.h>

#include <algorithm>

#include "ir/Eval.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "runtime/actions/ModelStats.h"
#include "runtime/state/EntryCodec.h"

namespace orch::tools {

using json = orch::ir::Json;
using namespace orch::state;

llvm::Expected<std::string> stateSpec(const std::string &State,
                                      const std::string &StateDir,
                                      const std::string &Configured,
                                      llvm::raw_ostream *Warn) {
  // The command line wins over the plan's config.yaml.
  bool FromConfig = State.empty() && StateDir.empty() && !Configured.empty();
  const std::string &Given = FromConfig ? Configured : State;
  std::string Where =
      FromConfig ? fmt::format("storage.connection_string `{}` (config.yaml)", Given)
                 : fmt::format("--state `{}`", Given);
  llvm::StringRef S = Given;
  if (S.starts_with("${") && S.ends_with("}")) {
    std::string Var = S.drop_front(2).drop_back().str();
    const char *V = std::getenv(Var.c_str());
    if (!V || !*V) {
      // A variable the user typed (--state) must be set. One that only
      // config.yaml names (the bundled examples' ${DATABASE_URL}) falls
      // back to the default store, with a warning.
      if (!FromConfig)
        return llvm::createStringError(
            fmt::format("{}: the environment variable `{}` is not set", Where, Var));
      std::string Default = runtime::defaultStateDir();
      if (Warn)
        *Warn << fmt::format(
            "orchrt: warning: {}: the environment variable `{}` is not set; recording "
            "into the default store `{}`\n",
            Where, Var, Default);
      return Default;
    }
    S = V;
    // The value is not echoed: it may hold a password (or be a libpq
    // key=value string, which must not silently become a directory name).
    if (!S.starts_with("postgresql://") && !S.starts_with("postgres://") &&
        !llvm::sys::path::is_absolute(S))
      return llvm::createStringError(fmt::format(
          "{}: the value of `{}` is neither a postgresql:// URL nor an absolute "
          "directory",
          Where, Var));
  }
  if (!S.empty()) {
    // A URL of another scheme (a typo) must not become a directory.
    if (S.contains("://") && !S.starts_with("postgresql://") &&
        !S.starts_with("postgres://"))
      return llvm::createStringError(
          fmt::format("{}: `{}://...` is not a store this orchrt knows; expected a "
                      "postgresql:// URL, `none` or ${{VAR}}",
                      FromConfig ? "storage.connection_string" : "--state",
                      S.take_until([](char C) { return C == ':'; }).str()));
    return S.str();
  }
  return StateDir.empty() ? runtime::defaultStateDir() : StateDir;
}

std::string configuredStore(const runtime::LoadedPlan &Plan) {
  const auto *St = Plan.plan().storage();
  return St && St->connection() ? St->connection()->str() : std::string();
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

std::vector<unsigned> DurableRun::priorAttempts(const runtime::LoadedPlan &Plan) const {
  std::vector<unsigned> Out;
  const auto *Steps = Plan.plan().steps();
  for (uint32_t I = 0; Steps && I < Steps->size(); ++I) {
    auto It = Used.find(Steps->Get(I)->id()->str());
    Out.push_back(It == Used.end() ? 0 : It->second);
  }
  return Out;
}

std::unique_ptr<DurableRun> DurableRun::begin(
    const std::string &Spec, const runtime::LoadedPlan &Plan, const json &Inputs,
    const std::string &PlanPath, const std::string &ResumeId, CheckpointStrategy Strategy,
    runtime::Executor &Exec, StateFailure &Fail) {
  auto Failed = [&](DiagKind K, std::string Msg) {
    Fail = {K, std::move(Msg)};
    return nullptr;
  };
  // One connection: it sets the run up here, then the recorder's writer
  // thread owns it (a PostgreSQL server's connections are few).
  auto Reader = openStateStore(Spec);
  if (!Reader)
    return Failed(DiagKind::StateStoreError, llvm::toString(Reader.takeError()));
  std::unique_ptr<DurableRun> D(new DurableRun());
  D->Where = (*Reader)->where();
  StateStore &S = **Reader;
  std::string Holder = leaseHolder();
  const std::string PlanHash = Plan.contentHash();
  if (ResumeId.empty()) {
    RunRecord R;
    R.StartedMs = unixMs();
    R.Id = newRunId(R.StartedMs);
    R.Pipeline = Plan.plan().name() ? Plan.plan().name()->str() : "";
    R.PlanHash = PlanHash;
    R.PlanPath = PlanPath;
    R.InputsJson = ir::toJsonText(Inputs);
    R.Status = "running";
    if (const auto *St = Plan.plan().storage()) R.RetentionDays = St->retention_days();
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
      // Attempt numbers used up: an attempt in flight at the kill (a
      // `running` row) is the first one again, with the same key.
      unsigned Used =
          static_cast<unsigned>(std::clamp<int64_t>(Rec.Attempts, 0, 1000000));
      D->Used[Rec.StepId] = Rec.Status == "running" && Used ? Used - 1 : Used;
      // Completed steps and failed ones (resumeFrom keeps those whose
      // policy is `continue`); the rest runs again.
      if (Rec.Status != "completed" && Rec.Status != "failed") continue;
      auto E = decodeEntry(Rec.EntryJson, S, RunId, Rec.StepId);
      if (!E)
        return Failed(DiagKind::ResumeMismatch,
                      RunId + '\0' + llvm::toString(E.takeError()));
      if ((*E)["status"] != Rec.Status || (*E)["attempts"] != Rec.Attempts)
        return Failed(DiagKind::ResumeMismatch,
                      RunId + '\0' +
                          fmt::format("run `{}`, step `{}`, field `status`: the record "
                                      "disagrees with its row",
                                      RunId, Rec.StepId));
      // resumeFrom compares it with the step's inputs rendered now.
      if (!Rec.InputHash.empty()) (*E)["input_hash"] = Rec.InputHash;
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
      std::make_unique<Recorder>(std::move(*Reader), Exec, D->Id.RunId, Holder, Strategy);
  return D;
}

}  // namespace orch::tools
