import { execFileSync } from "node:child_process";
import { mkdtempSync, rmdirSync, rmSync, statfsSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tasks } from "../../helpers/cli.js";
import { fillUp } from "../../helpers/fill-disk.js";
import { enqueue, makeProject, PROJECT_CONFIG, type Project, startWorker } from "../../helpers/project.js";

// A full disk on a real 3 MB tmpfs (mounting needs root; CI runs as root, so there this test
// always runs). Before: once the disk had filled, freeing space let 8–14 enqueues through and
// then SQLITE_FULL again for good (the WAL ate the room before its checkpoint), and the error
// named no file.

const IS_ROOT = process.getuid?.() === 0;
const CI = process.env.CI === "true";
if (!IS_ROOT && !CI) {
  process.stderr.write("full-disk.test.ts: skipped, mounting a tmpfs needs root (it always runs under CI=true)\n");
}

const freeBytes = (dir: string) => {
  const fs = statfsSync(dir);
  return fs.bavail * fs.bsize;
};
const sizeOf = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

describe.skipIf(!IS_ROOT && !CI)("a full disk (3 MB tmpfs)", () => {
  let mount: string;
  let project: Project;
  let dbPath: string;
  const cli = (args: string[]) => tasks([...args, "--config", project.configPath], { cwd: project.dir });

  beforeAll(async () => {
    mount = mkdtempSync(join(tmpdir(), "tasklane-tmpfs-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=3m,mode=0755", "tmpfs", mount]);
    dbPath = join(mount, "tasks.sqlite3");
    project = await makeProject(
      PROJECT_CONFIG.replace('path: "db/tasks.sqlite3"', `path: ${JSON.stringify(dbPath)}`).replace(
        "leaseMs: 2000",
        "leaseMs: 10000",
      ),
    );
  });

  afterAll(async () => {
    await project?.cleanup();
    if (mount) {
      // Lazily if a failed test left a process holding a file there: never a mount left behind.
      execFileSync("umount", ["--lazy", mount]);
      rmdirSync(mount);
    }
  });

  it("names the file and what to do, then recovers by itself once space is freed", async () => {
    const worker = startWorker(project, ["--interval", "200ms"]);
    await worker.waitFor((e) => e.event === "started");

    // Leave ~400 KB free, then enqueue (the worker runs them meanwhile) until the disk is full.
    const ballast = join(mount, "ballast");
    writeFileSync(ballast, Buffer.alloc(freeBytes(mount) - 400 * 1024));
    let failure: unknown;
    let beforeFull = 0;
    for (; beforeFull < 5_000; beforeFull++) {
      failure = await enqueue(project, "add", [beforeFull, 1]).catch((error: unknown) => error);
      if (failure instanceof Error) break;
    }
    expect((failure as Error).name).toBe("StorageError");
    expect((failure as Error).message).toBe(
      `database ${dbPath}: the disk is full (database or disk is full); free space on its volume, and tasklane carries on by itself once there is room`,
    );
    const walWhenFull = sizeOf(`${dbPath}-wal`);

    // The CLI says the same in one line, exit 1. Meanwhile the worker (or the CLI itself, as it
    // opens on a cramped volume) may checkpoint the WAL into the database and free its room, or
    // start the WAL over and write into the room the file already has, as designed: then the
    // enqueue rightly succeeds. So every free byte is taken just before each try, and a try that
    // found room is followed by another, until the database needs a page the disk cannot give.
    const extra = join(mount, "ballast-2");
    let full: { exitCode?: number; stderr: string } = { exitCode: 0, stderr: "" };
    for (let tries = 0; tries < 40 && full.exitCode === 0; tries++) {
      fillUp(extra);
      full = await cli(["enqueue", "add", "1", "2"]);
    }
    expect(full.exitCode).toBe(1);
    expect(full.stderr).toBe(`Error: ${(failure as Error).message}`);

    // Free the space: everything goes on, from this process, a new CLI process and the worker.
    rmSync(ballast);
    rmSync(extra);
    const viaCli = await cli(["enqueue", "add", "2", "3", "--json"]); // a fresh process first
    expect({ exitCode: viaCli.exitCode, stderr: viaCli.stderr }).toEqual({ exitCode: 0, stderr: "" });
    const after = [];
    for (let i = 0; i < 300; i++) after.push(await enqueue(project, "add", [i, 2]));

    // The worker drains everything: nothing READY or RUNNING is left.
    const manage = (await project.config.getBackend("default")).management();
    const deadline = Date.now() + 60_000;
    let counts = await manage?.countByStatus();
    while ((counts?.READY ?? 0) + (counts?.RUNNING ?? 0) > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      counts = await manage?.countByStatus();
    }
    expect({ READY: counts?.READY, RUNNING: counts?.RUNNING }).toEqual({ READY: 0, RUNNING: 0 });
    const last = after.at(-1);
    await last?.refresh();
    expect(last?.status).toBe("SUCCEEDED");

    // The worker kept running through it; whatever it met while the disk was full, it said so
    // naming the file (whether it met any depends on how far behind the enqueues it was).
    const workerErrors = worker.events.filter((e) => e.event === "error");
    for (const e of workerErrors) expect(e.message).toBe((failure as Error).message);
    worker.proc.kill("SIGTERM");
    const exited = await worker.proc;
    expect(exited.exitCode).toBe(0);
    process.stderr.write(
      `full disk: ${beforeFull} enqueues filled it (WAL ${walWhenFull} bytes, ${workerErrors.length} worker errors); after freeing, 300 + 1 (CLI) enqueues succeeded and the worker drained them; WAL now ${sizeOf(`${dbPath}-wal`)} bytes\n`,
    );
  });

  it("a read-only file system: the file and the fix, exit 1", async () => {
    await project.config.close(); // a file open for writing would keep the remount busy
    execFileSync("mount", ["-o", "remount,ro", mount]);
    try {
      const run = await cli(["enqueue", "add", "1", "2"]);
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toMatch(
        new RegExp(
          `^Error: database ${dbPath} is not writable: ${mount} is on a read-only file system \\(.+\\); set the sqlite backend's path option to a writable location$`,
        ),
      );
    } finally {
      execFileSync("mount", ["-o", "remount,rw", mount]);
    }
  });
});
