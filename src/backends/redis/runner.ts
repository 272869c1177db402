import { hostname } from "node:os";
import { type Job, WaitingError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { AttemptLifecycle } from "../../contract/attempt.js";
import type { WorkerEvents, WorkerOptions, WorkerRunner, WorkerRunnerInput } from "../../contract/runner.js";
import { describeSelector } from "../../contract/worker-store.js";
import { UsageError } from "../../core/errors.js";
import { closeClient, connect } from "./connection.js";
import { applyLimits } from "./controls.js";
import { isTransportError } from "./errors.js";
import { warnIfEvicting } from "./eviction.js";
import type { RedisHost } from "./host.js";
import { compactIndex } from "./id-index.js";
import { JobAttempts, type RetryableFailure } from "./job-attempts.js";
import { redisKind } from "./kind.js";
import { watchOutages } from "./link.js";
import { usedQueues } from "./own-keys.js";
import { BACKOFF_TYPE, dueAtOf, STALLED_REASON } from "./records.js";
import { WorkerRegistry } from "./registry.js";
import { keepWorkerCode, workerCode } from "./worker-codes.js";

/**
 * Stalls BullMQ tolerates beyond a task's attempts before failing a job itself. A job it hands
 * out whose answer is lost in a Redis restart is taken back by its stalled check without ever
 * starting; that is no attempt (see JobData.s), and this slack keeps BullMQ from failing it.
 */
const STALL_SLACK = 10;

/** Index entries a worker moves into buckets per heartbeat, per COMPACT_EVERY ended tasks, and at most as it stops. */
const COMPACT_PER_BEAT = 20_000;
const COMPACT_EVERY = 500;
const COMPACT_AT_STOP = 100_000;

/** Connection errors this close to an outage are part of it (see #error). */
const QUIET_MS = 3000;

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
 * - Pause, queue concurrency and rate limits are BullMQ's (controls.ts): the worker writes the
 *   config's limits into the queues' meta at start, and BullMQ's fetch script holds them for all.
 * Each fetched job is one attempt of the shared lifecycle (job-attempts.ts); BullMQ records a
 * short worker code in every job instead of the worker id (worker-codes.ts); and the worker moves
 * new id-index entries into compact buckets as it runs and as it stops (id-index.ts).
 * Redis restarts: worker connections retry every command until Redis is back, so an attempt's
 * end is stored late rather than lost, and is reported (taskFinished) only once stored. An
 * outage is reported as connection lost/restored.
 */
export class RedisWorkerRunner implements WorkerRunner {
  readonly #host: RedisHost;
  readonly #lifecycle: AttemptLifecycle;
  readonly #options: WorkerOptions;
  readonly #events: WorkerEvents;
  readonly #attempts: JobAttempts;
  readonly #workers: Worker[] = [];
  #connection: Redis | null = null;
  #claimed = 0;
  #stopping = false;
  #forced = false;
  #closing: Promise<void> | null = null;
  /** The Workers are ready and running: a stop closes them (before, start-up sees #stopping). */
  #started = false;
  #startupAbort = new AbortController();
  /** --batch: looks whether anything is left to do (also run as soon as nothing runs here). */
  #batchCheck: (() => void) | null = null;
  /** Redis is unreachable: between a "lost" and a "restored" event. */
  #down = false;
  #lostAt = 0;
  #restoredAt = 0;
  /** Moves index entries into buckets (while running), and how many tasks ended since it last did. */
  #compact: ((budget: number) => Promise<unknown>) | null = null;
  #endedSince = 0;

  constructor(host: RedisHost, input: WorkerRunnerInput) {
    this.#host = host;
    this.#lifecycle = input.lifecycle;
    this.#options = input.options;
    this.#events = input.events;
    this.#attempts = new JobAttempts(
      host.alias,
      input.lifecycle,
      input.events,
      input.options.workerId,
      host.settings.lockDurationMs,
      () => this.#batchCheck?.(),
    );
  }

  get runningCount(): number {
    return this.#attempts.size;
  }

  get #id(): string {
    return this.#options.workerId;
  }

  stop(): void {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#events.stopping?.(false);
      this.#startupAbort.abort();
      // Not while the Workers start: closing one still starting up leaves its commands in flight
      // on the shared connection, and they failed with "Connection is closed" (exit 1 for a
      // first SIGTERM, ~1 in 30 a moment after spawn). Start-up returns at its next look instead.
      if (this.#started) void this.#closeAll();
    } else if (!this.#forced) {
      this.#forced = true;
      this.#events.stopping?.(true);
      this.#attempts.interruptAll();
      // Redis is away: the interrupted ends cannot be stored now and a forced stop does not wait
      // for it (those runs come back as lost attempts through the stalled check). Still starting
      // up (Redis slow to answer, say): a second stop does not wait for that either.
      if (this.#down || !this.#started) for (const worker of this.#workers) void worker.close(true).catch(() => {});
    }
  }

  run(): Promise<void> {
    // Held for the whole run: the shared connection keeps reconnecting through outages.
    return this.#host.use(() => this.#run());
  }

  async #run(): Promise<void> {
    const settings = this.#host.settings;
    const client = await this.#host.client();
    const queues = await this.#selectedQueues(client);
    // Before any Worker takes a job: BullMQ enforces the limits from the queues' meta.
    await applyLimits(this.#host, queues);
    const registry = new WorkerRegistry(client, this.#host.keys.workers, settings.heartbeatMs);
    const label = describeSelector(this.#options.selector);
    await registry.register({
      id: this.#id,
      hostname: hostname(),
      pid: process.pid,
      queues: label,
      startedAt: new Date(),
      // `tasks check` compares them with its config's: another app on the same prefix shows.
      tasks: [...this.#lifecycle.tasks.keys()].sort(),
    });
    // Workers move new index entries into compact buckets (id-index.ts): a share at start, on
    // every heartbeat and every COMPACT_EVERY ended tasks (while Redis serves the runs), and the
    // rest (within a bound) as they stop.
    let compacting: Promise<unknown> | null = null;
    const compact = (budget: number) => {
      compacting ??= compactIndex(client, this.#host.keys, budget)
        .catch((error: Error) => this.#error(error))
        .finally(() => {
          compacting = null;
        });
      return compacting;
    };
    this.#compact = compact;
    void compact(COMPACT_PER_BEAT);
    // BullMQ records its worker's name in every job it runs: a short code stands for the id.
    let code: string | undefined;
    const beat = async () => {
      // A missing entry: Redis lost its data. The worker keeps its code, then registers again.
      const keep = code;
      await registry.heartbeat(
        this.#id,
        keep ? () => keepWorkerCode(client, this.#host.keys, this.#id, keep) : undefined,
      );
    };
    const heartbeat = setInterval(() => {
      beat().catch((error: Error) => this.#error(error));
      void compact(COMPACT_PER_BEAT);
    }, settings.heartbeatMs);
    heartbeat.unref();
    let batchTimer: NodeJS.Timeout | undefined;
    let unwatch: (() => void) | undefined;
    try {
      if (this.#options.startupDelay) await sleep(Math.random() * 1000, this.#startupAbort.signal);
      if (this.#stopping) return;
      const connection = await connect(settings, "worker");
      this.#connection = connection;
      unwatch = watchOutages(connection, settings.url, (state, message) => {
        this.#down = state === "lost";
        if (state === "lost") this.#lostAt = Date.now();
        else this.#restoredAt = Date.now();
        this.#events.connection?.(state, message);
      });
      code = await workerCode(client, this.#host.keys, this.#id);
      // Said once per process, not by BullMQ for each Worker and its blocking connection.
      await warnIfEvicting(client, settings.url);
      if (this.#stopping) return;
      for (const name of queues) this.#workers.push(this.#makeWorker(name, connection, code));
      // Ready first (connections, scripts): closing a Worker still starting up leaves commands
      // in flight on the shared connection, which fail when it closes.
      await Promise.all(this.#workers.map((w) => w.waitUntilReady()));
      if (this.#stopping) return;
      this.#started = true;
      const running = this.#workers.map((w) => w.run());
      this.#events.started?.({ workerId: this.#id, queues: label });
      if (this.#options.batch) {
        let checking = false;
        this.#batchCheck = () => {
          if (checking) return;
          checking = true;
          void this.#checkBatchDone(queues).finally(() => {
            checking = false;
          });
        };
        batchTimer = setInterval(this.#batchCheck, 100);
      }
      await Promise.all(running);
      await this.#closeAll();
    } finally {
      clearInterval(heartbeat);
      clearInterval(batchTimer);
      await this.#closeAll();
      this.#attempts.clearTimers();
      unwatch?.();
      await registry.stopped(this.#id).catch(() => {});
      this.#compact = null;
      await compacting;
      await compactIndex(client, this.#host.keys, COMPACT_AT_STOP).catch(() => {});
      const connection = this.#connection;
      this.#connection = null;
      if (connection) await closeClient(connection);
    }
  }

  /** The queue names of the selector (see the class comment for what '*' means here). */
  async #selectedQueues(client: Redis): Promise<string[]> {
    const { include, exclude } = this.#options.selector;
    if (include !== "*") {
      for (const name of include) {
        const problem = redisKind.queueNameProblem?.(name);
        if (problem) throw new UsageError(`--queue "${name}" ${problem}`);
      }
      return [...include];
    }
    const known = new Set([...this.#host.queues, ...(await usedQueues(client, this.#host.keys))]);
    if (known.size === 0) known.add("default");
    return [...known].filter((q) => !exclude.includes(q)).sort();
  }

  #makeWorker(queueName: string, connection: Redis, code: string): Worker {
    const settings = this.#host.settings;
    const { concurrency, maxTasks } = this.#options;
    const maxAttempts = Math.max(1, ...[...this.#lifecycle.tasks.values()].map((t) => t.maxAttempts));
    const worker: Worker = new Worker(queueName, (job, token) => this.#process(worker, job, token), {
      connection,
      prefix: settings.prefix,
      name: code,
      autorun: false,
      concurrency: maxTasks > 0 ? Math.min(concurrency, maxTasks) : concurrency,
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      // A lost run counts as an attempt when its job comes back (see #process), so tasks fail
      // WorkerLost once their attempts are used; BullMQ's own limit only backs that up.
      maxStalledCount: maxAttempts + STALL_SLACK,
      // A failed end BullMQ could not store over a working connection is retried soon.
      runRetryDelay: 1000,
      settings: {
        backoffStrategy: (_attemptsMade, type, error) =>
          type === BACKOFF_TYPE ? Math.max(0, (error as RetryableFailure | undefined)?.tasklaneDelayMs ?? 0) : 0,
      },
    });
    worker.on("completed", (job) => {
      if (job.id) this.#attempts.report(job.id);
      this.#ended();
    });
    worker.on("failed", (job) => {
      this.#ended();
      if (!job?.id) return;
      if (this.#attempts.has(job.id)) this.#attempts.report(job.id);
      else if (job.failedReason === STALLED_REASON) this.#events.recovered?.([{ id: job.id, status: "FAILED" }]);
    });
    worker.on("stalled", (jobId) => this.#events.recovered?.([{ id: jobId, status: "READY" }]));
    worker.on("error", (error) => {
      // BullMQ refused to store an attempt's end (a negative code: its lock or active state is
      // gone). After a Redis restart that is often a resent end that had landed before the
      // restart cut its answer off: what Redis now holds decides.
      const code = (error as { code?: unknown }).code;
      if (typeof code === "number" && code < 0 && this.#attempts.onRefused(worker, error.message)) return;
      this.#error(error);
    });
    return worker;
  }

  #ended(): void {
    if (++this.#endedSince < COMPACT_EVERY) return;
    this.#endedSince = 0;
    void this.#compact?.(COMPACT_EVERY);
  }

  async #process(worker: Worker, job: Job, token: string | undefined): Promise<unknown> {
    const { maxTasks } = this.#options;
    if (this.#stopping || (maxTasks > 0 && this.#claimed >= maxTasks)) {
      // Fetched past --max-tasks (or while stopping): back to waiting, never started (no attempt).
      await job.moveToWait(token);
      throw new WaitingError();
    }
    this.#claimed++;
    if (maxTasks > 0 && this.#claimed >= maxTasks) void this.#closeAll();
    return this.#attempts.process(worker, job, token);
  }

  /**
   * A store error the worker survives. Connection errors belong to an outage, which the
   * "connection lost" event reports: they are held a moment and dropped if one was reported
   * (a killed Redis resets one connection a little before the watched one notices).
   */
  #error(error: Error): void {
    if (!isTransportError(error)) return void this.#events.error?.(error);
    const at = Date.now();
    const quiet = () =>
      this.#down ||
      this.#connection?.status !== "ready" ||
      this.#lostAt >= at - QUIET_MS ||
      Date.now() - this.#restoredAt < QUIET_MS;
    if (quiet()) return;
    setTimeout(() => {
      if (!quiet()) this.#events.error?.(error);
    }, QUIET_MS).unref();
  }

  /**
   * --batch: close once nothing of the selected queues is waiting or due, and nothing runs here.
   * A paused queue's tasks do not count: no worker takes them until it is resumed.
   */
  async #checkBatchDone(queues: string[]): Promise<void> {
    if (this.#closing || this.#attempts.size > 0) return;
    try {
      const now = Date.now();
      for (const name of queues) {
        const queue = await this.#host.queue(name);
        if (await queue.isPaused()) continue;
        const counts = await queue.getJobCounts("waiting", "prioritized", "delayed");
        if ((counts.waiting ?? 0) + (counts.paused ?? 0) + (counts.prioritized ?? 0) > 0) return;
        if ((counts.delayed ?? 0) > 0) {
          const [next] = await queue.getDelayed(0, 0);
          if (!next || dueAtOf(next) <= now) return;
        }
      }
    } catch {
      return; // Redis away: not done; the next check looks again.
    }
    if (this.#attempts.size === 0) void this.#closeAll();
  }

  /** Stops fetching and waits for running jobs to end (all Workers, once). */
  #closeAll(): Promise<void> {
    if (this.#workers.length === 0) return Promise.resolve();
    this.#closing ??= Promise.all(this.#workers.map((w) => w.close())).then(() => undefined);
    return this.#closing;
  }
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
