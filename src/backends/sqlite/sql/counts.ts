// The finished-row counts (tasklane_counts), kept by the store in the transaction that changes
// the rows (schema.ts, v5: no triggers). One upsert per (queue, task, status) per transaction.

export const BUMP_COUNT = `INSERT INTO tasklane_counts (queue_name, task_name, status, n)
  VALUES (@queue, @task, @status, @n) ON CONFLICT DO UPDATE SET n = n + excluded.n`;

/** Rebuilds the counts from the rows: a scan of the finished index (a repair, and for tests). */
export const RECOUNT = `DELETE FROM tasklane_counts;
INSERT INTO tasklane_counts (queue_name, task_name, status, n)
  SELECT queue_name, task_name, status, count(*) FROM tasklane_results
  WHERE status IN ('SUCCEEDED', 'FAILED', 'CANCELLED') GROUP BY queue_name, task_name, status;`;
