import { statSync } from "node:fs";
import type BetterSqlite3 from "better-sqlite3";
import { corruptError, isBusy } from "./storage-errors.js";

// What `tasks check` proves about an open database beyond opening it: that this process can
// write to it, that SQLite's integrity check passes, and that it is not open to other users.

/** How many problems of SQLite's integrity check to quote. */
const PROBLEMS_QUOTED = 3;

/**
 * A write that is rolled back, so nothing reaches the file: a file SQLite could only open
 * read-only fails here (SQLITE_READONLY) instead of on the first enqueue. A lock held by
 * another process past the busy timeout proves nothing about the file, but nothing can be
 * written while it lasts: that is the warning returned.
 */
function proveWritable(db: BetterSqlite3.Database, path: string): string | null {
  const version = db.pragma("user_version", { simple: true }) as number;
  try {
    db.exec("BEGIN IMMEDIATE");
  } catch (error) {
    if (isBusy(error)) {
      return `database ${path} is locked: another process has held its write lock longer than the busy timeout, so enqueues fail and workers wait until it lets go; find the process (\`fuser ${path}\`)`;
    }
    throw error;
  }
  try {
    // user_version is an integer read just above: no SQL text from user input.
    db.pragma(`user_version = ${Math.trunc(version)}`);
  } finally {
    db.exec("ROLLBACK");
  }
  return null;
}

/**
 * SQLite's quick_check reads every page (about 1.5 s for a million results, 280 MB): it
 * finds pages overwritten with garbage that opening the file and most queries never touch.
 */
function integrityProblems(db: BetterSqlite3.Database): string[] {
  const rows = db.pragma(`quick_check(${PROBLEMS_QUOTED})`) as { quick_check: string }[];
  const lines = rows
    .flatMap((row) => row.quick_check.split("\n"))
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("***"));
  return lines.length === 1 && lines[0] === "ok" ? [] : lines;
}

/** A warning when the file's mode lets group or others read or write it (tasks' arguments and results are in it). */
function modeWarning(path: string): string | null {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) === 0) return null;
  const who = [mode & 0o070 ? "its group" : "", mode & 0o007 ? "other users" : ""].filter(Boolean).join(" and ");
  return `database ${path} can be read by ${who} (mode ${mode.toString(8).padStart(4, "0")}), and with it every task's arguments and results; run \`chmod 600 ${path}\` unless it is shared on purpose (its -wal and -shm files get the same mode)`;
}

/**
 * Checks an open database for `tasks check`: throws a StorageError when it cannot be written or
 * is corrupt (SQLite's raw errors are named by the caller); returns warnings.
 */
export function checkDatabase(db: BetterSqlite3.Database, path: string): string[] {
  const locked = proveWritable(db, path);
  const problems = integrityProblems(db);
  if (problems.length > 0) throw corruptError(path, `integrity check: ${problems.join("; ")}`);
  return [locked, modeWarning(path)].filter((warning): warning is string => warning !== null);
}
