// Schedules and unique tasks (issue #13):
//   (s) schedule lateness: an every-second schedule run by one idle `tasks worker`; for each
//       tick, when it was enqueued and when its task started, after the tick (p50/p99);
//   (u) unique enqueue rate against plain enqueue, in the same run and file: interleaved rounds
//       of single `await enqueue(i)` calls (distinct keys, so every unique enqueue stores a row:
//       its worst case), then the rate of enqueues that find their key held (deduplicated).
// Run after a build: `npm run build && node --import tsx bench/controls.ts` (BENCH_TICKS,
// BENCH_N to size it). Prints the figures; bench/run.ts may import `controlsBench()`.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import type * as LoadModule from "../src/config/load.js";
import type { ActiveConfig } from "../src/config/registry.js";
import type { TaskResultData } from "../src/core/result.js";
import type { Task } from "../src/core/task.js";
import { interleave } from "./enqueue.js";
import { BIN } from "./setup.js";
import { fmtInt, fmtMs, fmtPct, percentile, perSecond } from "./stats.js";

const TICKS = Number(process.env.BENCH_TICKS ?? 30);
const N = Number(process.env.BENCH_N ?? 20_000);

const CONFIG = `import { defineConfig, task } from "tasklane";

export const noop = task((_i: number) => null);
export const uniqueNoop = task({ unique: true }, (_i: number) => null);
export const tick = task(() => null);

export default defineConfig({
  backends: { default: { backend: "sqlite", options: { path: "tasks.sqlite3" } } },
  tasks: { noop, uniqueNoop, tick },
  schedules: SCHEDULES,
});
`;

const dirs: string[] = [];
function project(label: string, schedules: string): { dir: string; configPath: string } {
  const dir = mkdtempSync(join(tmpdir(), `tasklane-bench-${label}-`));
  dirs.push(dir);
  const configPath = join(dir, "tasks.config.ts");
  writeFileSync(configPath, CONFIG.replace("SCHEDULES", schedules));
  return { dir, configPath };
}

const load = async (configPath: string): Promise<ActiveConfig> =>
  ((await import(new URL("../dist/config/load.js", import.meta.url).href)) as typeof LoadModule).loadConfig({
    explicit: configPath,
  });

export interface ControlsFigures {
  ticks: number;
  enqueueLateness: { p50: number; p99: number };
  startLateness: { p50: number; p99: number };
  plainPerSecond: number;
  uniquePerSecond: number;
  uniqueRatio: number;
  deduplicatedPerSecond: number;
}

/** (s): one idle worker, an every-second schedule, TICKS ticks. */
async function scheduleLateness(): Promise<Pick<ControlsFigures, "ticks" | "enqueueLateness" | "startLateness">> {
  const { dir, configPath } = project("schedule", `{ everySecond: { task: tick, cron: "* * * * * *" } }`);
  const worker = execa("node", [BIN, "worker", "--json", "--no-startup-delay", "--config", configPath], {
    cwd: dir,
    reject: false,
    stdin: "ignore",
    env: { NO_COLOR: "1", CI: "true", NODE_ENV: "production" },
  });
  const config = await load(configPath);
  try {
    const manage = (await config.getBackend("default")).management();
    let ticks: TaskResultData[] = [];
    // The first tick counts from the worker's first full second; one more is left to settle.
    while (ticks.length < TICKS + 1) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const page = await manage?.listResults({ taskNames: ["tick"], statuses: ["SUCCEEDED"], limit: 1000 });
      ticks = page?.results ?? [];
    }
    const measured = ticks.sort((a, b) => (a.runAfter?.getTime() ?? 0) - (b.runAfter?.getTime() ?? 0)).slice(1);
    const after = (at: Date | null, r: TaskResultData) => (at?.getTime() ?? Number.NaN) - (r.runAfter?.getTime() ?? 0);
    const enqueued = measured.map((r) => after(r.enqueuedAt, r));
    const started = measured.map((r) => after(r.startedAt, r));
    return {
      ticks: measured.length,
      enqueueLateness: { p50: percentile(enqueued, 50), p99: percentile(enqueued, 99) },
      startLateness: { p50: percentile(started, 50), p99: percentile(started, 99) },
    };
  } finally {
    worker.kill("SIGTERM");
    await worker;
    await config.close();
  }
}

type NumberTask = Task<[number], null>;

/** (u): plain against unique single enqueues, interleaved; then enqueues of a held key. */
async function uniqueRate(): Promise<
  Pick<ControlsFigures, "plainPerSecond" | "uniquePerSecond" | "uniqueRatio" | "deduplicatedPerSecond">
> {
  // One file for both, so each contestant meets the same table as it grows.
  const config = await load(project("unique", "{}").configPath);
  const plain = config.tasks.get("noop") as NumberTask;
  const unique = config.tasks.get("uniqueNoop") as NumberTask;
  const single = (t: NumberTask) => ({
    run: async (from: number, to: number) => {
      for (let i = from; i < to; i++) await t.enqueue(i);
    },
    close: () => {},
  });
  const ms = await interleave({ plain: single(plain), unique: single(unique) }, N);
  // Every enqueue below finds key 0 held by the first unique enqueue above.
  const held = Math.min(N, 10_000);
  const start = performance.now();
  for (let i = 0; i < held; i++) {
    const result = await unique.enqueue(0);
    if (!result.deduplicated) throw new Error("expected a deduplicated result");
  }
  const heldMs = performance.now() - start;
  await config.close();
  const plainPerSecond = perSecond(N, ms.plain ?? Number.NaN);
  const uniquePerSecond = perSecond(N, ms.unique ?? Number.NaN);
  return {
    plainPerSecond,
    uniquePerSecond,
    uniqueRatio: uniquePerSecond / plainPerSecond,
    deduplicatedPerSecond: perSecond(held, heldMs),
  };
}

/** Both measurements, schedule first (an idle machine matters for lateness). */
export async function controlsBench(): Promise<ControlsFigures> {
  try {
    return { ...(await scheduleLateness()), ...(await uniqueRate()) };
  } finally {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const f = await controlsBench();
  const verdict = f.uniqueRatio >= 0.8 ? "PASS" : "MISS";
  process.stdout.write(
    [
      "## Schedules and unique tasks",
      "",
      `Schedule lateness: an every-second schedule, one idle worker, ${f.ticks} ticks. Unique enqueues: ${fmtInt(N)}`,
      "single enqueues each, plain and unique, in interleaved rounds on the same file.",
      "",
      "| measurement | figure |",
      "|---|---:|",
      `| tick → enqueued, p50 / p99 | ${fmtMs(f.enqueueLateness.p50)} / ${fmtMs(f.enqueueLateness.p99)} |`,
      `| tick → started, p50 / p99 | ${fmtMs(f.startLateness.p50)} / ${fmtMs(f.startLateness.p99)} |`,
      `| plain single enqueue | ${fmtInt(f.plainPerSecond)}/s |`,
      `| unique single enqueue | ${fmtInt(f.uniquePerSecond)}/s (${fmtPct(f.uniqueRatio)} of plain; target ≥ 80%: **${verdict}**) |`,
      `| unique enqueue finding its key held (deduplicated) | ${fmtInt(f.deduplicatedPerSecond)}/s |`,
      "",
    ].join("\n"),
  );
}
