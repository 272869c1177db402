import { describe, expect, it, type TestContext } from "vitest";
import type { FiredTick, ScheduleSpec, ScheduleStore } from "../contract/schedules.js";
import { scheduleSpec } from "../worker/scheduler.js";
import { tasks } from "./cli.js";
import { BLOCK, type ConformanceTarget, type Suite } from "./context.js";
import { makeProject, type Project, startWorker, type WorkerProcess } from "./project.js";
import { SHARED_TASK_NAMES, SHARED_TASKS } from "./task-source.js";

/** Logs "<id> tick <label> <runAfter ms> <pid>": runAfter is the tick the run belongs to. */
const TICK_TASK = `
export const tick = task({ takesContext: true }, (context: TaskContext, label: string) => {
  log(context.taskResult.id + " tick " + label + " " + context.taskResult.runAfter?.getTime() + " " + process.pid);
  return label;
});
`;

let counter = 0;

/** A config of the suite's tasks plus `tick`, on the target's backend, with these schedules (source text). */
function scheduleConfig(target: ConformanceTarget, schedules: string): string {
  const unique = `${target.name}-sched-${process.pid}-${Date.now().toString(36)}-${counter++}`;
  const entry = target.backend({ unique }).trim();
  const withQueues = `${entry.slice(0, -1).replace(/,\s*$/, "")}, queues: ["default", "emails"] }`;
  return `${SHARED_TASKS}
${target.imports ?? ""}
${TICK_TASK}
export default defineConfig({
  backends: { default: ${withQueues} },
  tasks: { ${SHARED_TASK_NAMES}, tick },
  schedules: ${schedules},
});
`;
}

/** Runs `fn` on a fresh project with these schedules; skips when the backend cannot run schedules. */
async function withSchedules(
  s: Suite,
  context: TestContext,
  schedules: string,
  fn: (project: Project, store: ScheduleStore) => Promise<void>,
): Promise<void> {
  const project = await makeProject(scheduleConfig(s.target, schedules));
  try {
    const store = (await project.config.getBackend("default")).schedules();
    if (!store) context.skip();
    else await fn(project, store);
  } finally {
    await project.cleanup();
  }
}

async function specs(project: Project): Promise<Map<string, ScheduleSpec>> {
  const out = new Map<string, ScheduleSpec>();
  for (const entry of project.config.schedules.values()) out.set(entry.name, await scheduleSpec(entry));
  return out;
}

function specOf(all: Map<string, ScheduleSpec>, name: string): ScheduleSpec {
  const spec = all.get(name);
  if (!spec) throw new Error(`no schedule ${name}`);
  return spec;
}

const ticksOf = (fired: FiredTick[], name: string) =>
  fired.filter((f) => f.schedule === name).map((f) => f.tick.toISOString());

/** The runs tick tasks logged: result id, label, tick (ms). */
function tickRuns(project: Project): { id: string; label: string; tick: number }[] {
  return project
    .runs()
    .map((line) => line.split(" "))
    .filter((parts) => parts[1] === "tick")
    .map(([id, , label, tick]) => ({ id: id as string, label: label as string, tick: Number(tick) }));
}

/**
 * Schedules (cron), run by the ordinary workers: each tick enqueued exactly once however many
 * run, catch-up after downtime, DST, removal. The parts that drive a ScheduleStore's `fire`
 * directly (at chosen moments) apply to backends whose workers fire ticks.
 */
