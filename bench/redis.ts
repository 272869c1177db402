// The redis backend beside plain BullMQ doing the same work, in the same run, on the same Redis.
// Standalone: `node --import tsx bench/redis.ts` (uses TASKLANE_REDIS_URL, else starts its own
// redis-server on a free port). Writes bench/REDIS.md. BENCH_REDIS_N scales the drain (default 10,000),
// BENCH_REDIS_MEMORY_N the memory rows (default 50,000).
import { writeFileSync } from "node:fs";
import { Redis } from "ioredis";
import { newResultId } from "../src/core/ids.js";
import { type BullOpts, CONCURRENCY, FIFO, plain, SAME, tasklane } from "./redis-contestants.js";
import { idleLatency, LATENCY_SAMPLES } from "./redis-latency.js";
import { type Figures, redisReport } from "./redis-report.js";
import { startRedis } from "./redis-server.js";
import { perSecond } from "./stats.js";
import type { BullmqFigures } from "./summary.js";

const N = Number(process.env.BENCH_REDIS_N ?? 10_000);
const SINGLE = Math.min(N, 5000);
const BULK = 1000;
const TARGET = 1.3;
/** Single enqueues must keep at least 90% of plain BullMQ's rate: an overhead of at most 1 / 0.9. */
const SINGLE_TARGET = 1 / 0.9;
const MEMORY_N = Number(process.env.BENCH_REDIS_MEMORY_N ?? 50_000);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const ROUNDS = 5;
const WARMUP = 3000;

/**
 * Runs each contestant's `work(from, to)` over [0, total) in ROUNDS slices, rotating who goes
 * first, so a noisy neighbour (the machine is shared) slows every contestant alike. Returns
 * milliseconds per contestant.
 */
async function interleave(contestants: ((from: number, to: number) => Promise<unknown>)[], total: number) {
  const ms = contestants.map(() => 0);
  const slice = Math.ceil(total / ROUNDS);
  for (let r = 0; r < ROUNDS; r++) {
    const from = r * slice;
    const to = Math.min(total, from + slice);
    for (let k = 0; k < contestants.length; k++) {
      const c = (r + k) % contestants.length;
      ms[c] =
        (ms[c] ?? 0) + (await timed(() => (contestants[c] as (a: number, b: number) => Promise<unknown>)(from, to)));
    }
  }
  return ms;
}

/**
 * Single enqueues; `sameWithIds`: BullMQ adding the same jobs each under a UUIDv7 job id of its
 * own, as tasklane's jobs are (BullMQ's own ids count up from 1), for reference.
 */
async function enqueueSingle(url: string): Promise<Figures & { sameWithIds: number }> {
  const tl = await tasklane(url);
  const same = plain(url, SAME);
  const fifo = plain(url, FIFO);
  const withIds = plain(url, SAME);
  const addWithId = (i: number) => withIds.queue.add("noop", { args: [i] }, { ...SAME, jobId: newResultId() });
  // Warm-up (untimed): connections, scripts and the JIT, as in a long-running app.
  for (let i = 0; i < WARMUP; i++) {
    await Promise.all([
      tl.noop.enqueue(-1),
      same.add("noop", { args: [-1] }),
      fifo.add("noop", { args: [-1] }),
      addWithId(-1),
    ]);
  }
  const one = (add: (i: number) => Promise<unknown>) => async (from: number, to: number) => {
    for (let i = from; i < to; i++) await add(i);
  };
  const [tlMs, sameMs, fifoMs, withIdsMs] = await interleave(
    [
      one((i) => tl.noop.enqueue(i)),
      one((i) => same.add("noop", { args: [i] })),
      one((i) => fifo.add("noop", { args: [i] })),
      one(addWithId),
    ],
    SINGLE,
  );
  await Promise.all([tl.close(), same.close(), fifo.close(), withIds.close()]);
  return {
    tl: perSecond(SINGLE, tlMs ?? 0),
    same: perSecond(SINGLE, sameMs ?? 0),
    fifo: perSecond(SINGLE, fifoMs ?? 0),
    sameWithIds: perSecond(SINGLE, withIdsMs ?? 0),
  };
}

const numbers = (from: number, count: number) => Array.from({ length: count }, (_, k) => from + k);

async function enqueueBulk(url: string): Promise<Figures> {
  const tl = await tasklane(url);
  const same = plain(url, SAME);
  const fifo = plain(url, FIFO);
  const total = Math.ceil(N / BULK) * BULK;
  const contestants = [
    (list: number[]) => tl.noop.enqueueMany(list.map((i) => [i])),
    (list: number[]) =>
      same.addBulk(
        "noop",
        list.map((i) => ({ args: [i] })),
      ),
    (list: number[]) =>
      fifo.addBulk(
        "noop",
        list.map((i) => ({ args: [i] })),
      ),
  ];
  for (let i = 0; i < 3; i++) for (const add of contestants) await add(numbers(-BULK, BULK));
  const bulk = (add: (list: number[]) => Promise<unknown>) => async (from: number, to: number) => {
    for (let b = from; b < to; b += BULK) await add(numbers(b, Math.min(BULK, to - b)));
  };
  const [tlMs, sameMs, fifoMs] = await interleave(contestants.map(bulk), total);
  await Promise.all([tl.close(), same.close(), fifo.close()]);
  return { tl: perSecond(total, tlMs ?? 0), same: perSecond(total, sameMs ?? 0), fifo: perSecond(total, fifoMs ?? 0) };
}

