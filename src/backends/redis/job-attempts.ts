import { DelayedError, Job, UnrecoverableError, type Worker } from "bullmq";
import type { AttemptLifecycle, RunningAttempt } from "../../contract/attempt.js";
import type { WorkerEvents } from "../../contract/runner.js";
import type { AttemptOutcome } from "../../contract/worker-store.js";
import { ChurnMap } from "../../core/churn-map.js";
import { evictedError, isEvicted, type JobData, LOST_WORKER, startsOf, toRecord, workerLost } from "./records.js";

interface Running {
  attempt: RunningAttempt;
  /** BullMQ's end counter when the job was fetched (tells our end from a later run's). */
  madeCount: number;
  /** Set when the attempt ended; reported once Redis holds it (BullMQ's "completed"/"failed"). */
  outcome?: AttemptOutcome;
  /** Falls back to reading the job if BullMQ never confirms the end (see settle). */
  timer?: NodeJS.Timeout;
}

/** Carries the retry delay the lifecycle decided to BullMQ's custom backoff strategy. */
export class RetryableFailure extends Error {
  constructor(
    message: string,
    readonly tasklaneDelayMs: number,
  ) {
    super(message);
  }
}

/**
 * One worker process's attempts on BullMQ jobs: a fetched job becomes an attempt of the shared
 * lifecycle (counting runs lost with a dead worker first), its end goes back to BullMQ as the
 * processor's result or error, and it is reported (taskFinished) only once Redis holds that end:
 * on BullMQ's "completed"/"failed", or, when BullMQ refused or never confirmed it, by what the job
 * in Redis says (settle).
 */
export class JobAttempts {
  readonly #running = new ChurnMap<string, Running>(); // churn-map.ts: why not a Map
  /** Ids settled after BullMQ refused their end, until its second refusal (see onRefused). */
  readonly #refused = new Map<string, number>();

  constructor(
    readonly alias: string,
    readonly lifecycle: AttemptLifecycle,
    readonly events: WorkerEvents,
    readonly workerId: string,
    /** BullMQ's job lock: an end still unconfirmed after twice this is settled by reading the job. */
    readonly lockDurationMs: number,
    /** Called when the last running attempt has been reported. */
    readonly onIdle: () => void,
  ) {}

  get size(): number {
    return this.#running.size;
  }

  has(id: string): boolean {
    return this.#running.has(id);
  }

