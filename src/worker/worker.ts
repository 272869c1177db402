import { hostname } from "node:os";
import type { AttemptLifecycle, RunningAttempt } from "../contract/attempt.js";
import type { WorkerEvents, WorkerOptions, WorkerRunner } from "../contract/runner.js";
import type { AttemptOutcome, WorkerStore } from "../contract/worker-store.js";
import { describeSelector } from "../contract/worker-store.js";
import { ChurnMap } from "../core/churn-map.js";
import { StorageError, StoreGone } from "../core/errors.js";
import type { TaskResultData } from "../core/result.js";

interface Finished {
  attempt: RunningAttempt;
  outcome: AttemptOutcome;
}

/**
 * How often a worker checks whether a worker process on its host died: a /proc read per peer, so
 * kill -9 → task READY again takes about this long instead of a whole lease (30 s by default).
 */
const LOCAL_CHECK_MS = 100;

/** The longest a draining worker runs claims back to back before it lets the event loop turn. */
const YIELD_MS = 2;

/** Store calls at a clean stop before the worker gives up on its last completions. */
const FINAL_FLUSH_TRIES = 4;

/** Why a completion the store refused does not count: the task had been taken back. */
export const DROPPED_REASON =
  "not recorded: this worker's lease on the task ran out and another worker recovered it, so this late outcome does not count";

/** A promise that can be resolved from outside: the loop's "something changed" doorbell. */
function doorbell() {
  let ring = () => {};
  const promise = new Promise<void>((resolve) => {
    ring = resolve;
  });
  return { promise, ring };
}

/**
 * The worker loop, shared by every durable backend with a WorkerStore: claim up to the free
 * slots in one call, run each task through the attempt lifecycle, batch their completions, and
 * sleep without polling when nothing is ready.
 */
export class Worker implements WorkerRunner {
  readonly #store: WorkerStore;
  readonly #lifecycle: AttemptLifecycle;
  readonly #options: WorkerOptions;
  readonly #events: WorkerEvents;
  // Not a Map: a busy worker's GC would promote every attempt it ever held (churn-map.ts).
  readonly #running = new ChurnMap<string, RunningAttempt>();
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
  #lastStoreError: Error | undefined;
  /** Set when the store is gone (StoreGone): run() ends with it once running tasks finish. */
  #gone: StoreGone | undefined;
  #checkingLocal = false;
  // Set while the loop yields before its next claim: that claim will carry the pending
  // completions, so a flush in between would only cost an extra transaction (at concurrency 1
  // it alternated with the claims: three transactions per two tasks).
  #claimNext = false;
  #yieldedAt = Number.NEGATIVE_INFINITY;

  constructor(store: WorkerStore, lifecycle: AttemptLifecycle, options: WorkerOptions, events: WorkerEvents = {}) {
    this.#store = store;
    this.#lifecycle = lifecycle;
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
      for (const attempt of this.#running.values()) attempt.interrupt();
    }
    this.#wake();
  }

