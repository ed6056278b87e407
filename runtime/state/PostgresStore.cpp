//===- PostgresStore.cpp --------------------------------------------------===//
#include "runtime/state/PostgresStore.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include "ir/ConnUrl.h"
#include "runtime/state/Schema.h"

namespace orch::state {

namespace {

/// A query result, cleared on destruction.
class Result {
 public:
  explicit Result(PGresult *R) : R(R) {}
  ~Result() { PQclear(R); }
  Result(const Result &) = delete;
  Result &operator=(const Result &) = delete;
  bool ok() const {
    ExecStatusType S = PQresultStatus(R);
    return S == PGRES_COMMAND_OK || S == PGRES_TUPLES_OK;
  }
  int rows() const { return PQntuples(R); }
  std::string text(int Row, int Col) const {
    return std::string(PQgetvalue(R, Row, Col), PQgetlength(R, Row, Col));
  }
  int64_t integer(int Row, int Col) const { return std::stoll(text(Row, Col)); }
  int64_t affected() const {
    const char *N = PQcmdTuples(R);
    return N && *N ? std::stoll(N) : 0;
  }

 private:
  PGresult *R;
};

/// Row \p N of a result, as runFromRow and stepFromRow read it.
struct RowOf {
  const Result &R;
  int N;
  std::string text(int Col) const { return R.text(N, Col); }
  int64_t integer(int Col) const { return R.integer(N, Col); }
};

/// A parameter: text, or bytes sent in binary.
struct Param {
  std::string Value;
  bool Binary = false;
  Param(llvm::StringRef V) : Value(V.str()) {}
  Param(const char *V) : Value(V) {}
  Param(const std::string &V) : Value(V) {}
  Param(int64_t V) : Value(std::to_string(V)) {}
  static Param bytes(llvm::StringRef V) {
    Param P(V);
    P.Binary = true;
    return P;
  }
};

class PostgresStore : public StateStore {
 public:
  PostgresStore(PGconn *C, std::string Url) : C(C), Shown(redactUrl(Url)) {}
  ~PostgresStore() override { PQfinish(C); }

  llvm::StringRef backend() const override { return "postgresql"; }
  std::string where() const override { return Shown; }

  llvm::Error init() {
    Result Quiet(PQexec(C, "SET client_min_messages TO warning"));
    // A write waits for another session's lock no longer than its lease
    // could go unrenewed (StateStore.h's LockWaitMs).
    Result Wait(PQexec(C, fmt::format("SET lock_timeout = {}", LockWaitMs).c_str()));
    return transaction([&]() -> llvm::Error {
      if (llvm::Error E = run("SELECT pg_advisory_xact_lock(7291301)", {})) return E;
      return run(schemaSql(Dialect::Postgres), {});
    });
  }

  llvm::Error createRun(const RunRecord &R) override {
    return transaction([&]() -> llvm::Error {
      if (llvm::Error E = run(
              "INSERT INTO orch_runs(id,pipeline,plan_hash,plan_path,inputs,status,error,"
              "started_ms,finished_ms) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9)",
              {R.Id, R.Pipeline, R.PlanHash, R.PlanPath, R.InputsJson, R.Status, R.Error,
               R.StartedMs, R.FinishedMs}))
        return E;
      if (R.RetentionDays <= 0) return llvm::Error::success();
      return run("INSERT INTO orch_run_retention(run_id,days) VALUES($1,$2)",
                 {R.Id, R.RetentionDays});
    });
  }

  llvm::Expected<std::optional<RunRecord>> findRun(llvm::StringRef Id) override {
    std::vector<RunRecord> Rs;
    if (llvm::Error E = queryRuns("WHERE r.id = $1", {Id}, Rs)) return E;
    if (Rs.empty()) return std::nullopt;
    return std::move(Rs.front());
  }

  llvm::Expected<std::string> latestRun(llvm::StringRef PlanHash) override {
    auto R = query(
        "SELECT id FROM orch_runs WHERE plan_hash=$1 ORDER BY started_ms DESC, seq DESC "
        "LIMIT 1",
        {PlanHash});
    if (!R) return R.takeError();
    return (*R)->rows() ? (*R)->text(0, 0) : std::string();
  }

  llvm::Expected<std::vector<RunRecord>> listRuns() override {
    std::vector<RunRecord> Rs;
    if (llvm::Error E = queryRuns("", {}, Rs)) return E;
    return Rs;
  }

  llvm::Error finishRun(llvm::StringRef Id, llvm::StringRef Status, llvm::StringRef Error,
                        int64_t FinishedMs) override {
    return run("UPDATE orch_runs SET status=$1, error=$2, finished_ms=$3 WHERE id=$4",
               {Status, Error, FinishedMs, Id});
  }

