import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listWorkers, WorkerRegistry } from "../../../src/backends/redis/registry.js";
import { mustRunRedis, provideRedis, redisAvailable, redisUrl, uniquePrefix } from "../../conformance/redis-server.js";

if (redisAvailable || mustRunRedis) {
  provideRedis();
  let worker: Redis;
  let other: Redis;
  beforeAll(() => {
    worker = new Redis(redisUrl());
    other = new Redis(redisUrl());
  });
  afterAll(() => {
    worker.disconnect();
    other.disconnect();
  });

  describe("redis worker registry", () => {
    it("data lost while a heartbeat is under way: the entry is never written back without the worker knowing", async () => {
      // Several rounds: each sends a heartbeat and, right behind it on another connection, the
      // loss of every key (what a Redis restart without persistence does), so Redis runs the
      // loss between the heartbeat's commands whenever the heartbeat takes more than one.
      for (let round = 0; round < 20; round++) {
        const key = `${uniquePrefix("reg")}::workers`;
        const registry = new WorkerRegistry(worker, key, 5000);
        await registry.register({
          id: "w-1",
          hostname: "host",
          pid: 1,
          queues: "default",
          startedAt: new Date(),
          tasks: ["add"],
        });
        let kept = 0;
        const keep = async () => {
          kept++;
        };
        const beat = registry.heartbeat("w-1", keep);
        const lost = other.del(key);
        const [first] = await Promise.all([beat, lost]);
        // The next heartbeat sees what the loss left. Either the beat ran wholly before the loss
        // (the next one finds the entry gone) or the loss came first (this one did): one of the two
        // registers again, keeping the worker's code first. Never is it listed with nobody knowing.
        const again = await registry.heartbeat("w-1", keep);
        const listed = (await listWorkers(worker, key)).map((w) => w.id);
        expect(listed).toEqual(["w-1"]);
        expect({ round, registeredAgain: [first, again].filter(Boolean).length, kept }).toEqual({
          round,
          registeredAgain: 1,
          kept: 1,
        });
        await worker.del(key);
      }
    });

    it("a heartbeat refreshes the entry; a stop marks it stopped", async () => {
      const key = `${uniquePrefix("reg")}::workers`;
      const registry = new WorkerRegistry(worker, key, 5000);
      const startedAt = new Date(Date.now() - 60_000);
      await registry.register({ id: "w-2", hostname: "h", pid: 7, queues: "a, b", startedAt, tasks: ["x"] });
      // Its last heartbeat a minute ago, as the entry says.
      const stale = JSON.parse((await worker.hget(key, "w-2")) as string) as { lastHeartbeatAt: number };
      const aMinuteAgo = Date.now() - 60_000;
      await worker.hset(key, "w-2", JSON.stringify({ ...stale, lastHeartbeatAt: aMinuteAgo }));
      expect(await registry.heartbeat("w-2")).toBe(false);
      const [after] = await listWorkers(worker, key);
      expect(after?.lastHeartbeatAt.getTime()).toBeGreaterThan(aMinuteAgo + 50_000);
      expect(after).toMatchObject({ id: "w-2", hostname: "h", pid: 7, queues: "a, b", startedAt, tasks: ["x"] });
      await registry.stopped("w-2");
      expect((await listWorkers(worker, key))[0]?.state).toBe("stopped");
      await worker.del(key);
    });
  });
} else {
  describe.skip("redis worker registry (no TASKLANE_REDIS_URL and no redis-server here)", () => {
    it("needs Redis", () => {});
  });
}
