import { RUNNING_ROWS } from "./active.js";

// RUNNING rows, found per queue through `*_active` (active.ts), where they sort first, before
// the queue's READY rows (migrations.ts, v7). The queues come from a skip-scan of `*_queue_task` (one
// seek each), so each statement is a handful of short range walks, never a scan of the history.

/** `FROM` the results through `*_queue_task` (queue_name, task_name, enqueued_at: migrations.ts, v8), pinned. */
export const BY_QUEUE_TASK = "FROM tasklane_results INDEXED BY tasklane_results_queue_task";

/** Every queue with rows, by skip-scan: one seek per queue. */
const EACH_QUEUE = `WITH RECURSIVE queues(name) AS (
    SELECT (SELECT min(queue_name) ${BY_QUEUE_TASK})
    UNION ALL
    SELECT (SELECT min(queue_name) ${BY_QUEUE_TASK}
      WHERE queue_name > queues.name) FROM queues WHERE queues.name IS NOT NULL)`;

/** RUNNING rows matching `where`, with the columns asked for (unqualified names are the row's). CROSS JOIN keeps
 * the queues as the outer loop whatever the statistics say: one range walk per queue. */
export const runningRows = (columns: string, where: string) => `${EACH_QUEUE}
  SELECT ${columns} FROM queues CROSS JOIN tasklane_results INDEXED BY tasklane_results_active
    ON queue_name = queues.name AND ${RUNNING_ROWS}
  WHERE ${where}`;

/** The seqs of RUNNING rows matching `where`. */
export const runningSeqs = (where: string) => runningRows("seq", where);