export function scheduleTests(s: Suite): void {
  if (!s.target.runsWorker) return;
  const name = s.target.name;

  describe(`${name}: schedules`, BLOCK, () => {
    it("3 workers and an every-second schedule for 10 s: every tick is enqueued and run exactly once", async (context) => {
      const schedules = `{ everySecond: { task: tick, cron: "* * * * * *", args: ["second"], catchUp: "all" } }`;
      await withSchedules(s, context, schedules, async (project) => {
        const workers: WorkerProcess[] = Array.from({ length: 3 }, () => startWorker(project));
        await Promise.all(workers.map((w) => w.waitFor((e) => e.event === "started")));
        // The schedule's own pace is what is tested: 10 s of ticks with every worker up.
        await new Promise((resolve) => setTimeout(resolve, 10_000));
        for (const w of workers) w.proc.kill("SIGTERM");
        for (const exited of await Promise.all(workers.map((w) => w.proc))) {
          expect(exited.exitCode, String(exited.stderr)).toBe(0);
        }
        const runs = tickRuns(project);
        const ticks = runs.map((r) => r.tick).sort((a, b) => a - b);
        expect(ticks.length).toBeGreaterThanOrEqual(9);
        expect(new Set(ticks).size, "a tick ran twice").toBe(ticks.length);
        expect(new Set(runs.map((r) => r.id)).size, "a task ran twice").toBe(runs.length);
        for (let i = 1; i < ticks.length; i++) expect((ticks[i] as number) - (ticks[i - 1] as number)).toBe(1000);
        if (s.target.management) {
          const page = await (await project.config.getBackend("default"))
            .management()
            ?.listResults({ taskNames: ["tick"], limit: 100 });
          const stored = page?.results ?? [];
          // A tick enqueued as the workers stopped may still wait: never twice, never lost.
          expect(stored.length).toBeGreaterThanOrEqual(runs.length);
          expect(new Set(stored.map((r) => r.runAfter?.getTime())).size).toBe(stored.length);
          expect(stored.every((r) => r.schedule === "everySecond")).toBe(true);
        }
      });
    });

    it("after downtime: catchUp latest enqueues one run, all each missed tick up to catchUpLimit, none skips them", async (context) => {
      const schedules = `{
        latest: { task: tick, cron: "0 * * * *", args: ["latest"], timezone: "UTC" },
        all: { task: tick, cron: "0 * * * *", args: ["all"], timezone: "UTC", catchUp: "all", catchUpLimit: 3 },
        none: { task: tick, cron: "0 * * * *", args: ["none"], timezone: "UTC", catchUp: "none" },
      }`;
      await withSchedules(s, context, schedules, async (project, store) => {
        const fire = store.fire;
        if (!fire) return context.skip();
        const all = [...(await specs(project)).values()];
        await store.sync(all, new Date("2026-01-01T00:30:00Z"));
        // Nobody ran from 00:30 to 05:20: ticks 01:00 … 05:00 were missed, 05:00 by 20 minutes.
        const late = await fire.call(store, all, new Date("2026-01-01T05:20:00Z"));
        expect(ticksOf(late, "latest")).toEqual(["2026-01-01T05:00:00.000Z"]);
        expect(ticksOf(late, "all")).toEqual([
          "2026-01-01T03:00:00.000Z",
          "2026-01-01T04:00:00.000Z",
          "2026-01-01T05:00:00.000Z",
        ]);
        expect(ticksOf(late, "none")).toEqual([]);
        for (const f of late) {
          expect(f.record.schedule).toBe(f.schedule);
          expect(f.record.runAfter?.toISOString()).toBe(f.tick.toISOString());
          expect(f.record.status).toBe("READY");
        }
        // The same moment again (another worker): nothing left to enqueue.
        expect(await fire.call(store, all, new Date("2026-01-01T05:20:00Z"))).toEqual([]);
        // A tick enqueued 30 s after it is on time, for every catchUp.
        const onTime = await fire.call(store, all, new Date("2026-01-01T06:00:30Z"));
        for (const n of ["latest", "all", "none"]) expect(ticksOf(onTime, n)).toEqual(["2026-01-01T06:00:00.000Z"]);
        const listed = new Map((await store.list()).map((info) => [info.name, info]));
        expect(listed.get("latest")?.lastTick?.toISOString()).toBe("2026-01-01T06:00:00.000Z");
        expect(listed.get("none")?.nextTick?.toISOString()).toBe("2026-01-01T07:00:00.000Z");
      });
    });

    it("a 02:30 Europe/Paris schedule runs once on the spring-forward day and once on the fall-back day", async (context) => {
      const schedules = `{ paris: { task: tick, cron: "30 2 * * *", args: ["paris"], timezone: "Europe/Paris" } }`;
      await withSchedules(s, context, schedules, async (project, store) => {
        const fire = store.fire;
        if (!fire) return context.skip();
        const paris = [specOf(await specs(project), "paris")];
        // A worker looking every minute through each night (the tick is missed by none of them).
        for (const [from, day] of [
          ["2026-03-28T21:00:00Z", "2026-03-29"],
          ["2026-10-24T21:00:00Z", "2026-10-25"],
        ] as const) {
          const start = new Date(from).getTime();
          // Added afresh each night (a removed schedule forgets its ticks), so months of
          // downtime between the two nights are not caught up.
          await store.sync([], new Date(start));
          await store.sync(paris, new Date(start));
          const fired: FiredTick[] = [];
          for (let minute = 1; minute <= 8 * 60; minute++) {
            fired.push(...(await fire.call(store, paris, new Date(start + minute * 60_000))));
          }
          expect(fired, `${day}: ${ticksOf(fired, "paris").join(", ")}`).toHaveLength(1);
          const local = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Paris", dateStyle: "short" });
          expect(local.format(fired[0]?.tick)).toBe(day);
        }
      });
    });

    it("a schedule removed from the config stops: its stored row goes and no tick of it is enqueued; a changed expression starts from now", async (context) => {
      const schedules = `{
        kept: { task: tick, cron: "0 * * * *", args: ["kept"], timezone: "UTC" },
        removed: { task: tick, cron: "0 * * * *", args: ["removed"], timezone: "UTC" },
        halfPast: { task: tick, cron: "30 * * * *", args: ["halfPast"], timezone: "UTC" },
      }`;
      await withSchedules(s, context, schedules, async (project, store) => {
        const fire = store.fire;
        if (!fire) return context.skip();
        const all = await specs(project);
        const kept = specOf(all, "kept");
        const removed = specOf(all, "removed");
        await store.sync([kept, removed], new Date("2026-01-01T00:10:00Z"));
        // The config loses "removed": every worker's sync drops it, and a worker still running
        // the old config cannot fire it any more.
        await store.sync([kept], new Date("2026-01-01T00:20:00Z"));
        expect((await store.list()).map((info) => info.name)).toEqual(["kept"]);
        const fired = await fire.call(store, [kept, removed], new Date("2026-01-01T01:00:05Z"));
        expect(fired.map((f) => f.schedule)).toEqual(["kept"]);
        // "kept" now says 30 * * * *: its next tick counts from the sync, not from the old one.
        const changed = { ...specOf(all, "halfPast"), name: "kept" };
        await store.sync([changed], new Date("2026-01-01T01:40:00Z"));
        const [info] = await store.list();
        expect(info?.cron).toBe("30 * * * *");
        expect(info?.nextTick?.toISOString()).toBe("2026-01-01T02:30:00.000Z");
        expect(info?.lastTick?.toISOString()).toBe("2026-01-01T01:00:00.000Z");
      });
    });

    it("no timezone: workers in different zones read one schedule one way, in the local zone of the worker that stored it", async (context) => {
      // 09:00 in Tokyo (UTC+9) is 00:00 UTC. Before, the row kept the Tokyo worker's next tick
      // while a UTC worker woke at its own (09:00 UTC) and found nothing due from then: that
      // tick was skipped, and `tasks schedules` said no worker was running.
      const schedules = `{ zoned: { task: tick, cron: "0 9 * * *", args: ["zoned"] } }`;
      await withSchedules(s, context, schedules, async (project, store) => {
        const fire = store.fire;
        if (!fire) return context.skip();
        const batch = (zone: string) =>
          tasks(["worker", "--batch", "--json", "--no-startup-delay", "--config", project.configPath], {
            cwd: project.dir,
            env: { TZ: zone, TASKLANE_TEST_DIR: project.dir },
          }).then((run) => expect(run.exitCode, String(run.stderr)).toBe(0));
        await batch("Asia/Tokyo");
        const [stored] = await store.list();
        expect(stored?.timezone).toBe("local:Asia/Tokyo");
        expect(stored?.nextTick?.getUTCHours()).toBe(0);
        await batch("UTC");
        expect(await store.list()).toEqual([stored]);
        const listed = await tasks(["schedules", "--config", project.configPath], {
          cwd: project.dir,
          env: { TZ: "UTC" },
        });
        expect(String(listed.stdout)).toMatch(/zoned\s+tick\s+0 9 \* \* \*\s+local \(Asia\/Tokyo\)/);
        expect(String(listed.stdout)).not.toContain("due");
        // This process, in whatever zone it runs, fires the tick the Tokyo worker stored.
        const due = stored?.nextTick as Date;
        const fired = await fire.call(store, [specOf(await specs(project), "zoned")], new Date(due.getTime() + 5_000));
        expect(ticksOf(fired, "zoned")).toEqual([due.toISOString()]);
      });
    });

    it("a row stored before local zones were named (null) takes this worker's zone name and keeps its next tick", async (context) => {
      const schedules = `{ legacy: { task: tick, cron: "0 * * * *", args: ["legacy"] } }`;
      await withSchedules(s, context, schedules, async (project, store) => {
        if (!store.fire) return context.skip();
        const named = specOf(await specs(project), "legacy");
        expect(named.timezone).toBe(`local:${Intl.DateTimeFormat().resolvedOptions().timeZone}`);
        // What an older worker synced: the same expression, its zone left unnamed.
        await store.sync([{ ...named, timezone: null }], new Date("2026-01-01T00:10:00Z"));
        const [before] = await store.list();
        expect(before?.timezone).toBeNull();
        await store.sync([named], new Date("2026-01-01T05:10:00Z"));
        const [after] = await store.list();
        // Not started again from the second sync: the tick missed meanwhile is still due.
        expect([after?.timezone, after?.nextTick?.getTime()]).toEqual([named.timezone, before?.nextTick?.getTime()]);
      });
    });

    it("tasks schedules lists each schedule with its last and next run (--json); tasks show names a tick's schedule", async (context) => {
      const schedules = `{ hourly: { task: tick, cron: "0 * * * *", args: ["hourly"], timezone: "UTC" } }`;
      await withSchedules(s, context, schedules, async (project, store) => {
        const fire = store.fire;
        if (!fire) return context.skip();
        const hourly = specOf(await specs(project), "hourly");
        await store.sync([hourly], new Date("2026-01-01T00:30:00Z"));
        const [fired] = await fire.call(store, [hourly], new Date("2026-01-01T01:00:01Z"));
        const cli = (args: string[]) =>
          tasks([...args, "--config", project.configPath], { cwd: project.dir }).then((run) => {
            expect(run.exitCode, String(run.stderr)).toBe(0);
            return String(run.stdout);
          });
        const listed = JSON.parse(await cli(["schedules", "--json"])) as Record<string, unknown>[];
        expect(listed).toEqual([
          expect.objectContaining({
            name: "hourly",
            task: "tick",
            cron: "0 * * * *",
            timezone: "UTC",
            args: ["hourly"],
            catchUp: "latest",
            lastRun: "2026-01-01T01:00:00.000Z",
            nextRun: "2026-01-01T02:00:00.000Z",
          }),
        ]);
        const table = await cli(["schedules"]);
        expect(table).toMatch(/hourly\s+tick\s+0 \* \* \* \*\s+UTC\s+latest\s+2026-01-01T01:00:00.000Z/);
        if (s.target.management && fired) {
          const shown = await cli(["show", fired.record.id]);
          expect(shown).toMatch(/schedule\s+hourly/);
          expect(shown).toMatch(/run after\s+2026-01-01T01:00:00.000Z/);
        }
      });
    });
  });
}
