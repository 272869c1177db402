import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tasks, tempDir } from "../helpers/cli.js";
import { enqueue, makeProject, type Project, runBatchWorker, startWorker } from "../helpers/project.js";

// One project: two succeeded (default, emails), two failed, one deferred READY.
let project: Project;
let ids: Record<string, string>;
const cli = (args: string[], env: Record<string, string> = {}) =>
  tasks(["watch", ...args, "--config", project.configPath], { cwd: project.dir, env });
const json = (stdout: unknown) => JSON.parse(String(stdout));

beforeAll(async () => {
  project = await makeProject();
  const ok = await enqueue(project, "record", ["one"]);
  const mail = await enqueue(project, "emails", ["ada@example.com"]);
  const failed = await enqueue(project, "fail", ["bad thing"]);
  await enqueue(project, "fail", ["worse thing"]);
  await runBatchWorker(project);
  const ready = await enqueue(project, "noop", [], { runAfter: new Date(Date.now() + 3_600_000) });
  ids = { ok: ok.id, mail: mail.id, failed: failed.id, ready: ready.id };
});
afterAll(async () => {
  await project.cleanup();
});

describe("tasks watch without a terminal", () => {
  it("prints one plain snapshot (counts, queues, workers, recent results) and exits 0", async () => {
    const run = await cli([]);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toBe("");
    const out = String(run.stdout);
    expect(out).toContain(`sqlite default · ${project.dir}/db/tasks.sqlite3`);
    expect(out).toMatch(/Counts\s+READY 1\s+RUNNING 0\s+SUCCEEDED 2\s+FAILED 2\s+CANCELLED 0/);
    expect(out).toMatch(/Throughput\s+[▁▂▃▄▅▆▇█]{30}\s+4 finished in the last 30 min/);
    expect(out).toMatch(/Workers\s+0 live/);
    expect(out).toMatch(/QUEUE\s+READY\s+RUNNING\s+FAILED\s+SUCCEEDED\s+OLDEST DUE\s+STATE/);
    expect(out).toMatch(/default\s+1\s+0\s+2\s+1\s+\S+/);
    expect(out).toMatch(/emails\s+0\s+0\s+0\s+1\s+-/);
    const lines = out.split("\n");
    const header = lines.findIndex((l) => /^\s+ID\s+TASK\s+STATUS\s+QUEUE\s+AGE\s+DURATION\s+ATTEMPTS$/.test(l));
    expect(header).toBeGreaterThan(0);
    expect(lines[header + 1]).toContain(ids.ready?.slice(-12));
    // READY but deferred an hour: shown as SCHEDULED (as tasks results shows it).
    expect(lines[header + 1]).toMatch(/noop\s+SCHEDULED/);
    expect(lines.slice(header + 1).filter((l) => l.trim())).toHaveLength(5);
    expect(out).not.toContain("\u001b[");
  });

  it("lists every queue the config declares, one with no results with zero counts (so it can be paused)", async () => {
    // The project's backend declares default, emails and slow; nothing was ever enqueued on slow.
    const snap = json((await cli(["--json"])).stdout);
    const slow = snap.queues.find((q: { queueName: string }) => q.queueName === "slow");
    expect(slow).toEqual({
      queueName: "slow",
      counts: { READY: 0, RUNNING: 0, SUCCEEDED: 0, FAILED: 0, CANCELLED: 0 },
      oldestReadyAt: null,
      oldestDueAt: null,
      paused: false,
    });
    expect(snap.queues.map((q: { queueName: string }) => q.queueName)).toEqual(["default", "emails", "slow"]);
    expect(String((await cli([])).stdout)).toMatch(/^\s+slow\s+0\s+0\s+0\s+0\s+-\s+active$/m);
  });

  it("--tab with a snapshot says it is ignored (one line on stderr) and prints the overview", async () => {
    const run = await cli(["--once", "--tab", "retries"]);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toBe(
      "Warning: --tab retries is ignored: without a terminal, in CI, or with --once or --json, watch prints the overview snapshot (the other tabs have commands of their own: tasks results, errors, schedules)",
    );
    expect(String(run.stdout)).toMatch(/^Counts\s+READY/m);
  });

  it("--json prints the snapshot: ISO dates, TaskResult objects, 30 minutes of throughput", async () => {
    const run = await cli(["--json"]);
    expect(run.exitCode).toBe(0);
    const snap = json(run.stdout);
    expect(Object.keys(snap)).toEqual([
      "backend",
      "takenAt",
      "filters",
      "counts",
      "queues",
      "workers",
      "throughput",
      "results",
      "hasMore",
    ]);
    expect(snap.backend).toEqual({ alias: "default", kind: "sqlite", location: `${project.dir}/db/tasks.sqlite3` });
    expect(snap.takenAt).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);
    expect(snap.counts).toEqual({ READY: 1, RUNNING: 0, SUCCEEDED: 2, FAILED: 2, CANCELLED: 0 });
    const byName = Object.fromEntries(snap.queues.map((q: { queueName: string }) => [q.queueName, q]));
    expect(byName.default.counts).toMatchObject({ READY: 1, FAILED: 2, SUCCEEDED: 1 });
    expect(byName.default.oldestReadyAt).toMatch(/^\d{4}-/);
    expect(byName.emails.oldestReadyAt).toBeNull();
    // The only READY task of default is deferred an hour: nothing due is late.
    expect(byName.default).toMatchObject({ oldestDueAt: null, paused: false });
    expect(snap.throughput.minutes).toBe(30);
    expect(snap.throughput.perMinute.reduce((a: number, b: number) => a + b, 0)).toBe(4);
    expect(snap.results.map((r: { id: string }) => r.id)[0]).toBe(ids.ready);
    const failed = snap.results.find((r: { id: string }) => r.id === ids.failed);
    expect(failed).toMatchObject({ taskName: "fail", status: "FAILED", args: ["bad thing"], attempts: 1 });
    expect(failed.errors[0]).toMatchObject({ exceptionClass: "RangeError", message: "bad thing" });
    expect(failed.enqueuedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const ok = snap.results.find((r: { id: string }) => r.id === ids.ok);
    expect(ok.returnValue).toBe("one");
    expect(snap.workers).toEqual(expect.any(Array));
    expect(snap.hasMore).toBe(false);
  });

  it("--once applies --status (repeatable), --queue and --limit", async () => {
    const failedOnly = json((await cli(["--once", "--json", "--status", "failed", "--limit", "1"])).stdout);
    expect(failedOnly.results).toHaveLength(1);
    expect(failedOnly.results[0].status).toBe("FAILED");
    expect(failedOnly.hasMore).toBe(true);
    expect(failedOnly.filters).toEqual({ statuses: ["FAILED"], queues: [], task: null });
    // Counts and queues are never filtered.
    expect(failedOnly.counts.SUCCEEDED).toBe(2);
    const two = json((await cli(["--once", "--json", "--status", "READY", "--status", "succeeded"])).stdout);
    expect(two.results.map((r: { status: string }) => r.status).sort()).toEqual(["READY", "SUCCEEDED", "SUCCEEDED"]);
    const mail = await cli(["--once", "--queue", "emails"]);
    expect(mail.exitCode).toBe(0);
    expect(mail.stdout).toContain("newest first · queue:emails");
    expect(mail.stdout).toContain(ids.mail?.slice(-12));
    expect(mail.stdout).not.toContain(ids.failed?.slice(-12));
  });

  it("--queue the config does not know: runs, and the empty results list says so, as tasks results does", async () => {
    const typo = await cli(["--once", "--queue", "emials"]);
    expect(typo.exitCode).toBe(0);
    expect(typo.stderr).toBe("");
    const said = String(typo.stdout)
      .split("\n")
      .filter((l) => l.includes("no results match"));
    expect(said).toEqual(['  no results match: no queue "emials" in backend "default" (did you mean "emails"?)']);
    // A known queue that matches nothing is not questioned.
    const known = await cli(["--once", "--queue", "slow"]);
    expect(known.stdout).toMatch(/^ {2}no results match$/m);
  });

  it("lists a running worker as live", async () => {
    const worker = startWorker(project, ["--worker-id", "watch-test-worker", "--queue", "slow"]);
    try {
      await worker.waitFor((e) => e.event === "started");
      const snap = json((await cli(["--json"])).stdout);
      const w = snap.workers.find((x: { id: string }) => x.id === "watch-test-worker");
      expect(w).toMatchObject({ state: "running", stale: false });
      expect(w.lastHeartbeatAt).toMatch(/^\d{4}-/);
      const text = await cli([]);
      expect(text.stdout).toMatch(/Workers\s+1 live/);
      expect(text.stdout).toMatch(/watch-test-worker\s+live/);
    } finally {
      worker.proc.kill("SIGTERM");
      await worker.proc;
    }
  });
});

