import { spawnSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { RedisUnavailableError } from "../../../src/backends/redis/errors.js";
import { mustRunRedis } from "../../conformance/redis-server.js";
import { enqueue, makeProject, type Project, startWorker } from "../../helpers/project.js";
import { RedisProcess } from "./redis-process.js";
import { restartDrill } from "./restart-drill.js";

// Redis killed (-9) and restarted under real worker processes. These tests own their
// redis-server (they kill it), so they need the binary, not just TASKLANE_REDIS_URL.
const hasRedisServer = spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;

const config = (url: string) => `
import { defineConfig, task } from "tasklane";
export const add = task((a: number, b: number) => a + b);
export default defineConfig({
  backends: { default: { backend: "redis", options: { url: ${JSON.stringify(url)}, prefix: "faults", heartbeatMs: 200 } } },
  tasks: { add },
});
`;

const servers: RedisProcess[] = [];
const projects: Project[] = [];
afterEach(async () => {
  for (const p of projects.splice(0)) await p.cleanup();
  for (const s of servers.splice(0)) await s.stop();
});

async function server(password?: string): Promise<RedisProcess> {
  const s = await RedisProcess.start({ password });
  servers.push(s);
  return s;
}

if (hasRedisServer || mustRunRedis) {
  describe("redis restarts", () => {
    it("kill -9 mid-drain, twice, 2 workers: nothing FAILED, nothing ran twice, every outage reported", async () => {
      const report = await restartDrill({
        tasks: 3000,
        restarts: 2,
        workers: 2,
        concurrency: 10,
        maxAttempts: 1,
        downMs: 1000,
        // Well above an outage (about 2 s with the restart), so every running task keeps its lock;
        // a fetch whose answer a restart cut off waits for this before it runs.
        lockDurationMs: 10_000,
        stalledIntervalMs: 500,
        timeoutMs: 120_000,
      });
      expect(report.failures).toEqual([]);
      expect(report.failed).toBe(0);
      expect(report.duplicates).toEqual([]);
      expect(report.neverRun).toBe(0);
      expect(report.succeeded).toBe(3000);
      // Each worker says so within a few seconds of the kill, and again once Redis is back.
      expect(report.lostAfterMs).toHaveLength(4);
      const seen = JSON.stringify({
        lost: report.lostAfterMs,
        restored: report.restoredAfterMs,
        errors: report.workerErrors,
      });
      for (const ms of report.lostAfterMs) expect(ms, seen).not.toBeNull();
      for (const ms of report.lostAfterMs) expect(ms as number).toBeLessThan(5000);
      for (const ms of report.restoredAfterMs) expect(ms).not.toBeNull();
      // The outage is the "lost" event's news, not a stream of connection errors.
      expect(report.workerErrors.filter((e) => /ECONNREFUSED|LOADING|Connection is closed/.test(e))).toEqual([]);
    }, 180_000);

    it("an idle worker reports the outage and its end, then runs what is enqueued after", async () => {
      const redis = await server("S3CR");
      const p = await makeProject(config(redis.url));
      projects.push(p);
      const worker = startWorker(p);
      await worker.waitFor((e) => e.event === "started");
      const killedAt = Date.now();
      await redis.kill();
      const lost = await worker.waitFor((e) => e.event === "connection" && e.state === "lost");
      expect(Date.parse(String(lost.ts)) - killedAt).toBeLessThan(5000);
      expect(lost.message).toMatch(/^Redis unreachable at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: .+; retrying$/);
      expect(JSON.stringify(worker.events)).not.toContain("S3CR");
      await redis.restart();
      const restored = await worker.waitFor((e) => e.event === "connection" && e.state === "restored");
      expect(restored.message).toMatch(/^Redis reachable again at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+$/);
      const result = await enqueue(p, "add", [2, 3]);
      await worker.waitFor((e) => e.event === "taskFinished" && e.id === result.id);
      await result.refresh();
      expect(result.returnValue).toBe(5);
      worker.proc.kill("SIGTERM");
      expect((await worker.proc).exitCode).toBe(0);
    }, 60_000);

    it("an enqueue while Redis is down fails fast with RedisUnavailableError naming the URL, password hidden", async () => {
      const redis = await server("S3CR");
      const p = await makeProject(config(redis.url));
      projects.push(p);
      await enqueue(p, "add", [1, 1]);
      await redis.kill();
      const started = performance.now();
      const error = await enqueue(p, "add", [1, 2]).catch((e: unknown) => e);
      expect(performance.now() - started).toBeLessThan(5000);
      // The config (and so the backend) loads through jiti: another copy of the class than ours.
      expect((error as Error).name).toBe(RedisUnavailableError.name);
      const message = (error as Error).message;
      // "unreachable" when the connection broke under the enqueue, "cannot connect" when it reopens.
      expect(message).toMatch(
        /^(Redis unreachable|cannot connect to Redis) at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: connect ECONNREFUSED/,
      );
      expect(message).toMatch(/check that Redis is running/);
      expect(message).not.toContain("S3CR");
      expect(message.split("\n")).toHaveLength(1);
      // Back again: the next enqueue reconnects.
      await redis.restart();
      expect((await enqueue(p, "add", [1, 3])).status).toBe("READY");
    }, 60_000);
  });
} else {
  describe.skip("redis restarts (no redis-server here)", () => {
    it("needs redis-server", () => {});
  });
}
