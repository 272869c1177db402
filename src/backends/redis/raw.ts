import type { Redis } from "ioredis";
import type { OwnKeys } from "./own-keys.js";
import { replyValues } from "./replies.js";

/**
 * The only module that touches BullMQ's keys (`<prefix>:<queue>:…`) directly. Everything else
 * goes through BullMQ's public API (Queue, Job, Worker); each function here says which
 * operation BullMQ does not offer. Key layout as of bullmq 5 (see node_modules/bullmq/dist/esm/commands).
 */

const queueKey = (prefix: string, queue: string, suffix: string) => `${prefix}:${queue}:${suffix}`;

/**
 * Removes a waiting or delayed job and leaves a CANCELLED tombstone, atomically: a job a worker
 * has already taken (active, or finished) is not touched and the script returns 0. A unique
 * task's deduplication key is given up with it, unless it holds for a period (a key with an
 * expiry, unique.ts), as a cancel does on SQLite.
 */
const CANCEL = `
local id = ARGV[1]
local removed = redis.call("ZREM", KEYS[1], id) + redis.call("ZREM", KEYS[2], id)
  + redis.call("LREM", KEYS[3], 0, id) + redis.call("LREM", KEYS[4], 0, id)
if removed == 0 then return 0 end
local deid = redis.call("HGET", KEYS[5], "deid")
if deid then
  local held = ARGV[4] .. deid
  if redis.call("PTTL", held) == -1 and redis.call("GET", held) == id then redis.call("DEL", held) end
end
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
    q("de:"),
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
 * The ids among these finished jobs that still hold a unique key for a period (a deduplication
 * key with time left that names the job). A prune leaves them: the hold must last its period
 * whatever happens to the task, and BullMQ's job removal would give the key up. Raw because
 * BullMQ offers no way to ask which job holds a key without its id. Read in pipelines of
 * `chunk` jobs: the job's "deid" field, then the key's holder and time left.
 */
export async function heldForPeriod(client: Redis, prefix: string, queue: string, ids: string[], chunk = 1000) {
  const held = new Set<string>();
  for (let i = 0; i < ids.length; i += chunk) {
    const part = ids.slice(i, i + chunk);
    const deids = replyValues<string | null>(
      await part.reduce((p, id) => p.hget(queueKey(prefix, queue, id), "deid"), client.pipeline()).exec(),
    );
    const holding = part.flatMap((id, k) => (deids[k] ? [{ id, key: queueKey(prefix, queue, `de:${deids[k]}`) }] : []));
    if (holding.length === 0) continue;
    const replies = replyValues<string | number | null>(
      await holding.reduce((p, h) => p.get(h.key).pttl(h.key), client.pipeline()).exec(),
    );
    holding.forEach((h, k) => {
      if (replies[2 * k] === h.id && Number(replies[2 * k + 1]) > 0) held.add(h.id);
    });
  }
  return held;
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
  const counts = replyValues<number | null>(await p.exec());
  const per = queues.length * 3;
  return Array.from({ length: minutes }, (_, i) =>
    counts.slice(i * per, (i + 1) * per).reduce<number>((sum, v) => sum + Number(v ?? 0), 0),
  );
}

/** BullMQ's prioritized score: priority × 2^32 + an insertion counter (FIFO within a priority). */
const LEVEL = 0x100000000;

/**
 * The first job of each priority level in BullMQ's prioritized set, one seek per level present
 * (at most 201 with tasklane's priorities). Raw because BullMQ pages that set by position only:
 * the oldest job of a low priority can sit behind any number of higher ones.
 */
const PRIORITY_HEADS = `
local heads = {}
local from = "-inf"
for _ = 1, 512 do
  local first = redis.call("ZRANGEBYSCORE", KEYS[1], from, "+inf", "WITHSCORES", "LIMIT", 0, 1)
  if #first == 0 then break end
  heads[#heads + 1] = first[1]
  from = string.format("%.0f", (math.floor(tonumber(first[2]) / ${LEVEL}) + 1) * ${LEVEL})
end
return heads`;

export async function priorityHeads(client: Redis, prefix: string, queue: string): Promise<string[]> {
  return (await client.eval(PRIORITY_HEADS, 1, queueKey(prefix, queue, "prioritized"))) as string[];
}

/**
 * How many jobs a worker takes before this READY one: BullMQ serves its wait list first (from
 * the right), then the prioritized set in score order; a due job still in the delayed set joins
 * its level behind the ones there. Raw because BullMQ has no rank getter (ZRANK answers in
 * O(log n), a getter would read the set).
 */
const DUE_AHEAD = `
local lists = redis.call("LLEN", KEYS[2]) + redis.call("LLEN", KEYS[3])
local rank = redis.call("ZRANK", KEYS[1], ARGV[1])
if rank then return lists + rank end
for i = 2, 3 do
  local pos = redis.pcall("LPOS", KEYS[i], ARGV[1])
  if type(pos) == "number" then return redis.call("LLEN", KEYS[i]) - 1 - pos end
end
return lists + redis.call("ZCOUNT", KEYS[1], "-inf", "(" .. string.format("%.0f", (tonumber(ARGV[2]) + 1) * ${LEVEL}))`;

export async function dueAhead(
  client: Redis,
  prefix: string,
  job: { id: string; queueName: string; bullPriority: number },
): Promise<number> {
  const q = (suffix: string) => queueKey(prefix, job.queueName, suffix);
  return Number(await client.eval(DUE_AHEAD, 3, q("prioritized"), q("wait"), q("paused"), job.id, job.bullPriority));
}

/**
 * The queue's rate window: starts counted in it and the ms left (null when no window is open).
 * Raw because BullMQ exposes only the window's time left (getRateLimitTtl), not its count.
 */
export async function rateWindow(
  client: Redis,
  prefix: string,
  queue: string,
): Promise<{ used: number; msLeft: number | null }> {
  const key = queueKey(prefix, queue, "limiter");
  const [used, pttl] = replyValues<string | number | null>(await client.pipeline().get(key).pttl(key).exec());
  const ms = Number(pttl);
  return { used: Number(used ?? 0) || 0, msLeft: ms > 0 ? ms : null };
}

/**
 * Ms left on a job's lock (its worker's lease, renewed while the task runs), or null when no lock
 * is held. Raw because BullMQ keeps the lock to its workers.
 */
export async function lockMsLeft(client: Redis, prefix: string, queue: string, id: string): Promise<number | null> {
  const ms = await client.pttl(queueKey(prefix, queue, `${id}:lock`));
  return ms > 0 ? ms : null;
}
