import { ensureConfig } from "../config/lookup.js";
import { AttemptLifecycle } from "../contract/attempt.js";
import type { Backend } from "../contract/backend.js";
import { eventsTo, type WorkerEvent } from "../contract/events.js";
import type { WorkerRunner } from "../contract/runner.js";
import { UsageError } from "../core/errors.js";
import type { AnyTask } from "../core/task.js";
import { checkKnownKeys } from "../core/validation.js";
import { resolveWorkerOptions, type SettingNames, type WorkerOptions, type WorkerSettings } from "./options.js";
import { guardProcess } from "./process-guard.js";
import { Retention } from "./retention.js";
import { Scheduler } from "./scheduler.js";
import { Worker } from "./worker.js";

export interface RunWorkerOptions extends WorkerSettings {
  /** A backend alias of the active config (default "default"), or a backend instance. */
  backend?: string | Backend;
  /** Aborting it stops the worker gracefully: no new claims, running tasks finish. */
  signal?: AbortSignal;
  /** Every event the worker reports (started, taskStarted, taskFinished, stopping, recovered, error). */
  onEvent?(event: WorkerEvent): void;
  /**
   * The worker owns this process, as `tasks worker` does: SIGINT/SIGTERM stop it (the first
   * gracefully, a second interrupts running tasks), and a task's process.exit(), stray exception
   * or unhandled rejection fails that task instead of ending the process (process-guard.ts).
   * Default false: an app decides what its signals and process-wide errors mean.
   */
  ownsProcess?: boolean;
}

export interface WorkerSummary {
  workerId: string;
  succeeded: number;
  failed: number;
  retried: number;
  /** Ends not recorded: the task had been recovered from this worker meanwhile, or (Redis) its job was gone. */
  dropped: number;
  /** True when running tasks were interrupted (a second stop). */
  forced: boolean;
}

const OPTION_NAMES: SettingNames = {
  queues: "queues",
  excludeQueues: "excludeQueues",
  concurrency: "concurrency",
  intervalMs: "intervalMs",
  maxTasks: "maxTasks",
  workerId: "workerId",
};

/** Every option runWorker() takes, in the order the README lists them. */
const RUN_WORKER_OPTIONS = [
  "backend",
  "queues",
  "excludeQueues",
  "concurrency",
  "intervalMs",
  "batch",
  "maxTasks",
  "startupDelay",
  "workerId",
  "signal",
  "onEvent",
  "ownsProcess",
] as const satisfies readonly (keyof RunWorkerOptions)[];

/**
 * A worker running in this process. `await` it for the summary once it stops; `stop()` once
 * stops it gracefully (running tasks finish), twice interrupts running tasks (WorkerInterrupted).
 */
export class RunningWorker implements PromiseLike<WorkerSummary> {
  readonly #done: Promise<WorkerSummary>;
  #runner: WorkerRunner | null = null;
  #lifecycle: AttemptLifecycle | null = null;
  #stops = 0;
  #forced = false;
  readonly #onStop: (() => void)[] = [];

  constructor(start: (self: RunningWorker) => Promise<WorkerSummary>) {
    this.#done = start(this);
  }

