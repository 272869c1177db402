import { InvalidTaskBackendError } from "../core/errors.js";
import type { AnyTask } from "../core/task.js";
import { failRule } from "../core/validation.js";
import type { BackendEntry } from "./entry.js";

/** What the rules read from a config. */
export interface ConfigView {
  readonly backends: ReadonlyMap<string, BackendEntry>;
  readonly isImplicit: boolean;
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
 */
export function checkTaskAgainst(task: AnyTask, config: ConfigView): void {
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
