import { InvalidTaskError, type TasklaneError } from "./errors.js";
import type { Backoff } from "./retry.js";

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

/** The settings of a task that rules need (a Task satisfies it). */
export interface TaskSettings {
  readonly name: string;
  readonly priority: number;
  readonly queueName: string;
  readonly runAfter: Date | null;
  readonly maxAttempts: number;
  readonly backoff: Backoff | undefined;
  readonly timeoutMs: number | null;
}

/** Throws InvalidTaskError naming the task and the rule. */
export function failRule(task: { readonly name: string }, rule: string): never {
  throw new InvalidTaskError(`Task "${task.name}": ${rule}`);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * The rules that need no config (priority range, attempts, backoff, queue name, runAfter),
 * checked when a task is built and on every using(); the config layer adds the rest.
 */
export function checkTaskSettings(task: TaskSettings): void {
  const priority = priorityProblem(task.priority);
  if (priority) failRule(task, priority);
  if (!Number.isInteger(task.maxAttempts) || task.maxAttempts < 1) {
    failRule(task, `maxAttempts must be an integer ≥ 1, got ${String(task.maxAttempts)}`);
  }
  const backoff = task.backoff;
  if (backoff) {
    if (backoff.type !== "fixed" && backoff.type !== "exponential") {
      failRule(task, `backoff.type must be "fixed" or "exponential", got ${JSON.stringify(backoff.type)}`);
    }
    if (!(Number.isFinite(backoff.delayMs) && backoff.delayMs >= 0))
      failRule(task, `backoff.delayMs must be a number ≥ 0 (milliseconds), got ${String(backoff.delayMs)}`);
    if (backoff.maxDelayMs !== undefined && !(backoff.maxDelayMs >= backoff.delayMs)) {
      failRule(
        task,
        `backoff.maxDelayMs must be ≥ backoff.delayMs (${backoff.delayMs}), got ${String(backoff.maxDelayMs)}`,
      );
    }
    if (backoff.jitter !== undefined && !(backoff.jitter >= 0 && backoff.jitter <= 1)) {
      failRule(task, `backoff.jitter must be between 0 and 1, got ${String(backoff.jitter)}`);
    }
  }
  if (typeof task.queueName !== "string" || task.queueName === "")
    failRule(task, "queueName must be a non-empty string");
  // A line break or an escape sequence in a queue name would break every listing that shows it.
  if (CONTROL_CHARACTER.test(task.queueName)) {
    failRule(
      task,
      `queueName must not contain control characters (a line break, a tab, an escape), got ${JSON.stringify(task.queueName)}`,
    );
  }
  if (task.runAfter !== null && (!(task.runAfter instanceof Date) || Number.isNaN(task.runAfter.getTime()))) {
    const got = describeValue(task.runAfter);
    failRule(task, `runAfter must be a Date, e.g. new Date(Date.now() + 60_000), got ${got}`);
  }
  if (task.timeoutMs !== null && !(Number.isInteger(task.timeoutMs) && task.timeoutMs > 0)) {
    failRule(task, `timeoutMs must be a positive integer (milliseconds), got ${String(task.timeoutMs)}`);
  }
}

/**
 * Unknown option keys are an error, not silently ignored (`maxAttempt: 3` in a .js config would
 * otherwise build a task with the defaults): names the key and the ones that exist.
 */
export function checkKnownKeys(
  where: string,
  options: object,
  known: readonly string[],
  ErrorClass: new (message: string) => TasklaneError = InvalidTaskError,
): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new ErrorClass(`${where}: unknown option "${key}"; known options: ${known.join(", ")}`);
    }
  }
}

/** A wrong value as an error's "got …" names it: `"5m"`, `the number 5`, `an invalid Date`, `a boolean`. */
export function describeValue(value: unknown): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "an invalid Date" : "a Date";
  if (typeof value === "string") return `"${value}"`;
  if (typeof value === "number") return `the number ${value}`;
  return `a ${typeof value}`;
}
