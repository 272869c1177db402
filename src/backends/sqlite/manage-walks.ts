import type { StatusCounts } from "../../contract/management.js";
import { ALL_STATUSES } from "../../core/result.js";
import { mergeWalks, type Walk } from "./manage-merge.js";
import { allows, type Filter, jsonList, type Key, type ManageStatements } from "./manage-sql.js";
import { READY_SORTED_MAX } from "./sql/manage.js";

// The reads behind listing and counting (manage.ts), over the v6 to v9 indexes (migrations.ts). A
// page is merged here from short keyset walks, each newest first and none longer than the page:
// - a whole queue (no status filter): `*_queue_task`, covering, one walk per task of the queue;
// - FAILED or CANCELLED rows of a queue: `*_failed`, covering;
// - SUCCEEDED rows of a queue: `*_queue_task`, one walk per task, checking each row's status
//   (migrations.ts, v9: no index holds them apart; they are most of a history, so few are passed);
// - RUNNING rows of a queue: `*_active` (a few), sorted;
// - READY rows of a queue: `*_active`, sorted, while the queue has at most
//   READY_SORTED_MAX of them; with a larger backlog, `*_queue_task` newest first keeping READY
//   rows, per task (a backlog is mostly the newest rows, so each walk stops early);
// - a task (when its rows are fewer than the other filters'): `*_queue_task`, one walk per queue.

const MIN_KEY = Number.MIN_SAFE_INTEGER;
const MAX_KEY = Number.MAX_SAFE_INTEGER;
const UNFINISHED = ["READY", "RUNNING"] as const;

/** Every queue name with at least one row, in order: one index seek each. */
export function queuesPresent(q: ManageStatements): string[] {
  const queues: string[] = [];
  for (let queue = q.firstQueue.get() ?? null; queue !== null; queue = q.nextQueue.get({ after: queue }) ?? null) {
    queues.push(queue);
  }
  return queues;
}

/** The tasks asked for, or every task name with a row in the queue: one index seek each. */
export function tasksIn(q: ManageStatements, queue: string, asked: string[] | null): string[] {
  if (asked !== null) return asked;
  const tasks: string[] = [];
  for (
    let task = q.firstTask.get({ queue }) ?? null;
    task !== null;
    task = q.nextTask.get({ queue, after: task }) ?? null
  ) {
    tasks.push(task);
  }
  return tasks;
}

/** READY or RUNNING rows of one queue: a covering range count. */
export function countUnfinishedIn(q: ManageStatements, queue: string, status: "READY" | "RUNNING"): number {
  return (status === "READY" ? q.countReady : q.countRunning).get({ queue }) ?? 0;
}

/** Whether a queue's READY rows are few enough to read all and sort (see the top of this file). */
const readySortable = (q: ManageStatements, queue: string) => (q.readyUpTo.get({ queue }) ?? 0) <= READY_SORTED_MAX;

/**
 * The first `n` keys of the page, newest first: one keyset walk per value of the driving filter
 * (each already in order), merged by mergeWalks, which reads each only as far as the page needs.
 */
export function pageKeys(q: ManageStatements, f: Filter, after: Key | null, n: number): Key[] {
  const bounds = {
    since: f.since ?? MIN_KEY,
    beforeAt: after?.enqueued_at ?? MAX_KEY,
    beforeSeq: after?.seq ?? MAX_KEY,
  };
  const tasks = jsonList(f.tasks);
  const walks: Walk[] = [];
  const walk = (stmt: ManageStatements[keyof ManageStatements], params: object, sorted = false) =>
    walks.push({ read: (page) => stmt.all({ ...params, ...page }) as Key[], sorted });
  if (f.waiting !== null) {
    // READY rows only (a status filter without READY finds none).
    if (!allows(f.statuses, "READY")) return [];
    const params = { tasks, waiting: f.waiting, now: Date.now() };
    for (const queue of f.queues ?? queuesPresent(q)) {
      if (readySortable(q, queue)) walk(q.walkWaiting, { ...params, queue }, true);
      else for (const task of tasksIn(q, queue, f.tasks)) walk(q.walkWaitingByPair, { ...params, queue, task });
    }
  } else if (f.statuses !== null && drivenByTask(q, f)) {
    // Without a status filter the queues' walks below are the same (queue, task) ranges, covering.
    const statuses = jsonList(f.statuses);
    const queues = f.queues ?? queuesPresent(q);
    for (const task of f.tasks ?? []) for (const queue of queues) walk(q.walkTask, { statuses, queue, task });
  } else {
    for (const queue of f.queues ?? queuesPresent(q)) {
      if (f.statuses === null) {
        for (const task of tasksIn(q, queue, f.tasks)) walk(q.walkPair, { queue, task });
        continue;
      }
      for (const status of f.statuses) {
        const params = { tasks, queue, status };
        if (status === "RUNNING") walk(q.walkRunning, params, true);
        else if (status === "SUCCEEDED") {
          const statuses = jsonList([status]);
          for (const task of tasksIn(q, queue, f.tasks)) walk(q.walkTask, { statuses, queue, task });
        } else if (status !== "READY") walk(tasks === null ? q.walkFailed : q.walkFailedTasks, params);
        else if (readySortable(q, queue)) walk(q.walkReady, params, true);
        else for (const task of tasksIn(q, queue, f.tasks)) walk(q.walkReadyByPair, { ...params, task });
      }
    }
  }
  return mergeWalks(walks, bounds, n);
}

/**
 * Whether to walk the tasks' rows (one (queue, task) range per queue, checking the status on the
 * way) rather than the queues' statuses (checking the task): whichever has fewer rows to read,
 * estimated from the counts table and live READY/RUNNING counts.
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
    const others = { since, statuses: jsonList(f.statuses) };
    const queues = f.queues ?? queuesPresent(q);
    for (const task of f.tasks ?? []) {
      for (const queue of queues) {
        for (const row of q.countSinceTask.all({ ...others, queue, task })) counts[row.status] += row.n;
      }
    }
    return;
  }
  const tasks = jsonList(f.tasks);
  const others = ALL_STATUSES.filter((s) => s !== "SUCCEEDED");
  // SUCCEEDED rows are in no index of their own (migrations.ts, v9): they are the rest of a queue's
  // rows since then, so every other status is counted when they are asked for.
  const succeeded = allows(f.statuses, "SUCCEEDED");
  for (const queue of f.queues ?? queuesPresent(q)) {
    let rest = 0;
    for (const status of others) {
      if (!succeeded && !allows(f.statuses, status)) continue;
      const stmt =
        status === "READY" ? q.countSinceReady : status === "RUNNING" ? q.countSinceRunning : q.countSinceFailed;
      const n = stmt.get({ queue, status, since, tasks }) ?? 0;
      rest += n;
      if (allows(f.statuses, status)) counts[status] += n;
    }
    if (!succeeded) continue;
    let all = 0;
    for (const task of tasksIn(q, queue, f.tasks)) all += q.countSincePair.get({ queue, task, since }) ?? 0;
    counts.SUCCEEDED += all - rest;
  }
}
