import { LIMIT } from "./limit.js";

// The operator's SQL (manage.ts), over the indexes described in migrations.ts (v2, v6, v7, v8, v9). Constants only,
// prepared once per connection through its statement cache; every value is a bound parameter and
// lists are bound as one JSON array read back with json_each(?). `INDEXED BY` pins each walk to
// the index it was written for, so statistics (ANALYZE) can never turn it into a sort.

import { BY_ACTIVE, READY_ROWS, RUNNING_ROWS } from "./active.js";
import { NEXT_DUE } from "./claim.js";
import { PER_SLOT, TOTALS } from "./counts.js";
import { BY_QUEUE_TASK, runningRows } from "./running.js";

export const FINISHED = "('SUCCEEDED', 'FAILED', 'CANCELLED')";

/** `col IN (json list)`, or true when the list parameter is NULL (no filter). */
const optIn = (column: string, param: string) =>
  `(@${param} IS NULL OR ${column} IN (SELECT value FROM json_each(@${param})))`;
export const OPT_STATUSES = optIn("status", "statuses");
export const OPT_QUEUES = optIn("queue_name", "queues");
export const OPT_TASKS = optIn("task_name", "tasks");
/** What a status change returns for the counts (counts.ts). */
const COUNTED = "queue_name, task_name";
const IN_TASKS = "task_name IN (SELECT value FROM json_each(@tasks))";

// Keyset page: rows strictly older than the cursor (enqueued_at, seq) and enqueued at or
// after @since; the range on enqueued_at is what the index seeks on.
const PAGE = `enqueued_at >= @since AND enqueued_at <= @beforeAt AND (enqueued_at < @beforeAt OR seq < @beforeSeq)`;
const NEWEST_FIRST = `ORDER BY enqueued_at DESC, seq DESC ${LIMIT}`;
const BY_FAILED = "FROM tasklane_results INDEXED BY tasklane_results_failed";
/** The WHERE of the partial index `*_failed` (migrations.ts, v9), repeated so the planner may use it. */
export const FAILED_ROWS = "finished_at IS NOT NULL AND status <> 'SUCCEEDED'";
/** A queue's rows of one status in `*_failed` (FAILED or CANCELLED). */
const FAILED_RANGE = `status = @status AND queue_name = @queue AND ${FAILED_ROWS}`;
const WAITING = "CASE @waiting WHEN 'scheduled' THEN due_at > @now ELSE errors <> '[]' END";

const GRANT = `max_attempts = attempts + coalesce((SELECT value FROM json_each(@grants) WHERE key = task_name), 1)`;

/**
 * More READY rows than this in a queue, and its READY rows are walked newest first through
 * `*_queue` (checking each row's status) instead of read from `*_active` and sorted.
 * Measured at a million rows: sorting costs ~0.4 µs per READY row (20k: 8 ms), the walk ~0.3 µs
 * per row it passes. A backlog this large is the newest rows of its queue, so the walk stops
 * after about a page; READY rows behind many newer ones are sorted as long as they are few
 * (5,000 READY behind 200k newer rows: walked, 60 ms; sorted, ~2 ms).
 */
export const READY_SORTED_MAX = 10_000;
/** A literal LIMIT (one more than that): the count stops there. */
const READY_PROBE = ["LIMIT", READY_SORTED_MAX + 1].join(" ");

