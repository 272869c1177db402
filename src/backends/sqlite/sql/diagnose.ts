// What `tasks why` reads about one result (diagnose.ts): a few index seeks, no scans.

import { BY_ACTIVE, READY_ROWS, RUNNING_ROWS } from "./active.js";

export const RUNNING_HOLDERS = `SELECT id, worker_id ${BY_ACTIVE}
  WHERE queue_name = @queue AND ${RUNNING_ROWS} ORDER BY enqueued_at LIMIT 10`;

/** Due READY tasks of the queue ahead of this one in claim order (priority desc, due, enqueued, seq). */
export const DUE_AHEAD = `SELECT count(*) ${BY_ACTIVE}
  WHERE ${READY_ROWS} AND queue_name = @queue AND due_at <= @now
    AND (priority > @priority OR (priority = @priority AND (due_at < @dueAt OR (due_at = @dueAt
      AND (enqueued_at < @enqueuedAt OR (enqueued_at = @enqueuedAt AND seq < @seq))))))`;

export const KEY_RUNNING = `SELECT id FROM tasklane_results INDEXED BY tasklane_results_running_keys
  WHERE status = 'RUNNING' AND concurrency_key = @key ORDER BY id LIMIT 20`;

export const UNIQUE_HOLDER = "SELECT id FROM tasklane_results WHERE unique_hold = @hold";
