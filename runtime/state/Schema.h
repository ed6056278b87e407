//===- Schema.h - The tables both SQL backends share -----------*- C++ -*-===//
//
// One schema text for SQLite and PostgreSQL (tables `orch_*`, so that a
// shared PostgreSQL database holds them beside others), the column lists
// the backends select, and the conversions from a row to a record, for any
// row type with `text(Col)` and `integer(Col)`.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <utility>

#include "runtime/state/StateStore.h"

namespace orch::state {

/// The SQL dialects.
enum class Dialect { Sqlite, Postgres };

/// `CREATE TABLE IF NOT EXISTS …` for every table and index.
std::string schemaSql(Dialect D);

/// integrityCheck's own checks beyond the database's: each query counts
/// rows that refer to something missing, with what to call them.
inline constexpr std::pair<const char *, const char *> DanglingChecks[] = {
    {"SELECT count(*) FROM orch_blob_refs r WHERE NOT EXISTS (SELECT 1 FROM "
     "orch_blobs b WHERE b.hash=r.hash)",
     "blob references without a blob"},
    {"SELECT count(*) FROM orch_run_retention t WHERE NOT EXISTS (SELECT 1 FROM "
     "orch_runs r WHERE r.id=t.run_id)",
     "retention rows without their run"},
};

/// The columns runFromRow reads, from `orch_runs r` (with the count of
/// completed steps).
inline constexpr const char *RunColumns =
    "r.id,r.pipeline,r.plan_hash,r.plan_path,r.inputs,r.status,r.error,r.started_ms,"
    "r.finished_ms,(SELECT count(*) FROM orch_steps s WHERE s.run_id=r.id AND "
    "s.status='completed'),"
    "COALESCE((SELECT l.expires_ms FROM orch_leases l WHERE l.run_id=r.id),"
    "r.started_ms+60000)";
static_assert(LeaseTtlMs == 60000, "RunColumns' lease end");

/// The ids of the runs gc removes: finished before the cut-off, or
/// abandoned (`running`, lease ended) before it and before \p NowMs. The
/// cut-off is \p BeforeMs, or with \p ByRecorded a run's own
/// `orch_run_retention` days before \p NowMs where it recorded them.
inline std::string prunableRunsSql(int64_t BeforeMs, int64_t NowMs, bool ByRecorded) {
  const std::string Before = std::to_string(BeforeMs), Now = std::to_string(NowMs);
  const std::string Cut =
      ByRecorded
          ? "COALESCE((SELECT " + Now +
                "-k.days*86400000 FROM orch_run_retention k WHERE k.run_id=r.id)," +
                Before + ")"
          : Before;
  const std::string LeaseEnd =
      "COALESCE((SELECT l.expires_ms FROM orch_leases l WHERE l.run_id=r.id),"
      "r.started_ms+" +
      std::to_string(LeaseTtlMs) + ")";
  return "SELECT r.id FROM orch_runs r WHERE (r.status<>'running' AND r.finished_ms>0 "
         "AND r.finished_ms<" +
         Cut + ") OR (r.status='running' AND " + LeaseEnd + "<" + Cut + " AND " +
         LeaseEnd + "<" + Now + ")";
}

/// The columns stepFromRow reads, from `orch_steps`.
inline constexpr const char *StepColumns = "step_id,status,entry,input_hash,attempts";

/// The holder that keeps \p Holder from the lease whose row (holder,
/// expires_ms) is \p Row at \p NowMs, or "" if \p Holder may take it.
template <typename Row>
std::string leaseBlocker(const Row &R, llvm::StringRef Holder, int64_t NowMs,
                         bool (*HolderDead)(llvm::StringRef)) {
  std::string H = R.text(0);
  bool Live = H != Holder && R.integer(1) > NowMs && !(HolderDead && HolderDead(H));
  return Live ? H : std::string();
}

template <typename Row>
RunRecord runFromRow(const Row &R) {
  RunRecord Rec;
  Rec.Id = R.text(0);
  Rec.Pipeline = R.text(1);
  Rec.PlanHash = R.text(2);
  Rec.PlanPath = R.text(3);
  Rec.InputsJson = R.text(4);
  Rec.Status = R.text(5);
  Rec.Error = R.text(6);
  Rec.StartedMs = R.integer(7);
  Rec.FinishedMs = R.integer(8);
  Rec.StepsDone = R.integer(9);
  Rec.LeaseEndMs = R.integer(10);
  return Rec;
}

template <typename Row>
StepRecord stepFromRow(const Row &R, llvm::StringRef RunId) {
  StepRecord Rec;
  Rec.RunId = RunId.str();
  Rec.StepId = R.text(0);
  Rec.Status = R.text(1);
  Rec.EntryJson = R.text(2);
  Rec.InputHash = R.text(3);
  Rec.Attempts = R.integer(4);
  return Rec;
}

}  // namespace orch::state
