//===- Schema.cpp ---------------------------------------------------------===//
#include "runtime/state/Schema.h"

#include <fmt/format.h>

namespace orch::state {

std::string schemaSql(Dialect D) {
  bool Pg = D == Dialect::Postgres;
  // PostgreSQL keeps insertion order in a sequence; SQLite in its rowid.
  const char *Seq = Pg ? ", seq BIGSERIAL" : "";
  const char *Blob = Pg ? "BYTEA" : "BLOB";
  return fmt::format(R"sql(
CREATE TABLE IF NOT EXISTS orch_runs(
  id TEXT PRIMARY KEY, pipeline TEXT NOT NULL, plan_hash TEXT NOT NULL,
  plan_path TEXT NOT NULL, inputs TEXT NOT NULL, status TEXT NOT NULL,
  error TEXT NOT NULL, started_ms BIGINT NOT NULL, finished_ms BIGINT NOT NULL{0});
CREATE INDEX IF NOT EXISTS orch_runs_by_plan ON orch_runs(plan_hash, started_ms);
CREATE TABLE IF NOT EXISTS orch_steps(
  run_id TEXT NOT NULL, step_id TEXT NOT NULL, status TEXT NOT NULL,
  entry TEXT NOT NULL, input_hash TEXT NOT NULL, attempts BIGINT NOT NULL{0},
  PRIMARY KEY(run_id, step_id));
CREATE TABLE IF NOT EXISTS orch_leases(
  run_id TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_ms BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS orch_blobs(hash TEXT PRIMARY KEY, bytes {1} NOT NULL);
CREATE TABLE IF NOT EXISTS orch_blob_refs(
  owner TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY(owner, hash));
CREATE INDEX IF NOT EXISTS orch_blob_refs_by_hash ON orch_blob_refs(hash);
CREATE TABLE IF NOT EXISTS orch_run_retention(
  run_id TEXT PRIMARY KEY, days BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS orch_events(
  run_id TEXT NOT NULL, chunk BIGINT NOT NULL, lines TEXT NOT NULL,
  PRIMARY KEY(run_id, chunk));
CREATE TABLE IF NOT EXISTS orch_cache(
  key TEXT PRIMARY KEY, entry TEXT NOT NULL, created_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL);
)sql",
                     Seq, Blob);
}

}  // namespace orch::state
