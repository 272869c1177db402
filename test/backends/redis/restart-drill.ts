import { readFileSync } from "node:fs";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { BIN, CHILD_ENV } from "../../helpers/cli.js";
import { liveWorkers, makeProject, type Project } from "../../helpers/project.js";
import { RedisProcess } from "./redis-process.js";

/**
 * The Redis restart drill (faults.test.ts runs a short one, `npm run chaos` the long one):
 * a persistent redis-server, worker processes draining many tasks that log each run, and Redis
 * killed with -9 mid-drain and restarted on the same port, several times. Then: how many tasks
 * ended FAILED, how many ran more than once, how soon each worker reported the outage.
 */
export interface DrillOptions {
  tasks: number;
  restarts: number;
  workers: number;
  concurrency: number;
  maxAttempts: number;
  /** How long Redis stays down each time. */
  downMs: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** Gives up waiting for the drain to end after this long. */
  timeoutMs: number;
  /** false: Redis without persistence (throughput comparisons; restarts would lose everything). */
  persist?: boolean;
  /** Progress lines (the chaos script prints them). */
  log?: (line: string) => void;
}

export interface DrillReport {
  tasks: number;
  restarts: number;
  succeeded: number;
  failed: number;
  /** "<exceptionClass>: <message>" of the first FAILED results. */
  failures: string[];
  /** Tasks that ran more than once (from the tasks' own run log). */
  duplicates: string[];
  /** Tasks that never ran. */
  neverRun: number;
  /** Per restart and worker: ms from the kill to the worker's `connection lost` event (null: none). */
  lostAfterMs: (number | null)[];
  /** Per restart and worker: ms from Redis answering again to the `connection restored` event (null: none). */
  restoredAfterMs: (number | null)[];
  drainMs: number;
  /** Worker `error` events and stderr lines (connection noise during an outage should not show here). */
  workerErrors: string[];
}

interface DrillWorker {
  proc: ResultPromise;
  /** Set by its `started` event: connected and claiming. */
  started: boolean;
  connection: { state: string; at: number; message: string }[];
  errors: string[];
}

const drillConfig = (url: string, prefix: string, o: DrillOptions) => `
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { defineConfig, task, type TaskContext } from "tasklane";

const runs = join(process.env.TASKLANE_TEST_DIR!, "runs.log");
export const tick = task({ takesContext: true, maxAttempts: ${o.maxAttempts} }, (context: TaskContext, n: number) => {
  appendFileSync(runs, context.taskResult.id + " " + process.pid + " " + context.attempt + "\\n");
  return n;
});
export default defineConfig({
  backends: {
    default: {
      backend: "redis",
      options: {
        url: ${JSON.stringify(url)},
        prefix: ${JSON.stringify(prefix)},
        heartbeatMs: 500,
        lockDurationMs: ${o.lockDurationMs},
        stalledIntervalMs: ${o.stalledIntervalMs},
      },
    },
  },
  tasks: { tick },
});
`;

function startDrillWorker(project: Project, concurrency: number): DrillWorker {
  const proc = execa(
    "node",
    [
      BIN,
      "worker",
      "--json",
      "--no-startup-delay",
      "--concurrency",
      String(concurrency),
      "--config",
      project.configPath,
    ],
    { reject: false, stdin: "ignore", buffer: false, env: { ...CHILD_ENV, TASKLANE_TEST_DIR: project.dir } },
  );
  liveWorkers.add(proc);
  void proc.finally(() => liveWorkers.delete(proc));
  const worker: DrillWorker = { proc, started: false, connection: [], errors: [] };
  let buffer = "";
  proc.stdout?.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split("\n");
    buffer = lines.pop() ?? "";
    for (const line of lines) {
      // 2 events per task: only the rare ones are parsed.
      if (line.includes('"event":"started"')) worker.started = true;
      if (!line.includes('"event":"connection"') && !line.includes('"event":"error"')) continue;
      const event = JSON.parse(line) as { event: string; ts: string; state?: string; message: string };
      if (event.event === "error") worker.errors.push(event.message);
      else worker.connection.push({ state: String(event.state), at: Date.parse(event.ts), message: event.message });
    }
  });
  proc.stderr?.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) if (line.trim()) worker.errors.push(`stderr: ${line}`);
  });
  return worker;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function runLines(project: Project): string[] {
  return readFileSync(join(project.dir, "runs.log"), "utf8").split("\n").filter(Boolean);
}

