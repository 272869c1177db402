import { LIMIT } from "./limit.js";
import { FAILED_ROWS, OPT_QUEUES, OPT_TASKS } from "./manage.js";
import { BY_QUEUE_TASK } from "./running.js";

// Prune's SQL (manage-prune.ts explains the batching): finished rows only, one finished status
// and queue at a time. FAILED and CANCELLED rows through the partial `tasklane_results_failed`
// index (status, queue_name, enqueued_at, seq, finished_at), covering; SUCCEEDED rows, which no
// index holds apart (migrations.ts, v9), through `*_queue_task`, one walk per task of the queue,
// each row's status and finish read from the row (prune reads the rows it deletes anyway). A
// row finishes after it is enqueued, so every row finished before the cutoff lies in the range
// enqueued before it.

/** Not holding a unique key for a period that has time left (finished rows hold no other kind). */
const NOT_HELD = "(unique_hold IS NULL OR unique_until <= @now)";

const PRUNABLE = "status = @status AND finished_at IS NOT NULL AND enqueued_at < @before AND finished_at < @before";
/** Keyset: after the last key read, oldest first. */
const AFTER = "enqueued_at >= @afterAt AND (enqueued_at > @afterAt OR seq > @afterSeq)";
const BY_FAILED = "FROM tasklane_results INDEXED BY tasklane_results_failed";

export const PRUNE_SQL = {
  /** FAILED or CANCELLED rows (@status): a covering count, and one queue's keys. */
  count: `SELECT count(*) ${BY_FAILED} WHERE ${PRUNABLE} AND ${FAILED_ROWS} AND ${OPT_QUEUES} AND ${OPT_TASKS}`,
  keys: `SELECT seq, enqueued_at ${BY_FAILED}
    WHERE ${PRUNABLE} AND ${FAILED_ROWS} AND queue_name = @queue AND ${AFTER} AND ${OPT_TASKS}
    ORDER BY enqueued_at, seq ${LIMIT}`,
  /** SUCCEEDED rows (@status): one queue's rows of one task, counted, and their keys. */
  countPair: `SELECT count(*) ${BY_QUEUE_TASK} WHERE queue_name = @queue AND task_name = @task AND ${PRUNABLE}`,
  keysPair: `SELECT seq, enqueued_at ${BY_QUEUE_TASK}
    WHERE queue_name = @queue AND task_name = @task AND ${PRUNABLE} AND ${AFTER}
    ORDER BY enqueued_at, seq ${LIMIT}`,
  /** The rows enqueued before the cutoff in one (queue, task) range, any status: a covering count. */
  pairRange: `SELECT count(*) ${BY_QUEUE_TASK} WHERE queue_name = @queue AND task_name = @task AND enqueued_at < @before`,
  /** About how many rows the table holds (rowids are given in order; deleted ones leave gaps). */
  rowSpan: "SELECT coalesce(max(seq) - min(seq) + 1, 0) FROM tasklane_results",
  /** SUCCEEDED rows counted by one pass over the table, in rowid order (manage-prune.ts says when). */
  countScan: `SELECT count(*) FROM tasklane_results NOT INDEXED WHERE ${PRUNABLE} AND ${OPT_QUEUES} AND ${OPT_TASKS}`,
  // Returns each deleted row's queue and task for the counts (counts.ts).
  // NOT INDEXED: look each seq up by rowid; left to itself the planner may prefer a range of
  // an index and scan every prunable row once per batch.
  // A row still holding its unique key for a period stays until the period ends (a hold lasts
  // its period whatever happens to the task): counted apart (held) and skipped here.
  delete: `DELETE FROM tasklane_results NOT INDEXED WHERE seq IN (SELECT value FROM json_each(@seqs))
    AND status = @status AND finished_at < @before AND ${NOT_HELD} RETURNING queue_name, task_name`,
  // Those held rows, through the small partial index of held keys (the counts above read
  // no hold: `*_failed` does not carry it).
  held: `SELECT count(*) FROM tasklane_results INDEXED BY tasklane_results_unique
    WHERE unique_hold IS NOT NULL AND NOT ${NOT_HELD} AND ${PRUNABLE} AND ${OPT_QUEUES} AND ${OPT_TASKS}`,
  // Every worker start adds a registry row; rows of workers gone for longer than the results'
  // age go with them, so the registry (read on every dashboard refresh) stays small.
  deleteWorkers: `DELETE FROM tasklane_workers
    WHERE state <> 'running' AND coalesce(stopped_at, last_heartbeat_at) < @before`,
} as const;