export const SQL = {
  // Newest-first walks, one per queue and (unless all are asked for) status or task, merged in JS
  // (manage-walks.ts). FAILED and CANCELLED rows and a queue's tasks: covering ranges in index order. READY
  // and RUNNING rows: ranges of the partial index of unfinished rows, sorted (migrations.ts, v7).
  /** A queue's rows of one task, any status. */
  walkPair: `SELECT seq, enqueued_at ${BY_QUEUE_TASK}
    WHERE queue_name = @queue AND task_name = @task AND ${PAGE} ${NEWEST_FIRST}`,
  /** A queue's FAILED or CANCELLED rows (SUCCEEDED ones: walkTask, per task of the queue). */
  walkFailed: `SELECT seq, enqueued_at ${BY_FAILED} WHERE ${FAILED_RANGE} AND ${PAGE} ${NEWEST_FIRST}`,
  walkFailedTasks: `SELECT seq, enqueued_at ${BY_FAILED}
    WHERE ${FAILED_RANGE} AND ${PAGE} AND ${IN_TASKS} ${NEWEST_FIRST}`,
  /** A queue's READY rows (at most READY_SORTED_MAX of them), sorted. */
  walkReady: `SELECT seq, enqueued_at ${BY_ACTIVE}
    WHERE ${READY_ROWS} AND queue_name = @queue AND ${PAGE} AND ${OPT_TASKS} ${NEWEST_FIRST}`,
  /** A queue with a READY backlog: a task's rows of it newest first, READY ones kept. */
  walkReadyByPair: `SELECT seq, enqueued_at ${BY_QUEUE_TASK}
    WHERE queue_name = @queue AND task_name = @task AND ${PAGE} AND status = 'READY' ${NEWEST_FIRST}`,
  /** A queue's RUNNING rows (a few), sorted. */
  walkRunning: `SELECT seq, enqueued_at ${BY_ACTIVE}
    WHERE ${RUNNING_ROWS} AND queue_name = @queue AND ${PAGE} AND ${OPT_TASKS} ${NEWEST_FIRST}`,
  /** One task's walk in one queue, newest first, the statuses checked on the way. */
  walkTask: `SELECT seq, enqueued_at ${BY_QUEUE_TASK}
    WHERE queue_name = @queue AND task_name = @task AND ${PAGE} AND ${OPT_STATUSES} ${NEWEST_FIRST}`,
  /** One queue's READY rows that are scheduled (not due yet) or retrying (failed before), newest first. */
  walkWaiting: `SELECT seq, enqueued_at ${BY_ACTIVE}
    WHERE ${READY_ROWS} AND queue_name = @queue AND ${PAGE} AND ${OPT_TASKS} AND ${WAITING} ${NEWEST_FIRST}`,
  walkWaitingByPair: `SELECT seq, enqueued_at ${BY_QUEUE_TASK}
    WHERE queue_name = @queue AND task_name = @task AND ${PAGE} AND status = 'READY' AND ${WAITING} ${NEWEST_FIRST}`,
  rowsBySeq: "SELECT * FROM tasklane_results WHERE seq IN (SELECT value FROM json_each(@seqs))",

  // Skip-scans: one seek per distinct queue, and per distinct task of a queue.
  firstQueue: `SELECT min(queue_name) ${BY_QUEUE_TASK}`,
  nextQueue: `SELECT queue_name ${BY_QUEUE_TASK} WHERE queue_name > @after ORDER BY queue_name LIMIT 1`,
  firstTask: `SELECT min(task_name) ${BY_QUEUE_TASK} WHERE queue_name = @queue`,
  nextTask: `SELECT task_name ${BY_QUEUE_TASK}
    WHERE queue_name = @queue AND task_name > @after ORDER BY task_name LIMIT 1`,

  finishedCounts: TOTALS,
  /** A queue's READY or RUNNING rows: covering range counts over the partial index. */
  countReady: `SELECT count(*) ${BY_ACTIVE} WHERE ${READY_ROWS} AND queue_name = @queue`,
  countRunning: `SELECT count(*) ${BY_ACTIVE} WHERE ${RUNNING_ROWS} AND queue_name = @queue`,
  /** Whether a queue has more than READY_SORTED_MAX READY rows (reads at most that many entries). */
  readyUpTo: `SELECT count(*) FROM (SELECT 1 ${BY_ACTIVE} WHERE ${READY_ROWS} AND queue_name = @queue
    ${READY_PROBE})`,
  countReadyTasks: `SELECT count(*) ${BY_ACTIVE}
    WHERE ${READY_ROWS} AND ${IN_TASKS} AND ${OPT_QUEUES}`,
  countRunningTasks: runningRows("count(*)", `${IN_TASKS} AND ${OPT_QUEUES}`),
  /** The earliest due_at of a queue's READY rows (claim.ts); the oldest *due* task when it is not in the future. */
  earliestDue: NEXT_DUE,
  /** A covering walk of the queue's READY entries (enqueued_at is in them). */
  oldestReady: `SELECT min(enqueued_at) ${BY_ACTIVE} WHERE ${READY_ROWS} AND queue_name = @queue`,
  // With `since`, counts come from the rows (the counts table knows no enqueue times).
  countSinceFailed: `SELECT count(*) ${BY_FAILED} WHERE ${FAILED_RANGE} AND enqueued_at >= @since AND ${OPT_TASKS}`,
  /** A queue's rows of one task since @since, any status: a covering range count (SUCCEEDED ones are the rest). */
  countSincePair: `SELECT count(*) ${BY_QUEUE_TASK} WHERE queue_name = @queue AND task_name = @task AND enqueued_at >= @since`,
  countSinceReady: `SELECT count(*) ${BY_ACTIVE}
    WHERE ${READY_ROWS} AND queue_name = @queue AND enqueued_at >= @since AND ${OPT_TASKS}`,
  countSinceRunning: `SELECT count(*) ${BY_ACTIVE}
    WHERE ${RUNNING_ROWS} AND queue_name = @queue AND enqueued_at >= @since AND ${OPT_TASKS}`,
  countSinceTask: `SELECT status, count(*) AS n ${BY_QUEUE_TASK}
    WHERE queue_name = @queue AND task_name = @task AND enqueued_at >= @since AND ${OPT_STATUSES} GROUP BY status`,

  idRange: `SELECT * FROM tasklane_results WHERE id >= @from AND id < @to ORDER BY id ${LIMIT}`,
  // No index can serve "ends with": a covering scan of the id index (~50 ns a row).
  idSuffix: `SELECT id FROM tasklane_results WHERE substr(id, -@length) = @fragment ORDER BY id ${LIMIT}`,
  byIds: "SELECT * FROM tasklane_results WHERE id IN (SELECT value FROM json_each(@ids)) ORDER BY id",

  // FAILED rows grouped by task and the class of their last error. `latest` takes the bare
  // seq of each group's max(finished_at) row (SQLite's documented min/max bare-column rule).
  errorGroups: `WITH failed AS MATERIALIZED (
      SELECT seq, task_name, finished_at,
        coalesce(json_extract(errors, '$[#-1].exceptionClass'), '') AS exception_class
      ${BY_FAILED}
      WHERE status = 'FAILED' AND ${FAILED_ROWS}
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

  // Failures by cause: the class and user frame of each result's last error, over FAILED rows
  // (`*_failed`) and READY rows waiting to retry (`*_active`, rows with errors).
  failureGroups: `WITH failed AS MATERIALIZED (
      SELECT seq, task_name, status, finished_at AS at,
        coalesce(json_extract(errors, '$[#-1].exceptionClass'), '') AS exception_class,
        json_extract(errors, '$[#-1].frame') AS frame
      ${BY_FAILED}
      WHERE status = 'FAILED' AND ${FAILED_ROWS}
        AND (@since IS NULL OR enqueued_at >= @since) AND ${OPT_QUEUES} AND ${OPT_TASKS}
      UNION ALL
      SELECT seq, task_name, status, coalesce(last_attempted_at, enqueued_at) AS at,
        coalesce(json_extract(errors, '$[#-1].exceptionClass'), '') AS exception_class,
        json_extract(errors, '$[#-1].frame') AS frame
      ${BY_ACTIVE}
      WHERE ${READY_ROWS} AND errors <> '[]'
        AND (@since IS NULL OR enqueued_at >= @since) AND ${OPT_QUEUES} AND ${OPT_TASKS}
    ),
    groups AS (SELECT exception_class, frame, sum(status = 'FAILED') AS n, sum(status = 'READY') AS retrying,
      min(at) AS first_seen, max(at) AS last_seen, json_group_array(DISTINCT task_name) AS tasks
      FROM failed GROUP BY exception_class, frame),
    latest AS (SELECT exception_class, frame, max(at) AS last_seen, seq FROM failed GROUP BY exception_class, frame)
    SELECT g.exception_class, g.frame, g.n, g.retrying, g.first_seen, g.last_seen, g.tasks, r.id,
      coalesce(json_extract(r.errors, '$[#-1].message'), '') AS message,
      coalesce(json_extract(r.errors, '$[#-1].traceback'), '') AS traceback
    FROM groups g JOIN latest l ON l.exception_class = g.exception_class AND l.frame IS g.frame
      JOIN tasklane_results r ON r.seq = l.seq
    ORDER BY g.last_seen DESC, g.exception_class, g.frame`,
  failedGroupIds: `SELECT id ${BY_FAILED}
    WHERE status = 'FAILED' AND ${FAILED_ROWS}
      AND coalesce(json_extract(errors, '$[#-1].exceptionClass'), '') = @exceptionClass
      AND json_extract(errors, '$[#-1].frame') IS @frame
      AND (@since IS NULL OR enqueued_at >= @since) AND ${OPT_QUEUES} AND ${OPT_TASKS}`,
  retryingGroupIds: `SELECT id ${BY_ACTIVE}
    WHERE ${READY_ROWS} AND errors <> '[]'
      AND coalesce(json_extract(errors, '$[#-1].exceptionClass'), '') = @exceptionClass
      AND json_extract(errors, '$[#-1].frame') IS @frame
      AND (@since IS NULL OR enqueued_at >= @since) AND ${OPT_QUEUES} AND ${OPT_TASKS}`,

  // Status changes: each UPDATE re-checks the status it expects, so it can never overwrite what
  // a worker did in between (claims and completions run under the same write lock), and returns
  // the row's queue and task for the counts (counts.ts).
  // A retry grants more attempts: the task's own maxAttempts from @grants ({ name: n }), else 1.
  retry: `UPDATE tasklane_results SET status = 'READY', run_after = @now, due_at = @now, finished_at = NULL,
    worker_id = NULL, lease_expires_at = NULL, ${GRANT} WHERE id = @id AND status = 'FAILED' RETURNING ${COUNTED}`,
  // NOT INDEXED: rowid lookups of the given seqs, never a range of the FAILED rows.
  retrySeqs: `UPDATE tasklane_results NOT INDEXED SET status = 'READY', run_after = @now, due_at = @now, finished_at = NULL,
    worker_id = NULL, lease_expires_at = NULL, ${GRANT}
    WHERE seq IN (SELECT value FROM json_each(@seqs)) AND status = 'FAILED' RETURNING id, ${COUNTED}`,
  failedSeqs: `SELECT seq ${BY_FAILED}
    WHERE status = 'FAILED' AND ${FAILED_ROWS}
      AND (@since IS NULL OR enqueued_at >= @since) AND ${OPT_QUEUES} AND ${OPT_TASKS}`,
  // A cancelled unique task gives its key up unless it holds it for a period.
  cancel: `UPDATE tasklane_results SET status = 'CANCELLED', finished_at = @now, worker_id = NULL,
    lease_expires_at = NULL, unique_hold = CASE WHEN unique_scope = 'period' THEN unique_hold ELSE NULL END
    WHERE id = @id AND status = 'READY' RETURNING ${COUNTED}`,
  statusOf: "SELECT status FROM tasklane_results WHERE id = ?",

  workers: "SELECT * FROM tasklane_workers ORDER BY last_heartbeat_at DESC, id",
  /** Completions per 10-second slot, from slot @from on (counts.ts; throughput's windows are made in JS). */
  throughput: PER_SLOT,
} as const;
