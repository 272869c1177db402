import type { TaskResultData, TaskResultStatus } from "../core/result.js";
import type { Diagnosis } from "./diagnosis.js";
import type { QueueState } from "./queue-controls.js";
import type { WorkerInfo } from "./workers.js";

export type { WorkerInfo } from "./workers.js";

// The operator's contract: what `tasks results/show/errors/prune/retry/cancel/watch` need from a
// backend, and the record and count types the CLI and the UI show.

/** Filters shared by listing, counting, error grouping and bulk retry. Empty = no filter. */
export interface ResultFilter {
  statuses?: TaskResultStatus[];
  taskNames?: string[];
  queues?: string[];
  /** Only results enqueued at or after this moment. */
  since?: Date;
  /**
   * Only READY results in this state: "scheduled" (not due yet: a runAfter or a retry's backoff
   * ahead), "retrying" (at least one failed attempt behind them).
   */
  waiting?: "scheduled" | "retrying";
}

export interface ListOptions extends ResultFilter {
  /** Page size (newest first). */
  limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
}

export interface ResultPage {
  results: TaskResultData[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export type StatusCounts = Record<TaskResultStatus, number>;

/** Every status at zero, to count into. */
export const zeroCounts = (): StatusCounts => ({ READY: 0, RUNNING: 0, SUCCEEDED: 0, FAILED: 0, CANCELLED: 0 });

export interface QueueCounts {
  queueName: string;
  counts: StatusCounts;
  /** Enqueue time of the oldest READY task (deferred ones included), or null when none is waiting. */
  oldestReadyAt: Date | null;
  /**
   * When the longest-waiting task that is due became due (its runAfter, or its enqueue time),
   * or null when nothing due waits: how far behind the queue is. Absent: not computed.
   */
  oldestDueAt?: Date | null;
  /** True when the queue is paused (absent: the backend cannot pause). */
  paused?: boolean;
}

export interface ErrorGroup {
  taskName: string;
  exceptionClass: string;
  count: number;
  firstSeen: Date;
  lastSeen: Date;
  lastMessage: string;
  sampleTraceback: string;
  sampleId: string;
}

/**
 * Failures grouped by cause: the exception class and the first frame of the traceback in the
 * user's own code, across tasks (one bug hit by several tasks is one group). A result counts by
 * its last error: FAILED ones, and READY ones waiting to retry after a failure.
 */
export interface FailureGroup {
  /** Stable id of the group (class and frame), for acting on it. */
  id: string;
  exceptionClass: string;
  /** "jobs.ts:12 sendEmail", or null when the traceback has no frame of the user's code. */
  frame: string | null;
  /** The tasks whose failures fall in the group. */
  taskNames: string[];
  /** FAILED results in the group. */
  count: number;
  /** READY results in the group, waiting for a retry. */
  retrying: number;
  firstSeen: Date;
  lastSeen: Date;
  /** The latest failure: its message, traceback and result. */
  lastMessage: string;
  sampleTraceback: string;
  sampleId: string;
}

export interface RetryOptions {
  /** Attempts a retry grants, per task name (the task's maxAttempts); a task not named gets 1. */
  attempts?: Record<string, number>;
}

export interface PruneOptions {
  /** Delete SUCCEEDED and CANCELLED results finished before this moment. */
  finishedBefore: Date;
  /** Delete FAILED results finished before this moment. */
  failedFinishedBefore: Date;
  queues?: string[];
  taskNames?: string[];
  /** Rows per transaction: small enough that enqueues and claims never wait long. */
  batchSize?: number;
  onProgress?(deleted: number, total: number): void;
  /** Aborted: stop after the batch under way; the prune returns what it deleted so far. */
  signal?: AbortSignal;
}

/** Why one id of a retry/cancel could not be changed (the others still are). */
export interface IdOutcome {
  id: string;
  ok: boolean;
  /** Status before the operation, when the id exists. */
  status?: TaskResultStatus;
  reason?: string;
}

/**
 * The operator's operations behind `tasks results/show/errors/prune/retry/cancel/watch`.
 * Commands use only this contract, never SQL or Redis directly.
 */
export interface ManagementStore {
  listResults(options: ListOptions): Promise<ResultPage>;
  countByStatus(filter?: ResultFilter): Promise<StatusCounts>;
  countByQueue(): Promise<QueueCounts[]>;
  /** Results whose id starts with `prefix` (at most `limit`, to show an ambiguous prefix). */
  findByIdPrefix(prefix: string, limit: number): Promise<TaskResultData[]>;
  /**
   * Results whose id starts with the fragment, or ends with it (the short id `tasks results`
   * prints is an id's random tail). At most `limit`.
   */
  findByIdFragment(fragment: string, limit: number): Promise<TaskResultData[]>;
  errorGroups(filter: ResultFilter): Promise<ErrorGroup[]>;
  /** Failures grouped by cause (class + first user frame), most recent first (optional). */
  failureGroups?(filter: ResultFilter): Promise<FailureGroup[]>;
  /** The ids of a failure group's results in this status (FAILED to retry, READY to cancel). */
  failureGroupIds?(groupId: string, status: "FAILED" | "READY", filter: ResultFilter): Promise<string[]>;
  /** How many results a prune with these options would delete. */
  countPrunable(options: PruneOptions): Promise<number>;
  /** Deletes finished results in batches; never READY or RUNNING. Returns how many were deleted. */
  prune(options: PruneOptions): Promise<number>;
  /**
   * FAILED → READY (due now), keeping errors and attempts, and granting more attempts: its
   * maxAttempts becomes the attempts so far plus `options.attempts[taskName]` (default 1).
   */
  retry(ids: string[], options?: RetryOptions): Promise<IdOutcome[]>;
  /** Retries every FAILED result matching the filter (as retry()); returns the ids retried. */
  retryFailed(filter: ResultFilter, options?: RetryOptions): Promise<string[]>;
  /** READY → CANCELLED. */
  cancel(ids: string[]): Promise<IdOutcome[]>;
  workers(): Promise<WorkerInfo[]>;
  /** Finished results per minute for the last `minutes` minutes, oldest first. */
  throughput(minutes: number): Promise<number[]>;
  /**
   * Stops workers claiming from these queues (running tasks finish; enqueue still works), stored
   * so it survives restarts. Absent on a backend that cannot pause.
   */
  pause?(queues: string[]): Promise<void>;
  /** Lets workers claim from these queues again. */
  resume?(queues: string[]): Promise<void>;
  /** The stored state of every queue that has any (paused ones, at least). */
  queueStates?(): Promise<QueueState[]>;
  /** The facts `tasks why` needs about one result (TaskResultDoesNotExist for an unknown id). */
  diagnose?(id: string): Promise<Diagnosis>;
}
