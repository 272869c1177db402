import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, StorageError } from "../../../src/core/errors.js";
import { BIN, CHILD_ENV } from "../../helpers/cli.js";
import { enqueue, makeProject, PROJECT_CONFIG } from "../../helpers/project.js";
import {
  cli,
  cliAsUser,
  faultProject,
  overwritePages,
  tasksUnderUmask0,
  writeDatabase,
  writeRandomFile,
} from "./fault-kit.js";

// A database that cannot be used is reported the same way by every command that opens it: one
// line naming the file, what is wrong and what to do, exit 1 (storage) or 2 (setup), nothing
// half-made. And the files tasklane makes are private whatever the umask.

let project: ReturnType<typeof faultProject>;
afterEach(() => project?.cleanup());

const dbPathOf = () => join(project.dir, "db", "tasks.sqlite3");
/** The commands that open the database, each its own way in (enqueue, worker, management, one result). */
const COMMANDS = [
  ["enqueue", "add", "1", "2"],
  ["worker", "--batch", "--no-startup-delay"],
  ["results"],
  ["show", "0000000000000000"],
];

async function expectEveryCommand(exitCode: number, line: string): Promise<void> {
  for (const args of COMMANDS) {
    const run = await cli(project, args);
    expect({ args, exitCode: run.exitCode, stderr: run.stderr }).toEqual({ args, exitCode, stderr: `Error: ${line}` });
  }
}

