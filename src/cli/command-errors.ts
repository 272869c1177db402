import { TasklaneError } from "../core/errors.js";

/** Errors that mean "you asked for something wrong" (exit 2), as opposed to "it failed" (exit 1). */
const USAGE_ERRORS = new Set([
  "ConfigError",
  "InvalidTaskError",
  "InvalidTaskBackendError",
  "UsageError",
  "TaskResultDoesNotExist",
  "TaskResultMismatch",
]);

/** Plain words for the storage errors an operator can act on. */
function storageHint(code: string | undefined): string {
  if (!code) return "";
  if (code.startsWith("SQLITE_BUSY")) return " (another process held the database lock longer than busyTimeoutMs)";
  if (code.startsWith("SQLITE_READONLY") || code === "EACCES" || code === "EROFS") {
    return " (the database file or its folder is not writable by this user)";
  }
  if (code.startsWith("SQLITE_CANTOPEN")) return " (check the backend's path option and the folder's permissions)";
  return "";
}

/**
 * How every command reports an error that ended it: one line on stderr (the stack only with
 * DEBUG) and the exit code, 2 for usage and config errors (oclif's flag parsing included), 1
 * for failures. Shared by oclif's commands (base-command.ts) and the worker's path around
 * oclif (worker-fast.ts), so both word an error alike. Returns whether it was a parse error.
 */
export function reportCommandError(error: Error & { oclif?: { exit?: number }; code?: string }, command = ""): boolean {
  const isOurs = error instanceof TasklaneError || USAGE_ERRORS.has(error.name);
  const isParseError =
    error.oclif?.exit !== undefined || /^(Nonexistent flag|Unexpected argument|Missing)/.test(error.message);
  const code = isParseError ? 2 : isOurs && USAGE_ERRORS.has(error.name) ? 2 : 1;
  // oclif's parse errors span lines ("Parsing --x\n\tExpected an integer…\nSee more help…").
  const lines = (error.message || String(error)).split("\n").map((l) => l.trim());
  const firstLine = isParseError ? parseErrorLine(lines) : lines[0];
  // tasklane's own errors are worded already (a StorageError keeps SQLite's code for callers).
  const hint = isParseError
    ? ` (see: tasks ${command} --help)`
    : error instanceof TasklaneError
      ? ""
      : storageHint(error.code);
  process.stderr.write(`Error: ${firstLine}${hint}\n`);
  if (process.env.DEBUG && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exitCode = code;
  return isParseError;
}

/**
 * oclif's parse error on one line. A missing argument comes as "Missing 1 required arg:" then a
 * line per argument, "name  description": those read "name — description", comma-separated.
 */
function parseErrorLine(lines: string[]): string {
  const [first = "", ...rest] = lines.filter((l) => l && !l.startsWith("See more help"));
  if (/^Missing \d+ required args?:$/.test(first) && rest.length > 0) {
    return `${first} ${rest.map((l) => l.replace(/^(\S+)\s{2,}(.+)$/, "$1 — $2")).join(", ")}`;
  }
  return [first, ...rest].join(": ").replace(/::/g, ":");
}
