import type { Queue } from "bullmq";
import type { EnqueueRequest } from "../../core/environment.js";
import { TasklaneError } from "../../core/errors.js";
import type { TaskResultData } from "../../core/result.js";
import type { RedisHost } from "./host.js";
import { addToIndex, removeFromIndex } from "./id-index.js";
import { recordsOf } from "./jobs.js";
import { indexMember } from "./own-keys.js";
import { jobData, jobOptions } from "./records.js";

/**
 * Stores READY records as BullMQ jobs (one add per queue, or addBulk for several), with their
 * index entries, in one round trip. Returns, per record in order, the record, or for a unique
 * task whose key another job holds, the holder's record marked `deduplicated` (BullMQ returned
 * the holder's id instead of storing the job). A record whose job id exists already (a schedule's
 * tick, whose id is made from the tick) is left as it is: BullMQ stores no second job.
 * `knownQueues` are the queue names already in the `queues` set (this process adds new ones).
 */
export async function storeJobs(
  host: RedisHost,
  records: readonly TaskResultData[],
  requests: readonly EnqueueRequest[],
  now: Date,
  knownQueues: Set<string>,
): Promise<TaskResultData[]> {
  const byQueue = new Map<string, number[]>();
  records.forEach((record, i) => {
    const list = byQueue.get(record.queueName) ?? [];
    list.push(i);
    byQueue.set(record.queueName, list);
  });
  const client = await host.client();
  const queues = new Map<string, Queue>();
  for (const name of byQueue.keys()) queues.set(name, await host.queue(name));
  // The index entries go first on the same connection, so a getResult right after the
  // enqueue (from any process) always finds the queue. Nothing waits in between: the
  // commands travel together and cost one round trip.
  const members = records.map((record) => indexMember(record.id, record.queueName));
  const writes: Promise<unknown>[] = [addToIndex(client, host.keys, members)];
  const newQueues = [...byQueue.keys()].filter((name) => !knownQueues.has(name));
  if (newQueues.length > 0) {
    const remember = () => {
      for (const name of newQueues) knownQueues.add(name);
    };
    writes.push(client.sadd(host.keys.queues, ...newQueues).then(remember));
  }
  const stored: (string | undefined)[] = new Array(records.length);
  for (const [name, indexes] of byQueue) {
    const queue = queues.get(name) as Queue;
    const job = (i: number) => {
      const record = records[i] as TaskResultData;
      return { name: record.taskName, data: jobData(record, requests[i]), opts: jobOptions(record, now, requests[i]) };
    };
    const [only] = indexes;
    // One job: BullMQ's add (one script call) is cheaper than addBulk's pipeline.
    if (indexes.length === 1 && only !== undefined) {
      const { name: taskName, data, opts } = job(only);
      writes.push(
        queue.add(taskName, data, opts).then((added) => {
          stored[only] = added.id;
        }),
      );
    } else {
      writes.push(
        queue.addBulk(indexes.map(job)).then((added) => {
          added.forEach((j, k) => {
            stored[indexes[k] as number] = j.id;
          });
        }),
      );
    }
  }
  await Promise.all(writes);
  const held = records.flatMap((record, i) => (stored[i] !== undefined && stored[i] !== record.id ? [i] : []));
  if (held.length === 0) return [...records];
  return withHolders(host, records, stored, held, members);
}

/** The records with each deduplicated one replaced by its holder's (its own index entry removed). */
async function withHolders(
  host: RedisHost,
  records: readonly TaskResultData[],
  stored: readonly (string | undefined)[],
  held: number[],
  members: string[],
): Promise<TaskResultData[]> {
  const client = await host.client();
  const [, holders] = await Promise.all([
    removeFromIndex(
      client,
      host.keys,
      held.map((i) => members[i] as string),
    ),
    recordsOf(
      host,
      held.map((i) => ({ id: stored[i] as string, queueName: (records[i] as TaskResultData).queueName })),
    ),
  ]);
  const byId = new Map(holders.map((record) => [record.id, record]));
  const out = [...records];
  for (const i of held) {
    const holder = byId.get(stored[i] as string);
    if (!holder) {
      throw new TasklaneError(
        `Task "${records[i]?.taskName}": its unique key is held by ${stored[i]}, which could not be read (pruned meanwhile?); enqueue it again`,
      );
    }
    out[i] = { ...holder, deduplicated: true };
  }
  return out;
}
