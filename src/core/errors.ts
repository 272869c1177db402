/** Every error class tasklane throws. All extend TasklaneError so callers can catch one type. */
export class TasklaneError extends Error {
  constructor(message: string) {
    super(message);
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