  /** Forced stop: every running attempt is interrupted (recorded WorkerInterrupted). */
  interruptAll(): void {
    for (const entry of this.#running.values()) entry.attempt.interrupt();
  }

  clearTimers(): void {
    for (const entry of this.#running.values()) clearTimeout(entry.timer);
  }

  /** BullMQ's processor for a job this worker may start: runs one attempt and returns or throws its end. */
  async process(worker: Worker, job: Job, token: string | undefined): Promise<unknown> {
    const id = job.id as string;
    let data = job.data as JobData;
    const lost = startsOf(data) - (data.workerIds?.length ?? 0);
    if (lost > 0) {
      // Runs that started and never ended: their workers died (BullMQ moved the stalled job back).
      data = {
        ...data,
        workerIds: [...(data.workerIds ?? []), ...Array.from({ length: lost }, () => LOST_WORKER)],
        errors: [
          ...(data.errors ?? []),
          ...Array.from({ length: lost }, () =>
            workerLost("The worker running this task stopped before it finished; it was recovered"),
          ),
        ],
      };
      // The same rule as any failed attempt: attempts left, then its backoff.
      const dueAt = this.lifecycle.planRecovery({
        id,
        taskName: job.name,
        attempts: data.workerIds?.length ?? 0,
        maxAttempts: data.maxAttempts ?? 1,
      });
      this.events.recovered?.([{ id, status: dueAt ? "READY" : "FAILED" }]);
      if (!dueAt) {
        await job.updateData(data);
        throw new UnrecoverableError("WorkerLost: no attempts left after the worker was lost");
      }
      if (dueAt.getTime() > Date.now()) {
        await job.updateData({ ...data, runAfter: dueAt.getTime() });
        await job.moveToDelayed(dueAt.getTime(), token);
        throw new DelayedError();
      }
    }
    // A unique task held "while READY" gives its key up as it starts (before the task runs, so
    // an enqueue that saw it start finds the key free).
    if (data.uniqueScope === "ready") await job.removeDeduplicationKey();

    // The start marker: from here on this run is an attempt (lost if it never ends). Awaited
    // before the task runs: BullMQ sends it only after an await of its own, so a synchronous
    // task started at once blocked the event loop with the marker unsent, and a worker killed
    // then left no trace of the run (run again as a first attempt). One round trip per start
    // (a 10k no-op drain at --concurrency 50: ~1.49 → ~1.62 s, medians of 5 and 7 runs). A
    // marker that cannot be stored (the job gone) does not stop the run, as before. A first
    // start needs no start time of its own: BullMQ's processedOn says it (kept short: see queue.ts).
    const ended = data.workerIds?.length ?? 0;
    const { starts: _old, ...rest } = data;
    // Object.assign rather than a spread with more keys: that spread made V8 promote every job's
    // copies to the old generation in a drain (see applyOutcome in contract/records.ts).
    data = Object.assign({}, rest, { s: ended + 1 });
    if (ended > 0 || lost > 0) data.startedAt ??= job.processedOn ?? Date.now();
    await job.updateData(data).catch(() => {});
    const view = { name: job.name, timestamp: job.timestamp, priority: job.priority, data };
    const record = toRecord(this.alias, {
      id,
      queueName: job.queueName,
      job: Object.assign({}, view, { processedOn: job.processedOn, processedBy: this.workerId }),
      state: "active",
      dueAt: null,
      tombstone: null,
    });
    // A job Redis evicted (or someone deleted) fails at once with the reason (a TaskNotFound for
    // task "" before), for good: a retry would find nothing more to run.
    const attempt = this.lifecycle.start(record, isEvicted(job) ? evictedError() : undefined);
    const entry: Running = { attempt, madeCount: job.attemptsMade };
    this.#running.set(id, entry);
    const outcome = await attempt.outcome;
    entry.outcome = outcome;
    // Normally BullMQ confirms the end within a round trip; this covers an end it gave up on.
    entry.timer = setTimeout(() => void this.settle(worker, id), 2 * this.lockDurationMs);
    entry.timer.unref();
    if (outcome.status === "SUCCEEDED") return outcome.returnValue ?? null;
    const error = outcome.error ?? { exceptionClass: "Error", message: "failed", traceback: "" };
    await job.updateData({
      ...data,
      workerIds: record.workerIds,
      errors: [...(data.errors ?? []), error],
      startedAt: record.startedAt?.getTime() ?? job.processedOn,
      lastAttemptedAt: record.lastAttemptedAt?.getTime() ?? job.processedOn,
      runAfter: outcome.retryAt ? outcome.retryAt.getTime() : data.runAfter,
    } satisfies JobData);
    const message = `${error.exceptionClass}: ${error.message}`;
    throw outcome.retryAt
      ? new RetryableFailure(message, outcome.retryAt.getTime() - Date.now())
      : new UnrecoverableError(message);
  }

  /**
   * Settles the attempt a refusal names. True when the refusal is about one of this worker's
   * attempts: BullMQ follows a refused completion with a failure for the same job, refused too,
   * which says nothing new.
   */
  onRefused(worker: Worker, message: string): boolean {
    const now = Date.now();
    for (const [id, until] of this.#refused) {
      if (until < now) this.#refused.delete(id);
      else if (message.includes(id)) return true;
    }
    for (const [id, entry] of this.#running) {
      if (!entry.outcome || !message.includes(id)) continue;
      this.#refused.set(id, now + 60_000);
      void this.settle(worker, id);
      return true;
    }
    return false;
  }

  /**
   * An attempt's end that BullMQ did not confirm: read the job (on the worker's connection, so
   * after any end still queued there) and report it stored or dropped. Stored means BullMQ moved
   * it on since this worker fetched it: completed after a success, one more end after a failure.
   */
  async settle(worker: Worker, id: string): Promise<void> {
    const entry = this.#running.get(id);
    if (!entry?.outcome) return;
    let stored = false;
    let gone = false;
    try {
      const job = await Job.fromId(worker, id);
      gone = job === undefined;
      if (job) {
        stored =
          entry.outcome.status === "SUCCEEDED"
            ? (await job.getState()) === "completed"
            : job.attemptsMade > entry.madeCount;
      }
    } catch {}
    this.report(
      id,
      stored
        ? undefined
        : gone
          ? // Nothing is left to run again: the job's hash went while it ran (evicted, or deleted).
            "its end could not be stored: its job is gone from Redis (evicted under a maxmemory-policy other than noeviction, or deleted); set maxmemory-policy noeviction"
          : "its end could not be stored: its lock expired first (Redis unreachable for longer than lockDurationMs?); the task will run again",
    );
  }

  /** Redis holds an attempt's end (or it was dropped): report it through the lifecycle. */
  report(id: string, dropped?: string): void {
    const entry = this.#running.get(id);
    if (!entry?.outcome) return;
    this.#running.delete(id);
    clearTimeout(entry.timer);
    this.lifecycle.finished(entry.attempt, entry.outcome, dropped);
    if (this.#running.size === 0) this.onIdle();
  }
}
