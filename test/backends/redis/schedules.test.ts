import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import type { RedisBackend } from "../../../src/backends/redis/backend.js";
import { tickId } from "../../../src/backends/redis/schedules.js";
import { readyRecord } from "../../../src/contract/records.js";
import type { ScheduleSpec } from "../../../src/contract/schedules.js";
import { SHARED_TASK_NAMES, SHARED_TASKS } from "../../../src/testing/task-source.js";
import { scheduleSpec } from "../../../src/worker/scheduler.js";
import { mustRunRedis, provideRedis, redisAvailable, redisUrl, uniquePrefix } from "../../conformance/redis-server.js";
import { makeProject, type Project, startWorker, type WorkerProcess } from "../../helpers/project.js";
import { loseData } from "./lose-data.js";

// Schedules on Redis beyond the conformance suite: the tick's id is what makes its job unique,
// so workers racing for one tick, and a worker that died between storing a tick and advancing
// the schedule, still leave one job per tick and report it once.

const projects: Project[] = [];
afterEach(async () => {
  for (const p of projects.splice(0)) await p.cleanup();
});

async function project(prefix: string, schedules: string): Promise<Project> {
  const p = await makeProject(`${SHARED_TASKS}
export default defineConfig({
  backends: { default: { backend: "redis", queues: ["default", "emails"], options: { url: ${JSON.stringify(redisUrl())}, prefix: "${prefix}" } } },
  tasks: { ${SHARED_TASK_NAMES} },
  schedules: ${schedules},
});
`);
  projects.push(p);
  return p;
}

async function specs(p: Project): Promise<ScheduleSpec[]> {
  return Promise.all([...p.config.schedules.values()].map(scheduleSpec));
}

/** The next run of `record` the worker reports from now on. */
function nextRecordRun(worker: WorkerProcess): Promise<unknown> {
  const seen = worker.events.length;
  return worker.waitFor(
    (e) => e.event === "taskFinished" && e.taskName === "record" && worker.events.indexOf(e) >= seen,
  );
}

const HOURLY = `{ hourly: { task: record, cron: "0 * * * *", args: ["hourly"], timezone: "UTC", catchUp: "all", catchUpLimit: 3 } }`;

