import { setTimeout as delay } from "node:timers/promises";
import type { QueueCounts, StatusCounts, WorkerInfo } from "../../src/contract/management.js";
import type { TaskResultData, TaskResultStatus } from "../../src/core/result.js";
import type { WatchFilters, WatchSnapshot } from "../../src/ui/watch/snapshot.js";

export const T0 = new Date("2026-11-29T12:00:00.000Z");

/** A result record with sensible defaults. */
export function record(id: string, overrides: Partial<TaskResultData> = {}): TaskResultData {
  const status = overrides.status ?? "SUCCEEDED";
  const ran = status !== "READY" && status !== "CANCELLED";
  return {
    id: `0000000-${id.padStart(12, "0")}`,
    taskName: "job",
    status,
    args: [id],
    backend: "default",
    queueName: "default",
    priority: 0,
    runAfter: null,
    enqueuedAt: new Date(T0.getTime() - 60_000),
    startedAt: ran ? new Date(T0.getTime() - 50_000) : null,
    finishedAt: ran && status !== "RUNNING" ? new Date(T0.getTime() - 49_000) : null,
    lastAttemptedAt: ran ? new Date(T0.getTime() - 50_000) : null,
    workerIds: ran ? ["w1"] : [],
    errors: [],
    maxAttempts: 1,
    ...(status === "SUCCEEDED" ? { returnValue: { ok: id } } : {}),
    ...overrides,
  };
}

const zero = (): StatusCounts => ({ READY: 0, RUNNING: 0, SUCCEEDED: 0, FAILED: 0, CANCELLED: 0 });

/** A snapshot whose counts and queues are derived from the given results. */
export function snapshotOf(
  results: TaskResultData[],
  extra: { workers?: WorkerInfo[]; throughput?: number[]; queues?: QueueCounts[]; takenAt?: Date } = {},
): WatchSnapshot {
  const counts = zero();
  const queues = new Map<string, QueueCounts>();
  for (const r of results) {
    counts[r.status]++;
    const q = queues.get(r.queueName) ?? { queueName: r.queueName, counts: zero(), oldestReadyAt: null };
    q.counts[r.status]++;
    queues.set(r.queueName, q);
  }
  return {
    takenAt: extra.takenAt ?? T0,
    counts,
    queues: extra.queues ?? [...queues.values()],
    workers: extra.workers ?? [],
    throughput: extra.throughput ?? Array.from({ length: 30 }, (_, i) => i % 7),
    results,
    hasMore: false,
  };
}

/** Applies the filters the way a store would (task text matched against task names). */
export function applyFilters(results: TaskResultData[], f: WatchFilters): TaskResultData[] {
  return results.filter(
    (r) =>
      (f.statuses.length === 0 || f.statuses.includes(r.status as TaskResultStatus)) &&
      (f.queues.length === 0 || f.queues.includes(r.queueName)) &&
      (!f.taskText || r.taskName.includes(f.taskText)),
  );
}

/** Polls `read()` until the predicate holds; throws with the last value at the deadline. */
export async function waitFor<T>(read: () => T, predicate: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (predicate(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms; last value:\n${String(value)}`);
    await delay(5);
  }
}

/** Waits until Ink's last frame satisfies the predicate (or contains the text). */
export function waitForFrame(
  lastFrame: () => string | undefined,
  predicate: string | ((frame: string) => boolean),
  timeoutMs = 5000,
): Promise<string> {
  const test = typeof predicate === "string" ? (f: string) => f.includes(predicate) : predicate;
  return waitFor(() => lastFrame() ?? "", test, timeoutMs);
}

/** The selected row of the results list (the line with the › marker). */
export function selectedRow(frame: string): string {
  return frame.split("\n").find((line) => line.startsWith("›")) ?? "";
}

export const KEYS = {
  up: "\u001B[A",
  down: "\u001B[B",
  left: "\u001B[D",
  right: "\u001B[C",
  enter: "\r",
  esc: "\u001B",
  tab: "\t",
  pageUp: "\u001B[5~",
  pageDown: "\u001B[6~",
  backspace: "\u007F",
} as const;
