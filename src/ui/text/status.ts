import type { TaskResultStatus } from "../../core/result.js";

/** What a status means to a reader: a READY task whose runAfter is still ahead is SCHEDULED. */
export type ShownStatus = TaskResultStatus | "SCHEDULED";

export function shownStatus(r: { status: TaskResultStatus; runAfter: Date | null }, now = Date.now()): ShownStatus {
  return r.status === "READY" && r.runAfter !== null && r.runAfter.getTime() > now ? "SCHEDULED" : r.status;
}
