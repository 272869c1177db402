import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { BIN, CHILD_ENV, tasks, tempDir, write } from "../../helpers/cli.js";
import { openStore, record } from "./helpers.js";

// Shared by the storage fault tests: projects whose database is broken in a chosen way, and the
// CLI run as an unprivileged user (root ignores file modes).

const PAGE = 4096;

/** A folder with a tasks.config.ts whose sqlite backend keeps its file at `dbPath`. */
export function faultProject(
  dbPath = "db/tasks.sqlite3",
  extraBackends = "",
): {
  dir: string;
  config: string;
  cleanup: () => void;
} {
  const temp = tempDir();
  const config = write(
    temp.dir,
    "tasks.config.ts",
    `import { defineConfig, task } from "tasklane";
export const add = task((a: number, b: number) => a + b);
export default defineConfig({
  backends: { default: { backend: "sqlite", options: { path: ${JSON.stringify(dbPath)} } }${extraBackends} },
  tasks: { add },
});
`,
  );
  return { ...temp, config };
}

/** Runs `tasks …` in the project folder. */
export function cli(project: { dir: string }, args: string[], timeout = 60_000) {
  return tasks(args, { cwd: project.dir, timeout });
}

/** Random bytes: no SQLite header at all (SQLITE_NOTADB). */
export function writeRandomFile(path: string, bytes = 8 * PAGE): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, randomBytes(bytes));
}

/** A real database of `rows` READY tasks, checkpointed into the file itself (no -wal left). */
export function writeDatabase(path: string, rows = 2000): void {
  const store = openStore(path);
  store.insert(Array.from({ length: rows }, () => record({ taskName: "add", args: [1, "x".repeat(200)] })));
  store.db.pragma("wal_checkpoint(TRUNCATE)");
  store.close();
}

/** Overwrites whole pages (0-based page numbers; page 0 keeps its 100-byte header) with garbage. */
export function overwritePages(path: string, pages: number[]): void {
  const fd = openSync(path, "r+");
  try {
    for (const page of pages) {
      const start = page === 0 ? 100 : 0;
      writeSync(fd, randomBytes(PAGE - start), 0, PAGE - start, page * PAGE + start);
    }
  } finally {
    closeSync(fd);
  }
}

/** Root reads and writes any file, so permission tests run the CLI as nobody when we are root. */
export const RUN_AS_NOBODY = process.getuid?.() === 0;

/**
 * Runs `tasks …` as an unprivileged user when we are root (setpriv), else as ourselves. The
 * project folder is opened up for reading; HOME and TMPDIR point at a folder that user may write.
 */
export async function cliAsUser(project: { dir: string }, args: string[]) {
  chmodSync(project.dir, 0o755);
  const scratch = join(project.dir, "scratch");
  mkdirSync(scratch, { recursive: true });
  chmodSync(scratch, 0o777);
  const prefix = RUN_AS_NOBODY ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : [];
  const command = [...prefix, "node", BIN, ...args];
  return execa(command[0] as string, command.slice(1), {
    cwd: project.dir,
    reject: false,
    stdin: "ignore",
    timeout: 60_000,
    env: { ...CHILD_ENV, HOME: scratch, TMPDIR: scratch },
  });
}

/** Runs `tasks …` with umask 000 (as a careless service manager would start it). */
export function tasksUnderUmask0(project: { dir: string }, args: string[]) {
  return execa("sh", ["-c", 'umask 000 && exec "$@"', "sh", "node", BIN, ...args], {
    cwd: project.dir,
    reject: false,
    stdin: "ignore",
    timeout: 60_000,
    env: CHILD_ENV,
  });
}
