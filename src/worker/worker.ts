import { hostname } from "node:os";
import type { AttemptOutcome, Backend, RecoveredTask, WorkerRunner, WorkerStore } from "../contract/backend.js";
import { applyOutcome, runAttempt } from "../contract/attempt.js";
import { TaskResult, type TaskResultData } from "../core/result.js";
import { retryAt } from "../core/retry.js";
import { signals } from "../core/signals.js";
import type { AnyTask } from "../core/task.js";
import { describeSelector, type WorkerOptions } from "./options.js";

export interface WorkerEvents {
  started?(info: { workerId: string; queues: string }): void;
  taskStarted?(record: TaskResultData): void;
  taskFinished?(record: TaskResultData, durationMs: number): void;
  stopping?(force: boolean): void;
  /** Tasks taken back from workers that died (or from this worker's previous run). */
  recovered?(tasks: RecoveredTask[]): void;
  /** A store error the worker survived (it backs off and tries again). */
  error?(error: Error): void;
}

interface Running {
  record: TaskResultData;
  /** Only tasks that take a context can see an abort (context.signal); others need none. */
  abort: AbortController | null;
  startedAt: number;
}

interface Finished {
  outcome: AttemptOutcome;
  record: TaskResultData;
  durationMs: number;
}

const NEVER_ABORTED = new AbortController().signal;

/** A promise that can be resolved from outside: the loop's "something changed" doorbell. */
function doorbell() {
  let ring = () => {};
  const promise = new Promise<void>((resolve) => {
    ring = resolve;
  });
  return { promise, ring };
}

/**
 * The worker loop, shared by every durable backend: claim up to the free slots in one call,
 * run the tasks, batch their completions, and sleep without polling when nothing is ready.
 */
export class Worker implements WorkerRunner {
  readonly #backend: Backend;
  readonly #store: WorkerStore;
  readonly #tasks: Map<string, AnyTask>;
  readonly #options: WorkerOptions;
  readonly #events: WorkerEvents;
  readonly #running = new Map<string, Running>();
  // Completions are written in batches: one transaction for every task that finished in the
  // same turn of the event loop, instead of one per task.
  #pending: Finished[] = [];
  // Store writes (completions, claims) run one at a time, in order.
  #storeQueue: Promise<unknown> = Promise.resolve();
  #flushScheduled = false;
  #claimed = 0;
  #stopping = false;
  #forced = false;
  #bell = doorbell();
  #idleAbort = new AbortController();
  readonly stats = { succeeded: 0, failed: 0, retried: 0 };

  constructor(
    backend: Backend,
    store: WorkerStore,
    tasks: Map<string, AnyTask>,
    options: WorkerOptions,
    events: WorkerEvents = {},
  ) {
    this.#backend = backend;
    this.#store = store;
    this.#tasks = tasks;
    this.#options = options;
    this.#events = events;
  }

  get id(): string {
    return this.#options.workerId;
  }

  get runningCount(): number {
    return this.#running.size;
  }

