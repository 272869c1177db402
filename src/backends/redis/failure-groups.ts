import { failureGroupId, parseFailureGroupId } from "../../contract/failure-groups.js";
import type { FailureGroup, ResultFilter } from "../../contract/management.js";
import type { TaskResultData } from "../../core/result.js";
import type { RedisHost } from "./host.js";
import { failedRecords, walkWaiting } from "./scan.js";

// Failures grouped by cause (the class and user frame of a result's LAST error) over FAILED
// results and READY ones waiting to retry. Redis has no query language: both are walked
// (BullMQ's failed set, then its READY sets) and grouped here, O(failed + waiting).

/** The filters that apply to groups: their own statuses replace any status or waiting filter. */
const scope = (filter: ResultFilter): ResultFilter => ({
  taskNames: filter.taskNames,
  queues: filter.queues,
  since: filter.since,
});

const causeOf = (r: TaskResultData) => {
  const last = r.errors.at(-1);
  return { exceptionClass: last?.exceptionClass ?? "", frame: last?.frame ?? null };
};

/** FAILED results (by finish time), then READY ones with errors (by their last attempt), each once. */
async function* failures(
  host: RedisHost,
  queues: readonly string[],
  filter: ResultFilter,
  which: { failed: boolean; retrying: boolean },
): AsyncGenerator<{ record: TaskResultData; at: Date }> {
  const seen = new Set<string>();
  if (which.failed) {
    for await (const records of failedRecords(host, queues, scope(filter))) {
      for (const record of records) {
        seen.add(record.id);
        yield { record, at: record.finishedAt ?? record.enqueuedAt };
      }
    }
  }
  if (which.retrying) {
    // A result that failed for good between the two walks was already counted as FAILED.
    for await (const records of walkWaiting(host, queues, { ...scope(filter), waiting: "retrying" })) {
      for (const record of records) {
        if (!seen.has(record.id)) yield { record, at: record.lastAttemptedAt ?? record.enqueuedAt };
      }
    }
  }
}

export async function failureGroups(
  host: RedisHost,
  queues: readonly string[],
  filter: ResultFilter,
): Promise<FailureGroup[]> {
  const groups = new Map<string, FailureGroup & { tasks: Set<string> }>();
  for await (const { record, at } of failures(host, queues, filter, { failed: true, retrying: true })) {
    const { exceptionClass, frame } = causeOf(record);
    const id = failureGroupId(exceptionClass, frame);
    const last = record.errors.at(-1);
    let group = groups.get(id);
    if (!group) {
      group = {
        id,
        exceptionClass,
        frame,
        taskNames: [],
        tasks: new Set(),
        count: 0,
        retrying: 0,
        firstSeen: at,
        lastSeen: at,
        lastMessage: last?.message ?? "",
        sampleTraceback: last?.traceback ?? "",
        sampleId: record.id,
      };
      groups.set(id, group);
    } else if (at > group.lastSeen) {
      Object.assign(group, {
        lastSeen: at,
        lastMessage: last?.message ?? "",
        sampleTraceback: last?.traceback ?? "",
        sampleId: record.id,
      });
    }
    if (at < group.firstSeen) group.firstSeen = at;
    group.tasks.add(record.taskName);
    if (record.status === "FAILED") group.count++;
    else group.retrying++;
  }
  return [...groups.values()]
    .map(({ tasks, ...group }) => ({ ...group, taskNames: [...tasks].sort() }))
    .sort(
      (a, b) =>
        b.lastSeen.getTime() - a.lastSeen.getTime() ||
        a.exceptionClass.localeCompare(b.exceptionClass) ||
        (a.frame ?? "").localeCompare(b.frame ?? ""),
    );
}

/** The ids of one group's FAILED results (to retry) or READY ones waiting to retry (to cancel). */
export async function failureGroupIds(
  host: RedisHost,
  queues: readonly string[],
  groupId: string,
  status: "FAILED" | "READY",
  filter: ResultFilter,
): Promise<string[]> {
  const wanted = parseFailureGroupId(groupId);
  const ids: string[] = [];
  const which = { failed: status === "FAILED", retrying: status === "READY" };
  for await (const { record } of failures(host, queues, filter, which)) {
    const cause = causeOf(record);
    if (cause.exceptionClass === wanted.exceptionClass && cause.frame === wanted.frame) ids.push(record.id);
  }
  return ids;
}
