import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { WorkerEvent } from "../../src/contract/events.js";
import { UsageError } from "../../src/core/errors.js";
import { runWorker } from "../../src/worker/run-worker.js";
import { BIN, CHILD_ENV } from "../helpers/cli.js";
import { enqueue, makeProject, PROJECT_CONFIG, type Project } from "../helpers/project.js";

// runWorker(): `tasks worker` inside the caller's process (an Electron app, a single-process
// server, a test), on the project's real SQLite file.
let project: Project;
beforeEach(async () => {
  project = await makeProject();
});
afterEach(async () => {
  await project.cleanup();
});

describe("runWorker()", () => {
  it("with batch: runs what is ready, reports each event, and resolves with the summary", async () => {
    const add = project.config.tasks.get("add");
    const fail = project.config.tasks.get("fail");
    const results = await add!.enqueueMany([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const failed = await fail!.enqueue("boom");
    const events: WorkerEvent[] = [];
    const summary = await runWorker({ batch: true, startupDelay: false, onEvent: (e) => events.push(e) });
    expect(summary).toMatchObject({ succeeded: 3, failed: 1, retried: 0, dropped: 0, forced: false });
    for (const r of results) await r.refresh();
    expect(results.map((r) => r.returnValue)).toEqual([3, 7, 11]);
    await failed.refresh();
    expect(failed.status).toBe("FAILED");
    const kinds = events.map((e) => e.type);
    expect(kinds[0]).toBe("started");
    expect(kinds.filter((k) => k === "taskStarted")).toHaveLength(4);
    expect(kinds.filter((k) => k === "taskFinished")).toHaveLength(4);
  });

  it("an aborted signal stops it gracefully: the running task finishes and is stored", async () => {
    const sleep = project.config.tasks.get("sleep");
    const result = await sleep!.enqueue(300);
    const controller = new AbortController();
    const worker = runWorker({
      startupDelay: false,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === "taskStarted") controller.abort();
      },
    });
    const summary = await worker;
    expect(summary).toMatchObject({ succeeded: 1, forced: false });
    await result.refresh();
    expect(result.status).toBe("SUCCEEDED");
  });

  it("a return value too large for JSON text fails its task, and the worker goes on to the next", async () => {
    // JSON.stringify throws past V8's longest string (~512 MiB): the store retried that write for
    // ever, and the worker ran nothing else.
    const huge = `export const huge = task(() => { const s = "x".repeat(2 ** 27); return [s, s, s, s, s]; });`;
    await project.cleanup();
    project = await makeProject(
      PROJECT_CONFIG.replace("export default", `${huge}\nexport default`).replace("tasks: { ", "tasks: { huge, "),
    );
    const tooLarge = await project.config.tasks.get("huge")!.enqueue();
    const after = await project.config.tasks.get("add")!.enqueue(1, 2);
    const summary = await runWorker({ batch: true, startupDelay: false });
    expect(summary).toMatchObject({ succeeded: 1, failed: 1 });
    await tooLarge.refresh();
    expect(tooLarge.status).toBe("FAILED");
    expect(tooLarge.errors[0]).toMatchObject({
      exceptionClass: "InvalidReturnValue",
      message: expect.stringMatching(
        /^Task "huge": return value is too large to store as JSON text \(Invalid string length\); return something smaller/,
      ),
    });
    await after.refresh();
    expect(after.returnValue).toBe(3);
  });

  it("a return value is written as JSON once: the text the JSON check made is the text stored", async () => {
    // The store stringified the value again after the lifecycle had (to check it fits in a
    // string): a second pass over every object a task returned. A getter counts the passes.
    const counted = `export const counted = task(() => {
  const value = {};
  Object.defineProperty(value, "reads", { enumerable: true, get: () => (globalThis.reads = (globalThis.reads ?? 0) + 1) });
  return value;
});`;
    await project.cleanup();
    project = await makeProject(
      PROJECT_CONFIG.replace("export default", `${counted}\nexport default`).replace("tasks: { ", "tasks: { counted, "),
    );
    const result = await project.config.tasks.get("counted")!.enqueue();
    const summary = await runWorker({ batch: true, startupDelay: false });
    expect(summary).toMatchObject({ succeeded: 1 });
    // One read by the JSON-value check (jsonViolation), one by the JSON text it is stored as.
    expect((globalThis as { reads?: number }).reads).toBe(2);
    const db = new Database(join(project.dir, "db/tasks.sqlite3"), { readonly: true });
    try {
      expect(db.prepare("SELECT return_value FROM tasklane_results WHERE id = ?").pluck().get(result.id)).toBe(
        '{"reads":2}',
      );
    } finally {
      db.close();
    }
    await result.refresh();
    expect(result.returnValue).toEqual({ reads: 2 });
  });

  it("a stopping worker enqueues no more schedule ticks while it finishes its running task", async () => {
    // The scheduler used to tick on until the drain ended: a worker told to stop during a long
    // task kept enqueuing work it would not run.
    const everySecond = `  schedules: { everySecond: { task: add, cron: "* * * * * *", args: [1, 1], catchUp: "none" } },\n});`;
    await project.cleanup();
    project = await makeProject(PROJECT_CONFIG.replace(/\n\}\);\s*$/, `\n${everySecond}\n`));
    const sleeping = await project.config.tasks.get("sleep")!.enqueue(3000);
    let stoppedAt = 0;
    const worker = runWorker({
      startupDelay: false,
      onEvent: (e) => {
        if (e.type !== "taskStarted" || e.record.id !== sleeping.id) return;
        stoppedAt = Date.now();
        worker.stop();
      },
    });
    expect(await worker).toMatchObject({ succeeded: 1, forced: false });
    const db = new Database(join(project.dir, "db/tasks.sqlite3"), { readonly: true });
    const enqueuedAt = db
      .prepare("SELECT enqueued_at FROM tasklane_results WHERE task_name = ?")
      .pluck()
      .all(project.config.tasks.get("add")!.name) as number[];
    db.close();
    // A fire already under way at the stop may still land a few ms after it, never a second later.
    expect(enqueuedAt.filter((at) => at > stoppedAt + 500)).toEqual([]);
  });

  it("a bad option is one clear error naming the option, before anything runs", async () => {
    await expect(runWorker({ concurrency: 0 })).rejects.toThrow(/concurrency/);
    await expect(runWorker({ backend: "nope" })).rejects.toThrow(UsageError);
    await expect(runWorker({ backend: "nope" })).rejects.toThrow(/no backend "nope"/);
  });

  it("a misspelt option, a queue list that is not an array or a bad interval is refused, not run with defaults", async () => {
    // Without the check, { concurency: 2 } ran one task at a time and { bacth: true } never stopped.
    await expect(runWorker({ concurency: 2 } as never)).rejects.toThrow(
      /^runWorker\(\): unknown option "concurency"; known options: backend, queues, excludeQueues, concurrency, intervalMs, batch, maxTasks, startupDelay, workerId, signal, onEvent, ownsProcess$/,
    );
    await expect(runWorker({ bacth: true } as never)).rejects.toThrow(UsageError);
    await expect(runWorker({ queues: "default" as never, batch: true })).rejects.toThrow(
      /^queues must be an array of queue names, e.g. \["emails"\], got "default"$/,
    );
    await expect(runWorker({ queues: ["*"], excludeQueues: [1] as never, batch: true })).rejects.toThrow(
      /^excludeQueues must be an array of queue names/,
    );
    await expect(runWorker({ intervalMs: -1, batch: true })).rejects.toThrow(
      /^intervalMs must be a number of milliseconds > 0, got -1$/,
    );
    await expect(runWorker({ intervalMs: "1s" as never, batch: true })).rejects.toThrow(/^intervalMs must be/);
  });

  it("two workers in one process (one per queue) both stop, and the process then ends on its own", async () => {
    const added = await enqueue(project, "add", [1, 2]);
    const mailed = await enqueue(project, "emails", ["ada@example.com"]);
    // A process of its own: anything left running (a heartbeat thread, once) would keep it alive for ever.
    const script = join(project.dir, "two-workers.mjs");
    writeFileSync(
      script,
      `import { runWorker } from ${JSON.stringify(join(BIN, "../../dist/index.js"))};
const controller = new AbortController();
const finished = new Set();
const onEvent = (event) => {
  if (event.type !== "taskFinished") return;
  finished.add(event.record.id);
  if (finished.size === 2) controller.abort();
};
const options = { startupDelay: false, signal: controller.signal, onEvent };
const summaries = await Promise.all([
  runWorker({ ...options, queues: ["default"] }),
  runWorker({ ...options, queues: ["emails"] }),
]);
console.log(JSON.stringify(summaries.map((s) => s.succeeded)));
`,
    );
    const run = await execa("node", [script], {
      cwd: project.dir,
      reject: false,
      timeout: 30_000,
      env: { ...CHILD_ENV, TASKLANE_TEST_DIR: project.dir },
    });
    expect({ timedOut: run.timedOut, code: run.exitCode, stderr: run.stderr }).toEqual({
      timedOut: false,
      code: 0,
      stderr: "",
    });
    expect(run.stdout).toBe("[1,1]");
    for (const r of [added, mailed]) await r.refresh();
    expect([added.status, mailed.status]).toEqual(["SUCCEEDED", "SUCCEEDED"]);
  }, 60_000);

  it("two workers in one process: one draining a backlog does not leave the other deaf to new tasks", async () => {
    // The second worker's interval is a minute: only a change seen on the database wakes it.
    const script = join(project.dir, "busy-and-idle.mjs");
    writeFileSync(
      script,
      `import { runWorker } from ${JSON.stringify(join(BIN, "../../dist/index.js"))};
const controller = new AbortController();
let started = 0;
let slept = 0;
const onEvent = (event) => {
  if (event.type === "started" && ++started === 2) console.log("ready");
  if (event.type === "taskStarted" && event.record.taskName === "sleep") console.log("sleep started");
  if (event.type !== "taskFinished") return;
  if (event.record.taskName === "sleep") slept++;
  if (event.record.taskName === "emails") {
    console.log("emails finished after " + slept + " sleeps");
    controller.abort();
  }
};
const options = { startupDelay: false, signal: controller.signal, onEvent, intervalMs: 60_000 };
await Promise.all([runWorker({ ...options, queues: ["default"] }), runWorker({ ...options, queues: ["emails"] })]);
`,
    );
    const child = execa("node", [script], {
      cwd: project.dir,
      reject: false,
      timeout: 45_000,
      env: { ...CHILD_ENV, TASKLANE_TEST_DIR: project.dir },
    });
    const lines: string[] = [];
    const waiting: { test: (line: string) => boolean; resolve: () => void }[] = [];
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      for (const line of chunk.split("\n").filter(Boolean)) {
        lines.push(line);
        for (const w of waiting.filter((w) => w.test(line))) w.resolve();
      }
    });
    const lineCount = (text: string) => lines.filter((l) => l === text).length;
    const until = (test: () => boolean) =>
      new Promise<void>((resolve) => {
        if (test()) return resolve();
        waiting.push({ test: () => test(), resolve });
      });
    await until(() => lineCount("ready") === 1);
    // Enqueued from this process, not the workers': only the database tells them.
    for (let i = 0; i < 30; i++) await enqueue(project, "sleep", [100]);
    // The first worker is past its first claim: it claims again as each task ends (a backlog).
    await until(() => lineCount("sleep started") >= 2);
    await enqueue(project, "emails", ["ada@example.com"]);
    const run = await child;
    expect({ timedOut: run.timedOut, code: run.exitCode, stderr: run.stderr }).toEqual({
      timedOut: false,
      code: 0,
      stderr: "",
    });
    // Before the fix the second worker woke only once the backlog had drained (30 sleeps, ~3 s):
    // the first one, saturated, switched off the database watcher both shared.
    const done = /emails finished after (\d+) sleeps/.exec(lines.join("\n"));
    expect(Number(done?.[1])).toBeLessThan(20);
  }, 60_000);
});