/** Time for one worker (concurrency 50) to run `n` no-op tasks enqueued beforehand. */
async function drainTasklane(url: string, n = N, db = 0): Promise<number> {
  const tl = await tasklane(url, db);
  for (let b = 0; b < n; b += BULK) await tl.noop.enqueueMany(numbers(b, Math.min(BULK, n - b)).map((i) => [i]));
  const runner = tl.runner(true);
  const ms = await timed(() => runner.run());
  if (runner.stats.succeeded !== n) throw new Error(`tasklane drained ${runner.stats.succeeded} of ${n}`);
  await tl.close();
  return ms;
}

async function drainBull(url: string, opts: BullOpts, n = N, db = 0, concurrency = CONCURRENCY): Promise<number> {
  const bull = plain(url, opts, db);
  for (let b = 0; b < n; b += BULK) {
    await bull.addBulk(
      "noop",
      numbers(b, Math.min(BULK, n - b)).map((i) => ({ args: [i] })),
    );
  }
  let done = 0;
  let finish = () => {};
  const all = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const ms = await timed(async () => {
    const worker = bull.worker(async () => null, concurrency);
    worker.on("completed", () => {
      if (++done === n) finish();
    });
    await all;
    await worker.close();
  });
  await bull.close();
  return ms;
}

/** Two rounds, alternating contestants; the faster round of each counts (noise only slows). */
async function drain(url: string): Promise<Figures & { ms: Figures }> {
  // An untimed warm-up round (the JIT), then the timed ones.
  await drainTasklane(url, 2000);
  await drainBull(url, SAME, 2000);
  await drainBull(url, FIFO, 2000);
  const best = { tl: Number.POSITIVE_INFINITY, same: Number.POSITIVE_INFINITY, fifo: Number.POSITIVE_INFINITY };
  for (let round = 0; round < 2; round++) {
    best.tl = Math.min(best.tl, await drainTasklane(url));
    best.same = Math.min(best.same, await drainBull(url, SAME));
    best.fifo = Math.min(best.fifo, await drainBull(url, FIFO));
  }
  return { tl: perSecond(N, best.tl), same: perSecond(N, best.same), fifo: perSecond(N, best.fifo), ms: best };
}

async function usedMemory(client: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await client.info("memory"))?.[1]);
}

/** Databases 1..15 holding no key (INFO keyspace lists the others). */
async function emptyDatabases(client: Redis): Promise<number[]> {
  const used = new Set([...(await client.info("keyspace")).matchAll(/^db(\d+):/gm)].map((m) => Number(m[1])));
  return Array.from({ length: 15 }, (_, i) => i + 1).filter((db) => !used.has(db));
}

/**
 * Redis memory (INFO used_memory, before → after) for MEMORY_N no-op tasks enqueued in bulks and
 * run, results kept: tasklane, then plain BullMQ (same jobs, then FIFO; removeOnComplete false,
 * BullMQ's default). Each contestant gets an empty Redis database of its own, so one's keyspace
 * growing its hash table is never counted against another.
 */
async function memory(url: string): Promise<Figures> {
  const client = new Redis(url);
  try {
    const [tlDb, sameDb, fifoDb] = await emptyDatabases(client);
    if (fifoDb === undefined) throw new Error("the memory rows need three empty Redis databases (1..15)");
    const measure = async (run: () => Promise<unknown>) => {
      const before = await usedMemory(client);
      await run();
      return (await usedMemory(client)) - before;
    };
    return {
      tl: await measure(() => drainTasklane(url, MEMORY_N, tlDb)),
      same: await measure(() => drainBull(url, SAME, MEMORY_N, sameDb)),
      fifo: await measure(() => drainBull(url, FIFO, MEMORY_N, fifoDb)),
    };
  } finally {
    client.disconnect();
  }
}

async function main() {
  const redis = await startRedis();
  try {
    const info = new Redis(redis.url);
    const version = /redis_version:(\S+)/.exec(await info.info("server"))?.[1] ?? "?";
    info.disconnect();
    const single = await enqueueSingle(redis.url);
    const bulk = await enqueueBulk(redis.url);
    const drained = await drain(redis.url);
    const latency = await idleLatency(redis.url);
    const bytes = await memory(redis.url);
    // For npm run bench's summary (tasklane on sqlite beside plain BullMQ): BullMQ's figures of
    // this run, and BullMQ at concurrency 1 (same jobs), which the table above does not show.
    if (process.env.BENCH_BULLMQ_JSON) {
      const drain1Ms = await drainBull(redis.url, SAME, N, 0, 1);
      const figures: BullmqFigures = {
        singlePerSecond: single.same,
        bulkPerSecond: bulk.same,
        drain1PerSecond: perSecond(N, drain1Ms),
        drain50PerSecond: drained.same,
        latencyP99Ms: latency.p99.same,
        latencyP99OwnProcessMs: latency.ownProcess.p99,
        memoryTasklaneBytes: bytes.tl,
        memoryBullmqBytes: bytes.same,
        memoryTasks: MEMORY_N,
      };
      writeFileSync(process.env.BENCH_BULLMQ_JSON, JSON.stringify(figures));
    }
    const text = redisReport(
      { version, single, bulk, drained, latency, bytes },
      { N, SINGLE, BULK, CONCURRENCY, LATENCY_SAMPLES, MEMORY_N, ROUNDS, WARMUP, TARGET, SINGLE_TARGET },
    );
    writeFileSync(new URL("./REDIS.md", import.meta.url), text);
    process.stdout.write(text);
  } finally {
    redis.stop();
  }
}

await main();