  /** First call: stop claiming and let running tasks finish. Second: abort them and record them FAILED. */
  stop(): void {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#events.stopping?.(false);
    } else if (!this.#forced) {
      this.#forced = true;
      this.#events.stopping?.(true);
      void this.#interruptRunning();
    }
    this.#wake();
  }

  #wake(): void {
    this.#bell.ring();
    this.#idleAbort.abort();
  }

  async run(): Promise<void> {
    const queues = describeSelector(this.#options.selector);
    await this.#store.registerWorker({
      id: this.id,
      hostname: hostname(),
      pid: process.pid,
      queues,
      startedAt: new Date(),
    });
    this.#events.started?.({ workerId: this.id, queues });
    await this.#recover(true);
    // Each tick proves this worker alive (extending its leases) and takes back the tasks of
    // workers that stopped ticking.
    const heartbeat = setInterval(() => {
      this.#store
        .heartbeat(this.id)
        .then(() => this.#recover(false))
        .catch((error: Error) => this.#events.error?.(error));
    }, this.#options.heartbeatMs);
    heartbeat.unref();
    try {
      if (this.#options.startupDelay) await this.#sleep(Math.random() * 1000);
      await this.#loop();
      while (this.#running.size > 0 && !this.#forced) await this.#waitForSlot();
      await this.#flush();
    } finally {
      clearInterval(heartbeat);
      await this.#store.markWorkerStopped(this.id);
    }
  }

  async #recover(ownLeftovers: boolean): Promise<void> {
    const recovered = await this.#store.recover(this.id, ownLeftovers);
    if (recovered.length === 0) return;
    this.#events.recovered?.(recovered);
    // Recovered tasks may be READY again: claim them now rather than after the idle wait.
    this.#wake();
  }

  async #loop(): Promise<void> {
    const { concurrency, maxTasks, batch } = this.#options;
    while (!this.#stopping) {
      if (maxTasks > 0 && this.#claimed >= maxTasks) return;
      const free = Math.min(concurrency - this.#running.size, maxTasks > 0 ? maxTasks - this.#claimed : concurrency);
      if (free <= 0) {
        await this.#waitForSlot();
        continue;
      }
      let claimed: TaskResultData[];
      try {
        claimed = await this.#commit(free);
      } catch (error) {
        // A transient store error (disk full, locked past the busy timeout) must not kill the
        // worker: report it and retry after the idle interval.
        this.#events.error?.(error as Error);
        await this.#sleep(Math.max(this.#options.intervalMs, 100));
        continue;
      }
      this.#claimed += claimed.length;
      for (const record of claimed) this.#start(record);
      if (claimed.length === free) {
        // Yield to timers and signal handlers between batches: a long drain must not starve
        // the heartbeat (or leases would expire under a live worker) or delay a SIGTERM.
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      if (batch) {
        if (claimed.length === 0 && this.#running.size === 0) return;
        await this.#waitForSlot();
        continue;
      }
      if (claimed.length === 0) await this.#idle();
    }
  }

  /** Nothing was ready: sleep until another process writes, the next deferred task is due, or the interval passes. */
  async #idle(): Promise<void> {
    const nextDue = await this.#store.nextDueInMs(this.#options.selector).catch(() => null);
    const timeout = Math.min(this.#options.intervalMs, nextDue ?? Number.POSITIVE_INFINITY);
    this.#idleAbort = new AbortController();
    if (this.#stopping) return;
    await this.#store.waitForChange(Math.max(0, timeout), this.#idleAbort.signal);
  }

  async #waitForSlot(): Promise<void> {
    if (this.#running.size === 0) return;
    await this.#bell.promise;
    this.#bell = doorbell();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#idleAbort = new AbortController();
      this.#idleAbort.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #start(record: TaskResultData): void {
    const task = this.#tasks.get(record.taskName);
    const entry: Running = {
      record,
      abort: task?.takesContext ? new AbortController() : null,
      startedAt: performance.now(),
    };
    this.#running.set(record.id, entry);
    this.#events.taskStarted?.(record);
    if (signals.taskStarted.hasReceivers) {
      signals.taskStarted.send({ sender: this.#backend, taskResult: new TaskResult(record, this.#backend) });
    }
    const attempt = task
      ? runAttempt(task, record, this.#backend, entry.abort?.signal ?? NEVER_ABORTED)
      : Promise.resolve({
          id: record.id,
          finishedAt: new Date(),
          status: "FAILED" as const,
          error: {
            exceptionClass: "TaskNotFound",
            message: `Task "${record.taskName}" is not registered in this worker's config`,
            traceback: "",
          },
        });
    void attempt.then((outcome) => {
      if (this.#running.get(record.id) !== entry) return; // already recorded as interrupted
      this.#running.delete(record.id);
      const retry = outcome.status === "FAILED" && task ? retryAt(task, record.workerIds.length) : null;
      this.#pending.push({
        outcome: { ...outcome, workerId: this.id, ...(retry ? { retryAt: retry } : {}) },
        record,
        durationMs: performance.now() - entry.startedAt,
      });
      this.#scheduleFlush();
      this.#bell.ring();
    });
  }

  /**
   * Completions are written in batches: all tasks that finished in one turn of the event loop
   * go in one transaction. When the loop is about to claim anyway, they ride along with the
   * claim instead (see #commit), so a busy worker takes the write lock once per batch.
   */
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      void this.#flush().catch(() => {});
    });
  }

  #flush(): Promise<void> {
    return this.#commit(0).then(() => undefined);
  }

  /**
   * Writes the pending completions and, with `claimLimit` > 0, claims up to that many tasks in
   * the same store call. Serialised: store calls never overlap. On a store error the
   * completions stay pending for the next try (a clean shutdown retries before exiting).
   */
  #commit(claimLimit: number): Promise<TaskResultData[]> {
    const run = async (): Promise<TaskResultData[]> => {
      const batch = this.#pending;
      if (batch.length === 0 && claimLimit === 0) return [];
      this.#pending = [];
      const outcomes = batch.map((b) => b.outcome);
      let claimed: TaskResultData[] = [];
      try {
        if (claimLimit > 0) claimed = await this.#store.claim(this.id, this.#options.selector, claimLimit, outcomes);
        else await this.#store.complete(outcomes);
      } catch (error) {
        this.#pending.unshift(...batch);
        if (claimLimit > 0) throw error;
        this.#events.error?.(error as Error);
        return [];
      }
      this.#report(batch);
      return claimed;
    };
    const next = this.#storeQueue.then(run, run);
    this.#storeQueue = next.catch(() => {});
    return next;
  }

  #report(batch: Finished[]): void {
    for (const { outcome, record, durationMs } of batch) {
      const finished = applyOutcome(record, outcome);
      if (finished.status === "SUCCEEDED") this.stats.succeeded++;
      else if (finished.status === "FAILED") this.stats.failed++;
      else this.stats.retried++;
      this.#events.taskFinished?.(finished, durationMs);
      if (signals.taskFinished.hasReceivers) {
        signals.taskFinished.send({ sender: this.#backend, taskResult: new TaskResult(finished, this.#backend) });
      }
    }
  }

  /** Second signal: abort running tasks and record each FAILED as WorkerInterrupted. */
  async #interruptRunning(): Promise<void> {
    const now = new Date();
    for (const [id, entry] of this.#running) {
      entry.abort?.abort(new Error("worker interrupted"));
      this.#running.delete(id);
      this.#pending.push({
        outcome: {
          id,
          workerId: this.id,
          finishedAt: now,
          status: "FAILED",
          error: {
            exceptionClass: "WorkerInterrupted",
            message: "The worker was stopped by a second signal while this task ran",
            traceback: "WorkerInterrupted: the worker was stopped by a second signal while this task ran",
          },
        },
        record: entry.record,
        durationMs: performance.now() - entry.startedAt,
      });
    }
    this.#bell.ring();
  }
}
