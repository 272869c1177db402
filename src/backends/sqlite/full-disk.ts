import { statfsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { isDiskFull } from "./storage-errors.js";

// Keeping a queue going on a disk that fills up.
//
// In WAL mode a commit appends to <file>-wal, and the WAL is copied back into the database
// (checkpointed) once it holds wal_autocheckpoint pages: by default 1000 pages, ~4 MB. A disk
// that fills up before that leaves the recent work in the WAL, and a checkpoint then needs a
// little room for the database file to grow. Before this module, every byte freed was eaten by
// the next commits appending to the WAL, so the queue failed again (measured on a 3 MB tmpfs:
// 1 MB freed, 40 more enqueues, then SQLITE_FULL for good), and on a volume smaller than 4 MB
// the WAL could never be checkpointed at all.
//
// So: (1) on a cramped volume a connection checkpoints after a quarter of the free space
// instead of after 4 MB (fitWal), so the WAL never grows into the room the database needs;
// (2) a connection that has seen SQLITE_FULL checkpoints with TRUNCATE (copy the WAL into the
// database, then cut it to zero bytes) before its next write, until that works: the first
// write after space is freed starts from an empty WAL; (3) a connection opening on a cramped
// volume does the same first (settleWal); (4) on a cramped volume a write first empties a WAL
// grown past twice its fitted size (capWal).
//
// Why (4): an automatic checkpoint is PASSIVE. It copies frames only up to the oldest snapshot
// another connection still reads, it gives up at once while another connection holds the
// checkpoint lock, and the WAL starts over only once every frame is copied; with several
// connections writing, the WAL can outgrow its fitted size. (4) bounds that, and
// journal_size_limit is fitted too: a WAL file keeps its largest size until a restart finds it
// over that limit. None of these TRUNCATE checkpoints waits (see truncateWal).

/** WAL bytes before SQLite's automatic checkpoint, by default (1000 pages of 4 KiB). */
export const WAL_ROOM_BYTES = 1000 * 4096;
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
/** Below this a checkpoint would run every few commits. */
const MIN_AUTOCHECKPOINT_PAGES = 16;

/** Connections whose last write failed for lack of space. */
const sawFull = new WeakSet<BetterSqlite3.Database>();

/** Connections on a cramped volume: the WAL bytes past which a write first empties the WAL. */
const walCaps = new WeakMap<BetterSqlite3.Database, number>();

/**
 * Copies the whole WAL into the database and truncates it to zero bytes. False when it could
 * not (no room for the database to grow, another connection writing or reading old frames);
 * nothing is lost either way.
 *
 * It does not wait: a TRUNCATE checkpoint holds the checkpoint lock while it waits for the
 * write lock and for readers, which stops every other connection's automatic checkpoints. A
 * CLI opening on a cramped volume waited so (up to its busy timeout) while a worker drained,
 * and the worker's WAL grew into all the room freed after a full disk (2.7 MB of the 3 MB test
 * volume, about 1 run in 25). When it cannot truncate, a PASSIVE checkpoint copies what it can,
 * so the next writer may start the WAL over; the caller tries again before its next write.
 */
export function truncateWal(db: BetterSqlite3.Database): boolean {
  let wait: number | undefined;
  try {
    wait = db.pragma("busy_timeout", { simple: true }) as number;
    if (wait > 0) db.pragma("busy_timeout = 0");
    const [row] = db.pragma("wal_checkpoint(TRUNCATE)") as { busy: number }[];
    if (row?.busy === 0) return true;
    db.pragma("wal_checkpoint(PASSIVE)");
    return false;
  } catch {
    return false;
  } finally {
    if (wait) {
      try {
        // The integer read above.
        db.pragma(`busy_timeout = ${Math.trunc(wait)}`);
      } catch {
        // Closed meanwhile: nothing to restore.
      }
    }
  }
}

/** Free bytes for this user on the volume holding `path`'s folder, or null if unknown. */
function freeBytes(path: string): number | null {
  try {
    const fs = statfsSync(dirname(path));
    return fs.bavail * fs.bsize;
  } catch {
    return null;
  }
}

/** Size of the WAL file next to the database at `path` (0 when there is none). */
function walBytes(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}

/**
 * Sizes this connection's automatic checkpoint to the room on its volume: after a quarter of
 * the free space when that is less than SQLite's default 1000 pages, so the WAL cannot grow
 * into the space the database needs to take its pages back. Plenty of room: the default.
 */
export function fitWal(db: BetterSqlite3.Database): void {
  const free = freeBytes(db.name);
  if (free === null) return;
  const pageSize = db.pragma("page_size", { simple: true }) as number;
  const pages = Math.floor(free / 4 / pageSize);
  const fitted = Math.max(MIN_AUTOCHECKPOINT_PAGES, Math.min(DEFAULT_AUTOCHECKPOINT_PAGES, pages));
  // Integers computed just above: no SQL text from outside.
  db.pragma(`wal_autocheckpoint = ${fitted}`);
  db.pragma(`journal_size_limit = ${fitted * pageSize}`);
  if (fitted < DEFAULT_AUTOCHECKPOINT_PAGES) walCaps.set(db, 2 * fitted * pageSize);
  else walCaps.delete(db);
}

/**
 * At open: fits the WAL to the volume, and when the volume has less room than a default WAL
 * and the WAL holds anything (left by a full disk, say), checkpoints it away now.
 */
export function settleWal(db: BetterSqlite3.Database): void {
  fitWal(db);
  if (walBytes(db.name) === 0) return;
  const free = freeBytes(db.name);
  if (free !== null && free < WAL_ROOM_BYTES) truncateWal(db);
}

/** Made room after a full disk: forget it, and fit the WAL to the room there is now. */
function relieved(db: BetterSqlite3.Database): void {
  sawFull.delete(db);
  fitWal(db);
}

/** Before a write: a connection that last failed for lack of space first tries to empty its WAL. */
export function beforeWrite(db: BetterSqlite3.Database): void {
  if (sawFull.has(db)) {
    if (truncateWal(db)) relieved(db);
    return;
  }
  capWal(db);
}

/**
 * On a cramped volume, empties a WAL that grew past twice its fitted size before writing more
 * (see (4) above), if no other connection is in the way at that moment (else before the next
 * write). It costs a stat() per write, on cramped volumes only.
 */
function capWal(db: BetterSqlite3.Database): void {
  const cap = walCaps.get(db);
  if (cap === undefined || db.inTransaction || walBytes(db.name) <= cap) return;
  truncateWal(db);
}

/**
 * After a failed call: remembers SQLITE_FULL and tries to make room at once (which works when
 * space was freed in the meantime). True when it made room, so the call may be tried again.
 */
export function afterFailure(db: BetterSqlite3.Database, error: unknown): boolean {
  if (!isDiskFull(error)) return false;
  sawFull.add(db);
  if (!db.open || db.inTransaction || !truncateWal(db)) return false;
  relieved(db);
  return true;
}

/**
 * Runs a write that can be repeated as a whole (one transaction: it either committed or left
 * nothing): with room made first if this connection saw the disk full, and once more if it
 * fails for lack of space and a checkpoint then makes room.
 */
export function writeMakingRoom<T>(db: BetterSqlite3.Database, fn: () => T): T {
  beforeWrite(db);
  try {
    return fn();
  } catch (error) {
    if (!afterFailure(db, error)) throw error;
    return fn();
  }
}