describe("errors that name the file and the fix, from every command", () => {
  it("a corrupt file (SQLITE_CORRUPT): exit 1", async () => {
    project = faultProject();
    writeDatabase(dbPathOf(), 10);
    overwritePages(dbPathOf(), [0]); // the schema page, behind an intact 100-byte header
    await expectEveryCommand(
      1,
      `database ${dbPathOf()} is corrupt (database disk image is malformed); restore it from a backup, or move it and its -wal and -shm files away to start an empty queue`,
    );
  });

  it("garbage pages met by a query (not at open) are named the same way", async () => {
    project = faultProject();
    writeDatabase(dbPathOf());
    overwritePages(dbPathOf(), [20, 21, 22, 60, 61, 100]);
    const run = await cli(project, ["results", "--limit", "2000"]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe(
      `Error: database ${dbPathOf()} is corrupt (database disk image is malformed); restore it from a backup, or move it and its -wal and -shm files away to start an empty queue`,
    );
  });

  it("a file that is not a database (SQLITE_NOTADB): exit 2", async () => {
    project = faultProject();
    writeRandomFile(dbPathOf());
    await expectEveryCommand(
      2,
      `${dbPathOf()} is not a SQLite database; set the sqlite backend's path option to a tasklane database file, or move that file away`,
    );
  });

  it("a path under a file (x.txt/tasks.sqlite3): exit 2, nothing created", async () => {
    project = faultProject("x.txt/tasks.sqlite3");
    const file = join(project.dir, "x.txt");
    writeFileSync(file, "notes\n");
    await expectEveryCommand(
      2,
      `database path ${file}/tasks.sqlite3 is inside ${file}, which is a file, not a folder; set the sqlite backend's path option to a file in a folder`,
    );
    expect(readFileSync(file, "utf8")).toBe("notes\n");
  });

  it("a path that is a folder: exit 2", async () => {
    project = faultProject("db");
    mkdirSync(join(project.dir, "db"));
    const run = await cli(project, ["enqueue", "add", "1", "2"]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe(
      `Error: database path ${join(project.dir, "db")} is a folder; set the sqlite backend's path option to a file in it, e.g. ${join(project.dir, "db", "tasks.sqlite3")}`,
    );
  });

  it.each([
    ["/proc/tasklane-test/tasks.sqlite3", "/proc"],
    ["/proc/self/tasks.sqlite3", "/proc"],
    ["/sys/tasklane-test/tasks.sqlite3", "/sys"],
    ["/dev/tasklane-test/tasks.sqlite3", "/dev"],
  ])("a path under a kernel file system (%s) is refused within seconds: exit 2", async (path, root) => {
    // Node's recursive mkdir never returns under /proc: `tasks results` used to spin at 100% CPU.
    project = faultProject(path);
    const started = Date.now();
    const run = await cli(project, ["results"], 20_000);
    expect(run.timedOut).toBe(false);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe(
      `Error: database path ${path} is under ${root}, a kernel file system, not storage; set the sqlite backend's path option to a folder on disk`,
    );
    expect(existsSync("/dev/tasklane-test")).toBe(false);
  });

  it("a folder this user cannot write (EACCES): exit 1", async () => {
    project = faultProject();
    mkdirSync(join(project.dir, "db"), { mode: 0o555 });
    chmodSync(join(project.dir, "db"), 0o555);
    const run = await cliAsUser(project, ["enqueue", "add", "1", "2"]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe(
      `Error: database ${dbPathOf()} is not writable: the folder ${join(project.dir, "db")} is not writable by this user (EACCES: permission denied, open '${dbPathOf()}'); give this user write access to the file and its folder, or set the sqlite backend's path option elsewhere`,
    );
  });

  it("an existing database whose folder this user cannot write (no room for -wal/-shm): exit 1", async () => {
    project = faultProject();
    writeDatabase(dbPathOf(), 1);
    chmodSync(dbPathOf(), 0o666);
    chmodSync(join(project.dir, "db"), 0o555);
    const run = await cliAsUser(project, ["results"]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe(
      `Error: database ${dbPathOf()} is not writable: its folder ${join(project.dir, "db")} is not writable by this user (SQLite creates tasks.sqlite3-wal and -shm there) (attempt to write a readonly database); give this user write access to the file and its folder, or set the sqlite backend's path option elsewhere`,
    );
  });

  it("through the API: StorageError for a broken file, ConfigError for a bad path, both naming it", async () => {
    const corrupt = await makeProject(PROJECT_CONFIG);
    try {
      const path = join(corrupt.dir, "db", "tasks.sqlite3");
      writeDatabase(path, 10);
      overwritePages(path, [0]);
      const failure = await enqueue(corrupt, "noop").catch((error: unknown) => error);
      // By name: the config (and so the backend) is loaded through jiti, a copy of these classes.
      expect((failure as Error).name).toBe(StorageError.name);
      expect((failure as Error).message).toContain(`database ${path} is corrupt`);
      expect(((failure as Error).cause as { code?: string }).code).toBe("SQLITE_CORRUPT");
    } finally {
      await corrupt.cleanup();
    }
    const underFile = await makeProject(PROJECT_CONFIG.replace('path: "db/tasks.sqlite3"', 'path: "x.txt/t.sqlite3"'));
    try {
      writeFileSync(join(underFile.dir, "x.txt"), "");
      const failure = await enqueue(underFile, "noop").catch((error: unknown) => error);
      expect((failure as Error).name).toBe(ConfigError.name);
      expect((failure as Error).message).toContain(`${join(underFile.dir, "x.txt")}, which is a file`);
    } finally {
      await underFile.cleanup();
    }
  });
});

describe("file modes under umask 000", () => {
  const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

  it("the folder tasklane makes is 0700, the database and its -wal and -shm 0600", async () => {
    project = faultProject(".tasks/tasks.sqlite3");
    const dbPath = join(project.dir, ".tasks", "tasks.sqlite3");
    // A worker keeps its connection open, so -wal and -shm exist while it waits for work.
    const worker = execa("sh", ["-c", 'umask 000 && exec "$@"', "sh", "node", BIN, "worker", "--json"], {
      cwd: project.dir,
      reject: false,
      stdin: "ignore",
      env: CHILD_ENV,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        worker.stdout?.on("data", (chunk: Buffer) => {
          if (chunk.toString().includes('"event":"started"')) resolve();
        });
        void worker.then((r) => reject(new Error(`worker exited ${r.exitCode}: ${r.stderr}`)));
      });
      expect({
        folder: mode(join(project.dir, ".tasks")),
        db: mode(dbPath),
        wal: mode(`${dbPath}-wal`),
        shm: mode(`${dbPath}-shm`),
      }).toEqual({ folder: "700", db: "600", wal: "600", shm: "600" });
    } finally {
      worker.kill("SIGTERM");
      const exited = await worker;
      expect({ exitCode: exited.exitCode, stderr: exited.stderr }).toEqual({ exitCode: 0, stderr: "" });
    }
    // Every folder it makes on the way, not only the last one.
    project.cleanup();
    project = faultProject("a/b/tasks.sqlite3");
    const run = await tasksUnderUmask0(project, ["enqueue", "add", "1", "2"]);
    expect({ exitCode: run.exitCode, stderr: run.stderr }).toEqual({ exitCode: 0, stderr: "" });
    expect([mode(join(project.dir, "a")), mode(join(project.dir, "a", "b"))]).toEqual(["700", "700"]);
  });

  it("a database and folder the user made keep their modes", async () => {
    project = faultProject();
    mkdirSync(join(project.dir, "db"));
    chmodSync(join(project.dir, "db"), 0o755);
    writeFileSync(dbPathOf(), "");
    chmodSync(dbPathOf(), 0o644);
    for (const args of [
      ["enqueue", "add", "1", "2"],
      ["worker", "--batch", "--no-startup-delay"],
    ]) {
      const run = await tasksUnderUmask0(project, args);
      expect({ args, exitCode: run.exitCode, stderr: run.stderr }).toEqual({ args, exitCode: 0, stderr: "" });
    }
    expect([mode(join(project.dir, "db")), mode(dbPathOf())]).toEqual(["755", "644"]);
  });
});
