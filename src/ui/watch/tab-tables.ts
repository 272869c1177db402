import type { QueueCounts, WorkerInfo } from "../../contract/management.js";
import { describeZone, isLocalZone, type ScheduleInfo } from "../../contract/schedules.js";
import type { TaskResultData } from "../../core/result.js";
import { ago, shortId } from "../text/format.js";
import { type Column, numberColumn, type TableModel } from "./columns.js";
import { count, STATUS_COLOR } from "./format.js";
import { groupLabel, groupRowId, type NumberedGroup } from "./panels.js";
import type { WorkerHealth } from "./snapshot.js";

/** Each tab's table as plain cells (the Table component draws them; tests read them). */

const ID: Column = { label: "ID", width: 13, drop: 5 };

/** "in 5m" ahead, "now" once due. */
const until = (date: Date | null, now: number) => (date === null ? "-" : date.getTime() > now ? ago(date, now) : "now");

/** When a queue's oldest due task became due: how far behind it is (enqueue time when the backend does not say). */
export function oldestDue(q: QueueCounts): Date | null {
  return q.oldestDueAt !== undefined ? q.oldestDueAt : q.oldestReadyAt;
}

export function queuesTable(queues: readonly QueueCounts[], now: number): TableModel {
  const statuses = ["READY", "RUNNING", "FAILED", "SUCCEEDED", "CANCELLED"] as const;
  const columns: Column[] = [
    { label: "QUEUE", flex: 1, min: 8, max: 30 },
    { label: "STATE", width: 8 },
    ...statuses.map((s, i) =>
      numberColumn(
        s,
        queues.map((q) => count(q.counts[s])),
        i >= 3 ? 3 : undefined,
      ),
    ),
    { label: "OLDEST DUE", width: 12 },
  ];
  const rows = queues.map((q) => {
    const due = oldestDue(q);
    return {
      id: q.queueName,
      cells: [
        { text: q.queueName },
        q.paused ? { text: "paused", color: "yellow" } : { text: q.paused === false ? "active" : "-", dim: true },
        ...statuses.map((s) => ({
          text: count(q.counts[s]),
          color: q.counts[s] > 0 ? STATUS_COLOR[s] : undefined,
          dim: q.counts[s] === 0,
        })),
        due ? { text: ago(due, now), color: "blue" } : { text: "-", dim: true },
      ],
    };
  });
  return { columns, rows };
}

/** Deferred tasks: when each is due, soonest first. */
export function scheduledTable(results: readonly TaskResultData[], now: number): TableModel {
  const columns: Column[] = [
    { label: "DUE", width: 11 },
    { label: "TASK", flex: 2, min: 10, max: 40 },
    { label: "QUEUE", flex: 1, min: 7, max: 16, drop: 2 },
    { label: "ENQUEUED", width: 10, drop: 3 },
    { label: "PRI", width: 5, align: "right", drop: 4 },
    ID,
  ];
  const rows = results.map((r) => ({
    id: r.id,
    cells: [
      { text: until(r.runAfter, now), color: STATUS_COLOR.SCHEDULED },
      { text: r.taskName },
      { text: r.queueName },
      { text: ago(r.enqueuedAt, now), dim: true },
      { text: String(r.priority), dim: r.priority === 0 },
      { text: shortId(r.id), dim: true },
    ],
  }));
  return { columns, rows };
}

/** Tasks waiting to run again after a failed attempt: the next try, attempts so far, the last error. */
export function retriesTable(results: readonly TaskResultData[], now: number): TableModel {
  const columns: Column[] = [
    { label: "NEXT TRY", width: 11 },
    { label: "TASK", flex: 2, min: 10, max: 30 },
    { label: "QUEUE", flex: 1, min: 7, max: 12, drop: 2 },
    { label: "ATT", width: 6 },
    { label: "LAST ERROR", flex: 2, min: 12 },
    ID,
  ];
  const rows = results.map((r) => {
    const error = r.errors.at(-1);
    return {
      id: r.id,
      cells: [
        { text: until(r.runAfter, now), color: "yellow" },
        { text: r.taskName },
        { text: r.queueName },
        { text: `${r.workerIds.length}/${r.maxAttempts}` },
        error ? { text: `${error.exceptionClass}: ${error.message}`, color: "red" } : { text: "-", dim: true },
        { text: shortId(r.id), dim: true },
      ],
    };
  });
  return { columns, rows };
}

