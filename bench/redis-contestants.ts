// The contestants of bench/redis.ts: tasklane's redis backend and plain BullMQ, each on a fresh
// key prefix of the same Redis, with the bench's tasks and job shapes.
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { RedisBackend } from "../src/backends/redis/backend.js";
import { defineConfig } from "../src/config/define.js";
import { setActiveConfig } from "../src/config/registry.js";
import { AttemptLifecycle } from "../src/contract/attempt.js";
import { task } from "../src/core/task.js";

export const QUEUE = "bench";
export const CONCURRENCY = 50;

/** When each probe task started (performance.now()), by its argument. */
export const probeStarts = new Map<number, number>();
export const noop = task((_i: number) => null);
export const probe = task((i: number) => {
  probeStarts.set(i, performance.now());
  return null;
});

let runs = 0;
const prefixFor = (who: string) => `bench-${who}-${process.pid}-${runs++}`;

/** A fresh tasklane redis backend (own key prefix; `db`: a Redis database of its own) with the bench's tasks registered. */
export async function tasklane(url: string, db = 0) {
  const options = { url, prefix: prefixFor("tl"), ...(db > 0 ? { connection: { db } } : {}) };
  const config = defineConfig({
    backends: { default: { backend: "redis", queues: [QUEUE], options } },
    tasks: { noop: noop.using({ queueName: QUEUE }), probe: probe.using({ queueName: QUEUE }) },
  });
  const backend = (await config.getBackend("default")) as RedisBackend;
  const runner = (batch: boolean) => {
    const lifecycle = new AttemptLifecycle({
      backend,
      tasks: config.tasks,
      workerId: `bench-${process.pid}`,
      registry: "bench",
    });
    const made = backend.createWorkerRunner({
      lifecycle,
      events: {},
      options: {
        workerId: `bench-${process.pid}`,
        selector: { include: [QUEUE], exclude: [] },
        concurrency: CONCURRENCY,
        intervalMs: 1000,
        batch,
        maxTasks: 0,
        startupDelay: false,
        heartbeatMs: 5000,
      },
    });
    return { run: () => made.run(), stop: () => made.stop(), stats: lifecycle.stats };
  };
  return {
    noop: noop.using({ queueName: QUEUE }),
    probe: probe.using({ queueName: QUEUE }),
    runner,
    close: async () => {
      await config.close();
      setActiveConfig(null);
    },
  };
}

/** Plain BullMQ on its own key prefix (`db`: a Redis database of its own): the baseline. */
export function plain(url: string, opts: { priority?: number }, db = 0) {
  const prefix = prefixFor("bull");
  const connection = new Redis(url, { maxRetriesPerRequest: null, db });
  const queue = new Queue(QUEUE, { connection, prefix });
  return {
    queue,
    prefix,
    add: (name: string, data: unknown) => queue.add(name, data, opts),
    addBulk: (name: string, list: unknown[]) => queue.addBulk(list.map((data) => ({ name, data, opts }))),
    worker: (processor: (job: { data: { i: number } }) => Promise<null>, concurrency = CONCURRENCY) =>
      new Worker(QUEUE, processor, { connection, prefix, concurrency }),
    close: async () => {
      await queue.close();
      connection.disconnect();
    },
  };
}

export type BullOpts = { priority?: number };
/** The baseline: the same job shape as tasklane's (every job prioritized, priority 0 → 101). */
export const SAME: BullOpts = { priority: 101 };
/** For reference: BullMQ's cheapest path, plain FIFO jobs (no priorities). */
export const FIFO: BullOpts = {};
