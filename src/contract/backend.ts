import type { JsonValue } from "../core/json.js";
import {
  type ResultSource,
  type TaskErrorData,
  TaskResult,
  type TaskResultData,
  type TaskResultStatus,
} from "../core/result.js";
import { signals } from "../core/signals.js";
import type { AnyTask } from "../core/task.js";
import type { WorkerOptions } from "../worker/options.js";
import type { WorkerEvents } from "../worker/worker.js";

/** What a backend can do; the same four flags django-tasks has. */
export interface BackendCapabilities {
  /** Tasks may be enqueued with `runAfter`. */
  readonly supportsDefer: boolean;
  /** Async (promise-returning) task functions are awaited. */
  readonly supportsAsyncTask: boolean;
  /** `getResult` works from any process, not only the one that enqueued. */
  readonly supportsGetResult: boolean;
  /** Higher priority runs first. */
  readonly supportsPriority: boolean;
}

/** How the config hands a backend its settings. */
export interface BackendInit {
  alias: string;
  /** Allowed queue names; empty means any name is allowed. */
  queues: string[];
  /** Kind-specific options, already validated, relative paths resolved. */
  options: Record<string, unknown>;
}

/** One task to store: the validated, JSON-checked request of a `Task.enqueue`. */
export interface EnqueueRequest {
  taskName: string;
  args: JsonValue[];
  queueName: string;
  priority: number;
  runAfter: Date | null;
  maxAttempts: number;
}

/** Which queues a worker takes tasks from. */
export interface QueueSelector {
  /** `"*"` for every queue. */
  include: string[] | "*";
  /** Only meaningful with `include: "*"`. */
  exclude: string[];
}

export interface WorkerRegistration {
  id: string;
  hostname: string;
  pid: number;
  queues: string;
  startedAt: Date;
}

export interface RecoveredTask {
  id: string;
  status: "READY" | "FAILED";
}

/** The end of one attempt, as the worker hands it back to the store. */
export interface AttemptOutcome {
  id: string;
  workerId: string;
  finishedAt: Date;
  status: "SUCCEEDED" | "FAILED";
  returnValue?: JsonValue;
  error?: TaskErrorData;
  /**
   * Set when a FAILED attempt will be retried: the result goes back to READY with
   * `runAfter` = retryAt instead of ending FAILED.
   */
  retryAt?: Date;
}

/**
 * The operations the generic worker loop (src/worker/) needs from a durable backend.
 * Backends that cannot run workers (dummy, immediate) return null from `workerStore()`.
 */
export interface WorkerStore {
  registerWorker(worker: WorkerRegistration): Promise<void>;
  heartbeat(workerId: string): Promise<void>;
  markWorkerStopped(workerId: string): Promise<void>;
  /**
   * Atomically moves up to `limit` due READY tasks of the selected queues to RUNNING for
   * this worker (priority desc, runAfter, enqueuedAt), appending workerId, setting
   * startedAt (first run) and lastAttemptedAt. No two callers ever get the same task.
   * `completed` outcomes, when given, are recorded first in the same transaction (one lock
   * and one commit per batch instead of two).
   */
  claim(
    workerId: string,
    selector: QueueSelector,
    limit: number,
    completed?: AttemptOutcome[],
  ): Promise<TaskResultData[]>;
  /** Records finished attempts; many at once in one transaction. */
  complete(outcomes: AttemptOutcome[]): Promise<void>;
  /**
   * Crash recovery: takes back RUNNING tasks whose worker stopped heartbeating (READY if they
   * have attempts left, else FAILED with WorkerLost) and marks such workers dead. With
   * `ownLeftovers`, also those still held under this worker id (this worker restarted).
   */
  recover(workerId: string, ownLeftovers: boolean): Promise<RecoveredTask[]>;
  /** Milliseconds until the next deferred task of these queues is due, or null if none. */
  nextDueInMs(selector: QueueSelector): Promise<number | null>;
  /**
   * Resolves when another process may have changed the queue, or after `timeoutMs`, or when
   * `signal` aborts — whichever comes first. Lets idle workers sleep without busy polling.
   */
  waitForChange(timeoutMs: number, signal: AbortSignal): Promise<void>;
}

