import type { JobType } from "bullmq";
import type { ResultFilter } from "../../contract/management.js";
import type { TaskResultData } from "../../core/result.js";
import type { RedisHost } from "./host.js";
import { type JobRef, recordsOf } from "./jobs.js";
import { type JobView, toRecord } from "./records.js";

// Reading many results of a Redis backend: the filter rule, and walks over BullMQ's FAILED and
// READY sets (the id index walk stays in manage.ts). Shared by listing, failure groups and counts.

/** Jobs read per round trip while walking. */
export const CHUNK = 500;
/** Ids read per page from BullMQ's READY sets (ids only, so pages can be large). */
const ID_PAGE = 10_000;

export const allows = <T>(list: readonly T[] | undefined, value: T) =>
  !list || list.length === 0 || list.includes(value);

/** The lexical lower bound of UUIDv7 ids created at or after `ms` (their first 48 bits are the time). */
export function idBoundFor(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}`;
}

/** A READY result not due yet ("scheduled"), or READY after a failed attempt ("retrying"). */
export function isWaitingAs(record: TaskResultData, waiting: "scheduled" | "retrying", now: number): boolean {
  if (record.status !== "READY") return false;
  return waiting === "scheduled" ? (record.runAfter?.getTime() ?? 0) > now : record.errors.length > 0;
}

export function matches(record: TaskResultData, filter: ResultFilter, now = Date.now()): boolean {
  return (
    allows(filter.statuses, record.status) &&
    allows(filter.taskNames, record.taskName) &&
    allows(filter.queues, record.queueName) &&
    (!filter.since || record.enqueuedAt >= filter.since) &&
    (!filter.waiting || isWaitingAs(record, filter.waiting, now))
  );
}

/** Every FAILED record of these queues matching the filter, from BullMQ's failed jobs (getFailed; O(failed)). */
export async function* failedRecords(
  host: RedisHost,
  queues: readonly string[],
  filter: ResultFilter,
): AsyncGenerator<TaskResultData[]> {
  for (const queueName of queues) {
    if (!allows(filter.queues, queueName)) continue;
    const queue = await host.queue(queueName);
    for (let start = 0; ; start += CHUNK) {
      const jobs = await queue.getFailed(start, start + CHUNK - 1);
      await host.workerNames.load(
        await host.client(),
        host.keys,
        jobs.map((job) => job.processedBy),
      );
      const records = jobs
        .map((job) =>
          toRecord(
            host.alias,
            {
              id: job.id as string,
              queueName,
              job: job as JobView,
              state: "failed",
              dueAt: null,
              tombstone: null,
            },
            host.workerNames.name,
          ),
        )
        .filter((r) => matches(r, filter));
      if (records.length > 0) yield records;
      if (jobs.length < CHUNK) break;
    }
  }
}

/**
 * BullMQ's sets of READY jobs: tasklane gives every job a priority, so they wait in the
 * prioritized set, or in the wait list (paused: the paused list) after a manual retry, or in the
 * delayed set until due. Every job not due yet is in the delayed set. (No flows: no
 * waiting-children.)
 */
const READY_SETS: readonly JobType[] = ["prioritized", "wait", "paused", "delayed"];

/**
 * Ids in these READY sets of one queue. Pages run from the tail of each set (BullMQ's default
 * order), which workers do not take from, so a drain meanwhile does not shift them.
 */
async function readyIds(host: RedisHost, queueName: string, sets: readonly JobType[]): Promise<string[]> {
  const queue = await host.queue(queueName);
  const ids: string[] = [];
  for (const set of sets) {
    for (let start = 0; ; start += ID_PAGE) {
      const page = await queue.getRanges([set], start, start + ID_PAGE - 1);
      ids.push(...page);
      if (page.length < ID_PAGE) break;
    }
  }
  return ids;
}

/**
 * READY records in a waiting state ("scheduled": the delayed set only; "retrying": every READY
 * set), newest enqueue first (ids are UUIDv7), enqueued at or after `since` and, for a page,
 * older than the id `before`. Cost: the ids of those sets (one page per 10,000), then jobs read
 * 500 at a time until the caller has enough; "retrying" reads every READY job when few match,
 * as SQLite reads every READY row of the queue.
 */
export async function* walkWaiting(
  host: RedisHost,
  queues: readonly string[],
  filter: ResultFilter & { waiting: "scheduled" | "retrying" },
  before?: string,
): AsyncGenerator<TaskResultData[]> {
  const sets = filter.waiting === "scheduled" ? (["delayed"] as const) : READY_SETS;
  const min = filter.since ? idBoundFor(filter.since.getTime()) : "";
  const refs: JobRef[] = [];
  for (const queueName of queues) {
    if (!allows(filter.queues, queueName)) continue;
    for (const id of new Set(await readyIds(host, queueName, sets))) {
      if (id >= min && (before === undefined || id < before)) refs.push({ id, queueName });
    }
  }
  refs.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  for (let i = 0; i < refs.length; i += CHUNK) {
    const now = Date.now();
    const records = (await recordsOf(host, refs.slice(i, i + CHUNK))).filter((r) => matches(r, filter, now));
    if (records.length > 0) yield records;
  }
}
