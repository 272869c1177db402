import type { ActiveConfig } from "../config/registry.js";
import { InvalidTaskBackendError, InvalidTaskError } from "./errors.js";
import type { AnyTask } from "./task.js";

export const MIN_PRIORITY = -100;
export const MAX_PRIORITY = 100;

/** Why this priority is invalid, or null. */
export function priorityProblem(priority: unknown): string | null {
  if (
    typeof priority !== "number" ||
    !Number.isInteger(priority) ||
    priority < MIN_PRIORITY ||
    priority > MAX_PRIORITY
  ) {
    return `priority must be an integer from ${MIN_PRIORITY} to ${MAX_PRIORITY}, got ${String(priority)}`;
  }
  return null;
}

/**
 * Checks a task against every rule. With `config` null only the rules that need no config
 * run (priority range, attempts, backoff); otherwise also backend, queue, defer, priority
 * support and registration.
 */
export function validateTask(task: AnyTask, config: ActiveConfig | null): void {
  const fail = (rule: string): never => {
    throw new InvalidTaskError(`Task "${task.name}": ${rule}`);
  };
  const priority = priorityProblem(task.priority);
  if (priority) fail(priority);
  if (!Number.isInteger(task.maxAttempts) || task.maxAttempts < 1) {
    fail(`maxAttempts must be an integer ≥ 1, got ${String(task.maxAttempts)}`);
  }
  const backoff = task.backoff;
  if (backoff) {
    if (backoff.type !== "fixed" && backoff.type !== "exponential") {
      fail(`backoff.type must be "fixed" or "exponential", got ${JSON.stringify(backoff.type)}`);
    }
    if (!(Number.isFinite(backoff.delayMs) && backoff.delayMs >= 0)) fail("backoff.delayMs must be a number ≥ 0");
    if (backoff.maxDelayMs !== undefined && !(backoff.maxDelayMs >= backoff.delayMs)) {
      fail("backoff.maxDelayMs must be ≥ backoff.delayMs");
    }
    if (backoff.jitter !== undefined && !(backoff.jitter >= 0 && backoff.jitter <= 1)) {
      fail("backoff.jitter must be between 0 and 1");
    }
  }
  if (typeof task.queueName !== "string" || task.queueName === "") fail("queueName must be a non-empty string");
  if (task.runAfter !== null && (!(task.runAfter instanceof Date) || Number.isNaN(task.runAfter.getTime()))) {
    fail("runAfter must be a valid Date");
  }
  if (!config) return;

  const backend = config.backends.get(task.backend);
  if (!backend) {
    throw new InvalidTaskBackendError(
      `Task "${task.name}": backend "${task.backend}" is not configured; configured backends: ${[...config.backends.keys()].join(", ")}`,
    );
  }
  if (backend.queues.length > 0 && !backend.queues.includes(task.queueName)) {
    fail(
      `queue "${task.queueName}" is not in backend "${backend.alias}" queues (${backend.queues.join(", ")}); add it to queues, or set queues: [] to allow any`,
    );
  }
  if (task.runAfter !== null && !backend.capabilities.supportsDefer) {
    fail(`backend "${backend.alias}" (${backend.kind}) does not support runAfter`);
  }
  if (task.priority !== 0 && !backend.capabilities.supportsPriority) {
    fail(`backend "${backend.alias}" (${backend.kind}) does not support priorities; use priority 0`);
  }
  if (!config.isImplicit && !config.isRegistered(task)) {
    fail(`not registered in the config's tasks (${config.describe()}), so a worker could not find it`);
  }
}
