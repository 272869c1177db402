import type Database from "better-sqlite3";
import { UsageError } from "../../core/errors.js";
import type { TaskResultStatus } from "../../core/result.js";
import type { ResultFilter } from "../../contract/backend.js";
import type { ResultRow } from "./rows.js";

// ---------------------------------------------------------------------------------------
// The operator's SQL (manage.ts, manage-prune.ts), over the v2 indexes described in
// schema.ts. Constants only, prepared once per connection; every value is a bound parameter
// and lists are bound as one JSON array read back with json_each(?). `INDEXED BY` pins each
// walk to the index it was written for, so statistics (ANALYZE) can never turn it into a sort.
// ---------------------------------------------------------------------------------------

export const FINISHED = "('SUCCEEDED', 'FAILED', 'CANCELLED')";

/** `col IN (json list)`, or true when the list parameter is NULL (no filter). */
const optIn = (column: string, param: string) =>
  `(@${param} IS NULL OR ${column} IN (SELECT value FROM json_each(@${param})))`;
export const OPT_STATUSES = optIn("status", "statuses");
export const OPT_QUEUES = optIn("queue_name", "queues");
export const OPT_TASKS = optIn("task_name", "tasks");
const IN_TASKS = "task_name IN (SELECT value FROM json_each(@tasks))";

// Keyset page: rows strictly older than the cursor (enqueued_at, seq) and enqueued at or
// after @since; the range on enqueued_at is what the index seeks on.
const PAGE = `enqueued_at >= @since AND enqueued_at <= @beforeAt AND (enqueued_at < @beforeAt OR seq < @beforeSeq)`;
const NEWEST_FIRST = "ORDER BY enqueued_at DESC, seq DESC LIMIT @limit";
const BY_QUEUE_STATUS = "FROM tasklane_results INDEXED BY tasklane_results_queue_status";
const BY_TASK = "FROM tasklane_results INDEXED BY tasklane_results_task";

