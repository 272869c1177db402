import type { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { newResultId } from "../../../src/core/ids.js";
import { mustRunRedis, provideRedis, redisAvailable, redisUrl } from "../../conformance/redis-server.js";
import { enqueue, runBatchWorker } from "../../helpers/project.js";
import { type RedisProject, redisProject } from "./redis-project.js";

// Data written by the previous tasklane release stays readable: its jobs stored their id and
// timestamp in BullMQ's opts and a start time with every start marker, and its id index was one
// sorted set (`<prefix>::index`, where an enqueue still writes first). Here such data is written as that release wrote it, next to new
// tasks, and read, run and pruned by this one.

const opened: RedisProject[] = [];
afterEach(async () => {
  for (const made of opened.splice(0)) await made.cleanup();
});

/** Enqueues `add(a, b)` the way the previous release did (BullMQ opts and index entry). */
async function oldEnqueue(r: RedisProject, client: Redis, queue: Queue, args: [number, number]): Promise<string> {
  const id = newResultId();
  const now = Date.now();
  await client.zadd(`${r.prefix}::index`, 0, `${id} default`);
  await client.sadd(`${r.prefix}::queues`, "default");
  await queue.add("add", { args }, { jobId: id, priority: 101, timestamp: now });
  return id;
}

if (redisAvailable || mustRunRedis) {
  provideRedis();

  describe("redis: data written by the previous release", () => {
    it("old results are found, listed in order with new ones, run, shown and pruned", async () => {
      const r = await redisProject();
      opened.push(r);
      const client = new Redis(redisUrl());
      try {
        const queue = r.queue("default");
        const oldFirst = await oldEnqueue(r, client, queue, [1, 2]);
        const fresh = await enqueue(r.p, "add", [3, 4]);
        const oldLast = await oldEnqueue(r, client, queue, [5, 6]);
        const backend = await r.p.config.getBackend("default");
        expect((await backend.getResult(oldFirst)).status).toBe("READY");

        const listed = JSON.parse(String((await r.cli(["results", "--json"])).stdout)) as { id: string }[];
        expect(listed.map((x) => x.id)).toEqual([oldLast, fresh.id, oldFirst]);

        expect((await runBatchWorker(r.p)).exitCode).toBe(0);
        const done = await backend.getResult(oldLast);
        expect(done.status).toBe("SUCCEEDED");
        expect(done.returnValue).toBe(11);
        expect(done.startedAt).not.toBeNull();
        const shown = await r.cli(["show", oldFirst.slice(-12)]);
        expect(shown.exitCode, String(shown.stderr)).toBe(0);
        expect(String(shown.stdout)).toMatch(/SUCCEEDED/);

        const pruned = await backend.management()?.prune({
          finishedBefore: new Date(Date.now() + 60_000),
          failedFinishedBefore: new Date(Date.now() + 60_000),
        });
        expect(pruned).toBe(3);
        expect(await client.exists(`${r.prefix}::index`)).toBe(0);
        expect(await client.exists(`${r.prefix}::ids`)).toBe(0);
        const after = JSON.parse(String((await r.cli(["results", "--json"])).stdout)) as unknown[];
        expect(after).toEqual([]);
      } finally {
        client.disconnect();
      }
    });

    it("a new result is stored lean: no id or timestamp copies in its options, a one-letter start marker, a worker code", async () => {
      const r = await redisProject();
      opened.push(r);
      const client = new Redis(redisUrl());
      try {
        const done = await enqueue(r.p, "add", [1, 2]);
        const failed = await enqueue(r.p, "fail", ["no"]);
        expect((await runBatchWorker(r.p, ["--worker-id", "host-1234-abcdef"])).exitCode).toBe(0);
        const job = await client.hgetall(`${r.prefix}:default:${done.id}`);
        expect(JSON.parse(job.opts as string)).toEqual({ priority: 101, attempts: 0 });
        expect(JSON.parse(job.data as string)).toEqual({ args: [1, 2], s: 1 });
        expect(job.pb).toMatch(/^~[0-9a-z]+$/);
        expect(await client.hget(`${r.prefix}::worker-names`, job.pb as string)).toBe("host-1234-abcdef");
        expect(await client.object("ENCODING", `${r.prefix}:default:${done.id}`)).toBe("listpack");
        await Promise.all([done.refresh(), failed.refresh()]);
        expect(done.workerIds).toEqual(["host-1234-abcdef"]);
        expect(failed.workerIds).toEqual(["host-1234-abcdef"]);
        // The same worker id gets the same code again.
        const again = await enqueue(r.p, "add", [3, 4]);
        expect((await runBatchWorker(r.p, ["--worker-id", "host-1234-abcdef"])).exitCode).toBe(0);
        expect(await client.hget(`${r.prefix}:default:${again.id}`, "pb")).toBe(job.pb);
      } finally {
        client.disconnect();
      }
    });
  });
} else {
  describe.skip("redis: data written by the previous release (no TASKLANE_REDIS_URL and no redis-server here)", () => {
    it("needs Redis", () => {});
  });
}
