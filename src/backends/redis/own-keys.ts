import type { Redis } from "ioredis";

/**
 * Keys tasklane keeps beside BullMQ's (BullMQ has no id → queue lookup, no cancelled state, no
 * worker registry, no pause time and no cron schedules that catch up). BullMQ's keys are
 * `<prefix>:<queue>:…` and a queue name is never empty, so `<prefix>::…` can never collide with
 * a queue's keys. Only tasklane reads and writes these.
 */
export function ownKeys(prefix: string) {
  const base = `${prefix}::`;
  return {
    /** ZSET, all scores 0: the starts of the id index's buckets (id-index.ts). */
    ids: `${base}ids`,
    /** ZSET, all scores 0, members "<id> <queue>": one bucket of the id index, ids from `start` on. */
    idBucket: (start: string) => `${base}ids:${start}`,
    /** ZSET, all scores 0, members "<id> <queue>": the id index's entries not moved into buckets yet. */
    index: `${base}index`,
    /** SET of queue names that ever had a task. */
    queues: `${base}queues`,
    /** HASH id → JSON record of cancelled results (BullMQ has no cancelled state). */
    cancelled: `${base}cancelled`,
    /** ZSET per queue: cancelled ids scored by when they were cancelled (for prune and counts). */
    cancelledAt: (queue: string) => `${base}cancelled-at:${queue}`,
    /** HASH worker id → the short code BullMQ records for it (field "": the last code's number); worker-codes.ts. */
    workerCodes: `${base}worker-codes`,
    /** HASH code → worker id (the reverse of workerCodes). */
    workerNames: `${base}worker-names`,
    /** HASH worker id → JSON registration and heartbeat. */
    workers: `${base}workers`,
    /** HASH queue → when `tasks pause` paused it (ms); BullMQ's own paused flag is the truth. */
    pausedAt: `${base}paused-at`,
    /** HASH schedule name → JSON { taskName, cron, timezone, lastTick, nextTick } (schedules.ts). */
    schedules: `${base}schedules`,
    /** HASH schedule name → when a sync removed it (ms): a missing row that is not here was lost with Redis's data. */
    schedulesRemoved: `${base}schedules-removed`,
  };
}
export type OwnKeys = ReturnType<typeof ownKeys>;

export const indexMember = (id: string, queue: string) => `${id} ${queue}`;

/** Splits an index member "<id> <queue>" (ids never contain a space; queue names may). */
export function parseMember(member: string): { id: string; queueName: string } {
  const space = member.indexOf(" ");
  return { id: member.slice(0, space), queueName: member.slice(space + 1) };
}

/** The cancelled tombstones (JSON records) of these ids, null where there is none. */
export async function tombstones(client: Redis, keys: OwnKeys, ids: string[]): Promise<(string | null)[]> {
  return ids.length === 0 ? [] : client.hmget(keys.cancelled, ...ids);
}

/** Every queue that ever had a task. */
export function usedQueues(client: Redis, keys: OwnKeys): Promise<string[]> {
  return client.smembers(keys.queues);
}
