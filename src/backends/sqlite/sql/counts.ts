// The finished-row counts (tasklane_counts), kept by the store in the transaction that changes
// the rows (migrations.ts, v5: no triggers). Per (queue, task, status): the total, in the row whose
// slot is TOTAL_SLOT, and the completions of each recent 10-second slot (migrations.ts, v6), which
// throughput reads. One write per (queue, task, status) and slot per transaction.

/** A slot is 10 s of finished_at: throughput's one-minute windows are exact to 10 s. */
export const SLOT_MS = 10_000;

/** The `slot` of a total row: above every real slot, so a group's newest slot sits next to it. */
export const TOTAL_SLOT = 9_007_199_254_740_991;

/** How many slots of completions are kept: an hour (throughput reads at most this far back). */
export const SLOTS_KEPT = 360;

// A count is added to by an UPDATE of its row, and inserted (BUMP_COUNT) only when the UPDATE
// found none: the row is there for all but a group's first change and each new slot's first, and
// the UPDATE costs less than the upsert's insert attempt. Measured in bench/raw.ts's claim +
// complete loop (50k no-ops, two count changes per transaction, 5 interleaved rounds, twice):
// +3.5% and +4.6% one task per transaction; unchanged in batches of 50.
export const ADD_TO_COUNT = `UPDATE tasklane_counts SET n = n + @n
  WHERE queue_name = @queue AND task_name = @task AND status = @status AND slot = @slot`;

export const BUMP_COUNT = `INSERT INTO tasklane_counts (queue_name, task_name, status, slot, n)
  VALUES (@queue, @task, @status, @slot, @n) ON CONFLICT DO UPDATE SET n = n + excluded.n`;

/** A group's slots before @before: one short range of the key, usually empty. */
export const DROP_OLD_SLOTS = `DELETE FROM tasklane_counts
  WHERE queue_name = @queue AND task_name = @task AND status = @status AND slot < @before`;

/** The totals, per (queue, task, status). */
export const TOTALS = `SELECT queue_name, task_name, status, n FROM tasklane_counts
  WHERE slot = ${TOTAL_SLOT} AND n > 0`;

/** Completions per slot, from slot @from on (a scan of this small table: an hour of slots per group at most). */
export const PER_SLOT = `SELECT slot, sum(n) AS n FROM tasklane_counts
  WHERE slot >= @from AND slot < ${TOTAL_SLOT} GROUP BY slot`;

/** The last SLOTS_KEPT slots' completions, from the finished rows (GROUP BY over `rows`). */
export const recentSlots = (rows: string) => `INSERT INTO tasklane_counts (queue_name, task_name, status, slot, n)
  SELECT queue_name, task_name, status, finished_at / ${SLOT_MS}, count(*) FROM ${rows}
  WHERE status IN ('SUCCEEDED', 'FAILED', 'CANCELLED') AND finished_at IS NOT NULL
    AND finished_at >= (CAST(strftime('%s', 'now') AS INTEGER) * 1000 / ${SLOT_MS} - ${SLOTS_KEPT}) * ${SLOT_MS}
  GROUP BY queue_name, task_name, status, finished_at / ${SLOT_MS};`;

/** Rebuilds the counts from the rows (a repair, and for tests): the totals and the recent slots. */
export const RECOUNT = `DELETE FROM tasklane_counts;
INSERT INTO tasklane_counts (queue_name, task_name, status, slot, n)
  SELECT queue_name, task_name, status, ${TOTAL_SLOT}, count(*) FROM tasklane_results
  WHERE status IN ('SUCCEEDED', 'FAILED', 'CANCELLED') GROUP BY queue_name, task_name, status;
${recentSlots("tasklane_results")}`;
