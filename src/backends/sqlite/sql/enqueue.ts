// Storing and reading results by id. Every statement is a constant; values are bound parameters.

const INSERT_INTO = `INSERT INTO tasklane_results
  (id, task_name, status, args, queue_name, priority, run_after, due_at, enqueued_at, max_attempts, timeout_ms,
   schedule, unique_key, unique_scope, unique_until, unique_hold, concurrency_key, concurrency_limit)`;
const ROW = "(?, ?, 'READY', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
/** A row with none of the optional settings (timeout, schedule, unique, concurrency): 9 parameters. */
const PLAIN_ROW = "(?, ?, 'READY', ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)";
/** How many of a row's values a plain row binds (the first ones, in INSERT's column order). */
export const PLAIN_VALUES = 9;

export const INSERT = `${INSERT_INTO} VALUES ${ROW}`;

/**
 * One INSERT of `rows` rows (17 parameters each; `plain`: 9, for rows with none of the optional
 * settings). Storing many tasks, one statement per 100 rows instead of one per row saves
 * better-sqlite3's bind-step-reset round per row: measured with plain better-sqlite3 on the
 * schema, 1,000-row transactions of 50k tasks, +17% with 10 rows a statement, +23% with 50, +27%
 * with 100 (SQLite allows 32,766 parameters: 100 rows use 1,700); binding 9 values a row instead
 * of 17 (8 of them NULL) another +9%.
 */
export const insertRows = (rows: number, plain: boolean) =>
  `${INSERT_INTO} VALUES ${Array(rows)
    .fill(plain ? PLAIN_ROW : ROW)
    .join(", ")}`;

/**
 * A plain row whose values other than its id and args are the statement's, bound once by name.
 * The rows of one enqueueMany call are usually all alike (one task, one queue, one time): then
 * each row binds 2 values instead of 9. Measured with plain better-sqlite3 on the schema,
 * 1,000-row transactions of 50k tasks, 100 rows a statement, medians of 9 interleaved rounds:
 * +9% over 9 values a row, level with an INSERT that writes those values as literals.
 */
const SHARED_ROW =
  "(?, @taskName, 'READY', ?, @queueName, @priority, @runAfter, @dueAt, @enqueuedAt, @maxAttempts, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)";

/** One INSERT of `rows` rows binding each row's id and args, then the values they share by name. */
export const insertSharedRows = (rows: number) => `${INSERT_INTO} VALUES ${Array(rows).fill(SHARED_ROW).join(", ")}`;

export const GET = "SELECT * FROM tasklane_results WHERE id = ?";

/** What a completion needs of a row: its rowid and its place in the counts. */
export const HELD_OF = "SELECT seq, queue_name, task_name FROM tasklane_results WHERE id = ?";

/** Changes whenever another connection commits (the wake-up watcher compares it). */
export const DATA_VERSION = "PRAGMA data_version";