describe("tasks watch queue state", () => {
  it("shows oldest due, not oldest enqueued, and which queues are paused", async () => {
    const text = String((await cli(["--once"])).stdout);
    // default's READY task is deferred an hour: it is not late, so nothing is shown as waiting.
    expect(text).toMatch(/default\s+1\s+0\s+2\s+1\s+-\s+active/);
    const pause = await tasks(["pause", "emails", "--config", project.configPath], { cwd: project.dir });
    expect(pause.exitCode).toBe(0);
    try {
      const paused = await cli(["--once"]);
      expect(paused.stdout).toMatch(/emails\s+0\s+0\s+0\s+1\s+-\s+paused/);
      const snap = json((await cli(["--json"])).stdout);
      const emails = snap.queues.find((q: { queueName: string }) => q.queueName === "emails");
      expect(emails).toMatchObject({ paused: true, oldestDueAt: null });
    } finally {
      await tasks(["resume", "emails", "--config", project.configPath], { cwd: project.dir });
    }
  });
});

describe("tasks watch usage errors", () => {
  it.each([
    [["--interval", "0"], /^Error: --interval: "0" is too short; use at least 100ms$/],
    [["--interval", "soon"], /^Error: --interval: "soon" is not a duration/],
    [["--status", "done"], /^Error: --status: unknown status "done"; expected one of READY, RUNNING/],
    [["--limit", "0"], /^Error: --limit must be from 1 to 10000, got 0$/],
    [["--limit", "many"], /^Error: Parsing --limit: Expected an integer but received: many/],
    [["--backend", "nope"], /^Error: --backend: no backend "nope" in .*tasks\.config\.ts \(configured: default\)$/],
    [["--frobnicate"], /^Error: Nonexistent flag: --frobnicate/],
    [["--tab", "home"], /^Error: --tab: unknown tab "home"; expected one of overview, queues, scheduled, retries/],
  ])("%j → one line on stderr, exit 2", async (args, message) => {
    const run = await cli(args as string[]);
    expect(run.exitCode).toBe(2);
    expect(String(run.stderr).trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe("");
  });

  it("a backend that keeps no results is a usage error", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const run = await tasks(["watch"], { cwd: dir });
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toMatch(/^Error: backend "default" is immediate: it keeps no results to inspect/);
    } finally {
      cleanup();
    }
  });

  it("accepts 500ms, 2s and bare seconds for --interval", async () => {
    for (const interval of ["500ms", "2s", "0.5", "1"]) {
      const run = await cli(["--once", "--interval", interval]);
      expect(run.exitCode, `${interval}: ${run.stderr}`).toBe(0);
    }
  });
});
