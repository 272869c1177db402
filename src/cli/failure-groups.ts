import type { FailureGroup, ManagementStore, ResultFilter } from "../contract/management.js";
import { UsageError } from "../core/errors.js";

/**
 * Failure groups as `tasks errors` lists them (#1 first: most recent). A backend without
 * `failureGroups` groups by task and class instead: each such group is one "cause" here.
 */
export async function listFailureGroups(manage: ManagementStore, filter: ResultFilter): Promise<FailureGroup[]> {
  if (manage.failureGroups) return manage.failureGroups(filter);
  return (await manage.errorGroups(filter)).map((g) => ({
    id: "",
    exceptionClass: g.exceptionClass,
    frame: null,
    taskNames: [g.taskName],
    count: g.count,
    retrying: 0,
    firstSeen: g.firstSeen,
    lastSeen: g.lastSeen,
    lastMessage: g.lastMessage,
    sampleTraceback: g.sampleTraceback,
    sampleId: g.sampleId,
  }));
}

/** The ids of group number `n` (as `tasks errors` numbers them, with the same filters) in this status. */
export async function idsOfGroup(
  manage: ManagementStore,
  n: number,
  status: "FAILED" | "READY",
  filter: ResultFilter,
): Promise<string[]> {
  if (!manage.failureGroupIds) throw new UsageError("--group: this backend cannot act on failure groups");
  const groups = await listFailureGroups(manage, filter);
  const group = groups[n - 1];
  if (!Number.isInteger(n) || n < 1 || !group) {
    throw new UsageError(
      `--group: no group #${n}; \`tasks errors\` lists ${groups.length} group(s)${groups.length ? ` (#1 to #${groups.length})` : ""}`,
    );
  }
  return manage.failureGroupIds(group.id, status, filter);
}