export const SQL = {
  /** One (queue, status) walk, newest first: a covering index range, no sort. */
  walkQueueStatus: `SELECT seq, enqueued_at ${BY_QUEUE_STATUS}
    WHERE queue_name = @queue AND status = @status AND ${PAGE} ${NEWEST_FIRST}`,
  walkQueueStatusTasks: `SELECT seq, enqueued_at ${BY_QUEUE_STATUS}
    WHERE queue_name = @queue AND status = @status AND ${PAGE} AND ${IN_TASKS} ${NEWEST_FIRST}`,
  /** One task's walk, newest first, other filters checked on the way. */
  walkTask: `SELECT seq, enqueued_at ${BY_TASK}
    WHERE task_name = @task AND ${PAGE} AND ${OPT_STATUSES} AND ${OPT_QUEUES} ${NEWEST_FIRST}`,
  rowsBySeq: "SELECT * FROM tasklane_results WHERE seq IN (SELECT value FROM json_each(@seqs))",

  // Skip-scan over the leading column: one seek per distinct queue.
  firstQueue: `SELECT min(queue_name) ${BY_QUEUE_STATUS}`,
  nextQueue: `SELECT queue_name ${BY_QUEUE_STATUS} WHERE queue_name > @after ORDER BY queue_name LIMIT 1`,

  finishedCounts: "SELECT queue_name, task_name, status, n FROM tasklane_counts WHERE n > 0",
  /** READY or RUNNING rows of one queue: a covering range count. */
  countQueueStatus: `SELECT count(*) ${BY_QUEUE_STATUS} WHERE queue_name = @queue AND status = @status`,
  countReadyTasks: `SELECT count(*) FROM tasklane_results INDEXED BY tasklane_results_ready_all
    WHERE status = 'READY' AND ${IN_TASKS} AND ${OPT_QUEUES}`,
  countRunningTasks: `SELECT count(*) FROM tasklane_results INDEXED BY tasklane_results_running
    WHERE status = 'RUNNING' AND ${IN_TASKS} AND ${OPT_QUEUES}`,
  oldestReady: `SELECT enqueued_at ${BY_QUEUE_STATUS}
    WHERE queue_name = @queue AND status = 'READY' ORDER BY enqueued_at LIMIT 1`,
  // With `since`, counts come from the rows (the counts table has no time dimension).
  countSinceQueueStatus: `SELECT count(*) ${BY_QUEUE_STATUS}
    WHERE queue_name = @queue AND status = @status AND enqueued_at >= @since AND ${OPT_TASKS}`,
  countSinceTask: `SELECT status, count(*) AS n ${BY_TASK}
    WHERE task_name = @task AND enqueued_at >= @since AND ${OPT_STATUSES} AND ${OPT_QUEUES} GROUP BY status`,

  idRange: "SELECT * FROM tasklane_results WHERE id >= @from AND id < @to ORDER BY id LIMIT @limit",
  // No index can serve "ends with": a covering scan of the id index (~50 ns a row).
  idSuffix: "SELECT id FROM tasklane_results WHERE substr(id, -@length) = @fragment ORDER BY id LIMIT @limit",
  byIds: "SELECT * FROM tasklane_results WHERE id IN (SELECT value FROM json_each(@ids)) ORDER BY id",

  // FAILED rows grouped by task and the class of their last error. `latest` takes the bare
  // seq of each group's max(finished_at) row (SQLite's documented min/max bare-column rule).
  errorGroups: `WITH failed AS MATERIALIZED (
      SELECT seq, task_name, finished_at,
        coalesce(json_extract(errors, '$[#-1].exceptionClass'), '') AS exception_class
      FROM tasklane_results INDEXED BY tasklane_results_finished
      WHERE status = 'FAILED' AND finished_at IS NOT NULL
        AND (@since IS NULL OR enqueued_at >= @since) AND ${OPT_QUEUES} AND ${OPT_TASKS}
    ),
    totals AS (SELECT task_name, exception_class, count(*) AS n, min(finished_at) AS first_seen
      FROM failed GROUP BY task_name, exception_class),
    latest AS (SELECT task_name, exception_class, max(finished_at) AS last_seen, seq
      FROM failed GROUP BY task_name, exception_class)
    SELECT t.task_name, t.exception_class, t.n, t.first_seen, l.last_seen, r.id,
      coalesce(json_extract(r.errors, '$[#-1].message'), '') AS message,
      coalesce(json_extract(r.errors, '$[#-1].traceback'), '') AS traceback
    FROM totals t JOIN latest l USING (task_name, exception_class) JOIN tasklane_results r ON r.seq = l.seq
    ORDER BY l.last_seen DESC, t.task_name, t.exception_class`,

  // Status changes: each UPDATE re-checks the status it expects, so it can never overwrite
  // what a worker did in between (claims and completions run under the same write lock).
  retry: `UPDATE tasklane_results SET status = 'READY', run_after = @now, due_at = @now, finished_at = NULL,
    worker_id = NULL, lease_expires_at = NULL WHERE id = @id AND status = 'FAILED'`,
  // NOT INDEXED: rowid lookups of the given seqs, never a range of the FAILED rows.
  retrySeqs: `UPDATE tasklane_results NOT INDEXED SET status = 'READY', run_after = @now, due_at = @now, finished_at = NULL,
    worker_id = NULL, lease_expires_at = NULL
    WHERE seq IN (SELECT value FROM json_each(@seqs)) AND status = 'FAILED'`,
  failedSeqs: `SELECT seq FROM tasklane_results INDEXED BY tasklane_results_finished
    WHERE status = 'FAILED' AND finished_at IS NOT NULL
      AND (@since IS NULL OR enqueued_at >= @since) AND ${OPT_QUEUES} AND ${OPT_TASKS}`,
  cancel: `UPDATE tasklane_results SET status = 'CANCELLED', finished_at = @now, worker_id = NULL,
    lease_expires_at = NULL WHERE id = @id AND status = 'READY'`,
  statusOf: "SELECT status FROM tasklane_results WHERE id = ?",

  workers: "SELECT * FROM tasklane_workers ORDER BY last_heartbeat_at DESC, id",
  // Finished results per one-minute window, oldest first: one index range count per window.
  throughput: `WITH RECURSIVE w(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM w WHERE i + 1 < @minutes)
    SELECT i, (SELECT count(*) FROM tasklane_results INDEXED BY tasklane_results_finished
      WHERE status IN ${FINISHED} AND finished_at >= @from + i * 60000 AND finished_at < @from + (i + 1) * 60000) AS n
    FROM w`,
} as const;

