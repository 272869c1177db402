import { join } from "node:path";
import Database from "better-sqlite3";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { expectEachRanOnce, twoBusyWorkers } from "../helpers/busy-workers.js";
import { enqueue, makeProject, PROJECT_CONFIG, type Project, startWorker } from "../helpers/project.js";

// Leases against long write locks held by someone else: a live worker's task must never be
// recovered because its heartbeats were stuck behind another process's lock.
const LEASE_MS = 1000;
const CONFIG = PROJECT_CONFIG.replace("heartbeatMs: 200, leaseMs: 2000", `heartbeatMs: 200, leaseMs: ${LEASE_MS}`);
const ROOT = join(import.meta.dirname, "../..");
const FIXTURES = join(import.meta.dirname, "fixtures");

let project: Project;
beforeEach(async () => {
  project = await makeProject(CONFIG);
});
afterEach(async () => {
  await project.cleanup();
});

describe("long write locks held by another process", () => {
  it("a lock held for 3 × leaseMs never makes a live worker's task recovered", async () => {
    const { workers, tasks } = await twoBusyWorkers(project, 6 * LEASE_MS);
    const holder = execa(
      "node",
      [join(FIXTURES, "hold-lock.mjs"), join(project.dir, "db/tasks.sqlite3"), String(3 * LEASE_MS)],
      {
        cwd: ROOT,
      },
    );
    const result = await holder;
    expect(result.stdout).toBe("locked\nreleased");
    await expectEachRanOnce(project, workers, tasks);
  });

  it("a lock held past a lease is said in the worker's log, its heartbeats keep waiting, the task runs once", async () => {
    // A heartbeat waits for the lock up to max(busyTimeoutMs, leaseMs) = 1000 ms here.
    const short = await makeProject(CONFIG.replace(`leaseMs: ${LEASE_MS}`, `leaseMs: ${LEASE_MS}, busyTimeoutMs: 300`));
    try {
      const worker = startWorker(short, ["--queue", "slow"]);
      await worker.waitFor((e) => e.event === "started");
      const task = await enqueue(short, "guarded", [4 * LEASE_MS], { queueName: "slow" });
      await worker.waitFor((e) => e.event === "taskStarted" && e.id === task.id);
      const holder = await execa(
        "node",
        [join(FIXTURES, "hold-lock.mjs"), join(short.dir, "db/tasks.sqlite3"), String(2.5 * LEASE_MS)],
        { cwd: ROOT },
      );
      expect(holder.stdout).toBe("locked\nreleased");
      const report = await worker.waitFor((e) => e.event === "error" && String(e.message).startsWith("heartbeats"));
      expect(report.message).toMatch(
        /^heartbeats have waited 1000 ms for another process's write lock and keep waiting; the wait does not count against this worker's leases( \(\d+ reports\))?$/,
      );
      await worker.waitFor((e) => e.event === "taskFinished" && e.id === task.id);
      worker.proc.kill("SIGTERM");
      expect((await worker.proc).exitCode).toBe(0);
      expect(worker.events.filter((e) => e.event === "recovered")).toEqual([]);
      await task.refresh();
      expect(task.status).toBe("SUCCEEDED");
      expect(task.attempts).toBe(1);
    } finally {
      await short.cleanup();
    }
  });

  it("one enqueueMany of 300,000 tasks in another process never makes a live worker's task recovered", async () => {
    const { workers, tasks } = await twoBusyWorkers(project, 5 * LEASE_MS);
    const bulk = await execa(
      "node",
      ["--import", "tsx", join(FIXTURES, "enqueue-many.ts"), project.configPath, "300000"],
      {
        cwd: ROOT,
        env: { TASKLANE_TEST_DIR: project.dir },
      },
    );
    console.log(`enqueueMany of 300,000 in another process: ${JSON.parse(bulk.stdout).ms} ms`);
    await expectEachRanOnce(project, workers, tasks);
  });
});

describe("a worker started while another process holds the write lock", () => {
  it("says so and waits it out, then serves (it used to exit 1 at start-up)", async () => {
    await project.cleanup();
    project = await makeProject(CONFIG.replace(`leaseMs: ${LEASE_MS}`, `leaseMs: ${LEASE_MS}, busyTimeoutMs: 300`));
    const result = await enqueue(project, "add", [1, 2]);
    const holder = new Database(join(project.dir, "db", "tasks.sqlite3"));
    holder.exec("BEGIN IMMEDIATE");
    const worker = startWorker(project);
    try {
      const error = await worker.waitFor((e) => e.event === "error");
      expect(error.message).toMatch(
        /tasks\.sqlite3 is locked: another process held its write lock longer than the busy timeout/,
      );
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
    await worker.waitFor((e) => e.event === "taskFinished" && e.id === result.id);
    worker.proc.kill("SIGTERM");
    expect((await worker.proc).exitCode).toBe(0);
    await result.refresh();
    expect([result.status, result.returnValue]).toEqual(["SUCCEEDED", 3]);
  });
});
