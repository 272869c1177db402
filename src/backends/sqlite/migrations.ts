import { recentSlots, TOTAL_SLOT } from "./sql/counts.js";

// The schema's versions, each the DDL that takes a file from the one before (schema.ts applies
// them), with notes on what it changed and why, measured.

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

const FINISHED = "('SUCCEEDED', 'FAILED', 'CANCELLED')";
const BUMP_NEW = `INSERT INTO tasklane_counts (queue_name, task_name, status, n)
    VALUES (new.queue_name, new.task_name, new.status, 1) ON CONFLICT DO UPDATE SET n = n + 1;`;
const DROP_OLD = `UPDATE tasklane_counts SET n = n - 1
    WHERE queue_name = old.queue_name AND task_name = old.task_name AND status = old.status;`;
const MOVED =
  "(old.status IS NOT new.status OR old.queue_name IS NOT new.queue_name OR old.task_name IS NOT new.task_name)";

/**
 * Version 2: what the operator's commands (`tasks results/watch/errors/prune`, the
 * ManagementStore in manage.ts) need to stay fast at a million rows, at the smallest cost to
 * enqueues. Every index a READY insert touches is one more B-tree page written per
 * single-row commit. Measured with raw single autocommit INSERTs into a table already holding
 * 100k rows (interleaved rounds, medians; bench/manage-bench.ts prints the current figures):
 * v1 ≈ 26–28k/s; v2 as below ≈ 0.65–0.69 × v1 (two indexes on the insert path, ~17% each);
 * the "obvious" set — (enqueued_at), (status, enqueued_at), (queue_name, enqueued_at),
 * (task_name, enqueued_at), (status, finished_at) and a counts trigger on INSERT — ≈ 0.45–0.50
 * × v1. Single-row INSERT cost is pages written per commit, so batched enqueues (one
 * transaction) pay far less per row. Hence:
 *
 * - `*_queue_status (queue_name, status, enqueued_at)`: the one index behind newest-first
 *   listing. A page is merged in JS from one short keyset walk per (queue, status) pair, each
 *   in index order (enqueued_at DESC, seq DESC: seq is the rowid every index ends with), so no
 *   walk sorts and none reads more than `limit + 1` index entries: unfiltered = queues × 5
 *   walks, a status filter = one walk per queue, a queue filter = 5 walks. Queues are listed
 *   by skip-scan (one seek each). It also gives READY/RUNNING counts per queue as covering
 *   range counts and the oldest READY task of a queue in one seek. It replaces both a plain
 *   (enqueued_at) index and separate (status, …) and (queue_name, …) ones: one page per insert
 *   instead of three. Its cost grows with the number of queues, which is small by design.
 * - `*_task (task_name, enqueued_at)`: the task filter. Without it a rare task among a
 *   million rows means walking them all. Status updates never touch it (columns unchanged).
 * - `*_finished (status, finished_at) WHERE finished_at IS NOT NULL`: prune and countPrunable
 *   (ranges per finished status), throughput (range counts per minute) and error groups. It
 *   holds finished rows only, so inserts and claims never touch it; a completion adds one
 *   entry (appended: finished_at grows).
 * - `tasklane_counts`: exact per (queue, task, status) counts of FINISHED rows only, kept by
 *   the triggers below, so counting a million finished rows is a read of a few dozen rows.
 *   READY and RUNNING rows are not in it, on purpose: a trigger on INSERT would write one more
 *   page per enqueue (measured ≈ −15%), while those rows are few and counted live from
 *   `*_queue_status` (a covering range count, ~10 ns per row). Rows reaching n = 0 are kept.
 *   The triggers fire on every path that changes a status (complete, recovery, retry, cancel,
 *   prune, a hand-written UPDATE), so the table cannot drift from the rows. The cost lands on
 *   completions (one small-table page per completion transaction; workers batch them) and on
 *   prune (~2 µs per deleted row, about half of a delete batch).
 * - Rejected: an index for "id ends with" (the short id the CLI prints is an id's tail). It
 *   would cost a third index on every insert; findByIdFragment scans the id index instead
 *   (~0.1 s at a million rows, for a one-off command).
 * - Upgrading a v1 file builds three indexes inside the migration's write transaction
 *   (measured: 2.5 s for a million rows). Other processes wait for it; on a file several
 *   times larger, ones whose busy timeout (default 5 s) runs out get SQLITE_BUSY once.
 */
