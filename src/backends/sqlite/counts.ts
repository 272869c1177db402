import type BetterSqlite3 from "better-sqlite3";
import { BUMP_COUNT, RECOUNT } from "./sql/counts.js";
import type { Statements } from "./statements.js";

/** A finished status: the only ones tasklane_counts holds (READY and RUNNING are counted live). */
export type FinishedStatus = "SUCCEEDED" | "FAILED" | "CANCELLED";

/** A row's place in the counts, as the statements that change it return it. */
export interface CountedRow {
  queue_name: string;
  task_name: string;
}

/**
 * The changes one transaction makes to tasklane_counts, summed in JS and written once per
 * (queue, task, status) by `flush`, inside that transaction. Until v4 a trigger upserted the
 * counts once per row; measured with raw statements (50k no-op tasks, 2 cores), the upsert in
 * the completion's trigger cost more than the rest of the drain: claim + complete in batches of
 * 50 ran at ~18k tasks/s with it and ~43k/s without; one at a time, ~7k/s and ~11k/s.
 * The price: a status change made by hand-written SQL no longer shows in the counts (`recount`
 * rebuilds them), and every status change of the store must go through here.
 */
export class CountDeltas {
  readonly #deltas = new Map<string, { queue: string; task: string; status: FinishedStatus; n: number }>();

  add(row: CountedRow, status: FinishedStatus, n: 1 | -1): void {
    const key = `${row.queue_name}\u0000${row.task_name}\u0000${status}`;
    const delta = this.#deltas.get(key);
    if (delta) delta.n += n;
    else this.#deltas.set(key, { queue: row.queue_name, task: row.task_name, status, n });
  }

  /** Writes the sums (call inside the transaction that made the changes) and starts over. */
  flush(statements: Statements): void {
    if (this.#deltas.size === 0) return;
    const bump = statements.get(BUMP_COUNT);
    for (const delta of this.#deltas.values()) if (delta.n !== 0) bump.run(delta);
    this.#deltas.clear();
  }
}

/** Counts `rows`, all of one status, up or down, in the current transaction. */
export function countRows(
  statements: Statements,
  rows: readonly CountedRow[],
  status: FinishedStatus,
  n: 1 | -1,
): void {
  const counts = new CountDeltas();
  for (const row of rows) counts.add(row, status, n);
  counts.flush(statements);
}

/** Rebuilds tasklane_counts from the rows, in one write transaction. */
export function recount(db: BetterSqlite3.Database): void {
  db.transaction(() => db.exec(RECOUNT)).immediate();
}
