import { Job } from "bullmq";
import type { Redis } from "ioredis";
import type { IdOutcome, PruneOptions } from "../../contract/management.js";
import type { TaskResultData, TaskResultStatus } from "../../core/result.js";
import type { RedisManagement } from "./manage.js";
import { indexMember, type JobData } from "./records.js";

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

function refused(id: string, status: TaskResultStatus | undefined, rule: string): IdOutcome {
  if (status === undefined) return { id, ok: false, reason: "no such result" };
  return { id, ok: false, status, reason: `is ${status}; ${rule}` };
}

/** One outcome per input id, in order; a repeated id gets the outcome of its first occurrence. */
async function eachId(
  ids: readonly string[],
  records: Map<string, TaskResultData>,
  change: (id: string, record: TaskResultData | undefined) => Promise<IdOutcome>,
): Promise<IdOutcome[]> {
  const done = new Map<string, IdOutcome>();
  const out: IdOutcome[] = [];
  for (const id of ids) {
    let outcome = done.get(id);
    if (!outcome) {
      outcome = await change(id, records.get(id));
      done.set(id, outcome);
    }
    out.push({ ...outcome });
  }
  return out;
}

/** READY → CANCELLED: the job leaves BullMQ; its record stays readable as a tombstone. */
export async function cancelIds(manage: RedisManagement, client: Redis, ids: string[]): Promise<IdOutcome[]> {
  if (ids.length === 0) return [];
  const { prefix } = manage.backend.settings;
  const keys = manage.backend.keys;
  const records = await manage.byIds([...new Set(ids)]);
  return eachId(ids, records, async (id, record) => {
    const rule = "only READY results can be cancelled";
    if (record?.status !== "READY") {
      const why = record?.status === "RUNNING" ? "it has already started; " : "";
      return refused(id, record?.status, `${why}${rule}`);
    }
    const now = new Date();
    const tombstone: TaskResultData = { ...record, status: "CANCELLED", finishedAt: now };
    const q = `${prefix}:${record.queueName}:`;
    const done = await client.eval(
      CANCEL,
      8,
      `${q}prioritized`,
      `${q}delayed`,
      `${q}wait`,
      `${q}paused`,
      `${q}${id}`,
      `${q}${id}:logs`,
      keys.cancelled,
      keys.cancelledAt(record.queueName),
      id,
      JSON.stringify(tombstone),
      now.getTime(),
    );
    if (done === 1) return { id, ok: true, status: "READY" };
    const now2 = (await manage.byIds([id])).get(id);
    return refused(id, now2?.status, `${now2?.status === "RUNNING" ? "it has already started; " : ""}${rule}`);
  });
}

/**
 * FAILED → READY (due now), keeping errors and attempts: the record as tasklane shows it (with
 * any error BullMQ added itself, e.g. WorkerLost) is written into the job's data first, then
 * BullMQ moves the job from failed back to waiting.
 */
export async function retryIds(manage: RedisManagement, client: Redis, ids: string[]): Promise<IdOutcome[]> {
  if (ids.length === 0) return [];
  const records = await manage.byIds([...new Set(ids)]);
  return eachId(ids, records, async (id, record) => {
    const rule = "only FAILED results can be retried";
    if (record?.status !== "FAILED") return refused(id, record?.status, rule);
    const queue = await manage.backend.queue(record.queueName);
    const job = await Job.fromId(queue, id);
    if (!job) return refused(id, undefined, rule);
    const data: JobData = {
      ...(job.data as JobData),
      workerIds: record.workerIds,
      errors: record.errors,
      ...(record.startedAt ? { startedAt: record.startedAt.getTime() } : {}),
      ...(record.lastAttemptedAt ? { lastAttemptedAt: record.lastAttemptedAt.getTime() } : {}),
      runAfter: Date.now(),
    };
    try {
      // Starts counted by BullMQ must match the attempts recorded (see the worker's lost-run check).
      await client.hset(`${manage.backend.settings.prefix}:${record.queueName}:${id}`, "ats", record.workerIds.length);
      await job.updateData(data);
      await job.retry("failed");
      return { id, ok: true, status: "FAILED" };
    } catch {
      const current = (await manage.byIds([id])).get(id);
      return refused(id, current?.status, rule);
    }
  });
}

