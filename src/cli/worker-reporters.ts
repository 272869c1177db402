import type { TaskResultData } from "../core/result.js";
import type { WorkerEvents } from "../worker/worker.js";

/** Counters the TTY status line renders. */
export interface WorkerCounters {
  running: number;
  succeeded: number;
  failed: number;
  retried: number;
  /** Tasks finished per second over the last few seconds. */
  rate: number;
}

function errorOf(record: TaskResultData) {
  const error = record.errors.at(-1);
  return error ? { exceptionClass: error.exceptionClass, message: error.message } : undefined;
}

/** One JSON object per event, for log shippers (`--json`). */
export function jsonReporter(write: (line: string) => void): WorkerEvents {
  const emit = (event: Record<string, unknown>) => write(JSON.stringify({ ts: new Date().toISOString(), ...event }));
  return {
    started: (info) => emit({ event: "started", ...info, pid: process.pid }),
    taskStarted: (r) =>
      emit({
        event: "taskStarted",
        id: r.id,
        taskName: r.taskName,
        queueName: r.queueName,
        attempt: r.workerIds.length,
      }),
    taskFinished: (r, durationMs) =>
      emit({
        event: "taskFinished",
        id: r.id,
        taskName: r.taskName,
        status: r.status,
        durationMs: Math.round(durationMs * 100) / 100,
        ...(r.status === "SUCCEEDED" ? {} : { error: errorOf(r) }),
        ...(r.status === "READY" ? { retryAt: r.runAfter?.toISOString() } : {}),
      }),
    stopping: (force) => emit({ event: "stopping", force }),
    recovered: (tasks) => emit({ event: "recovered", tasks }),
    error: (error) => emit({ event: "error", message: error.message }),
  };
}

/** One plain line per task start and finish, for logs without a TTY. */
export function plainReporter(write: (line: string) => void): WorkerEvents {
  const stamp = () => new Date().toISOString();
  return {
    started: (info) => write(`${stamp()} worker ${info.workerId} started (pid ${process.pid}, queues ${info.queues})`),
    taskStarted: (r) =>
      write(`${stamp()} ${r.id} ${r.taskName} started (queue ${r.queueName}, attempt ${r.workerIds.length})`),
    taskFinished: (r, ms) => {
      const error = errorOf(r);
      const what = r.status === "READY" ? `FAILED, retry at ${r.runAfter?.toISOString()}` : r.status;
      write(
        `${stamp()} ${r.id} ${r.taskName} ${what} in ${ms.toFixed(1)}ms${error && r.status !== "SUCCEEDED" ? ` ${error.exceptionClass}: ${error.message}` : ""}`,
      );
    },
    stopping: (force) =>
      write(
        force
          ? `${stamp()} forced stop: interrupting running tasks`
          : `${stamp()} shutting down gracefully, running tasks will finish (press Ctrl+C again to force)`,
      ),
    recovered: (tasks) =>
      write(
        `${stamp()} recovered ${tasks.length} task(s) from lost workers: ${tasks.map((t) => `${t.id} → ${t.status}`).join(", ")}`,
      ),
    error: (error) => write(`${stamp()} store error (will retry): ${error.message}`),
  };
}

/** Fans events out to several listeners. */
export function combine(...all: WorkerEvents[]): WorkerEvents {
  const keys = ["started", "taskStarted", "taskFinished", "stopping", "recovered", "error"] as const;
  const out: WorkerEvents = {};
  for (const key of keys) {
    const handlers = all.map((e) => e[key]).filter(Boolean) as ((...args: unknown[]) => void)[];
    if (handlers.length)
      (out as Record<string, unknown>)[key] = (...args: unknown[]) => {
        for (const handler of handlers) handler(...args);
      };
  }
  return out;
}

/** Finishes per second over a sliding window, for the status line. */
export class RateMeter {
  readonly #stamps: number[] = [];
  constructor(readonly windowMs = 5000) {}
  tick(now = performance.now()): void {
    this.#stamps.push(now);
  }
  rate(now = performance.now()): number {
    while (this.#stamps.length && (this.#stamps[0] ?? 0) < now - this.windowMs) this.#stamps.shift();
    return (this.#stamps.length * 1000) / this.windowMs;
  }
}
