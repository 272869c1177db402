import { hostname } from "node:os";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { tasks } from "../../helpers/cli.js";
import { makeProject, startWorker } from "../../helpers/project.js";
import { canRunOwnRedis, ownRedisProjects, redisConfig } from "./own-server.js";

// A server of its own: its eviction policy is changed, which other tests must not see.
const ownRedis = ownRedisProjects("check", ["default", "emails"]);
const config = (url: string) => redisConfig(url, "check", ["default", "emails"]);

if (canRunOwnRedis) {
  describe("tasks check on redis", () => {
    it("warns when Redis may evict keys (maxmemory-policy other than noeviction); exit 0", async () => {
      const { redis, dir } = await ownRedis();
      const clean = await tasks(["check"], { cwd: dir });
      expect({ code: clean.exitCode, out: clean.stdout }).toMatchObject({ code: 0 });
      expect(clean.stdout).toMatch(/System check identified no issues\./);

      const client = new Redis(redis.url);
      await client.config("SET", "maxmemory-policy", "allkeys-lru");
      await client.quit();
      const run = await tasks(["check"], { cwd: dir });
      expect(run.exitCode).toBe(0);
      expect(run.stdout.split("\n")).toContain(
        'tasklane.W005 [warning] backend "default" (redis): Redis may evict keys under memory pressure (maxmemory-policy allkeys-lru), and a task with them, without an error; set maxmemory-policy noeviction (redis.conf, or CONFIG SET maxmemory-policy noeviction) (hint: the backend works; this is a risk, not a failure)',
      );
    });

    it("every other command says it once per process, in one line naming the URL and the fix", async () => {
      // BullMQ printed its own line for each connection it made: 3 for tasks results, 5 for a
      // worker of two queues, naming neither the Redis nor the fix.
      const { redis, dir } = await ownRedis();
      const client = new Redis(redis.url);
      await client.config("SET", "maxmemory-policy", "allkeys-lru");
      await client.quit();
      const warning = `Warning: Redis at ${redis.url} may evict tasks under memory pressure (maxmemory-policy allkeys-lru); run CONFIG SET maxmemory-policy noeviction on it (and set it in redis.conf)`;
      for (const args of [
        ["enqueue", "add", "1", "2"],
        ["worker", "--batch", "--no-startup-delay", "--queue", "default", "--queue", "emails"],
        ["results"],
        ["errors"],
      ]) {
        const run = await tasks(args, { cwd: dir });
        expect({ args, code: run.exitCode, stderr: run.stderr.split("\n") }).toEqual({
          args,
          code: 0,
          stderr: [warning],
        });
        if (args[0] === "worker") expect(run.stdout).toMatch(/add SUCCEEDED/);
      }
    });

    it("warns when a running worker on the prefix runs a config with other tasks (W007); exit 0", async () => {
      const { redis, dir } = await ownRedis();
      // Another app on the same prefix: it declares mul as well.
      const other = await makeProject(
        config(redis.url)
          .replace("export const add", "export const mul = task((a: number, b: number) => a * b);\nexport const add")
          .replace("tasks: { add }", "tasks: { add, mul }"),
      );
      const worker = startWorker(other);
      try {
        const started = await worker.waitFor((e) => e.event === "started");
        const run = await tasks(["check"], { cwd: dir });
        expect(run.exitCode).toBe(0);
        expect(run.stdout.split("\n")).toContain(
          `tasklane.W007 [warning] backend "default" (redis): worker ${started.workerId} (${hostname()}, pid ${started.pid}) runs a config with tasks this config does not declare (mul): another app (or another version of this one) uses the same storage, and a worker fails a task it does not know (TaskNotFound); give each app its own storage (a redis prefix of its own) (hint: during a rolling deploy this passes once every worker runs the new config)`,
        );
        // Its own config declares what it runs.
        const same = await tasks(["check", "--config", other.configPath], { cwd: other.dir });
        expect({ code: same.exitCode, out: same.stdout }).toMatchObject({
          code: 0,
          out: expect.not.stringContaining("W007"),
        });
        worker.proc.kill("SIGTERM");
        expect((await worker.proc).exitCode).toBe(0);
        // A stopped worker takes nothing.
        const after = await tasks(["check"], { cwd: dir });
        expect(after.stdout).not.toContain("W007");
      } finally {
        worker.proc.kill("SIGKILL");
        await other.cleanup();
      }
    });
  });
}