  #wake(): void {
    this.#bell.ring();
    this.#idleAbort.abort();
  }

  async run(): Promise<void> {
    const queues = describeSelector(this.#options.selector);
    this.#store.configure?.({
      keyLimits: [...this.#lifecycle.tasks.values()].some((task) => task.definition.concurrency !== undefined),
    });
    const registered = await this.#waitingOutTransient(() =>
      this.#store.registerWorker({
        id: this.id,
        hostname: hostname(),
        pid: process.pid,
        queues,
        startedAt: new Date(),
      }),
    );
    if (!registered) return; // stopped while the store was unwritable: nothing was claimed
    this.#events.started?.({ workerId: this.id, queues });
    await this.#waitingOutTransient(() => this.#recover(true));
    // Each tick proves this worker alive (extending its leases) and takes back the tasks of
    // workers that stopped ticking. A failed beat does not skip the recovery: the beat's report
    // (sqlite's says its beats have waited a lease for another process's lock) says nothing about whether
    // the recovery's write can go through now.
    const heartbeat = setInterval(() => {
      const report = (error: Error) => this.#storeError(error);
      void this.#store
        .heartbeat(this.id)
        .catch(report)
        .then(() => this.#recover(false))
        .catch(report);
    }, this.#options.heartbeatMs);
    heartbeat.unref();
    // A worker on this host whose process died is taken back at once, not after its lease.
    const local = this.#store.recoverGoneLocal
      ? setInterval(() => void this.#recoverGoneLocal(), LOCAL_CHECK_MS)
      : undefined;
    local?.unref();
    try {
      if (this.#options.startupDelay) await this.#sleep(Math.random() * 1000);
      await this.#loop();
      while (this.#running.size > 0) await this.#waitForSlot();
      await this.#finalFlush();
      if (this.#gone) throw this.#gone;
    } finally {
      clearInterval(heartbeat);
      clearInterval(local);
      // Best effort: a worker that cannot write any more is marked dead by the others anyway.
      await this.#store.markWorkerStopped(this.id).catch((error: Error) => this.#events.error?.(error));
    }
  }

  /**
   * The last completions must be stored before the worker reports a clean stop. Each store call
   * already waits out a busy lock; a few more tries ride out a moment's trouble (a checkpoint,
   * space being freed). If they still fail, the worker says which tasks are unrecorded and exits
   * with an error: those tasks stay RUNNING until their lease runs out and then run again.
   */
  async #finalFlush(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await this.#flush();
      await this.#storeQueue; // a flush scheduled earlier may still hold part of the batch
      if (this.#pending.length === 0) return;
      if (attempt >= FINAL_FLUSH_TRIES) break;
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
    const ids = this.#pending.map((p) => p.outcome.id);
    throw new StorageError(
      `could not record ${ids.length} finished task(s) before stopping (${this.#lastStoreError?.message ?? "store error"}): ${ids.join(", ")}; they stay RUNNING until their lease runs out, then run again`,
    );
  }

  /**
   * The start-up writes (registering, the first recovery) wait out a store error that passes by
   * itself (a full disk, a lock held past busyTimeoutMs), each reported, as the claim loop does
   * once running: a worker started on a full disk serves as soon as there is room instead of
   * exiting. Any other error is thrown. False when a stop came first.
   */
  async #waitingOutTransient(write: () => Promise<void>): Promise<boolean> {
    for (;;) {
      try {
        await write();
        return true;
      } catch (error) {
        if (!(error instanceof StorageError && error.transient)) throw error;
        this.#storeError(error);
        if (this.#stopping) return false;
        await this.#pauseAfterStoreError();
        if (this.#stopping) return false;
      }
    }
  }

  /** Reports a store error; one saying the store is gone also stops the worker (see StoreGone). */
  #storeError(error: Error): void {
    if (!(error instanceof StoreGone)) {
      this.#events.error?.(error);
      return;
    }
    if (this.#gone) return;
    this.#gone = error;
    this.#events.error?.(error); // why it stops, now: its running tasks may take a while yet
    if (!this.#stopping) this.stop();
  }

  async #recoverGoneLocal(): Promise<void> {
    if (this.#checkingLocal) return;
    this.#checkingLocal = true;
    try {
      const recovered =
        (await this.#store.recoverGoneLocal?.(this.id, (lost) => this.#lifecycle.planRecovery(lost))) ?? [];
      if (recovered.length === 0) return;
      this.#events.recovered?.(recovered);
      this.#wake();
    } catch (error) {
      this.#events.error?.(error as Error);
    } finally {
      this.#checkingLocal = false;
    }
  }

  async #recover(ownLeftovers: boolean): Promise<void> {
    const recovered = await this.#store.recover(this.id, ownLeftovers, (lost) => this.#lifecycle.planRecovery(lost));
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
        this.#storeError(error as Error);
        if (this.#gone) continue;
        await this.#pauseAfterStoreError();
        continue;
      }
      this.#claimed += claimed.length;
      for (const record of claimed) this.#start(record);
      if (claimed.length === free) {
        // Yield to timers, I/O and signal handlers between batches, at least every YIELD_MS: a
        // long drain must not delay a SIGTERM or the local recovery check. A turn of the event
        // loop per task costs a worker at --concurrency 1 about 7% of its rate, so between
        // yields the loop only lets the started tasks' promise callbacks run.
        const now = performance.now();
        if (now - this.#yieldedAt < YIELD_MS) {
          await null;
          continue;
        }
        this.#yieldedAt = now;
        this.#claimNext = true;
        await new Promise((resolve) => setImmediate(resolve));
        this.#claimNext = false;
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
    await this.#store.waitForChange(Math.max(0, timeout), this.#idleAbort.signal, this.id);
  }

  async #waitForSlot(): Promise<void> {
    if (this.#running.size === 0) return;
    await this.#bell.promise;
    this.#bell = doorbell();
  }

  /** The wait before a write that met a store error is tried again: the idle interval, at least 100 ms. */
  #pauseAfterStoreError(): Promise<void> {
    return this.#sleep(Math.max(this.#options.intervalMs, 100));
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
    const attempt = this.#lifecycle.start(record);
    this.#running.set(record.id, attempt);
    void attempt.outcome.then((outcome) => {
      this.#running.delete(record.id);
      this.#pending.push({ attempt, outcome });
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
      if (this.#claimNext) return;
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
      let dropped: string[];
      try {
        if (claimLimit > 0) {
          ({ claimed, dropped } = await this.#store.claim(this.id, this.#options.selector, claimLimit, outcomes));
        } else ({ dropped } = await this.#store.complete(outcomes));
      } catch (error) {
        this.#pending.unshift(...batch);
        this.#lastStoreError = error as Error;
        if (claimLimit > 0) throw error;
        this.#events.error?.(error as Error);
        return [];
      }
      const refused = new Set(dropped);
      for (const { attempt, outcome } of batch) {
        this.#lifecycle.finished(attempt, outcome, refused.has(outcome.id) ? DROPPED_REASON : undefined);
      }
      return claimed;
    };
    const next = this.#storeQueue.then(run, run);
    this.#storeQueue = next.catch(() => {});
    return next;
  }
}