const V2 = `
CREATE INDEX tasklane_results_queue_status ON tasklane_results (queue_name, status, enqueued_at);
CREATE INDEX tasklane_results_task ON tasklane_results (task_name, enqueued_at);
CREATE INDEX tasklane_results_finished ON tasklane_results (status, finished_at) WHERE finished_at IS NOT NULL;
CREATE TABLE tasklane_counts (
  queue_name TEXT NOT NULL,
  task_name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ${FINISHED}),
  n INTEGER NOT NULL,
  PRIMARY KEY (queue_name, task_name, status)
) WITHOUT ROWID;
INSERT INTO tasklane_counts (queue_name, task_name, status, n)
  SELECT queue_name, task_name, status, count(*) FROM tasklane_results
  WHERE status IN ${FINISHED} GROUP BY queue_name, task_name, status;
CREATE TRIGGER tasklane_counts_insert AFTER INSERT ON tasklane_results
  WHEN new.status IN ${FINISHED}
BEGIN
  ${BUMP_NEW}
END;
CREATE TRIGGER tasklane_counts_update_old AFTER UPDATE OF status, queue_name, task_name ON tasklane_results
  WHEN old.status IN ${FINISHED} AND ${MOVED}
BEGIN
  ${DROP_OLD}
END;
CREATE TRIGGER tasklane_counts_update_new AFTER UPDATE OF status, queue_name, task_name ON tasklane_results
  WHEN new.status IN ${FINISHED} AND ${MOVED}
BEGIN
  ${BUMP_NEW}
END;
CREATE TRIGGER tasklane_counts_delete AFTER DELETE ON tasklane_results
  WHEN old.status IN ${FINISHED}
BEGIN
  ${DROP_OLD}
END;
`;

/**
 * Version 3: what timeouts, unique tasks, schedules and queue controls need. Adding columns
 * rewrites no row (SQLite stores the NULL default in the schema), and both new indexes are
 * partial over rows that are rare or short-lived, so the migration is instant at any size and
 * a plain enqueue still writes the same pages as in v2.
 * - `timeout_ms`: the attempt deadline the worker applies (a `using()` override travels with
 *   the result). `schedule`: the schedule a tick came from, shown by `tasks show`.
 * - `unique_key` / `unique_scope` / `unique_until`: a unique task's key and how long it holds
 *   it ("ready", "active" = READY or RUNNING, "period" = until unique_until). `unique_hold` is
 *   the key while it is held, and NULL once the scope ends (claim, finish, expiry): the partial
 *   UNIQUE index over it is what makes a second enqueue of the same key impossible, atomically,
 *   across processes. `unique_key` stays for display.
 * - `concurrency_key` / `concurrency_limit`: a per-key limit (a tenant, an API account); the
 *   partial index over RUNNING rows with a key counts what each key runs in one seek.
 * - `tasklane_workers.proc_key` / `proc_start`: where a worker's pid means something (boot and
 *   pid namespace) and when its process started, so a worker on the same host can tell at once
 *   that another died (local-process.ts) instead of waiting out its lease.
 * - `tasklane_queues`: a queue's stored state: paused or not, and its rate-limit window.
 * - `tasklane_schedules`: each schedule's last enqueued tick (a compare-and-set on it makes a
 *   tick enqueue exactly once however many workers run) and the next one, for `tasks schedules`.
 */
