//===- SqliteStore.cpp ----------------------------------------------------===//
#include "runtime/state/SqliteStore.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/state/Schema.h"

namespace orch::state {

namespace {

/// How long a writer waits for another process's transaction (ms).
constexpr int BusyTimeoutMs = static_cast<int>(LockWaitMs);

/// A prepared statement, finalized on destruction.
class Stmt {
 public:
  Stmt(sqlite3 *Db, const char *Sql) {
    Rc = sqlite3_prepare_v2(Db, Sql, -1, &S, nullptr);
  }
  ~Stmt() { sqlite3_finalize(S); }
  Stmt(const Stmt &) = delete;
  Stmt &operator=(const Stmt &) = delete;
  bool ok() const { return Rc == SQLITE_OK; }
  Stmt &bind(int I, llvm::StringRef V) {
    sqlite3_bind_text(S, I, V.data(), static_cast<int>(V.size()), SQLITE_TRANSIENT);
    return *this;
  }
  /// As bind(), without a copy: \p V must outlive the next reset().
  Stmt &bindRef(int I, llvm::StringRef V) {
    sqlite3_bind_text(S, I, V.data(), static_cast<int>(V.size()), SQLITE_STATIC);
    return *this;
  }
  Stmt &bindBlob(int I, llvm::StringRef V) {
    sqlite3_bind_blob(S, I, V.data(), static_cast<int>(V.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt &bind(int I, int64_t V) {
    sqlite3_bind_int64(S, I, V);
    return *this;
  }
  /// SQLITE_ROW, SQLITE_DONE or an error.
  int step() { return sqlite3_step(S); }
  void reset() {
    sqlite3_reset(S);
    sqlite3_clear_bindings(S);
  }
  std::string text(int I) const {
    const void *P = sqlite3_column_blob(S, I);
    int N = sqlite3_column_bytes(S, I);
    return P ? std::string(static_cast<const char *>(P), N) : std::string();
  }
  int64_t integer(int I) const { return sqlite3_column_int64(S, I); }

 private:
  sqlite3_stmt *S = nullptr;
  int Rc;
};

class SqliteStore : public StateStore {
 public:
  SqliteStore(sqlite3 *Db, std::string Path) : Db(Db), Path(std::move(Path)) {}
  ~SqliteStore() override { sqlite3_close_v2(Db); }

  llvm::StringRef backend() const override { return "sqlite"; }
  std::string where() const override { return Path; }

  llvm::Error init() {
    sqlite3_busy_timeout(Db, BusyTimeoutMs);
    // WAL: readers never block the writer; NORMAL: a commit survives the
    // process being killed (not a power cut between checkpoints).
    if (llvm::Error E = exec("PRAGMA journal_mode=WAL")) return E;
    if (llvm::Error E = exec("PRAGMA synchronous=NORMAL")) return E;
    if (llvm::Error E = exec("PRAGMA foreign_keys=OFF")) return E;
    return transaction([&] { return exec(schemaSql(Dialect::Sqlite)); });
  }

  llvm::Error createRun(const RunRecord &R) override {
    return transaction([&]() -> llvm::Error {
      Stmt S(Db,
             "INSERT INTO orch_runs(id,pipeline,plan_hash,plan_path,inputs,status,error,"
             "started_ms,finished_ms) VALUES(?,?,?,?,?,?,?,?,?)");
      if (!S.ok()) return fail("prepare");
      S.bind(1, R.Id).bind(2, R.Pipeline).bind(3, R.PlanHash).bind(4, R.PlanPath);
      S.bind(5, R.InputsJson).bind(6, R.Status).bind(7, R.Error);
      S.bind(8, R.StartedMs).bind(9, R.FinishedMs);
      if (llvm::Error E = done(S.step(), "create run")) return E;
      if (R.RetentionDays <= 0) return llvm::Error::success();
      Stmt K(Db, "INSERT INTO orch_run_retention(run_id,days) VALUES(?,?)");
      if (!K.ok()) return fail("prepare");
      K.bind(1, R.Id).bind(2, R.RetentionDays);
      return done(K.step(), "create run");
    });
  }

  llvm::Expected<std::optional<RunRecord>> findRun(llvm::StringRef Id) override {
    std::vector<RunRecord> Rs;
    if (llvm::Error E = queryRuns("WHERE r.id = ?", Id, Rs)) return E;
    if (Rs.empty()) return std::nullopt;
    return std::move(Rs.front());
  }

  llvm::Expected<std::string> latestRun(llvm::StringRef PlanHash) override {
    Stmt S(Db,
           "SELECT id FROM orch_runs WHERE plan_hash = ? ORDER BY started_ms DESC, rowid "
           "DESC "
           "LIMIT 1");
    if (!S.ok()) return fail("prepare");
    S.bind(1, PlanHash);
    int Rc = S.step();
    if (Rc == SQLITE_ROW) return S.text(0);
    if (Rc == SQLITE_DONE) return std::string();
    return fail("find the latest run");
  }

  llvm::Expected<std::vector<RunRecord>> listRuns() override {
    std::vector<RunRecord> Rs;
    if (llvm::Error E = queryRuns("", "", Rs)) return E;
    return Rs;
  }

  llvm::Error finishRun(llvm::StringRef Id, llvm::StringRef Status, llvm::StringRef Error,
                        int64_t FinishedMs) override {
    return transaction([&]() -> llvm::Error {
      Stmt S(Db, "UPDATE orch_runs SET status=?, error=?, finished_ms=? WHERE id=?");
      if (!S.ok()) return fail("prepare");
      S.bind(1, Status).bind(2, Error).bind(3, FinishedMs).bind(4, Id);
      return done(S.step(), "finish run");
    });
  }

  llvm::Error putSteps(llvm::ArrayRef<StepRecord> Steps) override {
    if (Steps.empty()) return llvm::Error::success();
    return transaction([&]() -> llvm::Error {
      Stmt S(Db,
             "INSERT OR REPLACE INTO "
             "orch_steps(run_id,step_id,status,entry,input_hash,attempts)"
             " VALUES(?,?,?,?,?,?)");
      Stmt B(Db, "INSERT OR IGNORE INTO orch_blob_refs(owner,hash) VALUES(?,?)");
      Stmt Blob(Db, "INSERT OR IGNORE INTO orch_blobs(hash, bytes) VALUES(?,?)");
      if (!S.ok() || !B.ok() || !Blob.ok()) return fail("prepare");
      // One statement each for the whole batch, in one transaction; the
      // records' strings are bound without a copy (they outlive each step).
      for (const StepRecord &R : Steps) {
        S.bindRef(1, R.RunId).bindRef(2, R.StepId).bindRef(3, R.Status);
        S.bindRef(4, R.EntryJson).bindRef(5, R.InputHash).bind(6, R.Attempts);
        if (llvm::Error E = done(S.step(), "record step")) return E;
        S.reset();
        const std::string Owner = R.Blobs.empty() ? "" : "run:" + R.RunId;
        for (const std::string &H : R.Blobs) {
          B.bindRef(1, Owner).bindRef(2, H);
          if (llvm::Error E = done(B.step(), "record blob reference")) return E;
          B.reset();
        }
        for (const BlobData &D : R.NewBlobs) {
          Blob.bind(1, D.Hash).bindBlob(2, D.Bytes);
          if (llvm::Error E = done(Blob.step(), "store blob")) return E;
          Blob.reset();
        }
      }
      return llvm::Error::success();
    });
  }

  llvm::Expected<std::vector<StepRecord>> steps(llvm::StringRef RunId) override {
    std::string Sql = fmt::format(
        "SELECT {} FROM orch_steps WHERE run_id=? ORDER BY rowid", StepColumns);
    Stmt S(Db, Sql.c_str());
    if (!S.ok()) return fail("prepare");
    S.bind(1, RunId);
    std::vector<StepRecord> Out;
    int Rc;
    while ((Rc = S.step()) == SQLITE_ROW) Out.push_back(stepFromRow(S, RunId));
    if (Rc != SQLITE_DONE) return fail("read steps");
    return Out;
  }

  llvm::Error appendEvents(llvm::StringRef RunId, llvm::StringRef Lines) override {
    if (Lines.empty()) return llvm::Error::success();
    return transaction([&]() -> llvm::Error {
      Stmt S(Db,
             "INSERT INTO orch_events(run_id,chunk,lines) VALUES(?,(SELECT "
             "COALESCE(MAX(chunk),0)+1 FROM orch_events WHERE run_id=?),?)");
      if (!S.ok()) return fail("prepare");
      S.bind(1, RunId).bind(2, RunId).bind(3, Lines);
      return done(S.step(), "record events");
    });
  }

  llvm::Expected<std::string> events(llvm::StringRef RunId) override {
    // A store only an older orchrt wrote has no orch_events (a read-only
    // open creates nothing): its runs kept no events.
    {
      Stmt T(Db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name='orch_events'");
      if (!T.ok()) return fail("prepare");
      int Rc = T.step();
      if (Rc == SQLITE_DONE) return std::string();
      if (Rc != SQLITE_ROW) return fail("read events");
    }
    Stmt S(Db, "SELECT lines FROM orch_events WHERE run_id=? ORDER BY chunk");
    if (!S.ok()) return fail("prepare");
    S.bind(1, RunId);
    std::string Out;
    int Rc;
    while ((Rc = S.step()) == SQLITE_ROW) Out += S.text(0);
    if (Rc != SQLITE_DONE) return fail("read events");
    return Out;
  }

  llvm::Expected<std::string> acquireLease(llvm::StringRef RunId, llvm::StringRef Holder,
                                           int64_t NowMs, int64_t TtlMs,
                                           bool (*HolderDead)(llvm::StringRef)) override {
    std::string Other;
    llvm::Error E = transaction([&]() -> llvm::Error {
      Stmt Q(Db, "SELECT holder, expires_ms FROM orch_leases WHERE run_id=?");
      if (!Q.ok()) return fail("prepare");
      Q.bind(1, RunId);
      int Rc = Q.step();
      if (Rc == SQLITE_ROW)
        Other = leaseBlocker(Q, Holder, NowMs, HolderDead);
      else if (Rc != SQLITE_DONE)
        return fail("read lease");
      if (!Other.empty()) return llvm::Error::success();
      Stmt U(
          Db,
          "INSERT OR REPLACE INTO orch_leases(run_id,holder,expires_ms) VALUES(?,?,?)");
      if (!U.ok()) return fail("prepare");
      U.bind(1, RunId).bind(2, Holder).bind(3, NowMs + TtlMs);
      return done(U.step(), "take lease");
    });
    if (E) return E;
    return Other;
  }

  llvm::Error releaseLease(llvm::StringRef RunId, llvm::StringRef Holder) override {
    return transaction([&]() -> llvm::Error {
      Stmt S(Db, "DELETE FROM orch_leases WHERE run_id=? AND holder=?");
      if (!S.ok()) return fail("prepare");
      S.bind(1, RunId).bind(2, Holder);
      return done(S.step(), "release lease");
    });
  }

  llvm::Error putBlob(llvm::StringRef Hash, llvm::StringRef Bytes) override {
    return transaction([&]() -> llvm::Error {
      Stmt S(Db, "INSERT OR IGNORE INTO orch_blobs(hash, bytes) VALUES(?,?)");
      if (!S.ok()) return fail("prepare");
      S.bind(1, Hash).bindBlob(2, Bytes);
      return done(S.step(), "store blob");
    });
  }

  llvm::Expected<std::optional<std::string>> getBlob(llvm::StringRef Hash) override {
    Stmt S(Db, "SELECT bytes FROM orch_blobs WHERE hash=?");
    if (!S.ok()) return fail("prepare");
    S.bind(1, Hash);
    int Rc = S.step();
    if (Rc == SQLITE_ROW) return std::optional<std::string>(S.text(0));
    if (Rc == SQLITE_DONE) return std::nullopt;
    return fail("read blob");
  }

  llvm::Error putCache(const CacheRecord &C) override {
    return transaction([&]() -> llvm::Error {
      Stmt S(Db,
             "INSERT OR REPLACE INTO orch_cache(key,entry,created_ms,expires_ms) "
             "VALUES(?,?,?,?)");
      Stmt B(Db, "INSERT OR IGNORE INTO orch_blob_refs(owner,hash) VALUES(?,?)");
      Stmt Old(Db, "DELETE FROM orch_blob_refs WHERE owner=?");
      if (!S.ok() || !B.ok() || !Old.ok()) return fail("prepare");
      // The replaced entry's blobs are no longer its.
      Old.bind(1, "cache:" + C.Key);
      if (llvm::Error E = done(Old.step(), "drop old blob references")) return E;
      S.bind(1, C.Key).bind(2, C.EntryJson).bind(3, C.CreatedMs).bind(4, C.ExpiresMs);
      if (llvm::Error E = done(S.step(), "store cache entry")) return E;
      for (const std::string &H : C.Blobs) {
        B.bind(1, "cache:" + C.Key).bind(2, H);
        if (llvm::Error E = done(B.step(), "record blob reference")) return E;
        B.reset();
      }
      return llvm::Error::success();
    });
  }

  llvm::Expected<std::optional<CacheRecord>> getCache(llvm::StringRef Key,
                                                      int64_t NowMs) override {
    Stmt S(Db,
           "SELECT entry, created_ms, expires_ms FROM orch_cache WHERE key=? AND "
           "(expires_ms=0 OR expires_ms>?)");
    if (!S.ok()) return fail("prepare");
    S.bind(1, Key).bind(2, NowMs);
    int Rc = S.step();
    if (Rc == SQLITE_DONE) return std::nullopt;
    if (Rc != SQLITE_ROW) return fail("read cache");
    CacheRecord C;
    C.Key = Key.str();
    C.EntryJson = S.text(0);
    C.CreatedMs = S.integer(1);
    C.ExpiresMs = S.integer(2);
    return std::optional<CacheRecord>(std::move(C));
  }

  llvm::Expected<GcResult> gc(int64_t BeforeMs, int64_t NowMs, bool ByRecorded) override {
    GcResult G;
    llvm::Error E = transaction([&]() -> llvm::Error {
      // Which runs go is decided once: their leases, which say which runs
      // were abandoned, go with them.
      if (llvm::Error E = exec("CREATE TEMP TABLE IF NOT EXISTS orch_gc_runs(id TEXT)"))
        return E;
      if (llvm::Error E = exec("DELETE FROM orch_gc_runs")) return E;
      if (llvm::Error E = exec("INSERT INTO orch_gc_runs " +
                               prunableRunsSql(BeforeMs, NowMs, ByRecorded)))
        return E;
      const std::string Gone = "SELECT id FROM orch_gc_runs";
      if (llvm::Error E =
              exec("DELETE FROM orch_blob_refs WHERE owner IN (SELECT 'run:'||id FROM "
                   "orch_gc_runs)"))
        return E;
      if (llvm::Error E = exec("DELETE FROM orch_leases WHERE run_id IN (" + Gone + ")"))
        return E;
      if (llvm::Error E =
              exec("DELETE FROM orch_run_retention WHERE run_id IN (" + Gone + ")"))
        return E;
      if (llvm::Error E = exec("DELETE FROM orch_events WHERE run_id IN (" + Gone + ")"))
        return E;
      if (llvm::Error E = exec("DELETE FROM orch_steps WHERE run_id IN (" + Gone + ")"))
        return E;
      G.Steps = sqlite3_changes(Db);
      if (llvm::Error E = exec("DELETE FROM orch_runs WHERE id IN (" + Gone + ")"))
        return E;
      G.Runs = sqlite3_changes(Db);
      const std::string Expired = fmt::format(
          "SELECT key FROM orch_cache WHERE expires_ms>0 AND expires_ms<={}", NowMs);
      if (llvm::Error E =
              exec("DELETE FROM orch_blob_refs WHERE owner IN (SELECT 'cache:'||key "
                   "FROM (" +
                   Expired + "))"))
        return E;
      if (llvm::Error E = exec(fmt::format(
              "DELETE FROM orch_cache WHERE expires_ms>0 AND expires_ms<={}", NowMs)))
        return E;
      G.CacheEntries = sqlite3_changes(Db);
      if (llvm::Error E =
              exec("DELETE FROM orch_blobs WHERE hash NOT IN (SELECT hash FROM "
                   "orch_blob_refs)"))
        return E;
      G.Blobs = sqlite3_changes(Db);
      return llvm::Error::success();
    });
    if (E) return E;
    return G;
  }

  llvm::Expected<std::string> integrityCheck() override {
    Stmt S(Db, "PRAGMA integrity_check");
    if (!S.ok()) return fail("prepare");
    std::string Out;
    int Rc;
    while ((Rc = S.step()) == SQLITE_ROW) {
      std::string Line = S.text(0);
      if (Line != "ok") Out += (Out.empty() ? "" : "; ") + Line;
    }
    if (Rc != SQLITE_DONE) return fail("integrity check");
    // Ours: nothing refers to a missing row.
    for (const auto &[Sql, What] : DanglingChecks) {
      Stmt M(Db, Sql);
      if (!M.ok() || M.step() != SQLITE_ROW) return fail("integrity check");
      if (int64_t N = M.integer(0))
        Out += fmt::format("{}{} {}", Out.empty() ? "" : "; ", N, What);
    }
    return Out;
  }

 private:
  llvm::Error fail(llvm::StringRef What) const {
    return llvm::createStringError(fmt::format("state store `{}`: cannot {}: {}", Path,
                                               What.str(), sqlite3_errmsg(Db)));
  }
  llvm::Error done(int Rc, llvm::StringRef What) const {
    return Rc == SQLITE_DONE || Rc == SQLITE_ROW ? llvm::Error::success() : fail(What);
  }
  llvm::Error exec(const std::string &Sql) const {
    char *Msg = nullptr;
    if (sqlite3_exec(Db, Sql.c_str(), nullptr, nullptr, &Msg) == SQLITE_OK)
      return llvm::Error::success();
    std::string Why = Msg ? Msg : sqlite3_errmsg(Db);
    sqlite3_free(Msg);
    return llvm::createStringError(fmt::format("state store `{}`: {}", Path, Why));
  }
  /// Runs \p Body inside BEGIN IMMEDIATE ... COMMIT (rolled back on error).
  template <typename Fn>
  llvm::Error transaction(Fn Body) {
    if (llvm::Error E = exec("BEGIN IMMEDIATE")) return E;
    if (llvm::Error E = Body()) {
      llvm::consumeError(exec("ROLLBACK"));
      return E;
    }
    if (llvm::Error E = exec("COMMIT")) {
      llvm::consumeError(exec("ROLLBACK"));
      return E;
    }
    return llvm::Error::success();
  }
  llvm::Error queryRuns(const char *Where, llvm::StringRef Arg,
                        std::vector<RunRecord> &Out) {
    std::string Sql = fmt::format(
        "SELECT {} FROM orch_runs r {} ORDER BY r.started_ms DESC, r.rowid DESC",
        RunColumns, Where);
    Stmt S(Db, Sql.c_str());
    if (!S.ok()) return fail("prepare");
    if (*Where) S.bind(1, Arg);
    int Rc;
    while ((Rc = S.step()) == SQLITE_ROW) Out.push_back(runFromRow(S));
    return Rc == SQLITE_DONE ? llvm::Error::success() : fail("list runs");
  }

  sqlite3 *Db;
  std::string Path;
};

}  // namespace

namespace {

/// `file:PATH?immutable=1`, PATH escaped for a URI.
std::string immutableUri(const std::string &Path) {
  std::string U = "file:";
  for (char C : Path)
    if (C == '%' || C == '?' || C == '#')
      U += fmt::format("%{:02X}", static_cast<unsigned char>(C));
    else
      U += C;
  return U + "?immutable=1";
}

/// Opens \p Path (a path, or a URI) read-only and reads a row: the store,
/// or why not.
llvm::Expected<std::unique_ptr<StateStore>> openForReading(const std::string &Name,
                                                           const std::string &Path) {
  sqlite3 *Db = nullptr;
  int Rc = sqlite3_open_v2(Name.c_str(), &Db,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  std::string Why;
  if (Rc == SQLITE_OK) {
    sqlite3_busy_timeout(Db, BusyTimeoutMs);
    Rc = sqlite3_exec(Db, "SELECT 1 FROM orch_runs LIMIT 1", nullptr, nullptr, nullptr);
  }
  if (Rc == SQLITE_OK) return std::unique_ptr<StateStore>(new SqliteStore(Db, Path));
  Why = Db ? sqlite3_errmsg(Db) : sqlite3_errstr(Rc);
  sqlite3_close_v2(Db);
  return llvm::createStringError(
      fmt::format("cannot open the state store `{}` for reading: {}", Path, Why));
}

}  // namespace

llvm::Expected<std::unique_ptr<StateStore>> openSqliteStore(const std::string &Path,
                                                            bool ReadOnly) {
  if (ReadOnly) {
    // A WAL database needs its -shm: on a read-only filesystem without
    // one, it is read as immutable (nobody can be writing it there).
    auto S = openForReading(Path, Path);
    if (S) return S;
    auto I = openForReading(immutableUri(Path), Path);
    if (I) {
      llvm::consumeError(S.takeError());
      return I;
    }
    llvm::consumeError(I.takeError());
    return S.takeError();
  }
  // The database holds every input and step output (a command may print a
  // secret): owner-only, also when the directory existed or another umask
  // made it. SQLite gives -wal and -shm the database's mode.
  //
  // Never open() and close() the database file ourselves: closing any
  // descriptor of it drops every POSIX lock this process holds on it, also
  // those of another connection of this process (orchrt's event log keeps
  // one beside the recorder's), and a concurrent writer then corrupts the
  // database ("How To Corrupt An SQLite Database File", 2.2). So the mode
  // is set by name: SQLite creates the file when it opens it, and nothing
  // is written into it before the chmod below (init() comes after).
  for (const char *Suffix : {"-wal", "-shm"})
    (void)::chmod((Path + Suffix).c_str(), 0600);  // gone or not ours: no matter
  sqlite3 *Db = nullptr;
  int Rc = sqlite3_open_v2(
      Path.c_str(), &Db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  if (Rc != SQLITE_OK) {
    std::string Why = Db ? sqlite3_errmsg(Db) : sqlite3_errstr(Rc);
    sqlite3_close_v2(Db);
    return llvm::createStringError(
        fmt::format("cannot open the state store `{}`: {}", Path, Why));
  }
  // A regular file only (not through a symbolic link), as before.
  if (struct stat St; ::lstat(Path.c_str(), &St) == 0 && S_ISREG(St.st_mode) &&
                      (St.st_mode & 0777) != 0600)
    (void)::chmod(Path.c_str(), 0600);
  auto S = std::make_unique<SqliteStore>(Db, Path);
  if (llvm::Error E = S->init()) return E;
  return std::unique_ptr<StateStore>(std::move(S));
}

}  // namespace orch::state
