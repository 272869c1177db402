import { Job, type Queue } from "bullmq";
import { type QueueCounts, zeroCounts } from "../../contract/management.js";
import { queueStates } from "./controls.js";
import type { RedisHost } from "./host.js";
import { priorityHeads } from "./raw.js";
import { dueAtOf, type JobView } from "./records.js";

/**
 * Per-queue counts from BullMQ's getJobCounts (and tasklane's cancelled sets), each queue's
 * paused flag, and two ages:
 * - oldestReadyAt, the oldest of the next tasks to run (the wait list's head, the 50 first
 *   prioritized, the next delayed): exact unless an older task waits behind 50 of higher priority;
 * - oldestDueAt, from the first job of each priority level (a seek per level, raw.ts), the wait
 *   list's oldest and the first delayed job when it is due: within a level jobs join in the order
 *   they became due, so the earliest of these is the longest-waiting due task.
 */
export async function countByQueue(host: RedisHost, names: readonly string[]): Promise<QueueCounts[]> {
  const client = await host.client();
  const states = new Map((await queueStates(host, names)).map((s) => [s.queueName, s.paused]));
  return Promise.all(
    names.map(async (queueName): Promise<QueueCounts> => {
      const queue = await host.queue(queueName);
      const [bull, cancelled] = await Promise.all([
        queue.getJobCounts("waiting", "prioritized", "delayed", "waiting-children", "active", "completed", "failed"),
        client.zcard(host.keys.cancelledAt(queueName)),
      ]);
      const n = (state: string) => bull[state] ?? 0;
      const counts = zeroCounts();
      counts.READY = n("waiting") + n("paused") + n("prioritized") + n("delayed") + n("waiting-children");
      counts.RUNNING = n("active");
      counts.SUCCEEDED = n("completed");
      counts.FAILED = n("failed");
      counts.CANCELLED = cancelled;
      let oldestReadyAt: Date | null = null;
      let oldestDueAt: Date | null = null;
      if (counts.READY > 0) {
        const [next, due] = await Promise.all([
          Promise.all([queue.getWaiting(0, 0), queue.getPrioritized(0, 49), queue.getDelayed(0, 0)]),
          oldestDue(host, queue),
        ]);
        const times = next
          .flat()
          .map((job) => job.timestamp)
          .filter((t) => t > 0);
        if (times.length > 0) oldestReadyAt = new Date(Math.min(...times));
        oldestDueAt = due;
      }
      return { queueName, counts, oldestReadyAt, oldestDueAt, paused: states.get(queueName) ?? false };
    }),
  );
}

/** When the longest-waiting due job of the queue became due, or null when none is due. */
async function oldestDue(host: RedisHost, queue: Queue): Promise<Date | null> {
  const client = await host.client();
  const [heads, listed, delayed] = await Promise.all([
    priorityHeads(client, host.settings.prefix, queue.name),
    // The oldest of the wait list (the paused list while paused): its right end.
    queue.getRanges(["wait", "paused"], 0, 0, true),
    queue.getDelayed(0, 0),
  ]);
  const jobs = await Promise.all([...heads, ...listed].map((id) => Job.fromId(queue, id)));
  const now = Date.now();
  const dues = [...jobs, ...delayed]
    .filter((job): job is Job => job !== undefined && job !== null)
    .map((job) => dueAtOf(job as JobView))
    .filter((at) => at <= now);
  return dues.length > 0 ? new Date(Math.min(...dues)) : null;
}
