// bench/redis.ts's idle latency: enqueue → the task function starts, tasklane's redis worker
// beside plain BullMQ's Workers (in this process, and one in a process of its own).
import { fork } from "node:child_process";
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
  const samples: [number[], number[], number[], number[]] = [[], [], [], []];
  const probeOnce = async (enqueue: () => Promise<unknown>, started: () => number | undefined) => {
    const start = performance.now();
    await enqueue();
    let at = started();
    while (at === undefined) {
      await sleep(0);
      at = started();
    }
    return at - start;
  };
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const [same, fifo] = bulls as [(typeof bulls)[0], (typeof bulls)[0]];
    samples[0].push(
      await probeOnce(
        () => tl.probe.enqueue(i),
        () => probeStarts.get(i),
      ),
    );
    await sleep(10);
    samples[1].push(
      await probeOnce(
        () => same.bull.add("probe", { i }),
        () => same.starts.get(i),
      ),
    );
    await sleep(10);
    samples[2].push(
      await probeOnce(
        () => fifo.bull.add("probe", { i }),
        () => fifo.starts.get(i),
      ),
    );
    await sleep(10);
    samples[3].push(
      await probeOnce(
        () => own.bull.add("probe", { i }),
        () => own.starts.get(i),
      ),
    );
    await sleep(10);
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
  const child = fork(new URL("./bullmq-worker.ts", import.meta.url), [url, bull.prefix, QUEUE]);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  await new Promise<void>((resolve, reject) => {
    child.on("message", (message: "ready" | { i: number; at: number }) => {
      if (message === "ready") resolve();
      else starts.set(message.i, message.at - performance.timeOrigin);
    });
    void exited.then((code) =>
      reject(new Error(`bench/bullmq-worker.ts exited (${String(code)}) before it was ready`)),
    );
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