const V3 = `
ALTER TABLE tasklane_results ADD COLUMN timeout_ms INTEGER;
ALTER TABLE tasklane_results ADD COLUMN schedule TEXT;
ALTER TABLE tasklane_results ADD COLUMN unique_key TEXT;
ALTER TABLE tasklane_results ADD COLUMN unique_scope TEXT CHECK (unique_scope IN ('ready', 'active', 'period'));
ALTER TABLE tasklane_results ADD COLUMN unique_until INTEGER;
ALTER TABLE tasklane_results ADD COLUMN unique_hold TEXT;
ALTER TABLE tasklane_results ADD COLUMN concurrency_key TEXT;
ALTER TABLE tasklane_results ADD COLUMN concurrency_limit INTEGER;
CREATE UNIQUE INDEX tasklane_results_unique ON tasklane_results (unique_hold) WHERE unique_hold IS NOT NULL;
CREATE INDEX tasklane_results_running_keys ON tasklane_results (concurrency_key)
  WHERE status = 'RUNNING' AND concurrency_key IS NOT NULL;
ALTER TABLE tasklane_workers ADD COLUMN proc_key TEXT;
ALTER TABLE tasklane_workers ADD COLUMN proc_start TEXT;
CREATE TABLE tasklane_queues (
  queue_name TEXT PRIMARY KEY NOT NULL,
  paused_at INTEGER,
  window_start INTEGER NOT NULL DEFAULT 0,
  window_count INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE tasklane_schedules (
  name TEXT PRIMARY KEY NOT NULL,
  task_name TEXT NOT NULL,
  cron TEXT NOT NULL,
  timezone TEXT,
  last_tick INTEGER,
  next_tick INTEGER,
  updated_at INTEGER NOT NULL
);
`;

/**
 * Version 4: a leaner write path. Every index a row is in is one more B-tree page written per
 * commit, and at one task per transaction (a worker at --concurrency 1, single enqueues) the
 * pages are the cost: WAL frames counted per task (bench/pages.ts) went from 6.9 to 5.8 per
 * single enqueue and from 9.6 to 7.6 per claim + completion.
 * - `*_ready_all` is gone. A worker taking every queue (`*`) walks `*_ready_queue` once per
 *   queue that has READY rows (found by skip-scan, one seek each) and merges the heads in claim
 *   order, as a worker bound to a list of queues already did. With the handful of queues a
 *   project has, that costs a few more seeks per claim and saves a page on every enqueue and
 *   every claim.
 * - `*_running` is gone. RUNNING rows are few and `*_queue_status` (queue_name, status, …)
 *   finds them per queue; heartbeats (every few seconds) and recovery walk those ranges. It
 *   saved nothing a claim or completion did not pay for twice (an entry in, an entry out).
 * Dropping indexes rewrites no row: the migration is instant at any size. A worker of an older
 * tasklane still running on the file fails its next claim (its statements name the dropped
 * indexes) and exits: stop old workers before starting new ones.
 */
const V4 = `
DROP INDEX tasklane_results_ready_all;
DROP INDEX tasklane_results_running;
`;

/**
 * Version 5: tasklane_counts is kept by the store, not by triggers. The store sums the changes
 * of each transaction in JS and upserts once per (queue, task, status) (counts.ts): a worker
 * completing 50 tasks in one transaction writes the counts once, not 50 times. The upsert in
 * the completion trigger was the largest single cost of a drain (measured with raw statements,
 * claim + complete of 50k tasks: ~18k → ~43k tasks/s in batches of 50, ~7k → ~11k one at a
 * time). The counts stay exact on every path the store, recovery and the management commands
 * take (tested against a GROUP BY of the rows); a status changed by hand-written SQL no longer
 * shows in them. The triggers kept the counts exact up to here, so the migration only drops
 * them: instant at any size. A worker of an older tasklane still running on the file would
 * finish tasks without counting them: stop old workers before starting new ones (as for v4).
 */
const V5 = `
DROP TRIGGER tasklane_counts_insert;
DROP TRIGGER tasklane_counts_update_old;
DROP TRIGGER tasklane_counts_update_new;
DROP TRIGGER tasklane_counts_delete;
`;