/**
 * Failure groups, most recent first, each with its number in `tasks errors` (a `/` filter keeps
 * it): FAILED and retrying counts, where, which tasks, the last message.
 */
export function errorsTable(groups: readonly NumberedGroup[], now: number): TableModel {
  const columns: Column[] = [
    numberColumn(
      "#",
      groups.map((g) => String(g.number)),
    ),
    numberColumn(
      "FAILED",
      groups.map((g) => count(g.count)),
    ),
    numberColumn(
      "RETRYING",
      groups.map((g) => count(g.retrying)),
    ),
    // ERROR ("RangeError at jobs.ts:12 charge") stops at 40 columns so that LAST MESSAGE, what
    // tells an operator what went wrong, gets the rest: capped at 50, ERROR sat half empty at
    // 120 columns while the message had its 24-column minimum.
    { label: "ERROR", flex: 3, min: 14, max: 40 },
    { label: "TASKS", flex: 1, min: 8, max: 24, drop: 1 },
    { label: "LAST SEEN", width: 10, drop: 2 },
    // Only where there is room for a useful part of it (the detail view has it whole).
    { label: "LAST MESSAGE", flex: 1, min: 24, drop: 3 },
  ];
  const rows = groups.map((g) => ({
    id: groupRowId(g),
    cells: [
      { text: String(g.number), dim: true },
      { text: count(g.count), color: g.count > 0 ? "red" : undefined, dim: g.count === 0 },
      { text: count(g.retrying), color: g.retrying > 0 ? "yellow" : undefined, dim: g.retrying === 0 },
      { text: groupLabel(g), color: "red" },
      { text: g.taskNames.join(", ") },
      { text: ago(g.lastSeen, now), dim: true },
      { text: g.lastMessage },
    ],
  }));
  return { columns, rows };
}

const HEALTH_COLOR: Record<WorkerHealth, string | undefined> = {
  live: "green",
  stale: "red",
  dead: "red",
  stopped: undefined,
};

export function workersTable(
  workers: readonly { worker: WorkerInfo; health: WorkerHealth }[],
  now: number,
): TableModel {
  const columns: Column[] = [
    { label: "WORKER", flex: 2, min: 10, max: 40 },
    { label: "STATE", width: 9 },
    { label: "HEARTBEAT", width: 11 },
    { label: "HOST:PID", flex: 1, min: 10, max: 30, drop: 2 },
    { label: "QUEUES", flex: 1, min: 8, max: 30, drop: 1 },
    { label: "STARTED", width: 10, drop: 3 },
  ];
  const rows = workers.map(({ worker: w, health }) => ({
    id: w.id,
    cells: [
      { text: w.id },
      { text: health === "live" ? health : health.toUpperCase(), color: HEALTH_COLOR[health] },
      { text: ago(w.lastHeartbeatAt, now), dim: health === "live" },
      { text: `${w.hostname}:${w.pid}`, dim: true },
      { text: w.queues },
      { text: ago(w.startedAt, now), dim: true },
    ],
  }));
  return { columns, rows };
}

/** The backend's schedules: the last tick enqueued and the next one (yellow once overdue: no worker ran it). */
export function schedulesTable(schedules: readonly ScheduleInfo[], now: number): TableModel {
  const columns: Column[] = [
    { label: "SCHEDULE", flex: 1, min: 10, max: 30 },
    { label: "TASK", flex: 1, min: 10, max: 30 },
    { label: "CRON", flex: 1, min: 10, max: 20 },
    { label: "ZONE", flex: 1, min: 8, max: 22, drop: 2 },
    { label: "LAST RUN", width: 11 },
    { label: "NEXT RUN", width: 11 },
  ];
  const rows = schedules.map((s) => {
    const overdue = s.nextTick !== null && s.nextTick.getTime() <= now;
    return {
      id: s.name,
      cells: [
        { text: s.name },
        { text: s.taskName },
        { text: s.cron },
        { text: describeZone(s.timezone), dim: s.timezone === null || isLocalZone(s.timezone) },
        { text: ago(s.lastTick, now), dim: true },
        overdue && s.nextTick
          ? { text: `due ${ago(s.nextTick, now)}`, color: "yellow" }
          : { text: until(s.nextTick, now) },
      ],
    };
  });
  return { columns, rows };
}
