import { describe, expect, it } from "vitest";
import { BLOCK, type Suite } from "./context.js";
import { startWorker, type WorkerProcess } from "./project.js";

interface Run {
  id: string;
  start: number;
  end: number;
  label: string;
}

/** The runs the tasks logged ("<id> start <ms> [label]" … "<id> end <ms>"), from runs.log. */
function runsOf(lines: readonly string[]): Run[] {
  const runs = new Map<string, Run>();
  for (const line of lines) {
    const [id, event, at, label = ""] = line.split(" ");
    if (!id || (event !== "start" && event !== "end")) continue;
    const run = runs.get(id) ?? { id, start: Number.NaN, end: Number.POSITIVE_INFINITY, label };
    if (event === "start") run.start = Number(at);
    else run.end = Number(at);
    runs.set(id, run);
  }
  return [...runs.values()];
}

/** The most runs in progress at once (an end and a start at the same ms do not overlap). */
function maxOverlap(runs: readonly Run[]): number {
  const events = runs.flatMap((r) => [
    { at: r.start, delta: 1 },
    { at: r.end, delta: -1 },
  ]);
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let now = 0;
  let max = 0;
  for (const e of events) {
    now += e.delta;
    max = Math.max(max, now);
  }
  return max;
}

async function stopAll(workers: WorkerProcess[]): Promise<void> {
  for (const w of workers) w.proc.kill("SIGTERM");
  for (const exited of await Promise.all(workers.map((w) => w.proc))) expect(exited.exitCode).toBe(0);
}

/** The next event of this kind the worker reports from now on. */
function next(worker: WorkerProcess, event: string): Promise<unknown> {
  const seen = worker.events.length;
  return worker.waitFor((e) => e.event === event && worker.events.indexOf(e) >= seen);
}

/** Waits until `n` runs have logged their end (events from the workers are the doorbell). */
async function untilEnded(s: Suite, workers: WorkerProcess[], n: number): Promise<Run[]> {
  for (;;) {
    const runs = runsOf(s.project().runs());
    if (runs.filter((r) => Number.isFinite(r.end)).length >= n) return runs;
    await Promise.race(workers.map((w) => next(w, "taskFinished")));
  }
}

/** Pause/resume, per-queue concurrency and rate limits, per-key concurrency: for backends that have them. */
export function controlTests(s: Suite): void {
  const controls = s.target.controls;
  if (!s.target.runsWorker || !controls) return;
  const name = s.target.name;

  describe(`${name}: queue controls`, BLOCK, () => {
    if (controls.queueConcurrency) {
      it("a queue limited to 3: 4 workers with concurrency 20 never run more than 3 of its tasks at once", async () => {
        const add = s.project().config.tasks.get("limitedWork");
        await add?.enqueueMany(Array.from({ length: 24 }, () => [150]));
        const workers = [1, 2, 3, 4].map(() => startWorker(s.project(), ["--queue", "limited", "--concurrency", "20"]));
        const runs = await untilEnded(s, workers, 24);
        await stopAll(workers);
        const most = maxOverlap(runs);
        expect(most).toBeLessThanOrEqual(3);
        expect(most).toBeGreaterThanOrEqual(2); // the limit caps, it does not serialise
      });
    }

    if (controls.rateLimit) {
      it("a rate of 10 per second holds within 10% over 10 s, across two workers", async () => {
        const add = s.project().config.tasks.get("ratedWork");
        await add?.enqueueMany(Array.from({ length: 140 }, () => []));
        const workers = [1, 2].map(() => startWorker(s.project(), ["--queue", "rated", "--concurrency", "20"]));
        let runs: Run[] = [];
        for (;;) {
          runs = runsOf(s.project().runs());
          const starts = runs.map((r) => r.start).filter(Number.isFinite);
          if (starts.length > 0 && Math.max(...starts) - Math.min(...starts) >= 10_500) break;
          await Promise.race(workers.map((w) => next(w, "taskStarted")));
        }
        await stopAll(workers);
        const starts = runs.map((r) => r.start).sort((a, b) => a - b);
        const first = starts[0] ?? 0;
        const inTenSeconds = starts.filter((t) => t < first + 10_000).length;
        expect(inTenSeconds).toBeGreaterThanOrEqual(90);
        expect(inTenSeconds).toBeLessThanOrEqual(110);
      });
    }

    if (controls.keyConcurrency) {
      it("a per-key limit of 1: one run per tenant at a time, and a busy tenant never holds the others back", async () => {
        const perTenant = s.project().config.tasks.get("perTenant");
        await perTenant?.enqueueMany([
          ...Array.from({ length: 8 }, () => ["busy", 120]),
          ["quiet", 50],
          ["quiet", 50],
          ["other", 50],
        ]);
        const worker = startWorker(s.project(), ["--concurrency", "10"]);
        const runs = await untilEnded(s, [worker], 11);
        await stopAll([worker]);
        for (const tenant of ["busy", "quiet", "other"]) {
          expect(maxOverlap(runs.filter((r) => r.label === tenant)), tenant).toBe(1);
        }
        const lastBusyStart = Math.max(...runs.filter((r) => r.label === "busy").map((r) => r.start));
        for (const r of runs.filter((r) => r.label !== "busy")) expect(r.start).toBeLessThan(lastBusyStart);
      });
    }

    if (controls.pause) {
      it("pause during a drain stops new starts within 1 s; running tasks finish; enqueue still works; resume drains the rest", async () => {
        const sleep = s.project().config.tasks.get("sleep");
        await sleep?.enqueueMany(Array.from({ length: 40 }, () => [100]));
        const worker = startWorker(s.project(), ["--concurrency", "4"]);
        await worker.waitFor((e) => e.event === "taskFinished");
        const paused = await s.cli(["pause", "default"]);
        expect(paused.exitCode, String(paused.stderr)).toBe(0);
        const pausedAt = Date.now();
        const whilePaused = await s.enqueue("add", [1, 2]);
        expect(whilePaused.status).toBe("READY");
        // Long enough for a claim that missed the pause to show: 2 s, well past the 1 s bound.
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        const starts = runsOf(s.project().runs()).map((r) => r.start);
        expect(starts.filter((t) => t > pausedAt + 1_000)).toEqual([]);
        expect((await (await s.manage()).countByQueue()).find((q) => q.queueName === "default")?.paused).toBe(true);
        const resumed = await s.cli(["resume", "default"]);
        expect(resumed.exitCode, String(resumed.stderr)).toBe(0);
        await worker.waitFor((e) => e.event === "taskFinished" && e.id === whilePaused.id);
        await stopAll([worker]);
      });

      it("a pause is stored: a worker started later does not take the paused queue's tasks", async () => {
        expect((await s.cli(["pause", "emails"])).exitCode).toBe(0);
        const email = await s.enqueue("emails", ["ada@example.com"]);
        const other = await s.enqueue("add", [1, 1]);
        const worker = startWorker(s.project());
        await worker.waitFor((e) => e.event === "taskFinished" && e.id === other.id);
        await stopAll([worker]);
        await email.refresh();
        expect(email.status).toBe("READY");
        const typo = await s.cli(["pause", "emials"]);
        expect(typo.exitCode).toBe(2);
        expect(String(typo.stderr)).toMatch(/^Error: "emials" is not a queue of backend "default"/);
      });
    }
  });
}
