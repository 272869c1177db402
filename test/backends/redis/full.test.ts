import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { tasks } from "../../helpers/cli.js";
import { canRunOwnRedis, ownRedisProjects } from "./own-server.js";

// A server of its own: it is made full (maxmemory below what it uses, noeviction), which other
// tests must not see. The worker registers in a MULTI, which Redis then aborts (EXECABORT): the
// message must say why, out of memory, not only that the transaction was discarded.
const ownRedis = ownRedisProjects("full");

if (canRunOwnRedis) {
  describe("redis out of memory", () => {
    it("tasks worker on a full Redis exits 1 with the OOM reason in one line", async () => {
      const { redis, dir } = await ownRedis();
      const client = new Redis(redis.url);
      try {
        await client.config("SET", "maxmemory-policy", "noeviction");
        await client.config("SET", "maxmemory", "1");
        const run = await tasks(["worker", "--no-startup-delay"], { cwd: dir });
        expect(run.exitCode).toBe(1);
        expect(run.stderr.trim().split("\n")).toEqual([
          `Error: Redis at ${redis.url} refused a command: OOM command not allowed when used memory > 'maxmemory'; Redis is full: raise its maxmemory, or free memory (tasks prune, or a retention on the backend)`,
        ]);
      } finally {
        await client.config("SET", "maxmemory", "0");
        client.disconnect();
      }
    });
  });
}
