import { spawnSync } from "node:child_process";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { mustRunRedis } from "../../conformance/redis-server.js";
import { tasks, tempDir, write } from "../../helpers/cli.js";
import { RedisProcess } from "./redis-process.js";

// A server of its own: it is made full (maxmemory below what it uses, noeviction), which other
// tests must not see. The worker registers in a MULTI, which Redis then aborts (EXECABORT): the
// message must say why, out of memory, not only that the transaction was discarded.

const hasRedisServer = spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;

const config = (url: string) => `
import { defineConfig, task } from "tasklane";
export const add = task((a: number, b: number) => a + b);
export default defineConfig({
  backends: { default: { backend: "redis", options: { url: ${JSON.stringify(url)}, prefix: "full" } } },
  tasks: { add },
});
`;

let redis: RedisProcess | undefined;
let folder: { dir: string; cleanup: () => void } | undefined;
afterEach(async () => {
  folder?.cleanup();
  await redis?.stop();
});

if (hasRedisServer || mustRunRedis) {
  describe("redis out of memory", () => {
    it("tasks worker on a full Redis exits 1 with the OOM reason in one line", async () => {
      redis = await RedisProcess.start({ persist: false });
      folder = tempDir();
      write(folder.dir, "tasks.config.ts", config(redis.url));
      const client = new Redis(redis.url);
      try {
        await client.config("SET", "maxmemory-policy", "noeviction");
        await client.config("SET", "maxmemory", "1");
        const run = await tasks(["worker", "--no-startup-delay"], { cwd: folder.dir });
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
