// Raw bounds: the same rows and the same schema as tasklane, written and claimed with plain
// better-sqlite3 prepared statements and nothing else (no validation, no records, no
// signals, no worker loop). What tasklane does on top of this is its overhead.
import type Database from "better-sqlite3";
import { READY_ROWS } from "../src/backends/sqlite/sql/active.js";
import { SLOT_MS, SLOTS_KEPT, TOTAL_SLOT } from "../src/backends/sqlite/sql/counts.js";
import { newResultId as v7 } from "../src/core/ids.js";
import type { Enqueuer } from "./enqueue.js";

// The row shape of store.ts's INSERT: UUIDv7 id, JSON args, due_at = enqueued_at.
const INSERT_INTO = `INSERT INTO tasklane_results
  (id, task_name, status, args, queue_name, priority, run_after, due_at, enqueued_at, max_attempts)`;
const ROW_VALUES = "(?, 'noop', 'READY', ?, 'default', 0, NULL, ?, ?, 1)";
const INSERT = `${INSERT_INTO} VALUES ${ROW_VALUES}`;
/** Rows per INSERT statement in a bulk, as the store writes a batch (sql/enqueue.ts). */
const ROWS_PER_STATEMENT = 100;

/** (a) one autocommit INSERT per task. */
export function rawSingle(db: Database.Database): Enqueuer {
  const insert = db.prepare(INSERT);
  return {
    run(from, to) {
      for (let i = from; i < to; i++) {
        const now = Date.now();
        insert.run(v7(), JSON.stringify([i]), now, now);
      }
    },
    close: () => db.close(),
  };
}

/**
 * (b) `chunk` rows per BEGIN IMMEDIATE transaction, 100 per INSERT statement as the store writes
 * a batch (the rest one by one): binding many rows per statement is the cheapest way
 * better-sqlite3 has to store them.
 */
export function rawBulk(db: Database.Database, chunk: number): Enqueuer {
  const insert = db.prepare(INSERT);
  const insertMany = db.prepare(`${INSERT_INTO} VALUES ${Array(ROWS_PER_STATEMENT).fill(ROW_VALUES).join(", ")}`);
  const many = db.transaction((from: number, to: number) => {
    const now = Date.now();
    let i = from;
    const params: (string | number)[] = [];
    for (; i + ROWS_PER_STATEMENT <= to; i += ROWS_PER_STATEMENT) {
      params.length = 0;
      for (let j = i; j < i + ROWS_PER_STATEMENT; j++) params.push(v7(), JSON.stringify([j]), now, now);
      insertMany.run(params);
    }
    for (; i < to; i++) insert.run(v7(), JSON.stringify([i]), now, now);
  });
  return {
    run(from, to) {
      for (let i = from; i < to; i += chunk) many.immediate(i, Math.min(to, i + chunk));
    },
    close: () => db.close(),
  };
}

// The claim and finish a worker must do at the least, as the store does them (sql/claim.ts):
// the best `batch` READY rows read whole through the partial index of unfinished rows in claim
// order (as arrays: the cheapest read better-sqlite3 has), each claimed by a one-row UPDATE by
// rowid; finished by rowid, and counted once per transaction. `LIMIT +@limit`: see sql/limit.ts.
const SELECT = `SELECT * FROM tasklane_results WHERE ${READY_ROWS} AND due_at <= @now
  AND queue_name = 'default' ORDER BY priority DESC, due_at, enqueued_at, seq LIMIT +@limit`;
const CLAIM = `UPDATE tasklane_results SET status = 'RUNNING', worker_id = @workerId,
  started_at = coalesce(started_at, @now), last_attempted_at = @now, attempts = attempts + 1,
  worker_ids = json_insert(worker_ids, '$[#]', @workerId), lease_expires_at = @lease
  WHERE seq = @seq AND status = 'READY'`;
const FINISH = `UPDATE tasklane_results SET status = 'SUCCEEDED', finished_at = @now, return_value = 'null',
  worker_id = NULL, lease_expires_at = NULL WHERE seq = @seq AND status = 'RUNNING' AND worker_id = @workerId`;
// The finished counts, once per transaction (schema v5: the store sums them in JS, no trigger):
// the total, and (v6) the completions of the transaction's 10-second slot, dropping old slots
// once per slot. Each added to by an UPDATE, inserted when there was no row (as counts.ts does).
const ADD = `UPDATE tasklane_counts SET n = n + @n
  WHERE queue_name = 'default' AND task_name = 'noop' AND status = 'SUCCEEDED' AND slot = @slot`;
const COUNT = `INSERT INTO tasklane_counts (queue_name, task_name, status, slot, n)
  VALUES ('default', 'noop', 'SUCCEEDED', @slot, @n) ON CONFLICT DO UPDATE SET n = n + excluded.n`;
const DROP_OLD = `DELETE FROM tasklane_counts
  WHERE queue_name = 'default' AND task_name = 'noop' AND status = 'SUCCEEDED' AND slot < @before`;

/**
 * (c) Drains every READY row in-process, as a worker with `batch` slots does at the least: one
 * BEGIN IMMEDIATE transaction finishes the previous batch and claims the next, until a claim
 * comes back empty. Returns ms and rows done. `shared`: another process drains the same file
 * (raw-drain-child.ts): a transaction that finds the lock taken is tried again at once (the
 * busy handler off), the quickest a waiting process can take its turn.
 */
export function rawDrain(db: Database.Database, batch = 50, shared = false): { ms: number; done: number } {
  const workerId = "raw-bound";
  const select = db.prepare(SELECT).raw(); // seq is the first column
  const claim = db.prepare(CLAIM);
  const finish = db.prepare(FINISH);
  const add = db.prepare(ADD);
  const insert = db.prepare(COUNT);
  const count = (change: { n: number; slot: number }) => {
    if (add.run(change).changes === 0) insert.run(change);
  };
  const dropOld = db.prepare(DROP_OLD);
  let droppedAt = Number.NEGATIVE_INFINITY; // old slots are dropped once per slot, as the store does
  const step = db.transaction((finished: unknown[][]) => {
    const now = Date.now();
    for (const r of finished) finish.run({ seq: r[0], workerId, now });
    if (finished.length > 0) {
      const slot = Math.floor(now / SLOT_MS);
      count({ n: finished.length, slot: TOTAL_SLOT });
      count({ n: finished.length, slot });
      if (slot > droppedAt) {
        droppedAt = slot;
        dropOld.run({ before: slot - SLOTS_KEPT });
      }
    }
    const rows = select.all({ now, limit: batch }) as unknown[][];
    for (const r of rows) claim.run({ workerId, now, lease: now + 30_000, seq: r[0] });
    return rows;
  });
  if (shared) db.pragma("busy_timeout = 0");
  const once = (finished: unknown[][]): unknown[][] => {
    for (;;) {
      try {
        return step.immediate(finished);
      } catch (error) {
        if (!shared || (error as { code?: string }).code !== "SQLITE_BUSY") throw error;
      }
    }
  };
  let done = 0;
  let rows: unknown[][] = [];
  const start = performance.now();
  for (;;) {
    rows = once(rows);
    if (rows.length === 0) break;
    done += rows.length;
  }
  return { ms: performance.now() - start, done };
}
