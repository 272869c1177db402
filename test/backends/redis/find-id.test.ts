import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { compactIndex } from "../../../src/backends/redis/id-index.js";
import { ownKeys } from "../../../src/backends/redis/own-keys.js";
import { newResultId } from "../../../src/core/ids.js";
import type { TaskResult } from "../../../src/core/result.js";
import { mustRunRedis, provideRedis, redisAvailable, redisUrl } from "../../conformance/redis-server.js";
import { enqueue } from "../../helpers/project.js";
import { type RedisProject, redisProject } from "./redis-project.js";

// `tasks show/cancel/retry/why <id>` with a whole id look it up in the id index; only a fragment
// walks the index (ZRANGEBYLEX over the buckets' starts, ZSCAN of the index set). The walk is
// O(n): 1,000 whole ids on a 44,000-task store took 41 s. Redis's MONITOR shows which ran.

const made: RedisProject[] = [];
afterEach(async () => {
  for (const rp of made.splice(0)) await rp.cleanup();
});

/** The commands Redis ran while `fn` ran (MONITOR, closed by a marker this test sends after it). */
async function commandsDuring(fn: () => Promise<void>): Promise<string[][]> {
  const monitor = await new Redis(redisUrl()).monitor();
  const seen: string[][] = [];
  const marker = `find-id-${newResultId()}`;
  const done = new Promise<void>((resolve) => {
    monitor.on("monitor", (_time: string, args: string[]) => {
      if (args[0]?.toLowerCase() === "echo" && args[1] === marker) resolve();
      else seen.push(args);
    });
  });
  const client = new Redis(redisUrl());
  try {
    await fn();
    await client.echo(marker);
    await done;
    return seen;
  } finally {
    client.disconnect();
    monitor.disconnect();
  }
}

/** The index walk among these commands (every bucket read whole, the index set scanned): what a whole id must never cost. */
const walks = (rp: RedisProject, commands: string[][]) =>
  commands.filter(
    ([name, key, ...rest]) =>
      (name?.toLowerCase() === "zscan" && key === `${rp.prefix}::index`) ||
      (name?.toLowerCase() === "zrange" && key?.startsWith(`${rp.prefix}::ids:`) && rest.join(" ") === "0 -1"),
  );

/** Two tasks, the first moved into a bucket (as workers do), the second still in the index set. */
async function twoTasks(rp: RedisProject): Promise<[TaskResult, TaskResult]> {
  const a = await enqueue(rp.p, "add", [1, 2]);
  const client = new Redis(redisUrl());
  try {
    expect(await compactIndex(client, ownKeys(rp.prefix))).toBe(1);
  } finally {
    client.disconnect();
  }
  return [a, await enqueue(rp.p, "add", [3, 4])];
}

if (redisAvailable || mustRunRedis) {
  provideRedis();

  describe("redis: a whole id is looked up, not searched for", () => {
    it("tasks show <whole id> finds it without walking the index; an unknown one is not found", async () => {
      const rp = await redisProject(null);
      made.push(rp);
      const [a] = await twoTasks(rp);
      const id = a.id;
      const unknown = newResultId();
      const runs: {
        show: Awaited<ReturnType<RedisProject["cli"]>>;
        missing: Awaited<ReturnType<RedisProject["cli"]>>;
      }[] = [];
      const commands = await commandsDuring(async () => {
        runs.push({ show: await rp.cli(["show", id]), missing: await rp.cli(["show", unknown]) });
      });
      const [{ show, missing }] = runs as [(typeof runs)[number]];
      expect(show.exitCode, show.stderr).toBe(0);
      expect(show.stdout).toContain(id);
      expect(missing.exitCode).not.toBe(0);
      expect(missing.stderr.trim().split("\n")).toEqual([`Error: no task result with an id matching "${unknown}"`]);
      expect(walks(rp, commands)).toEqual([]);
    });

    it("a fragment of an id (the end `results` shows) is still found, by walking the index", async () => {
      const rp = await redisProject(null);
      made.push(rp);
      const [a] = await twoTasks(rp);
      let show: Awaited<ReturnType<RedisProject["cli"]>> | undefined;
      const commands = await commandsDuring(async () => {
        show = await rp.cli(["show", a.id.slice(-12)]);
      });
      expect(show?.exitCode, show?.stderr).toBe(0);
      expect(show?.stdout).toContain(a.id);
      expect(walks(rp, commands).length).toBeGreaterThan(0);
    });
  });
} else {
  describe.skip("redis: a whole id is looked up (no TASKLANE_REDIS_URL and no redis-server here)", () => {
    it("needs Redis", () => {});
  });
}
