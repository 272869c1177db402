import type { JsonValue } from "../core/json.js";
import type { TaskErrorData, TaskResultData } from "../core/result.js";

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
  /** The task names its config registers (recorded by the redis backend, for `tasks check`). */
  tasks?: string[];
}

export interface RecoveredTask {
  id: string;
  status: "READY" | "FAILED";
}

/** The end of one attempt, as the worker hands it back to the store. */
export interface AttemptOutcome {
  id: string;
  workerId: string;
  /**
   * Which run of the task this outcome ends (1 for the first: the record's workerIds.length
   * when it was claimed). A store applies it only while the task is still on that run: a worker
   * whose task was taken back (its heartbeats failed) and handed to it again must not have the
   * old run's late end finish the new one.
   */
  attempt: number;
  finishedAt: Date;
  status: "SUCCEEDED" | "FAILED";
  returnValue?: JsonValue;
  /**
   * returnValue as JSON text, when the lifecycle wrote it (to check it can be written at all):
   * a store that keeps JSON text writes this as is instead of stringifying the value again.
   */
  returnJson?: string;
  error?: TaskErrorData;
  /**
   * Set when a FAILED attempt will be retried: the result goes back to READY with
   * `runAfter` = retryAt instead of ending FAILED.
   */
  retryAt?: Date;
}

/** A RUNNING task whose worker was lost, as crash recovery sees it before deciding its fate. */
export interface LostAttempt {
  id: string;
  taskName: string;
  /** Runs so far, the lost one included. */
  attempts: number;
  maxAttempts: number;
}

/**
 * What to do with a lost attempt: the moment it may run again, or null when it has no attempts
 * left (it ends FAILED). The worker decides with the same rule as for a failed attempt.
 */
export type RecoveryPlan = (lost: LostAttempt) => Date | null;

/** What a store call with completions reports back: the outcomes it could not record. */
export interface CompletionReport {
  /**
   * Ids whose outcome was dropped: the task was no longer held by this worker (its lease ran
   * out and another worker recovered it), so the late outcome must not overwrite what happened since.
   */
  dropped: string[];
}

/**
 * The operations the generic worker loop (src/worker/) needs from a durable backend.
 * Backends that cannot run workers (dummy, immediate) return null from `workerStore()`.
 */
export interface WorkerStore {
  /** Called once before the first claim (optional). */
  configure?(plan: WorkerPlan): void;
  registerWorker(worker: WorkerRegistration): Promise<void>;
  /**
   * Proves the worker alive. An error is reported and the beat tried again, except StoreGone
   * (the store this worker serves is gone from under it, e.g. its file deleted): the worker then
   * stops claiming, lets its running tasks finish, and ends with that error.
   */
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
  ): Promise<{ claimed: TaskResultData[] } & CompletionReport>;
  /** Records finished attempts; many at once in one transaction. */
  complete(outcomes: AttemptOutcome[]): Promise<CompletionReport>;
  /**
   * Crash recovery: takes back RUNNING tasks whose worker stopped heartbeating (READY at the
   * time `plan` gives, else FAILED with WorkerLost) and marks such workers dead. With
   * `ownLeftovers`, also those still held under this worker id (this worker restarted).
   */
  recover(workerId: string, ownLeftovers: boolean, plan: RecoveryPlan): Promise<RecoveredTask[]>;
  /**
   * Instant recovery on one host (optional): takes back at once the tasks of workers on this
   * machine whose process is gone, without waiting for their leases. Called often (every
   * ~100 ms), so it must cost next to nothing when nobody died.
   */
  recoverGoneLocal?(workerId: string, plan: RecoveryPlan): Promise<RecoveredTask[]>;
  /** Milliseconds until the next deferred task of these queues is due, or null if none. */
  nextDueInMs(selector: QueueSelector): Promise<number | null>;
  /**
   * Resolves when another process may have changed the queue, or after `timeoutMs`, or when
   * `signal` aborts — whichever comes first. Lets idle workers sleep without busy polling.
   * `workerId` is the waiting worker's (as its claims gave it): a store serving several workers
   * of one process tells their waits apart by it (absent: the last claim's worker).
   */
  waitForChange(timeoutMs: number, signal: AbortSignal, workerId?: string): Promise<void>;
}

/** "default,emails" or "* except slow" — for logs and the worker registry. */
export function describeSelector(selector: QueueSelector): string {
  if (selector.include !== "*") return selector.include.join(",");
  return selector.exclude.length ? `* except ${selector.exclude.join(",")}` : "*";
}

/** What a worker tells its store before the first claim. */
export interface WorkerPlan {
  /**
   * Whether any task this worker runs has a per-key concurrency limit: a store may then take
   * a faster claim path that need not look at keys.
   */
  keyLimits: boolean;
}
