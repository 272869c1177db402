import type { EnqueueRequest, TaskBackend } from "../core/environment.js";
import { InvalidTaskBackendError } from "../core/errors.js";
import { type ResultSource, TaskResult, type TaskResultData } from "../core/result.js";
import { signals } from "../core/signals.js";
import type { AnyTask } from "../core/task.js";
import type { ManagementStore } from "./management.js";
import type { QueueControlSupport, QueueLimits, QueueState } from "./queue-controls.js";
import type { WorkerRunner, WorkerRunnerInput } from "./runner.js";
import type { ScheduleStore } from "./schedules.js";
import type { WorkerStore } from "./worker-store.js";

export type { EnqueueRequest } from "../core/environment.js";

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
  /**
   * Kind-specific options. Built-in kinds get them validated with relative paths resolved; a
   * custom backend gets them as written in the config (resolve paths against the config's folder
   * yourself).
   */
  options: Record<string, unknown>;
  /** Per-queue limits (concurrency, rate), already validated; absent means none. */
  limits?: Record<string, QueueLimits>;
}

/**
 * The contract every backend implements (built-in and custom). Subclasses implement
 * `storeTasks` and `getResultData`; the base class wraps records as TaskResults and sends
 * the taskEnqueued signal, so every backend behaves the same at the API surface.
 */
export abstract class Backend implements BackendCapabilities, ResultSource, TaskBackend<AnyTask> {
  abstract readonly kind: string;
  abstract readonly supportsDefer: boolean;
  abstract readonly supportsAsyncTask: boolean;
  abstract readonly supportsGetResult: boolean;
  abstract readonly supportsPriority: boolean;

  /**
   * Unique tasks are deduplicated (storeTasks honours `request.unique`). A backend that leaves it
   * false refuses a unique task's enqueue rather than store duplicates.
   */
  readonly supportsUnique: boolean = false;

  readonly alias: string;
  readonly queues: string[];
  readonly options: Record<string, unknown>;
  /** Per-queue limits the config sets (a backend that cannot hold them is refused at config load). */
  readonly limits: Readonly<Record<string, QueueLimits>>;

  constructor(init: BackendInit) {
    this.alias = init.alias;
    this.queues = init.queues;
    this.options = init.options;
    this.limits = init.limits ?? {};
  }

  /**
   * Persists new tasks in one round trip and returns, per request in order, its READY record, or
   * for a unique task whose key is held (`request.unique`), the holder's record marked
   * `deduplicated: true` instead of storing a second one (atomically across enqueuers).
   */
  protected abstract storeTasks(task: AnyTask, requests: EnqueueRequest[]): Promise<TaskResultData[]>;

  /** Reads one record; throws TaskResultDoesNotExist for an unknown id. */
  abstract getResultData(id: string): Promise<TaskResultData>;

  /**
   * Hook run after the taskEnqueued signals, with the results this enqueue stored (not the
   * deduplicated ones): the immediate backend runs the tasks here.
   */
  protected async afterEnqueue(_task: AnyTask, _results: TaskResult[]): Promise<void> {}

  async enqueueMany(task: AnyTask, requests: EnqueueRequest[]): Promise<TaskResult[]> {
    if (!this.supportsUnique && requests.some((request) => request.unique)) {
      throw new InvalidTaskBackendError(
        `Task "${task.name}" is unique, but backend "${this.alias}" (${this.kind}) cannot deduplicate tasks yet; drop its unique option or use a sqlite backend`,
      );
    }
    const records = await this.storeTasks(task, requests);
    const results = records.map((record) => new TaskResult(record, this));
    // A deduplicated result was enqueued (and signalled) by the enqueue that stored it.
    const stored = results.filter((result) => !result.deduplicated);
    for (const taskResult of stored) signals.taskEnqueued.send({ sender: this, taskResult });
    await this.afterEnqueue(task, stored);
    return results;
  }

  async getResult(id: string): Promise<TaskResult> {
    return new TaskResult(await this.getResultData(id), this);
  }

  /**
   * Proves the storage usable (`tasks check`): opens it, creating or migrating it as a first use
   * would. Throws StorageError (unusable: not a database, corrupt, unwritable, unreachable) or
   * ConfigError (a setup problem, e.g. a schema from a newer tasklane), naming where and what to do.
   * Returns warnings: problems that do not stop it working (a file other users can read), each
   * one line saying what to do.
   */
  async check(): Promise<string[]> {
    return [];
  }

  /** The worker operations, or null when `tasks worker` cannot run this backend. */
  workerStore(): WorkerStore | null {
    return null;
  }

  /** Its own worker loop, for backends that do not use the generic one over workerStore(). */
  createWorkerRunner(_input: WorkerRunnerInput): WorkerRunner | null {
    return null;
  }

  /**
   * Where schedules are kept so that the workers run them, or null when this backend cannot run
   * schedules (it runs no workers, or does not implement them).
   */
  schedules(): ScheduleStore | null {
    return null;
  }

  /** The operator's operations, or null when this backend keeps no queryable history. */
  management(): ManagementStore | null {
    return null;
  }

  /**
   * The stored queue states (paused ones), for `tasks info`: without creating storage that does
   * not exist yet (an empty list then). Default: the management store's, when it has them.
   */
  async queueStates(): Promise<QueueState[]> {
    return (await this.management()?.queueStates?.()) ?? [];
  }

  /** Where the data lives, for `tasks info` and `tasks watch` headers (no secrets). */
  describeLocation(): string {
    return this.kind;
  }

  async close(): Promise<void> {}
}

/**
 * A custom backend given as a class in the config. A static `controls` says which queue controls
 * it enforces (limits it cannot hold are refused at config load).
 */
export type BackendClass = (new (
  init: BackendInit,
) => Backend) &
  Partial<BackendCapabilities> & { controls?: QueueControlSupport };
