import type { QueueState } from "../../contract/queue-controls.js";
import type { RedisHost } from "./host.js";

// Queue controls on Redis are BullMQ's own, stored in each queue's meta hash and checked by the
// script that hands a job to a worker (moveToActive), so they hold across every worker and host:
// - pause: Queue.pause()/resume() (workers stop taking the queue's jobs; running ones finish;
//   adds still work). tasklane keeps only when it was paused, beside it (own-keys pausedAt).
// - concurrency: Queue.setGlobalConcurrency (no more jobs active than that, whoever runs them).
// - rate: Queue.setGlobalRateLimit (a fixed window: at most `max` starts per `duration`,
//   starting with the window's first start; a worker that hits it waits for the window's end).

/** Pauses the queues (BullMQ's flag), noting when each was paused; a queue already paused keeps its time. */
export async function pauseQueues(host: RedisHost, names: string[]): Promise<void> {
  const client = await host.client();
  for (const name of new Set(names)) {
    const queue = await host.queue(name);
    const was = await queue.isPaused();
    await queue.pause();
    const now = String(Date.now());
    // Listed as a used queue, so an empty paused queue still shows in counts and states.
    const p = client.pipeline().sadd(host.keys.queues, name);
    if (was) p.hsetnx(host.keys.pausedAt, name, now);
    else p.hset(host.keys.pausedAt, name, now);
    await p.exec();
  }
}

export async function resumeQueues(host: RedisHost, names: string[]): Promise<void> {
  const client = await host.client();
  for (const name of new Set(names)) {
    await (await host.queue(name)).resume();
    await client.hdel(host.keys.pausedAt, name);
  }
}

/** Each queue's paused state (BullMQ's flag is the truth; the time is tasklane's note of it). */
export async function queueStates(host: RedisHost, names: readonly string[]): Promise<QueueState[]> {
  const client = await host.client();
  const [paused, times] = await Promise.all([
    Promise.all(names.map(async (name) => (await host.queue(name)).isPaused())),
    client.hgetall(host.keys.pausedAt),
  ]);
  return names.map((queueName, i) => {
    const at = paused[i] ? Number(times[queueName]) : Number.NaN;
    return { queueName, paused: paused[i] === true, pausedAt: Number.isFinite(at) ? new Date(at) : null };
  });
}

/**
 * Writes the config's limits into the queues' meta before a worker starts taking their jobs, and
 * removes limits the config no longer has: the config is the truth, and the worker started last
 * sets it for everyone (each worker of a queue is expected to load the same config).
 */
export async function applyLimits(host: RedisHost, names: readonly string[]): Promise<void> {
  await Promise.all(
    names.map(async (name) => {
      const queue = await host.queue(name);
      const limits = host.limits[name];
      await Promise.all([
        limits?.concurrency !== undefined
          ? queue.setGlobalConcurrency(limits.concurrency)
          : queue.removeGlobalConcurrency(),
        limits?.rate
          ? queue.setGlobalRateLimit(limits.rate.limit, limits.rate.periodMs)
          : queue.removeGlobalRateLimit(),
      ]);
    }),
  );
}
