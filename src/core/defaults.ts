/**
 * Every default tasklane applies, in one place. Config schemas fill them in, so backends and the
 * worker read complete options; anything built without a config (tests, custom code) falls back
 * to the same numbers.
 */

/** Task options. */
export const TASK_DEFAULTS = {
  priority: 0,
  queueName: "default",
  backend: "default",
  maxAttempts: 1,
  /** ±10% of each backoff delay, so tasks that failed together do not retry together. */
  jitter: 0.1,
} as const;

/** The SQLite backend's options. */
export const SQLITE_DEFAULTS = {
  path: ".tasks/tasks.sqlite3",
  /**
   * How long a claim reserves a task for its worker without a heartbeat. Long enough that a
   * busy machine (a GC pause, a swapped-out process) never loses a live worker's task; short
   * enough that a crashed worker's task is picked up within a minute.
   */
  leaseMs: 30_000,
  /** A lease is extended every heartbeat: six chances per lease before it can lapse. */
  heartbeatMs: 5_000,
  /** How long a write waits for another process's lock before it fails. */
  busyTimeoutMs: 5_000,
} as const;

/** The Redis backend's options. */
export const REDIS_DEFAULTS = {
  url: "redis://127.0.0.1:6379",
  prefix: "tasklane",
  connectTimeoutMs: 5_000,
  heartbeatMs: 5_000,
  /** BullMQ's job lock: how long a dead worker's task stays held before it is recovered. */
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
} as const;

/** The worker's own defaults (flags of `tasks worker` and options of runWorker()). */
export const WORKER_DEFAULTS = {
  concurrency: 1,
  /** Idle poll fallback; idle workers normally wake on a change notification. */
  intervalMs: 1_000,
  /** Heartbeat period when the backend names none. */
  heartbeatMs: 5_000,
  /** How long running tasks get to finish when `--reload` restarts the worker. */
  reloadGraceMs: 30_000,
} as const;
