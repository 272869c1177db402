import type { StatusCounts } from "../../contract/management.js";
import { ALL_STATUSES, type TaskResultStatus } from "../../core/result.js";
import { allows, type Filter, jsonList, type Key, type ManageStatements } from "./manage-sql.js";
import { READY_SORTED_MAX } from "./sql/manage.js";

// The reads behind listing and counting (manage.ts), over the v6 and v7 indexes (schema.ts). A page is
// merged here from short keyset walks, each newest first and none longer than the page:
// - a whole queue (no status filter): `*_queue`, covering;
// - a finished status of a queue: `*_finished`, covering;
// - RUNNING rows of a queue: `*_active` (a few), sorted;
// - READY rows of a queue: `*_active`, sorted, while the queue has at most
//   READY_SORTED_MAX of them; with a larger backlog, `*_queue` newest first keeping READY rows
//   (a backlog is mostly the newest rows, so the walk stops early).

const MIN_KEY = Number.MIN_SAFE_INTEGER;
const MAX_KEY = Number.MAX_SAFE_INTEGER;
const UNFINISHED = ["READY", "RUNNING"] as const;

const newestFirst = (a: Key, b: Key) => b.enqueued_at - a.enqueued_at || b.seq - a.seq;

/** Every queue name with at least one row, in order: one index seek each. */
export function queuesPresent(q: ManageStatements): string[] {
  const queues: string[] = [];
  for (let queue = q.firstQueue.get() ?? null; queue !== null; queue = q.nextQueue.get({ after: queue }) ?? null) {
    queues.push(queue);
  }
  return queues;
}

/** READY or RUNNING rows of one queue: a covering range count. */
export function countUnfinishedIn(q: ManageStatements, queue: string, status: "READY" | "RUNNING"): number {
  return (status === "READY" ? q.countReady : q.countRunning).get({ queue }) ?? 0;
}

/** Whether a queue's READY rows are few enough to read all and sort (see the top of this file). */
const readySortable = (q: ManageStatements, queue: string) => (q.readyUpTo.get({ queue }) ?? 0) <= READY_SORTED_MAX;

/**
 * The first `n` keys of the page, newest first: one short keyset walk per value of the
 * driving filter (each already in order, none longer than n), merged here.
 */
export function pageKeys(q: ManageStatements, f: Filter, after: Key | null, n: number): Key[] {
  const page = {
    since: f.since ?? MIN_KEY,
    beforeAt: after?.enqueued_at ?? MAX_KEY,
    beforeSeq: after?.seq ?? MAX_KEY,
    limit: n,
    tasks: jsonList(f.tasks),
  };
  const keys: Key[] = [];
  if (f.waiting !== null) {
    // READY rows only (a status filter without READY finds none).
    if (!allows(f.statuses, "READY")) return [];
    const params = { ...page, waiting: f.waiting, now: Date.now() };
    for (const queue of f.queues ?? queuesPresent(q)) {
      const walk = readySortable(q, queue) ? q.walkWaiting : q.walkWaitingByQueue;
      keys.push(...walk.all({ ...params, queue }));
    }
  } else if (drivenByTask(q, f)) {
    const others = { ...page, statuses: jsonList(f.statuses), queues: jsonList(f.queues) };
    for (const task of f.tasks ?? []) keys.push(...q.walkTask.all({ ...others, task }));
  } else {
    for (const queue of f.queues ?? queuesPresent(q)) {
      if (f.statuses === null) {
        keys.push(...(page.tasks === null ? q.walkQueue : q.walkQueueTasks).all({ ...page, queue }));
        continue;
      }
      for (const status of f.statuses) keys.push(...walkStatus(q, queue, status, page));
    }
  }
  return keys.sort(newestFirst).slice(0, n);
}

function walkStatus(
  q: ManageStatements,
  queue: string,
  status: TaskResultStatus,
  page: { tasks: string | null },
): Key[] {
  const params = { ...page, queue, status };
  if (status === "READY") return (readySortable(q, queue) ? q.walkReady : q.walkReadyByQueue).all(params);
  if (status === "RUNNING") return q.walkRunning.all(params);
  return (page.tasks === null ? q.walkFinished : q.walkFinishedTasks).all(params);
}

/**
 * Whether to walk the task index (checking queue and status on the way) rather than the
 * queues (checking the task): whichever has fewer rows to read, estimated from the counts
 * table and live READY/RUNNING counts.
 */
export function drivenByTask(q: ManageStatements, f: Filter): boolean {
  if (f.tasks === null) return false;
  if (f.queues === null && f.statuses === null) return true;
  let byTask = 0;
  let byPair = 0;
  for (const c of q.finishedCounts.all()) {
    if (f.tasks.includes(c.task_name)) byTask += c.n;
    if (allows(f.queues, c.queue_name) && allows(f.statuses, c.status)) byPair += c.n;
  }
  for (const status of UNFINISHED) {
    if (!allows(f.statuses, status)) continue;
    for (const queue of f.queues ?? queuesPresent(q)) byPair += countUnfinishedIn(q, queue, status);
  }
  return byTask < byPair;
}

export function countUnfinished(q: ManageStatements, status: "READY" | "RUNNING", f: Filter): number {
  if (f.tasks !== null) {
    const stmt = status === "READY" ? q.countReadyTasks : q.countRunningTasks;
    return stmt.get({ tasks: jsonList(f.tasks), queues: jsonList(f.queues) }) ?? 0;
  }
  let n = 0;
  for (const queue of f.queues ?? queuesPresent(q)) n += countUnfinishedIn(q, queue, status);
  return n;
}

/** Counts of rows enqueued since `f.since`, from the rows themselves (index ranges). */
export function countSince(q: ManageStatements, f: Filter, counts: StatusCounts): void {
  const since = f.since ?? MIN_KEY;
  if (drivenByTask(q, f)) {
    const others = { since, statuses: jsonList(f.statuses), queues: jsonList(f.queues) };
    for (const task of f.tasks ?? []) {
      for (const row of q.countSinceTask.all({ ...others, task })) counts[row.status] += row.n;
    }
    return;
  }
  const tasks = jsonList(f.tasks);
  for (const queue of f.queues ?? queuesPresent(q)) {
    for (const status of f.statuses ?? ALL_STATUSES) {
      const stmt =
        status === "READY" ? q.countSinceReady : status === "RUNNING" ? q.countSinceRunning : q.countSinceFinished;
      counts[status] += stmt.get({ queue, status, since, tasks }) ?? 0;
    }
  }
}
