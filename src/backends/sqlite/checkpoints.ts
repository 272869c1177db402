import type BetterSqlite3 from "better-sqlite3";
import { roomForWal } from "./full-disk.js";

// A busy worker's WAL checkpoints, done ahead on its heartbeat thread.
//
// In WAL mode, the connection whose commit takes the WAL past wal_autocheckpoint pages (1000)
// copies the WAL back into the database inside that commit, and fsyncs the WAL and then the
// database: it waits for the disk to take every frame written since the last checkpoint. Timed
// commit by commit in a raw claim + complete loop at --concurrency 1: the median commit took
// ~30 µs, one in ~55 took ~2 ms, and those were half of all commit time (with synchronous=OFF
// they cost ~0.2 ms: the wait is the fsync). A worker's event loop, and its tasks, waited.
//
// So while a worker writes, its heartbeat thread (own connection, own core) runs a PASSIVE
// checkpoint every ROWS_PER_NUDGE rows: it copies the frames so far and fsyncs them, without
// blocking anyone. When the worker's commit then crosses 1000 pages, its own checkpoint finds
// little left to copy or to flush. Measured in that raw loop: ~10–12k → ~12–15k per second;
// `tasks worker --batch` draining 50k no-ops (interleaved with the previous build, medians of 7
// rounds): --concurrency 1 +18%, --concurrency 50 +8%, two processes +3% (the thread takes CPU
// the other process wanted; a 4-round run on a busier machine gave +8%, −2%, −11%).
//
// What stays as it was, on purpose:
// - Every connection keeps SQLite's checkpoint at 1000 pages, so the WAL starts over as often
//   as before. Raising the worker's own to let the thread do it all was faster still (~16k/s),
//   but a PASSIVE checkpoint running beside a writer seldom catches up with it, so the WAL only
//   started over at that higher mark (seen: 40 MB). Meanwhile every other connection's commit
//   (an app's enqueue) would find the WAL past its own 1000 pages and run a checkpoint, with
//   two fsyncs, each time: SQLite's automatic checkpoint looks at the WAL's size, not at what
//   is left to copy.
// - On a cramped volume (full-disk.ts) the thread does nothing: there, the worker's own small,
//   fitted checkpoints and their TRUNCATE must not find the checkpoint lock taken.

/**
 * A nudge needs this many rows written (claimed or finished) since the last one: ~500 WAL
 * frames at --concurrency 1, about half of what makes the worker checkpoint by itself. A
 * checkpoint costs two fsyncs whatever it copies: nudged after every write, a worker taking one
 * task every 20 ms made one checkpoint per task where SQLite makes one per ~130 tasks.
 */
const ROWS_PER_NUDGE = 128;

/** And at least this long since the last one (in a drain at --concurrency 50, ~2 claims). */
const NUDGE_MS = 4;

/** The main thread's side: after its writes, nudges the thread (see the two limits above). */
export class CheckpointNudges {
  /** Shared with the thread: [0] counts nudges. */
  readonly buffer = new SharedArrayBuffer(4);
  readonly #count = new Int32Array(this.buffer);
  #last = Number.NEGATIVE_INFINITY;
  #rows = 0;

  /** After a write transaction of the worker's connection that claimed or finished `rows` rows. */
  wrote(rows: number, now: number = performance.now()): void {
    this.#rows += rows;
    if (this.#rows < ROWS_PER_NUDGE || now - this.#last < NUDGE_MS) return;
    this.#rows = 0;
    this.#last = now;
    Atomics.add(this.#count, 0, 1);
    Atomics.notify(this.#count, 0);
  }
}

/**
 * The thread's side: a PASSIVE checkpoint on `db` after each nudge (one for any nudges that came
 * while it ran). It never waits: another connection's checkpoint in progress makes it return at
 * once. Returns stop(), which ends the loop (and lets the thread's event loop end).
 */
export function checkpointOnNudge(db: BetterSqlite3.Database, buffer: SharedArrayBuffer): () => void {
  const count = new Int32Array(buffer);
  const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
  let stopped = false;
  const wait = (seen: number) => {
    const waited = Atomics.waitAsync(count, 0, seen);
    if (waited.async) void waited.value.then(step);
    else queueMicrotask(step);
  };
  const step = () => {
    if (stopped) return;
    const seen = Atomics.load(count, 0);
    try {
      if (roomForWal(db)) checkpoint.get();
    } catch {
      // A full disk or a closed file: the worker's own checkpoints (and its full-disk handling)
      // still run; try again at the next nudge.
    }
    wait(seen);
  };
  wait(Atomics.load(count, 0));
  return () => {
    stopped = true;
    Atomics.notify(count, 0);
  };
}
