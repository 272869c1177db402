import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tasks } from "../helpers/cli.js";
import { enqueue, makeProject, PROJECT_CONFIG, type Project, runBatchWorker, startWorker } from "../helpers/project.js";

// `tasks why ID`: one test per reason, through the built binary.
const CONFIG = PROJECT_CONFIG.replace(
  'queues: ["default", "emails", "slow"],',
  'queues: ["default", "emails", "slow"], limits: { slow: { concurrency: 1 } },',
)
  .replace(
    "export default defineConfig",
    `export const perTenant = task(
  { concurrency: { key: (tenant: string) => tenant, limit: 1 } },
  async (tenant: string, ms: number) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return tenant;
  },
);
export const backsOff = task({ maxAttempts: 3, backoff: { type: "fixed", delayMs: 3_600_000 } }, () => {
  throw new Error("upstream down");
});
export const slowSleep = task({ queueName: "slow" }, async (ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
export default defineConfig`,
  )
  .replace("tasks: {", "tasks: { perTenant, backsOff, slowSleep,");

let project: Project;
beforeEach(async () => {
  project = await makeProject(CONFIG);
});
afterEach(async () => {
  await project.cleanup();
});
const why = async (id: string, config = project.configPath) => {
  const run = await tasks(["why", id, "--json", "--config", config], { cwd: project.dir });
  expect(run.exitCode, String(run.stderr)).toBe(0);
  return JSON.parse(String(run.stdout)) as {
    status: string;
    reasons: { code: string; summary: string; evidence: string[] }[];
  };
};
const codes = async (id: string, config?: string) => (await why(id, config)).reasons.map((r) => r.code);

describe("tasks why", () => {
  it("quotes a failure's message by its first line, saying how to get it all", async () => {
    const failed = await enqueue(project, "fail", ["first line\nsecond line"]);
    await runBatchWorker(project);
    const [finished] = (await why(failed.id)).reasons;
    expect(finished?.evidence).toContain(
      `last error: RangeError: first line … 12 more characters: tasks show ${failed.id} --json prints it all`,
    );
  });

  it("scheduled, and a retry's backoff", async () => {
    const later = await enqueue(project, "noop", [], { runAfter: new Date(Date.now() + 600_000) });
    const failing = await enqueue(project, "backsOff");
    await runBatchWorker(project);
    expect(await codes(later.id)).toContain("scheduled");
    const backoff = await why(failing.id);
    expect(backoff.reasons.map((r) => r.code)).toContain("retry-backoff");
    expect(backoff.reasons.find((r) => r.code === "retry-backoff")?.evidence[0]).toMatch(
      /attempt 1 of 3 failed: Error: upstream down/,
    );
  });

  it("a paused queue, and no live worker", async () => {
    const paused = await tasks(["pause", "emails", "--config", project.configPath], { cwd: project.dir });
    expect(paused.exitCode, String(paused.stderr)).toBe(0);
    const email = await enqueue(project, "emails", ["ada@example.com"]);
    expect(await codes(email.id)).toEqual(["paused", "no-worker"]);
  });

  it("no live worker takes the queue: it lists the workers and what they take (the queue-name typo)", async () => {
    const worker = startWorker(project, ["--queue", "default"]);
    await worker.waitFor((e) => e.event === "started");
    const email = await enqueue(project, "emails", ["ada@example.com"]);
    const answer = await why(email.id);
    expect(answer.reasons.map((r) => r.code)).toEqual(["no-worker"]);
    expect(answer.reasons[0]?.evidence.join("\n")).toMatch(/takes default; running/);
    worker.proc.kill("SIGTERM");
    await worker.proc;
  });

  it("a queue at its concurrency limit (who holds the slot), and a key at its limit", async () => {
    const worker = startWorker(project, ["--queue", "*", "--concurrency", "5"]);
    await worker.waitFor((e) => e.event === "started");
    const holding = await enqueue(project, "slowSleep", [20_000]);
    await worker.waitFor((e) => e.event === "taskStarted" && e.id === holding.id);
    const waiting = await enqueue(project, "slowSleep", [10]);
    const slow = await why(waiting.id);
    expect(slow.reasons.map((r) => r.code)).toEqual(["queue-concurrency"]);
    expect(slow.reasons[0]?.evidence[0]).toContain(holding.id);

    const tenant = await enqueue(project, "perTenant", ["acme", 20_000]);
    await worker.waitFor((e) => e.event === "taskStarted" && e.id === tenant.id);
    const second = await enqueue(project, "perTenant", ["acme", 10]);
    const keyed = await why(second.id);
    expect(keyed.reasons.map((r) => r.code)).toEqual(["key-concurrency"]);
    expect(keyed.reasons[0]?.evidence[0]).toBe(`held by: ${tenant.id}`);
    worker.proc.kill("SIGKILL");
    await worker.proc;
  });

  it("running on a live worker; then its worker gone, with when its lease expires", async () => {
    const worker = startWorker(project);
    const long = await enqueue(project, "sleep", [30_000]);
    await worker.waitFor((e) => e.event === "taskStarted" && e.id === long.id);
    expect(await codes(long.id)).toEqual(["running"]);
    worker.proc.kill("SIGKILL");
    await worker.proc;
    // The project's heartbeatMs is 200: silent for a lease (2 s), the worker reads dead.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const gone = await why(long.id);
    expect(gone.reasons.map((r) => r.code)).toEqual(["holder-gone"]);
    expect(gone.reasons[0]?.evidence.join("\n")).toMatch(/its lease expires/);
  });

  it("in line behind other due tasks, or next", async () => {
    const worker = startWorker(project, ["--queue", "default"]);
    const busy = await enqueue(project, "sleep", [20_000]);
    await worker.waitFor((e) => e.event === "taskStarted" && e.id === busy.id);
    const first = await enqueue(project, "noop");
    const second = await enqueue(project, "noop");
    expect(await codes(first.id)).toEqual(["next"]);
    const behind = await why(second.id);
    expect(behind.reasons.map((r) => r.code)).toEqual(["in-line"]);
    expect(behind.reasons[0]?.summary).toMatch(/1 due task\(s\) of queue "default" come first/);
    worker.proc.kill("SIGKILL");
    await worker.proc;
  });

  it("finished, and a task the config does not register", async () => {
    const done = await enqueue(project, "add", [1, 2]);
    await runBatchWorker(project);
    expect(await codes(done.id)).toEqual(["finished"]);
    const other = join(project.dir, "other.config.ts");
    writeFileSync(
      other,
      `import { defineConfig, task } from "tasklane";
export const noop = task(() => null);
export default defineConfig({
  backends: { default: { backend: "sqlite", queues: ["default", "emails", "slow"], options: { path: "db/tasks.sqlite3" } } },
  tasks: { noop },
});
`,
    );
    const stray = await enqueue(project, "add", [3, 4]);
    const answer = await why(stray.id, other);
    expect(answer.reasons.map((r) => r.code)).toContain("not-registered");
    expect(answer.reasons.find((r) => r.code === "not-registered")?.evidence).toEqual(["registered tasks: noop"]);
  });
});