  llvm::Error putSteps(llvm::ArrayRef<StepRecord> Steps) override {
    if (Steps.empty()) return llvm::Error::success();
    return transaction([&]() -> llvm::Error {
      for (const StepRecord &R : Steps) {
        if (llvm::Error E = run(
                "INSERT INTO orch_steps(run_id,step_id,status,entry,input_hash,attempts) "
                "VALUES($1,$2,$3,$4,$5,$6) ON CONFLICT(run_id,step_id) DO UPDATE SET "
                "status=EXCLUDED.status, entry=EXCLUDED.entry, "
                "input_hash=EXCLUDED.input_hash, attempts=EXCLUDED.attempts",
                {R.RunId, R.StepId, R.Status, R.EntryJson, R.InputHash, R.Attempts}))
          return E;
        // References first: a `gc` that locked them waits for this
        // transaction, or this waits for it and stores the blob anew.
        if (llvm::Error E = putRefs("run:" + R.RunId, R.Blobs)) return E;
        for (const BlobData &D : R.NewBlobs)
          if (llvm::Error E = putBlob(D.Hash, D.Bytes)) return E;
      }
      return llvm::Error::success();
    });
  }

  llvm::Expected<std::vector<StepRecord>> steps(llvm::StringRef RunId) override {
    auto R = query(fmt::format("SELECT {} FROM orch_steps WHERE run_id=$1 ORDER BY seq",
                               StepColumns),
                   {RunId});
    if (!R) return R.takeError();
    std::vector<StepRecord> Out;
    for (int I = 0; I < (*R)->rows(); ++I)
      Out.push_back(stepFromRow(RowOf{**R, I}, RunId));
    return Out;
  }

  llvm::Error appendEvents(llvm::StringRef RunId, llvm::StringRef Lines) override {
    if (Lines.empty()) return llvm::Error::success();
    return run(
        "INSERT INTO orch_events(run_id,chunk,lines) VALUES($1,(SELECT "
        "COALESCE(MAX(chunk),0)+1 FROM orch_events WHERE run_id=$1),$2)",
        {RunId, Lines});
  }

  llvm::Expected<std::string> events(llvm::StringRef RunId) override {
    // A database only an older orchrt wrote has no orch_events: its runs
    // kept no events.
    auto T = query("SELECT to_regclass('orch_events') IS NOT NULL", {});
    if (!T) return T.takeError();
    if ((*T)->rows() != 1 || (*T)->text(0, 0) != "t") return std::string();
    auto R =
        query("SELECT lines FROM orch_events WHERE run_id=$1 ORDER BY chunk", {RunId});
    if (!R) return R.takeError();
    std::string Out;
    for (int I = 0; I < (*R)->rows(); ++I) Out += (*R)->text(I, 0);
    return Out;
  }

  llvm::Expected<std::string> acquireLease(llvm::StringRef RunId, llvm::StringRef Holder,
                                           int64_t NowMs, int64_t TtlMs,
                                           bool (*HolderDead)(llvm::StringRef)) override {
    std::string Other;
    llvm::Error E = transaction([&]() -> llvm::Error {
      // Serializes takers of this run's lease, also when no row exists yet.
      if (llvm::Error E = run("SELECT pg_advisory_xact_lock(hashtext($1))", {RunId}))
        return E;
      auto Q =
          query("SELECT holder, expires_ms FROM orch_leases WHERE run_id=$1", {RunId});
      if (!Q) return Q.takeError();
      if ((*Q)->rows()) Other = leaseBlocker(RowOf{**Q, 0}, Holder, NowMs, HolderDead);
      if (!Other.empty()) return llvm::Error::success();
      return run(
          "INSERT INTO orch_leases(run_id,holder,expires_ms) VALUES($1,$2,$3) "
          "ON CONFLICT(run_id) DO UPDATE SET holder=EXCLUDED.holder, "
          "expires_ms=EXCLUDED.expires_ms",
          {RunId, Holder, NowMs + TtlMs});
    });
    if (E) return E;
    return Other;
  }

  llvm::Error releaseLease(llvm::StringRef RunId, llvm::StringRef Holder) override {
    return run("DELETE FROM orch_leases WHERE run_id=$1 AND holder=$2", {RunId, Holder});
  }

  llvm::Error putBlob(llvm::StringRef Hash, llvm::StringRef Bytes) override {
    return run("INSERT INTO orch_blobs(hash,bytes) VALUES($1,$2) ON CONFLICT DO NOTHING",
               {Hash, Param::bytes(Bytes)});
  }