/** Filters shared by listing, counting, error grouping and bulk retry. Empty = no filter. */
export interface ResultFilter {
  statuses?: TaskResultStatus[];
  taskNames?: string[];
  queues?: string[];
  /** Only results enqueued at or after this moment. */
  since?: Date;
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

export interface QueueCounts {
  queueName: string;
  counts: StatusCounts;
  /** Enqueue time of the oldest READY task, or null when none is waiting. */
  oldestReadyAt: Date | null;
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
}

/** Why one id of a retry/cancel could not be changed (the others still are). */
export interface IdOutcome {
  id: string;
  ok: boolean;
  /** Status before the operation, when the id exists. */
  status?: TaskResultStatus;
  reason?: string;
}

export interface WorkerInfo {
  id: string;
  hostname: string;
  pid: number;
  queues: string;
  startedAt: Date;
  lastHeartbeatAt: Date;
  state: "running" | "stopped" | "dead";
}

/** What `tasks worker` hands a backend that brings its own worker loop. */
export interface WorkerRunnerInput {
  tasks: Map<string, AnyTask>;
  options: WorkerOptions;
  events: WorkerEvents;
}

/**
 * A worker loop a backend runs itself (BullMQ's Worker on Redis) instead of the generic claim
 * loop over a WorkerStore. Same semantics: `stop()` once = finish running tasks, twice =
 * abort them and record them FAILED (WorkerInterrupted).
 */
export interface WorkerRunner {
  run(): Promise<void>;
  stop(): void;
  readonly runningCount: number;
  readonly stats: { succeeded: number; failed: number; retried: number };
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
  /** How many results a prune with these options would delete. */
  countPrunable(options: PruneOptions): Promise<number>;
  /** Deletes finished results in batches; never READY or RUNNING. Returns how many were deleted. */
  prune(options: PruneOptions): Promise<number>;
  /** FAILED → READY (due now), keeping errors and attempts. */
  retry(ids: string[]): Promise<IdOutcome[]>;
  /** Retries every FAILED result matching the filter; returns how many. */
  retryFailed(filter: ResultFilter): Promise<number>;
  /** READY → CANCELLED. */
  cancel(ids: string[]): Promise<IdOutcome[]>;
  workers(): Promise<WorkerInfo[]>;
  /** Finished results per minute for the last `minutes` minutes, oldest first. */
  throughput(minutes: number): Promise<number[]>;
}

/**
 * The contract every backend implements (built-in and custom). Subclasses implement
 * `storeTasks` and `getResultData`; the base class wraps records as TaskResults and sends
 * the taskEnqueued signal, so every backend behaves the same at the API surface.
 */
export abstract class Backend implements BackendCapabilities, ResultSource {
  abstract readonly kind: string;
  abstract readonly supportsDefer: boolean;
  abstract readonly supportsAsyncTask: boolean;
  abstract readonly supportsGetResult: boolean;
  abstract readonly supportsPriority: boolean;

  readonly alias: string;
  readonly queues: string[];
  readonly options: Record<string, unknown>;

  constructor(init: BackendInit) {
    this.alias = init.alias;
    this.queues = init.queues;
    this.options = init.options;
  }

  /** Persists new tasks in one round trip and returns their READY records. */
  protected abstract storeTasks(task: AnyTask, requests: EnqueueRequest[]): Promise<TaskResultData[]>;

  /** Reads one record; throws TaskResultDoesNotExist for an unknown id. */
  abstract getResultData(id: string): Promise<TaskResultData>;

  /** Hook run after the taskEnqueued signals (the immediate backend runs the tasks here). */
  protected async afterEnqueue(_task: AnyTask, _results: TaskResult[]): Promise<void> {}

  async enqueueMany(task: AnyTask, requests: EnqueueRequest[]): Promise<TaskResult[]> {
    const records = await this.storeTasks(task, requests);
    const results = records.map((record) => new TaskResult(record, this));
    for (const taskResult of results) signals.taskEnqueued.send({ sender: this, taskResult });
    await this.afterEnqueue(task, results);
    return results;
  }

  async getResult(id: string): Promise<TaskResult> {
    return new TaskResult(await this.getResultData(id), this);
  }

  /** The worker operations, or null when `tasks worker` cannot run this backend. */
  workerStore(): WorkerStore | null {
    return null;
  }

  /** Its own worker loop, for backends that do not use the generic one over workerStore(). */
  createWorkerRunner(_input: WorkerRunnerInput): WorkerRunner | null {
    return null;
  }

  /** The operator's operations, or null when this backend keeps no queryable history. */
  management(): ManagementStore | null {
    return null;
  }

  /** Where the data lives, for `tasks info` and `tasks watch` headers (no secrets). */
  describeLocation(): string {
    return this.kind;
  }

  async close(): Promise<void> {}
}

/** A custom backend given as a class in the config. */
export type BackendClass = (new (init: BackendInit) => Backend) & Partial<BackendCapabilities>;
