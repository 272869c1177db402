import { InvalidTaskBackendError, InvalidTaskError } from "../core/errors.js";
import type { AnyTask } from "../core/task.js";
import { failRule } from "../core/validation.js";
import type { BackendEntry } from "./entry.js";

/** What the rules read from a config. */
export interface ConfigView {
  readonly backends: ReadonlyMap<string, BackendEntry>;
  readonly isImplicit: boolean;
  /** Where the config was looked for (its folder, or the current folder for an implicit one). */
  readonly baseDir: string;
  isRegistered(task: AnyTask): boolean;
  describe(): string;
}

const isAsync = (fn: unknown) =>
  typeof fn === "function" && ["AsyncFunction", "AsyncGeneratorFunction"].includes(fn.constructor?.name ?? "");

/**
 * The rules that need the config, checked when defineConfig registers a task, on every
 * `using()` and on enqueue: the backend exists, the queue is one of its queues, runAfter and
 * priorities only where supported, async functions only where supported, and the task is
 * registered (so a worker can find it).
 *
 * Without a config file (the implicit immediate backend), a broken rule is most often the sign
 * of an app started from a folder above its project, whose tasks expect their own config: the
 * error says that no config file was found, and from where it was looked for.
 */
export function checkTaskAgainst(task: AnyTask, config: ConfigView): void {
  if (!config.isImplicit) {
    checkRules(task, config);
    return;
  }
  try {
    checkRules(task, config);
  } catch (error) {
    if (!(error instanceof InvalidTaskError || error instanceof InvalidTaskBackendError)) throw error;
    const ErrorClass = error.constructor as new (message: string) => Error;
    throw new ErrorClass(
      `${error.message} (no tasks.config.* was found from ${config.baseDir} upward, so tasks run on the implicit immediate backend; start the app from its project folder, or set TASKS_CONFIG)`,
    );
  }
}

function checkRules(task: AnyTask, config: ConfigView): void {
  const backend = config.backends.get(task.backend);
  if (!backend) {
    throw new InvalidTaskBackendError(
      `Task "${task.name}": backend "${task.backend}" is not configured; configured backends: ${[...config.backends.keys()].join(", ")}`,
    );
  }
  if (backend.queues.length > 0 && !backend.queues.includes(task.queueName)) {
    failRule(
      task,
      `queue "${task.queueName}" is not in backend "${backend.alias}" queues (${backend.queues.join(", ")}); add it to queues, or set queues: [] to allow any`,
    );
  }
  if (task.runAfter !== null && !backend.capabilities.supportsDefer) {
    failRule(task, `backend "${backend.alias}" (${backend.kind}) does not support runAfter`);
  }
  if (task.priority !== 0 && !backend.capabilities.supportsPriority) {
    failRule(task, `backend "${backend.alias}" (${backend.kind}) does not support priorities; use priority 0`);
  }
  if (!backend.capabilities.supportsAsyncTask && isAsync(task.definition.fn)) {
    failRule(
      task,
      `backend "${backend.alias}" (${backend.kind}) does not support async tasks (supportsAsyncTask is false); use a synchronous function`,
    );
  }
  if (task.definition.concurrency && !backend.controls?.keyConcurrency) {
    failRule(
      task,
      `backend "${backend.alias}" (${backend.kind}) cannot limit concurrency per key; drop the task's concurrency option or use a sqlite backend`,
    );
  }
  if (!config.isImplicit && !config.isRegistered(task)) {
    failRule(task, `not registered in the config's tasks (${config.describe()}), so a worker could not find it`);
  }
}
