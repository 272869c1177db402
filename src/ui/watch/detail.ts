import type { FailureGroup } from "../../contract/management.js";
import type { TaskResultData } from "../../core/result.js";
import { ago, clippedJson, clippedNote, runTimes } from "../text/format.js";
import { shownStatus } from "../text/status.js";
import { wrapLine } from "./format.js";

/** One line of the detail view. */
export interface DetailLine {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
}

const when = (date: Date | null, now: number) => (date ? `${date.toISOString()}  (${ago(date, now)})` : "-");

/** A value's JSON lines, cut past SHOWN_VALUE_CHARS with a note (wrapping 20 MB would stall the screen). */
function json(value: unknown, id: string): DetailLine[] {
  const { text, left } = clippedJson(value);
  const lines: DetailLine[] = text.split("\n").map((line) => ({ text: `  ${line}` }));
  if (left > 0) lines.push({ text: `  ${clippedNote(left, id)}`, dim: true });
  return lines;
}

/** Every field of a result, its args, return value and each error with its traceback, wrapped to `width`. */
export function detailLines(r: TaskResultData, width: number, now = Date.now()): DetailLine[] {
  const lines: DetailLine[] = [];
  const field = (label: string, value: string) => lines.push({ text: `${label.padEnd(11)}${value}` });
  const section = (title: string) => lines.push({ text: "" }, { text: title, bold: true });
  field("id", r.id);
  field("task", r.taskName);
  field("queue", `${r.queueName}   priority ${r.priority}   backend ${r.backend}`);
  field("enqueued", when(r.enqueuedAt, now));
  if (r.runAfter) field(shownStatus(r, now) === "SCHEDULED" ? "due" : "run after", when(r.runAfter, now));
  field("started", when(r.startedAt, now));
  field("finished", when(r.finishedAt, now));
  const times = runTimes(r);
  field("last run", times.last);
  if (times.span) field("in all", times.span);
  field("attempts", `${r.workerIds.length} of ${r.maxAttempts} allowed`);
  if (r.workerIds.length > 0) field("workers", r.workerIds.join(", "));
  section("args");
  lines.push(...json(r.args, r.id));
  if (r.status === "SUCCEEDED") {
    section("return value");
    for (const line of json(r.returnValue ?? null, r.id)) lines.push(line.dim ? line : { ...line, color: "green" });
  }
  section(`errors (${r.errors.length})`);
  if (r.errors.length === 0) lines.push({ text: "  none", dim: true });
  r.errors.forEach((error, i) => {
    // A message's own lines are lines of the view (wrapLine would escape its newlines).
    const [first = "", ...more] = error.message.split(/\r?\n/);
    lines.push({ text: `  #${i + 1} ${error.exceptionClass}: ${first}`, color: "red" });
    for (const line of more) lines.push({ text: `     ${line}`, color: "red" });
    for (const line of error.traceback.split(/\r?\n/)) lines.push({ text: `     ${line}`, dim: true });
  });
  return lines.flatMap((line) => wrapLine(line.text, width).map((text) => ({ ...line, text })));
}

/** A failure group in full: where it fails, which tasks, how many results, the last message and a sample traceback. */
export function groupDetailLines(g: FailureGroup, width: number, now = Date.now()): DetailLine[] {
  const lines: DetailLine[] = [];
  const field = (label: string, value: string) => lines.push({ text: `${label.padEnd(11)}${value}` });
  field("error", g.exceptionClass);
  field("where", g.frame ?? "no frame of your code in the traceback");
  field("tasks", g.taskNames.join(", "));
  field("failed", `${g.count} FAILED (R retries them all)`);
  field("retrying", `${g.retrying} waiting to run again (C cancels them all)`);
  field("first seen", when(g.firstSeen, now));
  field("last seen", when(g.lastSeen, now));
  field("sample", g.sampleId);
  lines.push({ text: "" }, { text: "last message", bold: true });
  for (const line of g.lastMessage.split(/\r?\n/)) lines.push({ text: `  ${line}`, color: "red" });
  lines.push({ text: "" }, { text: "sample traceback", bold: true });
  for (const line of g.sampleTraceback.split(/\r?\n/)) lines.push({ text: `  ${line}`, dim: true });
  return lines.flatMap((line) => wrapLine(line.text, width).map((text) => ({ ...line, text })));
}
