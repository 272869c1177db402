import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { deduplicationId } from "../../../src/backends/redis/unique.js";
import { mustRunRedis, provideRedis, redisAvailable, redisUrl } from "../../conformance/redis-server.js";
import { enqueue, runBatchWorker } from "../../helpers/project.js";
import { type RedisProject, redisProject } from "./redis-project.js";

// Unique tasks on Redis beyond the conformance suite: what a cancel, a failure, a retry and the
// end of a period do to a key held through BullMQ's deduplication, and where it differs from SQLite.

const opened: RedisProject[] = [];
afterEach(async () => {
  for (const made of opened.splice(0)) await made.cleanup();
});
async function project(): Promise<RedisProject> {
  const made = await redisProject();
  opened.push(made);
  return made;
}
async function cli(r: RedisProject, args: string[]): Promise<string> {
  const run = await r.cli(args);
  expect(run.exitCode, String(run.stderr)).toBe(0);
  return String(run.stdout);
}
/** The deduplication key holding a task's unique key in a queue (BullMQ's `de:` key). */
const heldKey = (r: RedisProject, queue: string, task: string, key: string) =>
  `${r.prefix}:${queue}:de:${deduplicationId(task, key)}`;

const ACTIVE = { unique: true };
const period = (periodMs: number) => ({ unique: { scope: { periodMs } } });

if (redisAvailable || mustRunRedis) {
  provideRedis();

  describe("redis unique tasks", () => {
    it("a cancelled READY task gives its key up; one held for a period keeps it", async () => {
      const r = await project();
      const active = await enqueue(r.p, "add", [1, 1], ACTIVE);
      const held = await enqueue(r.p, "add", [2, 2], period(60_000));
      await cli(r, ["cancel", active.id, held.id]);
      const afterActive = await enqueue(r.p, "add", [1, 1], ACTIVE);
      expect(afterActive.deduplicated).toBe(false);
      expect(afterActive.id).not.toBe(active.id);
      const afterHeld = await enqueue(r.p, "add", [2, 2], period(60_000));
      expect(afterHeld.deduplicated).toBe(true);
      expect(afterHeld.id).toBe(held.id);
      expect(afterHeld.status).toBe("CANCELLED");
    });

    it("a failure gives an active key up; a retry of the FAILED task does not take it back (as on SQLite)", async () => {
      const r = await project();
      const first = await enqueue(r.p, "fail", ["boom"], ACTIVE);
      expect((await runBatchWorker(r.p)).exitCode).toBe(0);
      await first.refresh();
      expect(first.status).toBe("FAILED");
      const second = await enqueue(r.p, "fail", ["boom"], ACTIVE);
      expect(second.deduplicated).toBe(false);
      await cli(r, ["retry", first.id]);
      const third = await enqueue(r.p, "fail", ["boom"], ACTIVE);
      expect(third.deduplicated).toBe(true);
      expect(third.id).toBe(second.id);
      // tasks why names the holder of the key the retried result no longer holds.
      const why = JSON.parse(await cli(r, ["why", first.id, "--json"])) as { reasons: { code: string }[] };
      expect(why.reasons.map((x) => x.code)).toContain("unique-held");
      expect((await runBatchWorker(r.p)).exitCode).toBe(0);
      await Promise.all([first.refresh(), second.refresh()]);
      expect([first.status, second.status]).toEqual(["FAILED", "FAILED"]);
      expect(first.attempts).toBe(2);
    });

    it("a period hold outlives its task and ends with its period", async () => {
      const r = await project();
      const client = new Redis(redisUrl());
      try {
        const first = await enqueue(r.p, "add", [3, 3], period(60_000));
        expect((await runBatchWorker(r.p)).exitCode).toBe(0);
        const again = await enqueue(r.p, "add", [3, 3], period(60_000));
        expect(again.deduplicated).toBe(true);
        expect(again.id).toBe(first.id);
        expect(again.status).toBe("SUCCEEDED");
        expect(await client.pttl(heldKey(r, "default", "add", "[3,3]"))).toBeGreaterThan(0);
        // The period is what ends a hold: once Redis has expired the key, the next enqueue stores.
        const short = await enqueue(r.p, "add", [5, 5], period(300));
        const key = heldKey(r, "default", "add", "[5,5]");
        const deadline = Date.now() + 10_000;
        while ((await client.exists(key)) === 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        const after = await enqueue(r.p, "add", [5, 5], period(300));
        expect(after.deduplicated).toBe(false);
        expect(after.id).not.toBe(short.id);
      } finally {
        client.disconnect();
      }
    });

    it("holds are per queue on Redis (BullMQ keeps deduplication keys per queue)", async () => {
      const r = await project();
      const onDefault = await enqueue(r.p, "add", [4, 4], ACTIVE);
      const onEmails = await enqueue(r.p, "add", [4, 4], { ...ACTIVE, queueName: "emails" });
      const again = await enqueue(r.p, "add", [4, 4], { ...ACTIVE, queueName: "emails" });
      expect(onEmails.deduplicated).toBe(false);
      expect(onEmails.id).not.toBe(onDefault.id);
      expect(again.id).toBe(onEmails.id);
      // The deduplicated enqueue left no index entry behind: listing shows the two stored ones.
      const listed = JSON.parse(await cli(r, ["results", "--task", "add", "--json"])) as { id: string }[];
      expect(listed.map((x) => x.id).sort()).toEqual([onDefault.id, onEmails.id].sort());
    });
  });
} else {
  describe.skip("redis unique tasks (no TASKLANE_REDIS_URL and no redis-server here)", () => {
    it("needs Redis", () => {});
  });
}