export interface Key {
  seq: number;
  enqueued_at: number;
}
export interface CountRow {
  queue_name: string;
  task_name: string;
  status: TaskResultStatus;
  n: number;
}
export interface ErrorGroupRow {
  task_name: string;
  exception_class: string;
  n: number;
  first_seen: number;
  last_seen: number;
  id: string;
  message: string;
  traceback: string;
}
export interface WorkerRow {
  id: string;
  hostname: string;
  pid: number;
  queues: string;
  started_at: number;
  last_heartbeat_at: number;
  state: "running" | "stopped" | "dead";
  stopped_at: number | null;
}

type Stmt<R> = Database.Statement<unknown[], R>;

/** Every statement of SQL, prepared on one connection, with its row type. */
export interface Statements {
  walkQueueStatus: Stmt<Key>;
  walkQueueStatusTasks: Stmt<Key>;
  walkTask: Stmt<Key>;
  rowsBySeq: Stmt<ResultRow>;
  firstQueue: Stmt<string | null>;
  nextQueue: Stmt<string>;
  finishedCounts: Stmt<CountRow>;
  countQueueStatus: Stmt<number>;
  countReadyTasks: Stmt<number>;
  countRunningTasks: Stmt<number>;
  oldestReady: Stmt<number>;
  countSinceQueueStatus: Stmt<number>;
  countSinceTask: Stmt<{ status: TaskResultStatus; n: number }>;
  idRange: Stmt<ResultRow>;
  idSuffix: Stmt<string>;
  byIds: Stmt<ResultRow>;
  errorGroups: Stmt<ErrorGroupRow>;
  retry: Stmt<unknown>;
  retrySeqs: Stmt<unknown>;
  failedSeqs: Stmt<number>;
  cancel: Stmt<unknown>;
  statusOf: Stmt<TaskResultStatus>;
  workers: Stmt<WorkerRow>;
  throughput: Stmt<{ i: number; n: number }>;
}

/** Single-column results come back as plain values. */
const PLUCKED = new Set<keyof typeof SQL>([
  "firstQueue",
  "nextQueue",
  "countQueueStatus",
  "countReadyTasks",
  "countRunningTasks",
  "oldestReady",
  "countSinceQueueStatus",
  "idSuffix",
  "failedSeqs",
  "statusOf",
]);

const prepared = new WeakMap<Database.Database, Statements>();

/** The statements of one connection, prepared on first use and kept as long as it lives. */
export function statements(db: Database.Database): Statements {
  let stmts = prepared.get(db);
  if (!stmts) {
    const entries = Object.entries(SQL).map(([name, sql]) => {
      const stmt = db.prepare(sql);
      return [name, PLUCKED.has(name as keyof typeof SQL) ? stmt.pluck() : stmt];
    });
    stmts = Object.fromEntries(entries) as unknown as Statements;
    prepared.set(db, stmts);
  }
  return stmts;
}

/** A list filter as a JSON parameter: null (no filter) when absent or empty. */
export function jsonList(values: readonly string[] | null | undefined): string | null {
  return values && values.length > 0 ? JSON.stringify(values) : null;
}

/** A ResultFilter with empty lists as null (no filter), duplicates removed, `since` in ms. */
export interface Filter {
  statuses: TaskResultStatus[] | null;
  tasks: string[] | null;
  queues: string[] | null;
  since: number | null;
}

const distinct = <T>(values: readonly T[] | undefined): T[] | null =>
  values && values.length > 0 ? [...new Set(values)] : null;

export function normalize(filter: ResultFilter = {}): Filter {
  return {
    statuses: distinct(filter.statuses),
    tasks: distinct(filter.taskNames),
    queues: distinct(filter.queues),
    since: filter.since ? filter.since.getTime() : null,
  };
}

/** Whether a normalized list filter lets `value` through. */
export const allows = <T>(list: readonly T[] | null, value: T): boolean => list === null || list.includes(value);

/** The opaque page cursor: the (enqueued_at, seq) of the last row shown. */
export function encodeCursor(key: Key): string {
  return Buffer.from(`${key.enqueued_at}:${key.seq}`).toString("base64url");
}

export function decodeCursor(cursor: string): Key {
  const match = /^(-?\d{1,16}):(\d{1,16})$/.exec(Buffer.from(cursor, "base64url").toString());
  if (!match) throw new UsageError(`invalid page cursor "${cursor}"`);
  return { enqueued_at: Number(match[1]), seq: Number(match[2]) };
}
