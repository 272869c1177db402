import { Job } from "bullmq";
import type { IdOutcome, PruneOptions, RetryOptions } from "../../contract/management.js";
import type { TaskResultData, TaskResultStatus } from "../../core/result.js";
import type { RedisHost } from "./host.js";
import { removeFromIndex } from "./id-index.js";
import { recordsById } from "./jobs.js";
import { indexMember } from "./own-keys.js";
import { cancelReadyJob, finishedBefore, heldForPeriod } from "./raw.js";
import type { JobData } from "./records.js";

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
export async function cancelIds(host: RedisHost, ids: string[]): Promise<IdOutcome[]> {
  if (ids.length === 0) return [];
  const client = await host.client();
  const records = await recordsById(host, [...new Set(ids)]);
  const rule = "only READY results can be cancelled";
  const why = (status: TaskResultStatus | undefined) =>
    `${status === "RUNNING" ? "it has already started; " : ""}${rule}`;
  return eachId(ids, records, async (id, record) => {
    if (record?.status !== "READY") return refused(id, record?.status, why(record?.status));
    const now = new Date();
    const tombstone: TaskResultData = { ...record, status: "CANCELLED", finishedAt: now };
    const job = { id, queueName: record.queueName, tombstone: JSON.stringify(tombstone), at: now.getTime() };
    if (await cancelReadyJob(client, host.settings.prefix, host.keys, job)) return { id, ok: true, status: "READY" };
    const current = (await recordsById(host, [id])).get(id);
    return refused(id, current?.status, why(current?.status));
  });
}

/**
 * FAILED → READY (due now), keeping errors and attempts and granting `options.attempts[task]`
 * more (default 1): the record as tasklane shows it (with any error BullMQ added itself, e.g.
 * WorkerLost) is written into the job's data first, then BullMQ moves the job from failed back
 * to waiting (Job.retry, its own attempt count reset so it allows the granted retries again).
 */
export async function retryIds(host: RedisHost, ids: string[], options: RetryOptions = {}): Promise<IdOutcome[]> {
  if (ids.length === 0) return [];
  const records = await recordsById(host, [...new Set(ids)]);
  return eachId(ids, records, async (id, record) => {
    const rule = "only FAILED results can be retried";
    if (record?.status !== "FAILED") return refused(id, record?.status, rule);
    // An evicted job (TaskEvicted) has no task name or arguments left: a retry would only fail again.
    if (!record.taskName) {
      return refused(id, "FAILED", "its data (task name and arguments) is gone from Redis: nothing is left to run");
    }
    const queue = await host.queue(record.queueName);
    const job = await Job.fromId(queue, id);
    if (!job) return refused(id, undefined, rule);
    const { starts: _old, ...kept } = job.data as JobData;
    const data: JobData = {
      ...kept,
      workerIds: record.workerIds,
      errors: record.errors,
      maxAttempts: record.workerIds.length + (options.attempts?.[record.taskName] ?? 1),
      // Every recorded attempt has ended: the next run starts clean (none of them is lost).
      s: record.workerIds.length,
      ...(record.startedAt ? { startedAt: record.startedAt.getTime() } : {}),
      ...(record.lastAttemptedAt ? { lastAttemptedAt: record.lastAttemptedAt.getTime() } : {}),
      runAfter: Date.now(),
    };
    try {
      await job.updateData(data);
      await job.retry("failed", { resetAttemptsMade: true });
      return { id, ok: true, status: "FAILED" };
    } catch {
      const current = (await recordsById(host, [id])).get(id);
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
export async function prunableSets(host: RedisHost, queues: string[], options: PruneOptions): Promise<PruneSet[]> {
  const client = await host.client();
  const { prefix } = host.settings;
  const sets: PruneSet[] = [];
  const tasks = options.taskNames?.length ? new Set(options.taskNames) : null;
  for (const queueName of queues) {
    if (options.queues?.length && !options.queues.includes(queueName)) continue;
    const [completedIds, failedIds, cancelledIds] = await Promise.all([
      finishedBefore(client, prefix, queueName, "completed", options.finishedBefore),
      finishedBefore(client, prefix, queueName, "failed", options.failedFinishedBefore),
      client.zrangebyscore(host.keys.cancelledAt(queueName), "-inf", `(${options.finishedBefore.getTime()}`),
    ]);
    const picked: PruneSet[] = [
      { queueName, kind: "completed", ids: completedIds },
      { queueName, kind: "failed", ids: failedIds },
      { queueName, kind: "cancelled", ids: cancelledIds },
    ];
    if (tasks) {
      for (const set of picked) set.ids = await filterByTask(host, set, tasks);
    }
    // A finished job still holding its unique key for a period stays until the period ends.
    for (const set of picked) {
      if (set.kind === "cancelled" || set.ids.length === 0) continue;
      const held = await heldForPeriod(client, prefix, queueName, set.ids);
      if (held.size > 0) set.ids = set.ids.filter((id) => !held.has(id));
    }
    sets.push(...picked.filter((s) => s.ids.length > 0));
  }
  return sets;
}

/** The ids of a set whose task is one of `tasks` (jobs read through BullMQ, tombstones from tasklane's hash). */
async function filterByTask(host: RedisHost, set: PruneSet, tasks: Set<string>): Promise<string[]> {
  if (set.ids.length === 0) return [];
  let names: (string | undefined)[];
  if (set.kind === "cancelled") {
    const client = await host.client();
    const stones = await client.hmget(host.keys.cancelled, ...set.ids);
    names = stones.map((text) => (text ? (JSON.parse(text) as TaskResultData).taskName : undefined));
  } else {
    const queue = await host.queue(set.queueName);
    names = (await Promise.all(set.ids.map((id) => Job.fromId(queue, id)))).map((job) => job?.name);
  }
  return set.ids.filter((_, i) => {
    const name = names[i];
    return name !== undefined && tasks.has(name);
  });
}

/** Deletes the sets' results in batches (jobs through BullMQ, then index and tombstones). */
export async function pruneSets(host: RedisHost, sets: PruneSet[], options: PruneOptions): Promise<number> {
  const client = await host.client();
  const keys = host.keys;
  const batchSize = Math.max(1, options.batchSize ?? 1000);
  const total = sets.reduce((n, s) => n + s.ids.length, 0);
  let deleted = 0;
  for (const set of sets) {
    const queue = await host.queue(set.queueName);
    for (let i = 0; i < set.ids.length; i += batchSize) {
      if (options.signal?.aborted) return deleted;
      const batch = set.ids.slice(i, i + batchSize);
      if (set.kind !== "cancelled") await Promise.all(batch.map((id) => queue.remove(id)));
      const members = batch.map((id) => indexMember(id, set.queueName));
      await Promise.all([
        removeFromIndex(client, keys, members),
        set.kind === "cancelled"
          ? client
              .pipeline()
              .hdel(keys.cancelled, ...batch)
              .zrem(keys.cancelledAt(set.queueName), ...batch)
              .exec()
          : null,
      ]);
      deleted += batch.length;
      options.onProgress?.(deleted, total);
    }
  }
  return deleted;
}
