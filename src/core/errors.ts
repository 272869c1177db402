/**
 * Every error class tasklane throws to its users. All extend TasklaneError so callers can catch
 * one type; the CLI prints any of them as one line (exit 2 for the usage kinds, else 1).
 */
export class TasklaneError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A task, its options or its arguments break a rule (priority range, queue, JSON, …). */
export class InvalidTaskError extends TasklaneError {}

/** A task names a backend alias the config does not define. */
export class InvalidTaskBackendError extends TasklaneError {}

/** The config file is missing, broken or invalid. */
export class ConfigError extends TasklaneError {}

/** No result has this id. */
export class TaskResultDoesNotExist extends TasklaneError {}

/** The result exists but belongs to another task. */
export class TaskResultMismatch extends TasklaneError {}

/** A user-facing usage error (bad flag value, unknown id, …); the CLI prints it on one line. */
export class UsageError extends TasklaneError {}

/** `result.wait()` ran out of time before the task finished; the result holds what was read last. */
export class WaitTimeout extends TasklaneError {}

/** `result.returnValue` was read before the task SUCCEEDED (it failed, was cancelled, or has not finished). */
export class ResultNotReady extends TasklaneError {}

/** A backend's storage cannot be reached (a Redis server down, say); the message names where and what to check. */
export class BackendUnavailableError extends TasklaneError {}

/**
 * A backend's storage is there but unusable: a file that is not a database, a corrupt one, a
 * schema from a newer tasklane, a folder that cannot be written, a full disk. The message names
 * the file and what to do. `transient`: it passes by itself (a full disk once space is freed, a
 * lock once its holder lets go), so a worker waits it out instead of exiting.
 */
export class StorageError extends TasklaneError {
  readonly transient: boolean;

  constructor(message: string, options?: ErrorOptions & { transient?: boolean }) {
    super(message, options);
    this.transient = options?.transient ?? false;
  }
}

/**
 * The store a worker serves is gone from under it (its SQLite file deleted or replaced while
 * the worker ran). Retrying cannot help: the worker stops claiming, lets its running tasks
 * finish, and exits with this error, so it is started again on the store that is there now.
 */
export class StoreGone extends StorageError {}

/**
 * A large `enqueueMany` (committed in chunks, see the README) failed part-way: the first
 * `storedIds.length` tasks are stored and will run; the rest were not stored.
 */
export class EnqueueIncomplete extends TasklaneError {
  constructor(
    message: string,
    readonly storedIds: string[],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Thrown out of `process.exit()` when a task calls it inside a worker: the worker records the
 * attempt FAILED (ProcessExit) and keeps serving, as django-tasks' worker survives `exit()`.
 */
export class TaskCalledProcessExit extends TasklaneError {
  constructor(readonly code: number | string | null | undefined) {
    super(`the task called process.exit(${code ?? ""}); a task must throw to fail, not end the worker's process`);
  }
}

/** An attempt ran past its `timeoutMs`: the abort reason of `context.signal`, and the error recorded. */
export class TaskTimeout extends TasklaneError {}
