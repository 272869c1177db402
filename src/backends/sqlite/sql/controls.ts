import { BY_ACTIVE, READY_ROWS, RUNNING_ROWS } from "./active.js";
import { LIMIT } from "./limit.js";

// Queue controls (pause, per-queue concurrency and rate, per-key concurrency), read and updated
// inside the claim transaction. tasklane_queues is tiny (one row per queue with any state);
// running counts are covering index ranges over RUNNING rows, which are few.

export const PAUSED_QUEUES = "SELECT queue_name FROM tasklane_queues WHERE paused_at IS NOT NULL";

export const RUNNING_IN_QUEUE = `SELECT count(*) ${BY_ACTIVE} WHERE queue_name = @queue AND ${RUNNING_ROWS}`;

export const RATE_WINDOW = "SELECT window_start, window_count FROM tasklane_queues WHERE queue_name = @queue";

/** Adds `n` starts to the queue's window starting at @start (a new window restarts the count). */
export const COUNT_STARTS = `INSERT INTO tasklane_queues (queue_name, window_start, window_count) VALUES (@queue, @start, @n)
  ON CONFLICT (queue_name) DO UPDATE SET
    window_count = CASE WHEN window_start = excluded.window_start THEN window_count + excluded.window_count
      ELSE excluded.window_count END,
    window_start = excluded.window_start`;

/** Running tasks per key, for the keys given (the small partial index over RUNNING keyed rows). */
export const RUNNING_PER_KEY = `SELECT concurrency_key AS key, count(*) AS n FROM tasklane_results
  INDEXED BY tasklane_results_running_keys
  WHERE status = 'RUNNING' AND concurrency_key IS NOT NULL AND concurrency_key IN (SELECT value FROM json_each(@keys))
  GROUP BY concurrency_key`;

// Candidates in claim order (as the plain claim's), with what the controls need, skipping
// queues and keys already known to be full.
const FIELDS = "seq, queue_name, priority, due_at, enqueued_at, concurrency_key, concurrency_limit";
const ORDER = `ORDER BY priority DESC, due_at, enqueued_at, seq ${LIMIT}`;
const OPEN_KEY = "(concurrency_key IS NULL OR concurrency_key NOT IN (SELECT value FROM json_each(@fullKeys)))";

export const CANDIDATES_IN_QUEUE = `SELECT ${FIELDS} FROM tasklane_results
  WHERE ${READY_ROWS} AND due_at <= @now AND queue_name = @queue AND ${OPEN_KEY} ${ORDER}`;

export const PAUSE = `INSERT INTO tasklane_queues (queue_name, paused_at) VALUES (@queue, @now)
  ON CONFLICT (queue_name) DO UPDATE SET paused_at = coalesce(paused_at, excluded.paused_at)`;

export const RESUME = "UPDATE tasklane_queues SET paused_at = NULL WHERE queue_name = @queue";

export const QUEUE_STATES = "SELECT queue_name, paused_at FROM tasklane_queues ORDER BY queue_name";

export interface CandidateRow {
  seq: number;
  queue_name: string;
  priority: number;
  due_at: number;
  enqueued_at: number;
  concurrency_key: string | null;
  concurrency_limit: number | null;
}
