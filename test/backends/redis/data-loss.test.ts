import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { mustRunRedis, provideRedis, redisAvailable, redisUrl } from "../../conformance/redis-server.js";
import { enqueue, startWorker, type WorkerProcess } from "../../helpers/project.js";
import { loseData } from "./lose-data.js";
import { type RedisProject, redisProject } from "./redis-project.js";

// A running worker after Redis lost its data (a restart without persistence, a FLUSHDB): it
// registers again at its next heartbeat (200 ms here), under its id and its BullMQ code, so that
// `tasks watch` lists it and no new worker is given its code.

const made: RedisProject[] = [];
const workers: WorkerProcess[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) {
    w.proc.kill("SIGTERM");
    expect((await w.proc).exitCode).toBe(0);
  }
  for (const rp of made.splice(0)) await rp.cleanup();
});

/** A worker that has started, and its id. */
async function started(rp: RedisProject): Promise<{ worker: WorkerProcess; id: string }> {
  const worker = startWorker(rp.p);
  workers.push(worker);
  const event = await worker.waitFor((e) => e.event === "started");
  return { worker, id: event.workerId as string };
}

/** Runs `add` on this worker (the only one) and returns the worker id the result names. */
async function runOn(rp: RedisProject, worker: WorkerProcess): Promise<string | undefined> {
  const result = await enqueue(rp.p, "add", [1, 2]);
  await worker.waitFor((e) => e.event === "taskFinished" && e.id === result.id);
  await result.refresh();
  return result.workerIds.at(-1);
}

/** Re-reads the registry until it lists this worker running (a heartbeat is the only signal). */
async function untilListed(rp: RedisProject, id: string): Promise<void> {
  const management = (await rp.p.config.getBackend("default")).management();
  const deadline = Date.now() + 10_000;
  for (;;) {
    const listed = await management?.workers();
    if (listed?.some((w) => w.id === id && w.state === "running")) return;
    if (Date.now() > deadline) throw new Error(`worker ${id} is not listed again`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

if (redisAvailable || mustRunRedis) {
  provideRedis();

  describe("redis worker after data loss", () => {
    it("registers again with its id and code; a new worker gets another code", async () => {
      const rp = await redisProject(null);
      made.push(rp);
      const first = await started(rp);
      expect(await runOn(rp, first.worker)).toBe(first.id);
      const client = new Redis(redisUrl());
      try {
        const codes = `${rp.prefix}::worker-codes`;
        const code = await client.hget(codes, first.id);
        expect(code).toMatch(/^~/);
        await loseData(rp.prefix);
        await untilListed(rp, first.id);
        expect(await client.hget(codes, first.id)).toBe(code);
        expect(await runOn(rp, first.worker)).toBe(first.id);
        const second = await started(rp);
        const secondCode = await client.hget(codes, second.id);
        expect(secondCode).toMatch(/^~/);
        expect(secondCode).not.toBe(code);
        expect(await client.hget(`${rp.prefix}::worker-names`, code as string)).toBe(first.id);
      } finally {
        client.disconnect();
      }
    }, 30_000);

    it("a task whose job Redis evicted fails TaskEvicted once; the worker runs on, and results/show read it", async () => {
      // Before: it ran as TaskNotFound for task "", and its half-written job (no enqueue time)
      // broke tasks results and tasks show (Invalid time value).
      const rp = await redisProject(null);
      made.push(rp);
      const gone = await enqueue(rp.p, "add", [1, 2]);
      const client = new Redis(redisUrl());
      try {
        // What eviction does to a waiting job: its hash goes, its id stays listed.
        expect(await client.del(`${rp.prefix}:default:${gone.id}`)).toBe(1);
      } finally {
        client.disconnect();
      }
      const kept = await enqueue(rp.p, "add", [2, 3]);
      const { worker } = await started(rp);
      const failed = await worker.waitFor((e) => e.event === "taskFinished" && e.id === gone.id);
      expect(failed).toMatchObject({ status: "FAILED", error: { exceptionClass: "TaskEvicted" } });
      expect((failed.error as { message: string }).message).toContain("set maxmemory-policy noeviction");
      await worker.waitFor((e) => e.event === "taskFinished" && e.id === kept.id && e.status === "SUCCEEDED");
      // Failed for good, in one attempt: not run again.
      expect(worker.events.filter((e) => e.event === "taskStarted" && e.id === gone.id)).toHaveLength(1);
      expect(await rp.queue("default").getJobState(gone.id)).toBe("failed");
      await gone.refresh();
      expect({ status: gone.status, attempts: gone.workerIds.length }).toEqual({ status: "FAILED", attempts: 1 });
      expect(gone.enqueuedAt.getTime()).toBeLessThanOrEqual(kept.enqueuedAt.getTime());

      const results = await rp.cli(["results"]);
      expect({ code: results.exitCode, stderr: results.stderr }).toEqual({ code: 0, stderr: "" });
      expect(results.stdout).toContain(gone.id.slice(-12));
      const show = await rp.cli(["show", gone.id]);
      expect({ code: show.exitCode, stderr: show.stderr }).toEqual({ code: 0, stderr: "" });
      expect(show.stdout).toMatch(
        /error 1 of 1: TaskEvicted: the task's data \(its name and arguments\) is gone from Redis/,
      );
      // tasks why: the error, without a retry that would find nothing or a task "" to register.
      const why = await rp.cli(["why", gone.id]);
      expect({ code: why.exitCode, stderr: why.stderr }).toEqual({ code: 0, stderr: "" });
      expect(why.stdout).toContain("last error: TaskEvicted: the task's data");
      expect(why.stdout).not.toMatch(/runs it again|not registered/);
      // tasks retry: refused, as nothing is left to run (it used to fail TaskEvicted again).
      const retry = await rp.cli(["retry", gone.id]);
      expect(retry.exitCode).toBe(1);
      expect(`${retry.stdout}${retry.stderr}`).toContain("its data (task name and arguments) is gone from Redis");
      expect(await rp.queue("default").getJobState(gone.id)).toBe("failed");
    }, 30_000);

    it("a job evicted while its task runs: the end is dropped as gone from Redis, not as a lock that expired", async () => {
      const rp = await redisProject(null);
      made.push(rp);
      const { worker } = await started(rp);
      const running = await enqueue(rp.p, "sleep", [1500]);
      await worker.waitFor((e) => e.event === "taskStarted" && e.id === running.id);
      const client = new Redis(redisUrl());
      try {
        expect(await client.del(`${rp.prefix}:default:${running.id}`)).toBe(1);
      } finally {
        client.disconnect();
      }
      const finished = await worker.waitFor((e) => e.event === "taskFinished" && e.id === running.id);
      expect(finished.dropped).toBe(
        "its end could not be stored: its job is gone from Redis (evicted under a maxmemory-policy other than noeviction, or deleted); set maxmemory-policy noeviction",
      );
    }, 30_000);
  });
} else {
  describe.skip("redis worker after data loss (no TASKLANE_REDIS_URL and no redis-server here)", () => {
    it("needs Redis", () => {});
  });
}
