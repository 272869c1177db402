import { failureGroupId, parseFailureGroupId } from "../../contract/failure-groups.js";
import type { ErrorGroup, FailureGroup, ResultFilter } from "../../contract/management.js";
import { allows, jsonList, type ManageStatements, normalize } from "./manage-sql.js";

// Failures, grouped: by task and exception class (`tasks errors` by task), and by cause across
// tasks (exception class + the first frame of the user's code), with the ids of a cause's
// results for `tasks retry --group` / `tasks cancel --group`. The SQL is in sql/manage.ts.

/** A filter's bound parameters for the grouping queries. */
function scope(filter: ResultFilter) {
  const f = normalize(filter);
  return { f, params: { since: f.since, queues: jsonList(f.queues), tasks: jsonList(f.tasks) } };
}

export function errorGroups(q: ManageStatements, filter: ResultFilter): ErrorGroup[] {
  const { f, params } = scope(filter);
  if (!allows(f.statuses, "FAILED")) return [];
  return q.errorGroups.all(params).map((r) => ({
    taskName: r.task_name,
    exceptionClass: r.exception_class,
    count: r.n,
    firstSeen: new Date(r.first_seen),
    lastSeen: new Date(r.last_seen),
    lastMessage: r.message,
    sampleTraceback: r.traceback,
    sampleId: r.id,
  }));
}

export function failureGroups(q: ManageStatements, filter: ResultFilter): FailureGroup[] {
  return q.failureGroups.all(scope(filter).params).map((r) => ({
    id: failureGroupId(r.exception_class, r.frame),
    exceptionClass: r.exception_class,
    frame: r.frame,
    taskNames: (JSON.parse(r.tasks) as string[]).sort(),
    count: r.n,
    retrying: r.retrying,
    firstSeen: new Date(r.first_seen),
    lastSeen: new Date(r.last_seen),
    lastMessage: r.message,
    sampleTraceback: r.traceback,
    sampleId: r.id,
  }));
}

/** The ids of a cause's FAILED results, or of its pending retries (READY). */
export function failureGroupIds(
  q: ManageStatements,
  groupId: string,
  status: "FAILED" | "READY",
  filter: ResultFilter,
): string[] {
  const { exceptionClass, frame } = parseFailureGroupId(groupId);
  const stmt = status === "FAILED" ? q.failedGroupIds : q.retryingGroupIds;
  return stmt.all({ exceptionClass, frame, ...scope(filter).params });
}