/**
 * Version 6: no index keyed by status on the path of every task. `*_queue_status` (queue_name,
 * status, …) put each row in three places over its life (READY, RUNNING, then its finished
 * status), so a claim and a completion moved two entries across it, each to another page. In a
 * raw claim + complete loop on one connection (50k no-ops, WAL frames counted as bench/pages.ts
 * counts them), pages per task went from 7.7 to 5.5 at --concurrency 1 and from 0.48 to 0.36 in batches
 * of 50; the loop ran ~25% faster one at a time and ~9% in batches. An enqueue still writes
 * five B-trees, as before.
 * - `*_queue (queue_name, enqueued_at)`: a queue's rows newest first whatever their status (the
 *   unfiltered listing, a covering walk) and the queues present (skip-scan). A status change
 *   never touches it.
 * - `*_finished (status, queue_name, enqueued_at, seq, finished_at) WHERE finished_at IS NOT
 *   NULL`: still the one entry a completion adds, now in the order listings walk: one covering
 *   range per (finished status, queue), newest first, as `*_queue_status` gave (seq is named so
 *   finished_at can follow it). Prune walks the same ranges up to its cutoff on enqueued_at (a
 *   row finishes after it is enqueued) and checks finished_at from the index.
 * - `*_running_queue (queue_name, worker_id) WHERE status = 'RUNNING'`: RUNNING rows per
 *   queue (the claim's concurrency limits, heartbeats, recovery, counts), a handful of entries. A claim
 *   adds one and the completion removes it, on one page at --concurrency 1.
 * - READY rows: counted, listed and the oldest found through `*_ready_queue`, whose entries
 *   carry enqueued_at (a covering walk over the queue's READY rows).
 * - `tasklane_counts` gains `slot`: beside each (queue, task, status) total (slot = TOTAL_SLOT,
 *   sorting last), the completions of each recent 10-second slot, written in the same pass (the
 *   newest slot's row sits next to the total, on the same page) and kept for an hour. This is
 *   what throughput reads, now that no index is ordered by finished_at; its one-minute windows
 *   are exact to 10 s. The migration fills the last hour from the rows (the old index).
 * The migration builds two indexes over every row (measured: 2.4 s for a million rows) inside
 * its write transaction; other processes wait for it. Workers of an older tasklane still running
 * on the file fail their next statement that names a dropped index: stop old workers first (as
 * for v4).
 */
const V6 = `
CREATE TABLE tasklane_counts_v6 (
  queue_name TEXT NOT NULL,
  task_name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ${FINISHED}),
  slot INTEGER NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (queue_name, task_name, status, slot)
) WITHOUT ROWID;
INSERT INTO tasklane_counts_v6 (queue_name, task_name, status, slot, n)
  SELECT queue_name, task_name, status, ${TOTAL_SLOT}, n FROM tasklane_counts;
DROP TABLE tasklane_counts;
ALTER TABLE tasklane_counts_v6 RENAME TO tasklane_counts;
${recentSlots("tasklane_results INDEXED BY tasklane_results_finished")}
DROP INDEX tasklane_results_queue_status;
DROP INDEX tasklane_results_finished;
CREATE INDEX tasklane_results_queue ON tasklane_results (queue_name, enqueued_at);
CREATE INDEX tasklane_results_finished ON tasklane_results (status, queue_name, enqueued_at, seq, finished_at)
  WHERE finished_at IS NOT NULL;
CREATE INDEX tasklane_results_running_queue ON tasklane_results (queue_name, worker_id) WHERE status = 'RUNNING';
`;

/**
 * Version 7: READY and RUNNING rows in one partial index, `*_active` (queue_name, status DESC,
 * priority DESC, due_at, enqueued_at), instead of `*_ready_queue` and `*_running_queue`. Per
 * queue, RUNNING entries sort just before READY ones (status DESC), and READY ones in claim
 * order, so a claim's two index changes (the READY head out, its RUNNING entry in) and the
 * completion's (that entry out) land on one leaf page instead of two. In a raw claim + complete
 * loop on one connection (50k no-ops, WAL frames counted as bench/pages.ts counts them), pages
 * per task went from 5.49 to 4.50 one at a time and from 0.36 to 0.34 in batches of 50. An
 * enqueue writes the same five B-trees as before.
 * - What each index answered, this one answers with the same seeks: a queue's claim candidates
 *   and its earliest due task (queue_name, 'READY', priority, due_at); READY or RUNNING rows per
 *   queue, counted or listed (covering: enqueued_at is in the entries); the queues with READY
 *   rows (skip-scan, past a queue's few RUNNING entries). A heartbeat or recovery reads a RUNNING
 *   row's worker_id and lease from the row (a few rowid lookups) rather than from the index.
 * - Every statement that walks it repeats `status IN ('READY', 'RUNNING')` (sql/active.ts).
 * The migration builds the index over READY and RUNNING rows only (the history is not in it),
 * then drops the two old ones: quick at any history size. Workers of an older tasklane still
 * running on the file fail their heartbeats (the lease extension names a dropped index), and
 * their claims, which name no index, fall back to reading the queue's whole history (seen with
 * a v6 worker beside a v7 file): stop old workers first (as for v4).
 */
