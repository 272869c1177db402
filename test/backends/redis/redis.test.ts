import { existsSync, readFileSync, watch, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { execa } from "execa";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { fromBullPriority, toBullPriority } from "../../../src/backends/redis/records.js";
import { mustRunRedis, provideRedis, redisAvailable, redisUrl, uniquePrefix } from "../../conformance/redis-server.js";
import { BIN, CHILD_ENV, tasks, tempDir, write } from "../../helpers/cli.js";
import { enqueue, makeProject, type Project, startWorker, waitForResult } from "../../helpers/project.js";

const config = (options: string) => `
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { defineConfig, task, type TaskContext } from "tasklane";
export const add = task((a: number, b: number) => a + b);
export const slow = task({ takesContext: true }, async (context: TaskContext, ms: number) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return context.attempt;
});
export const slowTwice = task({ takesContext: true, maxAttempts: 2 }, async (context: TaskContext, ms: number) => {
  if (context.attempt === 1) await new Promise((resolve) => setTimeout(resolve, ms));
  return context.attempt;
});
/** Blocks its event loop for ms (a synchronous computation), after noting that it started. */
export const busy = task((ms: number) => {
  appendFileSync(join(process.env.TASKLANE_TEST_DIR!, "busy.log"), "start\\n");
  const until = Date.now() + ms;
  while (Date.now() < until) {}
  return ms;
});
export default defineConfig({
  backends: { default: { backend: "redis", queues: ["default", "other"], options: ${options} } },
  tasks: { add, slow, slowTwice, busy },
});
`;

const projects: Project[] = [];
async function project(extra = ""): Promise<{ p: Project; prefix: string }> {
  const prefix = uniquePrefix("redis");
  const p = await makeProject(config(`{ url: ${JSON.stringify(redisUrl())}, prefix: "${prefix}"${extra} }`));
  projects.push(p);
  return { p, prefix };
}
afterEach(async () => {
  for (const p of projects.splice(0)) await p.cleanup();
});

describe("redis priority mapping", () => {
  it("maps −100..100 onto BullMQ's 201..1 (smaller runs first), every job prioritized", () => {
    expect(toBullPriority(100)).toBe(1);
    expect(toBullPriority(0)).toBe(101);
    expect(toBullPriority(-100)).toBe(201);
    for (const p of [-100, -1, 0, 7, 100]) expect(fromBullPriority(toBullPriority(p))).toBe(p);
  });
});

if (redisAvailable || mustRunRedis) {
  provideRedis();

  describe("redis backend", () => {
    it("puts every job in BullMQ's prioritized set: priority first, FIFO among equals", async () => {
      const { p, prefix } = await project();
      const ids: string[] = [];
      for (const priority of [0, 5, 0, -3, 5, 0]) ids.push((await enqueue(p, "add", [1, 2], { priority })).id);
      const client = new Redis(redisUrl());
      try {
        const order = await client.zrange(`${prefix}:default:prioritized`, 0, -1);
        expect(await client.llen(`${prefix}:default:wait`)).toBe(0);
        expect(order).toEqual([ids[1], ids[4], ids[0], ids[2], ids[5], ids[3]]);
      } finally {
        client.disconnect();
      }
    });

    it("a runAfter in the past is ready at once; one in the future is a BullMQ delayed job", async () => {
      const { p, prefix } = await project();
      const past = await enqueue(p, "add", [1, 1], { runAfter: new Date(Date.now() - 60_000) });
      const future = await enqueue(p, "add", [1, 1], { runAfter: new Date(Date.now() + 60_000) });
      const client = new Redis(redisUrl());
      try {
        expect(await client.zscore(`${prefix}:default:prioritized`, past.id)).not.toBeNull();
        expect(await client.zscore(`${prefix}:default:delayed`, future.id)).not.toBeNull();
      } finally {
        client.disconnect();
      }
      const backend = await p.config.getBackend("default");
      expect((await backend.getResult(future.id)).runAfter?.getTime()).toBe(future.runAfter?.getTime());
    });

    it("passes `connection` options through to ioredis (here: another database)", async () => {
      const { p, prefix } = await project(", connection: { db: 3 }");
      await enqueue(p, "add", [1, 1]);
      const client = new Redis(redisUrl(), { db: 3 });
      try {
        expect(await client.exists(`${prefix}::index`)).toBe(1);
      } finally {
        client.disconnect();
      }
    });

    it("a worker killed mid-task: BullMQ's stalled check recovers it as a lost attempt (WorkerLost)", async () => {
      const { p } = await project(", lockDurationMs: 1000, stalledIntervalMs: 300");
      const once = await enqueue(p, "slow", [30_000]);
      const twice = await enqueue(p, "slowTwice", [30_000]);
      const doomed = startWorker(p, ["--concurrency", "2"]);
      await doomed.waitFor((e) => e.event === "taskStarted" && e.id === once.id);
      await doomed.waitFor((e) => e.event === "taskStarted" && e.id === twice.id);
      doomed.proc.kill("SIGKILL");
      await doomed.proc;
      const rescuer = startWorker(p);
      await waitForResult(once, (r) => r.status === "FAILED", 20_000);
      await waitForResult(twice, (r) => r.status === "SUCCEEDED", 20_000);
      rescuer.proc.kill("SIGTERM");
      expect((await rescuer.proc).exitCode).toBe(0);
      expect(once.errors.map((e) => e.exceptionClass)).toEqual(["WorkerLost"]);
      expect(once.attempts).toBe(1);
      expect(twice.returnValue).toBe(2);
      expect(twice.attempts).toBe(2);
      expect(twice.errors.map((e) => e.exceptionClass)).toEqual(["WorkerLost"]);
      expect(rescuer.events.some((e) => e.event === "recovered")).toBe(true);
    });

    it("a worker killed inside a synchronous task: that run counts as an attempt too (WorkerLost, not run again)", async () => {
      const { p } = await project(", lockDurationMs: 1000, stalledIntervalMs: 300");
      const once = await enqueue(p, "busy", [60_000]);
      const doomed = startWorker(p);
      // The task blocks its worker's event loop: its start is seen in the file it writes.
      const log = join(p.dir, "busy.log");
      await new Promise<void>((resolve) => {
        const watcher = watch(p.dir, () => {
          if (existsSync(log) && readFileSync(log, "utf8").includes("start")) {
            watcher.close();
            resolve();
          }
        });
        if (existsSync(log)) {
          watcher.close();
          resolve();
        }
      });
      doomed.proc.kill("SIGKILL");
      await doomed.proc;
      const rescuer = startWorker(p);
      await waitForResult(once, (r) => r.isFinished, 20_000);
      rescuer.proc.kill("SIGTERM");
      expect((await rescuer.proc).exitCode).toBe(0);
      // Before, the start marker was still unsent when the loop blocked: the run left no trace,
      // and the rescuer ran the task again as if for the first time.
      expect([once.status, once.attempts, once.errors.map((e) => e.exceptionClass)]).toEqual([
        "FAILED",
        1,
        ["WorkerLost"],
      ]);
      expect(readFileSync(log, "utf8")).toBe("start\n");
    });

    it("a stop while the worker starts up ends it cleanly, wherever in its start-up it lands", async () => {
      // One process, many starts of a two-queue worker: each stopped at a moment spread over how
      // long a start takes. Before, a stop while BullMQ's Workers started closed them mid-start,
      // and their commands failed with "Connection is closed".
      const { p } = await project();
      const script = join(p.dir, "stop-at-start.mjs");
      writeFileSync(
        script,
        `import { runWorker } from ${JSON.stringify(join(BIN, "../../dist/index.js"))};
const options = { startupDelay: false, queues: ["default", "other"] };
await runWorker({ ...options, batch: true }); // loads the config and connects
// How long a start takes now, to spread the stops over.
let startMs = 0;
const timed = performance.now();
await runWorker({ ...options, batch: true, onEvent: (e) => { if (e.type === "started") startMs = performance.now() - timed; } });
const failures = [];
for (let i = 0; i < 60; i++) {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), (startMs * 1.2 * i) / 60);
  try {
    await runWorker({ ...options, signal: controller.signal });
  } catch (error) {
    failures.push(String(error?.message ?? error));
  }
}
console.log(JSON.stringify(failures));
`,
      );
      const run = await execa("node", [script], {
        cwd: p.dir,
        reject: false,
        timeout: 60_000,
        env: { ...CHILD_ENV, TASKLANE_TEST_DIR: p.dir },
      });
      expect({ code: run.exitCode, stderr: run.stderr, stdout: run.stdout }).toEqual({
        code: 0,
        stderr: "",
        stdout: "[]",
      });
    }, 90_000);

    it("tasks info shows where the data lives, without the password", async () => {
      const url = redisUrl().replace("redis://", "redis://user:hunter2@");
      const { dir, cleanup } = tempDir();
      try {
        write(dir, "tasks.config.ts", config(`{ url: ${JSON.stringify(url)} }`));
        const run = await tasks(["info", "--json"], { cwd: dir });
        expect(run.exitCode, String(run.stderr)).toBe(0);
        expect(run.stdout).toContain("redis://user:***@");
        expect(run.stdout).not.toContain("hunter2");
      } finally {
        cleanup();
      }
    });
  });
} else {
  describe.skip("redis backend (no TASKLANE_REDIS_URL and no redis-server here)", () => {
    it("needs Redis", () => {});
  });
}

describe("redis bad input", () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });

  /** A TCP port that accepts connections and never answers (a hung or firewalled Redis). */
  async function silentPort(): Promise<number> {
    const s = createServer(() => {});
    server = s;
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    const address = s.address();
    if (typeof address !== "object" || !address) throw new Error("no port");
    return address.port;
  }

  async function closedPort(): Promise<number> {
    const s = createServer();
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    const address = s.address();
    await new Promise((resolve) => s.close(resolve));
    if (typeof address !== "object" || !address) throw new Error("no port");
    return address.port;
  }

  for (const [what, port] of [
    ["refuses connections", closedPort],
    ["never answers", silentPort],
  ] as const) {
    it(`Redis that ${what}: one line naming the URL without its password, within the connect timeout`, async () => {
      const url = `redis://app:s3cret@127.0.0.1:${await port()}`;
      const { dir, cleanup } = tempDir();
      try {
        write(dir, "tasks.config.ts", config(`{ url: ${JSON.stringify(url)}, connectTimeoutMs: 1500 }`));
        for (const args of [["enqueue", "add", "1", "2"], ["worker", "--no-startup-delay"], ["results"]]) {
          const started = performance.now();
          const run = await tasks(args, { cwd: dir, timeout: 20_000 });
          expect(run.exitCode, `${args[0]}: ${run.stderr}`).toBe(1);
          const lines = String(run.stderr).trim().split("\n");
          expect(lines, String(run.stderr)).toHaveLength(1);
          expect(lines[0]).toMatch(/^Error: cannot connect to Redis at redis:\/\/app:\*\*\*@127\.0\.0\.1:\d+/);
          expect(run.stderr).not.toContain("s3cret");
          expect(performance.now() - started).toBeLessThan(1500 + 6000);
        }
      } finally {
        cleanup();
      }
    });
  }

  it('a queue name with ":" is a config error at load: one line naming the queue', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const text = config(`{ url: "redis://127.0.0.1:1" }`).replace(
        'queues: ["default", "other"]',
        'queues: ["default", "mail:eu"]',
      );
      write(dir, "tasks.config.ts", text);
      for (const args of [["check"], ["enqueue", "add", "1", "2"]]) {
        const run = await tasks(args, { cwd: dir });
        expect(run.exitCode, `${args[0]}: ${run.stderr}`).toBe(2);
        const lines = String(run.stderr).trim().split("\n");
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/backends\.default\.queues: queue "mail:eu" contains ":"/);
      }
    } finally {
      cleanup();
    }
  });

  it("a URL that is not redis:// or rediss:// is a config error at load", async () => {
    const { dir, cleanup } = tempDir();
    try {
      write(dir, "tasks.config.ts", config(`{ url: "http://127.0.0.1:6379" }`));
      const run = await tasks(["check"], { cwd: dir });
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toMatch(/backends\.default\.options\.url: expected a redis:\/\/ or rediss:\/\/ URL/);
    } finally {
      cleanup();
    }
  });
});
