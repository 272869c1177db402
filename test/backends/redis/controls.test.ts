import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { mustRunRedis, provideRedis, redisAvailable } from "../../conformance/redis-server.js";
import { tasks, tempDir, write } from "../../helpers/cli.js";
import { enqueue, runBatchWorker } from "../../helpers/project.js";
import { backendEntry, configText, type RedisProject, redisProject } from "./redis-project.js";

// Queue controls on Redis are BullMQ's own (its queue meta): these tests look there directly,
// besides what the CLI shows. The conformance suite checks that workers obey them.

const opened: RedisProject[] = [];
async function project(limits?: string | null): Promise<RedisProject> {
  const made = await redisProject(limits);
  opened.push(made);
  return made;
}
afterEach(async () => {
  for (const made of opened.splice(0)) await made.cleanup();
});

if (redisAvailable || mustRunRedis) {
  provideRedis();

  describe("redis queue controls", () => {
    it("pause is BullMQ's flag, with when it was paused: shown by results, info and counts; resume clears it", async () => {
      const r = await project();
      const before = Date.now();
      const paused = await r.cli(["pause", "emails", "slow"]);
      expect(paused.exitCode, String(paused.stderr)).toBe(0);
      expect(await r.queue("emails").isPaused()).toBe(true);
      expect(await r.queue("slow").isPaused()).toBe(true);
      expect(await r.queue("default").isPaused()).toBe(false);

      expect((await r.cli(["results"])).stdout).toMatch(
        /^paused: emails \(since (just now|\d+s ago)\), slow \(since (just now|\d+s ago)\); their tasks wait until `tasks resume`$/m,
      );
      expect((await r.cli(["info"])).stdout).toMatch(/^ {4}paused: emails, slow \(tasks resume QUEUE\)$/m);
      const manage = (await r.p.config.getBackend("default")).management();
      const states = new Map((await manage?.queueStates?.())?.map((s) => [s.queueName, s]));
      expect(states.get("emails")?.pausedAt?.getTime()).toBeGreaterThanOrEqual(before);
      expect(states.get("default")).toEqual({ queueName: "default", paused: false, pausedAt: null });
      // A second pause keeps the first one's time.
      const first = states.get("emails")?.pausedAt?.getTime();
      expect((await r.cli(["pause", "emails"])).exitCode).toBe(0);
      const again = (await manage?.queueStates?.())?.find((s) => s.queueName === "emails");
      expect(again?.pausedAt?.getTime()).toBe(first);

      // An empty paused queue shows in the counts too.
      const counts = new Map((await manage?.countByQueue())?.map((q) => [q.queueName, q]));
      expect(counts.get("slow")).toMatchObject({ paused: true, counts: { READY: 0 } });
      expect(counts.get("default")?.paused).toBe(false);

      const resumed = await r.cli(["resume", "slow", "--json"]);
      expect(JSON.parse(String(resumed.stdout))).toEqual({ resumed: ["slow"] });
      expect(await r.queue("slow").isPaused()).toBe(false);
      expect((await r.cli(["results"])).stdout).toMatch(
        /^paused: emails \(since (just now|\d+s ago)\); their tasks wait/m,
      );
    });

    it("a task enqueued to a paused queue waits; the listing and counts still see it", async () => {
      const r = await project();
      expect((await r.cli(["pause", "emails"])).exitCode).toBe(0);
      const email = await enqueue(r.p, "emails", ["ada@example.com"]);
      expect((await runBatchWorker(r.p, ["--queue", "emails"])).exitCode).toBe(0);
      await email.refresh();
      expect(email.status).toBe("READY");
      const manage = (await r.p.config.getBackend("default")).management();
      expect((await manage?.countByQueue())?.find((q) => q.queueName === "emails")?.counts.READY).toBe(1);
      expect((await manage?.listResults({ limit: 5, queues: ["emails"] }))?.results.map((x) => x.id)).toEqual([
        email.id,
      ]);
    });

    it("a worker writes the config's limits into BullMQ's queue meta at start, and removes limits the config dropped", async () => {
      const r = await project();
      expect((await runBatchWorker(r.p, ["--queue", "*"])).exitCode).toBe(0);
      expect(await r.queue("slow").getGlobalConcurrency()).toBe(1);
      expect(await r.queue("rated").getGlobalRateLimit()).toEqual({ max: 1, duration: 60_000 });
      expect(await r.queue("default").getGlobalConcurrency()).toBeNull();
      expect(await r.queue("default").getGlobalRateLimit()).toBeNull();

      writeFileSync(r.p.configPath, configText(backendEntry(r.prefix, "{ rated: { concurrency: 2 } }")));
      expect((await runBatchWorker(r.p, ["--queue", "slow", "--queue", "rated"])).exitCode).toBe(0);
      expect(await r.queue("slow").getGlobalConcurrency()).toBeNull();
      expect(await r.queue("rated").getGlobalConcurrency()).toBe(2);
      expect(await r.queue("rated").getGlobalRateLimit()).toBeNull();
    });

    it("a task with a per-key concurrency limit is refused at config load: BullMQ has no groups", async () => {
      const r = await project();
      const text = configText(backendEntry(r.prefix)).replace(
        "export default defineConfig",
        `export const perTenant = task({ concurrency: { key: (tenant: string) => tenant, limit: 1 } }, (tenant: string) => tenant);
export default defineConfig`,
      );
      writeFileSync(r.p.configPath, text.replace("tasks: {", "tasks: { perTenant,"));
      const run = await r.cli(["check"]);
      expect(run.exitCode).toBe(2);
      const lines = String(run.stderr).trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/perTenant.*backend "default" \(redis\) cannot limit concurrency per key/);
    });
  });
}

describe("redis controls with Redis down", () => {
  it("tasks info still describes the config within the connect timeout, warning that paused queues are unknown", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    await new Promise((resolve) => server.close(resolve));
    if (typeof address !== "object" || !address) throw new Error("no port");
    const { dir, cleanup } = tempDir();
    try {
      const entry = `{ backend: "redis", queues: ["default", "emails", "slow", "rated"], limits: { emails: { concurrency: 2 } },
        options: { url: "redis://127.0.0.1:${address.port}", connectTimeoutMs: 1500 } }`;
      write(dir, "tasks.config.ts", configText(entry));
      const started = performance.now();
      const run = await tasks(["info"], { cwd: dir, timeout: 20_000 });
      expect(run.exitCode, String(run.stderr)).toBe(0);
      expect(run.stdout).toMatch(/^ {4}limits: emails=\{"concurrency":2\}$/m);
      expect(run.stdout).not.toMatch(/paused:/);
      expect(String(run.stderr).trim()).toMatch(
        /^warning: paused queues of backend "default" unknown: cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/,
      );
      expect(performance.now() - started).toBeLessThan(1500 + 6000);
    } finally {
      cleanup();
    }
  });
});