/** Runs the drill on a fresh Redis and project, then removes both. */
export async function restartDrill(options: DrillOptions): Promise<DrillReport> {
  const log = options.log ?? (() => {});
  const redis = await RedisProcess.start({ persist: options.persist });
  const project = await makeProject(drillConfig(redis.url, `drill-${process.pid}`, options));
  const workers: DrillWorker[] = [];
  try {
    const tick = project.config.tasks.get("tick");
    if (!tick) throw new Error("no tick task");
    const ids: string[] = [];
    for (let i = 0; i < options.tasks; i += 1000) {
      const chunk = Array.from({ length: Math.min(1000, options.tasks - i) }, (_, k) => [i + k]);
      for (const result of await tick.enqueueMany(chunk)) ids.push(result.id);
    }
    await project.config.close();
    log(`enqueued ${ids.length} tasks; starting ${options.workers} workers`);
    const started = performance.now();
    for (let i = 0; i < options.workers; i++) workers.push(startDrillWorker(project, options.concurrency));

    const kills: { killedAt: number; backAt: number }[] = [];
    // Each kill lands mid-drain: past its share of the tasks, and after the workers ran some
    // since the last restart (so every restart finds them reconnected and busy).
    const share = Math.floor(options.tasks / (options.restarts + 1));
    let ranBefore = 0;
    for (let k = 1; k <= options.restarts; k++) {
      const due = Math.min(Math.max(k * share, ranBefore + Math.ceil(share / 4)), options.tasks - 1);
      const deadline = Date.now() + options.timeoutMs;
      // Every worker up before a kill, and back since the last one: on a loaded machine one may
      // still be loading its config, or waiting out its reconnect backoff (up to 1 s), when the
      // others have run their share. A kill is then news to each worker.
      const last = kills.at(-1)?.killedAt;
      const ready = (w: DrillWorker) =>
        w.started && (last === undefined || w.connection.some((e) => e.state === "restored" && e.at >= last));
      while (runLines(project).length < due || !workers.every(ready)) {
        if (Date.now() > deadline) {
          const errors = workers.flatMap((w) => w.errors).join("; ");
          throw new Error(`no progress before restart ${k}: ${runLines(project).length} runs of ${due}; ${errors}`);
        }
        await sleep(20);
      }
      const killedAt = Date.now();
      const ranAtKill = runLines(project).length;
      await redis.kill();
      await sleep(options.downMs);
      await redis.restart();
      kills.push({ killedAt, backAt: Date.now() });
      ranBefore = runLines(project).length;
      log(
        `restart ${k}/${options.restarts}: killed after ${ranAtKill} runs, down ${Date.now() - killedAt} ms, ${ranBefore} runs when back`,
      );
    }

    // The drain ends when every task is finished (read through the backend, as `tasks results` would).
    const backend = await project.config.getBackend("default");
    const manage = backend.management();
    if (!manage) throw new Error("no management");
    const deadline = Date.now() + options.timeoutMs;
    let counts = await manage.countByStatus();
    while (counts.SUCCEEDED + counts.FAILED + counts.CANCELLED < options.tasks) {
      if (Date.now() > deadline) throw new Error(`drain stalled: ${JSON.stringify(counts)}`);
      await sleep(100);
      counts = await manage.countByStatus();
    }
    const drainMs = performance.now() - started;
    const failures = (await manage.listResults({ limit: 10, statuses: ["FAILED"] })).results.map(
      (r) => `${r.errors.at(-1)?.exceptionClass}: ${r.errors.at(-1)?.message}`,
    );
    for (const w of workers) w.proc.kill("SIGTERM");
    await Promise.all(workers.map((w) => w.proc));

    const runsById = new Map<string, number>();
    for (const line of runLines(project)) {
      const id = line.slice(0, line.indexOf(" "));
      runsById.set(id, (runsById.get(id) ?? 0) + 1);
    }
    const lostAfterMs: (number | null)[] = [];
    const restoredAfterMs: (number | null)[] = [];
    for (const [i, { killedAt, backAt }] of kills.entries()) {
      const until = kills[i + 1]?.killedAt ?? Number.POSITIVE_INFINITY;
      for (const w of workers) {
        const lost = w.connection.find((e) => e.state === "lost" && e.at >= killedAt && e.at < until);
        const restored = w.connection.find((e) => e.state === "restored" && e.at >= killedAt && e.at < until);
        lostAfterMs.push(lost ? lost.at - killedAt : null);
        restoredAfterMs.push(restored ? Math.max(0, restored.at - backAt) : null);
      }
    }
    return {
      tasks: options.tasks,
      restarts: options.restarts,
      succeeded: counts.SUCCEEDED,
      failed: counts.FAILED,
      failures,
      duplicates: [...runsById].filter(([, n]) => n > 1).map(([id]) => id),
      neverRun: ids.filter((id) => !runsById.has(id)).length,
      lostAfterMs,
      restoredAfterMs,
      drainMs,
      workerErrors: workers.flatMap((w) => w.errors),
    };
  } finally {
    for (const w of workers) w.proc.kill("SIGKILL");
    await Promise.all(workers.map((w) => w.proc));
    await project.cleanup();
    await redis.stop();
  }
}