  llvm::Expected<std::optional<std::string>> getBlob(llvm::StringRef Hash) override {
    auto R = query("SELECT bytes FROM orch_blobs WHERE hash=$1", {Hash}, /*Binary=*/true);
    if (!R) return R.takeError();
    if (!(*R)->rows()) return std::nullopt;
    return std::optional<std::string>((*R)->text(0, 0));
  }

  llvm::Error putCache(const CacheRecord &Rec) override {
    return transaction([&]() -> llvm::Error {
      if (llvm::Error E =
              run("INSERT INTO orch_cache(key,entry,created_ms,expires_ms) "
                  "VALUES($1,$2,$3,$4) "
                  "ON CONFLICT(key) DO UPDATE SET entry=EXCLUDED.entry, "
                  "created_ms=EXCLUDED.created_ms, expires_ms=EXCLUDED.expires_ms",
                  {Rec.Key, Rec.EntryJson, Rec.CreatedMs, Rec.ExpiresMs}))
        return E;
      // The replaced entry's blobs are no longer its.
      if (llvm::Error E =
              run("DELETE FROM orch_blob_refs WHERE owner=$1", {"cache:" + Rec.Key}))
        return E;
      return putRefs("cache:" + Rec.Key, Rec.Blobs);
    });
  }

  llvm::Expected<std::optional<CacheRecord>> getCache(llvm::StringRef Key,
                                                      int64_t NowMs) override {
    auto R = query(
        "SELECT entry, created_ms, expires_ms FROM orch_cache WHERE key=$1 AND "
        "(expires_ms=0 OR expires_ms>$2)",
        {Key, NowMs});
    if (!R) return R.takeError();
    if (!(*R)->rows()) return std::nullopt;
    CacheRecord Rec;
    Rec.Key = Key.str();
    Rec.EntryJson = (*R)->text(0, 0);
    Rec.CreatedMs = (*R)->integer(0, 1);
    Rec.ExpiresMs = (*R)->integer(0, 2);
    return std::optional<CacheRecord>(std::move(Rec));
  }

  llvm::Expected<GcResult> gc(int64_t BeforeMs, int64_t NowMs, bool ByRecorded) override {
    GcResult G;
    llvm::Error E = transaction([&]() -> llvm::Error {
      // Waits for writers that are adding references (putSteps adds them
      // before their blobs) and keeps new ones out until the prune commits.
      if (llvm::Error E =
              run("LOCK TABLE orch_blob_refs IN SHARE ROW EXCLUSIVE MODE", {}))
        return E;
      // Which runs go is decided once: their leases, which say which runs
      // were abandoned, go with them.
      const std::string Ids = "SELECT id FROM orch_gc_runs";
      if (llvm::Error E =
              run("CREATE TEMP TABLE IF NOT EXISTS orch_gc_runs(id TEXT)", {}))
        return E;
      if (llvm::Error E = run("DELETE FROM orch_gc_runs", {})) return E;
      if (llvm::Error E = run(
              "INSERT INTO orch_gc_runs " + prunableRunsSql(BeforeMs, NowMs, ByRecorded),
              {}))
        return E;
      std::string N = std::to_string(NowMs);
      if (llvm::Error E =
              run("DELETE FROM orch_blob_refs WHERE owner IN (SELECT 'run:'||id FROM "
                  "orch_gc_runs)",
                  {}))
        return E;
      if (llvm::Error E =
              run("DELETE FROM orch_leases WHERE run_id IN (" + Ids + ")", {}))
        return E;
      if (llvm::Error E =
              run("DELETE FROM orch_run_retention WHERE run_id IN (" + Ids + ")", {}))
        return E;
      if (llvm::Error E =
              run("DELETE FROM orch_events WHERE run_id IN (" + Ids + ")", {}))
        return E;
      auto S = query("DELETE FROM orch_steps WHERE run_id IN (" + Ids + ")", {});
      if (!S) return S.takeError();
      G.Steps = (*S)->affected();
      auto R = query("DELETE FROM orch_runs WHERE id IN (" + Ids + ")", {});
      if (!R) return R.takeError();
      G.Runs = (*R)->affected();
      if (llvm::Error E =
              run("DELETE FROM orch_blob_refs WHERE owner IN (SELECT 'cache:'||key FROM "
                  "orch_cache WHERE expires_ms>0 AND expires_ms<=$1)",
                  {N}))
        return E;
      auto Cq =
          query("DELETE FROM orch_cache WHERE expires_ms>0 AND expires_ms<=$1", {N});
      if (!Cq) return Cq.takeError();
      G.CacheEntries = (*Cq)->affected();
      auto Bq = query(
          "DELETE FROM orch_blobs b WHERE NOT EXISTS (SELECT 1 FROM orch_blob_refs r "
          "WHERE r.hash=b.hash)",
          {});
      if (!Bq) return Bq.takeError();
      G.Blobs = (*Bq)->affected();
      return llvm::Error::success();
    });
    if (E) return E;
    return G;
  }

