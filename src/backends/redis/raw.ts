import type { Redis } from "ioredis";
import type { OwnKeys } from "./own-keys.js";

/**
 * The only module that touches BullMQ's keys (`<prefix>:<queue>:…`) directly. Everything else
 * goes through BullMQ's public API (Queue, Job, Worker); each function here says which
 * operation BullMQ does not offer. Key layout as of bullmq 5 (see node_modules/bullmq/dist/esm/commands).
 */

const queueKey = (prefix: string, queue: string, suffix: string) => `${prefix}:${queue}:${suffix}`;

/**
 * Removes a waiting or delayed job and leaves a CANCELLED tombstone, atomically: a job a worker
 * has already taken (active, or finished) is not touched and the script returns 0.
 */
const CANCEL = `
local id = ARGV[1]
local removed = redis.call("ZREM", KEYS[1], id) + redis.call("ZREM", KEYS[2], id)
  + redis.call("LREM", KEYS[3], 0, id) + redis.call("LREM", KEYS[4], 0, id)
if removed == 0 then return 0 end
redis.call("DEL", KEYS[5], KEYS[6])
redis.call("HSET", KEYS[7], id, ARGV[2])
redis.call("ZADD", KEYS[8], ARGV[3], id)
return 1`;

/**
 * READY → CANCELLED. Raw because Job.remove / Queue.remove also delete finished jobs: a task
 * that started and finished between our READY check and the removal would lose its result and
 * read as cancelled. This script removes the job from the READY sets only, in one atomic step.
 */
export async function cancelReadyJob(
  client: Redis,
  prefix: string,
  keys: OwnKeys,
  job: { id: string; queueName: string; tombstone: string; at: number },
): Promise<boolean> {
  const q = (suffix: string) => queueKey(prefix, job.queueName, suffix);
  const done = await client.eval(
    CANCEL,
    8,
    q("prioritized"),
    q("delayed"),
    q("wait"),
    q("paused"),
    q(job.id),
    q(`${job.id}:logs`),
    keys.cancelled,
    keys.cancelledAt(job.queueName),
    job.id,
    job.tombstone,
    job.at,
  );
  return done === 1;
}

/**
 * Ids of the jobs of a queue that finished (completed or failed) before `before`, oldest first.
 * Raw because BullMQ's getters page by position only (getCompleted(start, end)), so finding the
 * old ones means reading every finished job; its finished sets are scored by finish time, and
 * one range query answers. (Queue.clean deletes by age but cannot list first, for a dry run.)
 */
export function finishedBefore(
  client: Redis,
  prefix: string,
  queue: string,
  kind: "completed" | "failed",
  before: Date,
): Promise<string[]> {
  return client.zrangebyscore(queueKey(prefix, queue, kind), "-inf", `(${before.getTime()}`);
}

/**
 * How many jobs of these queues finished (completed or failed) in each minute-long window from
 * `from`, plus the cancelled ones (tasklane's own sets). Raw for the same reason as
 * finishedBefore: counting by finish time is a range count on BullMQ's finished sets, while its
 * getters would read every finished job (getMetrics needs metrics enabled in every worker).
 */
export async function finishedPerMinute(
  client: Redis,
  prefix: string,
  keys: OwnKeys,
  queues: string[],
  from: number,
  minutes: number,
): Promise<number[]> {
  const p = client.pipeline();
  for (let i = 0; i < minutes; i++) {
    const lo = from + i * 60_000;
    const hi = `(${lo + 60_000}`;
    for (const q of queues) {
      p.zcount(queueKey(prefix, q, "completed"), lo, hi)
        .zcount(queueKey(prefix, q, "failed"), lo, hi)
        .zcount(keys.cancelledAt(q), lo, hi);
    }
  }
  const replies = (await p.exec()) ?? [];
  const per = queues.length * 3;
  return Array.from({ length: minutes }, (_, i) =>
    replies.slice(i * per, (i + 1) * per).reduce((sum, [error, v]) => {
      if (error) throw error;
      return sum + Number(v ?? 0);
    }, 0),
  );
}
