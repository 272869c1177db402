import type Database from "better-sqlite3";
import type { PruneOptions } from "../../contract/management.js";
import { type CountedRow, countRows, type FinishedStatus } from "./counts.js";
import { gapAfter, waitUntil } from "./lock-gaps.js";
import { jsonList, manageStatements } from "./manage-sql.js";
import { queuesPresent, tasksIn } from "./manage-walks.js";
import { PRUNE_SQL } from "./sql/prune.js";
import type { Statements } from "./statements.js";

// Prune: deletes finished rows only, one finished status at a time, its walks merged oldest
// first (MergedWalk): FAILED and CANCELLED rows one walk per queue through the partial
// `tasklane_results_failed` index, SUCCEEDED rows one walk per (queue, task) through
// `*_queue_task` (sql/prune.ts). Each batch is found by a read outside any write lock
// (keyset walks in index order, so rows skipped by the task filter are never read twice), then
// deleted in its own short BEGIN IMMEDIATE transaction whose DELETE re-checks status and age,
// so a row retried in between is left alone.
//
// Between batches the write lock is left free for as long as the batch held it (5–50 ms), with
// the event loop running. Yielding for a mere setImmediate is not enough: SQLite has no queue of
// waiting writers, another process's busy handler polls after sleeping 1, 2, 5, 10, 15, 20,
// 25 … ms, and a gap of a millisecond or two between back-to-back batches is almost never where
// its next poll lands, so an enqueue can starve for hundreds of ms (measured: 530 ms with
// setImmediate alone). A gap at least as long as the batch catches the waiter's next poll, so
// an enqueue waits about one batch (~10–20 ms) at worst. The price: prune runs at about half
// its unimpeded speed. The gap is also when WAL pages get checkpointed (PASSIVE: it blocks no
// writer) and the next batch is found: prune turns off this connection's auto-checkpoint,
// which would otherwise run inside a batch's COMMIT, and checkpoints once per gap instead, so
// the WAL stays small and another process's commit rarely has to run a large checkpoint
// itself (a stall of its own).

/** Rows per delete transaction unless the caller says otherwise. */
export const DEFAULT_PRUNE_BATCH = 2000;

interface PruneStatements {
  count: Database.Statement<unknown[], number>;
  countPair: Database.Statement<unknown[], number>;
  pairRange: Database.Statement<unknown[], number>;
  rowSpan: Database.Statement<unknown[], number>;
  countScan: Database.Statement<unknown[], number>;
  held: Database.Statement<unknown[], number>;
  keys: Database.Statement<unknown[], { seq: number; enqueued_at: number }>;
  keysPair: Database.Statement<unknown[], { seq: number; enqueued_at: number }>;
  deleteBatch: Database.Statement<unknown[], CountedRow>;
  deleteWorkers: Database.Statement;
}

function statements(cache: Statements): PruneStatements {
  return {
    count: cache.pluck<number>(PRUNE_SQL.count),
    countPair: cache.pluck<number>(PRUNE_SQL.countPair),
    pairRange: cache.pluck<number>(PRUNE_SQL.pairRange),
    rowSpan: cache.pluck<number>(PRUNE_SQL.rowSpan),
    countScan: cache.pluck<number>(PRUNE_SQL.countScan),
    held: cache.pluck<number>(PRUNE_SQL.held),
    keys: cache.get<{ seq: number; enqueued_at: number }>(PRUNE_SQL.keys),
    keysPair: cache.get<{ seq: number; enqueued_at: number }>(PRUNE_SQL.keysPair),
    deleteBatch: cache.get<CountedRow>(PRUNE_SQL.delete),
    deleteWorkers: cache.get(PRUNE_SQL.deleteWorkers),
  };
}

/** The (status, cutoff) pairs a prune deletes: never READY or RUNNING. */
function targets(options: PruneOptions) {
  const filters = { queues: jsonList(options.queues), tasks: jsonList(options.taskNames), now: Date.now() };
  const before = options.finishedBefore.getTime();
  return [
    { ...filters, status: "SUCCEEDED" as const, before },
    { ...filters, status: "CANCELLED" as const, before },
    { ...filters, status: "FAILED" as const, before: options.failedFinishedBefore.getTime() },
  ];
}

