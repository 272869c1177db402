import { spawnSync } from "node:child_process";
import { afterEach } from "vitest";
import { mustRunRedis } from "../../conformance/redis-server.js";
import { tempDir, write } from "../../helpers/cli.js";
import { RedisProcess } from "./redis-process.js";

/** Whether these tests can start a redis-server of their own (CI always can). */
export const canRunOwnRedis =
  mustRunRedis || spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;

/** A config of one `add` task on the redis at `url`, under `prefix`. */
export function redisConfig(url: string, prefix: string, queues: string[] = ["default"]): string {
  return `
import { defineConfig, task } from "tasklane";
export const add = task((a: number, b: number) => a + b);
export default defineConfig({
  backends: { default: { backend: "redis", queues: ${JSON.stringify(queues)}, options: { url: ${JSON.stringify(url)}, prefix: ${JSON.stringify(prefix)} } } },
  tasks: { add },
});
`;
}

/**
 * For tests that change a server's settings (eviction policy, maxmemory), which other tests must
 * not see: each call of the returned function starts a redis-server of its own and writes a
 * project folder whose tasks.config.ts uses it; both go after the test. Call at the top level.
 */
export function ownRedisProjects(
  prefix: string,
  queues?: string[],
): () => Promise<{ redis: RedisProcess; dir: string }> {
  const made: { redis: RedisProcess; cleanup: () => void }[] = [];
  afterEach(async () => {
    for (const { redis, cleanup } of made.splice(0)) {
      cleanup();
      await redis.stop();
    }
  });
  return async () => {
    const redis = await RedisProcess.start({ persist: false });
    const folder = tempDir();
    made.push({ redis, cleanup: folder.cleanup });
    write(folder.dir, "tasks.config.ts", redisConfig(redis.url, prefix, queues));
    return { redis, dir: folder.dir };
  };
}
