import { Job } from "bullmq";
import type { TaskResultData } from "../../core/result.js";
import type { RedisHost } from "./host.js";
import { queuesOf } from "./id-index.js";
import { tombstones } from "./own-keys.js";
import { bullState, dueAtOf, type JobSnapshot, type JobView, toRecord } from "./records.js";

export interface JobRef {
  id: string;
  queueName: string;
}

/**
 * Reads jobs with their states through BullMQ's getters (getJobState, Job.fromId): all states
 * first, then all jobs and cancelled tombstones, two round trips for any number of jobs. In that
 * order a job that moves between the reads only shows an older status with newer fields (RUNNING
 * with its return value, say), never SUCCEEDED without its return value. Entries whose job and
 * tombstone are both gone come back as null.
 */
export async function readJobs(host: RedisHost, refs: JobRef[]): Promise<(JobSnapshot | null)[]> {
  if (refs.length === 0) return [];
  const client = await host.client();
  const queues = new Map(
    await Promise.all(
      [...new Set(refs.map((r) => r.queueName))].map(async (name) => [name, await host.queue(name)] as const),
    ),
  );
  const queueOf = (ref: JobRef) => queues.get(ref.queueName) as NonNullable<ReturnType<typeof queues.get>>;
  const states = await Promise.all(refs.map((ref) => queueOf(ref).getJobState(ref.id)));
  const [jobs, tombs] = await Promise.all([
    Promise.all(refs.map((ref) => Job.fromId(queueOf(ref), ref.id))),
    tombstones(
      client,
      host.keys,
      refs.map((r) => r.id),
    ),
  ]);
  await host.workerNames.load(
    client,
    host.keys,
    jobs.map((job) => job?.processedBy),
  );
  return refs.map(({ id, queueName }, i) => {
    const job = (jobs[i] ?? null) as JobView | null;
    const tomb = tombs[i] ?? null;
    if (!job)
      return tomb ? { id, queueName, job: null, state: "cancelled", dueAt: null, tombstone: JSON.parse(tomb) } : null;
    const state = bullState(states[i] as string) ?? "waiting";
    return { id, queueName, job, state, dueAt: state === "delayed" ? dueAtOf(job) : null, tombstone: null };
  });
}

/** Records of these refs, in order, skipping ones deleted meanwhile. */
export async function recordsOf(host: RedisHost, refs: JobRef[]): Promise<TaskResultData[]> {
  const snaps = await readJobs(host, refs);
  return snaps.flatMap((s) => (s ? [toRecord(host.alias, s, host.workerNames.name)] : []));
}

/** Records by id (any order of ids; unknown ids are left out). */
export async function recordsById(host: RedisHost, ids: string[]): Promise<Map<string, TaskResultData>> {
  const queues = await queuesOf(await host.client(), host.keys, ids);
  const records = await recordsOf(
    host,
    [...queues].map(([id, queueName]) => ({ id, queueName })),
  );
  return new Map(records.map((r) => [r.id, r]));
}
