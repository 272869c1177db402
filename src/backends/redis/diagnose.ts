import type { Diagnosis } from "../../contract/diagnosis.js";
import type { WorkerInfo } from "../../contract/management.js";
import { TaskResultDoesNotExist } from "../../core/errors.js";
import type { RedisHost } from "./host.js";
import { recordsById } from "./jobs.js";
import { dueAhead, lockMsLeft, rateWindow } from "./raw.js";
import { toBullPriority } from "./records.js";
import { deduplicationId } from "./unique.js";

/** Holders listed at most (the CLI shows a few). */
const HOLDERS = 10;

/**
 * The facts behind `tasks why ID` on Redis, read together (not one atomic snapshot: a job can
 * move between the reads). Each comes from where BullMQ keeps it: the queue's paused flag and
 * active list (holders are the jobs' processedBy, worker codes read as worker ids), the rate window's
 * counter and time left, the job's rank among the due jobs a worker takes first, and the
 * job's lock (the running worker's lease), the holder of a unique task's key (BullMQ's
 * deduplication key, unique.ts). Per-key limits do not exist on Redis (key: null).
 */
export async function diagnose(host: RedisHost, id: string, workers: () => Promise<WorkerInfo[]>): Promise<Diagnosis> {
  const result = (await recordsById(host, [id])).get(id);
  if (!result) throw new TaskResultDoesNotExist(`No task result with id ${id} in backend "${host.alias}"`);
  const client = await host.client();
  const { prefix } = host.settings;
  const name = result.queueName;
  const queue = await host.queue(name);
  const limits = host.limits[name] ?? null;
  const now = Date.now();
  const due = result.status === "READY" && (result.runAfter?.getTime() ?? 0) <= now;
  const [paused, pausedAt, running, active, rate, ahead, lease, known, holder] = await Promise.all([
    queue.isPaused(),
    client.hget(host.keys.pausedAt, name),
    queue.getActiveCount(),
    queue.getActive(0, HOLDERS - 1),
    limits?.rate ? rateWindow(client, prefix, name) : null,
    due ? dueAhead(client, prefix, { id, queueName: name, bullPriority: toBullPriority(result.priority) }) : 0,
    result.status === "RUNNING" ? lockMsLeft(client, prefix, name, id) : null,
    workers(),
    result.uniqueKey ? queue.getDeduplicationJobId(deduplicationId(result.taskName, result.uniqueKey)) : null,
  ]);
  await host.workerNames.load(
    client,
    host.keys,
    active.map((job) => job.processedBy),
  );
  return {
    result,
    queue: {
      name,
      paused,
      pausedAt: paused && pausedAt ? new Date(Number(pausedAt)) : null,
      running,
      runningHolders: active.map((job) => ({
        id: job.id as string,
        workerId: job.processedBy === undefined ? null : host.workerNames.name(job.processedBy),
      })),
      limits,
      // An expired window is no window: nothing counted until the next start opens one.
      rateUsed: rate ? (rate.msLeft === null ? 0 : rate.used) : null,
      rateWindowEndsAt: rate?.msLeft ? new Date(now + rate.msLeft) : null,
      dueAhead: ahead,
    },
    key: null,
    unique: result.uniqueKey ? { key: result.uniqueKey, holderId: holder ?? null } : null,
    workers: known,
    leaseExpiresAt: lease === null ? null : new Date(now + lease),
  };
}
