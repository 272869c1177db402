// The peer: plainjob 0.0.14 (better-sqlite3, WAL, synchronous NORMAL — the same durability).
// Its workers live in the process that defines them and run one job at a time.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import Database from "better-sqlite3";
import { better, defineQueue, defineWorker, type Logger, type Queue } from "plainjob";
import type { Enqueuer } from "./enqueue.js";
import { scratch } from "./setup.js";
import { sleep } from "./stats.js";

// plainjob logs every job at debug level through console by default.
const silent: Logger = { error() {}, warn() {}, info() {}, debug() {} };

function openQueue(label: string): Queue {
  const path = join(scratch(`plainjob-${label}`), "plainjob.sqlite3");
  return defineQueue({ connection: better(new Database(path)), logger: silent });
}

/** (a) `queue.add("noop", [i])` per task (one autocommit INSERT). */
export function plainjobSingle(): Enqueuer {
  const queue = openQueue("single");
  return {
    run(from, to) {
      for (let i = from; i < to; i++) queue.add("noop", [i]);
    },
    close: () => queue.close(),
  };
}

/** (b) `queue.addMany("noop", …)` with `chunk` jobs per call (one transaction). */
export function plainjobBulk(chunk: number): Enqueuer {
  const queue = openQueue("bulk");
  return {
    run(from, to) {
      for (let i = from; i < to; i += chunk) {
        const data: [number][] = [];
        for (let k = i; k < Math.min(to, i + chunk); k++) data.push([k]);
        queue.addMany("noop", data);
      }
    },
    close: () => queue.close(),
  };
}

/**
 * (c) `count` no-op jobs added by one process, then drained by one plainjob worker in a fresh
 * process of its own (plainjob-drain.mjs). `ms`: that process from spawn to exit, as tasklane's
 * worker is timed; `startMs`: from its start() to the last completion; `peakRss`: its VmHWM.
 */
export function plainjobDrain(count: number): { ms: number; startMs: number; peakRss: number } {
  const path = join(scratch("plainjob-drain"), "plainjob.sqlite3");
  const run = (mode: "fill" | "drain") => {
    const child = spawnSync(
      process.execPath,
      [join(import.meta.dirname, "plainjob-drain.mjs"), mode, path, String(count)],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    if (child.status !== 0) throw new Error(`plainjob ${mode} exited ${child.status}`);
    return child.stdout;
  };
  run("fill");
  const spawned = performance.now();
  const out = JSON.parse(run("drain")) as { ms: number; peakRss: number };
  return { ms: performance.now() - spawned, startMs: out.ms, peakRss: out.peakRss };
}

/**
 * (d) An idle in-process worker (default pollIntervall 1000 ms) while `count` jobs are added
 * `gapMs` apart. Latency = when the processor starts − the add time carried in the job.
 */
export async function plainjobLatency(count: number, gapMs: number): Promise<number[]> {
  const queue = openQueue("latency");
  const latencies: number[] = [];
  const worker = defineWorker(
    "latency",
    (job) => {
      latencies.push(Date.now() - (JSON.parse(job.data) as { at: number }).at);
    },
    { queue, logger: silent },
  );
  const running = worker.start();
  await sleep(1000);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = t0 + i * gapMs - performance.now();
    if (wait > 0) await sleep(wait);
    queue.add("latency", { at: Date.now() });
  }
  const deadline = Date.now() + 30_000;
  while (latencies.length < count && Date.now() < deadline) await sleep(20);
  await worker.stop();
  await running;
  queue.close();
  return latencies;
}
