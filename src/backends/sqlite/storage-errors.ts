import { accessSync, constants, existsSync } from "node:fs";
import { basename, dirname } from "node:path";
import { ConfigError, StorageError, TasklaneError } from "../../core/errors.js";

// SQLite and the file system report a broken database in their own words ("database disk image
// is malformed", "EACCES: permission denied, open …") without saying which file or what to do.
// Every error from opening or using the file passes through storageError(), which names both.

const codeOf = (error: unknown): string => String((error as { code?: unknown }).code ?? "");

/** Raw SQLite / file-system words, kept in brackets after ours so a search for them still finds it. */
const rawReason = (error: unknown): string => ((error as Error).message ?? String(error)).split("\n")[0] ?? "";

/** SQLITE_BUSY or one of its extended codes: another connection holds the lock. */
export function isBusy(error: unknown): boolean {
  return codeOf(error).startsWith("SQLITE_BUSY");
}

/**
 * A write that waited busyTimeoutMs for another process's write lock and gave up. It keeps
 * SQLite's code, so the lock handling (when-unlocked.ts, a worker's heartbeats) and callers that
 * test `code === "SQLITE_BUSY"` still recognise it.
 */
function lockedError(path: string, error: unknown): StorageError {
  const locked = new StorageError(
    `database ${path} is locked: another process held its write lock longer than the busy timeout (${rawReason(error)}); try again, find the process holding it (\`fuser ${path}\`), or raise the sqlite backend's busyTimeoutMs option`,
    { cause: error, transient: true },
  );
  return Object.assign(locked, { code: codeOf(error) });
}

/** SQLITE_FULL, or the file system's ENOSPC (creating the file or its folder). */
export function isDiskFull(error: unknown): boolean {
  const code = codeOf(error);
  return code === "SQLITE_FULL" || code === "ENOSPC";
}

/** The folder itself, or its nearest ancestor that exists (the one a missing folder is made in). */
function nearestFolder(folder: string): string {
  let current = folder;
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

/**
 * Why the database cannot be written, found by asking the file system about the file and its
 * folder (SQLite creates `<file>-wal` and `<file>-shm` next to the file, so the folder must be
 * writable too). Null when both look writable (root, say, or a problem inside SQLite).
 */
function accessProblem(path: string): string | null {
  const folder = nearestFolder(dirname(path));
  const fileExists = existsSync(path);
  const checks: [string, string][] = [
    [path, "the file is not writable by this user"],
    [
      folder,
      fileExists
        ? `its folder ${folder} is not writable by this user (SQLite creates ${basename(path)}-wal and -shm there)`
        : `the folder ${folder} is not writable by this user`,
    ],
  ];
  for (const [target, notWritableWords] of checks) {
    if (target === path && !fileExists) continue;
    try {
      accessSync(target, constants.W_OK);
    } catch (error) {
      if (codeOf(error) === "EROFS") return `${folder} is on a read-only file system`;
      if (codeOf(error) === "EACCES" || codeOf(error) === "EPERM") return notWritableWords;
    }
  }
  return null;
}

function notWritable(path: string, error: unknown): StorageError {
  const problem = accessProblem(path);
  const fix = problem?.includes("read-only file system")
    ? "set the sqlite backend's path option to a writable location"
    : "give this user write access to the file and its folder, or set the sqlite backend's path option elsewhere";
  return new StorageError(
    `database ${path} is not writable${problem ? `: ${problem}` : ""} (${rawReason(error)}); ${fix}`,
    { cause: error },
  );
}

/** The message for a file that fails SQLite's integrity check (`tasks check`) or a read. */
export function corruptError(path: string, detail: string, cause?: unknown): StorageError {
  return new StorageError(
    `database ${path} is corrupt (${detail}); restore it from a backup, or move it and its -wal and -shm files away to start an empty queue`,
    { cause },
  );
}

/**
 * The error to show for a failure of the database at `path`: a StorageError (the file is
 * unusable) or ConfigError (the path points at the wrong thing) naming the file and the fix.
 * Returned unchanged: tasklane's own errors and anything that is not about the storage (a
 * constraint failure is a bug, not an operator's problem).
 */
export function storageError(error: unknown, path: string): unknown {
  if (error instanceof TasklaneError) return error;
  const code = codeOf(error);
  if (code.startsWith("SQLITE_BUSY")) return lockedError(path, error);
  if (code.startsWith("SQLITE_CORRUPT")) return corruptError(path, rawReason(error), error);
  if (code === "SQLITE_NOTADB") {
    return new ConfigError(
      `${path} is not a SQLite database; set the sqlite backend's path option to a tasklane database file, or move that file away`,
      { cause: error },
    );
  }
  if (isDiskFull(error)) {
    return new StorageError(
      `database ${path}: the disk is full (${rawReason(error)}); free space on its volume, and tasklane carries on by itself once there is room`,
      { cause: error, transient: true },
    );
  }
  if (code.startsWith("SQLITE_READONLY") || ["EACCES", "EPERM", "EROFS"].includes(code))
    return notWritable(path, error);
  if (code.startsWith("SQLITE_CANTOPEN")) {
    if (accessProblem(path)) return notWritable(path, error);
    return new StorageError(
      `cannot open database ${path} (${rawReason(error)}); check that its folder exists and that this user may read and write there`,
      { cause: error },
    );
  }
  if (code.startsWith("SQLITE_IOERR") || code === "EIO") {
    return new StorageError(
      `I/O error on database ${path} (${rawReason(error)}); check the disk and the system log, then run \`tasks check\``,
      { cause: error },
    );
  }
  return error;
}

/** Runs `fn`, rethrowing a storage failure as storageError() words it. */
export function translating<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw storageError(error, path);
  }
}
