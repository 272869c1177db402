import { closeSync, mkdirSync, openSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { ConfigError } from "../../core/errors.js";
import { assertNotNewer, migrate } from "./schema.js";

// Opening a database file: creating it private, switching it to WAL safely when several
// processes open a brand new file at the same moment, and bringing its schema up to date.

// Loaded with require, not `import Database from`: a config loaded through jiti runs this
// module under jiti's CommonJS interop, where a default import of this CommonJS package can
// come back undefined (seen when the host process had already imported it natively).
const Database = createRequire(import.meta.url)("better-sqlite3") as typeof BetterSqlite3;

/**
 * Opens (creating if missing) the database file at `path`, ready for use: WAL, synchronous
 * NORMAL, schema migrated. A file from a newer tasklane is refused untouched.
 */
export function openDatabase(path: string, options: { busyTimeoutMs: number }): BetterSqlite3.Database {
  createPrivateFile(path);
  const db = new Database(path, { timeout: options.busyTimeoutMs });
  try {
    // Refuse a newer schema before any pragma that writes, so the file stays unchanged.
    assertNotNewer(db, path);
    enableWal(db, options.busyTimeoutMs);
    db.pragma("synchronous = NORMAL");
    migrate(db, path);
    return db;
  } catch (error) {
    db.close();
    const code = (error as { code?: string }).code;
    if (code === "SQLITE_NOTADB") throw new ConfigError(`${path} is not a SQLite database`);
    throw error;
  }
}

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