type PruneKey = { seq: number; enqueued_at: number };
type Target = ReturnType<typeof targets>[number];
/** Where one walk reads: a queue (FAILED, CANCELLED), or a queue's task (SUCCEEDED). */
type Range = { queue: string; task?: string };
/** One walk: the keys read ahead, the next one to take, and where the next read starts. */
interface RangeWalk {
  range: Range;
  keys: PruneKey[];
  next: number;
  done: boolean;
  after: PruneKey | null;
}

/** The ranges a status is walked by: SUCCEEDED rows per (queue, task), the others per queue. */
function rangesOf(cache: Statements, target: Target, queues: readonly string[], tasks: string[] | null): Range[] {
  if (target.status !== "SUCCEEDED") return queues.map((queue) => ({ queue }));
  const q = manageStatements(cache);
  return queues.flatMap((queue) => tasksIn(q, queue, tasks).map((task) => ({ queue, task })));
}

/** Keys buffered per walk at least: a walk read in steps this short pays a seek per step. */
const MIN_READ_AHEAD = 256;

const before = (a: PruneKey, b: PruneKey) =>
  a.enqueued_at < b.enqueued_at || (a.enqueued_at === b.enqueued_at && a.seq < b.seq);

/**
 * One status's prunable rows, oldest first across its ranges: each range's keyset walk, read
 * ahead into a buffer, merged through a min-heap of the walks by their next key (SUCCEEDED rows
 * are one walk per (queue, task): 150 walks for 5 queues of 30 tasks, where picking the oldest
 * head by a scan of every walk cost ~1 s of CPU per million keys). Rows enqueued together sit
 * together in the table, so a batch taken in that order empties whole table pages, as one walk
 * of the status in time order did before v6; batches taken queue after queue came back to every
 * page once per queue (one run at a million rows: 21 s, against 14–17 s merged). Each key is
 * read once; a walk buffers 2 × limit ÷ walks keys (at least MIN_READ_AHEAD).
 */
class MergedWalk {
  readonly #walks: RangeWalk[];
  readonly #readAhead: number;
  /** The walks with keys left, a min-heap by their next key; filled at the first take. */
  #heap: RangeWalk[] | null = null;

  constructor(
    readonly q: PruneStatements,
    readonly target: Target,
    ranges: readonly Range[],
    readonly limit: number,
  ) {
    this.#walks = ranges.map((range) => ({ range, keys: [], next: 0, done: false, after: null }));
    this.#readAhead = Math.max(MIN_READ_AHEAD, Math.ceil((2 * limit) / Math.max(1, ranges.length)));
  }

  /** The next batch: up to `limit` keys, oldest first. */
  take(): PruneKey[] {
    const heap = this.#heap ?? this.#fill();
    const batch: PruneKey[] = [];
    while (batch.length < this.limit && heap.length > 0) {
      const walk = heap[0] as RangeWalk;
      batch.push(walk.keys[walk.next++] as PruneKey);
      if (walk.next >= walk.keys.length) this.#refill(walk);
      if (walk.next < walk.keys.length) this.#sink(heap, 0);
      else {
        const last = heap.pop() as RangeWalk;
        if (heap.length > 0) {
          heap[0] = last;
          this.#sink(heap, 0);
        }
      }
    }
    return batch;
  }

  #fill(): RangeWalk[] {
    const heap: RangeWalk[] = [];
    for (const walk of this.#walks) {
      this.#refill(walk);
      if (walk.keys.length > 0) heap.push(walk);
    }
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) this.#sink(heap, i);
    this.#heap = heap;
    return heap;
  }

  #sink(heap: RangeWalk[], from: number): void {
    const head = (w: RangeWalk) => w.keys[w.next] as PruneKey;
    let i = from;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && before(head(heap[left] as RangeWalk), head(heap[least] as RangeWalk))) least = left;
      if (right < heap.length && before(head(heap[right] as RangeWalk), head(heap[least] as RangeWalk))) least = right;
      if (least === i) return;
      [heap[i], heap[least]] = [heap[least] as RangeWalk, heap[i] as RangeWalk];
      i = least;
    }
  }

  #refill(walk: RangeWalk): void {
    if (walk.done) return;
    const after = walk.after ?? { enqueued_at: Number.MIN_SAFE_INTEGER, seq: 0 };
    walk.keys = (walk.range.task === undefined ? this.q.keys : this.q.keysPair).all({
      ...this.target,
      ...walk.range,
      afterAt: after.enqueued_at,
      afterSeq: after.seq,
      limit: this.#readAhead,
    });
    walk.next = 0;
    walk.done = walk.keys.length < this.#readAhead;
    walk.after = walk.keys[walk.keys.length - 1] ?? walk.after;
  }
}