if (redisAvailable || mustRunRedis) {
  provideRedis();

  describe("redis schedules", () => {
    it("a tick's id is a UUIDv7 of the tick's time, the same for every worker", () => {
      const tick = new Date("2026-01-01T05:00:00Z");
      const id = tickId("hourly", tick);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBe(tick.getTime());
      expect(tickId("hourly", tick)).toBe(id);
      expect(tickId("daily", tick)).not.toBe(id);
      expect(tickId("hourly", new Date(tick.getTime() + 3_600_000))).not.toBe(id);
    });

    it("two workers firing the same ticks at once: each tick stored once and reported by one of them", async () => {
      const prefix = uniquePrefix("sched");
      const [a, b] = [await project(prefix, HOURLY), await project(prefix, HOURLY)];
      const storeA = (await a.config.getBackend("default")).schedules();
      const storeB = (await b.config.getBackend("default")).schedules();
      if (!storeA?.fire || !storeB?.fire) throw new Error("redis schedules must fire");
      const all = await specs(a);
      await storeA.sync(all, new Date("2026-01-01T00:30:00Z"));
      const at = new Date("2026-01-01T05:20:00Z");
      const [firedA, firedB] = await Promise.all([storeA.fire(all, at), storeB.fire(all, at)]);
      const fired = [...firedA, ...firedB];
      expect(fired.map((f) => f.tick.toISOString()).sort()).toEqual([
        "2026-01-01T03:00:00.000Z",
        "2026-01-01T04:00:00.000Z",
        "2026-01-01T05:00:00.000Z",
      ]);
      expect(firedA.length === 0 || firedB.length === 0).toBe(true);
      const page = await (await a.config.getBackend("default"))
        .management()
        ?.listResults({ taskNames: ["record"], limit: 10 });
      expect(page?.results.map((r) => r.id).sort()).toEqual(fired.map((f) => f.record.id).sort());
    });

    it("a worker that stored a tick and died before advancing: the next fire stores no second job", async () => {
      const prefix = uniquePrefix("sched");
      const p = await project(prefix, HOURLY);
      const backend = (await p.config.getBackend("default")) as RedisBackend;
      const store = backend.schedules();
      if (!store.fire) throw new Error("redis schedules must fire");
      const all = await specs(p);
      await store.sync(all, new Date("2026-01-01T00:30:00Z"));
      const tick = new Date("2026-01-01T01:00:00Z");
      const [spec] = all;
      const request = { ...(spec as ScheduleSpec).request, runAfter: tick };
      const now = new Date("2026-01-01T01:00:01Z");
      // What the dead worker stored: the tick's task, under the tick's id; the schedule not advanced.
      await backend.storeRecords(
        [{ ...readyRecord("default", request, now), id: tickId("hourly", tick) }],
        [request],
        now,
      );
      const fired = await store.fire(all, now);
      expect(fired.map((f) => f.record.id)).toEqual([tickId("hourly", tick)]);
      const client = new Redis(redisUrl());
      try {
        expect(await client.zcard(`${prefix}:default:prioritized`)).toBe(1);
      } finally {
        client.disconnect();
      }
      expect((await store.list())[0]?.nextTick?.toISOString()).toBe("2026-01-01T02:00:00.000Z");
    });

    it("a running worker whose schedule rows were lost with Redis's data stores them again and keeps firing", async () => {
      const prefix = uniquePrefix("sched");
      const p = await project(prefix, `{ everySecond: { task: record, cron: "* * * * * *", args: ["second"] } }`);
      const worker = startWorker(p);
      try {
        await nextRecordRun(worker);
        await loseData(prefix);
        await nextRecordRun(worker);
        const store = (await p.config.getBackend("default")).schedules();
        expect((await store?.list())?.map((info) => info.name)).toEqual(["everySecond"]);
      } finally {
        worker.proc.kill("SIGTERM");
        expect((await worker.proc).exitCode).toBe(0);
      }
    }, 20_000);

    /** An hourly schedule's store on a new prefix, and the specs a worker would sync and fire. */
    const hourly = async () => {
      const prefix = uniquePrefix("sched");
      const p = await project(prefix, HOURLY);
      const store = ((await p.config.getBackend("default")) as RedisBackend).schedules();
      if (!store.fire) throw new Error("redis schedules must fire");
      return { prefix, store: store as typeof store & { fire: NonNullable<typeof store.fire> }, all: await specs(p) };
    };

    it("a schedule a sync removed is not stored again by a worker still firing it", async () => {
      const { store, all } = await hourly();
      await store.sync(all, new Date("2026-01-01T00:30:00Z"));
      await store.sync([], new Date("2026-01-01T00:40:00Z"));
      expect(await store.fire(all, new Date("2026-01-01T01:00:01Z"))).toEqual([]);
      expect(await store.list()).toEqual([]);
      // Added back by a later sync: it fires again.
      await store.sync(all, new Date("2026-01-01T01:30:00Z"));
      const fired = await store.fire(all, new Date("2026-01-01T02:00:01Z"));
      expect(fired.map((f) => f.tick.toISOString())).toEqual(["2026-01-01T02:00:00.000Z"]);
    });

    it("a row lost with the data is stored again from the tick the worker woke for", async () => {
      const { prefix, store, all } = await hourly();
      await store.sync(all, new Date("2026-01-01T00:30:00Z"));
      await loseData(prefix);
      const fired = await store.fire(all, new Date("2026-01-01T01:00:01Z"));
      expect(fired.map((f) => f.tick.toISOString())).toEqual(["2026-01-01T01:00:00.000Z"]);
      expect((await store.list())[0]?.nextTick?.toISOString()).toBe("2026-01-01T02:00:00.000Z");
    });
  });
} else {
  describe.skip("redis schedules (no TASKLANE_REDIS_URL and no redis-server here)", () => {
    it("needs Redis", () => {});
  });
}