/** Finished results to prune, per queue and kind. */
interface PruneSet {
  queueName: string;
  kind: "completed" | "failed" | "cancelled";
  ids: string[];
}

/** The ids a prune would delete (finished before the cutoffs, matching queue and task filters). */
export async function prunableSets(manage: RedisManagement, client: Redis, options: PruneOptions): Promise<PruneSet[]> {
  const { prefix } = manage.backend.settings;
  const keys = manage.backend.keys;
  const sets: PruneSet[] = [];
  const tasks = options.taskNames?.length ? new Set(options.taskNames) : null;
  for (const queueName of await manage.queues(client)) {
    if (options.queues?.length && !options.queues.includes(queueName)) continue;
    const finished = `(${options.finishedBefore.getTime()}`;
    const failed = `(${options.failedFinishedBefore.getTime()}`;
    const [completedIds, failedIds, cancelledIds] = await Promise.all([
      client.zrangebyscore(`${prefix}:${queueName}:completed`, "-inf", finished),
      client.zrangebyscore(`${prefix}:${queueName}:failed`, "-inf", failed),
      client.zrangebyscore(keys.cancelledAt(queueName), "-inf", finished),
    ]);
    const picked: PruneSet[] = [
      { queueName, kind: "completed", ids: completedIds },
      { queueName, kind: "failed", ids: failedIds },
      { queueName, kind: "cancelled", ids: cancelledIds },
    ];
    if (tasks) {
      for (const set of picked) set.ids = await filterByTask(client, prefix, keys.cancelled, set, tasks);
    }
    sets.push(...picked.filter((s) => s.ids.length > 0));
  }
  return sets;
}

async function filterByTask(
  client: Redis,
  prefix: string,
  cancelledKey: string,
  set: PruneSet,
  tasks: Set<string>,
): Promise<string[]> {
  if (set.ids.length === 0) return [];
  const p = client.pipeline();
  for (const id of set.ids) {
    if (set.kind === "cancelled") p.hget(cancelledKey, id);
    else p.hget(`${prefix}:${set.queueName}:${id}`, "name");
  }
  const replies = (await p.exec()) ?? [];
  return set.ids.filter((_, i) => {
    const value = replies[i]?.[1] as string | null;
    if (!value) return false;
    const name = set.kind === "cancelled" ? (JSON.parse(value) as TaskResultData).taskName : value;
    return tasks.has(name);
  });
}

/** Deletes the sets' results in batches (jobs through BullMQ, then index and tombstones). */
export async function pruneSets(
  manage: RedisManagement,
  client: Redis,
  sets: PruneSet[],
  options: PruneOptions,
): Promise<number> {
  const keys = manage.backend.keys;
  const batchSize = Math.max(1, options.batchSize ?? 1000);
  const total = sets.reduce((n, s) => n + s.ids.length, 0);
  let deleted = 0;
  for (const set of sets) {
    const queue = await manage.backend.queue(set.queueName);
    for (let i = 0; i < set.ids.length; i += batchSize) {
      const batch = set.ids.slice(i, i + batchSize);
      if (set.kind !== "cancelled") await Promise.all(batch.map((id) => queue.remove(id)));
      const p = client.pipeline().zrem(keys.index, ...batch.map((id) => indexMember(id, set.queueName)));
      if (set.kind === "cancelled") p.hdel(keys.cancelled, ...batch).zrem(keys.cancelledAt(set.queueName), ...batch);
      await p.exec();
      deleted += batch.length;
      options.onProgress?.(deleted, total);
    }
  }
  return deleted;
}