/** The queues a prune covers: those asked for, else every queue with rows. */
const queuesOf = (cache: Statements, options: PruneOptions) =>
  options.queues?.length ? [...new Set(options.queues)] : queuesPresent(manageStatements(cache));

/**
 * What reading a row through its (queue, task) range costs against reading it in one pass over
 * the table, in rowid order: at a million rows, ~2 µs a row (random pages) against ~0.14 µs.
 */
const RANGE_READ_COST = 14;

export function countPrunable(db: Database.Database, cache: Statements, options: PruneOptions): number {
  const q = statements(cache);
  const found = (target: Target) => {
    if (target.status !== "SUCCEEDED") return q.count.get(target) ?? 0;
    // SUCCEEDED rows are in no index of their own (migrations.ts, v9): each row enqueued before the
    // cutoff is read. Through the (queue, task) ranges when they hold few of the table's rows
    // (a prune that runs often), else in one pass over the table (a first prune of a history).
    const tasks = options.taskNames?.length ? options.taskNames : null;
    const ranges = rangesOf(cache, target, queuesOf(cache, options), tasks);
    const inRanges = ranges.reduce((n, range) => n + (q.pairRange.get({ ...target, ...range }) ?? 0), 0);
    if (inRanges * RANGE_READ_COST > (q.rowSpan.get() ?? 0)) return q.countScan.get(target) ?? 0;
    return ranges.reduce((n, range) => n + (q.countPair.get({ ...target, ...range }) ?? 0), 0);
  };
  const prunable = (target: Target) => found(target) - (q.held.get(target) ?? 0);
  return db.transaction(() => targets(options).reduce((n, target) => n + prunable(target), 0))();
}

export async function prune(db: Database.Database, cache: Statements, options: PruneOptions): Promise<number> {
  const q = statements(cache);
  const deleteBatch = db.transaction((params: { status: FinishedStatus } & Record<string, unknown>) => {
    const rows = q.deleteBatch.all(params);
    countRows(cache, rows, params.status, -1);
    return rows.length;
  });
  const limit = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_PRUNE_BATCH));
  // The count is for the progress only: a prune nobody watches (the worker's retention) skips it.
  let total = options.onProgress ? countPrunable(db, cache, options) : 0;
  let deleted = 0;
  let lockFreeUntil = 0; // the next batch starts no earlier than this (performance.now() ms)
  options.onProgress?.(0, total);
  // Checkpoints are done by hand in the gaps between batches (see above), so no commit of
  // this connection runs one while holding the write lock.
  const autocheckpoint = db.pragma("wal_autocheckpoint", { simple: true }) as number;
  db.pragma("wal_autocheckpoint = 0");
  const queues = queuesOf(cache, options);
  const tasks = options.taskNames?.length ? options.taskNames : null;
  try {
    for (const target of targets(options)) {
      const walk = new MergedWalk(q, target, rangesOf(cache, target, queues, tasks), limit);
      for (;;) {
        // The gap's work (checkpoint, finding the next batch) counts towards the gap.
        if (deleted > 0) db.pragma("wal_checkpoint(PASSIVE)");
        const keys = options.signal?.aborted ? [] : walk.take();
        if (keys.length === 0) break;
        await waitUntil(lockFreeUntil);
        if (options.signal?.aborted) break;
        const started = performance.now();
        deleted += deleteBatch.immediate({ ...target, seqs: JSON.stringify(keys.map((k) => k.seq)) });
        const ended = performance.now();
        lockFreeUntil = ended + gapAfter(ended - started);
        total = Math.max(total, deleted); // rows may have become prunable since the count
        options.onProgress?.(deleted, total);
      }
    }
  } finally {
    if (db.open) db.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(autocheckpoint))}`);
  }
  if (!options.signal?.aborted && !options.queues?.length && !options.taskNames?.length) {
    q.deleteWorkers.run({ before: options.finishedBefore.getTime() });
  }
  if (deleted > 0 && db.open) db.pragma("wal_checkpoint(PASSIVE)");
  return deleted;
}
