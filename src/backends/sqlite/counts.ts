import type BetterSqlite3 from "better-sqlite3";
import { ADD_TO_COUNT, BUMP_COUNT, DROP_OLD_SLOTS, RECOUNT, SLOT_MS, SLOTS_KEPT, TOTAL_SLOT } from "./sql/counts.js";
import type { Statements } from "./statements.js";

/** A finished status: the only ones tasklane_counts holds (READY and RUNNING are counted live). */
export type FinishedStatus = "SUCCEEDED" | "FAILED" | "CANCELLED";

/** A row's place in the counts, as the statements that change it return it. */
export interface CountedRow {
  queue_name: string;
  task_name: string;
}

/**
 * Per connection (its statement cache), the slot each group last dropped old slots at: a group
 * drops them once per slot, not in every transaction (a DELETE that finds nothing still costs a
 * statement, ~2% of a worker at --concurrency 1). Dropped more than once, or late after a
 * rollback, they only linger: throughput reads from its window's first slot on.
 */
const droppedAt = new WeakMap<Statements, Map<string, number>>();

/**
 * The changes one transaction makes to tasklane_counts, summed in JS and written once per
 * (queue, task, status) by `flush`, inside that transaction. Until v4 a trigger upserted the
 * counts once per row; measured with raw statements (50k no-op tasks, 2 cores), the upsert in
 * the completion's trigger cost more than the rest of the drain: claim + complete in batches of
 * 50 ran at ~18k tasks/s with it and ~43k/s without; one at a time, ~7k/s and ~11k/s.
 * The price: a status change made by hand-written SQL no longer shows in the counts (`recount`
 * rebuilds them), and every status change of the store must go through here.
 *
 * Each row that reaches a finished status is also a completion of its 10-second slot (schema
 * v6: what throughput reads). Rows leaving one (a retry, prune) lower the total only: a
 * slot's completions happened, whatever became of the rows since.
 */
export class CountDeltas {
  readonly #totals = new Map<string, { queue: string; task: string; status: FinishedStatus; n: number }>();
  /** Completions per (queue, task, status, slot of finished_at). */
  readonly #slots = new Map<
    string,
    { group: string; queue: string; task: string; status: FinishedStatus; slot: number; n: number }
  >();

  /** `finishedAt` (ms): when a row reached `status` (n = 1); ignored when one leaves it (n = -1). */
  add(row: CountedRow, status: FinishedStatus, n: 1 | -1, finishedAt = 0): void {
    const key = `${row.queue_name}\u0000${row.task_name}\u0000${status}`;
    const total = this.#totals.get(key);
    if (total) total.n += n;
    else this.#totals.set(key, { queue: row.queue_name, task: row.task_name, status, n });
    if (n < 0) return;
    const slot = Math.floor(finishedAt / SLOT_MS);
    const slotKey = `${key}\u0000${slot}`;
    const done = this.#slots.get(slotKey);
    if (done) done.n += 1;
    else this.#slots.set(slotKey, { group: key, queue: row.queue_name, task: row.task_name, status, slot, n: 1 });
  }

  /**
   * Writes the sums (call inside the transaction that made the changes) and starts over. A
   * group that completed rows in a slot new to this connection also drops its slots older than
   * SLOTS_KEPT: one short key range next to the rows just written.
   */
  flush(statements: Statements): void {
    if (this.#totals.size === 0) return;
    const add = statements.get(ADD_TO_COUNT);
    const insert = statements.get(BUMP_COUNT);
    const bump = (change: { queue: string; task: string; status: FinishedStatus; slot: number; n: number }) => {
      if (add.run(change).changes === 0) insert.run(change);
    };
    for (const { queue, task, status, n } of this.#totals.values()) {
      if (n !== 0) bump({ queue, task, status, slot: TOTAL_SLOT, n });
    }
    let dropped = droppedAt.get(statements);
    if (!dropped) {
      dropped = new Map<string, number>();
      droppedAt.set(statements, dropped);
    }
    for (const { group, queue, task, status, slot, n } of this.#slots.values()) {
      bump({ queue, task, status, slot, n });
      if ((dropped.get(group) ?? Number.NEGATIVE_INFINITY) >= slot) continue;
      dropped.set(group, slot);
      statements.get(DROP_OLD_SLOTS).run({ queue, task, status, before: slot - SLOTS_KEPT });
    }
    this.#totals.clear();
    this.#slots.clear();
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
  const now = Date.now();
  for (const row of rows) counts.add(row, status, n, now);
  counts.flush(statements);
}

/** Rebuilds tasklane_counts from the rows, in one write transaction. */
export function recount(db: BetterSqlite3.Database): void {
  db.transaction(() => db.exec(RECOUNT)).immediate();
}
