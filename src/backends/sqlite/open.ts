import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import type BetterSqlite3 from "better-sqlite3";

// Opening a database file: creating it private, and switching it to WAL safely when several
// processes open a brand new file at the same moment.

/** Creates the file readable by its owner only (0600) if missing; never touches an existing one. */
export function createPrivateFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  try {
    closeSync(openSync(path, "wx", 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
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
      const busy = (error as { code?: string }).code?.startsWith("SQLITE_BUSY");
      if (!busy || Date.now() >= deadline) throw error;
      Atomics.wait(pause, 0, 0, 2 + Math.random() * 8);
    }
  }
}
