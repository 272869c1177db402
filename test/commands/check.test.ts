import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { SCHEMA_VERSION } from "../../src/backends/sqlite/schema.js";
import {
  cli,
  cliAsUser,
  faultProject,
  overwritePages,
  writeDatabase,
  writeRandomFile,
} from "../backends/sqlite/fault-kit.js";
import { tasks, tempDir, write } from "../helpers/cli.js";

// `tasks check` opens each backend's storage as a first use would, and reports what it cannot
// use as one finding naming the file and the fix: exit 2 for a setup problem, 1 for storage.

let project: ReturnType<typeof faultProject>;
afterEach(() => project?.cleanup());

const lines = (stdout: unknown) => String(stdout).split("\n");
const findingLines = (stdout: unknown, id: string) => lines(stdout).filter((l) => l.startsWith(`${id} `));
const dbPathOf = () => join(project.dir, "db", "tasks.sqlite3");
/** A second backend no task uses: its W003 warning must survive a storage error. */
const SPARE = `, spare: { backend: "dummy" }`;

describe("tasks check opens the storage", () => {
  it("creates a missing database (folder 0700, file 0600): no issues, exit 0", async () => {
    project = faultProject();
    const run = await cli(project, ["check"]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`backend "default" (sqlite) is ready: ${dbPathOf()}`);
    expect(run.stdout).toContain("System check identified no issues.");
    expect(statSync(join(project.dir, "db")).mode & 0o777).toBe(0o700);
    expect(statSync(dbPathOf()).mode & 0o777).toBe(0o600);
  });

  it("a file of random bytes: one finding naming the file, exit 2, the file untouched", async () => {
    project = faultProject("db/tasks.sqlite3", SPARE);
    writeRandomFile(dbPathOf());
    const before = readFileSync(dbPathOf());
    const run = await cli(project, ["check"]);
    expect(run.exitCode).toBe(2);
    expect(findingLines(run.stdout, "tasklane.E002")).toEqual([
      expect.stringContaining(
        `backend "default" (sqlite) cannot be used: ${dbPathOf()} is not a SQLite database; set the sqlite backend's path option`,
      ),
    ]);
    expect(findingLines(run.stdout, "tasklane.W003")).toHaveLength(1);
    expect(run.stdout).toContain("System check identified 2 issue(s).");
    expect(readFileSync(dbPathOf()).equals(before)).toBe(true);

    const json = await cli(project, ["check", "--json"]);
    expect(json.exitCode).toBe(2);
    const report = JSON.parse(String(json.stdout));
    expect(report.ok).toBe(false);
    const ids = report.findings.map((f: { id: string }) => f.id);
    expect(ids).toEqual(["tasklane.E002", "tasklane.I001", "tasklane.W003"]); // I001: the spare backend
    expect(report.findings[0].message).toContain(dbPathOf());
  });

  it("a real database with garbage pages (valid header): 'corrupt', exit 1", async () => {
    project = faultProject("db/tasks.sqlite3", SPARE);
    writeDatabase(dbPathOf());
    // Pages of the results table in the middle of the file: opening it and most reads work.
    overwritePages(dbPathOf(), [20, 21, 22, 60, 61, 100]);
    const before = readFileSync(dbPathOf());
    const run = await cli(project, ["check"]);
    expect(run.exitCode).toBe(1);
    const [finding] = findingLines(run.stdout, "tasklane.E001");
    expect(finding).toContain(`database ${dbPathOf()} is corrupt (integrity check: `);
    expect(finding).toContain("restore it from a backup");
    expect(findingLines(run.stdout, "tasklane.W003")).toHaveLength(1);
    expect(readFileSync(dbPathOf()).equals(before)).toBe(true);
  });

  it("a schema from a newer tasklane: 'upgrade tasklane', exit 2, the file byte-identical", async () => {
    project = faultProject();
    mkdirSync(join(project.dir, "db"));
    const db = new Database(dbPathOf());
    db.exec("CREATE TABLE other (x)");
    db.pragma("user_version = 99");
    db.close();
    const before = readFileSync(dbPathOf());
    const run = await cli(project, ["check"]);
    expect(run.exitCode).toBe(2);
    expect(findingLines(run.stdout, "tasklane.E002")).toEqual([
      expect.stringContaining(
        `database ${dbPathOf()} has schema version 99 but this tasklane supports up to ${SCHEMA_VERSION}; upgrade tasklane`,
      ),
    ]);
    expect(readFileSync(dbPathOf()).equals(before)).toBe(true);
  });

  it("a folder this user cannot write: 'not writable', exit 1, nothing created", async () => {
    project = faultProject();
    mkdirSync(join(project.dir, "db"), { mode: 0o555 });
    chmodSync(join(project.dir, "db"), 0o555);
    const run = await cliAsUser(project, ["check"]);
    expect(run.exitCode).toBe(1);
    expect(findingLines(run.stdout, "tasklane.E001")).toEqual([
      expect.stringContaining(
        `database ${dbPathOf()} is not writable: the folder ${join(project.dir, "db")} is not writable by this user`,
      ),
    ]);
    expect(() => statSync(dbPathOf())).toThrow(/ENOENT/);
  });

  it("a database file this user cannot write (its folder writable): 'not writable', exit 1", async () => {
    project = faultProject();
    writeDatabase(dbPathOf(), 1);
    chmodSync(join(project.dir, "db"), 0o777);
    chmodSync(dbPathOf(), 0o444);
    const run = await cliAsUser(project, ["check"]);
    expect(run.exitCode).toBe(1);
    expect(findingLines(run.stdout, "tasklane.E001")).toEqual([
      expect.stringContaining(`database ${dbPathOf()} is not writable: the file is not writable by this user`),
    ]);
  });

  it("a database other users can read: a warning (exit 0), its mode left as the user set it", async () => {
    project = faultProject();
    mkdirSync(join(project.dir, "db"));
    writeFileSync(dbPathOf(), "");
    chmodSync(dbPathOf(), 0o644);
    const run = await cli(project, ["check", "--json"]);
    expect(run.exitCode).toBe(0);
    const report = JSON.parse(String(run.stdout));
    expect(report.ok).toBe(true);
    expect(report.findings).toContainEqual({
      id: "tasklane.W005",
      level: "warning",
      message: expect.stringContaining(`database ${dbPathOf()} can be read by its group and other users (mode 0644)`),
      hint: expect.any(String),
    });
    expect(statSync(dbPathOf()).mode & 0o777).toBe(0o644);
    const plain = await cli(project, ["check"]);
    expect(plain.stdout).toContain(`chmod 600 ${dbPathOf()}`);
    expect(plain.stdout).toContain("System check identified 1 issue(s).");
  });

  it("a write lock another process holds past the busy timeout: a warning that nothing can be written", async () => {
    // It used to say "ready" after waiting out the lock, while every enqueue failed.
    project = faultProject();
    const options = `{ path: "db/tasks.sqlite3" }`;
    writeFileSync(
      project.config,
      readFileSync(project.config, "utf8").replace(options, `{ path: "db/tasks.sqlite3", busyTimeoutMs: 300 }`),
    );
    expect((await cli(project, ["check"])).exitCode).toBe(0);
    const holder = new Database(dbPathOf());
    holder.exec("BEGIN IMMEDIATE");
    try {
      const run = await cli(project, ["check", "--json"]);
      expect(run.exitCode).toBe(0);
      expect(JSON.parse(String(run.stdout)).findings).toContainEqual({
        id: "tasklane.W005",
        level: "warning",
        message: expect.stringContaining(`database ${dbPathOf()} is locked: another process has held its write lock`),
        hint: expect.any(String),
      });
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
  });
});

describe("tasks check on backends it cannot open for real", () => {
  it("a custom backend with no check() of its own is not called ready; dummy's hint says it never runs tasks", async () => {
    const { dir, cleanup } = tempDir();
    try {
      write(
        dir,
        "tasks.config.ts",
        `import { Backend, defineConfig } from "tasklane";
class Plain extends Backend {
  kind = "plain"; supportsDefer = false; supportsAsyncTask = true; supportsGetResult = false; supportsPriority = false;
  async storeTasks() { return []; }
  async getResultData(): Promise<never> { throw new Error("none"); }
}
export default defineConfig({ backends: { default: { backend: Plain }, spare: { backend: "dummy" } } });
`,
      );
      const run = await tasks(["check", "--json"], { cwd: dir });
      expect(run.exitCode, String(run.stderr)).toBe(0);
      const byMessage = JSON.parse(String(run.stdout)).findings.filter((f: { id: string }) => f.id === "tasklane.I001");
      expect(byMessage.map((f: { message: string; hint: string }) => [f.message.split(":")[0], f.hint])).toEqual([
        [
          `backend "default" (plain) loads; it has no check() of its own, so nothing was tested`,
          "`tasks worker` cannot run it",
        ],
        [`backend "spare" (dummy) is ready`, "it never runs tasks: it keeps them for tests to look at"],
      ]);
      // Commands that need management() name it, not sqlite.
      const results = await tasks(["results"], { cwd: dir });
      expect({ code: results.exitCode, stderr: results.stderr }).toEqual({
        code: 2,
        stderr:
          'Error: backend "default" (plain) has no management(): implement it to list, inspect or change its results from the CLI',
      });
    } finally {
      cleanup();
    }
  });
});