const V7 = `
CREATE INDEX tasklane_results_active ON tasklane_results (queue_name, status DESC, priority DESC, due_at, enqueued_at)
  WHERE status IN ('READY', 'RUNNING');
DROP INDEX tasklane_results_ready_queue;
DROP INDEX tasklane_results_running_queue;
`;

/**
 * Version 8: one index for the listings' queue and task filters, `*_queue_task` (queue_name,
 * task_name, enqueued_at), instead of `*_queue` (queue_name, enqueued_at) and `*_task`
 * (task_name, enqueued_at). An enqueued row now goes into four B-trees instead of five: the rowid
 * table, `id`, `*_active` and this one. Measured with plain better-sqlite3 on the schema (20k
 * rows, medians of 3 interleaved rounds): single INSERTs +21%, batches of 1,000 +7%; WAL pages
 * per single enqueue (bench/pages.ts) 5.77 -> 4.65. No claim or completion touches either index
 * (their keys never change), so draining is unchanged.
 * - A queue's rows newest first: one covering walk per task of the queue (found by skip-scan,
 *   one seek each), merged in JS (manage-walks.ts), as listings already merge queues.
 * - A task's rows: one walk per queue (skip-scan of the queues, as before).
 * - A queue and task: one walk, as either old index gave with a check on the other column.
 * The migration builds the index over every row (~2.4 s per million rows, as v6's did) inside its
 * write transaction; other processes wait for it. Workers and commands of an older tasklane still
 * running on the file fail their next statement that names a dropped index (a worker's heartbeat
 * finds its RUNNING rows through `*_queue`'s queues): stop old workers first (as for v4).
 */
const V8 = `
CREATE INDEX tasklane_results_queue_task ON tasklane_results (queue_name, task_name, enqueued_at);
DROP INDEX tasklane_results_queue;
DROP INDEX tasklane_results_task;
`;

/**
 * Version 9: the partial index of finished rows keeps FAILED and CANCELLED ones only,
 * `*_failed` (status, queue_name, enqueued_at, seq, finished_at) instead of `*_finished`: a task
 * that succeeds no longer writes an entry there. That entry was a B-tree insert and about one
 * page more per commit (bench/pages.ts: 1.19 of the 4.48 pages of a claim + complete one at a
 * time). With plain better-sqlite3 on the schema (30k no-ops, medians of 5 interleaved rounds),
 * claim + complete ran 1.24x as fast one at a time and 1.13x in batches of 50; a worker at
 * `--concurrency 1` drained 50k ~10% faster.
 * - FAILED and CANCELLED rows are read as before (error groups, retries, their listings and
 *   prune); every statement that walks the index repeats its WHERE (sql/manage.ts FAILED_ROWS).
 * - SUCCEEDED rows are found through `*_queue_task` (queue_name, task_name, enqueued_at), one
 *   walk per task of a queue, checking each row's status: listings of them (most of a history is
 *   SUCCEEDED, so a walk reads about a page; a queue's READY backlog, its newest rows, is read
 *   past on the way, as its READY listing does past READY_SORTED_MAX), prune (oldest first; it
 *   reads the rows it deletes anyway) and countPrunable. A count of them since a date is the (queue, task) ranges' covering
 *   count less the other statuses' (manage-walks.ts), all in one snapshot.
 * The migration builds the new index over FAILED and CANCELLED rows only, then drops the old one:
 * quick at any history size. Commands of an older tasklane fail their next statement that names
 * the dropped index (its listings, error groups and prune): stop old workers first (as for v4).
 */
const V9 = `
CREATE INDEX tasklane_results_failed ON tasklane_results (status, queue_name, enqueued_at, seq, finished_at)
  WHERE finished_at IS NOT NULL AND status <> 'SUCCEEDED';
DROP INDEX tasklane_results_finished;
`;

/**
 * MIGRATIONS[i] takes a database from version i to version i + 1. Never edit a shipped one:
 * append the next (schema.ts's SCHEMA_VERSION is their count).
 */
export const MIGRATIONS: readonly string[] = [V1, V2, V3, V4, V5, V6, V7, V8, V9];