  /** First call: finish running tasks and stop. Second call: interrupt them. */
  stop(): void {
    this.#stops++;
    if (this.#stops >= 2) this.#forced = true;
    this.#runner?.stop();
    if (this.#stops === 1) for (const listener of this.#onStop) listener();
  }

  /** Calls `listener` at the first stop (at once if already stopped): what must end as claiming ends. */
  onStop(listener: () => void): void {
    this.#onStop.push(listener);
    if (this.#stops > 0) listener();
  }

  get runningCount(): number {
    return this.#runner?.runningCount ?? 0;
  }

  get stats(): { succeeded: number; failed: number; retried: number; dropped: number } {
    return this.#lifecycle?.stats ?? { succeeded: 0, failed: 0, retried: 0, dropped: 0 };
  }

  // biome-ignore lint/suspicious/noThenProperty: thenable on purpose, so `await runWorker(…)` gives the summary.
  then<A = WorkerSummary, B = never>(
    onFulfilled?: ((value: WorkerSummary) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): PromiseLike<A | B> {
    return this.#done.then(onFulfilled, onRejected);
  }

  /** Wires the runner once it exists; stops asked for before then are replayed. */
  attach(runner: WorkerRunner, lifecycle: AttemptLifecycle): void {
    this.#runner = runner;
    this.#lifecycle = lifecycle;
    for (let i = 0; i < this.#stops; i++) runner.stop();
  }

  get forced(): boolean {
    return this.#forced;
  }
}

/**
 * Runs a worker in this process with `tasks worker`'s semantics (an Electron app, a
 * single-process server, a test): claims from the backend's queues, runs each task through
 * the same lifecycle, retries, leases and heartbeats, until stopped, or until nothing is ready
 * with `batch`, or after `maxTasks`. Uses the active config (loading tasks.config.* if none is).
 */
export function runWorker(options: RunWorkerOptions = {}): RunningWorker {
  return new RunningWorker(async (self) => {
    // A misspelt option is an error, not a worker quietly running with the default (`concurency:
    // 10` would run one task at a time; `bacth: true` would never stop).
    checkKnownKeys("runWorker()", options, RUN_WORKER_OPTIONS, UsageError);
    const config = await ensureConfig();
    const alias =
      typeof options.backend === "string" || options.backend === undefined ? options.backend : options.backend.alias;
    const entry = config.backends.get(alias ?? "default");
    if (!entry) {
      throw new UsageError(
        `backend: no backend "${alias ?? "default"}" in ${config.describe()} (configured: ${[...config.backends.keys()].join(", ")})`,
      );
    }
    const backend = typeof options.backend === "object" ? options.backend : await config.getBackend(entry.alias);
    const resolved = resolveWorkerOptions(options, entry, OPTION_NAMES);
    return runResolvedWorker(self, {
      backend,
      tasks: config.tasks,
      registry: config.describe(),
      options: resolved,
      onEvent: options.onEvent,
      signal: options.signal,
      ownsProcess: options.ownsProcess ?? false,
    });
  });
}

/** What runResolvedWorker needs: everything already resolved (the CLI builds this from its flags). */
export interface ResolvedWorker {
  backend: Backend;
  tasks: ReadonlyMap<string, AnyTask>;
  registry: string;
  options: WorkerOptions;
  onEvent?: (event: WorkerEvent) => void;
  signal?: AbortSignal;
  ownsProcess: boolean;
  /** With ownsProcess: called before the process ends on an error outside any task (flush the log). */
  onCrash?: (error: unknown) => void;
}

/** Runs a resolved worker to its end: the generic loop, or the backend's own runner. */
export async function runResolvedWorker(self: RunningWorker, input: ResolvedWorker): Promise<WorkerSummary> {
  const { backend, options } = input;
  const events = eventsTo((event) => input.onEvent?.(event));
  const lifecycle = new AttemptLifecycle({
    backend,
    tasks: input.tasks,
    workerId: options.workerId,
    registry: input.registry,
    events,
  });
  const store = backend.workerStore();
  const runner =
    backend.createWorkerRunner({ lifecycle, options, events }) ??
    (store ? new Worker(store, lifecycle, options, events) : null);
  if (!runner) {
    throw new UsageError(`backend "${backend.alias}" (${backend.kind}) does not run workers`);
  }
  self.attach(runner, lifecycle);
  const onAbort = () => self.stop();
  input.signal?.addEventListener("abort", onAbort, { once: true });
  if (input.signal?.aborted) self.stop();
  let unguard = () => {};
  if (input.ownsProcess) {
    process.on("SIGINT", onAbort);
    process.on("SIGTERM", onAbort);
    unguard = guardProcess((error) => {
      input.onCrash?.(error);
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    });
  }
  // The backend's schedules tick in every worker (the store enqueues each tick once).
  const scheduler = Scheduler.forBackend(backend, events);
  // Finished results past the backend's retention are deleted by its running workers.
  const retention = Retention.forBackend(backend, events);
  // A stopping worker enqueues no more ticks while it finishes its running tasks (a drain can
  // take minutes); the workers still running fire them.
  self.onStop(() => void scheduler.stop());
  try {
    await scheduler.start();
    retention?.start();
    await runner.run();
  } finally {
    await Promise.all([scheduler.stop(), retention?.stop()]);
    input.signal?.removeEventListener("abort", onAbort);
    if (input.ownsProcess) {
      process.off("SIGINT", onAbort);
      process.off("SIGTERM", onAbort);
      unguard();
    }
  }
  return { workerId: options.workerId, ...lifecycle.stats, forced: self.forced };
}
