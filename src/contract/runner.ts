import type { AttemptLifecycle } from "./attempt.js";
import type { WorkerEvents } from "./events.js";
import type { QueueSelector } from "./worker-store.js";

export type { WorkerEvents } from "./events.js";

/** How a worker runs: the resolved form of `tasks worker`'s flags and of runWorker()'s options. */
export interface WorkerOptions {
  workerId: string;
  selector: QueueSelector;
  /** How many tasks may run at once (async tasks overlap; sync ones run one after another). */
  concurrency: number;
  /** Idle fallback: how long to sleep when nothing is ready and no change was noticed. */
  intervalMs: number;
  /** Exit once nothing is ready (after running tasks finish). */
  batch: boolean;
  /** Exit after claiming this many tasks (failed ones count), 0 = no limit. */
  maxTasks: number;
  /** Sleep a random 0–1 s before the first claim, so many workers started together spread out. */
  startupDelay: boolean;
  heartbeatMs: number;
}

/** What the worker layer hands a backend that brings its own worker loop. */
export interface WorkerRunnerInput {
  /** Runs every attempt (the one lifecycle every backend shares) and keeps the stats. */
  lifecycle: AttemptLifecycle;
  options: WorkerOptions;
  events: WorkerEvents;
}

/**
 * A worker loop: the generic one over a WorkerStore, or one a backend runs itself (BullMQ's
 * Worker on Redis). Same semantics: `stop()` once = finish running tasks, twice = abort them
 * and record them FAILED (WorkerInterrupted).
 */
export interface WorkerRunner {
  run(): Promise<void>;
  stop(): void;
  readonly runningCount: number;
}
