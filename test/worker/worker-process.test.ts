import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tasks, tempDir, write } from "../helpers/cli.js";
import { enqueue, makeProject, type Project, runBatchWorker, startWorker } from "../helpers/project.js";

let project: Project;
beforeEach(async () => {
  project = await makeProject();
});
afterEach(async () => {
  await project.cleanup();
});

const finishedIds = (events: Record<string, unknown>[]) =>
  events.filter((e) => e.event === "taskFinished").map((e) => e.id as string);

function jsonLines(stdout: unknown): Record<string, unknown>[] {
  return String(stdout)
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("tasks worker", () => {
  it("runs by priority desc, then due time, then FIFO, and --batch exits when nothing is ready", async () => {
    const low = await enqueue(project, "record", ["low"], { priority: -5 });
    const first = await enqueue(project, "record", ["first"]);
    const second = await enqueue(project, "record", ["second"]);
    const high = await enqueue(project, "record", ["high"], { priority: 50 });
    const deferredPast = await enqueue(project, "record", ["past"], { runAfter: new Date(Date.now() - 60_000) });
    const future = await enqueue(project, "record", ["future"], { runAfter: new Date(Date.now() + 3_600_000) });
    const run = await runBatchWorker(project);
    expect(run.exitCode).toBe(0);
    expect(finishedIds(jsonLines(run.stdout))).toEqual([high.id, deferredPast.id, first.id, second.id, low.id]);
    await future.refresh();
    expect(future.status).toBe("READY");
  });

  it("keeps queues apart: --queue, '*' and --exclude-queue", async () => {
    const d = await enqueue(project, "noop");
    const e = await enqueue(project, "emails", ["ada@example.com"]);
    const s = await enqueue(project, "slowQueue", [1]);
    const onlyEmails = await runBatchWorker(project, ["--queue", "emails"]);
    expect(finishedIds(jsonLines(onlyEmails.stdout))).toEqual([e.id]);
    const allButSlow = await runBatchWorker(project, ["--queue", "*", "--exclude-queue", "slow"]);
    expect(finishedIds(jsonLines(allButSlow.stdout))).toEqual([d.id]);
    const all = await runBatchWorker(project, ["--queue", "*"]);
    expect(finishedIds(jsonLines(all.stdout))).toEqual([s.id]);
  });

  it("--max-tasks stops after that many tasks, failed ones included", async () => {
    await enqueue(project, "fail", ["x"]);
    await enqueue(project, "noop");
    const third = await enqueue(project, "noop");
    const run = await runBatchWorker(project, ["--max-tasks", "2"]);
    expect(run.exitCode).toBe(0);
    expect(finishedIds(jsonLines(run.stdout))).toHaveLength(2);
    await third.refresh();
    expect(third.status).toBe("READY");
  });

  it("ends with a tally once every result is recorded: the stopped event, or a plain line", async () => {
    await enqueue(project, "fail", ["x"]);
    await enqueue(project, "noop");
    await enqueue(project, "noop");
    const run = await runBatchWorker(project);
    expect(run.exitCode).toBe(0);
    const events = jsonLines(run.stdout);
    const started = events.find((e) => e.event === "started");
    expect(events.at(-1)).toEqual({
      ts: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      event: "stopped",
      workerId: started?.workerId,
      succeeded: 2,
      failed: 1,
      retried: 0,
      dropped: 0,
      forced: false,
    });
    await enqueue(project, "noop");
    const plain = await tasks(["worker", "--batch", "--no-startup-delay", "--config", project.configPath], {
      cwd: project.dir,
      env: { TASKLANE_TEST_DIR: project.dir },
    });
    expect(plain.exitCode).toBe(0);
    expect(String(plain.stdout).split("\n").at(-1)).toMatch(
      /^\d{4}-\d\d-\d\dT\S+Z worker \S+ stopped: 1 succeeded, 0 failed, 0 retried$/,
    );
  });

  it("records a failure with its traceback, readable from another process", async () => {
    const failed = await enqueue(project, "fail", ["out of range"]);
    const badReturn = await enqueue(project, "badReturn");
    await runBatchWorker(project);
    await failed.refresh();
    expect(failed.status).toBe("FAILED");
    expect(failed.attempts).toBe(1);
    const [error] = failed.errors;
    expect(error?.exceptionClass).toBe("RangeError");
    expect(error?.message).toBe("out of range");
    expect(error?.traceback).toContain("RangeError: out of range");
    expect(error?.traceback).toContain("tasks.config.ts");
    await badReturn.refresh();
    expect(badReturn.status).toBe("FAILED");
    expect(badReturn.errors[0]?.message).toMatch(/return value is a Date/);
  });

  it("a not-yet-due task is not claimed until it is due, and an idle worker then starts it", async () => {
    const worker = startWorker(project, ["--interval", "30"]);
    await worker.waitFor((e) => e.event === "started");
    const dueAt = Date.now() + 1500;
    const later = await enqueue(project, "noop", [], { runAfter: new Date(dueAt) });
    const started = await worker.waitFor((e) => e.event === "taskStarted" && e.id === later.id);
    expect(Date.parse(String(started.ts))).toBeGreaterThanOrEqual(dueAt);
    await worker.waitFor((e) => e.event === "taskFinished" && e.id === later.id);
    worker.proc.kill("SIGTERM");
    expect((await worker.proc).exitCode).toBe(0);
  });

  it("3 worker processes over 300 tasks run every task exactly once", async () => {
    const noop = project.config.tasks.get("record");
    if (!noop) throw new Error("missing task");
    const results = await noop.enqueueMany(Array.from({ length: 300 }, (_, i) => [`t${i}`]));
    const runs = await Promise.all([1, 2, 3].map(() => runBatchWorker(project, ["--concurrency", "5"])));
    for (const run of runs) expect(run.exitCode).toBe(0);
    const counts = new Map<string, number>();
    for (const line of project.runs()) {
      const id = line.split(" ")[0] as string;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect(counts.size).toBe(300);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(results.map((r) => r.id))).toEqual(new Set(counts.keys()));
  });

  it("SIGTERM on an idle worker exits 0 within 0.5 s", async () => {
    const worker = startWorker(project);
    await worker.waitFor((e) => e.event === "started");
    const sent = performance.now();
    worker.proc.kill("SIGTERM");
    const result = await worker.proc;
    expect(result.exitCode).toBe(0);
    expect(performance.now() - sent).toBeLessThan(500);
  });

  it("SIGTERM during a 2 s task lets it finish: SUCCEEDED, exit 0", async () => {
    const worker = startWorker(project);
    const long = await enqueue(project, "sleep", [2000]);
    await worker.waitFor((e) => e.event === "taskStarted" && e.id === long.id);
    worker.proc.kill("SIGTERM");
    const result = await worker.proc;
    expect(result.exitCode).toBe(0);
    await long.refresh();
    expect(long.status).toBe("SUCCEEDED");
    expect(long.returnValue).toBe(2000);
  });

  it("two SIGINTs during a task record it FAILED as WorkerInterrupted and exit 0", async () => {
    const worker = startWorker(project);
    const long = await enqueue(project, "sleep", [20_000]);
    await worker.waitFor((e) => e.event === "taskStarted" && e.id === long.id);
    worker.proc.kill("SIGINT");
    await worker.waitFor((e) => e.event === "stopping" && e.force === false);
    worker.proc.kill("SIGINT");
    const result = await worker.proc;
    expect(result.exitCode).toBe(0);
    await long.refresh();
    expect(long.status).toBe("FAILED");
    expect(long.errors[0]?.exceptionClass).toBe("WorkerInterrupted");
    // Its tally says the stop was forced.
    expect(worker.events.at(-1)).toMatchObject({ event: "stopped", succeeded: 0, failed: 1, retried: 0, forced: true });
  });

  it("--concurrency 10 overlaps ten 500 ms async tasks", async () => {
    const sleep = project.config.tasks.get("sleep");
    if (!sleep) throw new Error("missing task");
    await sleep.enqueueMany(Array.from({ length: 10 }, () => [500]));
    const run = await runBatchWorker(project, ["--concurrency", "10"]);
    expect(run.exitCode).toBe(0);
    // Judge overlap from the tasks' own timestamps, not wall time: every task started
    // before the first one ended (serially they would take 5 s).
    const starts = project
      .runs()
      .filter((l) => l.includes(" start "))
      .map((l) => Number(l.split(" ")[2]));
    const ends = project
      .runs()
      .filter((l) => l.includes(" end "))
      .map((l) => Number(l.split(" ")[2]));
    expect(starts).toHaveLength(10);
    expect(Math.max(...starts)).toBeLessThan(Math.min(...ends));
  });
});

describe("tasks worker flag errors", () => {
  const cases: [string[], RegExp][] = [
    [["--concurrency", "0"], /--concurrency must be an integer from 1 to 1000/],
    [["--concurrency", "two"], /Expected an integer/],
    [
      ["--interval", "soon"],
      /--interval: "soon" is not a duration; use a positive number of seconds \(1, 0\.5\) or a number with a unit \(500ms, 2s, 1m\)$/,
    ],
    [["--interval", "-1"], /--interval: "-1" is not a duration/],
    [["--max-tasks", "-3"], /--max-tasks must be an integer ≥ 0/],
    [["--worker-id", ""], /--worker-id must be 1 to 64 characters/],
    [["--worker-id", "x".repeat(65)], /--worker-id must be 1 to 64 characters, got 65/],
    [["--queue", "nope"], /--queue: "nope" is not a queue of backend "default"/],
    [["--exclude-queue", "slow"], /--exclude-queue only works with --queue '\*'/],
    [["--backend", "other"], /--backend: no backend "other"/],
  ];
  for (const [args, message] of cases) {
    it(`${args.join(" ") || "(empty)"} → one line, exit 2`, async () => {
      const run = await tasks(["worker", "--config", project.configPath, ...args], { cwd: project.dir });
      expect(run.exitCode).toBe(2);
      expect(String(run.stderr).trim().split("\n"), String(run.stderr)).toHaveLength(1);
      expect(run.stderr).toMatch(message);
    });
  }

  it("refuses a backend that cannot run workers", async () => {
    const other = tempDir();
    try {
      const config = `import { defineConfig } from "tasklane";\nexport default defineConfig({ backends: { default: { backend: "immediate" } } });\n`;
      write(other.dir, "tasks.config.ts", config);
      const run = await tasks(["worker"], { cwd: other.dir });
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toMatch(/backend "default" is immediate: it runs tasks in the caller/);
    } finally {
      other.cleanup();
    }
  });
});