  llvm::Expected<std::string> integrityCheck() override {
    // PostgreSQL checks its own pages; ours: nothing refers to a missing row.
    std::string Out;
    for (const auto &[Sql, What] : DanglingChecks) {
      auto R = query(Sql, {});
      if (!R) return R.takeError();
      if (int64_t N = (*R)->integer(0, 0))
        Out += fmt::format("{}{} {}", Out.empty() ? "" : "; ", N, What);
    }
    return Out;
  }

 private:
  /// Notes that \p Owner refers to \p Blobs (gc keeps them).
  llvm::Error putRefs(const std::string &Owner, const std::vector<std::string> &Blobs) {
    for (const std::string &H : Blobs)
      if (llvm::Error E = run("INSERT INTO orch_blob_refs(owner,hash) VALUES($1,$2) ON "
                              "CONFLICT DO NOTHING",
                              {Owner, H}))
        return E;
    return llvm::Error::success();
  }
  llvm::Error fail(llvm::StringRef What) const {
    return llvm::createStringError(
        fmt::format("state store `{}`: cannot {}: {}", Shown, What.str(),
                    llvm::StringRef(PQerrorMessage(C)).rtrim().str()));
  }
  llvm::Expected<std::unique_ptr<Result>> query(const std::string &Sql,
                                                std::vector<Param> Ps,
                                                bool Binary = false) {
    std::vector<const char *> Values;
    std::vector<int> Lengths, Formats;
    for (const Param &P : Ps) {
      Values.push_back(P.Value.c_str());
      Lengths.push_back(static_cast<int>(P.Value.size()));
      Formats.push_back(P.Binary ? 1 : 0);
    }
    PGresult *Raw =
        Ps.empty() && !Binary
            ? PQexec(C, Sql.c_str())
            : PQexecParams(C, Sql.c_str(), static_cast<int>(Ps.size()), nullptr,
                           Values.data(), Lengths.data(), Formats.data(), Binary ? 1 : 0);
    auto R = std::make_unique<Result>(Raw);
    if (!R->ok()) return fail("run a query");
    return R;
  }
  llvm::Error run(const std::string &Sql, std::vector<Param> Ps) {
    auto R = query(Sql, std::move(Ps));
    return R ? llvm::Error::success() : R.takeError();
  }
  template <typename Fn>
  llvm::Error transaction(Fn Body) {
    if (llvm::Error E = run("BEGIN", {})) return E;
    if (llvm::Error E = Body()) {
      Result R(PQexec(C, "ROLLBACK"));
      return E;
    }
    if (llvm::Error E = run("COMMIT", {})) {
      Result R(PQexec(C, "ROLLBACK"));
      return E;
    }
    return llvm::Error::success();
  }
  llvm::Error queryRuns(const char *Where, std::vector<Param> Ps,
                        std::vector<RunRecord> &Out) {
    auto R =
        query(fmt::format("SELECT {} FROM orch_runs r {} ORDER BY r.started_ms DESC, "
                          "r.seq DESC",
                          RunColumns, Where),
              std::move(Ps));
    if (!R) return R.takeError();
    for (int I = 0; I < (*R)->rows(); ++I) Out.push_back(runFromRow(RowOf{**R, I}));
    return llvm::Error::success();
  }

  PGconn *C;
  std::string Shown;
};

}  // namespace

std::string redactUrl(llvm::StringRef Url) { return ir::redactConnUrl(Url); }

llvm::Expected<std::unique_ptr<StateStore>> openPostgresStore(const std::string &Url) {
  PGconn *C = PQconnectdb(Url.c_str());
  if (!C || PQstatus(C) != CONNECTION_OK) {
    std::string Why =
        C ? ir::scrubConnSecrets(Url, llvm::StringRef(PQerrorMessage(C)).trim())
          : "out of memory";
    PQfinish(C);
    return llvm::createStringError(
        fmt::format("cannot connect to the state store `{}`: {}", redactUrl(Url), Why));
  }
  auto S = std::make_unique<PostgresStore>(C, Url);
  if (llvm::Error E = S->init()) return E;
  return std::unique_ptr<StateStore>(std::move(S));
}

}  // namespace orch::state
