import prettyMs from "pretty-ms";
import type { TaskResult, TaskResultStatus } from "../../core/result.js";
import { printable, printableJson, printableLines } from "./printable.js";
import { shownStatus } from "./status.js";
import { bold, colourStatus, dim, red } from "./style.js";

/** Pretty JSON for return values and arguments, DEL and C1 characters escaped too (printableJson). */
export function prettyJson(value: unknown): string {
  return printableJson(JSON.stringify(value, null, 2) ?? "null");
}

/** Past this many characters a value shown on a terminal is cut: a 20 MB argument would flood it. */
export const SHOWN_VALUE_CHARS = 10_000;

/** prettyJson cut to SHOWN_VALUE_CHARS, with how many characters it left out (0: none). */
export function clippedJson(value: unknown): { text: string; left: number } {
  const text = prettyJson(value);
  if (text.length <= SHOWN_VALUE_CHARS) return { text, left: 0 };
  return { text: text.slice(0, SHOWN_VALUE_CHARS), left: text.length - SHOWN_VALUE_CHARS };
}

/** What a cut value says after it: how much is missing and how to see it. */
export function clippedNote(left: number, id: string): string {
  return `… ${left.toLocaleString("en-US")} more characters: tasks show ${id} --json prints it all`;
}

/**
 * Past this many characters an error message is cut where it shares a line with others (a log
 * line, the worker's status, \`tasks why\`). A log shipper reads one record per line, so a
 * message's own line breaks are cut too (the rest would land in records of their own, with no
 * task id), and a 5 MB message would be one 5 MB record.
 */
const ONE_LINE_MESSAGE_CHARS = 500;

/** An error as one line, "Class: message" (see oneLineMessage), its class escaped too: both are the task's. */
export function oneLineError(error: { exceptionClass: string; message: string }, id: string): string {
  return `${printable(error.exceptionClass, "escape")}: ${oneLineMessage(error.message, id)}`;
}

/**
 * A failure's message on one line: its first line, at most ONE_LINE_MESSAGE_CHARS, control
 * characters escaped (printable), then what was left out.
 */
export function oneLineMessage(message: string, id: string): string {
  const end = message.search(/[\r\n]/);
  const line = end === -1 ? message : message.slice(0, end);
  const kept = line.length > ONE_LINE_MESSAGE_CHARS ? line.slice(0, ONE_LINE_MESSAGE_CHARS) : line;
  const shown = printable(kept, "escape");
  return kept.length === message.length ? shown : `${shown} ${clippedNote(message.length - kept.length, id)}`;
}

/**
 * A value as printed for a person: with `clip` (stdout is a terminal) a huge one (a 20 MB
 * argument) is cut, saying how much was left out and how to get it; a pipe gets it all.
 */
export function shownValue(value: unknown, id: string, clip: boolean): string {
  if (!clip) return prettyJson(value);
  const { text, left } = clippedJson(value);
  return left === 0 ? text : `${text}\n${dim(clippedNote(left, id))}`;
}

/** A few lines describing a result: status line, then its return value (see shownValue) or its last error. */
export function resultSummary(result: TaskResult, clip = false): string {
  const lines = [`${bold(result.taskName)} ${dim(result.id)} ${colourStatus(result.status)}`];
  if (result.status === "SUCCEEDED") lines.push(shownValue(result.returnValue, result.id, clip));
  const error = result.errors.at(-1);
  if (result.status === "FAILED" && error) {
    const { head, rest } = errorText(error);
    lines.push(red(head));
    if (rest) lines.push(dim(rest));
  }
  return lines.join("\n");
}

/**
 * A stored error as shown in full: "Class: message", then the traceback without that same first
 * line (a stack starts with it), control characters escaped (printableLines): the text is
 * whatever the task threw.
 */
export function errorText(error: { exceptionClass: string; message: string; traceback: string }): {
  head: string;
  rest: string;
} {
  const head = `${error.exceptionClass}: ${error.message}`;
  const rest = error.traceback.startsWith(head)
    ? error.traceback.slice(head.length).replace(/^\n/, "")
    : error.traceback;
  return { head: printableLines(head), rest: printableLines(rest) };
}

/** "due 2026-12-02T10:00:00.000Z (in 9m)" for a scheduled task, else "". */
export function dueText(r: { status: TaskResultStatus; runAfter: Date | null }, now = Date.now()): string {
  if (shownStatus(r, now) !== "SCHEDULED" || !r.runAfter) return "";
  return `due ${r.runAfter.toISOString()} (${ago(r.runAfter, now)})`;
}

/**
 * How long a result ran: its last attempt, and when it had several (or waited between
 * retries), the whole span from its first start to its end.
 */
export function runTimes(r: AttemptTimes & { startedAt: Date | null; workerIds: readonly string[] }): {
  last: string;
  span: string | null;
} {
  const last = lastAttemptTime(r);
  const span =
    r.workerIds.length > 1 && r.startedAt && r.finishedAt && r.status !== "CANCELLED"
      ? `${duration(r.startedAt, r.finishedAt)} from the first start over ${r.workerIds.length} attempts`
      : null;
  return { last, span };
}

/** The id's random tail: UUIDv7 ids start with a timestamp, so tasks enqueued together share long prefixes. */
export function shortId(id: string): string {
  return id.slice(-12);
}

/**
 * What a suggested command needs to act on this backend: " --backend reports", or nothing for
 * "default" (the flag's default). A hint without it, followed as written, acted on "default".
 */
export function backendArg(alias: string): string {
  return alias === "default" ? "" : ` --backend ${alias}`;
}

/** "3m ago", "2h ago" */
export function ago(date: Date | null, now = Date.now()): string {
  if (!date) return "-";
  const delta = now - date.getTime();
  if (delta <= -60_000) {
    // A due time: to the nearest minute, in two units ("in 1h 30m"). The first unit alone read a
    // `--run-after 90m` as "in 1h", and flooring read `--run-after 1h` as "in 59m".
    return `in ${prettyMs(Math.round(-delta / 60_000) * 60_000, { unitCount: 2 })}`;
  }
  if (delta < 1000) return delta < 0 ? `in ${prettyMs(-delta, { compact: true })}` : "just now";
  return `${prettyMs(delta, { compact: true })} ago`;
}

interface AttemptTimes {
  status: TaskResultStatus;
  lastAttemptedAt: Date | null;
  finishedAt: Date | null;
}

/**
 * How long the last attempt ran (up to `now` while it runs), or "-": none ran, or its end is not
 * kept. A CANCELLED result was READY when cancelled (waiting for a retry, say): its finishedAt is
 * when it was cancelled, not when an attempt ended, and the wait is no run time.
 */
export function lastAttemptTime(r: AttemptTimes, now?: number): string {
  if (r.status === "CANCELLED") return "-";
  const end = r.finishedAt ?? (r.status === "RUNNING" && now !== undefined ? new Date(now) : null);
  return duration(r.lastAttemptedAt, end);
}

/** The time from start to end, or "-". */
export function duration(start: Date | null, end: Date | null): string {
  if (!start || !end) return "-";
  return prettyMs(Math.max(0, end.getTime() - start.getTime()), { secondsDecimalDigits: 1, unitCount: 2 });
}
