// bench/redis.ts's idle latency: enqueue → the task function starts, tasklane's redis worker
// beside plain BullMQ's Workers (in this process, and one in a process of its own).
import { forkReady } from "./fork-ready.js";
import { FIFO, plain, probeStarts, QUEUE, SAME, tasklane } from "./redis-contestants.js";
import type { Figures, RedisFigures } from "./redis-report.js";
import { percentile, sleep } from "./stats.js";

export const LATENCY_SAMPLES = 200;

/** Enqueue → the task function starts, on an idle worker, one task at a time (contestants take turns). */
export async function idleLatency(url: string): Promise<RedisFigures["latency"]> {
  const tl = await tasklane(url);
  const runner = tl.runner(false);
  const running = runner.run();
  const bulls = [SAME, FIFO].map((opts) => {
    const bull = plain(url, opts);
    const starts = new Map<number, number>();
    const worker = bull.worker(async (job) => {
      starts.set(job.data.i, performance.now());
      return null;
    });
    return { bull, starts, worker };
  });
  await Promise.all(bulls.map((b) => b.worker.waitUntilReady()));
  const own = await ownProcessWorker(url);
  await sleep(500);
  const [same, fifo] = bulls as [(typeof bulls)[0], (typeof bulls)[0]];
  // Per sample the contestants take turns, 10 ms apart: tasklane, BullMQ (same jobs), BullMQ
  // (FIFO), BullMQ (same jobs) with its Worker in a process of its own.
  const contestants: [(i: number) => Promise<unknown>, Map<number, number>][] = [
    [(i) => tl.probe.enqueue(i), probeStarts],
    [(i) => same.bull.add("probe", { i }), same.starts],
    [(i) => fifo.bull.add("probe", { i }), fifo.starts],
    [(i) => own.bull.add("probe", { i }), own.starts],
  ];
  const samples: [number[], number[], number[], number[]] = [[], [], [], []];
  /** From just before the enqueue to the function's start, as that contestant recorded it. */
  const probeOnce = async (i: number, enqueue: (i: number) => Promise<unknown>, starts: Map<number, number>) => {
    const start = performance.now();
    await enqueue(i);
    let at = starts.get(i);
    while (at === undefined) {
      await sleep(0);
      at = starts.get(i);
    }
    return at - start;
  };
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    for (const [k, [enqueue, starts]] of contestants.entries()) {
      samples[k as 0 | 1 | 2 | 3].push(await probeOnce(i, enqueue, starts));
      await sleep(10);
    }
  }
  await own.close();
  runner.stop();
  await running;
  await tl.close();
  for (const b of bulls) {
    await b.worker.close();
    await b.bull.close();
  }
  const at = (p: number): Figures => ({
    tl: percentile(samples[0], p),
    same: percentile(samples[1], p),
    fifo: percentile(samples[2], p),
  });
  return {
    p50: at(50),
    p99: at(99),
    ownProcess: { p50: percentile(samples[3], 50), p99: percentile(samples[3], 99) },
  };
}

/**
 * Plain BullMQ (same jobs) with its Worker in a process of its own (bullmq-worker.ts), as
 * tasklane's worker runs in bench (d): `starts` holds when each probe's processor began, on this
 * process's performance.now() clock (both read the machine's wall clock, sub-ms).
 */
async function ownProcessWorker(url: string) {
  const bull = plain(url, SAME);
  const starts = new Map<number, number>();
  const { child, exited } = await forkReady("bullmq-worker.ts", [url, bull.prefix, QUEUE]);
  child.on("message", (message: "ready" | { i: number; at: number }) => {
    if (message !== "ready") starts.set(message.i, message.at - performance.timeOrigin);
  });
  return {
    bull,
    starts,
    close: async () => {
      child.disconnect(); // the worker closes and exits when its IPC channel goes
      await exited;
      await bull.close();
    },
  };
}
