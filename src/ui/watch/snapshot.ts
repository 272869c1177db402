import type { IdOutcome, QueueCounts, StatusCounts, WorkerInfo } from "../../contract/management.js";
import type { TaskResultData, TaskResultStatus } from "../../core/result.js";
import { backendArg } from "../text/format.js";

/** How many minutes of throughput the dashboard shows (one sparkline cell per minute). */
export const THROUGHPUT_MINUTES = 30;

/** The backend the dashboard watches, for the header. */
export interface BackendInfo {
  alias: string;
  kind: string;
  /** `backend.describeLocation()`: a file path, a redis URL without secrets. */
  location: string;
  /** Workers' heartbeat period; a worker silent for 3× this is shown as stale. */
  heartbeatMs: number;
}

/** What the operator filters the results list by. Empty lists / empty text = no filter. */
export interface WatchFilters {
  statuses: TaskResultStatus[];
  queues: string[];
  /** Task names containing this text (case-insensitive). */
  taskText: string;
}

/** Everything one refresh shows. Counts, queues, workers and throughput ignore the filters. */
export interface WatchSnapshot {
  takenAt: Date;
  counts: StatusCounts;
  queues: QueueCounts[];
  workers: WorkerInfo[];
  /** Finished results per minute, oldest first (THROUGHPUT_MINUTES entries). */
  throughput: number[];
  /** The filtered results, newest first. */
  results: TaskResultData[];
  /** More results match than were fetched. */
  hasMore: boolean;
  /**
   * Why the filters may match nothing, as the list commands say it (a `--queue` the config does
   * not know, with the name it most likely meant); shown only when no result matches.
   */
  filterHint?: string;
}

/** Fetches one snapshot; handed in by the command, which owns the data access. */
export type FetchSnapshot = (filters: WatchFilters) => Promise<WatchSnapshot>;

/** Retries or cancels results by id: one outcome per id. */
export type ChangeTasks = (ids: string[]) => Promise<IdOutcome[]>;

export const NO_FILTERS: WatchFilters = { statuses: [], queues: [], taskText: "" };

/** Registered task names containing `text` (case-insensitive). */
export function registeredMatches(text: string, registered: readonly string[]): string[] {
  const lower = text.trim().toLowerCase();
  return lower ? registered.filter((name) => name.toLowerCase().includes(lower)) : [];
}

/**
 * Task names for a task filter: the registered names containing the text (case-insensitive),
 * plus the text itself so an unregistered name still matches exactly. Undefined: no filter.
 */
export function matchTaskNames(text: string, registered: readonly string[]): string[] | undefined {
  const needle = text.trim();
  if (!needle) return undefined;
  const names = registeredMatches(needle, registered);
  return names.includes(needle) ? names : [...names, needle];
}

export type WorkerHealth = "live" | "stale" | "dead" | "stopped";

/** live; stale = no heartbeat for 3× heartbeatMs; dead = the store gave up on it; stopped = exited cleanly. */
export function workerHealth(worker: WorkerInfo, heartbeatMs: number, now: number): WorkerHealth {
  if (worker.state === "stopped") return "stopped";
  if (worker.state === "dead") return "dead";
  return now - worker.lastHeartbeatAt.getTime() > 3 * heartbeatMs ? "stale" : "live";
}

/** How long a dead worker stays on the dashboard after its last heartbeat. */
const SHOW_DEAD_FOR_MS = 60 * 60_000;

/** Workers worth showing: live first, then stale, then recently dead; stopped ones are left out. */
export function shownWorkers(
  workers: readonly WorkerInfo[],
  heartbeatMs: number,
  now: number,
): { worker: WorkerInfo; health: WorkerHealth }[] {
  const order: Record<WorkerHealth, number> = { live: 0, stale: 1, dead: 2, stopped: 3 };
  return workers
    .map((worker) => ({ worker, health: workerHealth(worker, heartbeatMs, now) }))
    .filter(
      ({ worker, health }) =>
        health === "live" ||
        health === "stale" ||
        (health === "dead" && now - worker.lastHeartbeatAt.getTime() < SHOW_DEAD_FOR_MS),
    )
    .sort((a, b) => order[a.health] - order[b.health]);
}

/** "status:FAILED queue:emails task:mail", or "" with no filter. */
export function describeFilters(filters: WatchFilters): string {
  const parts: string[] = [];
  if (filters.statuses.length > 0) parts.push(`status:${filters.statuses.join(",")}`);
  if (filters.queues.length > 0) parts.push(`queue:${filters.queues.join(",")}`);
  if (filters.taskText) parts.push(`task:${filters.taskText}`);
  return parts.join(" ");
}

/**
 * The results list when it is empty: with filters, nothing matched them; without, nothing was
 * enqueued yet (or everything was pruned), which "no results match" made look like a filter.
 */
export function noResultsText(filters: WatchFilters, hint?: string): string {
  if (!describeFilters(filters)) return "no results yet: enqueue one with `tasks enqueue TASK`";
  return hint ? `no results match: ${hint}` : "no results match";
}

/** What the workers line adds when READY tasks wait and no worker is live to take them. */
export function noWorkerHint(live: number, ready: number, alias = "default"): string {
  if (live > 0 || ready === 0) return "";
  return `no worker runs the ${ready} READY task${ready === 1 ? "" : "s"}: start one with \`tasks worker${backendArg(alias)}\``;
}
