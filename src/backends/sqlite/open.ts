import { closeSync, mkdirSync, openSync, realpathSync, type Stats, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { ConfigError } from "../../core/errors.js";
import { settleWal, WAL_ROOM_BYTES } from "./full-disk.js";
import { assertNotNewer, migrate } from "./schema.js";
import { isBusy, translating } from "./storage-errors.js";

// Opening a database file: creating it (and its folders) private, switching it to WAL safely
// when several processes open a brand new file at the same moment, and bringing its schema up
// to date. A path that cannot hold a database is refused with the reason, before anything is made.

// Loaded with require, not `import Database from`: a config loaded through jiti runs this
// module under jiti's CommonJS interop, where a default import of this CommonJS package can
// come back undefined (seen when the host process had already imported it natively).
const Database = createRequire(import.meta.url)("better-sqlite3") as typeof BetterSqlite3;

// The page size stays SQLite's 4096. Measured with 2048 (new files only; interleaved runs): single
// enqueues +17%, a worker at --concurrency 1 +15%, bulk enqueues −10%; but a listing filtered by
// task and a rare status walks twice the pages (2.4–3.3 → 4.0–4.9 ms at 1M rows, 6 ms at p95,
// past its 5 ms target). Not taken.

/** Without a limit (SQLite's default) a WAL swollen by one big batch keeps that size on disk for ever. */
const JOURNAL_SIZE_LIMIT = WAL_ROOM_BYTES;

/**
 * Opens (creating if missing, unless `mustExist`) the database file at `path`, ready for use:
 * WAL, synchronous NORMAL, schema migrated. A file from a newer tasklane is refused untouched.
 * Any failure is thrown as a StorageError or ConfigError naming the file and what to do
 * (storage-errors.ts).
 */
export function openDatabase(
  path: string,
  options: { busyTimeoutMs: number; mustExist?: boolean },
): BetterSqlite3.Database {
  return translating(path, () => {
    if (!options.mustExist) createPrivateFile(path);
    const db = new Database(path, { timeout: options.busyTimeoutMs, fileMustExist: options.mustExist === true });
    try {
      // Refuse a newer schema before any pragma that writes, so the file stays unchanged.
      assertNotNewer(db, path);
      enableWal(db, options.busyTimeoutMs);
      db.pragma("synchronous = NORMAL");
      // A WAL is cut back to this size when it restarts after a checkpoint.
      db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
      migrate(db, path);
      settleWal(db);
      return db;
    } catch (error) {
      db.close();
      throw error;
    }
  });
}

/**
 * Creates the file readable by its owner only (0600) if missing, in folders created 0700;
 * never touches an existing file or folder. (SQLite gives `-wal` and `-shm` the database
 * file's own mode, so a file made here keeps all three private.)
 */
export function createPrivateFile(path: string): void {
  createFolders(dirname(path), path);
  const stat = statOrNull(path);
  if (stat?.isDirectory()) {
    throw new ConfigError(
      `database path ${path} is a folder; set the sqlite backend's path option to a file in it, e.g. ${join(path, "tasks.sqlite3")}`,
    );
  }
  if (stat) return;
  try {
    closeSync(openSync(path, "wx", 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw error;
  }
}

/**
 * Kernel file systems: not storage, and Node's recursive mkdir never returns under /proc (mkdir
 * says ENOENT, the parent exists, it tries again…). /dev/shm is a real tmpfs and is allowed.
 */
function pseudoFileSystem(folder: string): string | null {
  const inside = (root: string) => folder === root || folder.startsWith(`${root}/`);
  if (inside("/dev/shm")) return null;
  return ["/proc", "/sys", "/dev"].find(inside) ?? null;
}

/**
 * Makes the missing folders of `folder` one level at a time, each 0700 (Node's recursive mkdir
 * would make them 0777 under umask 000, and loops for ever under /proc). A folder another
 * process makes at the same moment is fine.
 */
function createFolders(folder: string, path: string): void {
  const missing: string[] = [];
  let current = folder;
  for (;;) {
    const stat = statOrNull(current);
    if (stat) {
      if (!stat.isDirectory()) {
        throw new ConfigError(
          `database path ${path} is inside ${current}, which is a file, not a folder; set the sqlite backend's path option to a file in a folder`,
        );
      }
      break;
    }
    const parent = dirname(current);
    if (parent === current) break;
    missing.push(current);
    current = parent;
  }
  let real = current;
  try {
    real = realpathSync(current);
  } catch {
    // Unreadable: judge by the path as written.
  }
  const kernel = pseudoFileSystem(real);
  if (kernel) {
    throw new ConfigError(
      `database path ${path} is under ${kernel}, a kernel file system, not storage; set the sqlite backend's path option to a folder on disk`,
    );
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || !statOrNull(dir)?.isDirectory()) throw error;
    }
  }
}

/**
 * Switches a connection to WAL. When several processes open a brand new file at once, the
 * switch can fail with SQLITE_BUSY at once (SQLite does not call the busy handler for it), so
 * it is retried, sleeping a few ms, up to the busy timeout; a file already in WAL is left be.
 */
export function enableWal(db: BetterSqlite3.Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      if (db.pragma("journal_mode", { simple: true }) !== "wal") db.pragma("journal_mode = WAL");
      return;
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
      Atomics.wait(pause, 0, 0, 2 + Math.random() * 8);
    }
  }
}
