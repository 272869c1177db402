import type { PrunedInfo, WorkerEvent } from "../contract/events.js";
import { StoreGone } from "../core/errors.js";
import type { TaskResultData } from "../core/result.js";
import { oneLineError } from "../ui/text/format.js";
import { printableJson } from "../ui/text/printable.js";
import type { WorkerSummary } from "../worker/run-worker.js";

function errorOf(record: TaskResultData) {
  const error = record.errors.at(-1);
  return error ? { exceptionClass: error.exceptionClass, message: error.message } : undefined;
}

/**
 * The current time as an ISO string, made once per millisecond: a worker draining at full
 * speed logs dozens of lines in the same millisecond, and toISOString was a visible share of
 * its time per task.
 */
function isoClock(): () => string {
  let ms = Number.NaN;
  let iso = "";
  return () => {
    const now = Date.now();
    if (now !== ms) {
      ms = now;
      iso = new Date(now).toISOString();
    }
    return iso;
  };
}

/** One JSON object per event, for log shippers (`--json`). */
export function jsonReporter(write: (line: string) => void): (event: WorkerEvent) => void {
  const stamp = isoClock();
  // ts is the first key of every line; one object per line, not a copy spread into another.
  // printableJson: a task's error text may hold DEL or C1 characters, which JSON.stringify leaves raw.
  const emit = (event: Record<string, unknown>) => write(printableJson(JSON.stringify(event)));
  return (e) => {
    const ts = stamp();
    switch (e.type) {
      case "started":
        return emit({ ts, event: "started", workerId: e.workerId, queues: e.queues, pid: process.pid });
      case "taskStarted": {
        const r = e.record;
        return emit({
          ts,
          event: "taskStarted",
          id: r.id,
          taskName: r.taskName,
          queueName: r.queueName,
          attempt: r.workerIds.length,
        });
      }
      case "taskFinished": {
        const r = e.record;
        return emit({
          ts,
          event: "taskFinished",
          id: r.id,
          taskName: r.taskName,
          status: r.status,
          durationMs: Math.round(e.durationMs * 100) / 100,
          // JSON.stringify leaves out keys whose value is undefined.
          error: r.status === "SUCCEEDED" ? undefined : errorOf(r),
          retryAt: r.status === "READY" ? r.runAfter?.toISOString() : undefined,
          dropped: e.dropped || undefined,
        });
      }
      case "stopping":
        return emit({ ts, event: "stopping", force: e.force });
      case "recovered":
        return emit({ ts, event: "recovered", tasks: e.tasks });
      case "error":
        return emit({ ts, event: "error", message: e.error.message });
      case "connection":
        return emit({ ts, event: "connection", state: e.state, message: e.message });
      case "pruned":
        return emit({
          ts,
          event: "pruned",
          deleted: e.deleted,
          olderThan: e.olderThan,
          failedOlderThan: e.failedOlderThan,
        });
    }
  };
}

/** A store error as the plain log and the terminal's status say it. */
export function storeErrorLine(error: Error): string {
  return error instanceof StoreGone ? `store gone: ${error.message}` : `store error (will retry): ${error.message}`;
}

/** One plain line per task start and finish, for logs without a TTY. */
export function plainReporter(write: (line: string) => void): (event: WorkerEvent) => void {
  const stamp = isoClock();
  return (e) => {
    switch (e.type) {
      case "started":
        return write(`${stamp()} worker ${e.workerId} started (pid ${process.pid}, queues ${e.queues})`);
      case "taskStarted": {
        const r = e.record;
        return write(`${stamp()} ${r.id} ${r.taskName} started (queue ${r.queueName}, attempt ${r.workerIds.length})`);
      }
      case "taskFinished": {
        const r = e.record;
        const error = errorOf(r);
        const what = r.status === "READY" ? `FAILED, retry at ${r.runAfter?.toISOString()}` : r.status;
        const why = error && r.status !== "SUCCEEDED" ? ` ${oneLineError(error, r.id)}` : "";
        const dropped = e.dropped ? ` (${e.dropped})` : "";
        return write(`${stamp()} ${r.id} ${r.taskName} ${what} in ${e.durationMs.toFixed(1)}ms${why}${dropped}`);
      }
      case "stopping":
        return write(
          e.force
            ? `${stamp()} forced stop: interrupting running tasks`
            : `${stamp()} shutting down gracefully, running tasks will finish (a second SIGINT or SIGTERM forces it)`,
        );
      case "recovered":
        return write(
          `${stamp()} recovered ${e.tasks.length} task(s) from lost workers: ${e.tasks.map((t) => `${t.id} → ${t.status}`).join(", ")}`,
        );
      case "error":
        return write(`${stamp()} ${storeErrorLine(e.error)}`);
      case "connection":
        return write(`${stamp()} ${e.message}`);
      case "pruned":
        return write(`${stamp()} ${prunedLine(e)}`);
    }
  };
}

/** "pruned 120 finished results (retention: older than 14d, failed older than 90d)". */
export function prunedLine(info: PrunedInfo): string {
  const ages =
    info.failedOlderThan === info.olderThan
      ? `older than ${info.olderThan}`
      : `older than ${info.olderThan}, failed older than ${info.failedOlderThan}`;
  return `pruned ${info.deleted} finished result${info.deleted === 1 ? "" : "s"} (retention: ${ages})`;
}

/**
 * The worker's last line, once every result is recorded: what it did, so a `--batch` run (or a
 * stop) ends with a tally rather than its last task's line. `json`: the `stopped` event.
 */
export function stoppedLine(summary: WorkerSummary, json: boolean): string {
  const { workerId, succeeded, failed, retried, dropped, forced } = summary;
  const ts = new Date().toISOString();
  if (json) return JSON.stringify({ ts, event: "stopped", workerId, succeeded, failed, retried, dropped, forced });
  const extra = [
    dropped ? `${dropped} dropped (their ends were not recorded; each one's line says why)` : "",
    forced ? "forced" : "",
  ];
  const tail = extra.filter(Boolean).join(", ");
  return `${ts} worker ${workerId} stopped: ${succeeded} succeeded, ${failed} failed, ${retried} retried${tail ? `; ${tail}` : ""}`;
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
