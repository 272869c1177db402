// Storing and reading results by id. Every statement is a constant; values are bound parameters.

export const INSERT = `INSERT INTO tasklane_results
  (id, task_name, status, args, queue_name, priority, run_after, due_at, enqueued_at, max_attempts, timeout_ms,
   schedule, unique_key, unique_scope, unique_until, unique_hold, concurrency_key, concurrency_limit)
  VALUES (?, ?, 'READY', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

export const GET = "SELECT * FROM tasklane_results WHERE id = ?";

/** What a completion needs of a row: its rowid and its place in the counts. */
export const HELD_OF = "SELECT seq, queue_name, task_name FROM tasklane_results WHERE id = ?";

/** Changes whenever another connection commits (the wake-up watcher compares it). */
export const DATA_VERSION = "PRAGMA data_version";
