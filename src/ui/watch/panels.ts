import type { FailureGroup, QueueCounts, WorkerInfo } from "../../contract/management.js";
import type { ScheduleInfo } from "../../contract/schedules.js";
import type { TaskResultData } from "../../core/result.js";
import { shownWorkers, type WatchSnapshot, type WorkerHealth } from "./snapshot.js";
import type { TabId } from "./tabs.js";
import type { GroupRef, QueueRef, RowRef, TabRows } from "./view.js";

/**
 * The data of the tabs beyond the overview. The overview's snapshot already holds the queues
 * and workers; the others are fetched for the active tab only, on the same refresh.
 */
export type PanelRequest =
  | { tab: "scheduled" | "retries" /** Task names containing this text (as the overview's `/`). */; taskText: string }
  | { tab: "errors" }
  | { tab: "schedules" };

export type PanelData =
  | { tab: "scheduled" | "retries"; results: TaskResultData[]; hasMore: boolean }
  /** canAct: the backend can list a group's ids (so R and C can act on a group). */
  | { tab: "errors"; groups: FailureGroup[]; canAct: boolean }
  | { tab: "schedules"; schedules: ScheduleInfo[] };

/** Fetches one tab's data; handed in by the command, which owns the data access. */
export type FetchPanel = (request: PanelRequest) => Promise<PanelData>;

/** What the active tab needs fetched beyond the snapshot, or null. */
export function panelRequest(tab: TabId, texts: Partial<Record<TabId, string>>): PanelRequest | null {
  if (tab === "scheduled" || tab === "retries") return { tab, taskText: texts[tab] ?? "" };
  if (tab === "errors" || tab === "schedules") return { tab };
  return null;
}

/** A failure group's row id: its own id, or (from a backend that groups by task and class) those two. */
export const groupRowId = (g: FailureGroup) => g.id || `${g.taskNames.join(",")}:${g.exceptionClass}`;

/**
 * "RangeError at jobs.ts:12 charge", or the class alone when no frame of the user's code is
 * known. The frame's folders are left out (the detail view has them): the file and line are
 * what tells groups apart on a narrow column.
 */
export const groupLabel = (g: FailureGroup) =>
  g.frame ? `${g.exceptionClass} at ${g.frame.replace(/^[^\s]*[\\/]/, "")}` : g.exceptionClass;

const matches = (text: string, ...fields: (string | null | undefined)[]) => {
  const needle = text.trim().toLowerCase();
  return !needle || fields.some((f) => f?.toLowerCase().includes(needle));
};

const dueTime = (r: TaskResultData) => (r.runAfter ?? r.enqueuedAt).getTime();

/** A failure group with its number in `tasks errors` (the whole list), kept under a `/` filter. */
export interface NumberedGroup extends FailureGroup {
  number: number;
}

/** Each tab's rows in the order shown, after its `/` text. */
export interface TabItems {
  queues: QueueCounts[] | null;
  /** Deferred (never failed), soonest due first. */
  scheduled: TaskResultData[] | null;
  /** Soonest next try first. */
  retries: TaskResultData[] | null;
  errors: NumberedGroup[] | null;
  workers: { worker: WorkerInfo; health: WorkerHealth }[] | null;
  schedules: ScheduleInfo[] | null;
}

/** The active tab's items (null: its data has not arrived yet). */
export function tabItems(
  tab: TabId,
  snapshot: WatchSnapshot | null,
  panel: PanelData | null,
  texts: Partial<Record<TabId, string>>,
  heartbeatMs: number,
): Partial<TabItems> {
  const text = texts[tab] ?? "";
  switch (tab) {
    case "queues":
      return { queues: snapshot?.queues.filter((q) => matches(text, q.queueName)) ?? null };
    case "workers": {
      if (!snapshot) return { workers: null };
      const workers = shownWorkers(snapshot.workers, heartbeatMs, snapshot.takenAt.getTime());
      return { workers: workers.filter(({ worker: w }) => matches(text, w.id, w.hostname, w.queues)) };
    }
    case "scheduled":
    case "retries": {
      // The store's "scheduled" is every READY task not due yet, retry backoffs included; those
      // are on Retries, so the two tabs do not repeat each other (as Sidekiq's sets do not).
      const own = (r: TaskResultData) => tab === "retries" || r.errors.length === 0;
      const results = panel?.tab === tab ? panel.results.filter(own).sort((a, b) => dueTime(a) - dueTime(b)) : null;
      return { [tab]: results };
    }
    case "errors": {
      const groups = panel?.tab === "errors" ? panel.groups : null;
      const shown = groups
        ?.map((g, i) => ({ ...g, number: i + 1 }))
        .filter((g) => matches(text, g.exceptionClass, g.frame, g.lastMessage, g.taskNames.join(" ")));
      return { errors: shown ?? null };
    }
    case "schedules": {
      const schedules = panel?.tab === "schedules" ? panel.schedules : null;
      return { schedules: schedules?.filter((s) => matches(text, s.name, s.taskName, s.cron)) ?? null };
    }
    default:
      return {};
  }
}

/** A result row for the key reducer, with how a READY one waits (RowRef.waiting). */
export function rowRef(r: TaskResultData, now: number): RowRef {
  const ref: RowRef = { id: r.id, taskName: r.taskName, status: r.status };
  if (r.status !== "READY") return ref;
  if (r.errors.length > 0) return { ...ref, waiting: "retrying" };
  return r.runAfter !== null && r.runAfter.getTime() > now ? { ...ref, waiting: "scheduled" } : ref;
}

/** The active tab's rows as the key reducer sees them (undefined: the overview, or data still loading). */
export function tabRowsOf(
  tab: TabId,
  items: Partial<TabItems>,
  can: { pause: boolean; actOnGroups: boolean },
  now = Date.now(),
): TabRows | undefined {
  if (tab === "queues" && items.queues) {
    const rows: QueueRef[] = items.queues.map((q) => ({
      id: q.queueName,
      paused: q.paused === true,
      canPause: can.pause,
    }));
    return { kind: "queues", rows };
  }
  if ((tab === "scheduled" || tab === "retries") && items[tab]) {
    return { kind: "tasks", rows: (items[tab] ?? []).map((r) => rowRef(r, now)) };
  }
  if (tab === "errors" && items.errors) {
    const rows: GroupRef[] = items.errors.map((g) => ({
      id: groupRowId(g),
      label: groupLabel(g),
      failed: g.count,
      retrying: g.retrying,
      canAct: can.actOnGroups && g.id !== "",
    }));
    return { kind: "groups", rows };
  }
  if (tab === "workers" && items.workers)
    return { kind: "plain", rows: items.workers.map((w) => ({ id: w.worker.id })) };
  if (tab === "schedules" && items.schedules)
    return { kind: "plain", rows: items.schedules.map((s) => ({ id: s.name })) };
  return undefined;
}
