import prettyMs from "pretty-ms";
import type { TaskResult } from "../../core/result.js";
import { bold, colourStatus, dim, red } from "./style.js";

/** Pretty JSON for return values and arguments. */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? "null";
}

/** A few lines describing a result: status line, then its return value or its last error. */
export function resultSummary(result: TaskResult): string {
  const lines = [`${bold(result.taskName)} ${dim(result.id)} ${colourStatus(result.status)}`];
  if (result.status === "SUCCEEDED") lines.push(prettyJson(result.returnValue));
  const error = result.errors.at(-1);
  if (result.status === "FAILED" && error) {
    lines.push(red(`${error.exceptionClass}: ${error.message}`));
    lines.push(dim(error.traceback));
  }
  return lines.join("\n");
}

/** The id's random tail: UUIDv7 ids start with a timestamp, so tasks enqueued together share long prefixes. */
export function shortId(id: string): string {
  return id.slice(-12);
}

/** "3m ago", "2h ago" */
export function ago(date: Date | null, now = Date.now()): string {
  if (!date) return "-";
  const delta = now - date.getTime();
  if (delta < 1000) return delta < 0 ? `in ${prettyMs(-delta, { compact: true })}` : "just now";
  return `${prettyMs(delta, { compact: true })} ago`;
}

/** Run time of the last attempt, or "-". */
export function duration(start: Date | null, end: Date | null): string {
  if (!start || !end) return "-";
  return prettyMs(Math.max(0, end.getTime() - start.getTime()), { secondsDecimalDigits: 1, unitCount: 2 });
}
