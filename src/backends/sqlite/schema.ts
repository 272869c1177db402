import type Database from "better-sqlite3";
import { ConfigError } from "../../errors.js";

/**
 * The schema version this code writes and understands, kept in `PRAGMA user_version`.
 * Version N is reached by applying MIGRATIONS[0..N-1] in order; never edit a shipped
 * migration, append a new one and bump this number.
 */
export const SCHEMA_VERSION = 1;

/**
 * Notes on version 1:
 * - `seq INTEGER PRIMARY KEY` is the rowid made explicit. It is the last FIFO tie-breaker of
 *   the claim order (true insertion order, across processes) and, because every index ends
 *   with the rowid, ordering by it costs no extra index column. An implicit rowid could be
 *   renumbered by VACUUM; an INTEGER PRIMARY KEY never is. `id` (UUIDv7) is the public key.
 * - `due_at` = coalesce(run_after, enqueued_at): the moment a READY row may be claimed. It is
 *   maintained by the store (insert, retry) so the claim filters and sorts on one column.
 * - The READY partial indexes hold only waiting work, so they stay small however many
 *   finished rows the table keeps, and inserting a READY row touches exactly them + `id`.
 *   `*_ready_queue` serves a worker bound to one queue (and each queue of a list),
 *   `*_ready_all` serves `*` (with or without excludes). Each claim is an index walk in claim
 *   order that stops after LIMIT rows: no sort. nextDueInMs seeks the same indexes once per
 *   priority value (201 seeks, ~0.1 ms at any size) instead of paying for a third index on
 *   every insert. Every index is one more page written per single-row commit (measured:
 *   rowid table + id index alone ~45k inserts/s, with both READY indexes ~35k/s).
 * - `*_running` is tiny (RUNNING rows only): heartbeats extend a worker's leases through it
 *   and crash recovery scans expired leases with it.
 * - Dates are INTEGER milliseconds since the epoch; JSON columns are TEXT.
 */
const V1 = `
CREATE TABLE tasklane_results (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  task_name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('READY', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
  args TEXT NOT NULL DEFAULT '[]',
  queue_name TEXT NOT NULL,
  priority INTEGER NOT NULL DEFAULT 0 CHECK (priority BETWEEN -100 AND 100),
  run_after INTEGER,
  due_at INTEGER NOT NULL,
  enqueued_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  last_attempted_at INTEGER,
  worker_ids TEXT NOT NULL DEFAULT '[]',
  errors TEXT NOT NULL DEFAULT '[]',
  return_value TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL DEFAULT 1 CHECK (max_attempts >= 1),
  worker_id TEXT,
  lease_expires_at INTEGER
);
CREATE INDEX tasklane_results_ready_queue
  ON tasklane_results (queue_name, priority DESC, due_at, enqueued_at) WHERE status = 'READY';
CREATE INDEX tasklane_results_ready_all
  ON tasklane_results (priority DESC, due_at, enqueued_at) WHERE status = 'READY';
CREATE INDEX tasklane_results_running
  ON tasklane_results (worker_id, lease_expires_at) WHERE status = 'RUNNING';
CREATE TABLE tasklane_workers (
  id TEXT PRIMARY KEY NOT NULL,
  hostname TEXT NOT NULL,
  pid INTEGER NOT NULL,
  queues TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  last_heartbeat_at INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('running', 'stopped', 'dead')),
  stopped_at INTEGER
);
`;

/** MIGRATIONS[i] takes a database from version i to version i + 1. */
const MIGRATIONS: readonly string[] = [V1];

function tooNew(path: string, found: number): ConfigError {
  return new ConfigError(
    `database ${path} has schema version ${found} but this tasklane supports up to ${SCHEMA_VERSION}; upgrade tasklane`,
  );
}

function userVersion(db: Database.Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/**
 * Throws ConfigError, without writing anything, when the file was made by a newer tasklane.
 * Run it before any pragma that writes (journal_mode) so a refused file stays byte-identical.
 */
export function assertNotNewer(db: Database.Database, path: string): number {
  const found = userVersion(db);
  if (found > SCHEMA_VERSION) throw tooNew(path, found);
  return found;
}

/**
 * Brings the schema to SCHEMA_VERSION. Safe when several processes open a brand new file at
 * once: the version is re-read under BEGIN IMMEDIATE (one writer at a time), so exactly one
 * process applies each migration and the others see it done. user_version is written in the
 * same transaction as the DDL, so a crash leaves either the old or the new schema.
 */
export function migrate(db: Database.Database, path: string): void {
  if (assertNotNewer(db, path) === SCHEMA_VERSION) return;
  db.transaction(() => {
    const current = assertNotNewer(db, path);
    for (let version = current; version < SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version] as string);
    }
    // A pragma cannot take a bound parameter; SCHEMA_VERSION is a constant of this module.
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
