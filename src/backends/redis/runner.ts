import { hostname } from "node:os";
import { DelayedError, type Job, UnrecoverableError, WaitingError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { AttemptLifecycle, RunningAttempt } from "../../contract/attempt.js";
import type { WorkerEvents, WorkerOptions, WorkerRunner, WorkerRunnerInput } from "../../contract/runner.js";
import { type AttemptOutcome, describeSelector } from "../../contract/worker-store.js";
import type { RedisBackend } from "./backend.js";
import { BACKOFF_TYPE } from "./backend.js";
import { connect } from "./connection.js";
import { type JobData, LOST_WORKER, STALLED_REASON, toRecord, workerLost } from "./records.js";
import { WorkerRegistry } from "./registry.js";

interface Running {
  attempt: RunningAttempt;
  /** Set when the attempt ended; reported once BullMQ has recorded it ("completed"/"failed"). */
  outcome?: AttemptOutcome;
}

/** Carries the retry delay the lifecycle decided to BullMQ's custom backoff strategy. */
class RetryableFailure extends Error {
  constructor(
    message: string,
    readonly tasklaneDelayMs: number,
  ) {
    super(message);
  }
}

/**
 * `tasks worker` on Redis: one BullMQ Worker per selected queue, running each job through the
 * attempt lifecycle every worker shares, with the generic worker's events, stats and stop()
 * semantics. Differences BullMQ forces:
 * - `--concurrency N` applies to each queue (a BullMQ Worker serves one queue).
 * - `--interval` is unused: idle Workers block on Redis and wake at once on new work.
 * - `--queue '*'` means the queues known when the worker starts (configured ones and every
 *   queue that ever had a task); a queue first used later needs a worker restart.
 * - `--max-tasks N` lowers each Worker's concurrency to at most N and closes the Workers
 *   when the Nth task starts; a job BullMQ fetched beyond N goes back to waiting untouched.
 * - `--batch` exits when no job of the selected queues is waiting or due and none runs here.
 * - Leases are BullMQ's job locks (renewed while a task runs) and its stalled-job check; a
 *   run lost with its worker counts as an attempt (WorkerLost), as on SQLite.
 */
export class RedisWorkerRunner implements WorkerRunner {
  readonly #backend: RedisBackend;
  readonly #lifecycle: AttemptLifecycle;
  readonly #options: WorkerOptions;
  readonly #events: WorkerEvents;
  readonly #running = new Map<string, Running>();
  readonly #workers: Worker[] = [];
  #connection: Redis | null = null;
  #claimed = 0;
  #stopping = false;
  #forced = false;
  #closing: Promise<void> | null = null;
  #startupAbort = new AbortController();
  /** --batch: looks whether anything is left to do (also run as soon as nothing runs here). */
  #batchCheck: (() => void) | null = null;

  constructor(backend: RedisBackend, input: WorkerRunnerInput) {
    this.#backend = backend;
    this.#lifecycle = input.lifecycle;
    this.#options = input.options;
    this.#events = input.events;
  }

  get runningCount(): number {
    return this.#running.size;
  }

  get #id(): string {
    return this.#options.workerId;
  }

  stop(): void {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#events.stopping?.(false);
      this.#startupAbort.abort();
      void this.#closeAll();
    } else if (!this.#forced) {
      this.#forced = true;
      this.#events.stopping?.(true);
      for (const entry of this.#running.values()) entry.attempt.interrupt();
    }
  }

  async run(): Promise<void> {
    const settings = this.#backend.settings;
    const client = await this.#backend.client();
    const queues = await this.#selectedQueues(client);
    const registry = new WorkerRegistry(client, this.#backend.keys.workers, settings.heartbeatMs);
    const label = describeSelector(this.#options.selector);
    await registry.register({
      id: this.#id,
      hostname: hostname(),
      pid: process.pid,
      queues: label,
      startedAt: new Date(),
    });
    const heartbeat = setInterval(() => {
      registry.heartbeat(this.#id).catch((error: Error) => this.#events.error?.(error));
    }, settings.heartbeatMs);
    heartbeat.unref();
    let batchTimer: NodeJS.Timeout | undefined;
    try {
      if (this.#options.startupDelay) await sleep(Math.random() * 1000, this.#startupAbort.signal);
      if (this.#stopping) return;
      this.#connection = await connect(settings, true);
      for (const name of queues) this.#workers.push(this.#makeWorker(name, this.#connection));
      // Ready first (connections, scripts): closing a Worker still starting up leaves commands
      // in flight on the shared connection, which fail when it closes.
      await Promise.all(this.#workers.map((w) => w.waitUntilReady()));
      if (this.#stopping) return;
      const running = this.#workers.map((w) => w.run());
      this.#events.started?.({ workerId: this.#id, queues: label });
      if (this.#options.batch) {
        this.#batchCheck = () => void this.#checkBatchDone(client, queues);
        batchTimer = setInterval(this.#batchCheck, 100);
      }
      await Promise.all(running);
      await this.#closeAll();
    } finally {
      clearInterval(heartbeat);
      clearInterval(batchTimer);
      await this.#closeAll();
      await registry.stopped(this.#id).catch(() => {});
      const connection = this.#connection;
      this.#connection = null;
      await connection?.quit().catch(() => connection.disconnect());
    }
  }

  /** The queue names of the selector (see the class comment for what '*' means here). */
  async #selectedQueues(client: Redis): Promise<string[]> {
    const { include, exclude } = this.#options.selector;
    if (include !== "*") return [...include];
    const known = new Set([...this.#backend.queues, ...(await client.smembers(this.#backend.keys.queues))]);
    if (known.size === 0) known.add("default");
    return [...known].filter((q) => !exclude.includes(q)).sort();
  }

  #makeWorker(queueName: string, connection: Redis): Worker {
    const settings = this.#backend.settings;
    const { concurrency, maxTasks } = this.#options;
    const maxAttempts = Math.max(1, ...[...this.#lifecycle.tasks.values()].map((t) => t.maxAttempts));
    const worker = new Worker(queueName, (job, token) => this.#process(job, token), {
      connection,
      prefix: settings.prefix,
      name: this.#id,
      autorun: false,
      concurrency: maxTasks > 0 ? Math.min(concurrency, maxTasks) : concurrency,
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      // A lost run counts as an attempt (see #process), so tasks fail WorkerLost once their
      // attempts are used; BullMQ's own limit only backs that up.
      maxStalledCount: maxAttempts,
      settings: {
        backoffStrategy: (_attemptsMade, type, error) =>
          type === BACKOFF_TYPE ? Math.max(0, (error as RetryableFailure | undefined)?.tasklaneDelayMs ?? 0) : 0,
      },
    });
    worker.on("completed", (job) => {
      if (job.id) this.#report(job.id);
    });
    worker.on("failed", (job) => {
      if (!job?.id) return;
      if (this.#running.has(job.id)) this.#report(job.id);
      else if (job.failedReason === STALLED_REASON) this.#events.recovered?.([{ id: job.id, status: "FAILED" }]);
    });
    worker.on("stalled", (jobId) => this.#events.recovered?.([{ id: jobId, status: "READY" }]));
    worker.on("error", (error) => {
      // A completion BullMQ could not record (its lock was lost: the job stalled and another
      // worker took it) never gets a "completed"/"failed" event: stop counting it as running.
      for (const [id, entry] of this.#running) {
        if (entry.outcome && error.message.includes(id)) this.#running.delete(id);
      }
      this.#events.error?.(error);
    });
    return worker;
  }

  async #process(job: Job, token: string | undefined): Promise<unknown> {
    const id = job.id as string;
    const { maxTasks } = this.#options;
    if (this.#stopping || (maxTasks > 0 && this.#claimed >= maxTasks)) {
      // Fetched past --max-tasks (or while stopping): back to waiting, its start uncounted.
      const client = await this.#backend.client();
      await client.hincrby(`${this.#backend.settings.prefix}:${job.queueName}:${id}`, "ats", -1);
      await job.moveToWait(token);
      throw new WaitingError();
    }
    this.#claimed++;
    if (maxTasks > 0 && this.#claimed >= maxTasks) void this.#closeAll();

    let data = job.data as JobData;
    const ended = data.workerIds?.length ?? 0;
    const lost = (job.attemptsStarted ?? 1) - 1 - ended;
    if (lost > 0) {
      // Earlier runs that never ended: their workers died (BullMQ moved the stalled job back).
      data = {
        ...data,
        workerIds: [...(data.workerIds ?? []), ...Array.from({ length: lost }, () => LOST_WORKER)],
        errors: [
          ...(data.errors ?? []),
          ...Array.from({ length: lost }, () =>
            workerLost("The worker running this task stopped before it finished; it was recovered"),
          ),
        ],
        startedAt: data.startedAt ?? job.processedOn,
      };
      await job.updateData(data);
      // The same rule as any failed attempt: attempts left, then its backoff.
      const dueAt = this.#lifecycle.planRecovery({
        id,
        taskName: job.name,
        attempts: data.workerIds?.length ?? 0,
        maxAttempts: data.maxAttempts ?? 1,
      });
      this.#events.recovered?.([{ id, status: dueAt ? "READY" : "FAILED" }]);
      if (!dueAt) throw new UnrecoverableError("WorkerLost: no attempts left after the worker was lost");
      if (dueAt.getTime() > Date.now()) {
        await job.moveToDelayed(dueAt.getTime(), token);
        throw new DelayedError();
      }
    }

    const record = toRecord(
      this.#backend.alias,
      { id, queueName: job.queueName, hash: hashOf(job, this.#id), state: "active", dueAt: null, tombstone: null },
      data,
    );
    const attempt = this.#lifecycle.start(record);
    const entry: Running = { attempt };
    this.#running.set(id, entry);
    const outcome = await attempt.outcome;
    entry.outcome = outcome;
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

  /** BullMQ recorded the end of an attempt: report it through the lifecycle. */
  #report(id: string): void {
    const entry = this.#running.get(id);
    if (!entry?.outcome) return;
    this.#running.delete(id);
    this.#lifecycle.finished(entry.attempt, entry.outcome);
    if (this.#running.size === 0) this.#batchCheck?.();
  }

  /** --batch: close once nothing of the selected queues is waiting or due, and nothing runs here. */
  async #checkBatchDone(client: Redis, queues: string[]): Promise<void> {
    if (this.#closing || this.#running.size > 0) return;
    const now = Date.now();
    const pipeline = client.pipeline();
    for (const name of queues) {
      const q = `${this.#backend.settings.prefix}:${name}:`;
      pipeline
        .llen(`${q}wait`)
        .zcard(`${q}prioritized`)
        .zcount(`${q}delayed`, 0, now * 4096 + 4095);
    }
    const replies = (await pipeline.exec().catch(() => null)) ?? [];
    const ready = replies.some(([error, n]) => error || Number(n) > 0);
    if (!ready && this.#running.size === 0) void this.#closeAll();
  }

  /** Stops fetching and waits for running jobs to end (all Workers, once). */
  #closeAll(): Promise<void> {
    if (this.#workers.length === 0) return Promise.resolve();
    this.#closing ??= Promise.all(this.#workers.map((w) => w.close())).then(() => undefined);
    return this.#closing;
  }
}

/** The job's BullMQ hash fields tasklane reads, from a Job object. */
function hashOf(job: Job, workerId: string): Record<string, string> {
  const out: Record<string, string> = {
    name: job.name,
    timestamp: String(job.timestamp),
    priority: String(job.priority ?? 0),
    pb: workerId,
  };
  if (job.processedOn) out.processedOn = String(job.processedOn);
  return out;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
